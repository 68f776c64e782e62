//! The use cases on both engines: the whole role x action table, who can
//! reach which record, conflicts, nothing saved in part, sign-in rules and
//! the audit entries each change leaves.

use cellpath_app::auth::SignedIn;
use cellpath_app::lab::DonorLotDraft;
use cellpath_app::session_day::CheckDraft;
use cellpath_app::{Actor, App, AppConfig, AppError, Current};
use cellpath_domain::Locale;
use cellpath_domain::consent::SignatureDraft;
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::preparation::TaskCode;
use cellpath_domain::{Action, IssueCode, PlanId, Role, SessionId};
use cellpath_test_support::{Backend, Clinic, PASSWORD, both_backends, patient_draft, store};
use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn new() -> TestClock {
        TestClock(Arc::new(Mutex::new(cellpath_store::now())))
    }
    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock");
        *now += by;
    }
}

async fn clinic_with_clock(backend: &Backend) -> (Clinic, TestClock) {
    let (store, db) = store(backend).await;
    let clock = TestClock::new();
    let reading = clock.clone();
    let app = App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *reading.0.lock().expect("clock")));
    (Clinic::on(app, db).await, clock)
}

async fn register(clinic: &Clinic, given: &str) -> Patient {
    clinic
        .app
        .register_patient(
            clinic.actor(Role::Coordinator),
            None,
            &patient_draft(given, "Test"),
        )
        .await
        .expect("register")
}

async fn portal_user(clinic: &Clinic, patient: &Patient, username: &str) -> SignedIn {
    let (token, _) = clinic
        .app
        .invite_patient(clinic.actor(Role::Nurse), patient.id)
        .await
        .expect("invite");
    clinic
        .app
        .accept_invitation(&token, username, PASSWORD)
        .await
        .expect("accept")
}

fn medication() -> IntakeDraft {
    IntakeDraft {
        name: "Ibuprofen".into(),
        code: "nsaid".into(),
        detail: "400 mg".into(),
        ..Default::default()
    }
}

