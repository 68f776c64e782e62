//! The what-to-expect API on both engines: staff read the answers, the
//! admin rewrites one, the patient reads their own timeline with it.

use cellpath_domain::Role;
use cellpath_domain::plan::PlanDraft;
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, patient_draft};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends! {
    async fn answers_and_the_patients_own_timeline(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = reqwest::Client::new();
        let site = server.clinic.site;
        let nurse = server.token("nurse").await;
        let admin = server.token("admin").await;
        let answers: Value = client.get(server.url(&format!("/api/v1/sites/{site}/answers?lang=ar"))).bearer_auth(&nurse).send().await.expect("get").json().await.expect("json");
        assert_eq!(answers.as_array().map(Vec::len), Some(6));
        assert_eq!(answers[0]["version"], 0, "the starting texts until the clinic edits them");
        let edit = client
            .put(server.url(&format!("/api/v1/sites/{site}/answers/does_it_hurt/en")))
            .bearer_auth(&admin)
            .json(&json!({"title": "Does it hurt?", "body": "Our own answer."}))
            .send()
            .await
            .expect("put");
        assert_eq!(edit.status(), StatusCode::OK);
        let refused = client.put(server.url(&format!("/api/v1/sites/{site}/answers/does_it_hurt/en"))).bearer_auth(&nurse).json(&json!({"title": "x", "body": "y"})).send().await.expect("put");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let unknown = client.put(server.url(&format!("/api/v1/sites/{site}/answers/favourite_colour/en"))).bearer_auth(&admin).json(&json!({"title": "x", "body": "y"})).send().await.expect("put");
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let app = &server.clinic.app;
        let (n, physician) = (server.clinic.actor(Role::Nurse), server.clinic.actor(Role::Physician));
        let patient = app.register_patient(n, None, &patient_draft("Sara", "Expecting")).await.expect("patient");
        let draft = PlanDraft {
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "left".into(),
            cell_source: "adipose".into(),
            guidance: "ultrasound".into(),
            anaesthesia: "sedation".into(),
            planned_sessions: "1".into(),
            ..PlanDraft::default()
        };
        let plan = app.create_plan(physician, patient.id, &draft, None).await.expect("plan");
        app.decide_plan(physician, plan.id, 1, true, "ok").await.expect("approve");
        app.schedule_session(physician, plan.id, app.now() + Duration::days(3)).await.expect("session");
        let (invitation, _) = app.invite_patient(n, patient.id).await.expect("invite");
        app.accept_invitation(&invitation, "sara", PASSWORD).await.expect("accept");
        let me = server.token("sara").await;
        let view: Value = client.get(server.url("/api/v1/me/what-to-expect?lang=en")).bearer_auth(&me).send().await.expect("get").json().await.expect("json");
        let session = &view["sessions"][0];
        assert_eq!(session["sedation"], true);
        assert_eq!(session["fasting_solids_hours"], 6);
        assert_eq!(session["steps"][1]["step"], "harvest");
        let hurt = view["answers"].as_array().expect("answers").iter().find(|a| a["question"] == "does_it_hurt").cloned().expect("answer");
        assert_eq!(hurt["body"], "Our own answer.");
        let staff = client.get(server.url("/api/v1/me/what-to-expect")).bearer_auth(&nurse).send().await.expect("get");
        assert_eq!(staff.status(), StatusCode::FORBIDDEN);
    }
}
