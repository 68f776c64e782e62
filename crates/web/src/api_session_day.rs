//! `/api/v1` for the session day and the lab: check-in, steps, records, the
//! bedside check, units and donor lots, the day board, site label settings.
//!
//! Writes on a session day answer with the day as it now is, so a station
//! never shows a state it did not read. A refused scan or bedside check is
//! recorded by the use case before the 422 comes back: the refusal is part
//! of the chain of identity even though the call failed.

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id};
use crate::api_plans::TextOrNumber;
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cellpath_app::lab::{DonorLotDraft, LabQueue, ProcessingDraft, QcDraft, UnitView};
use cellpath_app::session_day::{
    BedsideDraft, BoardRow, CheckDraft, HarvestDraft, InjectionDraft, MonitoringDraft,
    SessionDayView, VitalsDraft,
};
use cellpath_app::{AppError, ChainEventRow, UnitRow, decode_fields};
use cellpath_domain::donation::DonationId;
use cellpath_domain::session_day::{Alert, StepState};
use cellpath_domain::{Issue, IssueCode, Issues, Locale, SessionId, SiteId, session_day::Signed};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------- inputs

/// One check-in item. Only the fields of that item are read: `identity`
/// reads the names and date of birth as the patient states them, `vitals`
/// the five vital signs; every item takes an optional `note`. Numbers may
/// be sent as strings or numbers.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// mmHg.
    #[serde(default)]
    pub systolic: Option<TextOrNumber>,
    #[serde(default)]
    pub diastolic: Option<TextOrNumber>,
    /// Beats per minute.
    #[serde(default)]
    pub pulse: Option<TextOrNumber>,
    /// °C, one decimal.
    #[serde(default)]
    pub temperature: Option<TextOrNumber>,
    /// Percent.
    #[serde(default)]
    pub spo2: Option<TextOrNumber>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Starting or finishing a step. A timing outside the protocol (too short,
/// too long, a viability limit missed) needs a `reason` and is recorded as
/// a deviation; without one the answer is 422 on `reason`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A deviation that timing cannot see.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationIn {
    /// The step it happened in; left out for the session as a whole.
    #[serde(default)]
    pub step: Option<String>,
    /// too_long, too_short, limit_missed, sterile_breach, failed_check or other.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The harvest record; it creates the specimen and its identifier.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HarvestIn {
    /// Where it was drawn: `posterior iliac crest`, `abdomen`...
    #[serde(default)]
    pub source_site: Option<String>,
    /// left, right or bilateral.
    #[serde(default)]
    pub side: Option<String>,
    /// mL, one decimal.
    #[serde(default)]
    pub volume_ml: Option<TextOrNumber>,
    #[serde(default)]
    pub anaesthetic: Option<String>,
    #[serde(default)]
    pub dose: Option<String>,
}

/// The bedside check: the signed-in person's scans, and the second
/// person's credentials and scans. Scans are what the scanner types (a
/// trailing newline is fine): the wristband code and the product's
/// identifier, printed or barcode form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BedsideIn {
    #[serde(default)]
    pub wristband: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub second_username: Option<String>,
    #[serde(default)]
    pub second_password: Option<String>,
    #[serde(default)]
    pub second_wristband: Option<String>,
    #[serde(default)]
    pub second_product: Option<String>,
}

/// The injection record.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectionIn {
    /// ultrasound, fluoroscopy or none.
    #[serde(default)]
    pub guidance: Option<String>,
    #[serde(default)]
    pub target_site: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    /// mL, one decimal.
    #[serde(default)]
    pub volume_ml: Option<TextOrNumber>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A monitoring round.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringIn {
    #[serde(default)]
    pub systolic: Option<TextOrNumber>,
    #[serde(default)]
    pub diastolic: Option<TextOrNumber>,
    #[serde(default)]
    pub pulse: Option<TextOrNumber>,
    #[serde(default)]
    pub temperature: Option<TextOrNumber>,
    #[serde(default)]
    pub spo2: Option<TextOrNumber>,
    /// 0 to 10.
    #[serde(default)]
    pub pain: Option<TextOrNumber>,
    /// The discharge criteria that hold: vitals_stable, pain_controlled,
    /// sites_dry, walking, escort (after sedation), instructions_given.
    #[serde(default)]
    pub criteria: Option<Vec<String>>,
}

