//! The session day through the use cases, on both engines: check-in with
//! its checklist, the steps in order and timed, the specimen, the lab, the
//! release by a second person, the bedside check that blocks a mix-up and
//! records it, the injection, monitoring and discharge; and donor lots.

use cellpath_app::lab::{DonorLotDraft, ProcessingDraft, QcDraft};
use cellpath_app::session_day::{
    BedsideDraft, CheckDraft, HarvestDraft, InjectionDraft, MonitoringDraft, VitalsDraft,
};
use cellpath_app::{App, AppConfig, AppError};
use cellpath_domain::cells::{UnitKind, UnitStatus};
use cellpath_domain::donation::DonationId;
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::session_day::{DayStep, DeviationKind};
use cellpath_domain::{IssueCode, Role, SessionId};
use cellpath_test_support::{Backend, Clinic, PASSWORD, both_backends, store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::{Arc, Mutex};

/// A clinic whose clock the test moves.
async fn clinic_with_clock(backend: &Backend) -> (Clinic, Arc<Mutex<DateTime<Utc>>>) {
    let now = Arc::new(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
            .single()
            .expect("a time"),
    ));
    let clock = now.clone();
    let (store, db) = store(backend).await;
    let app = App::new(store, AppConfig::default())
        .with_clock(Arc::new(move || *clock.lock().expect("clock")));
    (Clinic::on(app, db).await, now)
}

fn advance(clock: &Arc<Mutex<DateTime<Utc>>>, minutes: i64) {
    *clock.lock().expect("clock") += Duration::minutes(minutes);
}

fn codes<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn code_of<T: std::fmt::Debug>(result: Result<T, AppError>) -> (String, IssueCode) {
    codes(result).into_iter().next().expect("one issue")
}

/// A booked session of an approved plan, with consent taken.
async fn booked(clinic: &Clinic, plan: Option<PlanDraft>, family: &str) -> (Patient, SessionId) {
    let (patient, plan) = match plan {
        None => clinic.approved_knee_plan("Layla", family).await,
        Some(draft) => clinic.approved_plan("Omar", family, &draft).await,
    };
    clinic.consented(&patient, plan).await;
    let session = clinic.booked(plan).await;
    (patient, session)
}

fn vitals() -> VitalsDraft {
    VitalsDraft {
        systolic: "128".into(),
        diastolic: "82".into(),
        pulse: "72".into(),
        temperature: "36.8".into(),
        spo2: "98".into(),
    }
}

/// Records every check-in item and finishes check-in.
async fn check_in(clinic: &Clinic, patient: &Patient, session: SessionId, sedation: bool) {
    let nurse = clinic.actor(Role::Nurse);
    let identity = CheckDraft {
        given_name: patient.given_name.clone(),
        family_name: patient.family_name.clone(),
        date_of_birth: patient.date_of_birth.to_string(),
        ..CheckDraft::default()
    };
    let with_vitals = CheckDraft {
        vitals: vitals(),
        ..CheckDraft::default()
    };
    let mut items = vec![
        ("identity", identity),
        ("wristband", CheckDraft::default()),
        ("consent", CheckDraft::default()),
        ("nsaid_pause", CheckDraft::default()),
        ("vitals", with_vitals),
        ("allergies", CheckDraft::default()),
        ("time_out", CheckDraft::default()),
    ];
    if sedation {
        items.push(("fasting", CheckDraft::default()));
    }
    for (item, draft) in items {
        clinic
            .app
            .record_check(nurse, session, item, &draft)
            .await
            .expect(item);
    }
    clinic
        .app
        .finish_step(nurse, session, "check_in", "")
        .await
        .expect("check-in done");
}

fn bedside(wristband: &str, product: &str) -> BedsideDraft {
    BedsideDraft {
        wristband: format!("{wristband}\n"),
        product: format!("{product}\n"),
        second_username: "physician".into(),
        second_password: PASSWORD.into(),
        second_wristband: wristband.into(),
        second_product: product.into(),
    }
}

