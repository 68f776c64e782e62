//! Browser tests of after the session (issue 6, point 10), in headless
//! Chromium against the real server:
//!
//! 1. a diary entry that raises a red flag: the patient writes it in the
//!    portal and is told at once to call the clinic, with its number; a
//!    nurse takes the alert from the triage queue and closes it with a note;
//! 2. an adverse event traced back to its kit lot: a physician records it
//!    after a session, clicks from it to the product's lookback and from
//!    there to the kit lot's, which lists both patients who received it.
//!
//! Screenshots go to `target/browser-screenshots/after-NN-step.png`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, choose, click, in_fresh_browser, is_present, sign_in, text,
    type_into, wait_for,
};
use cellpath_domain::plan::{SessionStatus, TreatmentSession};
use cellpath_domain::{Role, SessionId};
use cellpath_test_support::{Backend, PASSWORD, TestServer};
use chrono::{Duration, Utc};
use fantoccini::Client;
use std::sync::Arc;
use std::time::Instant;

#[tokio::test]
async fn after_the_session_in_the_browser() {
    let started = Instant::now();
    let server = Arc::new(TestServer::start(&Backend::Sqlite).await);
    let driver = ChromeDriver::start().await;
    let mut shots = Screenshots::new("after-");
    let session = diary_session(&server).await;
    shots = in_fresh_browser(
        &driver,
        "diary red flag",
        server.clone(),
        shots,
        move |s, c, sh| patient_writes_a_red_flag(s, c, sh, session),
    )
    .await;
    shots = in_fresh_browser(&driver, "triage", server.clone(), shots, nurse_triages).await;
    shots = in_fresh_browser(
        &driver,
        "adverse event lookback",
        server.clone(),
        shots,
        traced_to_kit_lot,
    )
    .await;
    eprintln!(
        "after-the-session browser scenarios took {:.1} s; screenshots:",
        started.elapsed().as_secs_f64()
    );
    for shot in &shots.taken {
        eprintln!("  {}", shot.display());
    }
    drop(driver);
}

/// "Amal Haddad", treated two days ago, with a portal account `amal`.
async fn diary_session(server: &TestServer) -> SessionId {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
    let starts_at = Utc::now() - Duration::days(2);
    let session = TreatmentSession {
        id: SessionId::new(),
        plan_id: plan,
        patient_id: patient.id,
        site_id: patient.site_id,
        number: 1,
        starts_at,
        protocol_version: 1,
        status: SessionStatus::Planned,
        version: 1,
        created_at: starts_at,
        updated_at: starts_at,
    };
    let mut tx = clinic.app.store().begin().await.expect("begin");
    tx.insert_treatment_session(&session)
        .await
        .expect("session");
    tx.commit().await.expect("commit");
    let (token, _) = clinic
        .app
        .invite_patient(clinic.actor(Role::Nurse), patient.id)
        .await
        .expect("invite");
    clinic
        .app
        .accept_invitation(&token, "amal", PASSWORD)
        .await
        .expect("accept");
    session.id
}

async fn patient_writes_a_red_flag(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    sign_in(&client, &server, "amal").await;
    client
        .goto(&server.url("/portal/sessions"))
        .await
        .expect("my sessions");
    wait_for(&client, "a.diary-link").await;
    click(&client, "a.diary-link").await;
    wait_for(&client, "#diary-form").await;
    assert!(
        text(&client, "#expected-today")
            .await
            .contains("first day or two"),
        "what is usual today is shown"
    );
    shots.take(&client, "diary").await;
    type_into(&client, "#f-d-pain_injection", "5").await;
    type_into(&client, "#f-d-pain_harvest", "3").await;
    choose(&client, "#f-d-swelling", "moderate").await;
    type_into(&client, "#f-d-temperature", "39.6").await;
    click(&client, "#diary-form input[name='chills']").await;
    click(&client, "#diary-save").await;
    wait_for(&client, "#call-now").await;
    let call = text(&client, "#call-now").await;
    assert!(call.contains("Call the clinic now"), "{call}");
    assert!(
        call.contains("+971 4 555 0123"),
        "the clinic's number: {call}"
    );
    assert!(
        call.contains("Fever of 39.4") && call.contains("Chills"),
        "{call}"
    );
    assert!(
        is_present(&client, "#clinic-phone[href='tel:+971 4 555 0123']").await,
        "a tap calls the clinic"
    );
    shots.take(&client, "call-now").await;
    let diary = server
        .clinic
        .app
        .diary(server.clinic.actor(Role::Nurse), session)
        .await
        .expect("diary");
    assert_eq!(diary.lines.len(), 1);
    shots
}

