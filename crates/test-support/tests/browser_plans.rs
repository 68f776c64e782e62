//! Browser tests before the session (issue 3, point 8): a physician screens
//! a patient and signs the decision, a contradictory plan is refused at its
//! field, a patient signs consent in Arabic, and the preparation checklist
//! ticked in the portal shows as ready on the coordinator's board.
//!
//! One server and one chromedriver; each scenario gets its own Chromium
//! session with a fresh profile. Screenshots go to
//! `target/browser-screenshots/plans-NN-step.png`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, assert_arabic_right_to_left, attr, body_text, choose, click, find,
    find_all, in_fresh_browser, is_present, path, scroll_to, sign_in, text, type_into, wait_for,
};
use cellpath_app::Actor;
use cellpath_domain::consent::{ConsentState, SignatureDraft};
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::plan::{PlanDraft, PlanStatus};
use cellpath_domain::{Locale, PatientId, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, patient_draft, strip_isolation};
use cellpath_web::i18n::{tr, tr_args};
use fantoccini::Client;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use std::sync::Arc;
use std::time::{Duration, Instant};

const JUSTIFICATION: &str = "INR checked; warfarin bridged for the procedure.";

/// A knee plan as the app tests write it.
fn knee_plan() -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "left".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// Registers a patient (by the nurse) with a recent knee image, so that
/// screening finds only what the scenario adds.
async fn patient_with_imaging(server: &TestServer, given: &str, family: &str) -> PatientId {
    let app = &server.clinic.app;
    let nurse = server.clinic.actor(Role::Nurse);
    let patient = app
        .register_patient(nurse, None, &patient_draft(given, family))
        .await
        .expect("patient");
    let imaging = IntakeDraft {
        name: "Left knee".into(),
        code: "mri".into(),
        start_date: app.now().date_naive().to_string(),
        ..IntakeDraft::default()
    };
    app.add_intake(nurse, patient.id, IntakeKind::Imaging, &imaging)
        .await
        .expect("imaging");
    patient.id
}

