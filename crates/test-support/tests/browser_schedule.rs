//! Browser tests of scheduling (issue 4, point 9): a coordinator books a
//! time that clashes, reads which resource is taken and books a free time
//! instead; optimises a day and applies the proposal; and a nurse reads the
//! day's timelines by patient and by resource, then in Arabic.
//!
//! One server and one chromedriver; each scenario gets its own Chromium
//! session with a fresh profile and its own Monday, weeks ahead. Screenshots
//! go to `target/browser-screenshots/schedule-NN-step.png`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, attr, click, find_all, in_fresh_browser, is_present, scroll_to,
    set_date, sign_in, text, wait_for,
};
use cellpath_app::scheduling::find_overlaps;
use cellpath_domain::{PatientId, PlanId, Role};
use cellpath_test_support::{Backend, TestServer, strip_isolation};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use fantoccini::Client;
use std::sync::Arc;
use std::time::Instant;

/// The Monday `weeks` weeks after the first Monday three weeks ahead.
fn monday(weeks: i64) -> NaiveDate {
    let mut day = (Utc::now() + Duration::days(21)).date_naive();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day = day.succ_opt().expect("date");
    }
    day + Duration::weeks(weeks)
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, minute, 0).expect("time").and_utc()
}

/// A registered patient with an approved knee plan.
async fn approved(server: &TestServer, given: &str) -> (PatientId, PlanId) {
    let (patient, plan) = server.clinic.approved_knee_plan(given, "Scheduled").await;
    (patient.id, plan)
}

#[tokio::test]
async fn booking_optimising_and_reading_the_schedule_in_the_browser() {
    let started = Instant::now();
    let server = Arc::new(TestServer::start(&Backend::Sqlite).await);
    let driver = ChromeDriver::start().await;
    let mut shots = Screenshots::new("schedule-");
    shots = in_fresh_browser(&driver, "booking", server.clone(), shots, booking).await;
    shots = in_fresh_browser(&driver, "optimise", server.clone(), shots, optimise).await;
    shots = in_fresh_browser(&driver, "timeline", server.clone(), shots, timeline).await;
    eprintln!(
        "schedule browser scenarios took {:.1} s; screenshots:",
        started.elapsed().as_secs_f64()
    );
    for shot in &shots.taken {
        eprintln!("  {}", shot.display());
    }
    drop(driver);
}

/// Scenario 1: the coordinator asks for a time when the only physician is
/// harvesting for someone else, reads the clash naming Dr Test, then looks
/// up the free times of that day and books the first one.
async fn booking(server: Arc<TestServer>, client: Client, mut shots: Screenshots) -> Screenshots {
    let app = &server.clinic.app;
    let coordinator = server.clinic.actor(Role::Coordinator);
    let day = monday(0);
    let (_, first_plan) = approved(&server, "First").await;
    app.schedule_session(coordinator, first_plan, at(day, 8, 0))
        .await
        .expect("the morning's first session");
    let (patient, plan) = approved(&server, "Second").await;

    sign_in(&client, &server, "coordinator").await;
    client
        .goto(&server.url(&format!("/patients/{patient}/plans")))
        .await
        .expect("open the plans");
    let form = format!("#schedule-{plan}");
    wait_for(&client, &form).await;
    click(&client, &format!("#plan-{plan} details > summary")).await;
    set_date(&client, &form, "starts_at", &format!("{day}T08:30")).await;
    shots.take(&client, "clashing-time").await;
    click(&client, &format!("{form} button[type='submit']")).await;
    let clashes = format!("#clashes-{plan}");
    wait_for(&client, &clashes).await;
    let said = strip_isolation(&text(&client, &clashes).await);
    assert!(
        said.contains("Dr Test") && said.contains("booked for another session"),
        "the clash names the physician and what takes him: {said}"
    );
    scroll_to(&client, &clashes).await;
    shots.take(&client, "clash-explained").await;

    let free = format!("#free-{plan}");
    set_date(&client, &free, "from", &day.to_string()).await;
    set_date(&client, &free, "to", &day.to_string()).await;
    click(&client, &format!("{free} button[type='submit']")).await;
    let starts = format!("#starts-{plan}");
    wait_for(&client, &starts).await;
    shots.take(&client, "free-times").await;
    let buttons = find_all(&client, &format!("{starts} button[type='submit']")).await;
    assert!(!buttons.is_empty(), "the day has free times");
    buttons[0]
        .clone()
        .click()
        .await
        .expect("book the first free time");
    wait_for(&client, &format!("#plan-{plan} ul.sessions li")).await;
    shots.take(&client, "booked").await;

    let schedule = app
        .day_schedule(coordinator, server.clinic.site, day)
        .await
        .expect("day");
    assert_eq!(schedule.sessions.len(), 2, "both sessions are on the day");
    assert!(
        find_overlaps(&schedule.bookings, &schedule.unavailable).is_empty(),
        "no resource is booked twice"
    );
    shots
}

