//! Browser tests of the session day (issue 5, point 11), in headless
//! Chromium against the real server:
//!
//! 1. a whole autologous session from check-in to discharge: the nurse
//!    checks the patient in and records the harvest, the lab receives the
//!    specimen by scan, processes it and records quality control, a second
//!    technician releases the product, and at the bedside two people scan
//!    the wristband and the product before the injection, monitoring and
//!    discharge;
//! 2. an allogeneic one: a donor lot received, quarantined and released by
//!    the lab, assigned by scan at the bedside, checked and given;
//! 3. a blocked bedside check: another patient's released product scanned
//!    at this bedside is refused in red, cannot be overridden, and the
//!    injection cannot start.
//!
//! Every scan is typed as a scanner types it: the characters and Enter,
//! into the field that has the focus (nobody clicks into it first). Each
//! person works in a Chromium session of their own. Screenshots go to
//! `target/browser-screenshots/day-NN-step.png`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, choose, click, find, in_fresh_browser, is_present, scroll_to,
    set_date, sign_in, text, type_into, wait_for,
};
use cellpath_app::Actor;
use cellpath_app::lab::{ProcessingDraft, QcDraft};
use cellpath_app::session_day::{CheckDraft, HarvestDraft, VitalsDraft};
use cellpath_domain::cells::UnitStatus;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{Role, SessionId};
use cellpath_test_support::{Backend, PASSWORD, TestServer};
use chrono::Duration;
use fantoccini::Client;
use fantoccini::key::Key;
use std::sync::Arc;
use std::time::Instant;

/// What a person types when a step ran outside the protocol's range (the
/// steps of a test run take seconds).
const REASON: &str = "Browser test: the steps ran in seconds.";

#[tokio::test]
async fn session_days_run_in_the_browser() {
    let started = Instant::now();
    let server = Arc::new(TestServer::start(&Backend::Sqlite).await);
    let driver = ChromeDriver::start().await;
    let mut shots = Screenshots::new("day-");
    shots = autologous(&driver, server.clone(), shots).await;
    shots = allogeneic(&driver, server.clone(), shots).await;
    shots = in_fresh_browser(&driver, "blocked", server.clone(), shots, blocked).await;
    eprintln!(
        "session day browser scenarios took {:.1} s; screenshots:",
        started.elapsed().as_secs_f64()
    );
    for shot in &shots.taken {
        eprintln!("  {}", shot.display());
    }
    drop(driver);
}

// ---------------------------------------------------------------------
// Set-up through the use cases: a patient, an approved plan, consent and
// a booked session (the pages of those are tested elsewhere).
// ---------------------------------------------------------------------

/// `given family` (born 1970-05-04) with an approved plan (the fixture's
/// knee plan, or `plan`), consent taken and the first free session booked.
async fn booked(
    server: &TestServer,
    given: &str,
    family: &str,
    plan: Option<PlanDraft>,
) -> SessionId {
    let clinic = &server.clinic;
    let (patient, plan) = match plan {
        None => clinic.approved_knee_plan(given, family).await,
        Some(draft) => clinic.approved_plan(given, family, &draft).await,
    };
    clinic.consented(&patient, plan).await;
    clinic.booked(plan).await
}

fn allogeneic_plan() -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "left".into(),
        cell_source: "allogeneic".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// A session taken through check-in, harvest and the lab by the use cases,
