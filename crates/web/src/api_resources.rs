//! `/api/v1` for a site's resources and their leave, the possible starts of
//! a plan's next session, and moving, cancelling and reading the booking of
//! a session. A booking that clashes is 409 `unavailable` with every clash
//! (see `error.rs`).

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id, required};
use crate::api_plans::SessionOut;
use crate::api_schedule::ResourceOut;
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use cellpath_app::AppError;
use cellpath_app::scheduling::{Booking, Leave, ResourceDraft, at_minute};
use cellpath_domain::{Issue, IssueCode, Issues, Locale};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A resource to add or change. Times are `HH:MM` (`24:00` for midnight at
/// the end of the day); a break needs both ends or neither.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceIn {
    /// procedure_room, physician, nurse, lab_tech, anaesthesia, centrifuge, ultrasound, c_arm or recovery_bay.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Only for a procedure room.
    #[serde(default)]
    pub fluoroscopy: Option<bool>,
    /// Username of the staff account this resource is.
    #[serde(default)]
    pub username: Option<String>,
    /// Seven characters, Monday first, `1` for a working day: `1111100`.
    #[serde(default)]
    pub work_days: Option<String>,
    #[serde(default)]
    pub work_start: Option<String>,
    #[serde(default)]
    pub work_end: Option<String>,
    #[serde(default)]
    pub break_start: Option<String>,
    #[serde(default)]
    pub break_end: Option<String>,
    /// On update: `false` takes the resource out of booking (default `true`).
    #[serde(default)]
    pub active: Option<bool>,
    /// Required on update: the version the change was made from.
    #[serde(default)]
    pub version: Option<i64>,
}

impl ResourceIn {
    fn draft(&self) -> ResourceDraft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        ResourceDraft {
            kind: s(&self.kind),
            name: s(&self.name),
            fluoroscopy: self.fluoroscopy.unwrap_or(false),
            username: s(&self.username),
            work_days: s(&self.work_days),
            work_start: s(&self.work_start),
            work_end: s(&self.work_end),
            break_start: s(&self.break_start),
            break_end: s(&self.break_end),
            active: self.active.unwrap_or(true),
        }
    }
}

/// Days a resource is away, first and last day included (`YYYY-MM-DD`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveIn {
    #[serde(default)]
    pub first_day: Option<String>,
    #[serde(default)]
    pub last_day: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Days a resource is away.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveOut {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Leave> for LeaveOut {
    fn from(l: &Leave) -> Self {
        LeaveOut {
            id: l.id,
            resource_id: l.resource_id.as_uuid(),
            first_day: l.first_day,
            last_day: l.last_day,
            reason: l.reason.clone(),
            created_by: l.created_by.clone(),
            created_at: l.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartsParams {
    /// First day to look at, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day to look at, `YYYY-MM-DD`, at most 31 days after `from`.
    #[serde(default)]
    pub to: Option<String>,
}

/// The starts (UTC, five-minute grid) at which the plan's next session fits.
#[derive(Debug, Serialize, ToSchema)]
pub struct StartsOut {
    pub starts: Vec<DateTime<Utc>>,
}

/// A new start for a session that has not begun.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// RFC 3339, in the future.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// The session's version the move was decided on.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Cancelling a session that has not begun.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    /// The session's version the cancellation was decided on.
    #[serde(default)]
    pub version: Option<i64>,
}

/// One resource a step holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldOut {
    /// room, physician, nurse, anaesthesia, tech, centrifuge, imaging or bay.
    pub need: String,
    pub resource_id: Uuid,
    pub resource: String,
}

/// One booked step of a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookedStepOut {
    /// harvest, prepare, process, inject or monitor.
    pub step: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub resources: Vec<HeldOut>,
}

/// A session with its booked steps and the resources each holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingOut {
    pub session: SessionOut,
    pub steps: Vec<BookedStepOut>,
}

fn invalid(locale: Locale, field: &str, code: IssueCode) -> ApiError {
    ApiError::new(
        locale,
        AppError::Invalid(Issues(vec![Issue::new(field, code)])),
    )
}

fn day(locale: Locale, field: &str, raw: Option<String>) -> Result<NaiveDate, ApiError> {
    let raw = required(locale, field, raw.filter(|r| !r.trim().is_empty()))?;
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(locale, field, IssueCode::InvalidDate))
}

/// The resources of a site, active or not.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/resources",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<ResourceOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn list_resources(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<Vec<ResourceOut>>, ApiError> {
    let site = path_id(api.locale, &site_id)?;
    let resources = state
        .app
        .resources(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(resources.iter().map(ResourceOut::from).collect()))
}

