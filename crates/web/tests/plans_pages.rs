//! The pages before the session on both engines, against the real server:
//! the admin's protocol, the physician's plans with screening and decision,
//! refused contradictions in both languages, scheduling, the coordinator's
//! preparation board and the patient's checklist in the portal.

use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{PatientId, PlanId, Role};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, patient_draft, strip_isolation,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;

/// A page's status and body, without Fluent's isolation marks.
async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
}

async fn post(client: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(fields).send().await.expect("post")
}

async fn signed_in(server: &TestServer, username: &str) -> reqwest::Client {
    let client = server.client();
    let response = server.sign_in(&client, username, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{username} signs in"
    );
    client
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

/// A patient taking an NSAID and an anticoagulant, with a recent MRI of the right knee.
async fn patient_on_ibuprofen_and_apixaban(server: &TestServer, given: &str) -> PatientId {
    let app = &server.clinic.app;
    let patient = app
        .register_patient(
            server.clinic.actor(Role::Coordinator),
            None,
            &patient_draft(given, "Haddad"),
        )
        .await
        .expect("patient");
    let nurse = server.clinic.actor(Role::Nurse);
    let recent = (Utc::now() - Duration::days(30))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let entries = [
        (IntakeKind::Medication, "Ibuprofen", "nsaid", String::new()),
        (
            IntakeKind::Medication,
            "Apixaban",
            "anticoagulant",
            String::new(),
        ),
        (IntakeKind::Imaging, "Right knee", "mri", recent),
    ];
    for (kind, name, code, start_date) in entries {
        let draft = IntakeDraft {
            name: name.into(),
            code: code.into(),
            start_date,
            ..IntakeDraft::default()
        };
        app.add_intake(nurse, patient.id, kind, &draft)
            .await
            .expect("intake");
    }
    patient.id
}

fn knee_plan() -> PlanDraft {
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

const KNEE_FORM: [(&str, &str); 7] = [
    ("indication", "osteoarthritis"),
    ("target_site", "knee"),
    ("side", "right"),
    ("cell_source", "bone_marrow"),
    ("guidance", "ultrasound"),
    ("anaesthesia", "local"),
    ("planned_sessions", "1"),
];

/// An approved knee plan (justified over the bleeding risk) for a patient.
async fn approved_plan(server: &TestServer, patient: PatientId) -> PlanId {
    let app = &server.clinic.app;
    let physician = server.clinic.actor(Role::Physician);
    let plan = app
        .create_plan(physician, patient, &knee_plan(), None)
        .await
        .expect("plan");
    app.decide_plan(
        physician,
        plan.id,
        plan.version,
        true,
        "Apixaban paused with the cardiologist.",
    )
    .await
    .expect("approved");
    plan.id
}

both_backends! {
    async fn the_physician_screens_a_plan_and_signs_the_decision(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let patient = patient_on_ibuprofen_and_apixaban(&server, "Layla").await;
        let physician = signed_in(&server, "physician").await;
        let (_, chart) = page(&physician, server.url(&format!("/patients/{patient}"))).await;
        assert!(chart.contains(&format!("href=\"/patients/{patient}/plans\"")), "the chart links to the plans");

        let plans_url = server.url(&format!("/patients/{patient}/plans"));
        let (status, plans) = page(&physician, plans_url.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(plans.contains("No treatment plans yet."));
        let csrf = csrf_of(&plans).expect("csrf");
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(KNEE_FORM);
        let created = post(&physician, plans_url.clone(), &fields).await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let plan_id = location(&created).rsplit("#plan-").next().expect("plan anchor").to_string();

        let (_, plans) = page(&physician, plans_url.clone()).await;
        assert!(plans.contains("NSAIDs to pause: Ibuprofen"), "{plans}");
        assert!(plans.contains("Bleeding risk (anticoagulant or antiplatelet): Apixaban"), "{plans}");
        assert!(plans.contains("Needs the physician&#39;s review"), "{plans}");
        assert!(plans.contains("Osteoarthritis: Knee"));

        let decision_url = server.url(&format!("/patients/{patient}/plans/{plan_id}/decision"));
        let unjustified = post(&physician, decision_url.clone(), &[("csrf", csrf.as_str()), ("version", "1"), ("proceed", "proceed"), ("justification", "  ")]).await;
        assert_eq!(unjustified.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = strip_isolation(&unjustified.text().await.expect("body"));
        assert!(
            body.contains(&format!("<p class=\"error\" id=\"e-d-{plan_id}-justification\">This field is required.</p>")),
            "{body}"
        );
        assert!(body.contains("value=\"proceed\" checked"), "the choice is kept");

        let justified = post(&physician, decision_url, &[("csrf", csrf.as_str()), ("version", "1"), ("proceed", "proceed"), ("justification", "Apixaban paused with the cardiologist.")]).await;
        assert_eq!(justified.status(), StatusCode::SEE_OTHER);
        let (_, plans) = page(&physician, plans_url).await;
        assert!(plans.contains("<span class=\"badge status-approved\">Approved</span>"), "{plans}");
        assert!(plans.contains("Go ahead: signed by physician"));
        assert!(plans.contains("Apixaban paused with the cardiologist."));
        assert!(!plans.contains(&format!("id=\"decide-{plan_id}\"")), "no second decision");
    }

    async fn a_contradictory_plan_is_refused_at_its_field_in_arabic(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let patient = patient_on_ibuprofen_and_apixaban(&server, "Omar").await;
        let physician = signed_in(&server, "physician").await;
        let plans_url = server.url(&format!("/patients/{patient}/plans"));
        physician.get(server.url("/lang/ar?next=/")).send().await.expect("switch");
        let (_, plans) = page(&physician, plans_url.clone()).await;
        assert!(plans.contains("dir=\"rtl\""));
        let csrf = csrf_of(&plans).expect("csrf");
        let refused = post(&physician, plans_url, &[
            ("csrf", csrf.as_str()),
            ("indication", "degenerative_disc"),
            ("target_site", "spinal_disc"),
            ("side", "midline"),
            ("spinal_level", "L4-L5"),
            ("cell_source", "bone_marrow"),
            ("guidance", "ultrasound"),
            ("anaesthesia", "local"),
            ("planned_sessions", "1"),
        ]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = strip_isolation(&refused.text().await.expect("body"));
        assert!(body.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(
            body.contains("<p class=\"error\" id=\"e-p-guidance\">يُحقن القرص الفقري تحت التنظير الفلوري.</p>"),
            "{body}"
        );
        assert!(body.contains("value=\"L4-L5\""), "what was typed is kept");
        assert!(server.clinic.app.plans_of_patient(server.clinic.actor(Role::Physician), patient).await.expect("plans").is_empty());
    }

    async fn the_admin_changes_the_protocol_and_sees_version_1(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let admin = signed_in(&server, "admin").await;
        let (status, protocol) = page(&admin, server.url("/admin/protocol")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(protocol.contains("the built-in defaults (version 0)"), "{protocol}");
        assert!(protocol.contains("href=\"/admin/protocol\""), "the nav links to it");
        assert!(protocol.contains("name=\"nsaid_pause_days\" type=\"number\" value=\"7\""));
        let csrf = csrf_of(&protocol).expect("csrf");

        let out_of_range = post(&admin, server.url("/admin/protocol"), &[("csrf", csrf.as_str()), ("nsaid_pause_days", "0"), ("version_note", "")]).await;
        assert_eq!(out_of_range.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = strip_isolation(&out_of_range.text().await.expect("body"));
        assert!(body.contains("<p class=\"error\" id=\"e-nsaid_pause_days\">This value is out of the allowed range (limit 60).</p>"), "{body}");

        let saved = post(&admin, server.url("/admin/protocol"), &[("csrf", csrf.as_str()), ("nsaid_pause_days", "10"), ("version_note", "Longer pause for the new knee pathway")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, protocol) = page(&admin, server.url(&location(&saved))).await;
        assert!(protocol.contains("In force: version 1, changed by admin on"), "{protocol}");
        assert!(protocol.contains("Pause NSAIDs before the session (days): 7 → 10"), "{protocol}");
        assert!(protocol.contains("Longer pause for the new knee pathway"));
        assert!(protocol.contains("name=\"nsaid_pause_days\" type=\"number\" value=\"10\""));
    }

    async fn a_patient_ticks_a_task_and_the_coordinator_sees_it(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let patient = patient_on_ibuprofen_and_apixaban(&server, "Huda").await;
        let plan = approved_plan(&server, patient).await;

        // The coordinator schedules from the plans page, in UTC.
        let coordinator = signed_in(&server, "coordinator").await;
        let plans_url = server.url(&format!("/patients/{patient}/plans"));
        let (_, plans) = page(&coordinator, plans_url.clone()).await;
        assert!(plans.contains("type=\"datetime-local\""));
        assert!(plans.contains("Enter the time in UTC"));
        let csrf = csrf_of(&plans).expect("csrf");
        let schedule_url = server.url(&format!("/patients/{patient}/plans/{plan}/sessions"));
        let past = post(&coordinator, schedule_url.clone(), &[("csrf", csrf.as_str()), ("starts_at", "2001-01-01T09:00")]).await;
        assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let starts_at = (Utc::now() + Duration::hours(72)).format("%Y-%m-%dT%H:%M").to_string();
        let scheduled = post(&coordinator, schedule_url, &[("csrf", csrf.as_str()), ("starts_at", starts_at.as_str())]).await;
        assert_eq!(scheduled.status(), StatusCode::SEE_OTHER);
        let views = server.clinic.app.plans_of_patient(server.clinic.actor(Role::Coordinator), patient).await.expect("plans");
        let session = views[0].sessions.first().expect("one session").id.to_string();

        let (_, board) = page(&coordinator, server.url("/preparation")).await;
        assert!(board.contains("Huda Haddad"), "{board}");
        assert!(board.contains("Not ready"));
        assert!(board.contains("Overdue: Stop taking Ibuprofen"), "{board}");
        assert!(board.contains("2 of 6"));
        assert!(board.contains(&format!("href=\"/sessions/{session}/preparation\"")));
        assert!(board.contains("The patient has not signed the consent."), "{board}");
        let nurse = server.clinic.actor(Role::Nurse);
        let plan_id = plan;
        let text = server.clinic.app.plan_consent(nurse, plan_id, cellpath_domain::Locale::En).await.expect("consent").text;
        let signature = cellpath_domain::consent::SignatureDraft { typed_name: "Huda Haddad".into(), witness_name: "Nurse".into(), confirmed: true, ..Default::default() };
        server.clinic.app.take_consent(nurse, plan_id, cellpath_domain::Locale::En, &text.hash, &signature).await.expect("consent");

        let app = &server.clinic.app;
        let (invitation, _) = app.invite_patient(server.clinic.actor(Role::Nurse), patient).await.expect("invite");
        app.accept_invitation(&invitation, "huda", PASSWORD).await.expect("accept");
        let portal = signed_in(&server, "huda").await;
        let (_, record) = page(&portal, server.url("/portal")).await;
        assert!(record.contains("href=\"/portal/sessions\""), "the portal links to the sessions");
        let (_, mine) = page(&portal, server.url("/portal/sessions")).await;
        assert!(mine.contains(&format!("href=\"/portal/sessions/{session}\"")), "{mine}");
        let (_, checklist) = page(&portal, server.url(&format!("/portal/sessions/{session}"))).await;
        assert!(checklist.contains("Stop taking Ibuprofen"), "{checklist}");
        assert!(checklist.contains("Last day to take them:"));
        assert!(!checklist.contains("<script"), "no JavaScript");
        let csrf = csrf_of(&checklist).expect("csrf");
        let ticked = post(&portal, server.url(&format!("/portal/sessions/{session}/stop_nsaids")), &[("csrf", csrf.as_str()), ("done", "true")]).await;
        assert_eq!(ticked.status(), StatusCode::SEE_OTHER);
        let (_, checklist) = page(&portal, server.url(&format!("/portal/sessions/{session}"))).await;
        assert!(checklist.contains("class=\"task done\" id=\"task-stop_nsaids\""), "{checklist}");
        assert!(checklist.contains("Not yet"));
        // An automatic task cannot be ticked.
        let auto = post(&portal, server.url(&format!("/portal/sessions/{session}/history_review")), &[("csrf", csrf.as_str()), ("done", "true")]).await;
        assert_eq!(auto.status(), StatusCode::BAD_REQUEST);

        let (_, board) = page(&coordinator, server.url("/preparation")).await;
        assert!(board.contains("3 of 6"), "{board}");
        assert!(board.contains("At risk"));
        assert!(!board.contains("Overdue"), "{board}");
        let (_, staff) = page(&coordinator, server.url(&format!("/sessions/{session}/preparation"))).await;
        assert!(staff.contains("class=\"task done\" id=\"task-stop_nsaids\""), "{staff}");
        // Staff see the reminders and their delivery, and print the sheet.
        server.clinic.app.enqueue_message(cellpath_app::outbox::NewMessage {
            site_id: server.clinic.site,
            patient_id: Some(patient),
            dedup_key: "test:reminder".into(),
            channel: cellpath_domain::outbox::Channel::Email,
            recipient: "huda@example.org".into(),
            subject: "Your session".into(),
            body: "See you soon.".into(),
            calendar: None,
            not_before: server.clinic.app.now(),
        }).await.expect("enqueue");
        let (_, staff) = page(&coordinator, server.url(&format!("/sessions/{session}/preparation"))).await;
        assert!(staff.contains("Reminders sent to the patient") && staff.contains("Waiting to be sent"), "{staff}");
        assert!(staff.contains(&format!("href=\"/sessions/{session}/preparation.pdf\"")));
        let sheet = coordinator.get(server.url(&format!("/sessions/{session}/preparation.pdf"))).send().await.expect("sheet");
        assert_eq!(sheet.headers()["content-type"], "application/pdf");
    }

    async fn each_page_keeps_to_its_roles_and_records(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let nurse = signed_in(&server, "nurse").await;
        let (status, _) = page(&nurse, server.url("/admin/protocol")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let app = &server.clinic.app;
        let own = patient_on_ibuprofen_and_apixaban(&server, "Own").await;
        let other = patient_on_ibuprofen_and_apixaban(&server, "Other").await;
        let other_plan = approved_plan(&server, other).await;
        let other_session = app
            .schedule_session(server.clinic.actor(Role::Coordinator), other_plan, Utc::now() + Duration::days(5))
            .await
            .expect("session")
            .id;
        let (invitation, _) = app.invite_patient(server.clinic.actor(Role::Nurse), own).await.expect("invite");
        app.accept_invitation(&invitation, "own.patient", PASSWORD).await.expect("accept");
        let portal = signed_in(&server, "own.patient").await;
        for path in [
            format!("/portal/sessions/{other_session}"),
            format!("/sessions/{other_session}/preparation"),
            format!("/patients/{other}/plans"),
            format!("/patients/{own}/plans"),
        ] {
            let (status, _) = page(&portal, server.url(&path)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (_, checklist) = page(&portal, server.url("/portal/sessions")).await;
        let csrf = csrf_of(&checklist).expect("csrf");
        let tick = post(&portal, server.url(&format!("/portal/sessions/{other_session}/stop_nsaids")), &[("csrf", csrf.as_str()), ("done", "true")]).await;
        assert_eq!(tick.status(), StatusCode::NOT_FOUND);
        let (status, _) = page(&portal, server.url("/preparation")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
