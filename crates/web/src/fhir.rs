//! The FHIR R4 interface under `/fhir` (`application/fhir+json`):
//! `metadata`, read and search. Handlers are thin: the bearer token's actor,
//! one `App::fhir_read` whose selection is `cellpath-fhir`'s mapping, search
//! and paging, and every refusal as an OperationOutcome naming the parameter
//! at fault. An id the caller may not see is "not found", like one that does
//! not exist.

use crate::AppState;
use crate::ctx::api_locale;
use crate::fhir_workflow;
use crate::i18n::tr;
use axum::Router;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cellpath_app::fhir::{FhirRecords, FhirSelection, FhirSource};
use cellpath_app::questionnaires::StoredResponse;
use cellpath_app::{Actor, AppError, DayEventRow, UnitRow};
use cellpath_domain::adverse_events::{Outcome as AdverseOutcome, Relatedness};
use cellpath_domain::donation::DonationId;
use cellpath_domain::intake::IntakeKind;
use cellpath_domain::questionnaire::Definition;
use cellpath_domain::session_day::DayStep;
use cellpath_domain::{Locale, PatientId, SiteId};
use cellpath_fhir::outcome::{Issue, Problem, operation_outcome};
use cellpath_fhir::resources::{
    self, AdverseEventRecord, CellUnit, ProcedureRecord, ResponseRecord, Site, StaffMember,
};
use cellpath_fhir::{Mapped, ResourceType, bundle, capability, search};
use chrono::NaiveDate;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/{resource_type}", get(search_type))
        .route("/fhir/{resource_type}/{id}", get(read))
}

/// A FHIR refusal: its status and issues, in the caller's language.
#[derive(Debug)]
pub struct FhirError {
    status: StatusCode,
    locale: Locale,
    issues: Vec<Issue>,
}

impl FhirError {
    fn new(status: StatusCode, locale: Locale, issues: Vec<Issue>) -> FhirError {
        FhirError {
            status,
            locale,
            issues,
        }
    }

    fn not_found(locale: Locale) -> FhirError {
        FhirError::new(
            StatusCode::NOT_FOUND,
            locale,
            vec![Issue::general(Problem::NotFound)],
        )
    }

    fn from_app(locale: Locale, err: AppError) -> FhirError {
        let (status, problem) = match err {
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, Problem::Unauthenticated),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, Problem::Forbidden),
            AppError::NotFound => (StatusCode::NOT_FOUND, Problem::NotFound),
            AppError::Invalid(_) => (StatusCode::BAD_REQUEST, Problem::InvalidValue),
            other => {
                tracing::error!(code = other.code(), error = %other, "FHIR read failed");
                (StatusCode::INTERNAL_SERVER_ERROR, Problem::Internal)
            }
        };
        FhirError::new(status, locale, vec![Issue::general(problem)])
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let locale = self.locale;
        let body = operation_outcome(&self.issues, |problem| {
            tr(locale, &format!("fhir-problem-{}", problem.code()))
        });
        let mut response = fhir_json(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn fhir_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    response
}

/// The actor of the request's bearer token; anything else is a 401
/// OperationOutcome.
pub struct FhirActor {
    pub actor: Actor,
    pub locale: Locale,
}

impl FromRequestParts<AppState> for FhirActor {
    type Rejection = FhirError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let locale = api_locale(parts);
        let Some(bearer) = crate::ctx::bearer_token(parts) else {
            return Err(FhirError::from_app(locale, AppError::Unauthenticated));
        };
        match state.app.token_actor(bearer).await {
            Ok(Some(actor)) => Ok(FhirActor { actor, locale }),
            Ok(None) => Err(FhirError::from_app(locale, AppError::Unauthenticated)),
            Err(e) => Err(FhirError::from_app(locale, e)),
        }
    }
}

/// The server's `/fhir` URL as the client reached it.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/fhir")
}

async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let statement =
        capability::capability_statement(&base_url(&state, &headers), env!("CARGO_PKG_VERSION"));
    fhir_json(StatusCode::OK, &statement)
}

fn source_of(resource_type: ResourceType) -> FhirSource {
    match resource_type {
        ResourceType::Patient => FhirSource::Patients,
        ResourceType::Practitioner => FhirSource::Staff,
        ResourceType::Location => FhirSource::Sites,
        ResourceType::Condition => FhirSource::Intake(IntakeKind::Condition),
        ResourceType::MedicationStatement => FhirSource::Intake(IntakeKind::Medication),
        ResourceType::AllergyIntolerance => FhirSource::Intake(IntakeKind::Allergy),
        ResourceType::Specimen | ResourceType::BiologicallyDerivedProduct => FhirSource::Units,
        ResourceType::AdverseEvent => FhirSource::AdverseEvents,
        ResourceType::Procedure => FhirSource::SessionDays,
        ResourceType::Questionnaire => FhirSource::Questionnaires,
        ResourceType::QuestionnaireResponse => FhirSource::Responses,
        ResourceType::Observation => FhirSource::Scores,
        ResourceType::Appointment | ResourceType::Slot => FhirSource::Appointments,
        ResourceType::Schedule => FhirSource::Schedules,
        ResourceType::Consent => FhirSource::Consents,
        ResourceType::CarePlan => FhirSource::CarePlans,
        ResourceType::Task => FhirSource::Tasks,
    }
}

