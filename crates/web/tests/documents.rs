//! Printable documents through the real server: a signed consent keeps its
//! PDF, and the preparation sheet prints in the patient's language, Arabic
//! right to left (rendered to PNG with poppler's pdftoppm to look at).

use cellpath_domain::consent::SignatureDraft;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, patient_draft};
use chrono::Duration;
use std::process::Command;

fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

both_backends! {
    async fn consent_and_preparation_sheet_print_in_the_patients_language(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let (nurse, physician) = (server.clinic.actor(Role::Nurse), server.clinic.actor(Role::Physician));
        let patient = app.register_patient(nurse, None, &patient_draft("فاطمة", "الزهراء")).await.expect("patient");
        let intake = cellpath_domain::intake::IntakeDraft { name: "Ibuprofen".into(), code: "nsaid".into(), detail: "400 mg".into(), ..Default::default() };
        app.add_intake(nurse, patient.id, cellpath_domain::intake::IntakeKind::Medication, &intake).await.expect("med");
        let draft = PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "right".into(),
            cell_source: "bone_marrow".into(),
            guidance: "ultrasound".into(),
            anaesthesia: "sedation".into(),
            planned_sessions: "1".into(),
            ..PlanDraft::default()
        };
        let plan = app.create_plan(physician, patient.id, &draft, None).await.expect("plan");
        app.decide_plan(physician, plan.id, 1, true, "Imaging ordered.").await.expect("approve");
        let session = app.schedule_session(server.clinic.actor(Role::Coordinator), plan.id, app.now() + Duration::days(10)).await.expect("session");
        let (invitation, _) = app.invite_patient(nurse, patient.id).await.expect("invite");
        let me = app.accept_invitation(&invitation, "fatimah", PASSWORD).await.expect("accept").actor;
        let text = app.plan_consent(&me, plan.id, Locale::Ar).await.expect("consent").text;
        let signature = SignatureDraft { typed_name: "فاطمة الزهراء".into(), confirmed: true, ..Default::default() };
        let signed = app.sign_own_consent(&me, plan.id, Locale::Ar, &text.hash, &signature).await.expect("sign");
        let pdf = app.consent_document(&me, plan.id, signed.id).await.expect("the signed consent keeps its PDF");
        assert!(pdf.starts_with(b"%PDF"));

        let client = server.client();
        server.sign_in(&client, "fatimah", PASSWORD).await;
        client.get(server.url("/lang/ar?next=/portal")).send().await.expect("arabic");
        let sheet = client.get(server.url(&format!("/portal/sessions/{}/preparation.pdf", session.id))).send().await.expect("sheet");
        assert_eq!(sheet.status(), reqwest::StatusCode::OK);
        assert_eq!(sheet.headers()["content-type"], "application/pdf");
        let bytes = sheet.bytes().await.expect("pdf");
        assert!(bytes.starts_with(b"%PDF"));
        let other = app.register_patient(nurse, None, &patient_draft("Other", "Person")).await.expect("other");
        let other_plan = app.create_plan(physician, other.id, &draft, None).await.expect("plan");
        app.decide_plan(physician, other_plan.id, 1, true, "ok").await.expect("approve");
        let other_session = app.schedule_session(physician, other_plan.id, app.now() + Duration::days(5)).await.expect("session");
        let refused = client.get(server.url(&format!("/portal/sessions/{}/preparation.pdf", other_session.id))).send().await.expect("sheet");
        assert_eq!(refused.status(), reqwest::StatusCode::NOT_FOUND);

        let dir = target_dir().join("documents");
        std::fs::create_dir_all(&dir).expect("dir");
        let pdf_path = dir.join(format!("preparation-ar-{}.pdf", backend.name()));
        std::fs::write(&pdf_path, &bytes).expect("write");
        let png_base = dir.join(format!("preparation-ar-{}", backend.name()));
        let status = Command::new("pdftoppm").args(["-png", "-r", "60", "-singlefile"]).arg(&pdf_path).arg(&png_base).status().expect("pdftoppm (Debian poppler-utils) must be installed");
        assert!(status.success());
        let png = std::fs::metadata(png_base.with_extension("png")).expect("png written");
        assert!(png.len() > 5_000, "a real page, not an empty one");
        let text = Command::new("pdftotext").arg(&pdf_path).arg("-").output().expect("pdftotext");
        let text: String = String::from_utf8_lossy(&text.stdout).chars().filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')).collect();
        assert!(text.contains("Ibuprofen"), "{text}");
        assert!(text.contains("التحضير"), "{text}");
    }
}