/// A scan, as the scanner types it: an identifier in its printed
/// (`T123426000001K`) or barcode (`=T12342600000177`) form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanIn {
    #[serde(default)]
    pub scan: Option<String>,
}

/// The processing record of a received specimen.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessingIn {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub centrifuge_programme: Option<String>,
    /// The biosafety cabinet used.
    #[serde(default)]
    pub cabinet: Option<String>,
    /// The kit lot numbers used.
    #[serde(default)]
    pub kit_lots: Option<Vec<String>>,
}

/// Quality control of a product.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QcIn {
    /// mL, one decimal.
    #[serde(default)]
    pub volume_ml: Option<TextOrNumber>,
    /// Nucleated cells, millions.
    #[serde(default)]
    pub cells_millions: Option<TextOrNumber>,
    #[serde(default)]
    pub viability_percent: Option<TextOrNumber>,
}

/// Why a unit is rejected.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectIn {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A donor lot as received from its supplier.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonorLotIn {
    #[serde(default)]
    pub supplier: Option<String>,
    /// The supplier's own lot number.
    #[serde(default)]
    pub supplier_lot: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// mL, one decimal.
    #[serde(default)]
    pub volume_ml: Option<TextOrNumber>,
    /// RFC 3339, in the future; kept to the minute.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A site's facility code (as licensed: a letter and four letters or
/// digits) and label size.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelsIn {
    #[serde(default)]
    pub facility_code: Option<String>,
    /// Millimetres: `100x100`, `100x50` or `50x25`.
    #[serde(default)]
    pub label_size: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayBoardParams {
    /// The day, `YYYY-MM-DD` (UTC); today when left out.
    #[serde(default)]
    pub date: Option<String>,
}

// --------------------------------------------------------------- outputs

/// Who did something, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedOut {
    pub username: String,
    pub name: String,
    pub at: DateTime<Utc>,
}

impl From<&Signed> for SignedOut {
    fn from(s: &Signed) -> Self {
        SignedOut {
            username: s.username.clone(),
            name: s.name.clone(),
            at: s.at,
        }
    }
}

/// Where one step of the day stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayStepOut {
    /// check_in, harvest, donor_preparation, processing, injection, monitoring or discharge.
    pub step: String,
    /// waiting, running or done.
    pub state: String,
    pub started: Option<SignedOut>,
    pub finished: Option<SignedOut>,
}

/// A check-in item recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedOut {
    /// identity, wristband, consent, nsaid_pause, fasting, vitals, allergies or time_out.
    pub item: String,
    pub by: SignedOut,
}

/// A deviation from the protocol.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviationOut {
    /// `None` for the session as a whole.
    pub step: Option<String>,
    /// too_long, too_short, limit_missed, sterile_breach, failed_check or other.
    pub kind: String,
    /// The reason given; for a failed bedside check, the failure's code.
    pub reason: String,
    pub by: SignedOut,
}

/// What the lab, the product and the records say about the day.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactsOut {
    pub harvest_recorded: bool,
    pub specimen_received: bool,
    pub product_released: bool,
    /// The latest bedside check passed.
    pub bedside_passed: bool,
    pub injection_recorded: bool,
    pub discharge_criteria_met: bool,
}

/// A labelled unit: a specimen, a product or a donor lot.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub id: Uuid,
    /// The identifier as printed and typed: `T123426000001K`.
    pub donation_id: String,
    /// What the label's barcode carries (a scanner types it): `=T12342600000177`.
    pub barcode: String,
    /// specimen, product or donor_lot.
    pub kind: String,
    /// collected, received, processed, awaiting_release, quarantined, released, rejected or administered.
    pub status: String,
    /// bone_marrow_aspirate, lipoaspirate, bone_marrow_concentrate, stromal_vascular_fraction or donor_cells.
    pub product_type: String,
    /// Its label carries "FOR AUTOLOGOUS USE ONLY".
    pub autologous_only: bool,
    pub site_id: Uuid,
    /// Whose cells these are (specimens and products).
    pub owner_patient_id: Option<Uuid>,
    /// The patient a donor lot is assigned to.
    pub assigned_patient_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The specimen a product was made from.
    pub parent_id: Option<Uuid>,
    pub supplier_lot: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Until when the cells may be given.
    pub expires_at: Option<DateTime<Utc>>,
    pub processed_by: Option<String>,
    pub released_by: Option<String>,
    /// The unit's records: harvest, processing, quality control (`qc_*`), donor details.
    pub fields: BTreeMap<String, String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A scan or change in the chain of identity; refusals are kept too.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainEventOut {
    pub id: Uuid,
    pub unit_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// collected, received, processed, derived, qc, released, rejected,
    /// quarantined, assigned, bedside_check or administered.
    pub kind: String,
    pub passed: bool,
    /// Why it was refused (`wrong_patient`, `unknown_identifier`...).
    pub code: Option<String>,
    /// What was scanned, as typed.
    pub scanned: Option<String>,
    pub fields: BTreeMap<String, String>,
    pub username: String,
    pub name: String,
    pub at: DateTime<Utc>,
}

