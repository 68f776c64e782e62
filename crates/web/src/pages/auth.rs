//! Sign-in, sign-out, the staff home page, and a patient's invitation.

use super::{Ctx, FormState, PageForm, render, render_status};
use crate::AppState;
use crate::ctx::{SESSION_COOKIE, Viewer};
use crate::error::PageError;
use crate::i18n::tr;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cellpath_app::AppError;
use cellpath_app::auth::SignedIn;
use cellpath_domain::{Action, Role};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ctx: Ctx,
    form: FormState,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    may_search: bool,
    may_register: bool,
    may_admin: bool,
}

#[derive(Template)]
#[template(path = "invite_accept.html")]
struct InviteAcceptPage {
    ctx: Ctx,
    form: FormState,
    action: String,
}

fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .build()
}

async fn sign_in_page(viewer: Viewer) -> Result<Response, PageError> {
    if viewer.actor().is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(
        viewer.locale,
        &SignInPage {
            ctx: Ctx::new(&viewer),
            form: FormState::default(),
        },
    )
}

/// Signs in: a new session every time (no session id survives from before
/// sign-in), failures slowed down and counted towards a lockout.
async fn sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    let get = |k: &str| form.get(k);
    let result = state
        .app
        .sign_in(&get("username"), &get("password"), &get("totp"))
        .await;
    match result {
        Ok(SignedIn { session_token, .. }) => {
            let jar = jar.add(session_cookie(&state, session_token));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(err @ (AppError::BadCredentials { .. } | AppError::Locked { .. })) => {
            let key = match err {
                AppError::BadCredentials { failures } => {
                    // Each failure in a row costs the next attempt more time.
                    let delay =
                        Duration::from_millis(u64::try_from(failures.min(10)).unwrap_or(0) * 150);
                    tokio::time::sleep(delay).await;
                    "sign-in-failed"
                }
                _ => "sign-in-locked",
            };
            let mut values = HashMap::new();
            values.insert("username".to_string(), get("username"));
            let form = FormState {
                values,
                errors: HashMap::new(),
                banner: Some(tr(viewer.locale, key)),
            };
            render_status(
                viewer.locale,
                StatusCode::UNAUTHORIZED,
                &SignInPage {
                    ctx: Ctx::new(&viewer),
                    form,
                },
            )
        }
        Err(other) => Err(PageError::from_app(viewer.locale, other)),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    if let (Some(actor), Some(token)) = (viewer.actor(), &viewer.session_token) {
        state
            .app
            .sign_out(actor, token)
            .await
            .map_err(|e| PageError::from_app(viewer.locale, e))?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}

async fn home(viewer: Viewer) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    if actor.role == Role::Patient {
        return Ok(Redirect::to("/portal").into_response());
    }
    let page = HomePage {
        may_search: actor.may(Action::SearchPatients),
        may_register: actor.may(Action::RegisterPatient),
        may_admin: actor.may(Action::ManageUsers),
        ctx: Ctx::new(&viewer),
    };
    render(viewer.locale, &page)
}

async fn invite_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !state
        .app
        .invitation_valid(&token)
        .await
        .map_err(|e| PageError::from_app(viewer.locale, e))?
    {
        return Err(PageError::Expired(viewer.locale));
    }
    let page = InviteAcceptPage {
        ctx: Ctx::new(&viewer),
        form: FormState::default(),
        action: format!("/invite/{token}"),
    };
    render(viewer.locale, &page)
}

async fn accept_invite(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(token): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    let get = |k: &str| form.get(k);
    let mut form_state =
        FormState::from_values(HashMap::from([("username".to_string(), get("username"))]));
    if get("password") != get("password_again") {
        form_state.errors.insert(
            "password_again".into(),
            tr(viewer.locale, "issue-password-mismatch"),
        );
        form_state.banner = Some(tr(viewer.locale, "form-has-errors"));
        let page = InviteAcceptPage {
            ctx: Ctx::new(&viewer),
            form: form_state,
            action: format!("/invite/{token}"),
        };
        return render_status(viewer.locale, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match state
        .app
        .accept_invitation(&token, &get("username"), &get("password"))
        .await
    {
        Ok(signed_in) => {
            let jar = jar.add(session_cookie(&state, signed_in.session_token));
            Ok((jar, Redirect::to("/portal")).into_response())
        }
        Err(AppError::Invalid(issues)) => {
            let page = InviteAcceptPage {
                form: form_state.with_issues(viewer.locale, &issues),
                ctx: Ctx::new(&viewer),
                action: format!("/invite/{token}"),
            };
            render_status(viewer.locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(viewer.locale, other)),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/home", get(home))
        .route("/invite/{token}", get(invite_page).post(accept_invite))
}
