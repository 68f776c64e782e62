//! `/api/v1` for adverse events and the lookback: record an event against
//! a session, change it under its version, list a patient's, and from a kit
//! lot or a product (or the specimen of a processing run) find every
//! patient who received an affected product, with their events.

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id, required};
use crate::api_plans::TextOrNumber;
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cellpath_app::adverse_events::{Lookback, LookbackQuery, LookbackRow};
use cellpath_app::{AdverseEventRow, AppError};
use cellpath_domain::adverse_events::{AdverseEventDraft, Grade};
use cellpath_domain::{Issue, IssueCode, Issues, Locale, PatientId, SessionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------- inputs

/// An adverse event. Every field is checked at once; a grade 4 or 5 event
/// must be `serious`, and grade 5 goes with the outcome `fatal`
/// (`inconsistent` otherwise).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdverseEventIn {
    /// What happened.
    #[serde(default)]
    pub what: Option<String>,
    /// When it began, not in the future: RFC 3339, or `YYYY-MM-DD HH:MM` (UTC).
    #[serde(default)]
    pub onset_at: Option<String>,
    /// 1 mild, 2 moderate, 3 severe, 4 life-threatening, 5 death (CTCAE style).
    #[serde(default)]
    pub grade: Option<TextOrNumber>,
    #[serde(default)]
    pub serious: Option<bool>,
    /// not_related, unlikely, possible, probable or definite.
    #[serde(default)]
    pub relatedness: Option<String>,
    /// recovered, recovering, not_recovered, recovered_with_sequelae, fatal or unknown.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The product or donor lot the patient received, printed or barcode
    /// form; left out, the session's administered one is linked.
    #[serde(default)]
    pub unit: Option<String>,
    /// Required on update: the version the change was made from.
    #[serde(default)]
    pub version: Option<i64>,
}

impl AdverseEventIn {
    fn draft(&self, locale: Locale) -> Result<AdverseEventDraft, ApiError> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(AdverseEventDraft {
            what: text(&self.what),
            onset_at: text(&self.onset_at),
            grade: match &self.grade {
                None => String::new(),
                Some(TextOrNumber::Text(s)) => s.clone(),
                Some(TextOrNumber::Integer(n)) => n.to_string(),
                Some(TextOrNumber::Decimal(n)) => n.to_string(),
            },
            serious: required(locale, "serious", self.serious)?,
            relatedness: text(&self.relatedness),
            outcome: text(&self.outcome),
            unit: text(&self.unit),
        })
    }
}

/// A lookback starts from exactly one of these.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookbackParams {
    /// A kit lot number as processing records list it (exact, ignoring case).
    #[serde(default)]
    pub kit_lot: Option<String>,
    /// A product, donor lot or specimen identifier, printed or barcode form;
    /// a specimen stands for its processing run (the products it made).
    #[serde(default)]
    pub unit: Option<String>,
}

// --------------------------------------------------------------- outputs