/// Tries one action as `actor`; `Ok` when it went through.
async fn attempt(
    clinic: &Clinic,
    actor: &Actor,
    action: Action,
    target: &Patient,
) -> Result<(), AppError> {
    let app = &clinic.app;
    match action {
        Action::SearchPatients => app.search_patients(actor, "", 10, 0).await.map(|_| ()),
        Action::ViewPatient => app.patient_chart(actor, target.id).await.map(|_| ()),
        Action::RegisterPatient => app
            .register_patient(actor, None, &patient_draft("New", "Person"))
            .await
            .map(|_| ()),
        Action::EditDemographics => {
            let current = app
                .patient_chart(clinic.actor(Role::Physician), target.id)
                .await
                .expect("read")
                .patient;
            app.update_patient(actor, target.id, current.version, &current.to_draft())
                .await
                .map(|_| ())
        }
        Action::EditIntake => app
            .add_intake(actor, target.id, IntakeKind::Medication, &medication())
            .await
            .map(|_| ()),
        Action::InvitePatient => {
            let fresh = register(clinic, "Invitee").await;
            app.invite_patient(actor, fresh.id).await.map(|_| ())
        }
        Action::ViewOwnRecord => app.my_record(actor).await.map(|_| ()),
        Action::ManageUsers => app.list_users(actor).await.map(|_| ()),
        Action::ManageSites => app
            .add_site(
                Some(actor),
                &cellpath_app::admin::NewSite {
                    code: format!(
                        "S{}",
                        uuid::Uuid::now_v7()
                            .simple()
                            .to_string()
                            .get(20..28)
                            .unwrap_or("X")
                    ),
                    name: "Another site".into(),
                    record_prefix: "AS".into(),
                },
            )
            .await
            .map(|_| ()),
        Action::ViewAudit => app.audit_page(actor, None, 10, 0).await.map(|_| ()),
        Action::ViewProtocol => app.protocol(actor, clinic.site).await.map(|_| ()),
        Action::EditProtocol => app
            .update_protocol(
                actor,
                clinic.site,
                &[("nsaid_pause_days".into(), "8".into())],
                "walk",
            )
            .await
            .map(|_| ()),
        Action::ViewPlans => app.plans_of_patient(actor, target.id).await.map(|_| ()),
        Action::WritePlan => app
            .create_plan(actor, target.id, &knee_plan(), None)
            .await
            .map(|_| ()),
        Action::DecideSuitability => {
            let plan = app
                .create_plan(clinic.actor(Role::Physician), target.id, &knee_plan(), None)
                .await
                .expect("plan");
            app.decide_plan(actor, plan.id, plan.version, false, "")
                .await
                .map(|_| ())
        }
        Action::ScheduleSession => {
            let plan = approved_plan(clinic, target).await;
            app.schedule_session(actor, plan, app.now() + Duration::days(20) + next_slot())
                .await
                .map(|_| ())
        }
        Action::TrackPreparation => app.preparation_board(actor, 30).await.map(|_| ()),
        Action::ManageResources => app
            .add_resource(
                actor,
                clinic.site,
                &cellpath_app::scheduling::ResourceDraft {
                    kind: "recovery_bay".into(),
                    name: format!("Bay {}", uuid::Uuid::now_v7().simple()),
                    work_days: "1111100".into(),
                    work_start: "07:00".into(),
                    work_end: "19:00".into(),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
        Action::ViewSchedule => app
            .day_schedule(actor, clinic.site, app.now().date_naive())
            .await
            .map(|_| ()),
        Action::ManagePatientTexts => app.consent_texts(actor, clinic.site).await.map(|_| ()),
        Action::TakeConsent | Action::GiveOwnConsent => {
            let patient = actor.patient_id.unwrap_or(target.id);
            let physician = clinic.actor(Role::Physician);
            let plan = app
                .create_plan(physician, patient, &knee_plan(), None)
                .await
                .expect("plan");
            let hash = app
                .plan_consent(physician, plan.id, Locale::En)
                .await
                .expect("consent")
                .text
                .hash;
            if action == Action::TakeConsent {
                app.take_consent(actor, plan.id, Locale::En, &hash, &signature())
                    .await
                    .map(|_| ())
            } else {
                app.sign_own_consent(actor, plan.id, Locale::En, &hash, &signature())
                    .await
                    .map(|_| ())
            }
        }
        Action::ViewSessionDay => app
            .day_board(actor, clinic.site, app.now().date_naive())
            .await
            .map(|_| ()),
        Action::RecordSessionDay => {
            let plan = approved_plan(clinic, target).await;
            let session = app
                .schedule_session(
                    clinic.actor(Role::Coordinator),
                    plan,
                    app.now() + Duration::days(20) + next_slot(),
                )
                .await
                .expect("session");
            app.record_check(actor, session.id, "allergies", &CheckDraft::default())
                .await
        }
        Action::RecordLab => app
            .receive_donor_lot(
                actor,
                clinic.site,
                &DonorLotDraft {
                    supplier: "Cell bank".into(),
                    supplier_lot: "L-1".into(),
                    description: "Donor cells".into(),
                    volume_ml: "5".into(),
                    expires_at: (app.now() + Duration::days(30))
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                },
            )
            .await
            .map(|_| ()),
        Action::KeepDiary => {
            let session = clinic_session_of_own(clinic, actor).await;
            app.diary(actor, session).await.map(|_| ())
        }
        Action::TriageAlerts => app.triage_queue(actor, clinic.site).await.map(|_| ()),
        Action::RecordAdverseEvents => app
            .adverse_events_of_patient(actor, target.id)
            .await
            .map(|_| ()),
        Action::Lookback => app
            .lookback(
                actor,
                &cellpath_app::adverse_events::LookbackQuery::KitLot("KL-1".into()),
            )
            .await
            .map(|_| ()),
        Action::AnswerQuestionnaires => {
            let patient = actor.patient_id.unwrap_or(target.id);
            app.answer_questionnaire(
                actor,
                patient,
                "nrs-pain",
                "baseline",
                &[("pain".into(), "6".into())],
            )
            .await
            .map(|_| ())
        }
        Action::ViewOutcomes => app.outcome_cohorts(actor).await.map(|_| ()),
        Action::ViewReports => {
            let today = app.now().date_naive();
            app.clinic_report(actor, clinic.site, today - Duration::days(30), today)
                .await
                .map(|_| ())
        }
        // An unknown visit: a role that may record reaches the lookup and
        // is told it does not exist; any other role is refused before it.
        Action::RecordFollowUps => {
            match app
                .record_follow_up_attendance(actor, uuid::Uuid::now_v7(), 1, true)
                .await
            {
                Err(AppError::NotFound) => Ok(()),
                other => other.map(|_| ()),
            }
        }
        Action::ReadFhir => {
            app.fhir_read(
                actor,
                cellpath_app::fhir::FhirSource::Patients,
                Some(target.id),
                |_, _| cellpath_app::fhir::FhirSelection {
                    value: (),
                    patients: Vec::new(),
                },
            )
            .await
        }
        Action::ImportFhir => app
            .import_fhir(
                Some(actor),
                clinic.site,
                &cellpath_fhir::import::BundleImport::default(),
            )
            .await
            .map(|_| ()),
        Action::TickOwnPreparation => {
            let session = clinic_session_of_own(clinic, actor).await;
            app.tick_my_task(actor, session, TaskCode::Hydrate, true)
                .await
                .map(|_| ())
        }
    }
}

fn signature() -> SignatureDraft {
    SignatureDraft {
        typed_name: "Test Patient".into(),
        witness_name: "Nurse Witness".into(),
        confirmed: true,
        ..SignatureDraft::default()
    }
}

fn knee_plan() -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "right".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "3".into(),
        ..PlanDraft::default()
    }
}