/// A record of the day: `vitals`, `harvest`, `processing`, `injection` or `monitoring`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOut {
    pub kind: String,
    pub step: Option<String>,
    pub fields: BTreeMap<String, String>,
    pub by: SignedOut,
}

/// A session day: its steps, check-in, deviations, units, chain of identity and records.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDayOut {
    pub session_id: Uuid,
    pub plan_id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub autologous: bool,
    pub sedation: bool,
    /// The step under way or next; `None` once discharged.
    pub current_step: Option<String>,
    pub steps: Vec<DayStepOut>,
    pub checked: Vec<CheckedOut>,
    /// Check-in items not yet recorded.
    pub missing: Vec<String>,
    pub deviations: Vec<DeviationOut>,
    pub facts: FactsOut,
    /// The plan's consent: valid, missing, outdated or withdrawn.
    pub consent: String,
    /// The code on the patient's wristband, once check-in printed it.
    pub wristband: Option<String>,
    /// The specimen and product, or the assigned donor lot.
    pub units: Vec<UnitOut>,
    pub chain: Vec<ChainEventOut>,
    pub records: Vec<RecordOut>,
}

/// The answer of a monitoring round.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringOut {
    /// Every discharge criterion the session needs holds.
    pub criteria_met: bool,
}

/// Something on the day board that needs attention.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    /// overrun, limit_missed, failed_check or deviations.
    pub code: String,
    pub step: Option<String>,
    /// For `deviations`: how many.
    pub count: Option<usize>,
}

/// One session of the day board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowOut {
    pub session_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub record_number: String,
    pub starts_at: DateTime<Utc>,
    pub autologous: bool,
    /// The step under way or next; `None` once discharged.
    pub step: Option<String>,
    pub running: bool,
    /// Minutes in the step (or waiting for it).
    pub minutes: Option<i64>,
    /// The protocol's maximum for the running step.
    pub max_minutes: Option<u32>,
    pub alerts: Vec<AlertOut>,
}

/// A site's lab: the units still moving and the refused scans of the last 24 hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabQueueOut {
    pub site_id: Uuid,
    pub site_name: String,
    pub facility_code: Option<String>,
    pub units: Vec<UnitOut>,
    pub refusals: Vec<ChainEventOut>,
}

/// A unit with what it was made from, what was made of it, and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitViewOut {
    pub unit: UnitOut,
    pub parent: Option<UnitOut>,
    pub children: Vec<UnitOut>,
    pub events: Vec<ChainEventOut>,
}

/// Quality control recorded: the product, and the release criteria it misses.
#[derive(Debug, Serialize, ToSchema)]
pub struct QcOut {
    pub unit: UnitOut,
    /// Fields below the protocol's minimum: volume_ml, cells_millions, viability_percent.
    pub misses: Vec<String>,
}

/// A site's labelling settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelsOut {
    pub site_id: Uuid,
    pub site_name: String,
    /// None until the admin sets it; no identifier is issued before.
    pub facility_code: Option<String>,
    /// Millimetres, `100x50`.
    pub label_size: String,
}

// ---------------------------------------------------------------- mapping

/// Stored record fields (a JSON object) as name → value.
fn fields_of(encoded: &str) -> BTreeMap<String, String> {
    decode_fields(encoded).into_iter().collect()
}