/// The harvest and the injection of a session day, each from its start
/// (and its finish, once recorded).
fn procedures(patient: PatientId, events: &[DayEventRow]) -> Vec<ProcedureRecord> {
    let step_of = |e: &DayEventRow| {
        e.step
            .as_deref()
            .and_then(|s| DayStep::parse("step", s).ok())
            .filter(|s| matches!(s, DayStep::Harvest | DayStep::Injection))
    };
    events
        .iter()
        .filter(|e| e.kind == "started")
        .filter_map(|start| {
            let step = step_of(start)?;
            let finished_at = events
                .iter()
                .find(|e| e.kind == "finished" && step_of(e) == Some(step))
                .map(|e| e.at);
            Some(ProcedureRecord {
                id: start.id.to_string(),
                patient,
                step,
                started_at: start.at,
                finished_at,
            })
        })
        .collect()
}

/// When the shipped questionnaires last changed (their `meta.lastUpdated`).
fn questionnaires_published() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// A unit of cells as the mapping reads it.
fn cell_unit(unit: UnitRow) -> CellUnit {
    CellUnit {
        id: unit.id.to_string(),
        donation_id: DonationId::from_body(&unit.donation_id),
        kind: unit.kind,
        status: unit.status,
        product_type: unit.product_type,
        patient: unit.owner_patient_id.or(unit.assigned_patient_id),
        source_patient: unit.owner_patient_id,
        parent_id: unit.parent_id.map(|p| p.to_string()),
        collected_at: unit.collected_at,
        expires_at: unit.expires_at,
        created_at: unit.created_at,
        updated_at: unit.updated_at,
    }
}

/// A questionnaire answered, as its QuestionnaireResponse or as the
/// Observations of its scores.
fn response_resources(
    resource_type: ResourceType,
    patient: PatientId,
    response: StoredResponse,
) -> Vec<Mapped> {
    let Some(definition) = Definition::by_code(&response.code) else {
        return Vec::new();
    };
    let scores: Vec<(String, f64)> = response
        .scores
        .0
        .iter()
        .filter_map(|s| Some((s.code.clone(), s.value?)))
        .collect();
    let record = ResponseRecord {
        id: response.id.to_string(),
        patient,
        answers: response.answers,
        answered_at: response.answered_at,
    };
    if resource_type == ResourceType::Observation {
        resources::score_observations(&definition, &record, &scores)
    } else {
        vec![resources::questionnaire_response(&definition, &record)]
    }
}

/// Every record as its FHIR resource of `resource_type`.
fn map_records(resource_type: ResourceType, records: FhirRecords, today: NaiveDate) -> Vec<Mapped> {
    match records {
        FhirRecords::Appointments {
            sessions,
            follow_ups,
            resources,
        } => fhir_workflow::appointments(resource_type, &sessions, &follow_ups, &resources),
        FhirRecords::Schedules(resources) => fhir_workflow::schedules(&resources),
        FhirRecords::Consents(consents) => fhir_workflow::consents(&consents),
        FhirRecords::CarePlans {
            plans,
            sessions,
            follow_ups,
        } => fhir_workflow::care_plans(&plans, &sessions, &follow_ups),
        FhirRecords::Tasks(alerts) => fhir_workflow::tasks(&alerts),
        FhirRecords::Questionnaires(definitions) => definitions
            .iter()
            .map(|d| resources::questionnaire(d, questionnaires_published()))
            .collect(),
        FhirRecords::Responses(responses) => responses
            .into_iter()
            .flat_map(|(patient, response)| response_resources(resource_type, patient, response))
            .collect(),
        FhirRecords::Observations { responses, results } => responses
            .into_iter()
            .flat_map(|(patient, response)| response_resources(resource_type, patient, response))
            .chain(results.iter().filter_map(|e| resources::intake(e, today)))
            .collect(),
        FhirRecords::SessionDays(days) => days
            .into_iter()
            .flat_map(|(session, events)| procedures(session.patient_id, &events))
            .map(|step| resources::procedure(&step))
            .collect(),
        FhirRecords::AdverseEvents(events) => events
            .into_iter()
            .filter_map(|e| {
                let (Ok(relatedness), Ok(outcome)) = (
                    Relatedness::parse("relatedness", &e.relatedness),
                    AdverseOutcome::parse("outcome", &e.outcome),
                ) else {
                    tracing::error!("an adverse event with unreadable codes was left out");
                    return None;
                };
                Some(resources::adverse_event(&AdverseEventRecord {
                    id: e.id.to_string(),
                    patient: PatientId::from_uuid(e.patient_id),
                    unit_id: e.unit_id.map(|u| u.to_string()),
                    what: e.what,
                    onset_at: e.onset_at,
                    grade: e.grade,
                    serious: e.serious,
                    relatedness,
                    outcome,
                    recorded_at: e.recorded_at,
                    updated_at: e.updated_at,
                }))
            })
            .collect(),
        FhirRecords::Units(units) => units
            .into_iter()
            .map(cell_unit)
            .filter_map(|unit| match resource_type {
                ResourceType::Specimen => resources::specimen(&unit),
                _ => Some(resources::biologically_derived_product(&unit)),
            })
            .collect(),
        FhirRecords::Patients(patients) => patients.iter().map(resources::patient).collect(),
        FhirRecords::Staff(staff) => staff
            .into_iter()
            .map(|s| {
                resources::practitioner(&StaffMember {
                    id: s.id,
                    display_name: s.display_name,
                    role: s.role,
                    active: !s.disabled,
                    created_at: s.created_at,
                })
            })
            .collect(),
        FhirRecords::Sites(sites) => sites
            .into_iter()
            .map(|s| {
                resources::location(&Site {
                    id: SiteId::from_uuid(s.id),
                    code: s.code,
                    name: s.name,
                    created_at: s.created_at,
                })
            })
            .collect(),
        FhirRecords::Intake(entries) => entries
            .iter()
            .filter_map(|e| resources::intake(e, today))
            .collect(),
    }
}

