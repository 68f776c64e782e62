//! Booking on the plan page: free times found for a plan's next session
//! (each a button that books it), and each planned session's steps with
//! their times and resources, with forms to move or cancel it.

use super::plans::{FailedForm, PlansPage, SessionLine, parse_starts_at, plans_page};
use super::{Choice, FormState, PageForm, app_error, label, parse_id, render, render_status};
use crate::AppState;
use crate::api_schedule::clash_message;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{issue_message, tr, tr_args};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::{Actor, AppError};
use cellpath_domain::plan::{SessionStatus, TreatmentSession};
use cellpath_domain::{Action, Locale, PatientId, PlanId};
use chrono::{Duration, NaiveDate};

/// At most this many free starts are offered as buttons.
const MAX_STARTS: usize = 48;

/// Minutes between two starts offered (the five-minute grid would fill the list with one morning).
const SPACING: i64 = 30;

/// The free-times form of a plan and, once searched, what it found.
#[derive(Default)]
pub struct FreeTimes {
    pub from: String,
    pub to: String,
    pub searched: bool,
    /// `(value for the booking form, label)`.
    pub starts: Vec<Choice>,
    pub error: Option<String>,
}

impl FreeTimes {
    /// The empty search: tomorrow through a week later.
    pub fn new() -> FreeTimes {
        let tomorrow = chrono::Utc::now().date_naive() + Duration::days(1);
        FreeTimes {
            from: tomorrow.to_string(),
            to: (tomorrow + Duration::days(6)).to_string(),
            ..FreeTimes::default()
        }
    }
}

/// Fills in each planned session's booked steps and, for roles that
/// schedule, whether it can still be moved or cancelled.
pub async fn add_bookings(
    state: &AppState,
    actor: &Actor,
    locale: Locale,
    lines: &mut [SessionLine],
    sessions: &[TreatmentSession],
) -> Result<(), PageError> {
    if !actor.may(Action::ScheduleSession) || !actor.may(Action::ViewSchedule) {
        return Ok(());
    }
    let now = state.app.now();
    for (line, session) in lines.iter_mut().zip(sessions) {
        if session.status != SessionStatus::Planned {
            continue;
        }
        let (_, steps, bookings) = state
            .app
            .session_booking(actor, session.id)
            .await
            .map_err(app_error(locale))?;
        let hhmm = |minute: i64| locale.clock(minute.rem_euclid(1440));
        line.steps = steps
            .iter()
            .map(|step| {
                let held: Vec<String> = bookings
                    .iter()
                    .filter(|(b, _)| b.step == step.step)
                    .map(|(_, name)| name.clone())
                    .collect();
                tr_args(
                    locale,
                    "session-step-line",
                    &[
                        ("step", label(locale, "slot-step", step.step.code())),
                        ("from", hhmm(step.starts_min)),
                        ("to", hhmm(step.ends_min)),
                        (
                            "resources",
                            held.join(if locale == Locale::Ar { "، " } else { ", " }),
                        ),
                    ],
                )
            })
            .collect();
        line.changeable = session.starts_at > now && steps.iter().all(|s| s.started_at.is_none());
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct FreeQuery {
    from: Option<String>,
    to: Option<String>,
}

fn day(raw: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw?.trim(), "%Y-%m-%d").ok()
}

/// The plans page with the free starts of one plan's next session.
async fn free_times(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, plan)): Path<(String, String)>,
    Query(query): Query<FreeQuery>,
) -> Result<Response, PageError> {
    let actor = super::require(&viewer, Action::ScheduleSession)?;
    let locale = viewer.locale;
    let patient_id: PatientId = parse_id(locale, &id)?;
    let plan_id: PlanId = parse_id(locale, &plan)?;
    let mut page: PlansPage = plans_page(&state, &viewer, patient_id, None, None).await?;
    let from = day(query.from.as_deref());
    let to = day(query.to.as_deref());
    let found = match (from, to) {
        (Some(from), Some(to)) => state
            .app
            .possible_starts(actor, plan_id, from, to)
            .await
            .map_err(|e| match e {
                AppError::Invalid(issues) => Ok(issues
                    .0
                    .first()
                    .map(|i| issue_message(locale, i))
                    .unwrap_or_default()),
                other => Err(other),
            }),
        _ => Err(Ok(tr(locale, "issue-invalid-date"))),
    };
    let Some(card) = page.plans.iter_mut().find(|c| c.id == plan_id.to_string()) else {
        return Err(PageError::NotFound(locale));
    };
    card.free.from = query.from.unwrap_or_default();
    card.free.to = query.to.unwrap_or_default();
    card.free.searched = true;
    match found {
        Ok(starts) => {
            let mut shown: Vec<chrono::DateTime<chrono::Utc>> = Vec::new();
            for at in starts {
                if shown.len() == MAX_STARTS {
                    break;
                }
                if shown
                    .last()
                    .is_none_or(|last| at - *last >= Duration::minutes(SPACING))
                {
                    shown.push(at);
                }
            }
            card.free.starts = shown
                .into_iter()
                .map(|at| Choice {
                    value: at.format("%Y-%m-%dT%H:%M").to_string(),
                    label: locale.date_time(at),
                })
                .collect();
        }
        Err(Ok(message)) => card.free.error = Some(message),
        Err(Err(other)) => return Err(PageError::from_app(locale, other)),
    }
    render(locale, &page)
}

/// The plans page again with why a session was not changed.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    patient_id: PatientId,
    err: AppError,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let (status, messages): (StatusCode, Vec<String>) = match err {
        AppError::Unavailable(clashes) => (
            StatusCode::CONFLICT,
            clashes.iter().map(|c| clash_message(locale, c)).collect(),
        ),
        AppError::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues.0.iter().map(|i| issue_message(locale, i)).collect(),
        ),
        AppError::Conflict(_) => (StatusCode::CONFLICT, vec![tr(locale, "conflict-title")]),
        other => return Err(PageError::from_app(locale, other)),
    };
    let banner = format!("{} {}", tr(locale, "session-changed"), messages.join(" · "));
    let page = plans_page(
        state,
        viewer,
        patient_id,
        None::<(FailedForm, FormState)>,
        Some(banner),
    )
    .await?;
    render_status(locale, status, &page)
}

async fn move_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = super::require(&viewer, Action::ScheduleSession)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    let patient_id: PatientId = parse_id(locale, &form.get("patient"))?;
    let version: i64 = form
        .get("version")
        .parse()
        .map_err(|_| PageError::BadRequest(locale))?;
    let result = match parse_starts_at(&form.get("starts_at")) {
        Ok(at) => state.app.move_session(actor, session_id, version, at).await,
        Err(issues) => Err(AppError::Invalid(issues)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient_id}/plans")).into_response()),
        Err(err) => refused(&state, &viewer, patient_id, err).await,
    }
}

async fn cancel_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = super::require(&viewer, Action::ScheduleSession)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    let patient_id: PatientId = parse_id(locale, &form.get("patient"))?;
    let version: i64 = form
        .get("version")
        .parse()
        .map_err(|_| PageError::BadRequest(locale))?;
    match state.app.cancel_session(actor, session_id, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient_id}/plans")).into_response()),
        Err(err) => refused(&state, &viewer, patient_id, err).await,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/plans/{plan}/starts", get(free_times))
        .route("/sessions/{id}/move", post(move_session))
        .route("/sessions/{id}/cancel", post(cancel_session))
}
