//! Before the session, on both engines: protocol versions kept by sessions,
//! screening over the intake, signed decisions with justification, refused
//! contradictions, and preparation readiness as the patient ticks tasks.

use cellpath_app::{AppError, Current};
use cellpath_domain::consent::SignatureDraft;
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::plan::{PlanDraft, PlanStatus};
use cellpath_domain::preparation::{Readiness, ReadinessReason, TaskCode};
use cellpath_domain::screening::{FindingCode, Outcome};
use cellpath_domain::{IssueCode, Locale, Role};
use cellpath_test_support::{Backend, Clinic, PASSWORD, both_backends, patient_draft};
use chrono::Duration;

fn plan(site: &str, guidance: &str, anaesthesia: &str) -> PlanDraft {
    PlanDraft {
        indication: if site == "spinal_disc" {
            "degenerative_disc".into()
        } else {
            "osteoarthritis".into()
        },
        target_site: site.into(),
        side: if site == "spinal_disc" {
            "midline".into()
        } else {
            "left".into()
        },
        spinal_level: if site == "spinal_disc" {
            "L4-L5".into()
        } else {
            String::new()
        },
        cell_source: "bone_marrow".into(),
        guidance: guidance.into(),
        anaesthesia: anaesthesia.into(),
        planned_sessions: "2".into(),
        study_id: String::new(),
    }
}

fn medication(name: &str, class: &str) -> IntakeDraft {
    IntakeDraft {
        name: name.into(),
        code: class.into(),
        ..Default::default()
    }
}

