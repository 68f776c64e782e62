//! Follow-up visits through the server, on both engines: after a
//! discharge the JSON API lists the five visits, the plans page lists them
//! for staff, the portal's "my sessions" for the patient (in Arabic too),
//! and another site's staff are told the patient does not exist.

use cellpath_app::session_day::{MonitoringDraft, VitalsDraft};
use cellpath_domain::session_day::DischargeCriterion;
use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, strip_isolation};
use cellpath_web::i18n::tr;
use reqwest::StatusCode;

both_backends! {
    async fn discharged_patients_follow_ups_show_in_the_api_the_plans_page_and_the_portal(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let app = &clinic.app;
        let given = clinic.administered("Amal", "Haddad", "KL-9").await;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let reason = "Test: recorded in one go.";
        app.finish_step(physician, given.session, "injection", reason).await.expect("injected");
        app.start_step(nurse, given.session, "monitoring", reason).await.expect("monitoring");
        let monitoring = MonitoringDraft {
            vitals: VitalsDraft { systolic: "120".into(), diastolic: "80".into(), pulse: "70".into(), temperature: "36.8".into(), spo2: "98".into() },
            pain: "2".into(),
            criteria: DischargeCriterion::ALL.iter().map(|c| c.code().to_string()).collect(),
        };
        app.record_monitoring(nurse, given.session, &monitoring).await.expect("monitored");
        app.finish_step(nurse, given.session, "monitoring", reason).await.expect("monitoring done");
        app.start_step(nurse, given.session, "discharge", reason).await.expect("discharge");
        app.finish_step(nurse, given.session, "discharge", reason).await.expect("discharged");
        let patient = given.patient.id;

        // The API.
        let token = server.token("nurse").await;
        let response = server.client().get(server.url(&format!("/api/v1/patients/{patient}/follow-ups")))
            .bearer_auth(&token).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        let visits: serde_json::Value = response.json().await.expect("json");
        let visits = visits.as_array().expect("a list");
        let offsets: Vec<i64> = visits.iter().map(|v| v["offset_days"].as_i64().expect("days")).collect();
        assert_eq!(offsets, [7, 42, 91, 182, 365]);
        assert!(visits.iter().all(|v| v["status"] == "booked" && v["seen_by_name"] == "Dr Test" && v["room_name"] == "Room 2"));
        assert!(visits.iter().all(|v| v["starts_at"].is_string()));
        let elsewhere = server.token("north-nurse").await;
        let response = server.client().get(server.url(&format!("/api/v1/patients/{patient}/follow-ups")))
            .bearer_auth(&elsewhere).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        // The plans page.
        let staff = server.client();
        server.sign_in(&staff, "nurse", PASSWORD).await;
        let html = strip_isolation(&staff.get(server.url(&format!("/patients/{patient}/plans"))).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains(&tr(Locale::En, "follow-ups-title")), "{html}");
        assert_eq!(html.matches("id=\"follow-up-").count() - 1, 5, "five rows beside the list itself");

        // The portal, in both languages.
        let (invitation, _) = app.invite_patient(nurse, patient).await.expect("invite");
        app.accept_invitation(&invitation, "amal", PASSWORD).await.expect("accept");
        let amal = server.client();
        server.sign_in(&amal, "amal", PASSWORD).await;
        let html = strip_isolation(&amal.get(server.url("/portal/sessions")).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains(&tr(Locale::En, "follow-ups-title")));
        assert!(html.contains("Dr Test"));
        amal.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let html = strip_isolation(&amal.get(server.url("/portal/sessions")).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains(&tr(Locale::Ar, "follow-ups-title")));
        assert!(html.contains("dir=\"rtl\""));
    }
}