/// up to a released product: its wristband code and the product's printed
/// identifier.
async fn ready_for_bedside(
    server: &TestServer,
    given: &str,
    family: &str,
) -> (SessionId, String, String) {
    let clinic = &server.clinic;
    let app = &clinic.app;
    let session = booked(server, given, family, None).await;
    let nurse = clinic.actor(Role::Nurse);
    let lab = clinic.actor(Role::LabTech);
    let identity = CheckDraft {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: "1970-05-04".into(),
        ..CheckDraft::default()
    };
    app.record_check(nurse, session, "identity", &identity)
        .await
        .expect("identity");
    for item in [
        "wristband",
        "consent",
        "nsaid_pause",
        "allergies",
        "time_out",
    ] {
        app.record_check(nurse, session, item, &CheckDraft::default())
            .await
            .unwrap_or_else(|e| panic!("{item}: {e:?}"));
    }
    let vitals = CheckDraft {
        vitals: VitalsDraft {
            systolic: "124".into(),
            diastolic: "78".into(),
            pulse: "72".into(),
            temperature: "36.8".into(),
            spo2: "98".into(),
        },
        ..CheckDraft::default()
    };
    app.record_check(nurse, session, "vitals", &vitals)
        .await
        .expect("vitals");
    app.finish_step(nurse, session, "check_in", "")
        .await
        .expect("checked in");
    app.start_step(nurse, session, "harvest", "")
        .await
        .expect("harvest");
    let harvest = HarvestDraft {
        source_site: "Posterior iliac crest".into(),
        side: "left".into(),
        volume_ml: "60".into(),
        anaesthetic: "Lidocaine 1%".into(),
        dose: "10 mL".into(),
    };
    let specimen = app
        .record_harvest(nurse, session, &harvest)
        .await
        .expect("specimen");
    app.finish_step(nurse, session, "harvest", REASON)
        .await
        .expect("harvested");
    let specimen_id = app
        .unit_label(nurse, &specimen.id.to_string())
        .await
        .expect("label")
        .donation_id;
    app.receive_specimen(lab, clinic.site, &specimen_id.barcode_data())
        .await
        .expect("received");
    app.start_step(lab, session, "processing", "")
        .await
        .expect("processing");
    let processing = ProcessingDraft {
        method: "Density gradient".into(),
        centrifuge_programme: "P2".into(),
        cabinet: "BSC-1".into(),
        kit_lots: "K-17".into(),
    };
    let product = app
        .record_processing(lab, specimen.id, &processing)
        .await
        .expect("product");
    let qc = QcDraft {
        volume_ml: "8.0".into(),
        cells_millions: "400".into(),
        viability_percent: "92".into(),
    };
    app.record_qc(lab, product.id, &qc).await.expect("qc");
    app.release_product(&clinic.second_lab_tech, product.id)
        .await
        .expect("released");
    app.finish_step(lab, session, "processing", REASON)
        .await
        .expect("processed");
    (
        session,
        wristband_of(server, session).await,
        printed(server, product.id).await,
    )
}

async fn wristband_of(server: &TestServer, session: SessionId) -> String {
    server
        .clinic
        .app
        .session_day(server.clinic.actor(Role::Nurse), session)
        .await
        .expect("day")
        .wristband
        .expect("a wristband")
        .to_string()
}

/// A unit's identifier as printed on its label.
async fn printed(server: &TestServer, unit: uuid::Uuid) -> String {
    server
        .clinic
        .app
        .unit_label(server.clinic.actor(Role::Nurse), &unit.to_string())
        .await
        .expect("label")
        .donation_id
        .printed()
}

fn nurse(server: &TestServer) -> &Actor {
    server.clinic.actor(Role::Nurse)
}

// ---------------------------------------------------------------------
// What people do on the pages.
// ---------------------------------------------------------------------

/// A scanner reading `data`: the characters and Enter, typed into the
/// field that has the focus.
async fn scan(client: &Client, data: &str) {
    let field = client.active_element().await.expect("the focused field");
    let name = field.attr("name").await.expect("name").unwrap_or_default();
    assert!(
        !name.is_empty() && name != "csrf",
        "a scan field has the focus, not {name:?}"
    );
    field
        .send_keys(&format!("{data}{}", &*Key::Enter))
        .await
        .unwrap_or_else(|e| panic!("scanning into `{name}`: {e}"));
}

/// The focused field's name.
async fn focused(client: &Client) -> String {
    client
        .active_element()
        .await
        .expect("the focused field")
        .attr("name")
        .await
        .expect("name")
        .unwrap_or_default()
}

async fn open_day(client: &Client, server: &TestServer, session: SessionId) {
    client
        .goto(&server.url(&format!("/sessions/{session}/day")))
        .await
        .expect("open the day");
    wait_for(client, "#step-bar").await;
}

/// Starts or finishes `step` with the step form; when the page asks for
/// a reason (the step ran outside the protocol), types one and sends again.
async fn step(client: &Client, step: &str, action: &str) {
    let form = format!("#step-form[action$='/steps/{step}/{action}']");
    wait_for(client, &form).await;
    click(client, "#step-button").await;
    let state = if action == "start" { "running" } else { "done" };
    let moved = format!("#step-{step}[data-state='{state}']");
    wait_for(client, &format!("{moved}, #e-step-reason")).await;
    if is_present(client, "#e-step-reason").await {
        type_into(client, "#f-step-reason", REASON).await;
        click(client, "#step-button").await;
        wait_for(client, &moved).await;
    }
}

/// Sends a checklist item's form and waits for it to be ticked.
async fn tick(client: &Client, code: &str) {
    click(client, &format!("#form-check-{code} button[type='submit']")).await;
    wait_for(client, &format!("#check-{code}[data-done='true']")).await;
}

