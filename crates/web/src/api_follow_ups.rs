//! `/api/v1` for follow-up visits: a patient's visits booked by the
//! protocol at discharge, with when, with whom and where (none while one
//! waits for the coordinator).

use crate::AppState;
use crate::api::{ApiJson, Problem, path_id};
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use cellpath_app::follow_ups::FollowUp;
use cellpath_domain::PatientId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One follow-up visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    pub id: Uuid,
    pub session_id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    /// Days after the session, as the site's protocol set it.
    pub offset_days: u32,
    /// The day the protocol asks for; the visit may fall a few days later
    /// when nothing was free that day.
    pub due_date: NaiveDate,
    /// `booked`, or `unbooked` when nothing was free and the coordinator arranges it.
    pub status: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// `physician` or `nurse`.
    pub seen_by_kind: Option<String>,
    pub seen_by_resource_id: Option<Uuid>,
    pub seen_by_name: Option<String>,
    pub room_resource_id: Option<Uuid>,
    pub room_name: Option<String>,
    /// `attended` or `missed` once a clinician recorded it; null before.
    pub attendance: Option<String>,
    /// The version a change names.
    pub version: i64,
}

/// Whether the patient came to a follow-up visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceIn {
    /// The version the clinician saw.
    pub version: i64,
    /// True when the patient came, false when they did not.
    pub attended: bool,
}

impl From<&FollowUp> for FollowUpOut {
    fn from(f: &FollowUp) -> Self {
        let b = f.booked.as_ref();
        FollowUpOut {
            id: f.id,
            session_id: f.session_id.as_uuid(),
            patient_id: f.patient_id.as_uuid(),
            site_id: f.site_id.as_uuid(),
            offset_days: f.offset_days,
            due_date: f.due_date,
            status: if b.is_some() { "booked" } else { "unbooked" }.into(),
            starts_at: b.map(|b| b.from),
            ends_at: b.map(|b| b.to),
            seen_by_kind: b.map(|b| b.seen_by_need.code().to_string()),
            seen_by_resource_id: b.map(|b| b.seen_by.as_uuid()),
            seen_by_name: b.map(|b| b.seen_by_name.clone()),
            room_resource_id: b.map(|b| b.room.as_uuid()),
            room_name: b.map(|b| b.room_name.clone()),
            attendance: f
                .attended
                .map(|a| if a { "attended" } else { "missed" }.to_string()),
            version: f.version,
        }
    }
}

/// A patient's follow-up visits, by the day they are due. Staff at the
/// patient's site, or the patient their own.
#[utoipa::path(get, path = "/api/v1/patients/{id}/follow-ups",
    params(("id" = String, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<FollowUpOut>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn follow_ups_of_patient(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<FollowUpOut>>, ApiError> {
    let patient: PatientId = path_id(api.locale, &id)?;
    let visits = state
        .app
        .follow_ups_of_patient(&api.actor, patient)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(visits.iter().map(FollowUpOut::from).collect()))
}

/// Records whether the patient came to a follow-up visit whose day has
/// come (or corrects it). Physicians and nurses of the visit's site.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/attendance",
    params(("id" = String, Path, description = "Follow-up visit id")), request_body = AttendanceIn,
    security(("bearer" = [])),
    responses((status = 200, body = FollowUpOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_attendance(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AttendanceIn>,
) -> Result<Json<FollowUpOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &id)?;
    let visit = state
        .app
        .record_follow_up_attendance(&api.actor, id, input.version, input.attended)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(FollowUpOut::from(&visit)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/patients/{id}/follow-ups",
            get(follow_ups_of_patient),
        )
        .route(
            "/api/v1/follow-ups/{id}/attendance",
            post(record_attendance),
        )
}
