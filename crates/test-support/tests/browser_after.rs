//! Browser tests of after the session (issue 6, point 10), in headless
//! Chromium against the real server:
//!
//! 1. a diary entry that raises a red flag: the patient writes it in the
//!    portal and is told at once to call the clinic, with its number; a
//!    nurse takes the alert from the triage queue and closes it with a note;
//! 2. an adverse event traced back to its kit lot: a physician records it
//!    after a session, clicks from it to the product's lookback and from
//!    there to the kit lot's, which lists both patients who received it;
//! 3. KOOS answered in Arabic: six weeks after her session, a patient with
//!    a baseline answered before it switches the portal to Arabic, answers
//!    KOOS by its Arabic answer labels (one item left out), and sees the
//!    scores the domain's scorer gives, in Arabic digits, and each
//!    subscale's outcome chart right to left: her two answers, the baseline
//!    inside its band of the minimal important change, every label in
//!    Arabic-Indic digits.
//!
//! Screenshots go to `target/browser-screenshots/after-NN-step.png`.

mod browser_support;

use browser_support::{
    ChromeDriver, Screenshots, assert_arabic_right_to_left, attr, choose, click, find, find_all,
    in_fresh_browser, is_present, path, scroll_to, sign_in, text, type_into, wait_for,
};
use cellpath_app::{App, AppConfig};
use cellpath_domain::questionnaire::{Answers, Definition, KOOS, score};
use cellpath_domain::{Locale, PatientId, Role, SessionId};
use cellpath_test_support::{Backend, Clinic, TestServer, store, strip_isolation};
use cellpath_web::i18n::{tr, tr_args};
use chrono::{Duration, Utc};
use fantoccini::Client;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