/// The nurse checks the patient in from the day page: identity by two
/// identifiers, the wristband, consent, NSAID pause, allergies, vitals
/// and the time-out; finishing is refused while an item is missing.
async fn check_in(client: &Client, shots: &mut Screenshots, given: &str, family: &str) {
    type_into(client, "#f-id-given_name", given).await;
    type_into(client, "#f-id-family_name", family).await;
    set_date(
        client,
        "#form-check-identity",
        "date_of_birth",
        "1970-05-04",
    )
    .await;
    tick(client, "identity").await;
    tick(client, "wristband").await;
    assert!(
        is_present(client, "#wristband-code").await,
        "the wristband is offered to print"
    );
    for code in ["consent", "nsaid_pause", "allergies"] {
        tick(client, code).await;
    }
    // The time-out is still missing: finishing check-in says so.
    click(client, "#step-button").await;
    wait_for(client, "#form-banner").await;
    let banner = text(client, "#form-banner").await;
    assert!(
        banner.contains("Time-out"),
        "the missing item is named: {banner}"
    );
    for (field, value) in [
        ("systolic", "124"),
        ("diastolic", "78"),
        ("pulse", "72"),
        ("temperature", "36.8"),
        ("spo2", "98"),
    ] {
        type_into(client, &format!("#f-cv-{field}"), value).await;
    }
    tick(client, "vitals").await;
    tick(client, "time_out").await;
    wait_for(client, "#checklist-complete").await;
    shots.take(client, "checked-in").await;
    step(client, "check_in", "finish").await;
}

/// The bedside check as two people do it: the nurse scans the wristband
/// and the product, the physician scans both again and signs with their
/// password. Each Enter sends the form; the page comes back with the next
/// field focused.
async fn bedside_scans(client: &Client, wristband: &str, product: &str) {
    wait_for(client, "#bedside-form").await;
    for (field, data) in [
        ("wristband", wristband),
        ("product", product),
        ("second_wristband", wristband),
        ("second_product", product),
        ("second_username", "physician"),
    ] {
        assert_eq!(
            focused(client).await,
            field,
            "the next scan goes to {field}"
        );
        scan(client, data).await;
        wait_for(client, &format!("#f-b-{field}[value='{data}']")).await;
    }
    assert_eq!(focused(client).await, "second_password");
    scan(client, PASSWORD).await;
}

/// From a passed bedside check to discharge: the injection with the plan's
/// defaults, monitoring with the discharge criteria, and discharge.
async fn injection_to_discharge(client: &Client, shots: &mut Screenshots) {
    step(client, "injection", "start").await;
    wait_for(client, "#injection-form").await;
    type_into(client, "#f-inj-volume_ml", "4.0").await;
    click(client, "#injection-form button[type='submit']").await;
    wait_for(client, "#records h3").await;
    step(client, "injection", "finish").await;
    step(client, "monitoring", "start").await;
    wait_for(client, "#monitoring-form").await;
    for (field, value) in [
        ("systolic", "122"),
        ("diastolic", "76"),
        ("pulse", "70"),
        ("temperature", "36.9"),
        ("spo2", "99"),
        ("pain", "2"),
    ] {
        type_into(client, &format!("#f-mon-{field}"), value).await;
    }
    for criterion in [
        "vitals_stable",
        "pain_controlled",
        "sites_dry",
        "walking",
        "instructions_given",
    ] {
        click(
            client,
            &format!("#monitoring-form input[name='criterion_{criterion}']"),
        )
        .await;
    }
    scroll_to(client, "#monitoring-form").await;
    shots.take(client, "monitoring").await;
    click(client, "#monitoring-form button[type='submit']").await;
    wait_for(client, "#step-monitoring[data-state='running']").await;
    step(client, "monitoring", "finish").await;
    step(client, "discharge", "start").await;
    step(client, "discharge", "finish").await;
    wait_for(client, "#discharged").await;
    assert!(is_present(client, "#discharge-link").await);
    shots.take(client, "discharged").await;
}

// ---------------------------------------------------------------------
// Scenario 1: a whole autologous session.
// ---------------------------------------------------------------------

