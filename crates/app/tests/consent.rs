//! Consent on both engines: the exact text kept with its hash, a new text
//! version asking again, witnesses at a staff device, withdrawal, and who
//! may sign what.

use cellpath_app::AppError;
use cellpath_domain::consent::{
    ConsentState, SignatureDraft, TemplateDraft, shown_text, text_hash,
};
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{IssueCode, Locale, PlanId, Role};
use cellpath_test_support::{Backend, Clinic, PASSWORD, both_backends, patient_draft};

fn knee() -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "right".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

fn signed_by(name: &str, witness: &str) -> SignatureDraft {
    SignatureDraft {
        typed_name: name.into(),
        witness_name: witness.into(),
        confirmed: true,
        ..SignatureDraft::default()
    }
}

fn field_codes(result: Result<impl std::fmt::Debug, AppError>) -> Vec<(String, IssueCode)> {
    match result {
        Err(AppError::Invalid(issues)) => issues.0.into_iter().map(|i| (i.field, i.code)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

async fn setup(clinic: &Clinic) -> (cellpath_app::Actor, PlanId, cellpath_domain::PatientId) {
    let nurse = clinic.actor(Role::Nurse);
    let patient = clinic
        .app
        .register_patient(nurse, None, &patient_draft("Fatimah", "Consenting"))
        .await
        .expect("patient");
    let plan = clinic
        .app
        .create_plan(clinic.actor(Role::Physician), patient.id, &knee(), None)
        .await
        .expect("plan");
    let (invitation, _) = clinic
        .app
        .invite_patient(nurse, patient.id)
        .await
        .expect("invite");
    let me = clinic
        .app
        .accept_invitation(&invitation, "fatimah", PASSWORD)
        .await
        .expect("accept")
        .actor;
    (me, plan.id, patient.id)
}

both_backends! {
    async fn the_patient_signs_the_exact_arabic_text_and_a_new_version_asks_again(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (me, plan, _) = setup(&clinic).await;
        let shown = clinic.app.plan_consent(&me, plan, Locale::Ar).await.expect("consent");
        assert_eq!(shown.state, ConsentState::Missing);
        assert_eq!(shown.text.version, 0, "the shipped starting text until the clinic writes its own");
        assert!(shown.text.title.contains("نخاع العظم"), "{}", shown.text.title);
        let row = clinic.app.sign_own_consent(&me, plan, Locale::Ar, &shown.text.hash, &signed_by("فاطمة", "")).await.expect("sign");
        assert_eq!(row.text_shown, shown_text(&shown.text.title, &shown.text.body));
        assert_eq!(row.text_hash, text_hash(&row.text_shown));
        assert_eq!((row.signed_via.as_str(), row.locale.as_str()), ("portal", "ar"));
        assert_eq!(clinic.app.plan_consent(&me, plan, Locale::Ar).await.expect("consent").state, ConsentState::Valid);

        let admin = clinic.actor(Role::Admin);
        let draft = TemplateDraft { procedure: "bone_marrow".into(), locale: "ar".into(), title: "موافقة محدّثة".into(), body: "نص العيادة الجديد.".into() };
        let text = clinic.app.save_consent_text(admin, clinic.site, &draft).await.expect("new version");
        assert_eq!(text.version, 1);
        let again = clinic.app.plan_consent(&me, plan, Locale::Ar).await.expect("consent");
        assert_eq!(again.state, ConsentState::Outdated);
        assert_eq!(
            field_codes(clinic.app.sign_own_consent(&me, plan, Locale::Ar, &shown.text.hash, &signed_by("فاطمة", "")).await),
            [("text_hash".to_string(), IssueCode::Outdated)],
            "a signature on the old text is refused"
        );
        clinic.app.sign_own_consent(&me, plan, Locale::Ar, &again.text.hash, &signed_by("فاطمة", "")).await.expect("sign again");
        let now = clinic.app.plan_consent(&me, plan, Locale::Ar).await.expect("consent");
        assert_eq!((now.state, now.signatures.len()), (ConsentState::Valid, 2));
        assert_eq!(now.signatures[1].template_version, 1);
    }

    async fn staff_devices_need_a_witness_and_withdrawal_blocks(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (me, plan, patient) = setup(&clinic).await;
        let nurse = clinic.actor(Role::Nurse);
        let text = clinic.app.plan_consent(nurse, plan, Locale::En).await.expect("consent").text;
        assert_eq!(
            field_codes(clinic.app.take_consent(nurse, plan, Locale::En, &text.hash, &signed_by("Fatimah Consenting", "")).await),
            [("witness_name".to_string(), IssueCode::Required)]
        );
        let mut with_interpreter = signed_by("Fatimah Consenting", "Nurse Rana");
        with_interpreter.interpreter_name = "Omar".into();
        with_interpreter.interpreter_language = "Arabic".into();
        let row = clinic.app.take_consent(nurse, plan, Locale::En, &text.hash, &with_interpreter).await.expect("sign");
        assert_eq!((row.signed_via.as_str(), row.witness_name.as_deref(), row.interpreter_name.as_deref()), ("staff_device", Some("Nurse Rana"), Some("Omar")));
        clinic.app.withdraw_own_consent(&me, plan, "Changed my mind").await.expect("withdraw");
        let state = clinic.app.plan_consent(nurse, plan, Locale::En).await.expect("consent");
        assert_eq!(state.state, ConsentState::Withdrawn);
        assert_eq!(state.signatures[0].withdrawal_reason.as_deref(), Some("Changed my mind"));
        assert!(matches!(clinic.app.withdraw_own_consent(&me, plan, "").await, Err(AppError::Invalid(_))), "nothing left to withdraw");
        let audit = clinic.app.audit_page(clinic.actor(Role::Admin), Some(&patient.to_string()), 100, 0).await.expect("audit");
        let consent_entries: Vec<&str> = audit.entries.iter().filter(|e| e.entity == "consent").map(|e| e.action.as_str()).collect();
        assert_eq!(consent_entries, ["update", "create"]);
    }

    async fn nobody_signs_for_someone_else(backend: Backend) {
        let clinic = Clinic::new(&backend).await;
        let (_, plan, _) = setup(&clinic).await;
        let nurse = clinic.actor(Role::Nurse);
        let other = clinic.app.register_patient(nurse, None, &patient_draft("Other", "Patient")).await.expect("other");
        let (invitation, _) = clinic.app.invite_patient(nurse, other.id).await.expect("invite");
        let stranger = clinic.app.accept_invitation(&invitation, "other.patient", PASSWORD).await.expect("accept").actor;
        let text = clinic.app.plan_consent(nurse, plan, Locale::En).await.expect("consent").text;
        assert!(matches!(clinic.app.plan_consent(&stranger, plan, Locale::En).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.sign_own_consent(&stranger, plan, Locale::En, &text.hash, &signed_by("X", "")).await, Err(AppError::NotFound)));
        assert!(matches!(clinic.app.sign_own_consent(nurse, plan, Locale::En, &text.hash, &signed_by("X", "")).await, Err(AppError::Forbidden(_))));
        assert!(matches!(clinic.app.take_consent(clinic.actor(Role::Coordinator), plan, Locale::En, &text.hash, &signed_by("X", "Y")).await, Err(AppError::Forbidden(_))));
        assert!(matches!(clinic.app.take_consent(&clinic.other_site_nurse, plan, Locale::En, &text.hash, &signed_by("X", "Y")).await, Err(AppError::NotFound)));
        let bad = TemplateDraft { procedure: "magic".into(), locale: "fr".into(), title: String::new(), body: "x".into() };
        assert_eq!(
            field_codes(clinic.app.save_consent_text(clinic.actor(Role::Admin), clinic.site, &bad).await),
            [
                ("procedure".to_string(), IssueCode::UnknownCode),
                ("locale".to_string(), IssueCode::UnknownCode),
                ("title".to_string(), IssueCode::Required),
            ]
        );
    }
}