#[tokio::test]
async fn after_the_session_in_the_browser() {
    let started = Instant::now();
    let (server, days_back) = server_with_clock().await;
    let driver = ChromeDriver::start().await;
    let mut shots = Screenshots::new("after-");
    let session = diary_session(&server).await;
    let salma = koos_baseline(&server, &days_back).await;
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
    shots = in_fresh_browser(
        &driver,
        "KOOS in Arabic",
        server.clone(),
        shots,
        move |s, c, sh| koos_in_arabic(s, c, sh, salma),
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

/// The server on a clock that runs `days_back` days behind the real one
/// (zero but while a baseline is answered weeks before the browser answers).
async fn server_with_clock() -> (Arc<TestServer>, Arc<AtomicI64>) {
    let (store, db) = store(&Backend::Sqlite).await;
    let days_back = Arc::new(AtomicI64::new(0));
    let reading = days_back.clone();
    let app = App::new(store, AppConfig::default()).with_clock(Arc::new(move || {
        cellpath_store::now() - Duration::days(reading.load(Ordering::SeqCst))
    }));
    let server = TestServer::serve(Clinic::on(app, db).await).await;
    (Arc::new(server), days_back)
}

/// "Amal Haddad", treated two days ago, with a portal account `amal`.
async fn diary_session(server: &TestServer) -> SessionId {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
    let session = clinic
        .past_session(&patient, plan, Utc::now() - Duration::days(2))
        .await;
    clinic.portal_account(patient.id, "amal").await;
    session
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

/// Days from Salma's knee session to the browser's answer, and from her
/// baseline to the session.
const WEEKS_SIX: i64 = 42;
const BASELINE_BEFORE: i64 = 3;

/// The KOOS answer the baseline gives every item.
const BASELINE_ANSWER: i64 = 3;

/// "Salma Nasser", whose knee was treated six weeks ago, with a portal
/// account `salma` and a KOOS baseline answered by the nurse three days
/// before the session (the server's clock set back for it).
async fn koos_baseline(server: &TestServer, days_back: &AtomicI64) -> PatientId {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan("Salma", "Nasser").await;
    clinic
        .past_session(&patient, plan, Utc::now() - Duration::days(WEEKS_SIX))
        .await;
    clinic.portal_account(patient.id, "salma").await;
    let every_item: Vec<(String, String)> = koos()
        .items()
        .iter()
        .map(|item| (item.code.clone(), BASELINE_ANSWER.to_string()))
        .collect();
    days_back.store(WEEKS_SIX + BASELINE_BEFORE, Ordering::SeqCst);
    let baseline = clinic
        .app
        .answer_questionnaire(
            clinic.actor(Role::Nurse),
            patient.id,
            KOOS,
            "baseline",
            &every_item,
        )
        .await;
    days_back.store(0, Ordering::SeqCst);
    baseline.expect("the KOOS baseline");
    patient.id
}

fn koos() -> Definition {
    Definition::by_code(KOOS).expect("KOOS is shipped")
}

/// What Salma answers at six weeks, by item; A10 is left out (a KOOS
/// subscale is scored from at least half of its items).
fn six_week_answers() -> BTreeMap<String, i64> {
    let by_subscale: [(&str, &[i64]); 5] = [
        ("S", &[1, 1, 0, 1, 2, 1, 1]),
        ("P", &[1, 1, 2, 1, 1, 2, 1, 1, 1]),
        ("A", &[1, 1, 2, 1, 1, 1, 1, 1, 1, -1, 1, 0, 1, 1, 2, 1, 1]),
        ("SP", &[2, 2, 3, 2, 2]),
        ("Q", &[2, 1, 2, 2]),
    ];
    by_subscale
        .iter()
        .flat_map(|(prefix, values)| {
            values
                .iter()
                .enumerate()
                .filter(|(_, value)| **value >= 0)
                .map(move |(idx, value)| (format!("{prefix}{}", idx + 1), *value))
        })
        .collect()
}

/// A score as the pages write it in Arabic: one decimal, Arabic-Indic
/// digits, the Arabic decimal separator.
fn arabic_decimal(value: f64) -> String {
    Locale::Ar
        .digits(&format!("{value:.1}"))
        .replace('.', "\u{066B}")
}

fn has_ascii_digit(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
}

fn has_arabic_digit(text: &str) -> bool {
    text.chars().any(|c| ('\u{0660}'..='\u{0669}').contains(&c))
}

/// Salma answers KOOS in Arabic in the portal and reads her scores and
/// charts.
async fn koos_in_arabic(
    server: Arc<TestServer>,
    client: Client,
    mut shots: Screenshots,
    salma: PatientId,
) -> Screenshots {
    let koos = koos();
    let answers = six_week_answers();
    let expected = score(&koos, &answers).expect("the answers are valid");
    let baseline = score(
        &koos,
        &koos
            .items()
            .iter()
            .map(|item| (item.code.clone(), BASELINE_ANSWER))
            .collect(),
    )
    .expect("the baseline is valid");

    sign_in(&client, &server, "salma").await;
    click(&client, "header a.lang").await;
    wait_for(&client, "html[lang='ar']").await;
    click(&client, "nav a[href='/portal/questionnaires']").await;
    wait_for(&client, "#answer-koos").await;
    click(&client, "#answer-koos").await;
    wait_for(&client, "#questionnaire-form").await;
    assert_arabic_right_to_left(&client).await;
    assert_eq!(
        text(&client, "#questionnaire-form legend").await,
        format!("١. {}", koos.items()[0].text.ar),
        "the first item, numbered in Arabic"
    );
    choose(&client, "#f-q-timepoint", "6w").await;
    for item in koos.items() {
        let Some(value) = answers.get(&item.code) else {
            continue;
        };
        let Answers::Options(options) = &item.answers else {
            panic!("KOOS items are answered by labels: {}", item.code);
        };
        let wanted = &options
            .iter()
            .find(|option| option.value == *value)
            .expect("an offered answer")
            .label
            .ar;
        let labels = find_all(
            &client,
            &format!("fieldset[id='q-answers.{}'] label.radio", item.code),
        )
        .await;
        let mut shown = Vec::new();
        for label in labels {
            let label_text = strip_isolation(&label.text().await.expect("label text"))
                .trim()
                .to_string();
            if &label_text == wanted {
                label.click().await.expect("choose the answer");
            }
            shown.push(label_text);
        }
        let offered: Vec<&str> = options.iter().map(|o| o.label.ar.as_str()).collect();
        assert_eq!(shown, offered, "{}'s answers in Arabic", item.code);
    }
    assert_eq!(
        find_all(&client, "#questionnaire-form input[type='radio']:checked")
            .await
            .len(),
        answers.len(),
        "one answer chosen for each item answered"
    );
    scroll_to(&client, "#questionnaire-save").await;
    shots.take(&client, "koos-answered").await;
    click(&client, "#questionnaire-save").await;
    wait_for(&client, "#responses tbody tr").await;
    assert_eq!(path(&client).await, "/portal/questionnaires");
    assert_eq!(attr(&client, "html", "dir").await.as_deref(), Some("rtl"));

    // The newest answer first, its scores those of the domain's scorer.
    let row = "#responses tbody tr:first-child";
    assert!(
        text(&client, row)
            .await
            .contains(&tr(Locale::Ar, "timepoint-6w")),
        "the six-week answer first"
    );
    let names: Vec<String> = koos
        .scores()
        .iter()
        .map(|rule| rule.title.ar.clone())
        .collect();
    let mut shown_names = Vec::new();
    for dt in find_all(&client, &format!("{row} dl.facts dt")).await {
        shown_names.push(strip_isolation(&dt.text().await.expect("score name")));
    }
    assert_eq!(shown_names, names, "the five subscales, in Arabic");
    let mut shown_scores = Vec::new();
    for dd in find_all(&client, &format!("{row} dd.score")).await {
        shown_scores.push(strip_isolation(&dd.text().await.expect("score")));
    }
    let wanted_scores: Vec<String> = expected
        .0
        .iter()
        .map(|s| arabic_decimal(s.value.expect("each subscale has enough answers")))
        .collect();
    assert_eq!(shown_scores, wanted_scores, "the scorer's scores");
    let patient = server
        .clinic
        .app
        .responses_of_patient(server.clinic.actor(Role::Nurse), salma)
        .await
        .expect("read back");
    let saved = patient.responses.last().expect("the six-week answer");
    assert_eq!(saved.scores, expected, "saved as scored");
    assert_eq!(saved.answers, answers, "every answer saved as chosen");

    // Each subscale's chart, right to left with Arabic-Indic digits.
    for (rule, wanted) in koos.scores().iter().zip(&expected.0) {
        let chart = format!("svg#chart-koos-{}", rule.code);
        let svg = find(&client, &chart).await;
        assert_eq!(
            svg.attr("direction").await.expect("attr").as_deref(),
            Some("rtl")
        );
        let points = find_all(&client, &format!("{chart} circle.point")).await;
        assert_eq!(points.len(), 2, "baseline and six weeks on {chart}");
        let day_and_x = |css: String| {
            let client = client.clone();
            async move {
                let point = find(&client, &css).await;
                let day: i64 = point
                    .attr("data-day")
                    .await
                    .expect("attr")
                    .and_then(|d| d.parse().ok())
                    .expect("a day");
                let x: f64 = point
                    .attr("cx")
                    .await
                    .expect("attr")
                    .and_then(|x| x.parse().ok())
                    .expect("an x");
                (day, x)
            }
        };
        let (base_day, base_x) = day_and_x(format!("{chart} circle.point.is-baseline")).await;
        let (day, x) = day_and_x(format!("{chart} circle.point:not(.is-baseline)")).await;
        assert_eq!((base_day, day), (-BASELINE_BEFORE, WEEKS_SIX));
        assert!(
            base_x > x,
            "time runs right to left on {chart}: baseline at {base_x}, six weeks at {x}"
        );
        assert!(
            is_present(&client, &format!("{chart} rect.mic-band")).await,
            "the band of the minimal important change on {chart}"
        );
        let mut labels = Vec::new();
        for element in find_all(&client, &format!("{chart} text")).await {
            let content = element
                .prop("textContent")
                .await
                .expect("text")
                .unwrap_or_default();
            labels.push(strip_isolation(&content));
        }
        for label in &labels {
            assert!(
                !has_ascii_digit(label),
                "no Western digits on {chart}: {label}"
            );
        }
        let value = baseline.get(&rule.code).expect("a baseline score");
        let baseline_label = strip_isolation(&tr_args(
            Locale::Ar,
            "outcome-baseline-label",
            &[
                ("value", arabic_decimal(value)),
                ("mic", arabic_decimal(rule.mic)),
            ],
        ));
        for wanted_label in [
            baseline_label,
            arabic_decimal(value),
            arabic_decimal(wanted.value.expect("a score")),
            tr(Locale::Ar, "outcome-axis-days-session"),
            Locale::Ar.number(WEEKS_SIX),
        ] {
            assert!(
                labels.contains(&wanted_label),
                "{chart} shows {wanted_label}: {labels:?}"
            );
        }
        // The value axis stands on the right: its labels start right of the plot.
        for tick in find_all(&client, &format!("{chart} text.tick[text-anchor='start']")).await {
            let content = tick
                .prop("textContent")
                .await
                .expect("text")
                .unwrap_or_default();
            assert!(has_arabic_digit(&content), "{content}");
            let tick_x: f64 = tick
                .attr("x")
                .await
                .expect("attr")
                .and_then(|x| x.parse().ok())
                .expect("an x");
            assert!(tick_x > base_x, "the value axis right of every point");
        }
        assert_eq!(
            find_all(&client, &format!("{chart} text.tick[text-anchor='start']"))
                .await
                .len(),
            3,
            "the scale's bottom, middle and top on the right of {chart}"
        );
    }
    scroll_to(&client, "svg#chart-koos-pain").await;
    shots.take(&client, "koos-chart").await;
    scroll_to(&client, "#responses").await;
    shots.take(&client, "koos-scores").await;
    shots
}
