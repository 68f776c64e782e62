//! Errors become responses here, and only here: pages get an error page or
//! a redirect in the user's language, the API gets `application/problem+json`
//! with the field at fault. A 5xx says nothing internal and is logged once.

use crate::i18n::{issue_message, tr};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cellpath_app::{AppError, Current};
use cellpath_domain::Locale;
use serde_json::json;

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: go to the sign-in page.
    SignIn,
    NotFound(Locale),
    Forbidden(Locale),
    /// The form's anti-forgery token is missing or wrong.
    Csrf(Locale),
    /// A form or query that cannot be read at all.
    BadRequest(Locale),
    /// An invitation link that expired or was used.
    Expired(Locale),
    Internal(Locale),
}

impl PageError {
    pub fn from_app(locale: Locale, err: AppError) -> PageError {
        match err {
            AppError::Unauthenticated => PageError::SignIn,
            AppError::Forbidden(_) => PageError::Forbidden(locale),
            AppError::NotFound => PageError::NotFound(locale),
            AppError::Expired => PageError::Expired(locale),
            AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::Unavailable(_)
            | AppError::BadCredentials { .. }
            | AppError::Locked { .. } => PageError::BadRequest(locale),
            AppError::Store(e) => {
                tracing::error!(code = e.code(), error = %e, "storage failure");
                PageError::Internal(locale)
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
                PageError::Internal(locale)
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, locale, key) = match self {
            PageError::SignIn => return Redirect::to("/sign-in").into_response(),
            PageError::NotFound(l) => (StatusCode::NOT_FOUND, l, "error-not-found"),
            PageError::Forbidden(l) => (StatusCode::FORBIDDEN, l, "error-forbidden"),
            PageError::Csrf(l) => (StatusCode::FORBIDDEN, l, "error-csrf"),
            PageError::BadRequest(l) => (StatusCode::BAD_REQUEST, l, "error-bad-request"),
            PageError::Expired(l) => (StatusCode::GONE, l, "error-expired"),
            PageError::Internal(l) => (StatusCode::INTERNAL_SERVER_ERROR, l, "error-internal"),
        };
        let page = crate::pages::ErrorPage {
            lang: locale.code(),
            dir: locale.dir(),
            title: tr(locale, "error-title"),
            message: tr(locale, key),
            home: tr(locale, "nav-home"),
        };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}

/// What went wrong with an API call.
#[derive(Debug)]
pub enum ApiFailure {
    App(AppError),
    /// The body or query could not be read; `field` is the path at fault.
    Malformed {
        field: String,
        detail: String,
    },
}

/// An API error in the caller's language.
#[derive(Debug)]
pub struct ApiError {
    pub locale: Locale,
    pub failure: ApiFailure,
}

impl ApiError {
    pub fn new(locale: Locale, err: AppError) -> ApiError {
        ApiError {
            locale,
            failure: ApiFailure::App(err),
        }
    }

    pub fn malformed(
        locale: Locale,
        field: impl Into<String>,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            locale,
            failure: ApiFailure::Malformed {
                field: field.into(),
                detail: detail.into(),
            },
        }
    }
}

fn problem(status: StatusCode, code: &str, locale: Locale, extra: serde_json::Value) -> Response {
    let mut body = json!({
        "type": format!("urn:cellpath:problem:{code}"),
        "title": tr(locale, &format!("problem-{}", code.replace('_', "-"))),
        "status": status.as_u16(),
        "code": code,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            body.insert(k.clone(), v.clone());
        }
    }
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let locale = self.locale;
        let err = match self.failure {
            ApiFailure::Malformed { field, detail } => {
                let message = tr(locale, "issue-malformed");
                return problem(
                    StatusCode::BAD_REQUEST,
                    "malformed",
                    locale,
                    json!({ "detail": detail, "errors": [{ "field": field, "code": "malformed", "message": message }] }),
                );
            }
            ApiFailure::App(err) => err,
        };
        match err {
            AppError::Invalid(issues) => {
                let errors: Vec<serde_json::Value> = issues
                    .0
                    .iter()
                    .map(|i| json!({ "field": i.field, "code": i.code.as_str(), "message": issue_message(locale, i) }))
                    .collect();
                problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    locale,
                    json!({ "errors": errors }),
                )
            }
            AppError::Unauthenticated | AppError::BadCredentials { .. } => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    locale,
                    json!({}),
                );
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            AppError::Locked { .. } => {
                problem(StatusCode::TOO_MANY_REQUESTS, "locked", locale, json!({}))
            }
            AppError::Forbidden(action) => problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                locale,
                json!({ "action": action.code() }),
            ),
            AppError::NotFound => problem(StatusCode::NOT_FOUND, "not_found", locale, json!({})),
            AppError::Expired => problem(StatusCode::GONE, "expired", locale, json!({})),
            AppError::Conflict(current) => {
                let current = match current {
                    Current::Patient(p) => serde_json::to_value(crate::api::PatientOut::from(&*p)),
                    Current::Intake(e) => serde_json::to_value(crate::api::IntakeOut::from(&*e)),
                    Current::Plan(p) => serde_json::to_value(crate::api_plans::PlanOut::from(&*p)),
                    Current::Resource(r) => {
                        serde_json::to_value(crate::api_schedule::ResourceOut::from(&*r))
                    }
                    Current::Session(s) => {
                        serde_json::to_value(crate::api_plans::SessionOut::from(&*s))
                    }
                    Current::Unit(u) => {
                        serde_json::to_value(crate::api_session_day::UnitOut::from(&*u))
                    }
                    Current::Alert(a) => Ok(json!({
                        "id": a.id.to_string(),
                        "version": a.version,
                        "owner_id": a.owner_id.map(|o| o.to_string()),
                        "closed": a.closed_at.is_some(),
                    })),
                    Current::AdverseEvent(e) => {
                        serde_json::to_value(crate::api_adverse_events::AdverseEventOut::from(&*e))
                    }
                    Current::FollowUp(f) => Ok(json!({
                        "id": f.id.to_string(),
                        "version": f.version,
                        "attendance": f.attendance,
                    })),
                }
                .unwrap_or_default();
                problem(
                    StatusCode::CONFLICT,
                    "conflict",
                    locale,
                    json!({ "current": current }),
                )
            }
            AppError::Unavailable(clashes) => {
                let out: Vec<_> = clashes
                    .iter()
                    .map(|c| crate::api_schedule::clash_out(locale, c))
                    .collect();
                let errors: Vec<serde_json::Value> = out
                    .iter()
                    .map(|c| json!({ "field": "starts_at", "code": "unavailable", "message": c.message }))
                    .collect();
                problem(
                    StatusCode::CONFLICT,
                    "unavailable",
                    locale,
                    json!({ "errors": errors, "clashes": out }),
                )
            }
            AppError::Store(e) => {
                tracing::error!(code = e.code(), error = %e, "storage failure");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    locale,
                    json!({}),
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    locale,
                    json!({}),
                )
            }
        }
    }
}