/// Scenario 2: a day where the second patient waits 15 minutes for the
/// centrifuge; the coordinator optimises it from the timeline and applies.
async fn optimise(server: Arc<TestServer>, client: Client, mut shots: Screenshots) -> Screenshots {
    let app = &server.clinic.app;
    let coordinator = server.clinic.actor(Role::Coordinator);
    let day = monday(1);
    let (_, early) = approved(&server, "Early").await;
    let (_, later) = approved(&server, "Later").await;
    app.schedule_session(coordinator, early, at(day, 8, 0))
        .await
        .expect("early");
    app.schedule_session(coordinator, later, at(day, 8, 45))
        .await
        .expect("later, waiting for the centrifuge");

    sign_in(&client, &server, "coordinator").await;
    let site = server.clinic.site;
    client
        .goto(&server.url(&format!("/schedule/{day}?site={site}&view=patients")))
        .await
        .expect("open the day");
    wait_for(&client, "#timeline").await;
    shots.take(&client, "day-before").await;
    click(&client, "#optimise-link").await;
    wait_for(&client, "#optimise-metrics").await;
    let metrics = strip_isolation(&text(&client, "#optimise-metrics").await);
    assert!(
        metrics.contains("15 min") && metrics.contains("0 min"),
        "waiting now and as proposed: {metrics}"
    );
    shots.take(&client, "proposal").await;
    click(&client, "#apply-proposal").await;
    wait_for(&client, "#timeline").await;
    shots.take(&client, "day-after").await;
    let schedule = app.day_schedule(coordinator, site, day).await.expect("day");
    assert_eq!(
        schedule.sessions.iter().map(|s| s.waiting()).sum::<i64>(),
        0,
        "nobody waits after the proposal is applied"
    );
    shots
}

/// Scenario 3: a nurse reads the day by patient (every step of the
/// session, its record number) and by resource (Dr Test's row), then in
/// Arabic, right to left.
async fn timeline(server: Arc<TestServer>, client: Client, mut shots: Screenshots) -> Screenshots {
    let app = &server.clinic.app;
    let coordinator = server.clinic.actor(Role::Coordinator);
    let day = monday(2);
    let (patient, plan) = approved(&server, "Timeline").await;
    app.schedule_session(coordinator, plan, at(day, 9, 0))
        .await
        .expect("session");
    let record = app
        .patient_chart(server.clinic.actor(Role::Nurse), patient)
        .await
        .expect("chart")
        .patient
        .record_number
        .as_str()
        .to_string();

    sign_in(&client, &server, "nurse").await;
    let site = server.clinic.site;
    client
        .goto(&server.url(&format!("/schedule/{day}?site={site}&view=patients")))
        .await
        .expect("open the day");
    wait_for(&client, "#timeline").await;
    assert!(
        !is_present(&client, "#optimise-link").await,
        "nurses do not optimise"
    );
    let sheet = strip_isolation(&text(&client, "#timeline").await);
    assert!(sheet.contains(&record), "the patient's row: {sheet}");
    let bars = find_all(&client, "#timeline g[aria-label]").await;
    let mut labels = Vec::new();
    for bar in bars {
        labels.push(strip_isolation(
            &bar.attr("aria-label")
                .await
                .expect("label")
                .unwrap_or_default(),
        ));
    }
    for step in ["Harvest", "Processing", "Injection", "Monitoring"] {
        assert!(
            labels.iter().any(|l| l.contains(step)),
            "{step} on the patient's row: {labels:?}"
        );
    }
    shots.take(&client, "by-patient").await;
    click(&client, "#view-resources").await;
    wait_for(&client, "#timeline[data-view='resources']").await;
    let sheet = strip_isolation(&text(&client, "#timeline").await);
    assert!(
        sheet.contains("Dr Test") && sheet.contains("Centrifuge 1"),
        "{sheet}"
    );
    shots.take(&client, "by-resource").await;

    client
        .goto(&server.url("/lang/ar"))
        .await
        .expect("switch to Arabic");
    client
        .goto(&server.url(&format!("/schedule/{day}?site={site}")))
        .await
        .expect("open the day in Arabic");
    wait_for(&client, "#timeline").await;
    assert_eq!(attr(&client, "html", "dir").await.as_deref(), Some("rtl"));
    shots.take(&client, "arabic").await;
    shots
}