async fn nurse_triages(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    sign_in(&client, &server, "nurse").await;
    click(&client, "nav a[href='/triage']").await;
    wait_for(&client, "#triage-queue").await;
    let first = "#triage-queue > li:first-child";
    assert!(
        text(&client, first).await.contains("Fever of 39.4"),
        "the urgent alert first"
    );
    shots.take(&client, "queue").await;
    click(&client, &format!("{first} form[action$='/take'] button")).await;
    wait_for(&client, "#triage-queue > li:first-child .owner bdi").await;
    assert_eq!(
        text(&client, "#triage-queue > li:first-child .owner").await,
        "Test nurse"
    );
    // Closing without a note is refused next to the note.
    click(
        &client,
        "#triage-queue > li:first-child form[action$='/close'] button",
    )
    .await;
    wait_for(&client, "#triage-queue > li:first-child p.error").await;
    type_into(
        &client,
        "#triage-queue > li:first-child textarea",
        "Called the patient; seen the same day.",
    )
    .await;
    click(
        &client,
        "#triage-queue > li:first-child form[action$='/close'] button",
    )
    .await;
    wait_for(&client, "#triage-queue > li:only-child").await;
    assert!(text(&client, "#triage-queue").await.contains("Chills"));
    shots.take(&client, "closed").await;
    shots
}

async fn traced_to_kit_lot(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    let first = server.clinic.administered("Layla", "Saad", "KL-90").await;
    let second = server.clinic.administered("Huda", "Karim", "KL-90").await;
    sign_in(&client, &server, "physician").await;
    client
        .goto(&server.url(&format!("/sessions/{}/day", first.session)))
        .await
        .expect("the day");
    wait_for(&client, "#adverse-link").await;
    click(&client, "#adverse-link").await;
    wait_for(&client, "#ae-form").await;
    type_into(&client, "#f-ae-what", "Swelling and warmth of the knee").await;
    let onset = (Utc::now() - Duration::hours(3))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    type_into(&client, "#f-ae-onset_at", &onset).await;
    choose(&client, "#f-ae-grade", "2").await;
    choose(&client, "#f-ae-relatedness", "possible").await;
    choose(&client, "#f-ae-outcome", "recovering").await;
    click(&client, "#ae-form button[type='submit']").await;
    wait_for(&client, "#ae-list").await;
    shots.take(&client, "event-recorded").await;
    // One click to the product's lookback, one more to its kit lot's.
    click(&client, "#ae-list a.lookback-link").await;
    wait_for(&client, "#lookback-rows").await;
    click(&client, "#lookback-rows a[href='/lookback?kit_lot=KL-90']").await;
    wait_for(&client, "#lookback-heading").await;
    let heading = text(&client, "#lookback-heading").await;
    assert!(
        heading.contains("KL-90") && heading.contains("2 patients"),
        "{heading}"
    );
    let rows = text(&client, "#lookback-rows").await;
    assert!(
        rows.contains("Layla Saad") && rows.contains("Huda Karim"),
        "{rows}"
    );
    assert!(
        rows.contains("Swelling and warmth of the knee"),
        "the event is on its row: {rows}"
    );
    assert!(rows.contains(&second.product_id.printed()));
    shots.take(&client, "kit-lot-lookback").await;
    shots
}