async fn autologous(
    driver: &ChromeDriver,
    server: Arc<TestServer>,
    shots: Screenshots,
) -> Screenshots {
    let session = booked(&server, "Amal", "Haddad", None).await;
    let shots = in_fresh_browser(
        driver,
        "autologous: check-in and harvest",
        server.clone(),
        shots,
        move |server, client, shots| nurse_checks_in_and_harvests(server, client, shots, session),
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "autologous: the lab",
        server.clone(),
        shots,
        move |server, client, shots| lab_processes(server, client, shots, session),
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "autologous: release",
        server.clone(),
        shots,
        move |server, client, shots| second_technician_releases(server, client, shots, session),
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "autologous: processing finished",
        server.clone(),
        shots,
        move |server, client, shots| lab_finishes_processing(server, client, shots, session),
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "autologous: bedside to discharge",
        server.clone(),
        shots,
        move |server, client, shots| bedside_to_discharge(server, client, shots, session),
    )
    .await;
    let day = server
        .clinic
        .app
        .session_day(nurse(&server), session)
        .await
        .expect("day");
    assert!(day.day.is_discharged(), "the session ended in discharge");
    let product = day.product().expect("the product given");
    assert_eq!(product.status, UnitStatus::Administered);
    assert_eq!(
        product.session_id,
        Some(session),
        "the patient's own product"
    );
    shots
}

async fn nurse_checks_in_and_harvests(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    sign_in(&client, &server, "nurse").await;
    open_day(&client, &server, session).await;
    shots.take(&client, "autologous-day").await;
    check_in(&client, &mut shots, "Amal", "Haddad").await;
    step(&client, "harvest", "start").await;
    wait_for(&client, "#harvest-form").await;
    type_into(&client, "#f-h-source_site", "Posterior iliac crest").await;
    choose(&client, "#f-h-side", "left").await;
    type_into(&client, "#f-h-volume_ml", "60").await;
    type_into(&client, "#f-h-anaesthetic", "Lidocaine 1%").await;
    type_into(&client, "#f-h-dose", "10 mL").await;
    click(&client, "#harvest-form button[type='submit']").await;
    wait_for(&client, "#units-table .unit-id").await;
    scroll_to(&client, "#units-table").await;
    shots.take(&client, "specimen-labelled").await;
    step(&client, "harvest", "finish").await;
    shots
}

async fn lab_processes(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    let app = &server.clinic.app;
    let specimen = app
        .session_day(nurse(&server), session)
        .await
        .expect("day")
        .specimen()
        .expect("a specimen")
        .clone();
    let specimen_id = app
        .unit_label(nurse(&server), &specimen.id.to_string())
        .await
        .expect("label")
        .donation_id;
    sign_in(&client, &server, "lab_tech").await;
    client
        .goto(&server.url("/lab"))
        .await
        .expect("open the lab");
    wait_for(&client, "#scan-form").await;
    scan(&client, &specimen_id.barcode_data()).await;
    wait_for(&client, "#received-note").await;
    shots.take(&client, "received-by-scan").await;

    client
        .goto(&server.url(&format!("/lab/units/{}", specimen.id)))
        .await
        .expect("open the specimen");
    let start = format!("form[action='/lab/units/{}/start-processing']", specimen.id);
    wait_for(&client, &start).await;
    click(&client, &format!("{start} button[type='submit']")).await;
    let processing = format!("form[action='/lab/units/{}/processing']", specimen.id);
    wait_for(&client, &processing).await;
    for (field, value) in [
        ("method", "Density gradient"),
        ("centrifuge_programme", "P2"),
        ("cabinet", "BSC-1"),
        ("kit_lots", "K-17"),
    ] {
        type_into(&client, &format!("#f-p-{field}"), value).await;
    }
    click(&client, &format!("{processing} button[type='submit']")).await;
    // The product's own page, derived from the specimen.
    wait_for(&client, "#parent-link").await;
    let qc = "form[action$='/qc']";
    wait_for(&client, qc).await;
    for (field, value) in [
        ("volume_ml", "8.0"),
        ("cells_millions", "400"),
        ("viability_percent", "92"),
    ] {
        type_into(&client, &format!("#f-q-{field}"), value).await;
    }
    click(&client, &format!("{qc} button[type='submit']")).await;
    wait_for(&client, "form[action$='/release']").await;
    shots.take(&client, "awaiting-release").await;
    // Whoever processed it cannot release it.
    click(&client, "form[action$='/release'] button[type='submit']").await;
    wait_for(&client, "#release [role='alert']").await;
    let said = text(&client, "#release [role='alert']").await;
    assert!(!said.is_empty(), "the refusal says why");
    assert_eq!(text(&client, "#unit-status").await, "Awaiting release");
    shots
}

