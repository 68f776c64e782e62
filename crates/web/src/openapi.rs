//! The OpenAPI 3.1 document of the JSON API, served at `/openapi.json`.

use crate::openapi_fhir::FhirPaths;
use crate::{
    api, api_adverse_events, api_consent, api_diary, api_expect, api_follow_ups, api_plans,
    api_questionnaires, api_resources, api_schedule, api_session_day,
};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Cellpath API", description = "Patients and intake, site protocols, treatment plans with suitability screening, sessions and their preparation, consent texts and signatures, resources with their hours and leave, booking sessions on them, the session day (check-in, steps, bedside check, records) and the lab (specimens, products, donor lots, labels), adverse events and the lookback from a kit lot or product to every patient who received it, follow-up visits booked at discharge, the symptom diary and the triage queue of red flags, what to expect and the clinic's answers, questionnaire scoring (pain NRS, KOOS, Oswestry), and outgoing messages, of a Cellpath clinic. Every call needs a bearer token from `cellpath token create`; errors are application/problem+json."),
    paths(
        api::list_patients,
        api::create_patient,
        api::get_patient,
        api::update_patient,
        api::list_intake,
        api::add_intake,
        api::update_intake,
        api::delete_intake,
        api_plans::get_protocol,
        api_plans::protocol_versions,
        api_plans::update_protocol,
        api_plans::list_plans,
        api_plans::create_plan,
        api_plans::get_plan,
        api_plans::decide_plan,
        api_plans::schedule_session,
        api_plans::get_preparation,
        api_plans::tick_task,
        api_plans::preparation_board,
        api_consent::consent_texts,
        api_consent::save_consent_text,
        api_consent::get_consent,
        api_consent::sign_consent,
        api_consent::withdraw_consent,
        api_consent::consent_pdf,
        api_consent::patient_messages,
        api_consent::site_messages,
        api_expect::answers,
        api_expect::save_answer,
        api_expect::what_to_expect,
        api_questionnaires::list_questionnaires,
        api_diary::write_entry,
        api_diary::read_diary,
        api_diary::triage,
        api_diary::take_alert,
        api_diary::close_alert,
        api_questionnaires::score,
        api_questionnaires::responses_of_patient,
        api_resources::list_resources,
        api_resources::create_resource,
        api_resources::update_resource,
        api_resources::add_leave,
        api_resources::remove_leave,
        api_resources::possible_starts,
        api_resources::move_session,
        api_resources::cancel_session,
        api_resources::session_booking,
        api_session_day::get_day,
        api_session_day::record_check,
        api_session_day::start_step,
        api_session_day::finish_step,
        api_session_day::record_deviation,
        api_session_day::record_harvest,
        api_session_day::bedside_check,
        api_session_day::record_injection,
        api_session_day::record_monitoring,
        api_session_day::assign_donor_lot,
        api_session_day::day_board,
        api_session_day::lab_queue,
        api_session_day::receive_specimen,
        api_session_day::get_unit,
        api_session_day::record_processing,
        api_session_day::record_qc,
        api_session_day::release_product,
        api_session_day::reject_unit,
        api_session_day::receive_donor_lot,
        api_session_day::release_donor_lot,
        api_session_day::get_labels,
        api_session_day::set_labels,
        api_adverse_events::record_adverse_event,
        api_adverse_events::update_adverse_event,
        api_adverse_events::adverse_events_of_patient,
        api_adverse_events::lookback,
        api_follow_ups::follow_ups_of_patient,
        api_follow_ups::record_attendance,
        crate::healthz,
        crate::readyz,
    ),
    components(schemas(api_diary::DiaryEntryIn, api_diary::FlagOut, api_diary::DiaryOutcomeOut, api_diary::DiaryEntryOut, api_diary::DiaryOut, api_diary::AlertOut, api_diary::AlertStateOut, api_diary::AlertActionIn, api_questionnaires::ScoreIn, api_questionnaires::ScoreOut, api_questionnaires::ItemOut, api_questionnaires::QuestionnaireOut, api_questionnaires::ResponseOut, api_expect::AnswerOut, api_expect::AnswerIn, api_expect::StepOut, api_expect::ExpectationOut, api_expect::WhatToExpectOut, api::Problem, api::FieldProblem, api::PatientIn, api::PatientOut, api::PatientList, api::IntakeIn, api::IntakeOut,
        api_plans::TextOrNumber, api_plans::ProtocolIn, api_plans::ProtocolOut, api_plans::PlanIn, api_plans::PlanOut,
        api_plans::DecisionOut, api_plans::DecisionFindingOut, api_plans::FindingOut, api_plans::ScreeningOut,
        api_plans::SessionOut, api_plans::PlanViewOut, api_plans::DecisionIn, api_plans::SessionIn, api_plans::TaskOut,
        api_plans::ReadinessReasonOut, api_plans::ReadinessOut, api_plans::PreparationOut, api_plans::BoardLineOut,
        api_plans::TickIn, api_consent::ConsentTextOut, api_consent::ConsentTextIn, api_consent::SignatureOut,
        api_consent::TextToSignOut, api_consent::PlanConsentOut, api_consent::SignatureIn, api_consent::WithdrawalIn,
        api_consent::DeliveryOut, api_schedule::ResourceOut, api_schedule::ClashOut, api_schedule::TakenOut,
        api_resources::ResourceIn, api_resources::LeaveIn, api_resources::LeaveOut, api_resources::StartsOut,
        api_resources::MoveIn, api_resources::CancelIn, api_resources::HeldOut, api_resources::BookedStepOut,
        api_resources::BookingOut, api_session_day::CheckIn, api_session_day::StepIn,
        api_session_day::DeviationIn, api_session_day::HarvestIn, api_session_day::BedsideIn,
        api_session_day::InjectionIn, api_session_day::MonitoringIn, api_session_day::ScanIn,
        api_session_day::ProcessingIn, api_session_day::QcIn, api_session_day::RejectIn,
        api_session_day::DonorLotIn, api_session_day::LabelsIn, api_session_day::SignedOut,
        api_session_day::DayStepOut, api_session_day::CheckedOut, api_session_day::DeviationOut,
        api_session_day::FactsOut, api_session_day::UnitOut, api_session_day::ChainEventOut,
        api_session_day::RecordOut, api_session_day::SessionDayOut, api_session_day::MonitoringOut,
        api_session_day::AlertOut, api_session_day::BoardRowOut, api_session_day::LabQueueOut,
        api_session_day::UnitViewOut, api_session_day::QcOut, api_session_day::LabelsOut,
        api_adverse_events::AdverseEventIn, api_adverse_events::AdverseEventOut,
        api_adverse_events::LookbackRowOut, api_adverse_events::LookbackOut,
        api_follow_ups::FollowUpOut, api_follow_ups::AttendanceIn)),
    modifiers(&BearerAuth, &FhirPaths, &ProblemResponses)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every error of the JSON API is `application/problem+json`, whatever the
/// handler's annotation says, and the answers its extractors give are
/// documented on every operation that has them: 401 when it needs a token,
/// 400 when it reads a body or a query.
struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                problem_responses(operation);
            }
        }
    }
}

fn problem_responses(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    const PROBLEM: &str = "application/problem+json";
    let is_problem = |content: &RefOr<utoipa::openapi::Content>| matches!(content, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
    for response in operation.responses.responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if response
            .content
            .get("application/json")
            .is_some_and(is_problem)
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response.content.insert(PROBLEM.to_string(), content);
        }
    }
    // The FHIR interface answers OperationOutcomes, documented with it.
    let fhir = operation.responses.responses.values().any(|r| match r {
        RefOr::T(r) => r.content.keys().any(|c| c.contains("fhir")),
        RefOr::Ref(_) => false,
    });
    if !fhir {
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        PROBLEM,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        let reads_input = operation.request_body.is_some()
            || operation.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
            });
        let responses = &mut operation.responses.responses;
        if operation.security.is_some() && !responses.contains_key("401") {
            responses.insert("401".into(), problem("No valid bearer token"));
        }
        if reads_input && !responses.contains_key("400") {
            responses.insert("400".into(), problem("The body or query could not be read"));
        }
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
