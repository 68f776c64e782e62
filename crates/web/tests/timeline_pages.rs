//! The day and week timelines on both engines, against the real server:
//! every booked step on its resource's row and on its patient's row, the
//! patient's waiting, an off-duty block, a booking on leave outlined as a
//! conflict, Arabic right to left, and the roles that may not look.

use cellpath_app::scheduling::ResourceDraft;
use cellpath_domain::{PatientId, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, strip_isolation};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;

async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
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

/// A patient with an approved one-session knee plan, booked at `hour` on `date`.
async fn booked_patient(server: &TestServer, given: &str, date: NaiveDate, hour: u32) -> PatientId {
    let app = &server.clinic.app;
    let (patient, plan) = server.clinic.approved_knee_plan(given, "Haddad").await;
    let starts = date.and_hms_opt(hour, 0, 0).expect("time").and_utc();
    app.schedule_session(server.clinic.actor(Role::Coordinator), plan, starts)
        .await
        .expect("session");
    patient.id
}

fn step_name(code: &str) -> &'static str {
    match code {
        "harvest" => "Harvest",
        "prepare" => "Donor product preparation",
        "process" => "Processing",
        "inject" => "Injection",
        _ => "Monitoring",
    }
}

fn clock(minute_of_day: i64) -> String {
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

/// The HTML of the timeline row whose label is `label`.
fn row_of<'a>(html: &'a str, label: &str) -> &'a str {
    let marker = format!("<bdi>{label}</bdi>");
    html.split("<div class=\"tl-row\">")
        .find(|row| row.contains(&marker))
        .unwrap_or_else(|| panic!("no row for {label}"))
}