async fn second_technician_releases(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    let product = server
        .clinic
        .app
        .session_day(nurse(&server), session)
        .await
        .expect("day")
        .product()
        .expect("a product")
        .id;
    sign_in(&client, &server, "lab-two").await;
    client
        .goto(&server.url(&format!("/lab/units/{product}")))
        .await
        .expect("open the product");
    wait_for(&client, "#criteria").await;
    click(&client, "form[action$='/release'] button[type='submit']").await;
    wait_for(&client, "#unit-status.released").await;
    shots.take(&client, "released").await;
    shots
}

async fn lab_finishes_processing(
    server: Arc<TestServer>,
    client: Client,
    shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    let product = server
        .clinic
        .app
        .session_day(nurse(&server), session)
        .await
        .expect("day")
        .product()
        .expect("a product")
        .id;
    sign_in(&client, &server, "lab_tech").await;
    client
        .goto(&server.url(&format!("/lab/units/{product}")))
        .await
        .expect("open the product");
    let finish = "form[action$='/finish-processing']";
    wait_for(&client, finish).await;
    click(&client, &format!("{finish} button[type='submit']")).await;
    wait_for(&client, "#e-f-reason").await;
    type_into(&client, "#f-f-reason", REASON).await;
    click(&client, &format!("{finish} button[type='submit']")).await;
    wait_for(&client, "#unit-status.released").await;
    assert!(!is_present(&client, finish).await, "processing is finished");
    shots
}

async fn bedside_to_discharge(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    let day = server
        .clinic
        .app
        .session_day(nurse(&server), session)
        .await
        .expect("day");
    let product = printed(&server, day.product().expect("a product").id).await;
    let wristband = day.wristband.expect("a wristband").to_string();
    sign_in(&client, &server, "nurse").await;
    open_day(&client, &server, session).await;
    assert!(
        !is_present(&client, "#injection-form").await,
        "no injection record before the bedside check"
    );
    bedside_scans(&client, &wristband, &product).await;
    wait_for(&client, "#bedside-passed").await;
    shots.take(&client, "bedside-passed").await;
    injection_to_discharge(&client, &mut shots).await;
    shots
}

// ---------------------------------------------------------------------
// Scenario 2: an allogeneic session with a donor lot.
// ---------------------------------------------------------------------

async fn allogeneic(
    driver: &ChromeDriver,
    server: Arc<TestServer>,
    shots: Screenshots,
) -> Screenshots {
    let session = booked(&server, "Omar", "Nasser", Some(allogeneic_plan())).await;
    let shots = in_fresh_browser(
        driver,
        "allogeneic: donor lot received",
        server.clone(),
        shots,
        receive_lot,
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "allogeneic: donor lot released",
        server.clone(),
        shots,
        release_lot,
    )
    .await;
    let shots = in_fresh_browser(
        driver,
        "allogeneic: the day",
        server.clone(),
        shots,
        move |server, client, shots| allogeneic_day(server, client, shots, session),
    )
    .await;
    let day = server
        .clinic
        .app
        .session_day(nurse(&server), session)
        .await
        .expect("day");
    assert!(day.day.is_discharged());
    let lot = day.product().expect("the donor lot given");
    assert_eq!(lot.status, UnitStatus::Administered);
    assert_eq!(lot.supplier_lot.as_deref(), Some("LOT-BROWSER"));
    shots
}

/// The lot of this scenario, found by its supplier's lot number.
async fn the_lot(server: &TestServer) -> cellpath_app::UnitRow {
    let app = &server.clinic.app;
    let queue = app
        .lab_queue(server.clinic.actor(Role::LabTech), server.clinic.site)
        .await
        .expect("lab queue");
    queue
        .units
        .iter()
        .find(|u| u.supplier_lot.as_deref() == Some("LOT-BROWSER"))
        .cloned()
        .expect("the donor lot is in the lab's queue")
}

async fn receive_lot(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    sign_in(&client, &server, "lab_tech").await;
    client
        .goto(&server.url("/lab/donor-lots"))
        .await
        .expect("open the donor lots");
    wait_for(&client, "#lot-form").await;
    for (field, value) in [
        ("supplier", "Cell bank"),
        ("supplier_lot", "LOT-BROWSER"),
        ("description", "Allogeneic MSC"),
        ("volume_ml", "5"),
    ] {
        type_into(&client, &format!("#f-l-{field}"), value).await;
    }
    let expires = (server.clinic.app.now() + Duration::days(30))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    type_into(&client, "#f-l-expires_at", &expires).await;
    click(&client, "#lot-form button[type='submit']").await;
    wait_for(&client, "#lots-quarantined").await;
    shots.take(&client, "lot-quarantined").await;
    shots
}