/// Every resource of `resource_type` the actor may read that changed at
/// or after `since`, as the server would serve it (bulk export). Each
/// patient whose data it holds is audited, as for a search.
pub async fn export_type(
    app: &cellpath_app::App,
    actor: &Actor,
    resource_type: ResourceType,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Value>, AppError> {
    app.fhir_read(actor, source_of(resource_type), None, |records, today| {
        let mapped: Vec<Mapped> = map_records(resource_type, records, today)
            .into_iter()
            .filter(|m| m.last_updated >= since)
            .collect();
        let mut patients: Vec<PatientId> = mapped.iter().filter_map(|m| m.patient).collect();
        patients.sort();
        patients.dedup();
        FhirSelection {
            value: mapped.into_iter().map(|m| m.resource).collect(),
            patients,
        }
    })
    .await
}

fn resource_type_of(locale: Locale, name: &str) -> Result<ResourceType, FhirError> {
    ResourceType::parse(name).ok_or_else(|| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            locale,
            vec![Issue::general(Problem::UnknownType)],
        )
    })
}

async fn search_type(
    State(state): State<AppState>,
    FhirActor { actor, locale }: FhirActor,
    Path(resource_type): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, FhirError> {
    let resource_type = resource_type_of(locale, &resource_type)?;
    let bad_request = |issues| FhirError::new(StatusCode::BAD_REQUEST, locale, issues);
    let params = search::parse_query(query.as_deref().unwrap_or(""))
        .map_err(|issue| bad_request(vec![issue]))?;
    let request = search::parse(resource_type, &params).map_err(bad_request)?;
    let only_patient = request
        .only_patient()
        .and_then(|id| id.parse::<PatientId>().ok());
    let base = base_url(&state, &headers);
    let bundle = state
        .app
        .fhir_read(
            &actor,
            source_of(resource_type),
            only_patient,
            |records, today| {
                let set = bundle::searchset(
                    &base,
                    resource_type,
                    &request,
                    map_records(resource_type, records, today),
                );
                FhirSelection {
                    value: set.bundle,
                    patients: set.patients,
                }
            },
        )
        .await
        .map_err(|e| FhirError::from_app(locale, e))?;
    Ok(fhir_json(StatusCode::OK, &bundle))
}

async fn read(
    State(state): State<AppState>,
    FhirActor { actor, locale }: FhirActor,
    Path((resource_type, id)): Path<(String, String)>,
) -> Result<Response, FhirError> {
    let resource_type = resource_type_of(locale, &resource_type)?;
    // Anything but a FHIR id ([A-Za-z0-9-.]{1,64}) cannot exist.
    let fhir_id = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !fhir_id {
        return Err(FhirError::not_found(locale));
    }
    let only_patient = match resource_type {
        ResourceType::Patient => id.parse::<PatientId>().ok(),
        _ => None,
    };
    let found = state
        .app
        .fhir_read(
            &actor,
            source_of(resource_type),
            only_patient,
            |records, today| {
                let found = map_records(resource_type, records, today)
                    .into_iter()
                    .find(|m| m.resource_type == resource_type && m.id == id);
                FhirSelection {
                    patients: found.iter().filter_map(|m| m.patient).collect(),
                    value: found.map(|m| m.resource),
                }
            },
        )
        .await
        .map_err(|e| FhirError::from_app(locale, e))?;
    match found {
        Some(resource) => Ok(fhir_json(StatusCode::OK, &resource)),
        None => Err(FhirError::not_found(locale)),
    }
}
