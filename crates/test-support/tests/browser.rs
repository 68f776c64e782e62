//! Browser tests: a nurse and then a patient drive the real server through
//! headless Chromium, in English and in Arabic, as a person would.
//!
//! Each run spawns its own chromedriver on a free port and a Chromium with a
//! fresh profile; screenshots of every major step go to
//! `target/browser-screenshots/`.

use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Backend, PASSWORD, TestServer, patient_draft, strip_isolation};
use cellpath_web::i18n::tr;
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROME_ARGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// How long a page may take to show the element a step waits for.
const PAGE_WAIT: Duration = Duration::from_secs(15);

const GIVEN: &str = "فاطمة";
const FAMILY: &str = "الزهراء";
/// The given name spelled with haa instead of taa marbuta, as people type it.
const GIVEN_VARIANT: &str = "فاطمه";
const OTHER_GIVEN: &str = "Layla";
const OTHER_FAMILY: &str = "Haddad";

/// A chromedriver process of this test; killed when dropped, panic or not.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until `/status` says it is ready.
    async fn start() -> ChromeDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let mut driver = ChromeDriver { child, port };
        let status_url = format!("{}/status", driver.url());
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(exit) = driver.child.try_wait().expect("chromedriver state") {
                panic!("chromedriver exited before it was ready: {exit}");
            }
            if let Ok(response) = http.get(&status_url).send().await
                && response.status().is_success()
                && response
                    .text()
                    .await
                    .is_ok_and(|body| body.contains("\"ready\":true"))
            {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer {status_url} within 10 s"
            );
            // Readiness polling: the only waiting that is not on a page element.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new Chromium session with its own profile directory.
    async fn browser(&self, profile: &Path) -> Client {
        let args: Vec<String> = CHROME_ARGS
            .iter()
            .map(|arg| (*arg).to_string())
            .chain([format!("--user-data-dir={}", profile.display())])
            .collect();
        let mut chrome_options = Capabilities::new();
        chrome_options.insert("binary".into(), CHROMIUM.into());
        chrome_options.insert("args".into(), args.into());
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert("goog:chromeOptions".into(), chrome_options.into());
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url())
            .await
            .expect("a Chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the screenshots of a run go: `<target>/browser-screenshots/NN-step.png`.
struct Screenshots {
    dir: PathBuf,
    taken: Vec<PathBuf>,
}

impl Screenshots {
    fn new() -> Screenshots {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let workspace = manifest_dir
            .ancestors()
            .nth(2)
            .expect("the crate sits in <workspace>/crates/");
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => workspace.join(dir),
            _ => workspace.join("target"),
        };
        let dir = target.join("browser-screenshots");
        // Only this test writes here: start empty so no stale step remains.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        Screenshots {
            dir,
            taken: Vec::new(),
        }
    }

    async fn take(&mut self, client: &Client, step: &str) {
        let png = client.screenshot().await.expect("screenshot");
        let path = self
            .dir
            .join(format!("{:02}-{step}.png", self.taken.len() + 1));
        std::fs::write(&path, png).expect("write screenshot");
        self.taken.push(path);
    }
}

/// Waits until an element matching `css` is on the page.
async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(PAGE_WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for `{css}`: {e}"))
}

async fn find(client: &Client, css: &str) -> Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding `{css}`: {e}"))
}

async fn is_present(client: &Client, css: &str) -> bool {
    !client
        .find_all(Locator::Css(css))
        .await
        .expect("find_all")
        .is_empty()
}

async fn text(client: &Client, css: &str) -> String {
    strip_isolation(&find(client, css).await.text().await.expect("element text"))
}

async fn attr(client: &Client, css: &str, name: &str) -> Option<String> {
    find(client, css).await.attr(name).await.expect("attribute")
}

/// Types into a field as a person would.
async fn type_into(client: &Client, css: &str, value: &str) {
    let field = find(client, css).await;
    field.clear().await.expect("clear field");
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
}

/// Sets a date input: typing into one depends on the browser's locale
/// (mm/dd/yyyy, dd/mm/yyyy...), its value is always ISO.
async fn set_date(client: &Client, form_css: &str, name: &str, iso_date: &str) {
    client
        .form(Locator::Css(form_css))
        .await
        .expect("form")
        .set_by_name(name, iso_date)
        .await
        .unwrap_or_else(|e| panic!("setting date `{name}`: {e}"));
}

async fn click(client: &Client, css: &str) {
    find(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
}

async fn path(client: &Client) -> String {
    client
        .current_url()
        .await
        .expect("current URL")
        .path()
        .to_string()
}

async fn body_text(client: &Client) -> String {
    strip_isolation(&find(client, "body").await.text().await.expect("body text"))
}

/// The whole story of point 12, run against one server and one browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nurse_registers_in_arabic_and_the_invited_patient_sees_only_their_own_record() {
    let started = Instant::now();
    let server = TestServer::start(&Backend::Sqlite).await;
    let driver = ChromeDriver::start().await;
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;

    // Run the steps on their own task so that a failed assertion still ends
    // the browser session (and with it Chromium) before the panic goes on.
    let outcome = tokio::spawn(scenario(server, client.clone())).await;
    let closed = client.close().await;
    match outcome {
        Ok(shots) => {
            closed.expect("end the browser session");
            eprintln!(
                "browser scenario took {:.1} s; screenshots:",
                started.elapsed().as_secs_f64()
            );
            for shot in shots {
                eprintln!("  {}", shot.display());
            }
        }
        Err(failure) => match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(failure) => panic!("browser scenario did not finish: {failure}"),
        },
    }
    drop(driver);
}

async fn scenario(server: TestServer, client: Client) -> Vec<PathBuf> {
    let mut shots = Screenshots::new();
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
