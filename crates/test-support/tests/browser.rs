//! Browser tests: a nurse and then a patient drive the real server through
//! headless Chromium, in English and in Arabic, as a person would.
//!
//! Each run spawns its own chromedriver on a free port and a Chromium with a
//! fresh profile; screenshots of every major step go to
//! `target/browser-screenshots/`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, attr, body_text, click, find, is_present, path, run_in_browser,
    set_date, text, type_into, wait_for,
};
use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, patient_draft};
use cellpath_web::i18n::tr;
use fantoccini::Client;
use std::path::PathBuf;
use std::time::Instant;

const GIVEN: &str = "فاطمة";
const FAMILY: &str = "الزهراء";
/// The given name spelled with haa instead of taa marbuta, as people type it.
const GIVEN_VARIANT: &str = "فاطمه";
const OTHER_GIVEN: &str = "Layla";
const OTHER_FAMILY: &str = "Haddad";

/// The whole story of point 12, run against one server and one browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nurse_registers_in_arabic_and_the_invited_patient_sees_only_their_own_record() {
    let started = Instant::now();
    let server = TestServer::start(&Backend::Sqlite).await;
    let driver = ChromeDriver::start().await;
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;

    let shots = run_in_browser(client.clone(), scenario(server, client)).await;
    eprintln!(
        "browser scenario took {:.1} s; screenshots:",
        started.elapsed().as_secs_f64()
    );
    for shot in shots {
        eprintln!("  {}", shot.display());
    }
    drop(driver);
}

