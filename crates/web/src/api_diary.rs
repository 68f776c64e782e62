//! `/api/v1` for the symptom diary and the triage queue: a patient's app
//! (or a clinician) writes an entry and is told at once whether to call
//! the clinic; the clinic's systems read the open alerts, take and close
//! them under their version.

use crate::AppState;
use crate::api::{ApiJson, Problem, path_id};
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use cellpath_app::AlertRow;
use cellpath_app::diary::{DiaryLine, TriageItem};
use cellpath_domain::symptoms::{DiaryDraft, RedFlag};
use cellpath_domain::{SessionId, SiteId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A diary entry. Levels are `none`, `mild`, `moderate` or `severe`;
/// pain is 0-10 by site (`injection`, `harvest`); temperature in °C.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiaryEntryIn {
    /// The day after the session, 1-14, not one still to come.
    #[serde(default)]
    pub day: Option<i64>,
    /// Any whole number is read (as is `day`), so that one out of range is
    /// refused as a problem at `pain.SITE` like every other bad value.
    #[serde(default)]
    pub pain: BTreeMap<String, i64>,
    #[serde(default)]
    pub swelling: Option<String>,
    #[serde(default)]
    pub redness: Option<String>,
    #[serde(default)]
    pub fatigue: Option<String>,
    #[serde(default)]
    pub bruising: Option<String>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub chills: bool,
    #[serde(default)]
    pub pus_or_discharge: bool,
    #[serde(default)]
    pub bleeding_not_stopping: bool,
    #[serde(default)]
    pub swelling_growing: bool,
    #[serde(default)]
    pub cannot_move_or_bear_weight: bool,
    #[serde(default)]
    pub new_numbness_or_weakness: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl DiaryEntryIn {
    fn draft(self) -> DiaryDraft {
        DiaryDraft {
            day: self.day.map(|d| d.to_string()).unwrap_or_default(),
            pain: self
                .pain
                .into_iter()
                .map(|(site, pain)| (site, pain.to_string()))
                .collect(),
            swelling: self.swelling.unwrap_or_default(),
            redness: self.redness.unwrap_or_default(),
            fatigue: self.fatigue.unwrap_or_default(),
            bruising: self.bruising.unwrap_or_default(),
            temperature: self.temperature.map(|t| t.to_string()).unwrap_or_default(),
            chills: self.chills,
            pus_or_discharge: self.pus_or_discharge,
            bleeding_not_stopping: self.bleeding_not_stopping,
            swelling_growing: self.swelling_growing,
            cannot_move_or_bear_weight: self.cannot_move_or_bear_weight,
            new_numbness_or_weakness: self.new_numbness_or_weakness,
            note: self.note.unwrap_or_default(),
        }
    }
}

/// A red flag: its rule's code and `high` or `urgent`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagOut {
    pub rule: String,
    pub severity: String,
}

impl From<&RedFlag> for FlagOut {
    fn from(flag: &RedFlag) -> Self {
        FlagOut {
            rule: flag.code.to_string(),
            severity: flag.severity.code().to_string(),
        }
    }
}

/// What writing an entry did: any flag means call the clinic now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryOutcomeOut {
    pub entry_id: String,
    pub flags: Vec<FlagOut>,
    pub call_clinic_now: bool,
    /// The site's number for patients; blank until the admin sets it.
    pub clinic_phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryEntryOut {
    pub id: String,
    pub day: u8,
    pub entered_at: DateTime<Utc>,
    pub flags: Vec<FlagOut>,
    /// Catalogue key of what is usual on that day.
    pub expected: String,
}

