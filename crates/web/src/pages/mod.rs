//! Server-rendered pages: one module per area, templates in `templates/`,
//! every string from the catalogues, right to left in Arabic.

mod admin;
mod adverse;
mod auth;
mod booking;
mod consent;
mod diary;
#[doc(hidden)]
pub mod fuzzing;
mod lab;
mod optimise;
mod patients;
mod plans;
mod questionnaires;
pub mod reports;
mod resources;
pub mod session_day;
mod timeline;

use crate::AppState;
use crate::ctx::{AnonCsrf, CSRF_COOKIE, LANG_COOKIE, Viewer};
use crate::error::PageError;
use crate::i18n::{issue_message, tr};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cellpath_domain::{Action, Issues, Locale, Role};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A link of the navigation bar.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
}

/// What every page's layout needs.
pub struct Ctx {
    pub locale: Locale,
    pub lang: &'static str,
    pub dir: &'static str,
    pub csrf: String,
    pub user_name: Option<String>,
    pub role_label: String,
    pub nav: Vec<NavItem>,
    pub switch_href: String,
    pub switch_label: String,
    pub switch_lang: &'static str,
}

impl Ctx {
    pub fn new(viewer: &Viewer) -> Ctx {
        let locale = viewer.locale;
        let other = if locale == Locale::Ar {
            Locale::En
        } else {
            Locale::Ar
        };
        let mut nav = Vec::new();
        let mut role_label = String::new();
        if let Some(actor) = viewer.actor() {
            role_label = tr(
                locale,
                &format!("role-{}", actor.role.code().replace('_', "-")),
            );
            if actor.role == Role::Patient {
                nav.push(NavItem {
                    href: "/portal",
                    label: tr(locale, "nav-my-record"),
                });
                nav.push(NavItem {
                    href: "/portal/sessions",
                    label: tr(locale, "nav-my-sessions"),
                });
                nav.push(NavItem {
                    href: "/portal/expect",
                    label: tr(locale, "nav-what-to-expect"),
                });
                nav.push(NavItem {
                    href: "/portal/consent",
                    label: tr(locale, "nav-my-consents"),
                });
                nav.push(NavItem {
                    href: "/portal/questionnaires",
                    label: tr(locale, "nav-my-questionnaires"),
                });
            } else {
                nav.push(NavItem {
                    href: "/home",
                    label: tr(locale, "nav-home"),
                });
            }
            if actor.may(Action::SearchPatients) {
                nav.push(NavItem {
                    href: "/patients",
                    label: tr(locale, "nav-patients"),
                });
            }
            if actor.may(Action::RegisterPatient) {
                nav.push(NavItem {
                    href: "/patients/new",
                    label: tr(locale, "nav-register"),
                });
            }
            if actor.may(Action::TrackPreparation) {
                nav.push(NavItem {
                    href: "/preparation",
                    label: tr(locale, "nav-preparation"),
                });
            }
            if actor.may(Action::ViewSchedule) {
                nav.push(NavItem {
                    href: "/schedule",
                    label: tr(locale, "timeline-nav"),
                });
            }
            if actor.may(Action::ViewSessionDay) {
                nav.push(NavItem {
                    href: "/board",
                    label: tr(locale, "dayboard-title"),
                });
            }
            if actor.may(Action::TriageAlerts) {
                nav.push(NavItem {
                    href: "/triage",
                    label: tr(locale, "triage-title"),
                });
            }
            if actor.may(Action::Lookback) {
                nav.push(NavItem {
                    href: "/lookback",
                    label: tr(locale, "lookback-title"),
                });
            }
            if actor.may(Action::ViewOutcomes) {
                nav.push(NavItem {
                    href: "/reports/outcomes",
                    label: tr(locale, "outcomes-title"),
                });
            }
            if actor.may(Action::ViewReports) {
                nav.push(NavItem {
                    href: "/reports",
                    label: tr(locale, "reports-title"),
                });
            }
            if actor.may(Action::RecordLab) {
                nav.push(NavItem {
                    href: "/lab",
                    label: tr(locale, "lab-title"),
                });
            }
            if actor.may(Action::ManageUsers) {
                nav.push(NavItem {
                    href: "/admin/users",
                    label: tr(locale, "nav-users"),
                });
            }
            if actor.may(Action::ManageSites) {
                nav.push(NavItem {
                    href: "/admin/sites",
                    label: tr(locale, "nav-sites"),
                });
            }
            if actor.may(Action::ManageResources) {
                nav.push(NavItem {
                    href: "/admin/resources",
                    label: tr(locale, "nav-resources"),
                });
            }
            if actor.may(Action::EditProtocol) {
                nav.push(NavItem {
                    href: "/admin/protocol",
                    label: tr(locale, "nav-protocol"),
                });
            }
            if actor.may(Action::ManagePatientTexts) {
                nav.push(NavItem {
                    href: "/admin/consent-texts",
                    label: tr(locale, "nav-consent-texts"),
                });
                nav.push(NavItem {
                    href: "/admin/answers",
                    label: tr(locale, "nav-answers"),
                });
            }
            if actor.may(Action::ViewAudit) {
                nav.push(NavItem {
                    href: "/admin/audit",
                    label: tr(locale, "nav-audit"),
                });
            }
        }
        Ctx {
            locale,
            lang: locale.code(),
            dir: locale.dir(),
            csrf: viewer.csrf_token().to_string(),
            user_name: viewer.actor().map(|a| a.display_name.clone()),
            role_label,
            nav,
            switch_href: format!("/lang/{}?next={}", other.code(), url_escape(&viewer.here)),
            switch_label: tr(locale, "lang-switch"),
            switch_lang: other.code(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        tr(self.locale, key)
    }

    pub fn date(&self, date: &NaiveDate) -> String {
        self.locale.date(*date)
    }

    pub fn opt_date(&self, date: &Option<NaiveDate>) -> String {
        date.map(|d| self.locale.date(d)).unwrap_or_default()
    }

    pub fn date_time(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.locale.date_time(*at)
    }

    pub fn num(&self, n: &i64) -> String {
        self.locale.number(*n)
    }

    /// The label of a code (`sex-female`, `medication-class-nsaid`...).
    pub fn code(&self, prefix: &str, code: &str) -> String {
        tr(self.locale, &format!("{prefix}-{}", code.replace('_', "-")))
    }
}

/// Percent-encodes a path for a `next=` parameter.
fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A form's values and its problems, for re-rendering it.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
    /// A message about the whole form (not one field).
    pub banner: Option<String>,
}

impl FormState {
    pub fn from_values(values: HashMap<String, String>) -> FormState {
        FormState {
            values,
            ..FormState::default()
        }
    }