async fn scenario(server: TestServer, client: Client) -> Vec<PathBuf> {
    let mut shots = Screenshots::new("");
    let nurse = server.clinic.actor(Role::Nurse);
    let other = server
        .clinic
        .app
        .register_patient(nurse, None, &patient_draft(OTHER_GIVEN, OTHER_FAMILY))
        .await
        .expect("another patient");
    let full_name = format!("{GIVEN} {FAMILY}");

    // The nurse signs in through the form.
    client
        .goto(&server.url("/sign-in"))
        .await
        .expect("open sign-in");
    wait_for(&client, "form[action='/sign-in']").await;
    assert_eq!(
        attr(&client, "html", "lang").await.as_deref(),
        Some("en"),
        "a fresh browser gets English"
    );
    type_into(&client, "#f-username", "nurse").await;
    type_into(&client, "#f-password", PASSWORD).await;
    click(&client, "form[action='/sign-in'] button[type='submit']").await;
    wait_for(&client, "form[action='/sign-out']").await;
    assert_eq!(path(&client).await, "/home");
    shots.take(&client, "nurse-signed-in").await;

    // She registers a patient with an Arabic name.
    let register_form = "form[method='post'][action='/patients']";
    click(&client, "header nav a[href='/patients/new']").await;
    wait_for(&client, register_form).await;
    type_into(&client, &format!("{register_form} #f-given_name"), GIVEN).await;
    type_into(&client, &format!("{register_form} #f-family_name"), FAMILY).await;
    set_date(&client, register_form, "date_of_birth", "1968-03-21").await;
    find(&client, &format!("{register_form} #f-sex"))
        .await
        .select_by_value("female")
        .await
        .expect("choose sex");
    type_into(
        &client,
        &format!("{register_form} #f-phone"),
        "+971 50 555 0199",
    )
    .await;
    click(&client, &format!("{register_form} button[type='submit']")).await;
    wait_for(&client, "#patient-name").await;
    assert_eq!(text(&client, "#patient-name").await, full_name);
    let chart_path = path(&client).await;
    let patient_id = chart_path
        .strip_prefix("/patients/")
        .expect("the chart of the new patient")
        .to_string();
    assert_ne!(patient_id, other.id.to_string());
    shots.take(&client, "patient-registered").await;

    // She finds her again by another spelling of the name.
    click(&client, "header nav a[href='/patients']").await;
    wait_for(&client, "form[role='search'] #q").await;
    type_into(&client, "form[role='search'] #q", GIVEN_VARIANT).await;
    click(&client, "form[role='search'] button[type='submit']").await;
    // The results page echoes the query in the field's value attribute.
    wait_for(
        &client,
        &format!("form[role='search'] #q[value='{GIVEN_VARIANT}']"),
    )
    .await;
    assert!(
        is_present(&client, "#patient-list").await,
        "searching {GIVEN_VARIANT} lists nobody: {}",
        body_text(&client).await
    );
    let results = text(&client, "#patient-list").await;
    assert!(
        results.contains(&full_name),
        "searching {GIVEN_VARIANT} must list {full_name}: {results}"
    );
    assert!(
        !results.contains(OTHER_GIVEN),
        "searching {GIVEN_VARIANT} must not list {OTHER_GIVEN}: {results}"
    );
    shots.take(&client, "found-by-spelling-variant").await;

    // She opens the chart and adds a medication.
    click(
        &client,
        &format!("#patient-list a[href='/patients/{patient_id}']"),
    )
    .await;
    wait_for(&client, "#patient-name").await;
    assert_eq!(path(&client).await, chart_path);
    let medication_form = "#medications form#add-medications";
    let medication_name = find(&client, &format!("{medication_form} [name='name']")).await;
    assert!(
        !medication_name.is_displayed().await.expect("displayed"),
        "the add form starts folded"
    );
    click(&client, "#medications details > summary").await;
    assert!(
        medication_name.is_displayed().await.expect("displayed"),
        "the summary unfolds the add form"
    );
    type_into(
        &client,
        &format!("{medication_form} [name='name']"),
        "Metformin",
    )
    .await;
    find(&client, &format!("{medication_form} select[name='class']"))
        .await
        .select_by_value("other")
        .await
        .expect("choose class");
    type_into(
        &client,
        &format!("{medication_form} [name='dose']"),
        "500 mg twice daily",
    )
    .await;
    set_date(&client, medication_form, "started", "2023-01-15").await;
    click(&client, &format!("{medication_form} button[type='submit']")).await;
    wait_for(&client, "#medications table.list").await;
    assert_eq!(path(&client).await, chart_path);
    let medications = text(&client, "#medications table.list").await;
    for expected in [
        "Metformin",
        "500 mg twice daily",
        &tr(Locale::En, "medication-class-other"),
    ] {
        assert!(
            medications.contains(expected),
            "the medications list shows {expected}: {medications}"
        );
    }
    shots.take(&client, "medication-added").await;

    // In Arabic the page runs right to left and errors speak Arabic.
    click(&client, "header a.lang").await;
    wait_for(&client, "html[lang='ar']").await;
    assert_eq!(
        path(&client).await,
        chart_path,
        "switching language stays on the page"
    );
    click(&client, "header nav a[href='/patients/new']").await;
    wait_for(&client, register_form).await;
    type_into(&client, &format!("{register_form} #f-family_name"), FAMILY).await;
    set_date(&client, register_form, "date_of_birth", "2999-01-01").await;
    find(&client, &format!("{register_form} #f-sex"))
        .await
        .select_by_value("female")
        .await
        .expect("choose sex");
    click(&client, &format!("{register_form} button[type='submit']")).await;
    wait_for(&client, "#e-given_name").await;
    assert_eq!(attr(&client, "html", "lang").await.as_deref(), Some("ar"));
    assert_eq!(attr(&client, "html", "dir").await.as_deref(), Some("rtl"));
    let direction = find(&client, "main")
        .await
        .css_value("direction")
        .await
        .expect("direction");
    assert_eq!(direction, "rtl", "the page is laid out right to left");
    assert_eq!(
        text(&client, "#form-banner").await,
        tr(Locale::Ar, "form-has-errors")
    );
    for (field, key) in [
        ("given_name", "issue-required"),
        ("date_of_birth", "issue-date-in-future"),
    ] {
        let expected = tr(Locale::Ar, key);
        assert_ne!(expected, tr(Locale::En, key), "{key} is translated");
        let input = format!("{register_form} #f-{field}");
        assert_eq!(
            attr(&client, &input, "aria-invalid").await.as_deref(),
            Some("true"),
            "{field} is marked invalid"
        );
        let described_by = attr(&client, &input, "aria-describedby")
            .await
            .unwrap_or_else(|| panic!("{field} names its error with aria-describedby"));
        let error = format!("{register_form} .field:has(#f-{field}) p.error");
        assert_eq!(
            attr(&client, &error, "id").await.as_deref(),
            Some(described_by.as_str()),
            "{field}'s aria-describedby is the id of the error under it"
        );
        assert_eq!(
            text(&client, &error).await,
            expected,
            "{field}'s error is in Arabic"
        );
    }
    shots.take(&client, "arabic-form-errors").await;

    // She invites the patient to the portal and reads the link off the page.
    client
        .goto(&server.url(&chart_path))
        .await
        .expect("open the chart");
    wait_for(&client, "#patient-name").await;
    click(
        &client,
        &format!("form[action='/patients/{patient_id}/invite'] button[type='submit']"),
    )
    .await;
    let link = wait_for(&client, "#invitation-link")
        .await
        .attr("href")
        .await
        .expect("href");
    let link = link.expect("the invitation link has an address");
    assert!(
        link.starts_with(&server.url("/invite/")),
        "the link points at this server: {link}"
    );
    shots.take(&client, "invitation-link").await;

    // She signs out.
    click(
        &client,
        "header form[action='/sign-out'] button[type='submit']",
    )
    .await;
    wait_for(&client, "form[action='/sign-in']").await;
    assert!(
        !is_present(&client, "form[action='/sign-out']").await,
        "signed out"
    );
    shots.take(&client, "nurse-signed-out").await;

    // The patient opens the link and chooses a username and password.
    client.goto(&link).await.expect("open the invitation");
    let accept_form = "form[action^='/invite/']";
    wait_for(&client, &format!("{accept_form} #f-password-again")).await;
    type_into(
        &client,
        &format!("{accept_form} [name='username']"),
        "fatima.z",
    )
    .await;
    type_into(
        &client,
        &format!("{accept_form} [name='password']"),
        "a long portal passphrase",
    )
    .await;
    type_into(
        &client,
        &format!("{accept_form} [name='password_again']"),
        "a long portal passphrase",
    )
    .await;
    shots.take(&client, "invitation-accept-form").await;
    click(&client, &format!("{accept_form} button[type='submit']")).await;
    wait_for(&client, "#patient-name").await;
    assert_eq!(path(&client).await, "/portal");
    assert_eq!(text(&client, "#patient-name").await, full_name);
    let own_medications = text(&client, "#medications").await;
    assert!(
        own_medications.contains("Metformin"),
        "the portal shows her medication: {own_medications}"
    );
    shots.take(&client, "patient-portal").await;

    // Another patient's chart is refused, and says nothing about them.
    let not_found = tr(Locale::Ar, "error-not-found");
    for refused in [
        format!("/patients/{}", other.id),
        format!("/patients/{}/edit", other.id),
    ] {
        client
            .goto(&server.url(&refused))
            .await
            .expect("open another chart");
        wait_for(&client, "main p.banner[role='alert']").await;
        let body = body_text(&client).await;
        assert!(
            !body.contains(OTHER_GIVEN) && !body.contains(OTHER_FAMILY),
            "{refused} shows the other patient: {body}"
        );
        assert!(
            !is_present(&client, "#patient-name").await,
            "{refused} shows a chart"
        );
        if refused.ends_with(&other.id.to_string()) {
            assert!(
                body.contains(&not_found),
                "{refused} says not found: {body}"
            );
            shots.take(&client, "other-chart-refused").await;
        }
    }

    shots.taken
}
