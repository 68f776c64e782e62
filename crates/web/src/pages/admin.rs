//! The admin's pages: users, sites, and the audit trail.

use super::{Choice, Ctx, FormState, PageForm, parse_id, render, render_status, require};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::tr;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::AppError;
use cellpath_app::StoredAudit;
use cellpath_app::admin::NewSite;
use cellpath_app::auth::NewUser;
use cellpath_domain::{Action, Locale, Role, SiteId};

pub struct UserLine {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub sites: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserLine>,
    roles: Vec<Choice>,
    sites: Vec<Choice>,
    form: FormState,
}

async fn users_page_for(
    state: &AppState,
    viewer: &Viewer,
    form: FormState,
) -> Result<UsersPage, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let summaries = state
        .app
        .list_users(actor)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let all_sites = state
        .app
        .list_sites()
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let site_name = |id: &SiteId| {
        all_sites
            .iter()
            .find(|s| s.id == id.as_uuid())
            .map(|s| s.code.clone())
            .unwrap_or_default()
    };
    let users = summaries
        .iter()
        .map(|u| UserLine {
            username: u.user.username.clone(),
            display_name: u.user.display_name.clone(),
            role: u
                .role
                .map(|r| tr(locale, &format!("role-{}", r.code().replace('_', "-"))))
                .unwrap_or_default(),
            sites: u.sites.iter().map(site_name).collect::<Vec<_>>().join(", "),
            state: if u.user.disabled {
                tr(locale, "user-disabled")
            } else if u.user.totp_secret.is_some() {
                tr(locale, "user-active-totp")
            } else {
                tr(locale, "user-active")
            },
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| r.is_staff())
        .map(|r| Choice {
            value: r.code().into(),
            label: tr(locale, &format!("role-{}", r.code().replace('_', "-"))),
        })
        .collect();
    let sites = all_sites
        .iter()
        .filter(|s| actor.sites.contains(&SiteId::from_uuid(s.id)))
        .map(|s| Choice {
            value: s.id.to_string(),
            label: format!("{} ({})", s.name, s.code),
        })
        .collect();
    Ok(UsersPage {
        ctx: Ctx::new(viewer),
        users,
        roles,
        sites,
        form,
    })
}

async fn users(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    require(&viewer, Action::ManageUsers)?;
    let page = users_page_for(&state, &viewer, FormState::default()).await?;
    render(viewer.locale, &page)
}