/// Gives the patient a portal account through the invitation, as the app does.
async fn portal_user(server: &TestServer, patient: PatientId, username: &str) -> Actor {
    let app = &server.clinic.app;
    let (invitation, _) = app
        .invite_patient(server.clinic.actor(Role::Nurse), patient)
        .await
        .expect("invite");
    app.accept_invitation(&invitation, username, PASSWORD)
        .await
        .expect("accept")
        .actor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_plans_consent_and_preparation_in_the_browser() {
    let started = Instant::now();
    let server = Arc::new(TestServer::start(&Backend::Sqlite).await);
    let driver = ChromeDriver::start().await;
    let mut shots = Screenshots::new("plans-");

    shots = in_fresh_browser(&driver, "screening", server.clone(), shots, screening).await;
    shots = in_fresh_browser(&driver, "refused plan", server.clone(), shots, refused_plan).await;
    shots = in_fresh_browser(
        &driver,
        "Arabic consent",
        server.clone(),
        shots,
        arabic_consent,
    )
    .await;
    shots = in_fresh_browser(&driver, "preparation", server.clone(), shots, preparation).await;

    eprintln!(
        "plan browser scenarios took {:.1} s; screenshots:",
        started.elapsed().as_secs_f64()
    );
    for shot in &shots.taken {
        eprintln!("  {}", shot.display());
    }
    drop(driver);
}

/// Scenario 1: the physician writes a knee plan for a patient on an NSAID
/// and an anticoagulant, sees both named, and goes ahead with a justification.
async fn screening(server: Arc<TestServer>, client: Client, mut shots: Screenshots) -> Screenshots {
    let app = &server.clinic.app;
    let nurse = server.clinic.actor(Role::Nurse);
    let patient = patient_with_imaging(&server, "Amal", "Screened").await;
    for (name, class) in [("Ibuprofen", "nsaid"), ("Warfarin", "anticoagulant")] {
        let medication = IntakeDraft {
            name: name.into(),
            code: class.into(),
            ..IntakeDraft::default()
        };
        app.add_intake(nurse, patient, IntakeKind::Medication, &medication)
            .await
            .expect("medication");
    }

    sign_in(&client, &server, "physician").await;
    let plans_path = format!("/patients/{patient}/plans");
    client
        .goto(&server.url(&plans_path))
        .await
        .expect("open the plans");
    wait_for(&client, "#plan-form").await;
    assert!(is_present(&client, "#no-plans").await, "no plan yet");
    for (field, value) in [
        ("indication", "osteoarthritis"),
        ("target_site", "knee"),
        ("side", "left"),
        ("cell_source", "bone_marrow"),
        ("guidance", "ultrasound"),
        ("anaesthesia", "local"),
    ] {
        choose(&client, &format!("#plan-form #f-p-{field}"), value).await;
    }
    type_into(&client, "#plan-form #f-p-planned_sessions", "2").await;
    shots.take(&client, "knee-plan-form").await;
    click(&client, "#plan-form button[type='submit']").await;

    let card = wait_for(&client, "section.plan").await;
    assert_eq!(path(&client).await, plans_path);
    let card_id = card
        .attr("id")
        .await
        .expect("id")
        .expect("the card has an id");
    let plan = card_id
        .strip_prefix("plan-")
        .expect("the card is plan-{id}")
        .to_string();
    let card = format!("#plan-{plan}");
    assert_eq!(
        text(&client, &format!("{card} #outcome-{plan}")).await,
        tr(Locale::En, "outcome-needs-review")
    );
    let mut findings = Vec::new();
    for item in find_all(&client, &format!("{card} ul.findings li")).await {
        findings.push(strip_isolation(&item.text().await.expect("finding text")));
    }
    assert_eq!(findings.len(), 2, "two findings: {findings:?}");
    let nsaid = strip_isolation(&tr_args(
        Locale::En,
        "finding-nsaid-pause",
        &[("names", "Ibuprofen".to_string())],
    ));
    let bleeding = strip_isolation(&tr_args(
        Locale::En,
        "finding-bleeding-risk",
        &[("names", "Warfarin".to_string())],
    ));
    assert!(
        findings[0].contains(&nsaid) && !findings[0].contains("Warfarin"),
        "the first finding is the NSAID pause, naming ibuprofen: {findings:?}"
    );
    assert!(
        findings[1].contains(&bleeding) && !findings[1].contains("Ibuprofen"),
        "the second finding is the bleeding risk, naming warfarin: {findings:?}"
    );
    shots.take(&client, "screening-findings").await;

    // He goes ahead over the findings, in writing.
    let decide = format!("#decide-{plan}");
    click(
        &client,
        &format!("{decide} input[name='proceed'][value='proceed']"),
    )
    .await;
    type_into(
        &client,
        &format!("{decide} #f-d-{plan}-justification"),
        JUSTIFICATION,
    )
    .await;
    shots.take(&client, "decision-form").await;
    click(&client, &format!("{decide} button[type='submit']")).await;
    wait_for(&client, &format!("{card} .badge.status-approved")).await;
    assert_eq!(
        text(&client, &format!("{card} .badge.status-approved")).await,
        tr(Locale::En, "plan-status-approved")
    );
    assert_eq!(
        text(&client, &format!("{card} .justification")).await,
        JUSTIFICATION
    );
    assert!(
        text(&client, &format!("{card} p.decision"))
            .await
            .contains("physician"),
        "the decision names who signed it"
    );
    assert!(
        !is_present(&client, &decide).await,
        "a decided plan has no decision form"
    );
    let views = app.plans_of_patient(nurse, patient).await.expect("plans");
    assert_eq!(views[0].plan.status, PlanStatus::Approved);
    let decision = views[0].plan.decision.as_ref().expect("decision recorded");
    assert_eq!(decision.justification.as_deref(), Some(JUSTIFICATION));
    shots.take(&client, "plan-approved").await;
    shots
}

/// Scenario 2: a spinal-disc plan under ultrasound comes back refused, the
/// fluoroscopy message at the guidance field.
async fn refused_plan(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    let patient = server
        .clinic
        .app
        .register_patient(
            server.clinic.actor(Role::Nurse),
            None,
            &patient_draft("Omar", "Refused"),
        )
        .await
        .expect("patient")
        .id;
    sign_in(&client, &server, "physician").await;
    let plans_path = format!("/patients/{patient}/plans");
    client
        .goto(&server.url(&plans_path))
        .await
        .expect("open the plans");
    wait_for(&client, "#plan-form").await;
    for (field, value) in [
        ("indication", "degenerative_disc"),
        ("target_site", "spinal_disc"),
        ("side", "midline"),
        ("cell_source", "bone_marrow"),
        ("guidance", "ultrasound"),
        ("anaesthesia", "local"),
    ] {
        choose(&client, &format!("#plan-form #f-p-{field}"), value).await;
    }
    type_into(&client, "#plan-form #f-p-spinal_level", "L4-L5").await;
    click(&client, "#plan-form button[type='submit']").await;

    let guidance = "#plan-form #f-p-guidance";
    wait_for(&client, &format!("{guidance}[aria-invalid='true']")).await;
    assert_eq!(path(&client).await, plans_path);
    assert!(
        is_present(&client, "#form-banner").await,
        "the form says it has problems"
    );
    let described_by = attr(&client, guidance, "aria-describedby")
        .await
        .expect("the guidance field names its error");
    let error = "#plan-form .field:has(#f-p-guidance) p.error";
    assert_eq!(
        attr(&client, error, "id").await.as_deref(),
        Some(described_by.as_str()),
        "aria-describedby is the id of the error under the guidance field"
    );
    assert_eq!(
        text(&client, error).await,
        tr(Locale::En, "issue-needs-fluoroscopy")
    );
    assert_eq!(
        find(&client, guidance)
            .await
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("ultrasound"),
        "what was chosen is kept"
    );
    assert_eq!(
        find_all(&client, "#plan-form p.error").await.len(),
        1,
        "only the guidance is wrong"
    );
    assert!(is_present(&client, "#no-plans").await, "nothing was saved");
    let views = server
        .clinic
        .app
        .plans_of_patient(server.clinic.actor(Role::Nurse), patient)
        .await
        .expect("plans");
    assert!(views.is_empty(), "the refused plan is not stored");
    scroll_to(&client, guidance).await;
    shots.take(&client, "spinal-disc-refused").await;
    shots
}

/// Scenario 3: the patient signs the consent of her plan in the portal, in
/// Arabic, with a typed name and a drawn signature.
async fn arabic_consent(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    let app = &server.clinic.app;
    let patient = patient_with_imaging(&server, "فاطمة", "الزهراء").await;
    let plan = app
        .create_plan(
            server.clinic.actor(Role::Physician),
            patient,
            &knee_plan(),
            None,
        )
        .await
        .expect("plan")
        .id;
    portal_user(&server, patient, "fatima.consent").await;

    sign_in(&client, &server, "fatima.consent").await;
    click(&client, "header a.lang").await;
    wait_for(&client, "html[lang='ar']").await;
    let consent_path = format!("/portal/plans/{plan}/consent");
    client
        .goto(&server.url(&consent_path))
        .await
        .expect("open the consent");
    wait_for(&client, "#sign-form").await;
    assert_arabic_right_to_left(&client).await;
    assert_eq!(
        text(&client, "#consent-state").await,
        tr(Locale::Ar, "consent-state-missing")
    );
    let title = text(&client, "#consent-text-title").await;
    assert!(title.contains("نخاع العظم"), "the Arabic text: {title}");

    type_into(&client, "#sign-form #f-typed_name", "فاطمة الزهراء").await;
    click(&client, "#sign-form #f-confirmed").await;
    // The script shows the drawing area; a stroke across it fills the hidden field.
    let pad = wait_for(&client, "#signature-draw:not([hidden]) #signature-pad").await;
    let stroke = MouseActions::new("signature".into())
        .then(PointerAction::MoveToElement {
            element: pad,
            duration: None,
            x: -150.0,
            y: 10.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(100)),
            x: 60.0,
            y: -40.0,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(100)),
            x: 60.0,
            y: 50.0,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(100)),
            x: 80.0,
            y: -30.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(stroke).await.expect("draw");
    client.release_actions().await.expect("release");
    let drawn = find(&client, "#drawn-signature")
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(
        drawn.starts_with("data:image/png;base64,"),
        "the stroke is kept as a PNG: {:.40}",
        drawn
    );
    shots.take(&client, "arabic-consent-form").await;
    click(&client, "#sign-form button[type='submit']").await;

    wait_for(&client, "#consent-valid").await;
    assert_eq!(path(&client).await, consent_path);
    assert_eq!(attr(&client, "html", "dir").await.as_deref(), Some("rtl"));
    assert_eq!(
        text(&client, "#consent-state").await,
        tr(Locale::Ar, "consent-state-valid")
    );
    assert!(
        text(&client, "#consent-valid")
            .await
            .contains("فاطمة الزهراء"),
        "the valid signature names her: {}",
        body_text(&client).await
    );
    assert!(
        !is_present(&client, "#sign-form").await,
        "nothing left to sign"
    );
    let consent = app
        .plan_consent(server.clinic.actor(Role::Nurse), plan, Locale::Ar)
        .await
        .expect("consent");
    assert_eq!(consent.state, ConsentState::Valid);
    let row = &consent.signatures[0];
    assert_eq!(
        (row.signed_via.as_str(), row.locale.as_str()),
        ("portal", "ar")
    );
    assert!(
        row.drawn_signature
            .as_deref()
            .is_some_and(|d| d.starts_with("data:image/png;base64,")),
        "the drawn signature is stored"
    );
    shots.take(&client, "arabic-consent-valid").await;
    shots
}

