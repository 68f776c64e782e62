//! The session day's pages on both engines, against the real server: the
//! checklist with what is missing, a refused form told in Arabic next to its
//! field, the wristband and a unit's label as SVG, PDF and PNG (the PNG read
//! back by zbar), a failed bedside check shown in red and not overridable,
//! and the discharge instructions printed in Arabic (rendered by poppler).
//! The PNGs land in `<target>/documents/` for a person to look at.

use cellpath_app::lab::{ProcessingDraft, QcDraft};
use cellpath_app::session_day::{CheckDraft, HarvestDraft};
use cellpath_domain::patient::Patient;
use cellpath_domain::{Locale, Role, SessionId};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
use cellpath_web::i18n::tr;
use chrono::Duration;
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;

fn documents_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("documents");
    std::fs::create_dir_all(&dir).expect("create <target>/documents");
    dir
}

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

/// Posts a form of the day page with the page's token; the status and the
/// page it answers with (empty after a redirect).
async fn post_form(
    server: &TestServer,
    client: &reqwest::Client,
    session: SessionId,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, html) = page(client, server.url(&format!("/sessions/{session}/day"))).await;
    let csrf = csrf_of(&html).expect("a form token");
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let response = client
        .post(server.url(&format!("/sessions/{session}/day/{path}")))
        .form(&all)
        .send()
        .await
        .expect("post");
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let location = response.headers()["location"].to_str().expect("location");
        assert!(
            location.starts_with(&format!("/sessions/{session}/day")),
            "{location}"
        );
    }
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
}

/// The HTML of the checklist item `code`.
fn check_item<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"check-{code}\""))
        .unwrap_or_else(|| panic!("no checklist item {code}"));
    let end = html[start..].find("</li>").expect("end of item");
    &html[start..start + end]
}

/// A patient ("Amal Haddad", born 1970-05-04) with an approved knee plan
/// from their own bone marrow, a session booked and a valid consent.
async fn consented_session(server: &TestServer) -> (SessionId, Patient) {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
    let session = clinic
        .app
        .schedule_session(
            clinic.actor(Role::Coordinator),
            plan,
            clinic.app.now() + Duration::hours(1),
        )
        .await
        .expect("session");
    clinic.consented(&patient, plan).await;
    (session.id, patient)
}

fn harvest() -> HarvestDraft {
    HarvestDraft {
        source_site: "Posterior iliac crest".into(),
        side: "left".into(),
        volume_ml: "60".into(),
        anaesthetic: "Lidocaine 1%".into(),
        dose: "10 mL".into(),
    }
}