fn issues_of(result: Result<impl std::fmt::Debug, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

both_backends! {
    async fn screening_names_the_medications_and_the_decision_is_signed(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let patient = clinic.app.register_patient(nurse, None, &patient_draft("Amal", "Screened")).await.expect("patient");
        for (name, class) in [("Ibuprofen", "nsaid"), ("Warfarin", "anticoagulant")] {
            clinic.app.add_intake(nurse, patient.id, IntakeKind::Medication, &medication(name, class)).await.expect("med");
        }
        let imaging = IntakeDraft { name: "Left knee".into(), code: "mri".into(), start_date: clinic.app.now().date_naive().to_string(), ..Default::default() };
        clinic.app.add_intake(nurse, patient.id, IntakeKind::Imaging, &imaging).await.expect("imaging");
        let written = clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "local"), None).await.expect("plan");
        let views = clinic.app.plans_of_patient(nurse, patient.id).await.expect("plans");
        let screening = &views[0].screening;
        assert_eq!(screening.outcome, Outcome::NeedsReview);
        let findings: Vec<(FindingCode, Vec<String>)> = screening.findings.iter().map(|f| (f.code, f.names.clone())).collect();
        assert_eq!(findings, [
            (FindingCode::NsaidPause, vec!["Ibuprofen".to_string()]),
            (FindingCode::BleedingRisk, vec!["Warfarin".to_string()]),
        ]);
        assert_eq!(
            issues_of(clinic.app.decide_plan(physician, written.id, 1, true, "  ").await),
            [("justification".to_string(), IssueCode::Required)]
        );
        assert!(matches!(clinic.app.decide_plan(nurse, written.id, 1, true, "x").await, Err(AppError::Forbidden(_))));
        let decided = clinic.app.decide_plan(physician, written.id, 1, true, "INR checked; warfarin bridged.").await.expect("decide");
        assert_eq!(decided.status, PlanStatus::Approved);
        let decision = decided.decision.expect("decision");
        assert_eq!(decision.outcome, Outcome::NeedsReview);
        assert_eq!(decision.justification.as_deref(), Some("INR checked; warfarin bridged."));
        assert!(matches!(clinic.app.decide_plan(physician, written.id, 2, false, "").await, Err(AppError::Conflict(Current::Plan(_)))));
        let audit = clinic.app.audit_page(clinic.actor(Role::Admin), Some(&patient.id.to_string()), 50, 0).await.expect("audit");
        let signed = audit.entries.iter().find(|e| e.entity == "suitability_decision").expect("decision audited");
        assert!(signed.after_state.contains("warfarin bridged") && signed.after_state.contains("bleeding_risk"), "{}", signed.after_state);
    }

    async fn contradictory_and_study_less_plans_are_refused(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let physician = clinic.actor(Role::Physician);
        let patient = clinic.app.register_patient(physician, None, &patient_draft("Omar", "Refused")).await.expect("patient");
        assert_eq!(
            issues_of(clinic.app.create_plan(physician, patient.id, &plan("spinal_disc", "ultrasound", "local"), None).await),
            [("guidance".to_string(), IssueCode::NeedsFluoroscopy)]
        );
        let mut neuro = plan("knee", "none", "local");
        neuro.indication = "neurological".into();
        neuro.target_site = "systemic".into();
        neuro.side = "midline".into();
        assert_eq!(
            issues_of(clinic.app.create_plan(physician, patient.id, &neuro, None).await),
            [("study_id".to_string(), IssueCode::StudyRequired)]
        );
        let admin = clinic.actor(Role::Admin);
        clinic.app.update_protocol(admin, clinic.site, &[("fasting_solids_hours".into(), "0".into()), ("fasting_clear_liquids_hours".into(), "0".into())], "no sedation here").await.expect("protocol");
        assert_eq!(
            issues_of(clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "sedation"), None).await),
            [("anaesthesia".to_string(), IssueCode::SedationNeedsFasting)]
        );
        let first = clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "local"), None).await.expect("first");
        let repeat = clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "local"), Some(first.id)).await.expect("repeat");
        assert_eq!(repeat.previous_plan_id, Some(first.id));
        let other = clinic.app.register_patient(physician, None, &patient_draft("Other", "Person")).await.expect("other");
        assert_eq!(
            issues_of(clinic.app.create_plan(physician, other.id, &plan("knee", "ultrasound", "local"), Some(first.id)).await),
            [("previous_plan_id".to_string(), IssueCode::UnknownCode)]
        );
    }

    async fn a_session_keeps_the_protocol_version_it_was_booked_under(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (admin, physician, coordinator) = (clinic.actor(Role::Admin), clinic.actor(Role::Physician), clinic.actor(Role::Coordinator));
        assert_eq!(clinic.app.protocol(coordinator, clinic.site).await.expect("protocol").version, 0);
        let v1 = clinic.app.update_protocol(admin, clinic.site, &[("nsaid_pause_days".into(), "10".into())], "longer pause").await.expect("v1");
        assert_eq!(v1.version, 1);
        assert_eq!(
            issues_of(clinic.app.update_protocol(admin, clinic.site, &[("nsaid_pause_days".into(), "0".into())], "").await),
            [("nsaid_pause_days".to_string(), IssueCode::OutOfRange)]
        );
        let patient = clinic.app.register_patient(coordinator, None, &patient_draft("Huda", "Booked")).await.expect("patient");
        clinic.app.add_intake(physician, patient.id, IntakeKind::Medication, &medication("Naproxen", "nsaid")).await.expect("med");
        let draft = clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "sedation"), None).await.expect("plan");
        let starts = clinic.app.now() + Duration::days(20);
        assert_eq!(issues_of(clinic.app.schedule_session(coordinator, draft.id, starts).await), [("plan".to_string(), IssueCode::NotEligible)]);
        clinic.app.decide_plan(physician, draft.id, 1, true, "imaging ordered").await.expect("approve");
        let session = clinic.app.schedule_session(coordinator, draft.id, starts).await.expect("session");
        assert_eq!((session.number, session.protocol_version), (1, 1));
        clinic.app.update_protocol(admin, clinic.site, &[("nsaid_pause_days".into(), "14".into())], "even longer").await.expect("v2");
        let prep = clinic.app.preparation(coordinator, session.id).await.expect("preparation");
        assert_eq!(prep.session.protocol_version, 1);
        let stop = prep.tasks.iter().find(|t| t.code == TaskCode::StopNsaids).expect("NSAID task");
        assert_eq!(stop.names, ["Naproxen"]);
        assert_eq!(stop.last_day, Some((starts - Duration::days(11)).date_naive()), "the pause of version 1 (10 days)");
        assert!(prep.tasks.iter().any(|t| t.code == TaskCode::FastSolids));
        assert!(prep.tasks.iter().any(|t| t.code == TaskCode::ArrangeRide));
        let history = clinic.app.protocol_history(admin, clinic.site).await.expect("history");
        assert_eq!(history.iter().map(|p| p.version).collect::<Vec<_>>(), [2, 1, 0]);
        clinic.app.schedule_session(coordinator, draft.id, starts + Duration::days(30)).await.expect("second");
        assert_eq!(issues_of(clinic.app.schedule_session(coordinator, draft.id, starts + Duration::days(60)).await), [("plan".to_string(), IssueCode::OutOfRange)]);
    }

    async fn the_patient_ticks_tasks_and_the_board_follows(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (nurse, physician, coordinator) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician), clinic.actor(Role::Coordinator));
        let patient = clinic.app.register_patient(nurse, None, &patient_draft("Rana", "Ready")).await.expect("patient");
        let imaging = IntakeDraft { name: "Left knee".into(), code: "xray".into(), start_date: clinic.app.now().date_naive().to_string(), ..Default::default() };
        clinic.app.add_intake(nurse, patient.id, IntakeKind::Imaging, &imaging).await.expect("imaging");
        let draft = clinic.app.create_plan(physician, patient.id, &plan("knee", "ultrasound", "local"), None).await.expect("plan");
        clinic.app.decide_plan(physician, draft.id, 1, true, "").await.expect("eligible, no justification needed");
        let session = clinic.app.schedule_session(coordinator, draft.id, clinic.app.now() + Duration::hours(60)).await.expect("session");
        let (invitation, _) = clinic.app.invite_patient(nurse, patient.id).await.expect("invite");
        let me = clinic.app.accept_invitation(&invitation, "rana", PASSWORD).await.expect("accept").actor;

        let board = clinic.app.preparation_board(coordinator, 14).await.expect("board");
        assert_eq!(board.len(), 1);
        assert_eq!(board[0].preparation.readiness.readiness, Readiness::NotReady);
        assert_eq!(board[0].preparation.readiness.reasons[0], (ReadinessReason::ConsentMissing, None));
        let text = clinic.app.plan_consent(&me, draft.id, Locale::En).await.expect("consent").text;
        let signature = SignatureDraft { typed_name: "Rana Ready".into(), confirmed: true, ..SignatureDraft::default() };
        clinic.app.sign_own_consent(&me, draft.id, Locale::En, &text.hash, &signature).await.expect("consent");
        let board = clinic.app.preparation_board(coordinator, 14).await.expect("board");
        assert_eq!(board[0].preparation.readiness.readiness, Readiness::AtRisk, "{:?}", board[0].preparation.readiness);
        let tickable: Vec<TaskCode> = board[0].preparation.tasks.iter().filter(|t| t.completion == cellpath_domain::preparation::Completion::PatientTicks).map(|t| t.code).collect();
        for task in &tickable {
            clinic.app.tick_my_task(&me, session.id, *task, true).await.expect("tick");
        }
        assert!(matches!(clinic.app.tick_my_task(&me, session.id, TaskCode::HistoryReview, true).await, Err(AppError::Invalid(_))), "automatic tasks are not ticked");
        let board = clinic.app.preparation_board(coordinator, 14).await.expect("board");
        assert_eq!(board[0].preparation.readiness.readiness, Readiness::Ready, "{:?}", board[0].preparation.readiness);
        clinic.app.tick_task_for_patient(nurse, session.id, TaskCode::Hydrate, false).await.expect("untick");
        let prep = clinic.app.preparation(&me, session.id).await.expect("own preparation");
        assert_eq!(prep.readiness.readiness, Readiness::AtRisk);
        clinic.app.withdraw_own_consent(&me, draft.id, "").await.expect("withdraw");
        let prep = clinic.app.preparation(&me, session.id).await.expect("own preparation");
        assert_eq!(prep.readiness.readiness, Readiness::NotReady);
        assert_eq!(prep.readiness.reasons[0], (ReadinessReason::ConsentWithdrawn, None));
        let blocked = clinic.app.schedule_session(coordinator, draft.id, clinic.app.now() + Duration::days(9)).await;
        assert!(matches!(&blocked, Err(AppError::Invalid(issues)) if issues.0[0].code == IssueCode::ConsentWithdrawn), "{blocked:?}");

        let other = clinic.app.register_patient(nurse, None, &patient_draft("Not", "Hers")).await.expect("other");
        let other_plan = clinic.app.create_plan(physician, other.id, &plan("knee", "ultrasound", "local"), None).await.expect("plan");
        clinic.app.decide_plan(physician, other_plan.id, 1, true, "ok").await.expect("approve");
        let other_session = clinic.app.schedule_session(coordinator, other_plan.id, clinic.app.now() + Duration::days(3)).await.expect("session");
        assert!(matches!(clinic.app.preparation(&me, other_session.id).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.tick_my_task(&me, other_session.id, TaskCode::Hydrate, true).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.plans_of_patient(&me, other.id).await, Err(AppError::NotFound)));
        assert_eq!(clinic.app.plans_of_patient(&me, patient.id).await.expect("own plans").len(), 1);
    }
}