/// A plan for `patient`, written and approved by the fixture physician.
async fn approved_plan(clinic: &Clinic, patient: &Patient) -> PlanId {
    let physician = clinic.actor(Role::Physician);
    let plan = clinic
        .app
        .create_plan(physician, patient.id, &knee_plan(), None)
        .await
        .expect("plan");
    clinic
        .app
        .decide_plan(
            physician,
            plan.id,
            plan.version,
            true,
            "Imaging requested, fine to go ahead.",
        )
        .await
        .expect("approve")
        .id
}

/// A different four-hour slot each call, so sessions booked by one test never
/// compete for the fixture's single physician.
fn next_slot() -> Duration {
    static SLOT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    Duration::hours(4 * SLOT.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

/// A session of the portal user's own record (or of a fresh patient, for staff).
async fn clinic_session_of_own(clinic: &Clinic, actor: &Actor) -> SessionId {
    let patient_id = match actor.patient_id {
        Some(id) => id,
        None => register(clinic, "Someone").await.id,
    };
    let patient = clinic
        .app
        .patient_chart(clinic.actor(Role::Physician), patient_id)
        .await
        .expect("chart")
        .patient;
    let plan = approved_plan(clinic, &patient).await;
    clinic
        .app
        .schedule_session(
            clinic.actor(Role::Coordinator),
            plan,
            clinic.app.now() + Duration::days(10) + next_slot(),
        )
        .await
        .expect("session")
        .id
}

both_backends! {
    async fn the_role_table_is_enforced_by_every_use_case(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let target = register(&clinic, "Target").await;
        let own = register(&clinic, "Own").await;
        let patient = portal_user(&clinic, &own, "own.patient").await.actor;
        let mut actors: Vec<Actor> = Role::ALL.into_iter().filter(|r| r.is_staff()).map(|r| clinic.actor(r).clone()).collect();
        actors.push(patient);
        for actor in &actors {
            for action in Action::ALL {
                let outcome = attempt(&clinic, actor, action, &target).await;
                let allowed = actor.role.allows(action);
                match (&outcome, allowed) {
                    (Ok(()), true) => {}
                    (Err(AppError::Forbidden(refused)), false) => assert_eq!(*refused, action),
                    // A patient asking for someone else's chart is told it does not exist.
                    (Err(AppError::NotFound), false) if actor.role == Role::Patient => {}
                    _ => panic!("{} {}: allowed by the table = {allowed}, got {outcome:?}", actor.role, action),
                }
            }
        }
    }

    async fn a_patient_reaches_only_their_own_record(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let own = register(&clinic, "Own").await;
        let other = register(&clinic, "Other").await;
        let me = portal_user(&clinic, &own, "own.patient").await.actor;
        assert_eq!(clinic.app.my_record(&me).await.expect("own record").patient.id, own.id);
        assert_eq!(clinic.app.patient_chart(&me, own.id).await.expect("own chart").patient.id, own.id);
        assert!(matches!(clinic.app.patient_chart(&me, other.id).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.intake_list(&me, other.id, IntakeKind::Medication).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.search_patients(&me, "Other", 10, 0).await, Err(AppError::Forbidden(_))));
    }

    async fn staff_reach_only_their_own_sites(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let patient = register(&clinic, "Mainsite").await;
        let north = &clinic.other_site_nurse;
        assert!(matches!(clinic.app.patient_chart(north, patient.id).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.add_intake(north, patient.id, IntakeKind::Medication, &medication()).await, Err(AppError::NotFound)));
        let found = clinic.app.search_patients(north, "Mainsite", 10, 0).await.expect("search");
        assert!(found.patients.is_empty());
        let wrong_site = clinic.app.register_patient(clinic.actor(Role::Nurse), Some(clinic.other_site), &patient_draft("A", "B")).await;
        assert!(matches!(wrong_site, Err(AppError::Invalid(_))), "{wrong_site:?}");
    }

    async fn the_second_of_two_concurrent_edits_gets_a_conflict_with_the_first(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let patient = register(&clinic, "Layla").await;
        let nurse = clinic.actor(Role::Nurse);
        let coordinator = clinic.actor(Role::Coordinator);
        let mut first = patient.to_draft();
        first.phone = "+971 50 000 1111".into();
        let mut second = patient.to_draft();
        second.family_name = "Haddad".into();
        clinic.app.update_patient(nurse, patient.id, 1, &first).await.expect("first edit");
        match clinic.app.update_patient(coordinator, patient.id, 1, &second).await {
            Err(AppError::Conflict(Current::Patient(current))) => {
                assert_eq!(current.version, 2);
                assert_eq!(current.phone.as_deref(), Some("+971 50 000 1111"));
                assert_eq!(current.family_name, "Test");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let stored = clinic.app.patient_chart(nurse, patient.id).await.expect("read").patient;
        assert_eq!(stored.family_name, "Test", "the second edit must not overwrite the first");

        let entry = clinic.app.add_intake(nurse, patient.id, IntakeKind::Medication, &medication()).await.expect("add");
        let mut changed = medication();
        changed.detail = "200 mg".into();
        clinic.app.update_intake(nurse, patient.id, IntakeKind::Medication, entry.id, 1, &changed).await.expect("edit");
        let stale = clinic.app.update_intake(clinic.actor(Role::Physician), patient.id, IntakeKind::Medication, entry.id, 1, &medication()).await;
        assert!(matches!(stale, Err(AppError::Conflict(Current::Intake(_)))), "{stale:?}");
        let stale_delete = clinic.app.delete_intake(nurse, patient.id, IntakeKind::Medication, entry.id, 1).await;
        assert!(matches!(stale_delete, Err(AppError::Conflict(_))));
    }

    async fn invalid_input_saves_nothing_and_names_every_field(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let nurse = clinic.actor(Role::Nurse);
        let before = clinic.app.audit_page(clinic.actor(Role::Admin), None, 500, 0).await.expect("audit").entries.len();
        let mut draft = patient_draft("", "Family");
        draft.date_of_birth = "2999-01-01".into();
        draft.sex = "f".into();
        draft.email = "not-an-email".into();
        match clinic.app.register_patient(nurse, None, &draft).await {
            Err(AppError::Invalid(issues)) => {
                let got: Vec<(&str, IssueCode)> = issues.0.iter().map(|i| (i.field.as_str(), i.code)).collect();
                assert_eq!(got, [
                    ("given_name", IssueCode::Required),
                    ("date_of_birth", IssueCode::DateInFuture),
                    ("sex", IssueCode::UnknownCode),
                    ("email", IssueCode::InvalidFormat),
                ]);
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        let after = clinic.app.audit_page(clinic.actor(Role::Admin), None, 500, 0).await.expect("audit").entries.len();
        assert_eq!(before, after, "a refused registration leaves no trace");
        let mut duplicate = patient_draft("Dup", "One");
        duplicate.record_number = "CP-900".into();
        clinic.app.register_patient(nurse, None, &duplicate).await.expect("first");
        match clinic.app.register_patient(nurse, None, &duplicate).await {
            Err(AppError::Invalid(issues)) => assert_eq!(issues.0[0].field, "record_number"),
            other => panic!("expected a duplicate, got {other:?}"),
        }
        assert_eq!(clinic.app.search_patients(nurse, "Dup", 10, 0).await.expect("search").patients.len(), 1);
    }

    async fn views_and_changes_are_audited_with_before_and_after(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let physician = clinic.actor(Role::Physician);
        let patient = register(&clinic, "Audited").await;
        clinic.app.patient_chart(physician, patient.id).await.expect("view");
        let mut draft = patient.to_draft();
        draft.phone = "+44 7700 900999".into();
        clinic.app.update_patient(physician, patient.id, 1, &draft).await.expect("update");
        let page = clinic.app.audit_page(clinic.actor(Role::Admin), Some(&patient.id.to_string()), 50, 0).await.expect("audit");
        let actions: Vec<(&str, &str)> = page.entries.iter().map(|e| (e.action.as_str(), e.username.as_str())).collect();
        assert_eq!(actions, [("update", "physician"), ("view", "physician"), ("create", "coordinator")]);
        let update = &page.entries[0];
        assert_eq!(update.role, "physician");
        assert!(update.before_state.contains("+971 50 555 0101"), "{}", update.before_state);
        assert!(update.after_state.contains("+44 7700 900999"), "{}", update.after_state);
        assert_eq!(clinic.app.verify_audit().await.expect("verify").map(|n| n > 0), Ok(true));
    }

    async fn repeated_failures_lock_the_account_until_it_expires(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        for n in 1..5 {
            match clinic.app.sign_in("nurse", "wrong password", "").await {
                Err(AppError::BadCredentials { failures }) => assert_eq!(failures, n),
                other => panic!("expected bad credentials, got {other:?}"),
            }
        }
        assert!(matches!(clinic.app.sign_in("nurse", "wrong password", "").await, Err(AppError::Locked { .. })));
        assert!(matches!(clinic.app.sign_in("nurse", PASSWORD, "").await, Err(AppError::Locked { .. })), "locked even with the right password");
        clock.advance(Duration::minutes(16));
        clinic.app.sign_in("nurse", PASSWORD, "").await.expect("unlocked after the lock expires");
        assert!(matches!(clinic.app.sign_in("nobody", PASSWORD, "").await, Err(AppError::BadCredentials { .. })));
    }

    async fn sessions_and_invitations_expire(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let signed_in = clinic.app.sign_in("nurse", PASSWORD, "").await.expect("sign in");
        assert!(clinic.app.session(&signed_in.session_token).await.expect("session").is_some());
        let patient = register(&clinic, "Invited").await;
        let (token, _) = clinic.app.invite_patient(clinic.actor(Role::Nurse), patient.id).await.expect("invite");
        clock.advance(Duration::hours(13));
        assert!(clinic.app.session(&signed_in.session_token).await.expect("session").is_none());
        assert!(clinic.app.invitation_valid(&token).await.expect("valid?"));
        clock.advance(Duration::hours(60));
        assert!(!clinic.app.invitation_valid(&token).await.expect("valid?"));
        assert!(matches!(clinic.app.accept_invitation(&token, "late.patient", PASSWORD).await, Err(AppError::Expired)));
        let (fresh, _) = clinic.app.invite_patient(clinic.actor(Role::Nurse), patient.id).await.expect("invite again");
        clinic.app.accept_invitation(&fresh, "on.time", PASSWORD).await.expect("accept");
        assert!(matches!(clinic.app.accept_invitation(&fresh, "twice", PASSWORD).await, Err(AppError::Expired)));
    }

    async fn a_second_factor_is_required_once_enabled(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let url = clinic.app.enable_totp("physician").await.expect("enable");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(matches!(clinic.app.sign_in("physician", PASSWORD, "").await, Err(AppError::BadCredentials { .. })));
        let code = clinic.app.current_totp("physician").await.expect("code").expect("has a secret");
        clinic.app.sign_in("physician", PASSWORD, &code).await.expect("password and code");
    }
}