/// What zbar reads as Code 128 in a PNG.
fn read_code128(png: &Path) -> String {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Scode128.enable"])
        .arg(png)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run zbarimg ({e}): install zbar-tools (apt-get install -y zbar-tools)")
        });
    assert!(
        output.status.success(),
        "zbarimg read nothing in {}: {}",
        png.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Downloads a label in the three formats; the PNG's path.
async fn label_downloads(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    name: &str,
) -> PathBuf {
    let mut png = None;
    for (extension, content_type) in [
        ("svg", "image/svg+xml"),
        ("pdf", "application/pdf"),
        ("png", "image/png"),
    ] {
        let response = client
            .get(server.url(&format!("{path}.{extension}")))
            .send()
            .await
            .expect("label");
        assert_eq!(response.status(), StatusCode::OK, "{path}.{extension}");
        assert_eq!(response.headers()["content-type"], content_type);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let bytes = response.bytes().await.expect("bytes");
        match extension {
            "svg" => assert!(bytes.starts_with(b"<svg") || bytes.starts_with(b"<?xml")),
            "pdf" => assert!(bytes.starts_with(b"%PDF")),
            _ => {
                assert!(bytes.starts_with(b"\x89PNG"));
                let file = documents_dir().join(format!("{name}.png"));
                std::fs::write(&file, &bytes).expect("write png");
                png = Some(file);
            }
        }
    }
    png.expect("a PNG")
}

/// The text of a PDF (poppler's pdftotext), without direction marks.
fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed");
    String::from_utf8_lossy(&output.stdout)
        .chars()
        .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

both_backends! {
    async fn the_day_lists_the_missing_checklist_and_refuses_in_the_users_language(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (session, patient) = consented_session(&server).await;
        let patient = server
            .clinic
            .app
            .patient_chart(server.clinic.actor(Role::Nurse), patient.id)
            .await
            .expect("chart")
            .patient;
        let nurse = signed_in(&server, "nurse").await;
        let (status, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<bdi id=\"patient-name\">Amal Haddad</bdi>"), "{html}");
        assert!(html.contains(patient.record_number.as_str()), "the record number is shown");
        assert!(html.contains("4 May 1970"), "the date of birth is shown");
        assert!(html.contains("id=\"step-check_in\" data-state=\"waiting\" aria-current=\"step\""), "check-in is the current step");
        let missing = html.split("id=\"missing-items\"").nth(1).expect("the missing items").split("</div>").next().expect("list");
        for item in ["Identity", "Wristband", "Consent", "NSAID pause", "Vital signs", "Allergies", "Time-out"] {
            assert!(missing.contains(&format!("<li>{item}</li>")), "{item} is missing: {missing}");
        }
        assert!(!missing.contains("Fasting"), "no fasting without sedation");
        for code in ["identity", "wristband", "consent", "nsaid_pause", "vitals", "allergies", "time_out"] {
            let item = check_item(&html, code);
            assert!(item.contains("data-done=\"false\""), "{item}");
            assert!(item.contains(&format!("action=\"/sessions/{session}/day/checks/{code}\"")), "{code} has its form");
        }
        assert!(check_item(&html, "consent").contains("id=\"consent-state\">Valid<"), "the consent's state is shown");
        assert!(!html.contains("id=\"harvest-form\""), "no harvest form before check-in");
        assert!(!html.contains("id=\"bedside-form\""), "no bedside check before the injection");

        // A correct identity is recorded, and check-in has begun.
        let (status, _) = post_form(&server, &nurse, session, "checks/identity", &[
            ("given_name", "amal"), ("family_name", "HADDAD"), ("date_of_birth", "1970-05-04"), ("note", ""),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        let identity = check_item(&html, "identity");
        assert!(identity.contains("data-done=\"true\""), "{identity}");
        assert!(identity.contains("Test nurse"), "who confirmed it: {identity}");
        assert!(html.contains("id=\"step-check_in\" data-state=\"running\""), "check-in started with its first item");

        // Finishing check-in with items missing says which, in the form.
        let (status, html) = post_form(&server, &nurse, session, "steps/check_in/finish", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let banner = html.split("id=\"form-banner\">").nth(1).expect("banner").split("</div>").next().expect("banner end");
        assert!(banner.contains("Time-out: A check-in item is missing"), "{banner}");

        // In Arabic, a wrong date of birth comes back next to its field.
        nurse.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let (status, html) = post_form(&server, &nurse, session, "checks/identity", &[
            ("given_name", "Amal"), ("family_name", "Haddad"), ("date_of_birth", "1971-05-04"), ("note", ""),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("dir=\"rtl\""));
        let message = tr(Locale::Ar, "issue-wrong-patient");
        assert!(
            html.contains(&format!("<p class=\"error\" id=\"e-id-date_of_birth\">{message}</p>")),
            "{html}"
        );
        assert!(html.contains("value=\"1971-05-04\""), "what was typed stays");
        assert!(html.contains(&tr(Locale::Ar, "day-check-identity")));
        let (status, _) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert_eq!(status, StatusCode::OK);

        // Only staff who may see the day.
        let admin = signed_in(&server, "admin").await;
        let (status, _) = page(&admin, server.url(&format!("/sessions/{session}/day"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let north = signed_in(&server, "north-nurse").await;
        let (status, _) = page(&north, server.url(&format!("/sessions/{session}/day"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another site's nurse does not see it");
        let lab = signed_in(&server, "lab_tech").await;
        let (status, html) = page(&lab, server.url(&format!("/sessions/{session}/day"))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("id=\"form-check-identity\""), "the lab sees the day without the nurses' forms");
    }

    async fn the_wristband_and_a_units_label_download_as_svg_pdf_and_png(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let (session, _) = consented_session(&server).await;
        let nurse = signed_in(&server, "nurse").await;
        let none = nurse.get(server.url(&format!("/sessions/{session}/wristband.svg"))).send().await.expect("get");
        assert_eq!(none.status(), StatusCode::NOT_FOUND, "no wristband before check-in prints it");

        // The wristband is recorded from its form, then offered to print.
        let (status, _) = post_form(&server, &nurse, session, "checks/wristband", &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        let code = html.split("id=\"wristband-code\">").nth(1).expect("the wristband code").split('<').next().expect("code").to_string();
        assert!(code.starts_with('W') && code.len() == 10, "{code}");
        assert!(html.contains(&format!("href=\"/sessions/{session}/wristband.pdf\"")));
        let png = label_downloads(&server, &nurse, &format!("/sessions/{session}/wristband"), &format!("day-wristband-{}", backend.name())).await;
        assert_eq!(read_code128(&png), code, "the wristband's barcode is its code, no record number");

        // The rest of check-in, finished from its form.
        let nurse_actor = server.clinic.actor(Role::Nurse);
        app.record_check(nurse_actor, session, "identity", &CheckDraft { given_name: "Amal".into(), family_name: "Haddad".into(), date_of_birth: "1970-05-04".into(), ..CheckDraft::default() }).await.expect("identity");
        for item in ["consent", "nsaid_pause", "allergies", "time_out"] {
            let (status, html) = post_form(&server, &nurse, session, &format!("checks/{item}"), &[("note", "")]).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{item}: {html}");
        }
        let (status, _) = post_form(&server, &nurse, session, "checks/vitals", &[
            ("systolic", "124"), ("diastolic", "78"), ("pulse", "72"), ("temperature", "36.8"), ("spo2", "98"), ("note", ""),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"checklist-complete\""), "nothing missing");
        assert!(check_item(&html, "vitals").contains("124/78 mmHg"), "the vitals are shown");
        assert!(html.contains(&format!("action=\"/sessions/{session}/day/steps/check_in/finish\"")));
        let (status, _) = post_form(&server, &nurse, session, "steps/check_in/finish", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _) = post_form(&server, &nurse, session, "steps/harvest/start", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // The harvest record creates the specimen, listed with its label.
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"step-harvest\" data-state=\"running\" aria-current=\"step\""), "{html}");
        assert!(html.contains("id=\"harvest-form\""));
        let (status, html) = post_form(&server, &nurse, session, "harvest", &[
            ("source_site", "Posterior iliac crest"), ("side", "left"), ("volume_ml", ""), ("anaesthetic", "Lidocaine 1%"), ("dose", "10 mL"),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"e-h-volume_ml\""), "the missing volume is marked");
        let (status, _) = post_form(&server, &nurse, session, "harvest", &[
            ("source_site", "Posterior iliac crest"), ("side", "left"), ("volume_ml", "60"), ("anaesthetic", "Lidocaine 1%"), ("dose", "10 mL"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let view = app.session_day(nurse_actor, session).await.expect("day");
        let specimen = view.specimen().expect("a specimen").clone();
        let label = app.unit_label(nurse_actor, &specimen.id.to_string()).await.expect("label");
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains(&format!("<bdi dir=\"ltr\" class=\"unit-id\">{}</bdi>", label.donation_id.printed())), "{html}");
        assert!(html.contains(&format!("href=\"/labels/{}.png\"", specimen.id)));
        assert!(html.contains("Bone marrow aspirate"));

        let png = label_downloads(&server, &nurse, &format!("/labels/{}", specimen.id), &format!("day-specimen-label-{}", backend.name())).await;
        let data = read_code128(&png);
        assert!(data.starts_with("=T1234"), "{data}");
        assert_eq!(data, label.donation_id.barcode_data());
        let by_id = label_downloads(&server, &nurse, &format!("/labels/{}", label.donation_id.printed()), &format!("day-specimen-label-by-id-{}", backend.name())).await;
        assert_eq!(read_code128(&by_id), data, "the label is found by its printed identifier too");

        // The label's text is in the viewer's language.
        let svg = nurse.get(server.url(&format!("/labels/{}.svg", specimen.id))).send().await.expect("svg").text().await.expect("text");
        assert!(svg.contains("FOR AUTOLOGOUS USE ONLY"), "{svg}");
        nurse.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let svg = nurse.get(server.url(&format!("/labels/{}.svg", specimen.id))).send().await.expect("svg").text().await.expect("text");
        assert!(svg.contains("للاستخدام"), "{svg}");
        let png = label_downloads(&server, &nurse, &format!("/labels/{}", specimen.id), &format!("day-specimen-label-ar-{}", backend.name())).await;
        assert_eq!(read_code128(&png), data);

        let missing = nurse.get(server.url("/labels/T123426999999X.png")).send().await.expect("get");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let admin = signed_in(&server, "admin").await;
        let refused = admin.get(server.url(&format!("/labels/{}.png", specimen.id))).send().await.expect("get");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }

    async fn a_failed_bedside_check_blocks_and_the_discharge_prints_in_arabic(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let (session, patient) = consented_session(&server).await;
        let nurse_actor = server.clinic.actor(Role::Nurse);
        let lab_actor = server.clinic.actor(Role::LabTech);
        server.clinic.checked_in(&patient, session, "").await;
        app.start_step(nurse_actor, session, "harvest", "").await.expect("harvest");
        let specimen = app.record_harvest(nurse_actor, session, &harvest()).await.expect("specimen");
        app.finish_step(nurse_actor, session, "harvest", "test").await.expect("harvest done");
        let specimen_id = app.unit_label(nurse_actor, &specimen.id.to_string()).await.expect("label").donation_id;
        app.receive_specimen(lab_actor, server.clinic.site, &specimen_id.barcode_data()).await.expect("received");
        app.start_step(lab_actor, session, "processing", "").await.expect("processing");
        let processing = ProcessingDraft { method: "Density gradient".into(), centrifuge_programme: "P2".into(), cabinet: "BSC-1".into(), kit_lots: "K-17".into() };
        let product = app.record_processing(lab_actor, specimen.id, &processing).await.expect("product");
        let qc = QcDraft { volume_ml: "8.0".into(), cells_millions: "400".into(), viability_percent: "92".into() };
        app.record_qc(lab_actor, product.id, &qc).await.expect("qc");
        app.release_product(&server.clinic.second_lab_tech, product.id).await.expect("released");
        app.finish_step(lab_actor, session, "processing", "test").await.expect("processing done");
        let product_id = app.unit_label(nurse_actor, &product.id.to_string()).await.expect("label").donation_id.printed();
        let wristband = app.session_day(nurse_actor, session).await.expect("day").wristband.expect("wristband").to_string();

        let nurse = signed_in(&server, "nurse").await;
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"bedside-form\""), "the bedside check is due");
        assert!(html.contains("id=\"f-b-wristband\" name=\"wristband\" type=\"text\" dir=\"ltr\" autocomplete=\"off\" value=\"\" autofocus"), "the first scan field has the focus");
        assert!(!html.contains("id=\"injection-form\""), "no injection record before the check");

        // A scan and its Enter post the form: it comes back for the next scan.
        let (status, html) = post_form(&server, &nurse, session, "bedside-check", &[("wristband", &format!("{wristband}\n"))]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains(&format!("value=\"{wristband}")), "the scan is kept");
        assert!(html.contains("id=\"f-b-product\" name=\"product\" type=\"text\" dir=\"ltr\" autocomplete=\"off\" value=\"\" autofocus"), "the next scan has the focus");
        assert!(!html.contains("id=\"bedside-failure\""), "nothing was checked yet");

        // The specimen scanned instead of the product: refused, in red, for good.
        let specimen_printed = specimen_id.printed();
        let (status, html) = post_form(&server, &nurse, session, "bedside-check", &[
            ("wristband", &wristband), ("product", &specimen_printed),
            ("second_wristband", &wristband), ("second_product", &specimen_printed),
            ("second_username", "physician"), ("second_password", PASSWORD),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let failure = html.split("id=\"bedside-failure\">").nth(1).expect("the failure is shown").split("</div>").next().expect("end");
        assert!(failure.contains("class=\"error\""), "{failure}");
        assert!(failure.contains("This is a specimen, not a product for injection."), "{failure}");
        assert!(failure.contains("cannot be overridden"), "{failure}");
        assert!(!html.contains(PASSWORD), "the password never comes back");
        assert!(!html.contains(&format!("value=\"{specimen_printed}\"")), "a refused check is scanned again");
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"bedside-failure\""), "the failure stays until a check passes");
        assert!(html.contains("Failed bedside check"), "and is a deviation");
        assert!(html.contains("<span class=\"badge status-declined\">Refused</span>"), "the refused scan is in the chain");
        let (status, html) = post_form(&server, &nurse, session, "steps/injection/start", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the injection is blocked");
        assert!(html.contains("No passed bedside check"), "{html}");
        let refused = app.session_day(nurse_actor, session).await.expect("day").chain.iter().filter(|e| e.kind == "bedside_check" && !e.passed).count();
        assert_eq!(refused, 1, "the failed check is recorded once");

        // The right product passes, then the injection, monitoring and discharge.
        let (status, html) = post_form(&server, &nurse, session, "bedside-check", &[
            ("wristband", &wristband), ("product", &product_id),
            ("second_wristband", &wristband), ("second_product", &product_id),
            ("second_username", "physician"), ("second_password", PASSWORD),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"bedside-passed\""));
        assert!(!html.contains("id=\"bedside-failure\""));
        let (status, _) = post_form(&server, &nurse, session, "steps/injection/start", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        let form = html.split("id=\"injection-form\"").nth(1).expect("injection form").split("</form>").next().expect("end");
        for default in ["value=\"ultrasound\" selected", "value=\"knee\" selected", "value=\"right\" selected"] {
            assert!(form.contains(default), "the plan's {default}");
        }
        let (status, _) = post_form(&server, &nurse, session, "injection", &[
            ("guidance", "ultrasound"), ("target_site", "knee"), ("side", "right"), ("volume_ml", "4.0"), ("note", ""),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, html) = post_form(&server, &nurse, session, "steps/injection/finish", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an injection of a minute is outside the protocol");
        assert!(html.contains("id=\"e-step-reason\""), "the reason is asked for next to its field");
        let (status, _) = post_form(&server, &nurse, session, "steps/injection/finish", &[("reason", "Test run")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _) = post_form(&server, &nurse, session, "steps/monitoring/start", &[("reason", "")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _) = post_form(&server, &nurse, session, "monitoring", &[
            ("systolic", "122"), ("diastolic", "76"), ("pulse", "70"), ("temperature", "36.9"), ("spo2", "99"), ("pain", "2"),
            ("criterion_vitals_stable", "true"), ("criterion_pain_controlled", "true"), ("criterion_sites_dry", "true"),
            ("criterion_walking", "true"), ("criterion_instructions_given", "true"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        for (path, reason) in [("steps/monitoring/finish", "Test run"), ("steps/discharge/start", ""), ("steps/discharge/finish", "")] {
            let (status, html) = post_form(&server, &nurse, session, path, &[("reason", reason)]).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {html}");
        }
        let (_, html) = page(&nurse, server.url(&format!("/sessions/{session}/day"))).await;
        assert!(html.contains("id=\"discharged\""));
        assert!(html.contains("Test run"), "the deviations' reasons are listed");
        assert!(html.contains(&format!("{product_id}</bdi>")), "the product given is listed");

        // The discharge instructions: in the patient's language (English) by
        // default, in Arabic when asked, shaped right to left.
        let english = nurse.get(server.url(&format!("/sessions/{session}/discharge.pdf"))).send().await.expect("pdf");
        assert_eq!(english.status(), StatusCode::OK);
        assert_eq!(english.headers()["content-type"], "application/pdf");
        let dir = documents_dir();
        let english_path = dir.join(format!("day-discharge-en-{}.pdf", backend.name()));
        std::fs::write(&english_path, english.bytes().await.expect("bytes")).expect("write");
        let text = pdf_text(&english_path);
        assert!(text.contains("Keep the injection site clean and dry"), "{text}");
        assert!(text.contains("Drink plenty of water."), "the recovery plan the portal shows: {text}");
        assert!(text.contains("(NSAIDs)"), "{text}");
        assert!(text.contains("+971 4 555 0123"), "the clinic's number: {text}");
        assert!(text.contains(&product_id), "the product given: {text}");

        let arabic = nurse.get(server.url(&format!("/sessions/{session}/discharge.pdf?lang=ar"))).send().await.expect("pdf");
        assert_eq!(arabic.status(), StatusCode::OK);
        let bytes = arabic.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"%PDF"));
        let pdf_path = dir.join(format!("day-discharge-ar-{}.pdf", backend.name()));
        std::fs::write(&pdf_path, &bytes).expect("write");
        let png_base = dir.join(format!("day-discharge-ar-{}", backend.name()));
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-singlefile"])
            .arg(&pdf_path)
            .arg(&png_base)
            .status()
            .expect("pdftoppm (Debian poppler-utils) must be installed");
        assert!(status.success());
        let png = std::fs::metadata(png_base.with_extension("png")).expect("png written");
        assert!(png.len() > 5_000, "a real page, not an empty one");
        let text = pdf_text(&pdf_path);
        assert!(text.contains("تعليمات الخروج"), "{text}");
        assert!(text.contains("نزيف لا يتوقف"), "{text}");
        assert!(text.contains(&product_id), "the product's identifier reads left to right: {text}");
        let wrong = nurse.get(server.url(&format!("/sessions/{session}/discharge.pdf?lang=fr"))).send().await.expect("pdf");
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    }
}
