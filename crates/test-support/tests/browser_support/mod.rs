//! What the browser tests share: a chromedriver of their own, Chromium
//! sessions with fresh profiles, screenshots, and the small steps a person
//! takes on a page (wait, find, type, click).
//!
//! Each test binary uses its own part of this module.
#![allow(dead_code)]

use cellpath_test_support::{PASSWORD, TestServer, strip_isolation};
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::future::Future;
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
pub const PAGE_WAIT: Duration = Duration::from_secs(15);

/// A chromedriver process of this test; killed when dropped, panic or not.
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until `/status` says it is ready.
    pub async fn start() -> ChromeDriver {
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
    pub async fn browser(&self, profile: &Path) -> Client {
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

/// Runs the steps of a scenario on their own task so that a failed
/// assertion still ends the browser session (and with it Chromium) before
/// the panic goes on.
pub async fn run_in_browser<T, F>(client: Client, steps: F) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let outcome = tokio::spawn(steps).await;
    let closed = client.close().await;
    match outcome {
        Ok(value) => {
            closed.expect("end the browser session");
            value
        }
        Err(failure) => match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(failure) => panic!("browser scenario did not finish: {failure}"),
        },
    }
}

/// Runs one scenario in a new Chromium session with its own profile.
pub async fn in_fresh_browser<F, Fut>(
    driver: &ChromeDriver,
    name: &str,
    server: std::sync::Arc<TestServer>,
    shots: Screenshots,
    scenario: F,
) -> Screenshots
where
    F: FnOnce(std::sync::Arc<TestServer>, Client, Screenshots) -> Fut,
    Fut: Future<Output = Screenshots> + Send + 'static,
{
    let started = Instant::now();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;
    let shots = run_in_browser(client.clone(), scenario(server, client, shots)).await;
    eprintln!("scenario {name}: {:.1} s", started.elapsed().as_secs_f64());
    shots
}

/// Where the screenshots of a run go: `<target>/browser-screenshots/{prefix}NN-step.png`.
pub struct Screenshots {
    dir: PathBuf,
    prefix: String,
    pub taken: Vec<PathBuf>,
}

impl Screenshots {
    /// Starts from no screenshots of this prefix: the files `{prefix}NN-*.png`
    /// left by an earlier run are removed, those of other prefixes kept.
    pub fn new(prefix: &str) -> Screenshots {
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
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        for entry in std::fs::read_dir(&dir)
            .expect("screenshot directory")
            .flatten()
        {
            let name = entry.file_name();
            let ours = name
                .to_str()
                .and_then(|name| name.strip_prefix(prefix))
                .is_some_and(|rest| {
                    let bytes = rest.as_bytes();
                    bytes.len() > 3
                        && bytes[..2].iter().all(u8::is_ascii_digit)
                        && bytes[2] == b'-'
                        && rest.ends_with(".png")
                });
            if ours {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Screenshots {
            dir,
            prefix: prefix.to_string(),
            taken: Vec::new(),
        }
    }

    pub async fn take(&mut self, client: &Client, step: &str) {
        let png = client.screenshot().await.expect("screenshot");
        let path = self.dir.join(format!(
            "{}{:02}-{step}.png",
            self.prefix,
            self.taken.len() + 1
        ));
        std::fs::write(&path, png).expect("write screenshot");
        self.taken.push(path);
    }
}

/// Waits until an element matching `css` is on the page.
pub async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(PAGE_WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for `{css}`: {e}"))
}

pub async fn find(client: &Client, css: &str) -> Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding `{css}`: {e}"))
}

pub async fn find_all(client: &Client, css: &str) -> Vec<Element> {
    client
        .find_all(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding all `{css}`: {e}"))
}

pub async fn is_present(client: &Client, css: &str) -> bool {
    !find_all(client, css).await.is_empty()
}

pub async fn text(client: &Client, css: &str) -> String {
    strip_isolation(&find(client, css).await.text().await.expect("element text"))
}

pub async fn attr(client: &Client, css: &str, name: &str) -> Option<String> {
    find(client, css).await.attr(name).await.expect("attribute")
}

/// Types into a field as a person would.
pub async fn type_into(client: &Client, css: &str, value: &str) {
    let field = find(client, css).await;
    field.clear().await.expect("clear field");
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
}

/// Chooses an option of a select by its value.
pub async fn choose(client: &Client, css: &str, value: &str) {
    find(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choosing `{value}` in `{css}`: {e}"));
}

/// Sets a date input: typing into one depends on the browser's locale
/// (mm/dd/yyyy, dd/mm/yyyy...), its value is always ISO.
pub async fn set_date(client: &Client, form_css: &str, name: &str, iso_date: &str) {
    client
        .form(Locator::Css(form_css))
        .await
        .expect("form")
        .set_by_name(name, iso_date)
        .await
        .unwrap_or_else(|e| panic!("setting date `{name}`: {e}"));
}

/// Clicks the element `css` finds. When the document is replaced between
/// the find and the click (a navigation still landing on a loaded
/// machine), the element is stale and the click did not happen: it is
/// found again in the new document, a few times, before the click counts
/// as failed.
pub async fn click(client: &Client, css: &str) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match find(client, css).await.click().await {
            Ok(()) => return,
            Err(e) if attempts < 5 && e.to_string().contains("stale element") => continue,
            Err(e) => panic!("clicking `{css}`: {e}"),
        }
    }
}

pub async fn path(client: &Client) -> String {
    client
        .current_url()
        .await
        .expect("current URL")
        .path()
        .to_string()
}

pub async fn body_text(client: &Client) -> String {
    strip_isolation(&find(client, "body").await.text().await.expect("body text"))
}

/// Signs in through the form, as `username` with the fixture's password,
/// and waits for the page that follows.
pub async fn sign_in(client: &Client, server: &TestServer, username: &str) {
    client
        .goto(&server.url("/sign-in"))
        .await
        .expect("open sign-in");
    wait_for(client, "form[action='/sign-in']").await;
    type_into(client, "#f-username", username).await;
    type_into(client, "#f-password", PASSWORD).await;
    click(client, "form[action='/sign-in'] button[type='submit']").await;
    wait_for(client, "form[action='/sign-out']").await;
}

/// Scrolls an element to the middle of the viewport, so a screenshot shows it.
pub async fn scroll_to(client: &Client, css: &str) {
    let element = serde_json::to_value(find(client, css).await).expect("element reference");
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![element],
        )
        .await
        .unwrap_or_else(|e| panic!("scrolling to `{css}`: {e}"));
}

/// Asserts the page is in Arabic and its content runs right to left, as
/// laid out (the computed direction of `main`), not only as marked.
pub async fn assert_arabic_right_to_left(client: &Client) {
    assert_eq!(attr(client, "html", "lang").await.as_deref(), Some("ar"));
    assert_eq!(attr(client, "html", "dir").await.as_deref(), Some("rtl"));
    assert_eq!(
        find(client, "main")
            .await
            .css_value("direction")
            .await
            .expect("direction"),
        "rtl"
    );
}
