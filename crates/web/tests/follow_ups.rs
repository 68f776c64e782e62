//! Follow-up visits through the server, on both engines: after a
//! discharge the JSON API lists the five visits, the plans page lists them
//! for staff, the portal's "my sessions" for the patient (in Arabic too),
//! and another site's staff are told the patient does not exist.

use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, strip_isolation};
use cellpath_web::i18n::tr;
use reqwest::StatusCode;

both_backends! {
    async fn discharged_patients_follow_ups_show_in_the_api_the_plans_page_and_the_portal(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let app = &clinic.app;
        let given = clinic.discharged("Amal", "Haddad", "KL-9").await;
        let nurse = clinic.actor(Role::Nurse);
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
