//! Questionnaires answered and stored through the use cases, on both
//! engines: scored by the domain, linked to the plan and session they follow
//! up, refused by item, reachable only by the patient and their site's
//! clinicians, audited; and the cohort report's counts.

use cellpath_app::{App, AppConfig, AppError};
use cellpath_domain::outcomes::Timepoint;
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::{CellSource, Indication, PlanDraft};
use cellpath_domain::{IssueCode, Role, SessionId};
use cellpath_test_support::{Backend, Clinic, PASSWORD, both_backends, knee_plan, store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::{Arc, Mutex};

type SharedClock = Arc<Mutex<DateTime<Utc>>>;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("a time")
}

async fn clinic_with_clock(backend: &Backend) -> (Clinic, SharedClock) {
    let clock = Arc::new(Mutex::new(start()));
    let (store, db) = store(backend).await;
    let reading = clock.clone();
    let app = App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *reading.lock().expect("clock")));
    (Clinic::on(app, db).await, clock)
}

fn advance(clock: &SharedClock, by: Duration) {
    *clock.lock().expect("clock") += by;
}

fn spinal_plan() -> PlanDraft {
    PlanDraft {
        indication: "degenerative_disc".into(),
        target_site: "spinal_disc".into(),
        side: "midline".into(),
        spinal_level: "L4-L5".into(),
        cell_source: "adipose".into(),
        guidance: "fluoroscopy".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// A patient with an approved plan and a session at `starts_at`.
async fn treated(
    clinic: &Clinic,
    given: &str,
    plan: &PlanDraft,
    starts_at: DateTime<Utc>,
) -> (Patient, SessionId) {
    let (patient, plan) = clinic.approved_plan(given, "Outcome", plan).await;
    let session = clinic.past_session(&patient, plan, starts_at).await;
    (patient, session)
}

fn form(pairs: &[(&str, i64)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.to_string()))
        .collect()
}

/// Every KOOS item answered `value`.
fn koos_all(value: i64) -> Vec<(String, String)> {
    let mut items = Vec::new();
    for (prefix, n) in [("S", 7), ("P", 9), ("A", 17), ("SP", 5), ("Q", 4)] {
        for i in 1..=n {
            items.push((format!("{prefix}{i}"), value.to_string()));
        }
    }
    items
}

fn codes<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues
            .0
            .into_iter()
            .map(|issue| (issue.field, issue.code))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

both_backends! {
    async fn answers_are_scored_linked_and_audited_and_reach_only_their_patient(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let nurse = clinic.actor(Role::Nurse);
        let (amal, session) = treated(&clinic, "Amal", &knee_plan(), start() + Duration::days(3)).await;

        // Baseline before the session: KOOS all 2s is 50 on every subscale.
        let baseline = app.answer_questionnaire(nurse, amal.id, "koos", "baseline", &koos_all(2)).await.expect("koos");
        assert_eq!(baseline.timepoint, Timepoint::Baseline);
        for code in ["symptoms", "pain", "adl", "sport", "qol"] {
            assert_eq!(baseline.scores.get(code), Some(50.0), "{code}");
        }
        assert!(baseline.plan_id.is_some(), "linked to the knee plan");
        assert_eq!(baseline.session_id, None, "no session had happened yet");

        // Six weeks after: linked to the session; the patient answers themself.
        advance(&clock, Duration::days(45));
        let (token, _) = app.invite_patient(nurse, amal.id).await.expect("invite");
        let signed = app.accept_invitation(&token, "amal", PASSWORD).await.expect("accept");
        let own = app.answer_questionnaire(&signed.actor, amal.id, "nrs-pain", "6w", &form(&[("pain", 3)])).await.expect("own nrs");
        assert_eq!(own.session_id, Some(session));
        assert_eq!(own.scores.get("pain"), Some(3.0));

        // A missing required NRS answer is refused by its item; a bad timepoint too.
        assert_eq!(
            codes(app.answer_questionnaire(nurse, amal.id, "nrs-pain", "2y", &form(&[])).await),
            [("timepoint".into(), IssueCode::UnknownCode), ("answers.pain".into(), IssueCode::Required)]
        );
        // An answer out of range, by its item.
        assert_eq!(
            codes(app.answer_questionnaire(nurse, amal.id, "koos", "6w", &form(&[("P1", 5)])).await),
            [("answers.P1".into(), IssueCode::OutOfRange)]
        );
        // A KOOS with nothing answered is not a response.
        assert_eq!(
            codes(app.answer_questionnaire(nurse, amal.id, "koos", "6w", &form(&[])).await),
            [("answers".into(), IssueCode::Required)]
        );
        // The ODI is for the back: not this knee patient's.
        assert_eq!(
            codes(app.answer_questionnaire(nurse, amal.id, "odi", "6w", &form(&[("1", 2)])).await),
            [("code".into(), IssueCode::NotApplicable)]
        );
        assert!(matches!(app.answer_questionnaire(nurse, amal.id, "womac", "6w", &form(&[])).await, Err(AppError::NotFound)));

        // The patient cannot answer for someone else, nor read them.
        let (other, _) = treated(&clinic, "Basma", &spinal_plan(), start()).await;
        assert!(matches!(app.answer_questionnaire(&signed.actor, other.id, "nrs-pain", "6w", &form(&[("pain", 2)])).await, Err(AppError::NotFound)));
        assert!(matches!(app.responses_of_patient(&signed.actor, other.id).await, Err(AppError::NotFound)));
        // Another site's nurse finds nothing; a coordinator may not.
        assert!(matches!(app.answer_questionnaire(&clinic.other_site_nurse, amal.id, "nrs-pain", "6w", &form(&[("pain", 2)])).await, Err(AppError::NotFound)));
        assert!(matches!(app.responses_of_patient(clinic.actor(Role::Coordinator), amal.id).await, Err(AppError::Forbidden(_))));

        // Read back: both responses, the questionnaires that apply, the session.
        let outcomes = app.responses_of_patient(nurse, amal.id).await.expect("read");
        let codes_of: Vec<&str> = outcomes.applicable.iter().map(|d| d.code()).collect();
        assert_eq!(codes_of, ["nrs-pain", "koos"]);
        assert_eq!(outcomes.responses.len(), 2);
        assert_eq!(outcomes.responses[0].answers.get("S1"), Some(&2));
        let score_order: Vec<&str> = outcomes.responses[0].scores.0.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(score_order, ["symptoms", "pain", "adl", "sport", "qol"], "in the instrument's order, as stored");
        assert_eq!(outcomes.sessions.len(), 1);
        assert_eq!(outcomes.origin(), Some((start() + Duration::days(3)).date_naive()));
        let basma = app.responses_of_patient(nurse, other.id).await.expect("read");
        let codes_of: Vec<&str> = basma.applicable.iter().map(|d| d.code()).collect();
        assert_eq!(codes_of, ["nrs-pain", "odi"]);

        // Every answer and read is in the audit trail.
        let audit = app.audit_page(clinic.actor(Role::Admin), Some(&amal.id.to_string()), 500, 0).await.expect("audit");
        let created = audit.entries.iter().filter(|e| e.entity == "questionnaire_response" && e.action == "create").count();
        assert_eq!(created, 2);
        assert!(audit.entries.iter().any(|e| e.entity == "questionnaire_responses" && e.action == "view"));
    }

    async fn the_cohort_report_counts_who_improved_by_the_mic(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let nurse = clinic.actor(Role::Nurse);
        let (better, _) = treated(&clinic, "Better", &knee_plan(), start()).await;
        let (same, _) = treated(&clinic, "Same", &knee_plan(), start()).await;
        let (only_baseline, _) = treated(&clinic, "Once", &knee_plan(), start()).await;
        let (back, _) = treated(&clinic, "Back", &spinal_plan(), start()).await;
        for (patient, pain) in [(&better, 8), (&same, 6), (&only_baseline, 5), (&back, 7)] {
            app.answer_questionnaire(nurse, patient.id, "nrs-pain", "baseline", &form(&[("pain", pain)])).await.expect("baseline");
        }
        advance(&clock, Duration::days(42));
        for (patient, pain) in [(&better, 3), (&same, 5), (&back, 2)] {
            app.answer_questionnaire(nurse, patient.id, "nrs-pain", "6w", &form(&[("pain", pain)])).await.expect("6w");
        }
        let report = app.outcome_cohorts(clinic.actor(Role::Physician)).await.expect("report");
        let knee = report.iter().find(|r| r.indication == Indication::Osteoarthritis && r.cell_source == CellSource::BoneMarrow && r.questionnaire == "nrs-pain").expect("knee row");
        assert_eq!((knee.patients, knee.compared, knee.improved), (3, 2, 1));
        let disc = report.iter().find(|r| r.indication == Indication::DegenerativeDisc && r.cell_source == CellSource::Adipose).expect("disc row");
        assert_eq!((disc.score.as_str(), disc.patients, disc.compared, disc.improved), ("pain", 1, 1, 1));
        assert_eq!(report.len(), 2);

        // Another site's physician sees none of it; nurses may not ask.
        assert!(matches!(app.outcome_cohorts(nurse).await, Err(AppError::Forbidden(_))));
        let audit = app.audit_page(clinic.actor(Role::Admin), None, 500, 0).await.expect("audit");
        assert!(audit.entries.iter().any(|e| e.entity == "outcome_cohorts" && e.action == "view"));
    }
}