both_backends! {
    async fn the_day_shows_every_booked_step_per_resource_and_per_patient(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let date = (Utc::now() + Duration::days(3)).date_naive();
        booked_patient(&server, "Samira", date, 8).await;
        booked_patient(&server, "Omar", date, 13).await;
        // A centrifuge that works 08:00-17:00 is off duty the rest of the day.
        app.add_resource(
            server.clinic.actor(Role::Admin),
            server.clinic.site,
            &ResourceDraft {
                kind: "centrifuge".into(),
                name: "Day Centrifuge".into(),
                work_days: "1111111".into(),
                work_start: "08:00".into(),
                work_end: "17:00".into(),
                active: true,
                ..ResourceDraft::default()
            },
        )
        .await
        .expect("resource");
        let day = app
            .day_schedule(server.clinic.actor(Role::Coordinator), server.clinic.site, date)
            .await
            .expect("day");
        assert_eq!(day.sessions.len(), 2);
        assert!(!day.bookings.is_empty());

        let coordinator = signed_in(&server, "coordinator").await;
        let site = server.clinic.site;
        let (status, html) = page(&coordinator, server.url(&format!("/schedule/{date}?site={site}"))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("dir=\"ltr\""));
        assert!(html.contains("href=\"/schedule\""), "the nav links the schedule");
        for booking in &day.bookings {
            let resource = day
                .resources
                .iter()
                .find(|r| r.id == booking.resource_id)
                .expect("resource");
            let record = &day
                .sessions
                .iter()
                .find(|s| s.session.id == booking.session_id)
                .expect("session")
                .record_number;
            let title = format!(
                "<title>{} · {record} · {}–{}</title>",
                step_name(booking.step.code()),
                clock(booking.starts_min - day.midnight),
                clock(booking.ends_min - day.midnight)
            );
            assert!(
                row_of(&html, &resource.name).contains(&title),
                "{} shows {title}",
                resource.name
            );
        }
        let centrifuge = row_of(&html, "Day Centrifuge");
        assert!(centrifuge.contains("<title>Day Centrifuge: off duty 00:00–08:00</title>"), "{centrifuge}");
        assert!(centrifuge.contains("<title>Day Centrifuge: off duty 17:00–24:00</title>"), "{centrifuge}");
        assert!(centrifuge.contains("class=\"tl-away tl-off-duty\""));
        assert!(html.contains("<h2 class=\"tl-group\">Physicians</h2>"));

        let (status, html) = page(
            &coordinator,
            server.url(&format!("/schedule/{date}?site={site}&view=patients")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        for session in &day.sessions {
            let row = row_of(&html, &format!("{} · {}", session.patient_name, session.record_number));
            assert!(
                row.contains(&format!("Waiting {} min", session.waiting())),
                "{row}"
            );
            for (step, next) in session.steps.iter().zip(session.steps.iter().skip(1)) {
                if next.starts_min > step.ends_min {
                    assert!(row.contains(&format!(
                        "<title>Waiting {} min ({}–{})</title>",
                        next.starts_min - step.ends_min,
                        clock(step.ends_min - day.midnight),
                        clock(next.starts_min - day.midnight)
                    )));
                }
            }
            for step in &session.steps {
                let title = format!(
                    "<title>{} planned {}–{}</title>",
                    step_name(step.step.code()),
                    clock(step.starts_min - day.midnight),
                    clock(step.ends_min - day.midnight)
                );
                assert!(row.contains(&title), "{title} in {row}");
            }
        }
        assert!(!html.contains("class=\"tl-now\""), "no now line on another day");

        let (status, html) = page(&coordinator, server.url(&format!("/schedule/{}?site={site}", Utc::now().date_naive()))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("class=\"tl-now\""), "today has a now line");
    }

    async fn the_day_runs_right_to_left_in_arabic(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let date = (Utc::now() + Duration::days(2)).date_naive();
        booked_patient(&server, "Layla", date, 9).await;
        let nurse = signed_in(&server, "nurse").await;
        let response = nurse
            .get(server.url(&format!("/schedule/{date}?view=patients")))
            .header("accept-language", "ar")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["refresh"], "60");
        let html = strip_isolation(&response.text().await.expect("body"));
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains("حسب المريض"));
        assert!(html.contains("انتظار"));
        assert!(html.contains("text-anchor=\"end\""), "labels read from the right");
    }

    async fn the_week_sums_booked_and_available_minutes(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let date = (Utc::now() + Duration::days(8)).date_naive();
        booked_patient(&server, "Huda", date, 10).await;
        let physician = signed_in(&server, "physician").await;
        let site = server.clinic.site;
        let (status, html) = page(&physician, server.url(&format!("/schedule/week/{date}?site={site}"))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("href=\"/schedule/{date}?site={site}\"")), "links each day");
        assert!(html.contains(" / 1440 min"), "round-the-clock resources have 1440 minutes");
        assert!(html.contains("<td>1</td>"), "one session that day");
    }

    async fn only_roles_that_view_the_schedule_see_it(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let date = Utc::now().date_naive();
        let admin = signed_in(&server, "admin").await;
        for path in [
            format!("/schedule/{date}"),
            format!("/schedule/week/{date}"),
            "/me/calendar".to_string(),
        ] {
            let (status, _) = page(&admin, server.url(&path)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        }
        let (status, html) = page(&admin, server.url("/home")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("href=\"/schedule\""), "no schedule link for the admin");
        let anonymous = server.client();
        let response = anonymous.get(server.url(&format!("/schedule/{date}"))).send().await.expect("get");
        assert_ne!(response.status(), StatusCode::OK);
        let lab = signed_in(&server, "lab_tech").await;
        let (status, _) = page(&lab, server.url("/schedule/not-a-date")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn a_booking_on_leave_is_outlined_as_a_conflict(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let date = (Utc::now() + Duration::days(4)).date_naive();
        booked_patient(&server, "Nadia", date, 9).await;
        let admin = server.clinic.actor(Role::Admin);
        let doctor = app
            .resources(admin, server.clinic.site)
            .await
            .expect("resources")
            .into_iter()
            .find(|r| r.name == "Dr Test")
            .expect("Dr Test");
        let day = date.to_string();
        app.add_leave(admin, doctor.id, &day, &day, "Conference")
            .await
            .expect("leave after the booking");
        let coordinator = signed_in(&server, "coordinator").await;
        let (status, html) = page(&coordinator, server.url(&format!("/schedule/{date}"))).await;
        assert_eq!(status, StatusCode::OK);
        let row = row_of(&html, "Dr Test");
        assert!(row.contains("class=\"tl-clash\""), "{row}");
        assert!(row.contains("<title>Dr Test: on leave or out of service 00:00–24:00</title>"), "{row}");
        assert!(!row_of(&html, "Nurse Test").contains("tl-clash"));
    }
}