/// An adverse event as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdverseEventOut {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    pub session_id: Uuid,
    /// The product or donor lot the patient received, when linked.
    pub unit_id: Option<Uuid>,
    pub what: String,
    pub onset_at: DateTime<Utc>,
    pub grade: i64,
    /// mild, moderate, severe, life_threatening or death.
    pub grade_label: String,
    pub serious: bool,
    pub relatedness: String,
    pub outcome: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&AdverseEventRow> for AdverseEventOut {
    fn from(row: &AdverseEventRow) -> Self {
        AdverseEventOut {
            id: row.id,
            patient_id: row.patient_id,
            site_id: row.site_id,
            session_id: row.session_id,
            unit_id: row.unit_id,
            what: row.what.clone(),
            onset_at: row.onset_at,
            grade: row.grade,
            grade_label: u8::try_from(row.grade)
                .ok()
                .and_then(Grade::new)
                .map(|g| g.label().to_string())
                .unwrap_or_default(),
            serious: row.serious,
            relatedness: row.relatedness.clone(),
            outcome: row.outcome.clone(),
            recorded_by: row.recorded_by.clone(),
            recorded_at: row.recorded_at,
            updated_by: row.updated_by.clone(),
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// One patient who received (or is to receive) an affected product.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookbackRowOut {
    pub patient_id: Uuid,
    pub patient_name: String,
    pub record_number: String,
    pub session_id: Option<Uuid>,
    pub unit_id: Uuid,
    /// The product's or donor lot's identifier, printed form.
    pub product: String,
    /// product or donor_lot.
    pub unit_kind: String,
    /// Where the unit stands: administered, released, awaiting_release...
    pub status: String,
    /// The kit lots of its processing record.
    pub kit_lots: Vec<String>,
    /// When it was given; null while it has not been.
    pub administered_at: Option<DateTime<Utc>>,
    /// The patient's adverse events of that session or naming that unit.
    pub adverse_events: Vec<AdverseEventOut>,
}

impl From<&LookbackRow> for LookbackRowOut {
    fn from(row: &LookbackRow) -> Self {
        LookbackRowOut {
            patient_id: row.patient_id.as_uuid(),
            patient_name: row.patient_name.clone(),
            record_number: row.record_number.clone(),
            session_id: row.session_id.map(|s| s.as_uuid()),
            unit_id: row.unit.id,
            product: row.product.clone(),
            unit_kind: row.unit.kind.code().to_string(),
            status: row.unit.status.code().to_string(),
            kit_lots: row.kit_lots.clone(),
            administered_at: row.administered_at,
            adverse_events: row
                .adverse_events
                .iter()
                .map(AdverseEventOut::from)
                .collect(),
        }
    }
}

/// Every patient a lookback found.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookbackOut {
    /// The kit lot searched, if that was the query.
    pub kit_lot: Option<String>,
    /// The unit searched, if that was the query.
    pub unit: Option<String>,
    pub patients: Vec<LookbackRowOut>,
}

impl From<&Lookback> for LookbackOut {
    fn from(lookback: &Lookback) -> Self {
        let (kit_lot, unit) = match &lookback.query {
            LookbackQuery::KitLot(lot) => (Some(lot.trim().to_string()), None),
            LookbackQuery::Unit(unit) => (None, Some(unit.trim().to_string())),
        };
        LookbackOut {
            kit_lot,
            unit,
            patients: lookback.rows.iter().map(LookbackRowOut::from).collect(),
        }
    }
}

// --------------------------------------------------------------- handlers

fn created(body: impl Serialize, location: String) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// Record an adverse event after a session (physician or nurse). Without a
/// `unit`, the session's administered product or donor lot is linked.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/adverse-events",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = AdverseEventIn, security(("bearer" = [])),
    responses((status = 201, body = AdverseEventOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_adverse_event(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<AdverseEventIn>,
) -> Result<Response, ApiError> {
    let session: SessionId = path_id(api.locale, &session_id)?;
    let draft = input.draft(api.locale)?;
    let row = state
        .app
        .record_adverse_event(&api.actor, session, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(created(
        AdverseEventOut::from(&row),
        format!("/api/v1/adverse-events/{}", row.id),
    ))
}

/// Change an adverse event (an outcome moved on); `version` must be the
/// one read, or the answer is 409 with the current event.
#[utoipa::path(put, path = "/api/v1/adverse-events/{id}",
    params(("id" = String, Path, description = "Adverse event id")),
    request_body = AdverseEventIn, security(("bearer" = [])),
    responses((status = 200, body = AdverseEventOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_adverse_event(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AdverseEventIn>,
) -> Result<Json<AdverseEventOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &id)?;
    let version = required(api.locale, "version", input.version)?;
    let draft = input.draft(api.locale)?;
    let row = state
        .app
        .update_adverse_event(&api.actor, id, version, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(AdverseEventOut::from(&row)))
}

/// A patient's adverse events, by onset.
#[utoipa::path(get, path = "/api/v1/patients/{id}/adverse-events",
    params(("id" = String, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<AdverseEventOut>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn adverse_events_of_patient(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<AdverseEventOut>>, ApiError> {
    let patient: PatientId = path_id(api.locale, &id)?;
    let rows = state
        .app
        .adverse_events_of_patient(&api.actor, patient)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(rows.iter().map(AdverseEventOut::from).collect()))
}

/// Lookback: every patient at the caller's sites who received a product
/// processed with a kit lot (`kit_lot`), or a given product or donor lot,
/// or the products of a processing run given by its specimen (`unit`),
/// with when it was given and their adverse events. Exactly one of
/// `kit_lot` and `unit`. Physicians, nurses and lab technicians.
#[utoipa::path(get, path = "/api/v1/lookback",
    params(LookbackParams), security(("bearer" = [])),
    responses((status = 200, body = LookbackOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn lookback(
    State(state): State<AppState>,
    api: ApiActor,
    ApiQuery(params): ApiQuery<LookbackParams>,
) -> Result<Json<LookbackOut>, ApiError> {
    let query = match (params.kit_lot, params.unit) {
        (Some(lot), None) => LookbackQuery::KitLot(lot),
        (None, Some(unit)) => LookbackQuery::Unit(unit),
        (Some(_), Some(_)) => {
            return Err(ApiError::malformed(
                api.locale,
                "unit",
                "give either kit_lot or unit, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::new(
                api.locale,
                AppError::Invalid(Issues(vec![
                    Issue::new("kit_lot", IssueCode::Required),
                    Issue::new("unit", IssueCode::Required),
                ])),
            ));
        }
    };
    let found = state
        .app
        .lookback(&api.actor, &query)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(LookbackOut::from(&found)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sessions/{session_id}/adverse-events",
            post(record_adverse_event),
        )
        .route("/api/v1/adverse-events/{id}", put(update_adverse_event))
        .route(
            "/api/v1/patients/{id}/adverse-events",
            get(adverse_events_of_patient),
        )
        .route("/api/v1/lookback", get(lookback))
}