/// Add a room, a member of staff or a piece of equipment to a site.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/resources",
    params(("site_id" = String, Path, description = "Site id")), request_body = ResourceIn,
    security(("bearer" = [])),
    responses((status = 201, body = ResourceOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_resource(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<ResourceIn>,
) -> Result<Response, ApiError> {
    let site = path_id(api.locale, &site_id)?;
    let resource = state
        .app
        .add_resource(&api.actor, site, &input.draft())
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    let mut response = (StatusCode::CREATED, Json(ResourceOut::from(&resource))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/resources/{}", resource.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// Change a resource; `version` must be the one read, or the answer is 409 with the current resource.
#[utoipa::path(put, path = "/api/v1/resources/{id}",
    params(("id" = String, Path, description = "Resource id")), request_body = ResourceIn,
    security(("bearer" = [])),
    responses((status = 200, body = ResourceOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_resource(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResourceIn>,
) -> Result<Json<ResourceOut>, ApiError> {
    let id = path_id(api.locale, &id)?;
    let version = required(api.locale, "version", input.version)?;
    let resource = state
        .app
        .update_resource(&api.actor, id, version, &input.draft())
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(ResourceOut::from(&resource)))
}

/// Record days a resource is away (leave, maintenance).
#[utoipa::path(post, path = "/api/v1/resources/{id}/leave",
    params(("id" = String, Path, description = "Resource id")), request_body = LeaveIn,
    security(("bearer" = [])),
    responses((status = 201, body = LeaveOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_leave(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LeaveIn>,
) -> Result<Response, ApiError> {
    let id = path_id(api.locale, &id)?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let leave = state
        .app
        .add_leave(
            &api.actor,
            id,
            &s(&input.first_day),
            &s(&input.last_day),
            &s(&input.reason),
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok((StatusCode::CREATED, Json(LeaveOut::from(&leave))).into_response())
}

/// Remove a leave entry.
#[utoipa::path(delete, path = "/api/v1/leave/{id}",
    params(("id" = String, Path, description = "Leave id")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn remove_leave(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: Uuid = path_id(api.locale, &id)?;
    state
        .app
        .remove_leave(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every start from `from` through `to` at which the plan's next session fits on the site's resources.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/starts",
    params(("plan_id" = String, Path, description = "Plan id"), StartsParams), security(("bearer" = [])),
    responses((status = 200, body = StartsOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn possible_starts(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiQuery(params): ApiQuery<StartsParams>,
) -> Result<Json<StartsOut>, ApiError> {
    let plan = path_id(api.locale, &plan_id)?;
    let from = day(api.locale, "from", params.from)?;
    let to = day(api.locale, "to", params.to)?;
    let starts = state
        .app
        .possible_starts(&api.actor, plan, from, to)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(StartsOut { starts }))
}

/// Move a session that has not begun; 409 `unavailable` with every clash when its resources are not free then.
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/start",
    params(("session_id" = String, Path, description = "Session id")), request_body = MoveIn,
    security(("bearer" = [])),
    responses((status = 200, body = SessionOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn move_session(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<MoveIn>,
) -> Result<Json<SessionOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let starts_at = required(api.locale, "starts_at", input.starts_at)?;
    let version = required(api.locale, "version", input.version)?;
    let session = state
        .app
        .move_session(&api.actor, id, version, starts_at)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(SessionOut::from(&session)))
}

/// Cancel a session that has not begun, freeing its resources.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/cancel",
    params(("session_id" = String, Path, description = "Session id")), request_body = CancelIn,
    security(("bearer" = [])),
    responses((status = 200, body = SessionOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn cancel_session(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<CancelIn>,
) -> Result<Json<SessionOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let version = required(api.locale, "version", input.version)?;
    let session = state
        .app
        .cancel_session(&api.actor, id, version)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(SessionOut::from(&session)))
}

/// The resources each held by the steps of a list of bookings.
pub fn held(
    step: cellpath_domain::scheduling::StepCode,
    bookings: &[(Booking, String)],
) -> Vec<HeldOut> {
    bookings
        .iter()
        .filter(|(b, _)| b.step == step)
        .map(|(b, name)| HeldOut {
            need: b.need.code().into(),
            resource_id: b.resource_id.as_uuid(),
            resource: name.clone(),
        })
        .collect()
}

/// A session's booked steps, their times and the resources each holds.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/booking",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, body = BookingOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn session_booking(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
) -> Result<Json<BookingOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let (session, steps, bookings) = state
        .app
        .session_booking(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(BookingOut {
        session: SessionOut::from(&session),
        steps: steps
            .iter()
            .map(|s| BookedStepOut {
                step: s.step.code().into(),
                from: at_minute(s.starts_min),
                to: at_minute(s.ends_min),
                started_at: s.started_at,
                finished_at: s.finished_at,
                resources: held(s.step, &bookings),
            })
            .collect(),
    }))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sites/{site_id}/resources",
            get(list_resources).post(create_resource),
        )
        .route("/api/v1/resources/{id}", put(update_resource))
        .route("/api/v1/resources/{id}/leave", post(add_leave))
        .route("/api/v1/leave/{id}", delete(remove_leave))
        .route("/api/v1/plans/{plan_id}/starts", get(possible_starts))
        .route("/api/v1/sessions/{session_id}/start", put(move_session))
        .route("/api/v1/sessions/{session_id}/cancel", post(cancel_session))
        .route(
            "/api/v1/sessions/{session_id}/booking",
            get(session_booking),
        )
}