/// Harvest, lab and release of an autologous session at `clock`; returns
/// the released product's identifier.
async fn harvest_and_process(
    clinic: &Clinic,
    clock: &Arc<Mutex<DateTime<Utc>>>,
    session: SessionId,
) -> DonationId {
    let app = &clinic.app;
    let physician = clinic.actor(Role::Physician);
    let lab = clinic.actor(Role::LabTech);
    app.start_step(physician, session, "harvest", "")
        .await
        .expect("harvest starts");
    let specimen = app
        .record_harvest(
            physician,
            session,
            &HarvestDraft {
                source_site: "posterior iliac crest".into(),
                side: "right".into(),
                volume_ml: "60".into(),
                anaesthetic: "lidocaine 1%".into(),
                dose: "10 mL".into(),
            },
        )
        .await
        .expect("specimen");
    advance(clock, 35);
    app.finish_step(physician, session, "harvest", "")
        .await
        .expect("harvest done");
    // The label's barcode form is what the lab's scanner types.
    let printed = clinic
        .app
        .unit_label(lab, &specimen.id.to_string())
        .await
        .expect("label")
        .donation_id;
    assert_eq!(printed.body(), specimen.donation_id);
    app.receive_specimen(lab, clinic.site, &format!("{}\n", printed.barcode_data()))
        .await
        .expect("received");
    advance(clock, 5);
    app.start_step(lab, session, "processing", "")
        .await
        .expect("processing starts");
    let product = app
        .record_processing(
            lab,
            specimen.id,
            &ProcessingDraft {
                method: "density gradient".into(),
                centrifuge_programme: "BMAC-2".into(),
                cabinet: "BSC-1".into(),
                kit_lots: "K123, K456".into(),
            },
        )
        .await
        .expect("product");
    app.record_qc(
        lab,
        product.id,
        &QcDraft {
            volume_ml: "8.5".into(),
            cells_millions: "420".into(),
            viability_percent: "93".into(),
        },
    )
    .await
    .expect("qc");
    assert_eq!(
        code_of(app.release_product(lab, product.id).await),
        ("product".into(), IssueCode::SecondPersonRequired)
    );
    app.release_product(&clinic.second_lab_tech, product.id)
        .await
        .expect("released");
    advance(clock, 35);
    app.finish_step(lab, session, "processing", "")
        .await
        .expect("processing done");
    app.unit_label(lab, &product.id.to_string())
        .await
        .expect("label")
        .donation_id
}

