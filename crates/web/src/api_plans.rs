//! The JSON API of what comes before a session, under `/api/v1`: each site's
//! versioned protocol, treatment plans with their live suitability screening
//! and the physician's decision, planned sessions, and their preparation.

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id, required};
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cellpath_app::AppError;
use cellpath_app::plans::{BoardLine, PlanView, Preparation, ProtocolInForce};
use cellpath_domain::plan::{Decision, PlanDraft, TreatmentPlan, TreatmentSession};
use cellpath_domain::preparation::{Completion, TaskCode};
use cellpath_domain::screening::{Finding, Severity};
use cellpath_domain::{Issue, Issues, Locale, PlanId, Role, SessionId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A value sent as a string or as a number (`"10"` and `10` mean the same).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TextOrNumber {
    Text(String),
    Integer(i64),
    Decimal(f64),
}

impl TextOrNumber {
    fn text(&self) -> String {
        match self {
            TextOrNumber::Text(s) => s.clone(),
            TextOrNumber::Integer(n) => n.to_string(),
            TextOrNumber::Decimal(n) => n.to_string(),
        }
    }
}

/// Changes to a site's protocol; settings left out keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolIn {
    /// Setting name to value, e.g. `{"nsaid_pause_days": 10, "follow_up_days": "7,42,90"}`.
    #[serde(default)]
    pub settings: BTreeMap<String, TextOrNumber>,
    /// Why the protocol changed (kept with the version).
    #[serde(default)]
    pub note: Option<String>,
}

/// One version of a site's protocol. Version 0 is the built-in defaults.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolOut {
    pub site_id: Uuid,
    pub version: i64,
    /// Every setting, each value as a string (`follow_up_days` comma-separated,
    /// `follow_up_seen_by` `physician` or `nurse`).
    pub settings: BTreeMap<String, String>,
    pub note: Option<String>,
    pub changed_by: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

impl From<&ProtocolInForce> for ProtocolOut {
    fn from(p: &ProtocolInForce) -> Self {
        ProtocolOut {
            site_id: p.site_id.as_uuid(),
            version: p.version,
            settings: p
                .protocol
                .fields()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            note: p.note.clone(),
            changed_by: p.changed_by.clone(),
            changed_at: p.changed_at,
        }
    }
}

/// A treatment plan to write. Codes: `indication` (`osteoarthritis`,
/// `tendon_ligament`, `degenerative_disc`, `skin_ageing`, `hair_loss`,
/// `neurological`, `cardiac`), `target_site` (`knee`, `hip`, `shoulder`,
/// `tendon`, `spinal_disc`, `face`, `scalp`, `systemic`), `side` (`left`,
/// `right`, `both`, `midline`), `cell_source` (`bone_marrow`, `adipose`,
/// `allogeneic`), `guidance` (`ultrasound`, `fluoroscopy`, `none`),
/// `anaesthesia` (`local`, `sedation`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    #[serde(default)]
    pub indication: Option<String>,
    #[serde(default)]
    pub target_site: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    /// Spinal level (`L4-L5`), for a disc.
    #[serde(default)]
    pub spinal_level: Option<String>,
    #[serde(default)]
    pub cell_source: Option<String>,
    #[serde(default)]
    pub guidance: Option<String>,
    #[serde(default)]
    pub anaesthesia: Option<String>,
    /// 1 to 10.
    #[serde(default)]
    pub planned_sessions: Option<TextOrNumber>,
    /// Registered clinical study identifier; required for neurological and cardiac indications.
    #[serde(default)]
    pub study_id: Option<String>,
    /// The earlier plan of the same patient that this one repeats.
    #[serde(default)]
    pub previous_plan_id: Option<Uuid>,
}

impl PlanIn {
    fn draft(&self) -> PlanDraft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        PlanDraft {
            indication: s(&self.indication),
            target_site: s(&self.target_site),
            side: s(&self.side),
            spinal_level: s(&self.spinal_level),
            cell_source: s(&self.cell_source),
            guidance: s(&self.guidance),
            anaesthesia: s(&self.anaesthesia),
            planned_sessions: self
                .planned_sessions
                .as_ref()
                .map(TextOrNumber::text)
                .unwrap_or_default(),
            study_id: s(&self.study_id),
        }
    }
}