impl From<&DiaryLine> for DiaryEntryOut {
    fn from(line: &DiaryLine) -> Self {
        DiaryEntryOut {
            id: line.stored.id.to_string(),
            day: line.stored.entry.day.get(),
            entered_at: line.stored.entered_at,
            flags: line.flags.iter().map(FlagOut::from).collect(),
            expected: line.expected.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryOut {
    pub session_id: String,
    /// Today's day of the diary, when it is open.
    pub today: Option<u8>,
    pub clinic_phone: String,
    pub entries: Vec<DiaryEntryOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    pub id: String,
    pub version: i64,
    pub rule: String,
    pub severity: String,
    pub session_id: String,
    pub patient_id: String,
    pub patient_name: String,
    pub record_number: String,
    pub opened_at: DateTime<Utc>,
    pub minutes_open: i64,
    pub owner: Option<String>,
}

impl From<&TriageItem> for AlertOut {
    fn from(item: &TriageItem) -> Self {
        AlertOut {
            id: item.alert.id.to_string(),
            version: item.alert.version,
            rule: item.alert.rule.clone(),
            severity: item.severity.code().to_string(),
            session_id: item.alert.session_id.to_string(),
            patient_id: item.alert.patient_id.to_string(),
            patient_name: item.patient_name.clone(),
            record_number: item.record_number.clone(),
            opened_at: item.alert.opened_at,
            minutes_open: item.minutes_open,
            owner: item.owner_name.clone(),
        }
    }
}

/// An alert as it is after taking or closing it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertStateOut {
    pub id: String,
    pub version: i64,
    pub owner_id: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closing_note: Option<String>,
}

impl From<&AlertRow> for AlertStateOut {
    fn from(a: &AlertRow) -> Self {
        AlertStateOut {
            id: a.id.to_string(),
            version: a.version,
            owner_id: a.owner_id.map(|o| o.to_string()),
            closed_at: a.closed_at,
            closing_note: a.closing_note.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertActionIn {
    /// The version the action was decided from.
    #[serde(default)]
    pub version: i64,
    /// Required to close: what was done.
    #[serde(default)]
    pub closing_note: Option<String>,
}

/// Writes a diary entry; the answer says at once whether to call the clinic.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/diary",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = DiaryEntryIn, security(("bearer" = [])),
    responses((status = 200, body = DiaryOutcomeOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn write_entry(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<DiaryEntryIn>,
) -> Result<Json<DiaryOutcomeOut>, ApiError> {
    let session: SessionId = path_id(api.locale, &session_id)?;
    let error = |e| ApiError::new(api.locale, e);
    let outcome = state
        .app
        .record_diary_entry(&api.actor, session, &input.draft())
        .await
        .map_err(error)?;
    let diary = state.app.diary(&api.actor, session).await.map_err(error)?;
    Ok(Json(DiaryOutcomeOut {
        entry_id: outcome.entry.id.to_string(),
        flags: outcome.flags.iter().map(FlagOut::from).collect(),
        call_clinic_now: outcome.call_clinic_now,
        clinic_phone: diary.phone,
    }))
}

/// A session's diary, oldest entry first.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/diary",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, body = DiaryOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn read_diary(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
) -> Result<Json<DiaryOut>, ApiError> {
    let session: SessionId = path_id(api.locale, &session_id)?;
    let diary = state
        .app
        .diary(&api.actor, session)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(DiaryOut {
        session_id: diary.session.id.to_string(),
        today: diary.today.map(|d| d.get()),
        clinic_phone: diary.phone.clone(),
        entries: diary.lines.iter().map(DiaryEntryOut::from).collect(),
    }))
}

/// A site's open alerts, urgent first then the longest open.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/triage",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<AlertOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<Vec<AlertOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let queue = state
        .app
        .triage_queue(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(queue.iter().map(AlertOut::from).collect()))
}

/// Takes an alert: the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/take",
    params(("id" = String, Path, description = "Alert id")), request_body = AlertActionIn, security(("bearer" = [])),
    responses((status = 200, body = AlertStateOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn take_alert(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertActionIn>,
) -> Result<Json<AlertStateOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &id)?;
    let alert = state
        .app
        .take_alert(&api.actor, id, input.version)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(AlertStateOut::from(&alert)))
}

/// Closes an alert with a note of what was done.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/close",
    params(("id" = String, Path, description = "Alert id")), request_body = AlertActionIn, security(("bearer" = [])),
    responses((status = 200, body = AlertStateOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_alert(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertActionIn>,
) -> Result<Json<AlertStateOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &id)?;
    let alert = state
        .app
        .close_alert(
            &api.actor,
            id,
            input.version,
            &input.closing_note.unwrap_or_default(),
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(AlertStateOut::from(&alert)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sessions/{session_id}/diary",
            get(read_diary).post(write_entry),
        )
        .route("/api/v1/sites/{site_id}/triage", get(triage))
        .route("/api/v1/alerts/{id}/take", post(take_alert))
        .route("/api/v1/alerts/{id}/close", post(close_alert))
}