async fn release_lot(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    let lot = the_lot(&server).await;
    assert_eq!(lot.status, UnitStatus::Quarantined);
    sign_in(&client, &server, "lab-two").await;
    client
        .goto(&server.url(&format!("/lab/units/{}", lot.id)))
        .await
        .expect("open the lot");
    let release = "form[action$='/release-lot']";
    wait_for(&client, release).await;
    click(&client, &format!("{release} button[type='submit']")).await;
    wait_for(&client, "#unit-status.released").await;
    shots.take(&client, "lot-released").await;
    shots
}

async fn allogeneic_day(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    session: SessionId,
) -> Screenshots {
    let lot = the_lot(&server).await;
    let lot_id = printed(&server, lot.id).await;
    sign_in(&client, &server, "nurse").await;
    open_day(&client, &server, session).await;
    assert!(
        !is_present(&client, "#step-harvest").await,
        "no harvest for donor cells"
    );
    check_in(&client, &mut shots, "Omar", "Nasser").await;
    step(&client, "donor_preparation", "start").await;
    wait_for(&client, "#donor-lot-form").await;
    assert_eq!(
        focused(&client).await,
        "scan",
        "the lot's scan field has the focus"
    );
    let scanned = cellpath_domain::donation::DonationId::parse(&lot_id)
        .expect("identifier")
        .barcode_data();
    scan(&client, &scanned).await;
    wait_for(&client, "#units-table .unit-id").await;
    shots.take(&client, "lot-assigned").await;
    step(&client, "donor_preparation", "finish").await;
    let wristband = wristband_of(&server, session).await;
    bedside_scans(&client, &wristband, &lot_id).await;
    wait_for(&client, "#bedside-passed").await;
    injection_to_discharge(&client, &mut shots).await;
    let chain = text(&client, "#chain-table").await;
    assert!(chain.contains(&lot_id), "the lot is in the chain: {chain}");
    shots
}

// ---------------------------------------------------------------------
// Scenario 3: another patient's product at this bedside.
// ---------------------------------------------------------------------

async fn blocked(server: Arc<TestServer>, client: Client, mut shots: Screenshots) -> Screenshots {
    let (session, wristband, own) = ready_for_bedside(&server, "Layla", "Saad").await;
    let (_, _, theirs) = ready_for_bedside(&server, "Huda", "Karim").await;
    sign_in(&client, &server, "nurse").await;
    open_day(&client, &server, session).await;
    bedside_scans(&client, &wristband, &theirs).await;
    wait_for(&client, "#bedside-failure").await;
    let failure = text(&client, "#bedside-failure").await;
    assert!(
        failure.contains("not this patient's"),
        "the reason is given: {failure}"
    );
    assert!(failure.contains("cannot be overridden"), "{failure}");
    let colour = find(&client, "#bedside-failure p.error")
        .await
        .css_value("color")
        .await
        .expect("colour");
    assert!(
        colour.starts_with("rgb(") || colour.starts_with("rgba("),
        "{colour}"
    );
    let channels: Vec<u32> = colour
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|c| c.trim().parse().expect("a channel"))
        .collect();
    assert!(
        channels[0] > channels[1] + 60 && channels[0] > channels[2] + 60,
        "the failure is shown in red: {colour}"
    );
    scroll_to(&client, "#bedside-failure").await;
    shots.take(&client, "bedside-blocked").await;
    assert!(!is_present(&client, "#injection-form").await);

    // No way round it: the injection does not start.
    wait_for(&client, "#step-form[action$='/steps/injection/start']").await;
    click(&client, "#step-button").await;
    wait_for(&client, "#form-banner").await;
    let banner = text(&client, "#form-banner").await;
    assert!(banner.contains("No passed bedside check"), "{banner}");
    assert!(is_present(&client, "#step-injection[data-state='waiting']").await);
    let chain = text(&client, "#chain-table").await;
    assert!(
        chain.contains("Refused"),
        "the refused scan is recorded: {chain}"
    );
    let deviations = text(&client, "#deviation-list").await;
    assert!(deviations.contains("Failed bedside check"), "{deviations}");

    // The patient's own product then passes.
    bedside_scans(&client, &wristband, &own).await;
    wait_for(&client, "#bedside-passed").await;
    shots.take(&client, "bedside-own-product").await;
    shots
}
