//! Adverse events and the lookback through the use cases, on both engines:
//! two patients whose products were processed with the same kit lot and one
//! whose were not; an event linked to the product given; lookback by kit
//! lot, by product, by specimen (its processing run); refusals by field,
//! conflicts, roles and sites; a donor lot assigned but not yet given; and
//! the audit entries of each read.

use cellpath_app::AppError;
use cellpath_app::adverse_events::LookbackQuery;
use cellpath_app::lab::DonorLotDraft;
use cellpath_domain::adverse_events::AdverseEventDraft;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{IssueCode, Role};
use cellpath_test_support::{Backend, Clinic, both_backends};
use chrono::Duration;

fn codes<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn draft(clinic: &Clinic) -> AdverseEventDraft {
    AdverseEventDraft {
        what: "Swelling and warmth of the knee".into(),
        onset_at: clinic.app.now().format("%Y-%m-%d %H:%M").to_string(),
        grade: "2".into(),
        serious: false,
        relatedness: "probable".into(),
        outcome: "recovering".into(),
        unit: String::new(),
    }
}

fn patients(lookback: &cellpath_app::adverse_events::Lookback) -> Vec<String> {
    let mut names: Vec<String> = lookback
        .rows
        .iter()
        .map(|r| r.patient_name.clone())
        .collect();
    names.sort();
    names
}