/// A finding as it stood when the decision was signed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionFindingOut {
    pub code: String,
    pub names: Vec<String>,
}

/// The physician's signed suitability decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    pub proceed: bool,
    /// The screening outcome when signed: `eligible`, `needs_review`, `not_eligible`.
    pub outcome: String,
    pub findings: Vec<DecisionFindingOut>,
    pub justification: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl From<&Decision> for DecisionOut {
    fn from(d: &Decision) -> Self {
        DecisionOut {
            proceed: d.proceed,
            outcome: d.outcome.code().to_string(),
            findings: d
                .findings
                .iter()
                .map(|(code, names)| DecisionFindingOut {
                    code: code.code().to_string(),
                    names: names.clone(),
                })
                .collect(),
            justification: d.justification.clone(),
            decided_by: d.decided_by.clone(),
            decided_at: d.decided_at,
        }
    }
}

/// A treatment plan as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOut {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    /// `draft`, `approved` or `declined`.
    pub status: String,
    pub indication: String,
    pub target_site: String,
    pub side: String,
    pub spinal_level: Option<String>,
    pub cell_source: String,
    pub guidance: String,
    pub anaesthesia: String,
    pub planned_sessions: u32,
    pub study_id: Option<String>,
    pub previous_plan_id: Option<Uuid>,
    pub decision: Option<DecisionOut>,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&TreatmentPlan> for PlanOut {
    fn from(p: &TreatmentPlan) -> Self {
        PlanOut {
            id: p.id.as_uuid(),
            patient_id: p.patient_id.as_uuid(),
            site_id: p.site_id.as_uuid(),
            status: p.status.code().to_string(),
            indication: p.plan.indication.code().to_string(),
            target_site: p.plan.target_site.code().to_string(),
            side: p.plan.side.code().to_string(),
            spinal_level: p.plan.spinal_level.clone(),
            cell_source: p.plan.cell_source.code().to_string(),
            guidance: p.plan.guidance.code().to_string(),
            anaesthesia: p.plan.anaesthesia.code().to_string(),
            planned_sessions: p.plan.planned_sessions,
            study_id: p.plan.study_id.clone(),
            previous_plan_id: p.previous_plan_id.map(|id| id.as_uuid()),
            decision: p.decision.as_ref().map(DecisionOut::from),
            created_by: p.created_by.clone(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// One reason screening raised.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    /// `nsaid_pause`, `bleeding_risk`, `recent_steroid`, `active_infection`,
    /// `malignancy`, `pregnancy`, `breastfeeding`, `bleeding_disorder`,
    /// `uncontrolled_diabetes`, `imaging_missing`, `imaging_stale`, `study_required`.
    pub code: String,
    /// `action` (to do before the session), `review` (the physician decides) or `exclusion`.
    pub severity: String,
    /// The medications or conditions behind it, as recorded.
    pub names: Vec<String>,
    /// The last day to take an NSAID, or the date of stale imaging.
    pub date: Option<NaiveDate>,
}

fn severity_code(severity: Severity) -> &'static str {
    match severity {
        Severity::Action => "action",
        Severity::Review => "review",
        Severity::Exclusion => "exclusion",
    }
}

impl From<&Finding> for FindingOut {
    fn from(f: &Finding) -> Self {
        FindingOut {
            code: f.code.code().to_string(),
            severity: severity_code(f.severity).to_string(),
            names: f.names.clone(),
            date: f.date,
        }
    }
}

/// The suitability screening of a plan, as of now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningOut {
    /// `eligible`, `needs_review` or `not_eligible`.
    pub outcome: String,
    pub findings: Vec<FindingOut>,
}

/// A planned session, under the protocol version in force when it was booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub patient_id: Uuid,
    /// 1 for the plan's first session.
    pub number: i64,
    pub starts_at: DateTime<Utc>,
    pub protocol_version: i64,
    /// `planned` or `cancelled`.
    pub status: String,
    pub version: i64,
}