async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    require(&viewer, Action::ManageUsers)?;
    viewer.check_csrf(form.csrf())?;
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let mut issues = cellpath_domain::Issues::default();
    let role = Role::parse(&form.get("role")).filter(|r| r.is_staff());
    if role.is_none() {
        issues.add("role", cellpath_domain::IssueCode::UnknownCode);
    }
    let site: Option<SiteId> = form.get("site").parse().ok();
    if site.is_none() {
        issues.add("site", cellpath_domain::IssueCode::Required);
    }
    let result = match (role, site) {
        (Some(role), Some(site)) => state
            .app
            .add_user(
                Some(actor),
                NewUser {
                    username: form.get("username"),
                    display_name: form.get("display_name"),
                    role,
                    sites: vec![site],
                    password: form.get("password"),
                },
            )
            .await
            .map(|_| ()),
        _ => Err(AppError::Invalid(issues)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(AppError::Invalid(mut issues)) => {
            for issue in &mut issues.0 {
                if issue.field == "sites" {
                    issue.field = "site".into();
                }
            }
            let mut values = form.0;
            values.remove("password");
            let page = users_page_for(
                &state,
                &viewer,
                FormState::from_values(values).with_issues(locale, &issues),
            )
            .await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

pub struct SiteLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub record_prefix: String,
    pub created: String,
    /// The facility code identifiers start with, and the label size: as
    /// stored, or as typed when the form was refused.
    pub labels: FormState,
}

#[derive(Template)]
#[template(path = "admin_sites.html")]
struct SitesPage {
    ctx: Ctx,
    sites: Vec<SiteLine>,
    form: FormState,
    label_sizes: Vec<Choice>,
}

/// The label sizes a site may choose: `100x50`, shown as `100 × 50 mm`.
fn label_sizes(locale: Locale) -> Vec<Choice> {
    cellpath_app::lab::LABEL_SIZES
        .iter()
        .map(|(w, h)| Choice {
            value: format!("{w}x{h}"),
            label: crate::i18n::tr_args(
                locale,
                "label-size-mm",
                &[("width", locale.number(*w)), ("height", locale.number(*h))],
            ),
        })
        .collect()
}

/// The sites page; `refused` is a site's labelling form that came back.
async fn sites_page(
    state: &AppState,
    viewer: &Viewer,
    form: FormState,
    refused: Option<(SiteId, FormState)>,
) -> Result<SitesPage, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let rows = state
        .app
        .list_sites()
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let mut refused = refused;
    let mut sites = Vec::with_capacity(rows.len());
    for s in rows {
        let id = SiteId::from_uuid(s.id);
        let labels = match refused.take_if(|(site, _)| *site == id) {
            Some((_, form)) => form,
            None => {
                let stored = state
                    .app
                    .site_labels(actor, id)
                    .await
                    .map_err(|e| PageError::from_app(locale, e))?;
                let phone = state
                    .app
                    .site_phone(id)
                    .await
                    .map_err(|e| PageError::from_app(locale, e))?;
                FormState::from_values(
                    [
                        ("phone".to_string(), phone),
                        (
                            "facility_code".to_string(),
                            stored.facility_code.unwrap_or_default(),
                        ),
                        (
                            "label_size".to_string(),
                            format!("{}x{}", stored.label_width_mm, stored.label_height_mm),
                        ),
                    ]
                    .into_iter()
                    .collect(),
                )
            }
        };
        sites.push(SiteLine {
            id: id.to_string(),
            code: s.code,
            name: s.name,
            record_prefix: s.record_prefix,
            created: locale.date(s.created_at.date_naive()),
            labels,
        });
    }
    Ok(SitesPage {
        ctx: Ctx::new(viewer),
        sites,
        form,
        label_sizes: label_sizes(locale),
    })
}

async fn sites(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    require(&viewer, Action::ManageSites)?;
    let page = sites_page(&state, &viewer, FormState::default(), None).await?;
    render(viewer.locale, &page)
}

/// The admin sets a site's facility code (as licensed) and label size.
async fn set_site_labels(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageSites)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site: SiteId = parse_id(locale, &id)?;
    let result = state
        .app
        .set_site_labels(
            actor,
            site,
            &form.get("facility_code"),
            &form.get("label_size"),
        )
        .await;
    // The patients' phone number is saved with the labels, once they are.
    let result = match result {
        Ok(()) => {
            state
                .app
                .set_site_phone(actor, site, &form.get("phone"))
                .await
        }
        Err(refused) => Err(refused),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/sites#site-{site}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let refused = FormState::from_values(form.0).with_issues(locale, &issues);
            let page =
                sites_page(&state, &viewer, FormState::default(), Some((site, refused))).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn add_site(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    require(&viewer, Action::ManageSites)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let new = NewSite {
        code: form.get("code"),
        name: form.get("name"),
        record_prefix: form.get("record_prefix"),
    };
    match state.app.add_site(viewer.actor(), &new).await {
        Ok(_) => Ok(Redirect::to("/admin/sites").into_response()),
        Err(AppError::Invalid(issues)) => {
            let page = sites_page(
                &state,
                &viewer,
                FormState::from_values(form.0).with_issues(locale, &issues),
                None,
            )
            .await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

pub struct AuditLine {
    pub seq: String,
    pub at: String,
    pub who: String,
    pub role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub patient_id: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPageView {
    ctx: Ctx,
    entries: Vec<AuditLine>,
    patient: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(serde::Deserialize)]
struct AuditQuery {
    patient: Option<String>,
    page: Option<i64>,
}

const AUDIT_PAGE: i64 = 50;

fn audit_line(locale: Locale, e: &StoredAudit) -> AuditLine {
    let change = match (e.before_state.is_empty(), e.after_state.is_empty()) {
        (true, true) => String::new(),
        (true, false) => e.after_state.clone(),
        (false, true) => e.before_state.clone(),
        (false, false) => format!("{} → {}", e.before_state, e.after_state),
    };
    AuditLine {
        seq: locale.number(e.seq),
        at: locale.date_time(e.at),
        who: e.username.clone(),
        role: e.role.clone(),
        action: tr(
            locale,
            &format!("audit-action-{}", e.action.replace('_', "-")),
        ),
        entity: e.entity.clone(),
        entity_id: e.entity_id.clone(),
        patient_id: e.patient_id.clone(),
        change,
    }
}

async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    require(&viewer, Action::ViewAudit)?;
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(locale));
    };
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let patient = query.patient.unwrap_or_default().trim().to_string();
    let filter = (!patient.is_empty()).then_some(patient.as_str());
    let result = state
        .app
        .audit_page(actor, filter, AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let href = |p: i64| {
        format!(
            "/admin/audit?patient={}&page={p}",
            patient
                .chars()
                .filter(|c| c.is_ascii_hexdigit() || *c == '-')
                .collect::<String>()
        )
    };
    let view = AuditPageView {
        entries: result
            .entries
            .iter()
            .map(|e| audit_line(locale, e))
            .collect(),
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: result.has_more.then(|| href(page + 1)),
        patient,
        ctx: Ctx::new(&viewer),
    };
    render(locale, &view)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/sites", get(sites).post(add_site))
        .route("/admin/sites/{id}/labels", post(set_site_labels))
        .route("/admin/audit", get(audit))
}