    pub fn v(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// Attaches each problem to its field, in the user's language.
    pub fn with_issues(mut self, locale: Locale, issues: &Issues) -> FormState {
        for issue in &issues.0 {
            self.errors
                .entry(issue.field.clone())
                .or_insert_with(|| issue_message(locale, issue));
        }
        if self.banner.is_none() {
            self.banner = Some(tr(locale, "form-has-errors"));
        }
        self
    }
}

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

pub fn choices(locale: Locale, prefix: &str, codes: &[&str]) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            value: (*c).to_string(),
            label: tr(locale, &format!("{prefix}-{}", c.replace('_', "-"))),
        })
        .collect()
}

/// One input of a form.
pub struct FieldSpec {
    pub name: &'static str,
    pub label: String,
    /// `text`, `date`, `email`, `tel`, `select` or `textarea`.
    pub input: &'static str,
    pub required: bool,
    pub choices: Vec<Choice>,
}

pub fn field(
    locale: Locale,
    key: &str,
    name: &'static str,
    input: &'static str,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        name,
        label: tr(locale, key),
        input,
        required,
        choices: Vec::new(),
    }
}

pub fn select(
    locale: Locale,
    key: &str,
    name: &'static str,
    prefix: &str,
    codes: &[&str],
    required: bool,
) -> FieldSpec {
    FieldSpec {
        name,
        label: tr(locale, key),
        input: "select",
        required,
        choices: choices(locale, prefix, codes),
    }
}

/// The catalogue key of a code: `("indication", "tendon_ligament")` is
/// `indication-tendon-ligament`.
pub fn code_key(prefix: &str, code: &str) -> String {
    format!("{prefix}-{}", code.replace('_', "-"))
}

/// The label of a code in the user's language.
pub fn label(locale: Locale, prefix: &str, code: &str) -> String {
    tr(locale, &code_key(prefix, code))
}

/// A plan's heading: its indication and treated site.
pub fn plan_heading(locale: Locale, plan: &cellpath_domain::plan::Plan) -> String {
    crate::i18n::tr_args(
        locale,
        "plan-heading",
        &[
            (
                "indication",
                label(locale, "indication", plan.indication.code()),
            ),
            (
                "site",
                label(locale, "target-site", plan.target_site.code()),
            ),
        ],
    )
}