impl From<&TreatmentSession> for SessionOut {
    fn from(s: &TreatmentSession) -> Self {
        SessionOut {
            id: s.id.as_uuid(),
            plan_id: s.plan_id.as_uuid(),
            patient_id: s.patient_id.as_uuid(),
            number: s.number,
            starts_at: s.starts_at,
            protocol_version: s.protocol_version,
            status: s.status.code().to_string(),
            version: s.version,
        }
    }
}

/// A plan with its live screening and its sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanViewOut {
    #[serde(flatten)]
    pub plan: PlanOut,
    pub screening: ScreeningOut,
    pub sessions: Vec<SessionOut>,
}

impl From<&PlanView> for PlanViewOut {
    fn from(v: &PlanView) -> Self {
        PlanViewOut {
            plan: PlanOut::from(&v.plan),
            screening: ScreeningOut {
                outcome: v.screening.outcome.code().to_string(),
                findings: v.screening.findings.iter().map(FindingOut::from).collect(),
            },
            sessions: v.sessions.iter().map(SessionOut::from).collect(),
        }
    }
}

/// The physician's decision on a draft plan.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Go ahead (approve) or not (decline).
    #[serde(default)]
    pub proceed: Option<bool>,
    /// Required to go ahead over a finding that needs review.
    #[serde(default)]
    pub justification: Option<String>,
    /// The plan version the decision was made on.
    #[serde(default)]
    pub version: Option<i64>,
}

/// When the plan's next session starts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// RFC 3339, in the future.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
}

/// One dated task of a preparation checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    /// `history_review`, `imaging_on_file`, `stop_nsaids`, `hydrate`,
    /// `no_alcohol_smoking`, `fast_solids`, `fast_clear_liquids`,
    /// `arrange_ride`, `loose_clothing`.
    pub code: String,
    /// By when it must be done (or begun, for a pause or a fast).
    pub due: DateTime<Utc>,
    /// `auto` (derived from the chart) or `patient` (ticked by the patient or staff).
    pub completion: String,
    /// What it is about: the NSAIDs to stop.
    pub names: Vec<String>,
    /// For stopping NSAIDs: the last day they may still be taken.
    pub last_day: Option<NaiveDate>,
    pub done: bool,
}

/// Why a session is not ready or at risk.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessReasonOut {
    /// `plan_not_approved`, `imaging_missing`, `task_overdue`, `task_due_soon`.
    pub code: String,
    /// The task it concerns, when there is one.
    pub task: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessOut {
    /// `ready`, `at_risk` or `not_ready`.
    pub status: String,
    pub reasons: Vec<ReadinessReasonOut>,
}

/// A session's preparation checklist and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreparationOut {
    pub session: SessionOut,
    pub tasks: Vec<TaskOut>,
    pub readiness: ReadinessOut,
}

impl From<&Preparation> for PreparationOut {
    fn from(p: &Preparation) -> Self {
        let done = |code: TaskCode| p.states.iter().any(|s| s.code == code && s.done);
        PreparationOut {
            session: SessionOut::from(&p.session),
            tasks: p
                .tasks
                .iter()
                .map(|t| TaskOut {
                    code: t.code.code().to_string(),
                    due: t.due,
                    completion: match t.completion {
                        Completion::Auto => "auto",
                        Completion::PatientTicks => "patient",
                    }
                    .to_string(),
                    names: t.names.clone(),
                    last_day: t.last_day,
                    done: done(t.code),
                })
                .collect(),
            readiness: ReadinessOut {
                status: p.readiness.readiness.code().to_string(),
                reasons: p
                    .readiness
                    .reasons
                    .iter()
                    .map(|(reason, task)| ReadinessReasonOut {
                        code: reason.code().to_string(),
                        task: task.map(|t| t.code().to_string()),
                    })
                    .collect(),
            },
        }
    }
}

/// One upcoming session on the coordinator's board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardLineOut {
    pub patient_name: String,
    #[serde(flatten)]
    pub preparation: PreparationOut,
}

impl From<&BoardLine> for BoardLineOut {
    fn from(line: &BoardLine) -> Self {
        BoardLineOut {
            patient_name: line.patient_name.clone(),
            preparation: PreparationOut::from(&line.preparation),
        }
    }
}