impl From<&UnitRow> for UnitOut {
    fn from(row: &UnitRow) -> UnitOut {
        let id = DonationId::from_body(&row.donation_id);
        UnitOut {
            id: row.id,
            donation_id: id
                .as_ref()
                .map(DonationId::printed)
                .unwrap_or_else(|| row.donation_id.clone()),
            barcode: id
                .as_ref()
                .map(DonationId::barcode_data)
                .unwrap_or_default(),
            kind: row.kind.code().to_string(),
            status: row.status.code().to_string(),
            product_type: row.product_type.code().to_string(),
            autologous_only: row.kind != cellpath_domain::cells::UnitKind::DonorLot,
            site_id: row.site_id.as_uuid(),
            owner_patient_id: row.owner_patient_id.map(|p| p.as_uuid()),
            assigned_patient_id: row.assigned_patient_id.map(|p| p.as_uuid()),
            session_id: row.session_id.map(|s| s.as_uuid()),
            parent_id: row.parent_id,
            supplier_lot: row.supplier_lot.clone(),
            collected_at: row.collected_at,
            expires_at: row.expires_at,
            processed_by: row.processed_by.clone(),
            released_by: row.released_by.clone(),
            fields: fields_of(&row.fields),
            version: row.version,
            created_by: row.created_by.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<&ChainEventRow> for ChainEventOut {
    fn from(row: &ChainEventRow) -> ChainEventOut {
        ChainEventOut {
            id: row.id,
            unit_id: row.unit_id,
            session_id: row.session_id,
            kind: row.kind.clone(),
            passed: row.passed,
            code: row.code.clone(),
            scanned: row.scanned.clone(),
            fields: fields_of(&row.fields),
            username: row.username.clone(),
            name: row.display_name.clone(),
            at: row.at,
        }
    }
}

fn day_out(view: &SessionDayView) -> SessionDayOut {
    let day = &view.day;
    SessionDayOut {
        session_id: view.session.id.as_uuid(),
        plan_id: view.session.plan_id.as_uuid(),
        patient_id: view.session.patient_id.as_uuid(),
        site_id: view.session.site_id.as_uuid(),
        starts_at: view.session.starts_at,
        autologous: view.autologous(),
        sedation: day.sedation,
        current_step: day.current().map(|(step, _)| step.code().to_string()),
        steps: day
            .steps
            .iter()
            .map(|(step, state)| DayStepOut {
                step: step.code().to_string(),
                state: match state {
                    StepState::Waiting => "waiting",
                    StepState::Running { .. } => "running",
                    StepState::Done { .. } => "done",
                }
                .to_string(),
                started: state.started().map(SignedOut::from),
                finished: state.finished().map(SignedOut::from),
            })
            .collect(),
        checked: day
            .checked
            .iter()
            .map(|(item, signed)| CheckedOut {
                item: item.code().to_string(),
                by: signed.into(),
            })
            .collect(),
        missing: day
            .missing_items()
            .iter()
            .map(|item| item.code().to_string())
            .collect(),
        deviations: day
            .deviations
            .iter()
            .map(|d| DeviationOut {
                step: d.step.map(|s| s.code().to_string()),
                kind: d.kind.code().to_string(),
                reason: d.reason.clone(),
                by: (&d.signed).into(),
            })
            .collect(),
        facts: FactsOut {
            harvest_recorded: view.facts.harvest_recorded,
            specimen_received: view.facts.specimen_received,
            product_released: view.facts.product_released,
            bedside_passed: view.facts.bedside_passed,
            injection_recorded: view.facts.injection_recorded,
            discharge_criteria_met: view.facts.discharge_criteria_met,
        },
        consent: view.consent.code().to_string(),
        wristband: view.wristband.as_ref().map(ToString::to_string),
        units: view.units.iter().map(UnitOut::from).collect(),
        chain: view.chain.iter().map(ChainEventOut::from).collect(),
        records: view
            .events
            .iter()
            .filter(|e| e.kind == "record")
            .map(|e| RecordOut {
                kind: e.code.clone().unwrap_or_default(),
                step: e.step.clone(),
                fields: fields_of(&e.fields),
                by: SignedOut {
                    username: e.username.clone(),
                    name: e.display_name.clone(),
                    at: e.at,
                },
            })
            .collect(),
    }
}

fn alert_out(alert: &Alert) -> AlertOut {
    let (step, count) = match alert {
        Alert::Overrun(step) | Alert::LimitMissed(step) => (Some(step.code().to_string()), None),
        Alert::FailedCheck => (None, None),
        Alert::Deviations(n) => (None, Some(*n)),
    };
    AlertOut {
        code: alert.code().to_string(),
        step,
        count,
    }
}

fn board_row_out(row: &BoardRow) -> BoardRowOut {
    BoardRowOut {
        session_id: row.session.id.as_uuid(),
        patient_id: row.session.patient_id.as_uuid(),
        patient_name: row.patient_name.clone(),
        record_number: row.record_number.clone(),
        starts_at: row.session.starts_at,
        autologous: row.autologous,
        step: row.step.map(|s| s.code().to_string()),
        running: row.running,
        minutes: row.minutes,
        max_minutes: row.max_minutes,
        alerts: row.alerts.iter().map(alert_out).collect(),
    }
}

fn lab_queue_out(queue: &LabQueue) -> LabQueueOut {
    LabQueueOut {
        site_id: queue.site.id,
        site_name: queue.site.name.clone(),
        facility_code: queue.site.facility_code.clone(),
        units: queue.units.iter().map(UnitOut::from).collect(),
        refusals: queue.refusals.iter().map(ChainEventOut::from).collect(),
    }
}

fn unit_view_out(view: &UnitView) -> UnitViewOut {
    UnitViewOut {
        unit: UnitOut::from(&view.unit),
        parent: view.parent.as_ref().map(UnitOut::from),
        children: view.children.iter().map(UnitOut::from).collect(),
        events: view.events.iter().map(ChainEventOut::from).collect(),
    }
}

fn s(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn n(value: &Option<TextOrNumber>) -> String {
    match value {
        None => String::new(),
        Some(TextOrNumber::Text(text)) => text.clone(),
        Some(TextOrNumber::Integer(number)) => number.to_string(),
        Some(TextOrNumber::Decimal(number)) => number.to_string(),
    }
}

fn created(body: impl Serialize, location: String) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn invalid(locale: Locale, field: &str, code: IssueCode) -> ApiError {
    ApiError::new(
        locale,
        AppError::Invalid(Issues(vec![Issue::new(field, code)])),
    )
}

/// The day as it is now, after a change.
async fn day_now(
    state: &AppState,
    api: &ApiActor,
    id: SessionId,
) -> Result<Json<SessionDayOut>, ApiError> {
    let view = state
        .app
        .session_day(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(day_out(&view)))
}

/// The answer to a change of the day: the day as it now is, or the
/// change's refusal as a problem.
async fn day_after<T>(
    state: &AppState,
    api: &ApiActor,
    id: SessionId,
    changed: Result<T, AppError>,
) -> Result<Json<SessionDayOut>, ApiError> {
    changed.map_err(|e| ApiError::new(api.locale, e))?;
    day_now(state, api, id).await
}

// --------------------------------------------------------------- handlers

/// A session day: each step with who started and finished it and when,
/// check-in items done and missing, deviations, the wristband, the units,
/// the chain of identity (refused scans and bedside checks included) and
/// the records.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/day",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_day(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    day_now(&state, &api, id).await
}

/// Record one check-in item (the first one starts check-in). `wristband`
/// allocates the patient's wristband code; `consent` needs a valid consent
/// for the plan; `identity` compares names and date of birth with the
/// record (`wrong_patient` when they differ).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/checks/{item}",
    params(("session_id" = String, Path, description = "Session id"),
           ("item" = String, Path, description = "identity, wristband, consent, nsaid_pause, fasting, vitals, allergies or time_out")),
    request_body = CheckIn, security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_check(
    State(state): State<AppState>,
    api: ApiActor,
    Path((session_id, item)): Path<(String, String)>,
    ApiJson(input): ApiJson<CheckIn>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let draft = CheckDraft {
        given_name: s(&input.given_name),
        family_name: s(&input.family_name),
        date_of_birth: s(&input.date_of_birth),
        vitals: VitalsDraft {
            systolic: n(&input.systolic),
            diastolic: n(&input.diastolic),
            pulse: n(&input.pulse),
            temperature: n(&input.temperature),
            spo2: n(&input.spo2),
        },
        note: s(&input.note),
    };
    let changed = state.app.record_check(&api.actor, id, &item, &draft).await;
    day_after(&state, &api, id, changed).await
}

/// Start a step. Each step starts after the one before it finished; the
/// injection only after the product's release and a passed bedside check.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/steps/{step}/start",
    params(("session_id" = String, Path, description = "Session id"),
           ("step" = String, Path, description = "check_in, harvest, donor_preparation, processing, injection, monitoring or discharge")),
    request_body = StepIn, security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn start_step(
    State(state): State<AppState>,
    api: ApiActor,
    Path((session_id, step)): Path<(String, String)>,
    ApiJson(input): ApiJson<StepIn>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let changed = state
        .app
        .start_step(&api.actor, id, &step, &s(&input.reason))
        .await;
    day_after(&state, &api, id, changed).await
}

/// Finish a step. Check-in with items missing is refused with one problem
/// per missing item, each naming the item as its field.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/steps/{step}/finish",
    params(("session_id" = String, Path, description = "Session id"),
           ("step" = String, Path, description = "check_in, harvest, donor_preparation, processing, injection, monitoring or discharge")),
    request_body = StepIn, security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn finish_step(
    State(state): State<AppState>,
    api: ApiActor,
    Path((session_id, step)): Path<(String, String)>,
    ApiJson(input): ApiJson<StepIn>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let changed = state
        .app
        .finish_step(&api.actor, id, &step, &s(&input.reason))
        .await;
    day_after(&state, &api, id, changed).await
}

/// Record a deviation that timing cannot see: a sterile breach, or another.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/deviations",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = DeviationIn, security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_deviation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<DeviationIn>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let changed = state
        .app
        .record_deviation(
            &api.actor,
            id,
            &s(&input.step),
            &s(&input.kind),
            &s(&input.reason),
        )
        .await;
    day_after(&state, &api, id, changed).await
}

/// Record the harvest (while the harvest step runs): it creates the
/// specimen with the site's next identifier, whose label prints.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/harvest",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = HarvestIn, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_harvest(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<HarvestIn>,
) -> Result<Response, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let draft = HarvestDraft {
        source_site: s(&input.source_site),
        side: s(&input.side),
        volume_ml: n(&input.volume_ml),
        anaesthetic: s(&input.anaesthetic),
        dose: s(&input.dose),
    };
    let unit = state
        .app
        .record_harvest(&api.actor, id, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(created(
        UnitOut::from(&unit),
        format!("/api/v1/units/{}", unit.id),
    ))
}

/// The bedside check by two qualified people (the caller and a second
/// physician or nurse, who signs with their password). It passes only for
/// this patient's wristband and their own released product (or the donor
/// lot assigned to them), and answers with that product. A failed check is
/// 422 naming the field and the reason (`wristband` `wrong_patient`,
/// `product` `other_patients_cells`...); it is recorded all the same, and
/// blocks the injection until a check passes. There is no override.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/bedside-check",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = BedsideIn, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn bedside_check(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<BedsideIn>,
) -> Result<Json<UnitOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let draft = BedsideDraft {
        wristband: s(&input.wristband),
        product: s(&input.product),
        second_username: s(&input.second_username),
        second_password: s(&input.second_password),
        second_wristband: s(&input.second_wristband),
        second_product: s(&input.second_product),
    };
    let unit = state
        .app
        .bedside_check(&api.actor, id, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

/// Record the injection (while the injection step runs); the product is marked as given.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/injection",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = InjectionIn, security(("bearer" = [])),
    responses((status = 200, body = SessionDayOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_injection(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<InjectionIn>,
) -> Result<Json<SessionDayOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let draft = InjectionDraft {
        guidance: s(&input.guidance),
        target_site: s(&input.target_site),
        side: s(&input.side),
        volume_ml: n(&input.volume_ml),
        note: s(&input.note),
    };
    let changed = state.app.record_injection(&api.actor, id, &draft).await;
    day_after(&state, &api, id, changed).await
}

/// Record a monitoring round (while monitoring runs); says whether the
/// discharge criteria are met, which monitoring needs to finish.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/monitoring",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = MonitoringIn, security(("bearer" = [])),
    responses((status = 200, body = MonitoringOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_monitoring(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<MonitoringIn>,
) -> Result<Json<MonitoringOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let draft = MonitoringDraft {
        vitals: VitalsDraft {
            systolic: n(&input.systolic),
            diastolic: n(&input.diastolic),
            pulse: n(&input.pulse),
            temperature: n(&input.temperature),
            spo2: n(&input.spo2),
        },
        pain: n(&input.pain),
        criteria: input.criteria.unwrap_or_default(),
    };
    let criteria_met = state
        .app
        .record_monitoring(&api.actor, id, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(MonitoringOut { criteria_met }))
}

/// Assign a released donor lot, found by scan, to this allogeneic
/// session's patient. A refused scan is recorded.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/day/donor-lot",
    params(("session_id" = String, Path, description = "Session id")),
    request_body = ScanIn, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_donor_lot(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
    ApiJson(input): ApiJson<ScanIn>,
) -> Result<Json<UnitOut>, ApiError> {
    let id = path_id(api.locale, &session_id)?;
    let unit = state
        .app
        .assign_donor_lot(&api.actor, id, &s(&input.scan))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

/// Every session of a site's day with its current step, minutes in it and alerts.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/board",
    params(("site_id" = String, Path, description = "Site id"), DayBoardParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<BoardRowOut>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn day_board(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiQuery(params): ApiQuery<DayBoardParams>,
) -> Result<Json<Vec<BoardRowOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let date = match params.date.as_deref().map(str::trim) {
        None | Some("") => state.app.now().date_naive(),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| invalid(api.locale, "date", IssueCode::InvalidDate))?,
    };
    let rows = state
        .app
        .day_board(&api.actor, site, date)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(rows.iter().map(board_row_out).collect()))
}

/// A site's lab queue: the units still moving and the refused scans of the last 24 hours.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/lab",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = LabQueueOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn lab_queue(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<LabQueueOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let queue = state
        .app
        .lab_queue(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(lab_queue_out(&queue)))
}

/// The lab receives a specimen by scanning its label (printed or barcode
/// form). A refused scan (unreadable, unknown, another site's, not a
/// specimen waiting) is recorded and answered 422 on `scan`.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/lab/receive",
    params(("site_id" = String, Path, description = "Site id")),
    request_body = ScanIn, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_specimen(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<ScanIn>,
) -> Result<Json<UnitOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let unit = state
        .app
        .receive_specimen(&api.actor, site, &s(&input.scan))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

/// A unit with the specimen it was made from, the products made of it, and every event of its chain of identity.
#[utoipa::path(get, path = "/api/v1/units/{unit_id}",
    params(("unit_id" = String, Path, description = "Unit id")), security(("bearer" = [])),
    responses((status = 200, body = UnitViewOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_unit(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
) -> Result<Json<UnitViewOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let view = state
        .app
        .unit_view(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(unit_view_out(&view)))
}

/// The processing record of a received specimen (while processing runs):
/// it derives the product, which waits for quality control and a second person's release.
#[utoipa::path(post, path = "/api/v1/units/{unit_id}/processing",
    params(("unit_id" = String, Path, description = "The specimen's id")),
    request_body = ProcessingIn, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_processing(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
    ApiJson(input): ApiJson<ProcessingIn>,
) -> Result<Response, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let draft = ProcessingDraft {
        method: s(&input.method),
        centrifuge_programme: s(&input.centrifuge_programme),
        cabinet: s(&input.cabinet),
        kit_lots: input.kit_lots.unwrap_or_default().join(", "),
    };
    let product = state
        .app
        .record_processing(&api.actor, id, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(created(
        UnitOut::from(&product),
        format!("/api/v1/units/{}", product.id),
    ))
}

/// Record quality control of a product awaiting release (again, to correct
/// it); says which of the protocol's release criteria it misses.
#[utoipa::path(post, path = "/api/v1/units/{unit_id}/qc",
    params(("unit_id" = String, Path, description = "The product's id")),
    request_body = QcIn, security(("bearer" = [])),
    responses((status = 200, body = QcOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_qc(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
    ApiJson(input): ApiJson<QcIn>,
) -> Result<Json<QcOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let draft = QcDraft {
        volume_ml: n(&input.volume_ml),
        cells_millions: n(&input.cells_millions),
        viability_percent: n(&input.viability_percent),
    };
    let (unit, misses) = state
        .app
        .record_qc(&api.actor, id, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(QcOut {
        unit: UnitOut::from(&unit),
        misses: misses.iter().map(|m| (*m).to_string()).collect(),
    }))
}

/// Release a product whose quality control meets the criteria. The lab
/// technician who processed it may not release it (`second_person_required`).
#[utoipa::path(post, path = "/api/v1/units/{unit_id}/release",
    params(("unit_id" = String, Path, description = "The product's id")), security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn release_product(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
) -> Result<Json<UnitOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let unit = state
        .app
        .release_product(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

/// Reject a product or a donor lot, with the reason: it can never be given.
#[utoipa::path(post, path = "/api/v1/units/{unit_id}/reject",
    params(("unit_id" = String, Path, description = "Unit id")),
    request_body = RejectIn, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reject_unit(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
    ApiJson(input): ApiJson<RejectIn>,
) -> Result<Json<UnitOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let unit = state
        .app
        .reject_unit(&api.actor, id, &s(&input.reason))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

/// Receive a donor lot: it gets the site's own identifier and waits in quarantine.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/donor-lots",
    params(("site_id" = String, Path, description = "Site id")),
    request_body = DonorLotIn, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_donor_lot(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<DonorLotIn>,
) -> Result<Response, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let draft = DonorLotDraft {
        supplier: s(&input.supplier),
        supplier_lot: s(&input.supplier_lot),
        description: s(&input.description),
        volume_ml: n(&input.volume_ml),
        expires_at: input
            .expires_at
            .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
    };
    let unit = state
        .app
        .receive_donor_lot(&api.actor, site, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(created(
        UnitOut::from(&unit),
        format!("/api/v1/units/{}", unit.id),
    ))
}

/// Release a donor lot from quarantine.
#[utoipa::path(post, path = "/api/v1/donor-lots/{unit_id}/release",
    params(("unit_id" = String, Path, description = "The donor lot's unit id")), security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn release_donor_lot(
    State(state): State<AppState>,
    api: ApiActor,
    Path(unit_id): Path<String>,
) -> Result<Json<UnitOut>, ApiError> {
    let id: Uuid = path_id(api.locale, &unit_id)?;
    let unit = state
        .app
        .release_donor_lot(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(UnitOut::from(&unit)))
}

async fn labels_now(
    state: &AppState,
    api: &ApiActor,
    site: SiteId,
) -> Result<Json<LabelsOut>, ApiError> {
    let row = state
        .app
        .site_labels(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(LabelsOut {
        site_id: row.id,
        site_name: row.name.clone(),
        facility_code: row.facility_code.clone(),
        label_size: format!("{}x{}", row.label_width_mm, row.label_height_mm),
    }))
}

/// A site's facility code and label size.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/labels",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = LabelsOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_labels(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<LabelsOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    labels_now(&state, &api, site).await
}

/// Set a site's facility code (as licensed; no two sites share one) and label size.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/labels",
    params(("site_id" = String, Path, description = "Site id")),
    request_body = LabelsIn, security(("bearer" = [])),
    responses((status = 200, body = LabelsOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_labels(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<LabelsIn>,
) -> Result<Json<LabelsOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    state
        .app
        .set_site_labels(
            &api.actor,
            site,
            &s(&input.facility_code),
            &s(&input.label_size),
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    labels_now(&state, &api, site).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sessions/{session_id}/day", get(get_day))
        .route(
            "/api/v1/sessions/{session_id}/day/checks/{item}",
            post(record_check),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/steps/{step}/start",
            post(start_step),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/steps/{step}/finish",
            post(finish_step),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/deviations",
            post(record_deviation),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/harvest",
            post(record_harvest),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/bedside-check",
            post(bedside_check),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/injection",
            post(record_injection),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/monitoring",
            post(record_monitoring),
        )
        .route(
            "/api/v1/sessions/{session_id}/day/donor-lot",
            post(assign_donor_lot),
        )
        .route("/api/v1/sites/{site_id}/board", get(day_board))
        .route("/api/v1/sites/{site_id}/lab", get(lab_queue))
        .route(
            "/api/v1/sites/{site_id}/lab/receive",
            post(receive_specimen),
        )
        .route("/api/v1/units/{unit_id}", get(get_unit))
        .route(
            "/api/v1/units/{unit_id}/processing",
            post(record_processing),
        )
        .route("/api/v1/units/{unit_id}/qc", post(record_qc))
        .route("/api/v1/units/{unit_id}/release", post(release_product))
        .route("/api/v1/units/{unit_id}/reject", post(reject_unit))
        .route(
            "/api/v1/sites/{site_id}/donor-lots",
            post(receive_donor_lot),
        )
        .route(
            "/api/v1/donor-lots/{unit_id}/release",
            post(release_donor_lot),
        )
        .route(
            "/api/v1/sites/{site_id}/labels",
            get(get_labels).put(set_labels),
        )
}
