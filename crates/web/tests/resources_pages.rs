//! The resources pages and booking on the plan page, on both engines,
//! against the real server: resources grouped by kind in both languages,
//! forms that come back with messages, a stale edit, leave added and
//! removed, and a refused booking that names what is taken.

use cellpath_domain::Role;
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{PatientId, PlanId};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, patient_draft, strip_isolation,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;

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

async fn arabic(server: &TestServer, client: &reqwest::Client) {
    let response = client
        .get(server.url("/lang/ar?next=/home"))
        .send()
        .await
        .expect("switch");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// The id of a resource from the page's edit link.
fn resource_href(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("<bdi>{name}</bdi>"))
        .expect("resource listed");
    let start = html[..at].rfind("href=\"").expect("link") + 6;
    let end = html[start..].find('"').expect("end");
    html[start..start + end].to_string()
}

/// An approved plan of a new patient with a recent MRI of the left knee.
async fn approved_plan(server: &TestServer, given: &str) -> (PatientId, PlanId) {
    let app = &server.clinic.app;
    let patient = app
        .register_patient(
            server.clinic.actor(Role::Coordinator),
            None,
            &patient_draft(given, "Khalil"),
        )
        .await
        .expect("patient");
    let today = Utc::now().date_naive().to_string();
    app.add_intake(
        server.clinic.actor(Role::Nurse),
        patient.id,
        IntakeKind::Imaging,
        &IntakeDraft {
            name: "Left knee".into(),
            code: "mri".into(),
            start_date: today,
            ..Default::default()
        },
    )
    .await
    .expect("imaging");
    let physician = server.clinic.actor(Role::Physician);
    let plan = app
        .create_plan(
            physician,
            patient.id,
            &PlanDraft {
                indication: "osteoarthritis".into(),
                target_site: "knee".into(),
                side: "left".into(),
                cell_source: "bone_marrow".into(),
                guidance: "ultrasound".into(),
                anaesthesia: "local".into(),
                planned_sessions: "2".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("plan");
    app.decide_plan(physician, plan.id, plan.version, true, "Reviewed.")
        .await
        .expect("approved");
    (patient.id, plan.id)
}

both_backends! {
    async fn the_resources_page_lists_adds_edits_and_keeps_leave_in_both_languages(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = signed_in(&server, "coordinator").await;
        let (status, home) = page(&client, server.url("/home")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(home.contains("href=\"/admin/resources\""), "the nav links the resources page");

        let (status, html) = page(&client, server.url("/admin/resources")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Procedure rooms") && html.contains("Recovery bays"), "grouped by kind");
        assert!(html.contains("<bdi>Room 1</bdi>") && html.contains("Fluoroscopy"));
        assert!(html.contains("00:00–24:00") && html.contains("Every day"));
        assert!(html.contains(">physician</bdi>"), "the linked staff account is shown");
        let csrf = csrf_of(&html).expect("csrf");
        let site = server.clinic.site.to_string();

        let refused = post(&client, server.url("/admin/resources"), &[("csrf", &csrf), ("site", &site), ("kind", "janitor"), ("name", ""),
            ("work_days", "1111100"), ("work_start", "8am"), ("work_end", "17:00")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("Choose one of the listed values."), "{html}");
        assert!(html.contains("This field is required."));
        assert!(html.contains("This value is not in the expected format."));
        assert!(html.contains("value=\"8am\""), "the form keeps what was typed");

        let added = post(&client, server.url("/admin/resources"), &[("csrf", &csrf), ("site", &site), ("kind", "nurse"), ("name", "Nurse Weekdays"),
            ("work_days", "1111100"), ("work_start", "08:00"), ("work_end", "16:00"), ("break_start", "12:00"), ("break_end", "12:30")]).await;
        assert_eq!(added.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&client, server.url("/admin/resources")).await;
        assert!(html.contains("<bdi>Nurse Weekdays</bdi>"));
        assert!(html.contains("08:00–16:00") && html.contains("12:00–12:30") && html.contains("Mon, Tue, Wed, Thu, Fri"));
        let edit = resource_href(&html, "Nurse Weekdays");

        let (status, form) = page(&client, server.url(&edit)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("name=\"version\" value=\"1\""));
        let fields = |name: &'static str, version: &'static str| -> Vec<(&'static str, String)> {
            vec![("csrf", csrf.clone()), ("version", version.into()), ("kind", "nurse".into()), ("name", name.into()), ("work_days", "1111100".into()),
                 ("work_start", "08:00".into()), ("work_end", "16:00".into()), ("active", "true".into())]
        };
        let as_pairs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let saved = client.post(server.url(&edit)).form(&as_pairs(&fields("Nurse Days", "1"))).send().await.expect("post");
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let stale = client.post(server.url(&edit)).form(&as_pairs(&fields("Nurse Late", "1"))).send().await.expect("post");
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let html = strip_isolation(&stale.text().await.expect("body"));
        assert!(html.contains("Someone else changed this resource"), "{html}");
        assert!(html.contains("name=\"version\" value=\"2\"") && html.contains("value=\"Nurse Late\""));
        let mut bad = fields("Nurse Days", "2");
        bad[5] = ("work_start", "25:00".into());
        let invalid = client.post(server.url(&edit)).form(&as_pairs(&bad)).send().await.expect("post");
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let day = (Utc::now() + Duration::days(30)).date_naive().to_string();
        let before = (Utc::now() + Duration::days(29)).date_naive().to_string();
        let refused = post(&client, server.url(&format!("{edit}/leave")), &[("csrf", &csrf), ("first_day", &day), ("last_day", &before)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(strip_isolation(&refused.text().await.expect("body")).contains("This date is before the start date."));
        let leave = post(&client, server.url(&format!("{edit}/leave")), &[("csrf", &csrf), ("first_day", &day), ("last_day", &day), ("reason", "Training day")]).await;
        assert_eq!(leave.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&client, server.url(&edit)).await;
        assert!(html.contains("<bdi>Training day</bdi>"));
        let (_, list) = page(&client, server.url("/admin/resources")).await;
        assert!(list.contains("<bdi>Training day</bdi>"), "the site's leave is listed");
        let marker = "action=\"/admin/leave/";
        let start = html.find(marker).expect("remove form") + "action=\"".len();
        let end = html[start..].find('"').expect("end");
        let remove = html[start..start + end].to_string();
        let resource_id = edit.trim_start_matches("/admin/resources/").to_string();
        let removed = post(&client, server.url(&remove), &[("csrf", &csrf), ("resource", &resource_id)]).await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&client, server.url(&edit)).await;
        assert!(!html.contains("Training day"));

        arabic(&server, &client).await;
        let (status, html) = page(&client, server.url("/admin/resources")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains("غرف الإجراءات") && html.contains("إضافة مورد"));
        let refused = post(&client, server.url("/admin/resources"), &[("csrf", &csrf), ("site", &site), ("kind", ""), ("name", "X"),
            ("work_days", "1111100"), ("work_start", "08:00"), ("work_end", "17:00")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("dir=\"rtl\""));
        let (_, html) = page(&client, server.url(&edit)).await;
        assert!(html.contains("dir=\"rtl\"") && html.contains("تعديل مورد"));
    }

    async fn only_resource_managers_reach_the_resources_pages(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let nurse = signed_in(&server, "nurse").await;
        let (status, _) = page(&nurse, server.url("/admin/resources")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, home) = page(&nurse, server.url("/home")).await;
        assert!(!home.contains("href=\"/admin/resources\""));
        let admin = signed_in(&server, "admin").await;
        let (status, html) = page(&admin, server.url(&format!("/admin/resources?site={}", server.clinic.other_site))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let coordinator = signed_in(&server, "coordinator").await;
        let (status, _) = page(&coordinator, server.url(&format!("/admin/resources?site={}", server.clinic.other_site))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = page(&coordinator, server.url("/admin/resources/not-an-id")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn a_refused_booking_names_what_is_taken_on_the_plan_page(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, first) = approved_plan(&server, "Nadia").await;
        let (patient, second) = approved_plan(&server, "Samir").await;
        let day = (Utc::now() + Duration::days(21)).date_naive();
        let at = day.and_hms_opt(9, 0, 0).expect("time").and_utc();
        server.clinic.app.schedule_session(server.clinic.actor(Role::Coordinator), first, at).await.expect("first booking");

        let client = signed_in(&server, "coordinator").await;
        let plans = server.url(&format!("/patients/{patient}/plans"));
        let (status, html) = page(&client, plans.clone()).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_of(&html).expect("csrf");
        let starts_at = format!("{day}T09:00");
        let refused = post(&client, server.url(&format!("/patients/{patient}/plans/{second}/sessions")), &[("csrf", &csrf), ("starts_at", &starts_at)]).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("This time cannot be booked"), "{html}");
        assert!(html.contains("Dr Test: booked for another session"), "{html}");
        assert!(html.contains(&format!("value=\"{starts_at}\"")), "the form keeps the time");

        arabic(&server, &client).await;
        let refused = post(&client, server.url(&format!("/patients/{patient}/plans/{second}/sessions")), &[("csrf", &csrf), ("starts_at", &starts_at)]).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains("Dr Test: محجوز"), "{html}");
    }

    async fn free_times_book_and_a_session_is_moved_and_cancelled_from_the_plan_page(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (patient, plan) = approved_plan(&server, "Yusuf").await;
        let client = signed_in(&server, "coordinator").await;
        let plans = server.url(&format!("/patients/{patient}/plans"));
        let (_, html) = page(&client, plans.clone()).await;
        assert!(html.contains(&format!("id=\"free-{plan}\"")), "the free-times form is offered");
        let csrf = csrf_of(&html).expect("csrf");
        let day = (Utc::now() + Duration::days(14)).date_naive();
        let (status, html) = page(&client, server.url(&format!("/patients/{patient}/plans/{plan}/starts?from={day}&to={day}"))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let list = html.find(&format!("id=\"starts-{plan}\"")).expect("free starts listed");
        let marker = "name=\"starts_at\" value=\"";
        let start = html[list..].find(marker).expect("a start") + list + marker.len();
        let value = html[start..start + 16].to_string();
        assert!(value.starts_with(&day.to_string()), "{value}");
        let (_, refused) = page(&client, server.url(&format!("/patients/{patient}/plans/{plan}/starts?from={day}&to=someday"))).await;
        assert!(refused.contains(&format!("id=\"free-error-{plan}\"")));

        let booked = post(&client, server.url(&format!("/patients/{patient}/plans/{plan}/sessions")), &[("csrf", &csrf), ("starts_at", &value)]).await;
        assert_eq!(booked.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&client, plans.clone()).await;
        assert!(html.contains("Harvest ") && html.contains("Dr Test"), "the steps show their resources: {html}");
        let move_at = html.find("action=\"/sessions/").expect("move form") + "action=\"".len();
        let end = html[move_at..].find('"').expect("end");
        let move_url = html[move_at..move_at + end].to_string();
        assert!(move_url.ends_with("/move"));
        let cancel_url = move_url.replace("/move", "/cancel");
        let patient_id = patient.to_string();

        let past = (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M").to_string();
        let refused = post(&client, server.url(&move_url), &[("csrf", &csrf), ("version", "1"), ("patient", &patient_id), ("starts_at", &past)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(strip_isolation(&refused.text().await.expect("body")).contains("The session was not changed"));
        let later = format!("{}T09:00", day + Duration::days(1));
        let moved = post(&client, server.url(&move_url), &[("csrf", &csrf), ("version", "1"), ("patient", &patient_id), ("starts_at", &later)]).await;
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);
        let stale = post(&client, server.url(&cancel_url), &[("csrf", &csrf), ("version", "1"), ("patient", &patient_id)]).await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let cancelled = post(&client, server.url(&cancel_url), &[("csrf", &csrf), ("version", "2"), ("patient", &patient_id)]).await;
        assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&client, plans).await;
        assert!(html.contains("Cancelled"));
        assert!(!html.contains(&move_url), "a cancelled session offers no move");

        let nurse = signed_in(&server, "nurse").await;
        let (_, html) = page(&nurse, server.url(&format!("/patients/{patient}/plans"))).await;
        assert!(!html.contains("/move\""), "a nurse does not move sessions");
        let (status, _) = page(&nurse, server.url(&format!("/patients/{patient}/plans/{plan}/starts?from={day}&to={day}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