/// Whether a preparation task is done.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickIn {
    #[serde(default)]
    pub done: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// How many days ahead, 1 to 90 (default 14).
    #[serde(default)]
    pub days: Option<i64>,
}

/// Protocol problems name the body's fields: `settings.NAME` and `note`.
fn protocol_problem(locale: Locale, err: AppError) -> ApiError {
    let err = match err {
        AppError::Invalid(Issues(issues)) => AppError::Invalid(Issues(
            issues
                .into_iter()
                .map(|issue| Issue {
                    field: if issue.field == "version_note" {
                        "note".to_string()
                    } else {
                        format!("settings.{}", issue.field)
                    },
                    ..issue
                })
                .collect(),
        )),
        other => other,
    };
    ApiError::new(locale, err)
}

/// The protocol in force at a site (version 0 until the admin changes it).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/protocol",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = ProtocolOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_protocol(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<ProtocolOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let protocol = state
        .app
        .protocol(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(ProtocolOut::from(&protocol)))
}

/// Every version of a site's protocol, newest first (version 0, the defaults, last).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/protocol/versions",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<ProtocolOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn protocol_versions(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<Vec<ProtocolOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let history = state
        .app
        .protocol_history(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(history.iter().map(ProtocolOut::from).collect()))
}

/// Save changed settings as the site's next protocol version (sessions
/// already booked keep theirs). Problems name `settings.NAME` or `note`.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/protocol",
    params(("site_id" = String, Path, description = "Site id")), request_body = ProtocolIn,
    security(("bearer" = [])),
    responses((status = 200, body = ProtocolOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_protocol(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<ProtocolIn>,
) -> Result<Json<ProtocolOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let changes: Vec<(String, String)> = input
        .settings
        .iter()
        .map(|(name, value)| (name.clone(), value.text()))
        .collect();
    let protocol = state
        .app
        .update_protocol(
            &api.actor,
            site,
            &changes,
            input.note.as_deref().unwrap_or_default(),
        )
        .await
        .map_err(|e| protocol_problem(api.locale, e))?;
    Ok(Json(ProtocolOut::from(&protocol)))
}

/// A patient's treatment plans, each with its live screening, decision and sessions.
#[utoipa::path(get, path = "/api/v1/patients/{id}/plans",
    params(("id" = String, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<PlanViewOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn list_plans(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<PlanViewOut>>, ApiError> {
    let id = path_id(api.locale, &id)?;
    let views = state
        .app
        .plans_of_patient(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(views.iter().map(PlanViewOut::from).collect()))
}

/// Write a treatment plan; contradictions are refused with every reason
/// (`guidance`: `needs_fluoroscopy`, `study_id`: `study_required`...).
#[utoipa::path(post, path = "/api/v1/patients/{id}/plans",
    params(("id" = String, Path, description = "Patient id")), request_body = PlanIn,
    security(("bearer" = [])),
    responses((status = 201, body = PlanOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_plan(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanIn>,
) -> Result<Response, ApiError> {
    let id = path_id(api.locale, &id)?;
    let previous = input.previous_plan_id.map(PlanId::from_uuid);
    let plan = state
        .app
        .create_plan(&api.actor, id, &input.draft(), previous)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    let mut response = (StatusCode::CREATED, Json(PlanOut::from(&plan))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/plans/{}", plan.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// One plan with its live screening, decision and sessions.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}",
    params(("plan_id" = String, Path, description = "Plan id")), security(("bearer" = [])),
    responses((status = 200, body = PlanViewOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_plan(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
) -> Result<Json<PlanViewOut>, ApiError> {
    let id = path_id(api.locale, &plan_id)?;
    let view = state
        .app
        .plan_view(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PlanViewOut::from(&view)))
}

/// Sign the suitability decision of a draft plan. Going ahead over a finding
/// for review needs a `justification`; a plan already decided, or changed
/// since `version`, is 409 with the current plan.
#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/decision",
    params(("plan_id" = String, Path, description = "Plan id")), request_body = DecisionIn,
    security(("bearer" = [])),
    responses((status = 200, body = PlanOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn decide_plan(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiJson(input): ApiJson<DecisionIn>,
) -> Result<Json<PlanOut>, ApiError> {
    let id = path_id(api.locale, &plan_id)?;
    let proceed = required(api.locale, "proceed", input.proceed)?;
    let version = required(api.locale, "version", input.version)?;
    let plan = state
        .app
        .decide_plan(
            &api.actor,
            id,
            version,
            proceed,
            input.justification.as_deref().unwrap_or_default(),
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PlanOut::from(&plan)))
}

/// Book the next session of an approved plan, under the protocol version in force now.
#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/sessions",
    params(("plan_id" = String, Path, description = "Plan id")), request_body = SessionIn,
    security(("bearer" = [])),
    responses((status = 201, body = SessionOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule_session(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiJson(input): ApiJson<SessionIn>,
) -> Result<Response, ApiError> {
    let id = path_id(api.locale, &plan_id)?;
    let starts_at = required(api.locale, "starts_at", input.starts_at)?;
    let session = state
        .app
        .schedule_session(&api.actor, id, starts_at)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    let mut response = (StatusCode::CREATED, Json(SessionOut::from(&session))).into_response();
    if let Ok(location) =
        HeaderValue::from_str(&format!("/api/v1/sessions/{}/preparation", session.id))
    {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// A session's dated preparation checklist and how ready it is.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/preparation",
    params(("session_id" = String, Path, description = "Session id")), security(("bearer" = [])),
    responses((status = 200, body = PreparationOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_preparation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(session_id): Path<String>,
) -> Result<Json<PreparationOut>, ApiError> {
    let id: SessionId = path_id(api.locale, &session_id)?;
    let preparation = state
        .app
        .preparation(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PreparationOut::from(&preparation)))
}

/// Tick or untick a patient task: the patient on their own session, or staff
/// tracking preparation on the patient's behalf. A task the checklist does
/// not hold, or one Cellpath derives itself, is 422 on `task`.
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/preparation/{task}",
    params(("session_id" = String, Path, description = "Session id"),
           ("task" = String, Path, description = "Task code, e.g. `fast_solids`")),
    request_body = TickIn, security(("bearer" = [])),
    responses((status = 200, body = PreparationOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tick_task(
    State(state): State<AppState>,
    api: ApiActor,
    Path((session_id, task)): Path<(String, String)>,
    ApiJson(input): ApiJson<TickIn>,
) -> Result<Json<PreparationOut>, ApiError> {
    let id: SessionId = path_id(api.locale, &session_id)?;
    let task = TaskCode::parse("task", &task)
        .map_err(|_| ApiError::new(api.locale, AppError::NotFound))?;
    let done = required(api.locale, "done", input.done)?;
    let preparation = if api.actor.role == Role::Patient {
        state.app.tick_my_task(&api.actor, id, task, done).await
    } else {
        state
            .app
            .tick_task_for_patient(&api.actor, id, task, done)
            .await
    }
    .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PreparationOut::from(&preparation)))
}

/// The upcoming sessions of the caller's sites, each with its readiness.
#[utoipa::path(get, path = "/api/v1/preparation-board", params(BoardParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<BoardLineOut>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
pub async fn preparation_board(
    State(state): State<AppState>,
    api: ApiActor,
    ApiQuery(params): ApiQuery<BoardParams>,
) -> Result<Json<Vec<BoardLineOut>>, ApiError> {
    let lines = state
        .app
        .preparation_board(&api.actor, params.days.unwrap_or(14))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(lines.iter().map(BoardLineOut::from).collect()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sites/{site_id}/protocol",
            get(get_protocol).put(update_protocol),
        )
        .route(
            "/api/v1/sites/{site_id}/protocol/versions",
            get(protocol_versions),
        )
        .route(
            "/api/v1/patients/{id}/plans",
            get(list_plans).post(create_plan),
        )
        .route("/api/v1/plans/{plan_id}", get(get_plan))
        .route("/api/v1/plans/{plan_id}/decision", post(decide_plan))
        .route("/api/v1/plans/{plan_id}/sessions", post(schedule_session))
        .route(
            "/api/v1/sessions/{session_id}/preparation",
            get(get_preparation),
        )
        .route(
            "/api/v1/sessions/{session_id}/preparation/{task}",
            put(tick_task),
        )
        .route("/api/v1/preparation-board", get(preparation_board))
}