/// Scenario 4: the patient ticks every task of her checklist; the
/// coordinator then sees the session ready on the board.
async fn preparation(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
) -> Screenshots {
    let app = &server.clinic.app;
    let physician = server.clinic.actor(Role::Physician);
    let patient = patient_with_imaging(&server, "Rana", "Ready").await;
    let plan = app
        .create_plan(physician, patient, &knee_plan(), None)
        .await
        .expect("plan")
        .id;
    app.decide_plan(physician, plan, 1, true, "")
        .await
        .expect("eligible, approved");
    let starts = app.now() + Duration::from_secs(60 * 3600);
    let session = app
        .schedule_session(server.clinic.actor(Role::Coordinator), plan, starts)
        .await
        .expect("session")
        .id;
    let me = portal_user(&server, patient, "rana.ready").await;
    let text_shown = app
        .plan_consent(&me, plan, Locale::En)
        .await
        .expect("consent")
        .text;
    let signature = SignatureDraft {
        typed_name: "Rana Ready".into(),
        confirmed: true,
        ..SignatureDraft::default()
    };
    app.sign_own_consent(&me, plan, Locale::En, &text_shown.hash, &signature)
        .await
        .expect("consent signed");

    sign_in(&client, &server, "rana.ready").await;
    let checklist = format!("/portal/sessions/{session}");
    client
        .goto(&server.url(&checklist))
        .await
        .expect("open the checklist");
    wait_for(&client, "ol.checklist").await;
    let mut open = Vec::new();
    for form in find_all(&client, "li.task:not(.done) form.tick").await {
        let action = form.attr("action").await.expect("action").expect("action");
        let code = action
            .rsplit('/')
            .next()
            .expect("the task code ends the action")
            .to_string();
        open.push(code);
    }
    assert!(!open.is_empty(), "the patient has tasks to tick");
    shots.take(&client, "checklist-to-tick").await;
    for code in &open {
        click(
            &client,
            &format!("#task-{code} form.tick button[type='submit']"),
        )
        .await;
        wait_for(&client, &format!("#task-{code}.done")).await;
        assert_eq!(path(&client).await, checklist);
    }
    assert!(
        !is_present(&client, "form.tick input[name='done'][value='true']").await,
        "every task the patient ticks is ticked"
    );
    shots.take(&client, "checklist-ticked").await;
    click(
        &client,
        "header form[action='/sign-out'] button[type='submit']",
    )
    .await;
    wait_for(&client, "form[action='/sign-in']").await;

    sign_in(&client, &server, "coordinator").await;
    client
        .goto(&server.url("/preparation"))
        .await
        .expect("open the board");
    wait_for(&client, "#board").await;
    let row = format!("#board tr:has(a[href='/sessions/{session}/preparation'])");
    assert!(
        text(&client, &row).await.contains("Rana Ready"),
        "the board lists her session"
    );
    assert_eq!(
        attr(&client, &row, "class").await.as_deref(),
        Some("readiness-ready")
    );
    assert_eq!(
        text(&client, &format!("{row} .badge.readiness")).await,
        tr(Locale::En, "readiness-ready")
    );
    shots.take(&client, "board-ready").await;
    shots
}