both_backends! {
    async fn an_autologous_session_runs_from_check_in_to_discharge(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let nurse = clinic.actor(Role::Nurse);
        let physician = clinic.actor(Role::Physician);
        let (patient, session) = booked(&clinic, None, "Haddad").await;

        // A missing item blocks the next step and says which.
        app.record_check(nurse, session, "allergies", &CheckDraft::default()).await.expect("allergies");
        let missing = codes(app.finish_step(nurse, session, "check_in", "").await);
        let fields: Vec<&str> = missing.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["identity", "wristband", "consent", "nsaid_pause", "vitals", "time_out"]);
        assert!(missing.iter().all(|(_, c)| *c == IssueCode::ChecklistMissing));
        assert_eq!(
            code_of(app.start_step(physician, session, "harvest", "").await),
            ("check_in".into(), IssueCode::StepOrder)
        );
        // Identity by two identifiers: a wrong date of birth is refused.
        let wrong = CheckDraft {
            given_name: patient.given_name.clone(),
            family_name: patient.family_name.clone(),
            date_of_birth: "1901-01-01".into(),
            ..CheckDraft::default()
        };
        assert_eq!(
            code_of(app.record_check(nurse, session, "identity", &wrong).await),
            ("date_of_birth".into(), IssueCode::WrongPatient)
        );
        check_in(&clinic, &patient, session, false).await;
        let product = harvest_and_process(&clinic, &clock, session).await;
        let day = app.session_day(nurse, session).await.expect("day");
        let wristband = day.wristband.clone().expect("wristband printed").to_string();
        assert_eq!(day.day.current().map(|(s, _)| s), Some(DayStep::Injection));

        // Without a bedside check the injection cannot start.
        assert_eq!(
            code_of(app.start_step(physician, session, "injection", "").await),
            ("bedside_check".into(), IssueCode::BedsideCheckRequired)
        );
        // Another patient's wristband: blocked, recorded, no override.
        let (_, other_session) = booked(&clinic, None, "Other").await;
        let other_patient = app.session_day(nurse, other_session).await.expect("other").patient;
        check_in(&clinic, &other_patient, other_session, false).await;
        let other_band = app.session_day(nurse, other_session).await.expect("other").wristband.expect("band");
        assert_eq!(
            code_of(app.bedside_check(nurse, session, &bedside(other_band.as_str(), &product.printed())).await),
            ("wristband".into(), IssueCode::WrongPatient)
        );
        // One person cannot sign twice; a lab technician is not qualified.
        let mut alone = bedside(&wristband, &product.printed());
        alone.second_username = "nurse".into();
        assert_eq!(code_of(app.bedside_check(nurse, session, &alone).await).1, IssueCode::SecondPersonRequired);
        let mut lab_tech = bedside(&wristband, &product.printed());
        lab_tech.second_username = "lab_tech".into();
        assert_eq!(code_of(app.bedside_check(nurse, session, &lab_tech).await).1, IssueCode::NotQualified);
        let mut bad_password = bedside(&wristband, &product.printed());
        bad_password.second_password = "wrong".into();
        assert_eq!(
            code_of(app.bedside_check(nurse, session, &bad_password).await),
            ("second_password".into(), IssueCode::NotQualified)
        );
        let day = app.session_day(nurse, session).await.expect("day");
        let refused: Vec<_> = day.chain.iter().filter(|e| e.kind == "bedside_check" && !e.passed).collect();
        assert_eq!(refused.len(), 3, "each failed check is recorded");
        assert_eq!(refused[0].code.as_deref(), Some("wrong_patient"));
        assert_eq!(
            day.day.deviations.iter().filter(|d| d.kind == DeviationKind::FailedCheck).count(),
            3
        );
        assert_eq!(
            code_of(app.start_step(physician, session, "injection", "").await).1,
            IssueCode::BedsideCheckRequired
        );

        // The right wristband and the patient's own released product pass.
        let passed = app
            .bedside_check(nurse, session, &bedside(&wristband, &product.barcode_data()))
            .await
            .expect("bedside check passes");
        assert_eq!(passed.donation_id, product.body());
        app.start_step(physician, session, "injection", "").await.expect("injection starts");
        app.record_injection(
            physician,
            session,
            &InjectionDraft {
                guidance: "ultrasound".into(),
                target_site: "knee".into(),
                side: "right".into(),
                volume_ml: "8".into(),
                note: String::new(),
            },
        )
        .await
        .expect("injection recorded");
        advance(&clock, 20);
        app.finish_step(physician, session, "injection", "").await.expect("injection done");
        app.start_step(nurse, session, "monitoring", "").await.expect("monitoring starts");
        let partial = MonitoringDraft {
            vitals: vitals(),
            pain: "2".into(),
            criteria: vec!["vitals_stable".into()],
        };
        assert!(!app.record_monitoring(nurse, session, &partial).await.expect("round"));
        advance(&clock, 31);
        assert_eq!(
            code_of(app.finish_step(nurse, session, "monitoring", "").await),
            ("monitoring".into(), IssueCode::CriteriaNotMet)
        );
        let all = MonitoringDraft {
            criteria: ["vitals_stable", "pain_controlled", "sites_dry", "walking", "instructions_given"]
                .map(String::from)
                .to_vec(),
            ..partial
        };
        assert!(app.record_monitoring(nurse, session, &all).await.expect("round"));
        app.finish_step(nurse, session, "monitoring", "").await.expect("monitoring done");
        app.start_step(nurse, session, "discharge", "").await.expect("discharge");
        app.finish_step(nurse, session, "discharge", "").await.expect("discharged");

        let day = app.session_day(nurse, session).await.expect("day");
        assert!(day.day.is_discharged());
        let given = day.product().expect("product");
        assert_eq!(given.status, UnitStatus::Administered);
        assert_eq!(given.owner_patient_id, Some(patient.id));
        let specimen = day.specimen().expect("specimen");
        assert_eq!(given.parent_id, Some(specimen.id), "the product is derived from the specimen");
        assert_eq!(specimen.status, UnitStatus::Processed);
        // The harvest took 35 minutes, processing 35, the injection 20: no
        // timing deviations, only the three failed checks.
        assert_eq!(day.day.deviations.len(), 3);
        // Nothing can be given twice: a second check on the given product is refused.
        assert!(app.bedside_check(nurse, session, &bedside(&wristband, &product.printed())).await.is_err());
    }

    async fn a_step_outside_the_protocol_needs_a_reason_and_is_a_deviation(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let physician = clinic.actor(Role::Physician);
        let (patient, session) = booked(&clinic, None, "Long").await;
        check_in(&clinic, &patient, session, false).await;
        app.start_step(physician, session, "harvest", "").await.expect("harvest");
        app.record_harvest(
            physician,
            session,
            &HarvestDraft {
                source_site: "posterior iliac crest".into(),
                side: "left".into(),
                volume_ml: "60".into(),
                anaesthetic: "lidocaine".into(),
                dose: "10 mL".into(),
            },
        )
        .await
        .expect("specimen");
        advance(&clock, 50);
        assert_eq!(
            code_of(app.finish_step(physician, session, "harvest", "").await),
            ("reason".into(), IssueCode::DeviationReasonRequired)
        );
        app.finish_step(physician, session, "harvest", "Difficult aspiration.").await.expect("finished");
        // The lab takes the specimen 40 minutes later: the 30-minute limit is missed.
        let lab = clinic.actor(Role::LabTech);
        let specimen = app.session_day(lab, session).await.expect("day").specimen().cloned().expect("specimen");
        let label = app.unit_label(lab, &specimen.id.to_string()).await.expect("label");
        app.receive_specimen(lab, clinic.site, &label.donation_id.printed()).await.expect("received");
        advance(&clock, 40);
        assert_eq!(code_of(app.start_step(lab, session, "processing", "").await).1, IssueCode::DeviationReasonRequired);
        app.start_step(lab, session, "processing", "Centrifuge in use.").await.expect("started");
        app.record_deviation(physician, session, "harvest", "sterile_breach", "Glove torn, changed.")
            .await
            .expect("deviation");
        let day = app.session_day(physician, session).await.expect("day");
        let kinds: Vec<(Option<DayStep>, DeviationKind, &str)> = day
            .day
            .deviations
            .iter()
            .map(|d| (d.step, d.kind, d.reason.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Some(DayStep::Harvest), DeviationKind::TooLong, "Difficult aspiration."),
                (Some(DayStep::Processing), DeviationKind::LimitMissed, "Centrifuge in use."),
                (Some(DayStep::Harvest), DeviationKind::SterileBreach, "Glove torn, changed."),
            ]
        );
        // Illegal transitions are refused with the reason.
        assert_eq!(code_of(app.start_step(physician, session, "harvest", "x").await).1, IssueCode::AlreadyFinished);
        assert_eq!(code_of(app.start_step(physician, session, "donor_preparation", "x").await).1, IssueCode::NotApplicable);
        assert_eq!(code_of(app.start_step(physician, session, "nonsense", "x").await).1, IssueCode::UnknownCode);
        // A nurse may not do the lab's work, a lab technician not the bedside's.
        assert!(matches!(app.finish_step(clinic.actor(Role::Nurse), session, "processing", "x").await, Err(AppError::Forbidden(_))));
        assert!(matches!(app.record_check(lab, session, "vitals", &CheckDraft::default()).await, Err(AppError::Forbidden(_))));
    }

    async fn wrong_scans_in_the_lab_are_refused_and_recorded(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let lab = clinic.actor(Role::LabTech);
        let (patient, session) = booked(&clinic, None, "Scan").await;
        check_in(&clinic, &patient, session, false).await;
        let product = harvest_and_process(&clinic, &clock, session).await;
        // A product scanned where specimens are received; a mistyped check
        // character; an identifier nobody issued.
        let mut mistyped = product.printed();
        let last = mistyped.pop().expect("check");
        mistyped.push(if last == 'A' { 'B' } else { 'A' });
        let unknown = DonationId::new(
            cellpath_domain::donation::FacilityCode::parse("f", "T1234").expect("facility"),
            2026,
            999_999,
        )
        .expect("id");
        assert_eq!(code_of(app.receive_specimen(lab, clinic.site, &product.printed()).await).1, IssueCode::WrongStation);
        assert_eq!(code_of(app.receive_specimen(lab, clinic.site, &mistyped).await).1, IssueCode::WrongCheckCharacter);
        assert_eq!(code_of(app.receive_specimen(lab, clinic.site, &unknown.printed()).await).1, IssueCode::UnknownIdentifier);
        let queue = app.lab_queue(lab, clinic.site).await.expect("queue");
        let refused: Vec<(Option<&str>, Option<&str>)> = queue
            .refusals
            .iter()
            .map(|e| (e.code.as_deref(), e.scanned.as_deref()))
            .collect();
        assert_eq!(
            refused,
            [
                (Some("wrong_station"), Some(product.printed().as_str())),
                (Some("wrong_check_character"), Some(mistyped.as_str())),
                (Some("unknown_identifier"), Some(unknown.printed().as_str())),
            ]
        );
        // Identifiers come from one atomic sequence per facility and year.
        let day = app.session_day(lab, session).await.expect("day");
        let ids: Vec<&str> = day.units.iter().map(|u| u.donation_id.as_str()).collect();
        assert_eq!(ids, ["T123426000001", "T123426000002"]);
    }

    async fn a_donor_lot_is_quarantined_released_assigned_and_given(backend: Backend) {
        let (clinic, clock) = clinic_with_clock(&backend).await;
        let app = &clinic.app;
        let lab = clinic.actor(Role::LabTech);
        let nurse = clinic.actor(Role::Nurse);
        let physician = clinic.actor(Role::Physician);
        let allogeneic = PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "left".into(),
            cell_source: "allogeneic".into(),
            guidance: "ultrasound".into(),
            anaesthesia: "local".into(),
            planned_sessions: "1".into(),
            ..PlanDraft::default()
        };
        let (patient, session) = booked(&clinic, Some(allogeneic.clone()), "Donor").await;
        let (other, other_session) = booked(&clinic, Some(allogeneic), "Elsewhere").await;
        check_in(&clinic, &patient, session, false).await;
        check_in(&clinic, &other, other_session, false).await;
        app.start_step(nurse, session, "donor_preparation", "").await.expect("prep");
        let lot = |n: &str| DonorLotDraft {
            supplier: "Cell bank".into(),
            supplier_lot: format!("LOT-{n}"),
            description: "Allogeneic MSC".into(),
            volume_ml: "5".into(),
            expires_at: "2026-12-31 23:00".into(),
        };
        let mine = app.receive_donor_lot(lab, clinic.site, &lot("A")).await.expect("lot");
        let theirs = app.receive_donor_lot(lab, clinic.site, &lot("B")).await.expect("lot");
        assert_eq!(mine.status, UnitStatus::Quarantined);
        assert_eq!(mine.kind, UnitKind::DonorLot);
        let mine_id = app.unit_label(lab, &mine.id.to_string()).await.expect("label").donation_id;
        let theirs_id = app.unit_label(lab, &theirs.id.to_string()).await.expect("label").donation_id;
        assert_eq!(mine_id.body(), mine.donation_id);
        // Quarantined lots cannot be assigned.
        assert_eq!(code_of(app.assign_donor_lot(nurse, session, &mine_id.printed()).await).1, IssueCode::NotReleased);
        app.release_donor_lot(lab, mine.id).await.expect("released");
        app.release_donor_lot(lab, theirs.id).await.expect("released");
        app.assign_donor_lot(nurse, session, &mine_id.barcode_data()).await.expect("assigned");
        app.assign_donor_lot(nurse, other_session, &theirs_id.printed()).await.expect("assigned");
        // A lot assigned to this patient cannot go to another.
        assert_eq!(code_of(app.assign_donor_lot(nurse, other_session, &mine_id.printed()).await).1, IssueCode::OtherPatientsCells);
        advance(&clock, 15);
        app.finish_step(nurse, session, "donor_preparation", "").await.expect("prep done");
        let wristband = app.session_day(nurse, session).await.expect("day").wristband.expect("band");
        // The other patient's lot at this bedside is blocked.
        assert_eq!(
            code_of(app.bedside_check(nurse, session, &bedside(wristband.as_str(), &theirs_id.printed())).await),
            ("product".into(), IssueCode::OtherPatientsCells)
        );
        app.bedside_check(nurse, session, &bedside(wristband.as_str(), &mine_id.printed())).await.expect("passes");
        app.start_step(physician, session, "injection", "").await.expect("injection starts");
        let day = app.session_day(nurse, session).await.expect("day");
        assert_eq!(day.product().map(|u| u.id), Some(mine.id));
    }
}

both_backends! {
    async fn the_demo_clinic_holds_sessions_at_every_step_of_a_day(backend: Backend) {
        let (store, _db) = store(&backend).await;
        let app = App::new(store, AppConfig::default());
        app.load_demo().await.expect("demo");
        let nurse = app
            .sign_in("nurse", cellpath_app::demo::DEMO_PASSWORD, "")
            .await
            .expect("sign in")
            .actor;
        let site = nurse.sites[0];
        let today = app.now().date_naive();
        let mut steps = Vec::new();
        for days in 0..9 {
            let board = app
                .day_board(&nurse, site, today + Duration::days(days))
                .await
                .expect("board");
            steps.extend(board.iter().map(|row| (row.step, row.running)));
        }
        let expected = [
            (Some(DayStep::CheckIn), true),
            (Some(DayStep::Harvest), true),
            (Some(DayStep::Processing), true),
            (Some(DayStep::Injection), false),
            (Some(DayStep::Monitoring), true),
            (None, false),
            (Some(DayStep::DonorPreparation), true),
        ];
        for step in expected {
            assert!(steps.contains(&step), "{step:?} missing from {steps:?}");
        }
    }
}