both_backends! {
    async fn a_kit_lot_finds_every_patient_it_reached_and_their_events(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let app = &clinic.app;
        let (nurse, physician, lab) = (
            clinic.actor(Role::Nurse),
            clinic.actor(Role::Physician),
            clinic.actor(Role::LabTech),
        );
        let first = clinic.administered("Amal", "Khoury", "KL-2201, KL-9000").await;
        let second = clinic.administered("Basel", "Nasser", "kl-2201").await;
        let third = clinic.administered("Dina", "Saleh", "KL-2202, KL-22010").await;

        // An event without a named unit is linked to the product given.
        let event = app
            .record_adverse_event(nurse, first.session, &draft(&clinic))
            .await
            .expect("recorded");
        assert_eq!(event.unit_id, Some(first.product.id));
        assert_eq!(event.patient_id, first.patient.id.as_uuid());
        assert_eq!((event.grade, event.serious, event.version), (2, false, 1));

        // Exact on each lot, any case, trimmed: KL-22010 is not KL-2201.
        let by_lot = app
            .lookback(lab, &LookbackQuery::KitLot("  kl-2201 ".into()))
            .await
            .expect("lookback");
        assert_eq!(patients(&by_lot), ["Amal Khoury", "Basel Nasser"]);
        let row = by_lot
            .rows
            .iter()
            .find(|r| r.patient_id == first.patient.id)
            .expect("first patient");
        assert_eq!(row.session_id, Some(first.session));
        assert_eq!(row.product, first.product_id.printed());
        assert_eq!(row.kit_lots, ["KL-2201", "KL-9000"]);
        assert_eq!(row.record_number, first.patient.record_number.as_str());
        assert!(row.administered_at.is_some(), "the product was given");
        assert_eq!(row.adverse_events.len(), 1);
        assert_eq!(row.adverse_events[0].id, event.id);
        let other = by_lot
            .rows
            .iter()
            .find(|r| r.patient_id == second.patient.id)
            .expect("second patient");
        assert!(other.adverse_events.is_empty());

        // By product, printed or barcode form: that patient only.
        for query in [third.product_id.printed(), third.product_id.barcode_data()] {
            let by_product = app
                .lookback(physician, &LookbackQuery::Unit(query.clone()))
                .await
                .expect("lookback");
            assert_eq!(patients(&by_product), ["Dina Saleh"], "{query}");
        }
        // A processing run, by the specimen it processed: its product.
        let specimen = cellpath_domain::donation::DonationId::from_body(&second.specimen.donation_id)
            .expect("identifier");
        let by_run = app
            .lookback(nurse, &LookbackQuery::Unit(specimen.printed()))
            .await
            .expect("lookback");
        assert_eq!(patients(&by_run), ["Basel Nasser"]);
        assert_eq!(by_run.rows[0].unit.id, second.product.id);

        // Nothing matches: no patients, not an error.
        let none = app
            .lookback(lab, &LookbackQuery::KitLot("KL-0000".into()))
            .await
            .expect("lookback");
        assert!(none.rows.is_empty());
        // A query that cannot be read is refused by field.
        assert_eq!(
            codes(app.lookback(lab, &LookbackQuery::KitLot(" ".into())).await),
            [("kit_lot".into(), IssueCode::Required)]
        );
        let mut wrong_check = third.product_id.printed();
        wrong_check.pop();
        wrong_check.push(if third.product_id.check_character() == 'A' { 'B' } else { 'A' });
        assert_eq!(
            codes(app.lookback(lab, &LookbackQuery::Unit(wrong_check)).await),
            [("unit".into(), IssueCode::WrongCheckCharacter)]
        );

        // Another site's staff find nothing of this site, by lot or by product.
        let north = &clinic.other_site_nurse;
        assert!(app.lookback(north, &LookbackQuery::KitLot("KL-2201".into())).await.expect("lookback").rows.is_empty());
        assert_eq!(
            codes(app.lookback(north, &LookbackQuery::Unit(first.product_id.printed())).await),
            [("unit".into(), IssueCode::UnknownIdentifier)]
        );

        // Each patient a lookback found is an audited read.
        for patient in [&first.patient, &second.patient, &third.patient] {
            let audit = app
                .audit_page(clinic.actor(Role::Admin), Some(&patient.id.to_string()), 500, 0)
                .await
                .expect("audit");
            assert!(
                audit.entries.iter().any(|e| e.entity == "lookback" && e.action == "view"),
                "{}",
                patient.full_name()
            );
        }
    }

    async fn adverse_events_are_checked_by_field_and_changed_by_version(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let app = &clinic.app;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let given = clinic.administered("Hana", "Aziz", "KL-1").await;
        let other = clinic.administered("Omar", "Fares", "KL-2").await;

        let future = (app.now() + chrono::Duration::hours(2)).format("%Y-%m-%d %H:%M").to_string();
        let bad = AdverseEventDraft {
            what: String::new(),
            onset_at: future,
            grade: "7".into(),
            serious: false,
            relatedness: "perhaps".into(),
            outcome: "better".into(),
            unit: String::new(),
        };
        assert_eq!(
            codes(app.record_adverse_event(nurse, given.session, &bad).await),
            [
                ("what".into(), IssueCode::Required),
                ("onset_at".into(), IssueCode::DateInFuture),
                ("grade".into(), IssueCode::OutOfRange),
                ("relatedness".into(), IssueCode::UnknownCode),
                ("outcome".into(), IssueCode::UnknownCode),
            ]
        );
        let inconsistent = AdverseEventDraft { grade: "5".into(), ..draft(&clinic) };
        assert_eq!(
            codes(app.record_adverse_event(nurse, given.session, &inconsistent).await),
            [("serious".into(), IssueCode::Inconsistent), ("outcome".into(), IssueCode::Inconsistent)]
        );
        // Another patient's product cannot be named on this session.
        let elsewhere = AdverseEventDraft { unit: other.product_id.printed(), ..draft(&clinic) };
        assert_eq!(
            codes(app.record_adverse_event(nurse, given.session, &elsewhere).await),
            [("unit".into(), IssueCode::OtherPatientsCells)]
        );
        // Naming the patient's own product, in barcode form, is fine.
        let named = AdverseEventDraft { unit: given.product_id.barcode_data(), ..draft(&clinic) };
        let event = app.record_adverse_event(physician, given.session, &named).await.expect("recorded");
        assert_eq!(event.unit_id, Some(given.product.id));

        // The outcome moves on; a change from an old version is a conflict
        // carrying the event as it is now.
        let recovered = AdverseEventDraft { outcome: "recovered".into(), ..draft(&clinic) };
        let changed = app
            .update_adverse_event(nurse, event.id, event.version, &recovered)
            .await
            .expect("changed");
        assert_eq!((changed.outcome.as_str(), changed.version), ("recovered", 2));
        assert_eq!(changed.recorded_by, event.recorded_by);
        assert_eq!(changed.unit_id, Some(given.product.id), "the session's product stays linked");
        match app.update_adverse_event(physician, event.id, event.version, &recovered).await {
            Err(AppError::Conflict(cellpath_app::Current::AdverseEvent(current))) => {
                assert_eq!(current.version, 2)
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let listed = app.adverse_events_of_patient(nurse, given.patient.id).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].outcome, "recovered");
        assert!(app.adverse_events_of_patient(nurse, other.patient.id).await.expect("list").is_empty());

        // Roles: clinicians record and read; the lab, the coordinator, the
        // admin do not; another site's nurse does not find the session.
        for role in [Role::LabTech, Role::Coordinator, Role::Admin] {
            let actor = clinic.actor(role);
            assert!(
                matches!(app.record_adverse_event(actor, given.session, &draft(&clinic)).await, Err(AppError::Forbidden(_))),
                "{role}"
            );
            assert!(
                matches!(app.adverse_events_of_patient(actor, given.patient.id).await, Err(AppError::Forbidden(_))),
                "{role}"
            );
        }
        for role in [Role::Coordinator, Role::Admin] {
            assert!(matches!(
                app.lookback(clinic.actor(role), &LookbackQuery::KitLot("KL-1".into())).await,
                Err(AppError::Forbidden(_))
            ));
        }
        let north = &clinic.other_site_nurse;
        assert!(matches!(
            app.record_adverse_event(north, given.session, &draft(&clinic)).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            app.update_adverse_event(north, event.id, 2, &recovered).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            app.adverse_events_of_patient(north, given.patient.id).await,
            Err(AppError::NotFound)
        ));
    }

    async fn a_donor_lot_assigned_but_not_given_is_found_and_not_linked(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let app = &clinic.app;
        let (nurse, lab) = (clinic.actor(Role::Nurse), clinic.actor(Role::LabTech));
        let reason = "Test: recorded in one go.";
        let plan = PlanDraft { cell_source: "allogeneic".into(), ..cellpath_test_support::knee_plan() };
        let (patient, plan) = clinic.approved_plan("Rami", "Haddad", &plan).await;
        clinic.consented(&patient, plan).await;
        let session = clinic.booked(plan).await;
        clinic.checked_in(&patient, session, reason).await;
        app.start_step(nurse, session, "donor_preparation", reason).await.expect("prep");
        let lot = app
            .receive_donor_lot(
                lab,
                clinic.site,
                &DonorLotDraft {
                    supplier: "Cell bank".into(),
                    supplier_lot: "CB-77".into(),
                    description: "Allogeneic MSC".into(),
                    volume_ml: "5".into(),
                    expires_at: (app.now() + Duration::days(30)).format("%Y-%m-%d %H:%M").to_string(),
                },
            )
            .await
            .expect("lot");
        app.release_donor_lot(lab, lot.id).await.expect("released");
        let lot_id = app.unit_label(lab, &lot.id.to_string()).await.expect("label").donation_id;
        app.assign_donor_lot(nurse, session, &lot_id.printed()).await.expect("assigned");

        // Found by its identifier, not yet given, so it can still be stopped.
        let found = app.lookback(nurse, &LookbackQuery::Unit(lot_id.barcode_data())).await.expect("lookback");
        assert_eq!(patients(&found), ["Rami Haddad"]);
        let row = &found.rows[0];
        assert_eq!((row.session_id, row.administered_at), (Some(session), None));
        assert!(row.kit_lots.is_empty());
        // An event before anything was given links no unit on its own; the
        // assigned lot may be named.
        let unlinked = app.record_adverse_event(nurse, session, &draft(&clinic)).await.expect("recorded");
        assert_eq!(unlinked.unit_id, None);
        let named = AdverseEventDraft { unit: lot_id.printed(), ..draft(&clinic) };
        let linked = app.record_adverse_event(nurse, session, &named).await.expect("recorded");
        assert_eq!(linked.unit_id, Some(lot.id));
        let found = app.lookback(lab, &LookbackQuery::Unit(lot_id.printed())).await.expect("lookback");
        assert_eq!(found.rows[0].adverse_events.len(), 2, "both events are of the lot's session");
    }
}
