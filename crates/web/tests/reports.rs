//! The clinic's reports and follow-up attendance through the server, on
//! both engines: the report page in both languages with every table, each
//! table as CSV whose figures match the page's, the refusals (a nurse, a
//! date that is not one), and attendance recorded from the plans page and
//! the API once the visit's day has come.

use cellpath_domain::{Locale, Role};
use cellpath_test_support::{
    Backend, Clinic, PASSWORD, TestClock, TestServer, both_backends, csrf_of, strip_isolation,
};
use cellpath_web::i18n::tr;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;

async fn server_with_clock(backend: &Backend) -> (TestServer, TestClock) {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 7, 0, 0)
        .single()
        .expect("a time");
    let (clinic, clock) = Clinic::with_clock(backend, start).await;
    (TestServer::serve(clinic).await, clock)
}

/// A CSV's rows (no quoted fields in these tables), without the byte-order mark.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.trim_start_matches('\u{FEFF}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

both_backends! {
    async fn the_report_page_and_its_csv_agree_in_both_languages(backend: Backend) {
        let (server, _clock) = server_with_clock(&backend).await;
        let clinic = &server.clinic;
        clinic.discharged("Amal", "Haddad", "KL-1").await;
        let day = clinic.app.now().date_naive();
        let period = format!("site={}&from={}&to={}", clinic.site, day, day + Duration::days(10));

        let coordinator = server.client();
        server.sign_in(&coordinator, "coordinator", PASSWORD).await;
        let home = strip_isolation(&coordinator.get(server.url("/home")).send().await.expect("home").text().await.expect("body"));
        assert!(home.contains("href=\"/reports\""), "the menu offers the reports");
        let response = coordinator.get(server.url(&format!("/reports?{period}"))).send().await.expect("page");
        assert_eq!(response.status(), StatusCode::OK);
        let html = strip_isolation(&response.text().await.expect("body"));
        for id in ["report-steps", "report-deviations", "report-adverse-events", "report-follow-ups"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(html.contains(&tr(Locale::En, "day-step-harvest")));
        assert!(html.contains("30–45 min"), "the protocol's harvest range");

        // The deviations CSV: the too-short row counts what the session recorded.
        let response = coordinator.get(server.url(&format!("/reports/clinic.csv?{period}&table=deviations"))).send().await.expect("csv");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(response.headers()["content-disposition"].to_str().expect("ascii").contains("cellpath-deviations-"));
        let text = response.text().await.expect("body");
        assert!(text.starts_with('\u{FEFF}'));
        let rows = csv_rows(&text);
        assert_eq!(rows[0][0], "code");
        let too_short = rows.iter().find(|r| r[0] == "too_short").expect("row");
        let view = clinic.app.session_day(clinic.actor(Role::Nurse), clinic.app.day_board(clinic.actor(Role::Nurse), clinic.site, day).await.expect("board")[0].session.id).await.expect("day");
        let recorded = view.day.deviations.iter().filter(|d| d.kind.code() == "too_short").count();
        assert_eq!(too_short[2], recorded.to_string());
        assert_eq!(too_short[3], "1", "one session");

        // The adverse-event CSV: one treated session, none recorded.
        let text = coordinator.get(server.url(&format!("/reports/clinic.csv?{period}&table=adverse_events"))).send().await.expect("csv").text().await.expect("body");
        let rows = csv_rows(&text);
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[1][..3], ["1", "0", "0.0"]);
        let steps = coordinator.get(server.url(&format!("/reports/clinic.csv?{period}&table=steps"))).send().await.expect("csv").text().await.expect("body");
        let rows = csv_rows(&steps);
        let harvest = rows.iter().find(|r| r[0] == "harvest").expect("harvest");
        assert_eq!((harvest[2].as_str(), harvest[6].as_str(), harvest[7].as_str()), ("1", "30", "45"));
        assert_eq!(coordinator.get(server.url(&format!("/reports/clinic.csv?{period}&table=secrets"))).send().await.expect("csv").status(), StatusCode::BAD_REQUEST);

        // In Arabic: right to left, Arabic-Indic digits, the CSV headers in Arabic.
        coordinator.get(server.url("/lang/ar?next=/reports")).send().await.expect("arabic");
        let html = strip_isolation(&coordinator.get(server.url(&format!("/reports?{period}"))).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains(&tr(Locale::Ar, "reports-steps-title")));
        assert!(html.contains("٣٠–٤٥"), "Arabic digits in the protocol's range");
        let text = coordinator.get(server.url(&format!("/reports/clinic.csv?{period}&table=deviations"))).send().await.expect("csv").text().await.expect("body");
        assert_eq!(csv_rows(&text)[0][1], tr(Locale::Ar, "reports-col-kind"));

        // A date that is not one is shown again with its message; a nurse may not read reports.
        let response = coordinator.get(server.url(&format!("/reports?site={}&from=2026-02-31", clinic.site))).send().await.expect("page");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&response.text().await.expect("body"));
        assert!(html.contains("id=\"e-from\""));
        assert!(html.contains(&tr(Locale::Ar, "issue-invalid-date")));
        let nurse = server.client();
        server.sign_in(&nurse, "nurse", PASSWORD).await;
        assert_eq!(nurse.get(server.url("/reports")).send().await.expect("page").status(), StatusCode::FORBIDDEN);
        assert_eq!(nurse.get(server.url(&format!("/reports/clinic.csv?{period}&table=steps"))).send().await.expect("csv").status(), StatusCode::FORBIDDEN);
    }

    async fn attendance_is_recorded_from_the_plans_page_and_the_api(backend: Backend) {
        let (server, clock) = server_with_clock(&backend).await;
        let clinic = &server.clinic;
        let given = clinic.discharged("Amal", "Haddad", "KL-1").await;
        let patient = given.patient.id;
        let token = server.token("nurse").await;
        let visits: serde_json::Value = server.client().get(server.url(&format!("/api/v1/patients/{patient}/follow-ups")))
            .bearer_auth(&token).send().await.expect("get").json().await.expect("json");
        let week = visits.as_array().expect("list").iter().find(|v| v["offset_days"] == 7).expect("week").clone();
        let month = visits.as_array().expect("list").iter().find(|v| v["offset_days"] == 42).expect("six weeks").clone();
        assert!(week["attendance"].is_null());
        let id = week["id"].as_str().expect("id");

        // Before its day: refused, with the field.
        let response = server.client().post(server.url(&format!("/api/v1/follow-ups/{id}/attendance")))
            .bearer_auth(&token).json(&serde_json::json!({"version": week["version"], "attended": true})).send().await.expect("post");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = response.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["field"], "attended", "{problem}");

        *clock.lock().expect("clock") += Duration::days(8);
        // The plans page offers the buttons for the week's visit only, and records it.
        let nurse = server.client();
        server.sign_in(&nurse, "nurse", PASSWORD).await;
        let html = strip_isolation(&nurse.get(server.url(&format!("/patients/{patient}/plans"))).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains(&format!("action=\"/follow-ups/{id}/attendance\"")));
        assert!(!html.contains(&format!("action=\"/follow-ups/{}/attendance\"", month["id"].as_str().expect("id"))));
        let csrf = csrf_of(&html).expect("csrf");
        let version = week["version"].as_i64().expect("version").to_string();
        let response = nurse.post(server.url(&format!("/follow-ups/{id}/attendance")))
            .form(&[("csrf", csrf.as_str()), ("patient", &patient.to_string()), ("version", &version), ("attended", "yes")])
            .send().await.expect("post");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = strip_isolation(&nurse.get(server.url(&format!("/patients/{patient}/plans"))).send().await.expect("page").text().await.expect("body"));
        assert!(html.contains(&format!("<span class=\"attendance-state\">{}</span>", tr(Locale::En, "follow-up-attended"))));
        // The same form sent again names an old version: the page says so.
        let response = nurse.post(server.url(&format!("/follow-ups/{id}/attendance")))
            .form(&[("csrf", csrf.as_str()), ("patient", &patient.to_string()), ("version", &version), ("attended", "no")])
            .send().await.expect("post");
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(strip_isolation(&response.text().await.expect("body")).contains(&tr(Locale::En, "conflict-banner")));

        // The API shows it, and refuses a stale version, another site and the coordinator.
        let visits: serde_json::Value = server.client().get(server.url(&format!("/api/v1/patients/{patient}/follow-ups")))
            .bearer_auth(&token).send().await.expect("get").json().await.expect("json");
        let now = visits.as_array().expect("list").iter().find(|v| v["offset_days"] == 7).expect("week").clone();
        assert_eq!(now["attendance"], "attended");
        let post = |token: String, version: serde_json::Value| {
            let client = server.client();
            let url = server.url(&format!("/api/v1/follow-ups/{id}/attendance"));
            async move {
                client.post(url).bearer_auth(token).json(&serde_json::json!({"version": version, "attended": false})).send().await.expect("post")
            }
        };
        let stale = post(token.clone(), week["version"].clone()).await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let body: serde_json::Value = stale.json().await.expect("problem");
        assert_eq!(body["current"]["attendance"], "attended");
        assert_eq!(post(server.token("north-nurse").await, now["version"].clone()).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(post(server.token("coordinator").await, now["version"].clone()).await.status(), StatusCode::FORBIDDEN);
        let missed = post(server.token("physician").await, now["version"].clone()).await;
        assert_eq!(missed.status(), StatusCode::OK);
        let body: serde_json::Value = missed.json().await.expect("visit");
        assert_eq!(body["attendance"], "missed");
    }
}