/// The signed-in actor when their role may take `action`; else 403.
pub fn require(viewer: &Viewer, action: Action) -> Result<&cellpath_app::Actor, PageError> {
    let actor = viewer.require()?;
    if actor.may(action) {
        Ok(actor)
    } else {
        Err(PageError::Forbidden(viewer.locale))
    }
}

/// Staff pages are not the patient's: a patient gets "not found", as for the chart.
pub fn require_staff(viewer: &Viewer) -> Result<&cellpath_app::Actor, PageError> {
    let actor = viewer.require()?;
    if actor.role == Role::Patient {
        Err(PageError::NotFound(viewer.locale))
    } else {
        Ok(actor)
    }
}

/// A use case's failure as a page, in the user's language.
pub fn app_error(locale: Locale) -> impl Fn(cellpath_app::AppError) -> PageError {
    move |e| PageError::from_app(locale, e)
}

/// An id from the URL; one that does not parse names nothing: 404.
pub fn parse_id<T: std::str::FromStr>(locale: Locale, raw: &str) -> Result<T, PageError> {
    raw.parse().map_err(|_| PageError::NotFound(locale))
}

/// The site asked for, else the admin's first site.
pub fn chosen_site(
    viewer: &Viewer,
    actor: &cellpath_app::Actor,
    raw: Option<&str>,
) -> Result<cellpath_domain::SiteId, PageError> {
    match raw.filter(|s| !s.is_empty()) {
        Some(raw) => parse_id(viewer.locale, raw),
        None => actor
            .sites
            .first()
            .copied()
            .ok_or(PageError::NotFound(viewer.locale)),
    }
}

/// Renders a template into a response.
pub fn render(locale: Locale, template: &impl Template) -> Result<Response, PageError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| {
            tracing::error!(error = %e, "template failed");
            PageError::Internal(locale)
        })
}

/// A page with a status other than 200 (a form with errors is 422).
pub fn render_status(
    locale: Locale,
    status: StatusCode,
    template: &impl Template,
) -> Result<Response, PageError> {
    let mut response = render(locale, template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// The standalone error page (it needs no session).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub lang: &'static str,
    pub dir: &'static str,
    pub title: String,
    pub message: String,
    pub home: String,
}

/// Gives an anonymous visitor a form token cookie (double submit) before
/// they have a session, so the sign-in and invitation forms are protected too.
pub async fn anon_csrf(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64);
    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => match cellpath_app::auth::random_token() {
            Ok(token) => (token, true),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    request.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut response = next.run(request).await;
    if fresh {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.config.secure_cookies)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[derive(serde::Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// Switches the language and goes back to the page it was asked from.
async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<NextParam>,
    jar: CookieJar,
) -> Response {
    let Some(locale) = Locale::parse(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Only same-site paths: never an open redirect.
    let next = params
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = Cookie::build((LANG_COOKIE, locale.code()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&next)).into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

/// The drawing pad of the consent form (the CSP allows scripts from 'self' only).
async fn signature_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/signature.js"),
    )
        .into_response()
}

async fn root(viewer: Viewer) -> Redirect {
    match viewer.actor() {
        Some(actor) if actor.role == Role::Patient => Redirect::to("/portal"),
        Some(_) => Redirect::to("/home"),
        None => Redirect::to("/sign-in"),
    }
}

async fn not_found(viewer: Viewer) -> PageError {
    PageError::NotFound(viewer.locale)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/lang/{code}", get(switch_language))
        .route("/static/app.css", get(stylesheet))
        .route("/static/signature.js", get(signature_script))
        .merge(auth::routes())
        .merge(patients::routes())
        .merge(admin::routes())
        .merge(plans::routes())
        .merge(resources::routes())
        .merge(booking::routes())
        .merge(consent::routes())
        .merge(optimise::routes())
        .merge(timeline::routes())
        .merge(session_day::routes())
        .merge(lab::routes())
        .merge(diary::routes())
        .merge(adverse::routes())
        .merge(questionnaires::routes())
        .merge(reports::routes())
        .fallback(not_found)
}

/// A submitted form's fields. A body that cannot be read is a 400 page in
/// the user's language, not a bare text error.
pub struct PageForm(pub HashMap<String, String>);

impl PageForm {
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn csrf(&self) -> &str {
        self.0.get("csrf").map(String::as_str).unwrap_or_default()
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for PageForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        let locale = crate::ctx::locale_of(&parts, &jar);
        let req = Request::from_parts(parts, body);
        axum::extract::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map(|form| PageForm(form.0.into_iter().collect()))
            .map_err(|_| PageError::BadRequest(locale))
    }
}
