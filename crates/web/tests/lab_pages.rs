//! The lab's pages, the day board and the sites' labelling settings on both
//! engines, against the real server: a specimen received by a typed scan, a
//! wrong scan refused (in Arabic) and kept in the refused-scans box,
//! processing, quality control and release by a second technician through
//! the forms, a donor lot received into quarantine and released, the board
//! that names each patient's step and refreshes itself, and the admin's
//! facility code.

use cellpath_app::session_day::HarvestDraft;
use cellpath_domain::donation::{mod37_2_character, mod37_2_check_value};
use cellpath_domain::patient::Patient;
use cellpath_domain::{Role, SessionId};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
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

async fn post(client: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(fields).send().await.expect("post")
}

async fn body(response: reqwest::Response) -> String {
    strip_isolation(&response.text().await.expect("body"))
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .expect("ascii")
        .to_string()
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

async fn arabic(server: &TestServer, client: &reqwest::Client) {
    let response = client
        .get(server.url("/lang/ar?next=/home"))
        .send()
        .await
        .expect("switch");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// The part of a page from the element with `id` to the end of its section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in the page"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

/// The first `/lab/units/...` link in `html`.
fn unit_href(html: &str) -> String {
    let start = html.find("href=\"/lab/units/").expect("a unit link") + 6;
    let end = html[start..].find('"').expect("end");
    html[start..start + end].to_string()
}

/// A specimen's identifier as printed (`T123426000001X`) and as its barcode carries it.
struct Identifier {
    body: String,
    printed: String,
    barcode: String,
}

impl Identifier {
    fn of(body: &str) -> Identifier {
        let value = mod37_2_check_value(body).expect("a valid body");
        Identifier {
            body: body.to_string(),
            printed: format!("{body}{}", mod37_2_character(value)),
            barcode: format!("={body}{}", 60 + value),
        }
    }

    /// The printed form with a wrong check character.
    fn mistyped(&self) -> String {
        let right = self.printed.chars().last().expect("check");
        let wrong = if right == 'A' { 'B' } else { 'A' };
        format!("{}{wrong}", self.body)
    }

    /// How the pages show it: the check character boxed.
    fn shown(&self) -> String {
        format!(
            "{}<span class=\"check-char\">{}</span>",
            self.body,
            self.printed.chars().last().expect("check")
        )
    }
}

/// A session of `given Haddad` (a bone-marrow knee plan, consent taken) on
/// `starts`, checked in by the nurse.
async fn checked_in(
    server: &TestServer,
    given: &str,
    starts: chrono::DateTime<Utc>,
) -> (Patient, SessionId) {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan(given, "Haddad").await;
    clinic.consented(&patient, plan).await;
    let session = clinic
        .app
        .schedule_session(clinic.actor(Role::Coordinator), plan, starts)
        .await
        .expect("session")
        .id;
    clinic.checked_in(&patient, session, "test").await;
    (patient, session)
}

/// A session whose harvest the physician recorded: its specimen waits for the lab.
async fn drawn(server: &TestServer, given: &str) -> (SessionId, uuid::Uuid, Identifier) {
    let (_, session) = checked_in(server, given, Utc::now() + Duration::hours(1)).await;
    let app = &server.clinic.app;
    let physician = server.clinic.actor(Role::Physician);
    app.start_step(physician, session, "harvest", "")
        .await
        .expect("harvest started");
    let specimen = app
        .record_harvest(
            physician,
            session,
            &HarvestDraft {
                source_site: "posterior iliac crest".into(),
                side: "right".into(),
                volume_ml: "60".into(),
                anaesthetic: "lidocaine 1%".into(),
                dose: "10 mL".into(),
            },
        )
        .await
        .expect("harvest recorded");
    app.finish_step(physician, session, "harvest", "test")
        .await
        .expect("harvest finished");
    (session, specimen.id, Identifier::of(&specimen.donation_id))
}

both_backends! {
    async fn the_lab_receives_a_specimen_by_a_typed_scan_and_refuses_a_wrong_one_in_arabic(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, specimen, id) = drawn(&server, "Fatimah").await;
        assert!(id.body.starts_with("T1234"), "the site's facility code starts the identifier: {}", id.body);
        let site = server.clinic.site.to_string();

        let lab = signed_in(&server, "lab_tech").await;
        let (status, html) = page(&lab, server.url("/lab")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("name=\"scan\" value=\"\" autofocus"), "the scan field takes the scanner's typing at once");
        assert!(section(&html, "awaiting-receipt-title").contains(&id.shown()), "the drawn specimen waits for the lab, check character boxed");
        assert!(!html.contains("id=\"refusals\""), "no refused scans yet");

        let other = signed_in(&server, "lab-two").await;
        arabic(&server, &other).await;
        let (_, html) = page(&other, server.url("/lab")).await;
        let csrf = csrf_of(&html).expect("csrf");
        let wrong = id.mistyped();
        let refused = post(&other, server.url("/lab/receive"), &[("csrf", &csrf), ("site", &site), ("scan", &wrong)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(refused).await;
        assert!(html.contains("dir=\"rtl\""));
        let field = &html[html.find("id=\"e-scan\"").expect("the message by the scan field")..];
        assert!(field.starts_with("id=\"e-scan\">حرف التحقق غير مطابق: امسح مرة أخرى."), "{field}");
        assert!(section(&html, "refusals").contains(&wrong), "the refused scan is in the box at once");
        assert!(section(&html, "awaiting-receipt-title").contains(&id.shown()), "nothing was received");

        let (_, html) = page(&lab, server.url("/lab")).await;
        let refusals = section(&html, "refusals");
        assert!(refusals.contains("Refused scans"));
        assert!(refusals.contains(&wrong) && refusals.contains("The check character does not match: scan again."));
        assert!(refusals.contains("Test lab-two"), "who scanned it");
        assert!(refusals.contains("Received by scan"), "where");

        let csrf = csrf_of(&html).expect("csrf");
        let received = post(&lab, server.url("/lab/receive"), &[("csrf", &csrf), ("site", &site), ("scan", &format!("{}\r\n", id.barcode))]).await;
        assert_eq!(received.status(), StatusCode::SEE_OTHER, "the barcode form as the scanner sends it, Enter included");
        let next = location(&received);
        assert_eq!(next, format!("/lab?site={site}&received={specimen}"));
        let (_, html) = page(&lab, server.url(&next)).await;
        assert!(html.contains(&format!("Received: {}", id.printed)), "the lab sees what it received");
        assert!(section(&html, "received-title").contains(&id.shown()), "now waiting for processing");
        assert!(!section(&html, "awaiting-receipt-title").contains(&id.shown()));

        let again = post(&lab, server.url("/lab/receive"), &[("csrf", &csrf), ("site", &site), ("scan", &id.printed)]).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "a specimen is received once");
        let html = body(again).await;
        assert!(html.contains("This item does not belong here"), "{html}");

        let nurse = signed_in(&server, "nurse").await;
        let (status, html) = page(&nurse, server.url("/lab")).await;
        assert_eq!(status, StatusCode::OK, "nurses follow the lab");
        assert!(!html.contains("name=\"scan\""), "but do not receive");
        let refused = post(&nurse, server.url("/lab/receive"), &[("csrf", &csrf_of(&html).expect("csrf")), ("site", &site), ("scan", &id.printed)]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }

    async fn processing_quality_control_and_release_by_a_second_technician_through_the_forms(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (session, specimen, id) = drawn(&server, "Mariam").await;
        let site = server.clinic.site.to_string();
        let lab = signed_in(&server, "lab_tech").await;
        let (_, html) = page(&lab, server.url("/lab")).await;
        let csrf = csrf_of(&html).expect("csrf");
        let received = post(&lab, server.url("/lab/receive"), &[("csrf", &csrf), ("site", &site), ("scan", &id.printed)]).await;
        assert_eq!(received.status(), StatusCode::SEE_OTHER, "the printed form, typed");

        let specimen_page = server.url(&format!("/lab/units/{specimen}"));
        let (status, html) = page(&lab, specimen_page.clone()).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&id.shown()));
        assert!(html.contains("Mariam Haddad") && html.contains(&format!("href=\"/sessions/{session}/day\"")), "whose cells, for staff");
        assert!(html.contains(&format!("href=\"/labels/{specimen}.pdf\"")) && html.contains(&format!("href=\"/labels/{specimen}.svg\"")));
        let history = section(&html, "history");
        assert!(history.contains("Received by scan") && history.contains("Drawn and labelled"), "{history}");
        assert!(html.contains("posterior iliac crest"), "the harvest record");
        let started = post(&lab, server.url(&format!("/lab/units/{specimen}/start-processing")), &[("csrf", &csrf), ("session", &session.to_string()), ("reason", "")]).await;
        assert_eq!(started.status(), StatusCode::SEE_OTHER);

        let (_, html) = page(&lab, specimen_page.clone()).await;
        assert!(html.contains("action=\"/lab/units/") && html.contains("/processing\""), "the processing record once processing runs");
        let processing_url = server.url(&format!("/lab/units/{specimen}/processing"));
        let refused = post(&lab, processing_url.clone(), &[("csrf", &csrf), ("method", "Density gradient"), ("centrifuge_programme", "P3 400g 10 min"), ("cabinet", ""), ("kit_lots", "K-1")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(refused).await;
        let cabinet = &html[html.find("id=\"e-p-cabinet\"").expect("the message by the cabinet field")..];
        assert!(cabinet.starts_with("id=\"e-p-cabinet\">This field is required."));
        assert!(html.contains("value=\"P3 400g 10 min\""), "what was typed stays");
        let processed = post(&lab, processing_url, &[("csrf", &csrf), ("method", "Density gradient"), ("centrifuge_programme", "P3 400g 10 min"), ("cabinet", "BSC-2"), ("kit_lots", "K-1, K-2")]).await;
        assert_eq!(processed.status(), StatusCode::SEE_OTHER);
        let product_path = location(&processed);
        assert!(product_path.starts_with("/lab/units/") && !product_path.ends_with(&specimen.to_string()), "on to the product");
        let product = product_path.trim_start_matches("/lab/units/").to_string();

        let (_, html) = page(&lab, server.url(&product_path)).await;
        assert!(html.contains("Bone marrow concentrate") && html.contains("Awaiting release"));
        assert!(section(&html, "derivation").contains(&format!("href=\"/lab/units/{specimen}\"")), "made from the specimen");
        assert!(html.contains("BSC-2") && html.contains("K-1, K-2"), "the processing record");
        assert!(section(&html, "criteria").contains("class=\"pending\""));
        assert!(!html.contains(&format!("action=\"/lab/units/{product}/release\"")), "no release before quality control");
        let qc_url = server.url(&format!("/lab/units/{product}/qc"));
        let low = post(&lab, qc_url.clone(), &[("csrf", &csrf), ("volume_ml", "8.5"), ("cells_millions", "420"), ("viability_percent", "55")]).await;
        assert_eq!(low.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&lab, server.url(&product_path)).await;
        assert!(html.contains("Misses the release criteria: Viability (%)"), "which criterion it misses");
        let criteria = section(&html, "criteria");
        assert!(criteria.contains("<li class=\"missed\">Viability (%): at least 70 %"), "{criteria}");
        assert!(criteria.contains("<li class=\"met\">Volume (mL)"));

        let release_url = server.url(&format!("/lab/units/{product}/release"));
        let same_person = post(&lab, release_url.clone(), &[("csrf", &csrf)]).await;
        assert_eq!(same_person.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(same_person).await;
        assert!(section(&html, "release").contains("A second person must do this, not the one who did the step before."), "{html}");

        let second = signed_in(&server, "lab-two").await;
        let (_, html) = page(&second, server.url(&product_path)).await;
        let second_csrf = csrf_of(&html).expect("csrf");
        let below = post(&second, release_url.clone(), &[("csrf", &second_csrf)]).await;
        assert_eq!(below.status(), StatusCode::UNPROCESSABLE_ENTITY, "below the criteria nobody releases it");
        assert!(section(&body(below).await, "release").contains("The criteria are not met."));
        let good = post(&second, qc_url, &[("csrf", &second_csrf), ("volume_ml", "8.5"), ("cells_millions", "420"), ("viability_percent", "91")]).await;
        assert_eq!(good.status(), StatusCode::SEE_OTHER);
        let released = post(&second, release_url, &[("csrf", &second_csrf)]).await;
        assert_eq!(released.status(), StatusCode::SEE_OTHER, "released by the second technician");
        let (_, html) = page(&second, server.url(&product_path)).await;
        assert!(html.contains("<span class=\"unit-status released\" id=\"unit-status\">Released</span>"), "{html}");
        assert!(html.contains("<bdi dir=\"ltr\">lab-two</bdi>"), "who released it");
        assert!(!section(&html, "criteria").contains("missed"));

        let finish_url = server.url(&format!("/lab/units/{product}/finish-processing"));
        let too_soon = post(&second, finish_url.clone(), &[("csrf", &second_csrf), ("session", &session.to_string()), ("reason", "")]).await;
        assert_eq!(too_soon.status(), StatusCode::UNPROCESSABLE_ENTITY, "processing in a minute is outside the protocol");
        assert!(section(&body(too_soon).await, "finish").contains("give the reason"));
        let finished = post(&second, finish_url, &[("csrf", &second_csrf), ("session", &session.to_string()), ("reason", "Test run")]).await;
        assert_eq!(finished.status(), StatusCode::SEE_OTHER);

        let (_, html) = page(&lab, server.url("/lab")).await;
        assert!(section(&html, "released-title").contains(&format!("href=\"/lab/units/{product}\"")), "the product is on the released list");
    }

    async fn a_donor_lot_is_received_into_quarantine_and_released_through_the_forms(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let site = server.clinic.site.to_string();
        let lab = signed_in(&server, "lab_tech").await;
        let (status, html) = page(&lab, server.url("/lab/donor-lots")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("No donor lots."));
        let csrf = csrf_of(&html).expect("csrf");
        let lot = |expires: String| {
            vec![
                ("csrf", csrf.clone()),
                ("site", site.clone()),
                ("supplier", "CellBank Europe".to_string()),
                ("supplier_lot", "CBE-2026-0042".to_string()),
                ("description", "Umbilical MSC, 10 million cells".to_string()),
                ("volume_ml", "5".to_string()),
                ("expires_at", expires),
            ]
        };
        let refused = lab.post(server.url("/lab/donor-lots")).form(&lot("31/12/2030".into())).send().await.expect("post");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(refused).await;
        let message = &html[html.find("id=\"e-l-expires_at\"").expect("the message by the expiry field")..];
        assert!(message.starts_with("id=\"e-l-expires_at\">This is not a valid date"), "{message}");
        assert!(html.contains("value=\"CBE-2026-0042\""), "what was typed stays");

        let expires = (Utc::now() + Duration::days(30)).format("%Y-%m-%d %H:%M").to_string();
        let received = lab.post(server.url("/lab/donor-lots")).form(&lot(expires)).send().await.expect("post");
        assert_eq!(received.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&received), format!("/lab/donor-lots?site={site}"));
        let (_, html) = page(&lab, server.url("/lab/donor-lots")).await;
        let quarantined = section(&html, "lots-quarantined");
        assert!(quarantined.contains("In quarantine") && quarantined.contains("CBE-2026-0042") && quarantined.contains("CellBank Europe"));
        assert!(quarantined.contains("<span class=\"check-char\">"), "the lot has the site's own identifier");
        let unit = unit_href(quarantined);

        let (_, html) = page(&lab, server.url(&unit)).await;
        assert!(html.contains("Donor cells") && html.contains("Received into quarantine"));
        let released = post(&lab, server.url(&format!("{unit}/release-lot")), &[("csrf", &csrf)]).await;
        assert_eq!(released.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&lab, server.url(&unit)).await;
        assert!(html.contains("id=\"unit-status\">Released</span>"));
        assert!(!html.contains("/release-lot\""), "released once");
        let (_, html) = page(&lab, server.url("/lab/donor-lots")).await;
        assert!(section(&html, "lots-released").contains(&unit));
        assert!(!html.contains("id=\"lots-quarantined\""));
        let (_, html) = page(&lab, server.url("/lab")).await;
        assert!(section(&html, "released-title").contains(&unit), "released lots are on the lab's list");
    }

    async fn the_board_shows_each_patient_at_their_step_and_refreshes_itself(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let day: NaiveDate = (Utc::now() + Duration::days(2)).date_naive();
        let at = |hour| day.and_hms_opt(hour, 0, 0).expect("time").and_utc();
        let (first, session) = checked_in(&server, "Salma", at(9)).await;
        let physician = server.clinic.actor(Role::Physician);
        server.clinic.app.start_step(physician, session, "harvest", "").await.expect("harvest started");
        let (_, plan) = server.clinic.approved_knee_plan("Noura", "Khalil").await;
        server.clinic.app.schedule_session(server.clinic.actor(Role::Coordinator), plan, at(13)).await.expect("second session");

        let nurse = signed_in(&server, "nurse").await;
        let url = server.url(&format!("/board?date={day}"));
        let (status, html) = page(&nurse, url.clone()).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"), "the board reloads itself");
        assert!(html.contains("id=\"board-updated\"") && html.contains("Updated "), "with the time of the last refresh");
        assert!(html.contains("Main clinic"));
        let rows: Vec<&str> = html.split("<tr class=\"board-row").skip(1).collect();
        assert_eq!(rows.len(), 2, "every patient of the day");
        let salma = rows.iter().find(|r| r.contains("Salma")).expect("Salma's row");
        assert!(salma.contains("<bdi>Salma H.</bdi>"), "given name and family initial on a shared screen: {salma}");
        assert!(salma.contains(&first.record_number.as_str().to_string()));
        assert!(salma.contains(&format!("href=\"/sessions/{session}/day\"")));
        assert!(salma.contains("Own cells"));
        assert!(salma.contains("<span class=\"board-step\">Harvest</span><span class=\"board-step-state\">in progress</span>"), "{salma}");
        assert!(salma.contains("<span class=\"board-time ok\">0 / 45 min</span>"), "time in step against the protocol's maximum: {salma}");
        let noura = rows.iter().find(|r| r.contains("Noura")).expect("Noura's row");
        assert!(noura.contains("<bdi>Noura K.</bdi>") && noura.contains("Check-in") && noura.contains("next, not started"));
        assert!(!html.contains("Haddad") && !html.contains("Khalil"), "no family names on the wall");

        arabic(&server, &nurse).await;
        let (_, html) = page(&nurse, url).await;
        assert!(html.contains("dir=\"rtl\"") && html.contains("لوحة اليوم"));
        assert!(html.contains("٠ من ٤٥ دقيقة"), "Arabic digits and words");
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"));

        let coordinator = signed_in(&server, "coordinator").await;
        let (status, _) = page(&coordinator, server.url("/board")).await;
        assert_eq!(status, StatusCode::OK, "coordinators see the board");
        let admin = signed_in(&server, "admin").await;
        let (status, _) = page(&admin, server.url("/board")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the admin has no business on the clinical board");

        // The navigation leads each role to what it may open.
        let lab = signed_in(&server, "lab_tech").await;
        for (client, who, board, bench) in [(&nurse, "nurse", true, false), (&coordinator, "coordinator", true, false), (&lab, "lab_tech", true, true), (&admin, "admin", false, false)] {
            let (status, html) = page(client, server.url("/home")).await;
            assert_eq!(status, StatusCode::OK, "{who}");
            let nav = html.split("<nav").nth(1).expect("the navigation").split("</nav>").next().expect("end");
            assert_eq!(nav.contains("href=\"/board\""), board, "{who}'s nav and the board: {nav}");
            assert_eq!(nav.contains("href=\"/lab\""), bench, "{who}'s nav and the lab: {nav}");
        }
    }

    async fn the_admin_sets_a_sites_facility_code_and_label_size_and_a_bad_code_is_refused(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let admin = signed_in(&server, "admin").await;
        let (status, html) = page(&admin, server.url("/admin/sites")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let site = server.clinic.site;
        let form_id = format!("site-{site}");
        let form = section(&html, &form_id);
        assert!(form.contains("value=\"T1234\""), "{form}");
        assert!(form.contains("<option value=\"100x50\" selected>100 × 50 mm</option>"), "{form}");
        assert!(section(&html, &format!("site-{}", server.clinic.other_site)).contains("value=\"T5678\""));
        let csrf = csrf_of(&html).expect("csrf");
        let url = server.url(&format!("/admin/sites/{site}/labels"));

        let refused = post(&admin, url.clone(), &[("csrf", &csrf), ("facility_code", "1ABCD"), ("label_size", "30x30")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(refused).await;
        let form = section(&html, &form_id);
        assert!(form.contains("value=\"1ABCD\""), "what was typed stays");
        let code = &form[form.find(&format!("id=\"e-{site}-facility_code\"")).expect("the message by the facility code")..];
        assert!(code.starts_with(&format!("id=\"e-{site}-facility_code\">This value is not in the expected format.")), "{code}");
        assert!(form.contains("Choose one of the listed values."), "the size too");
        assert!(!section(&html, &format!("site-{}", server.clinic.other_site)).contains("aria-invalid"), "only that site's form");

        arabic(&server, &admin).await;
        let refused = post(&admin, url.clone(), &[("csrf", &csrf), ("facility_code", "1ABCD"), ("label_size", "100x50")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(refused).await;
        assert!(section(&html, &form_id).contains("هذه القيمة ليست بالصيغة المتوقعة."), "in Arabic: {}", section(&html, &form_id));

        let saved = post(&admin, url, &[("csrf", &csrf), ("facility_code", "k9876"), ("label_size", "50x25")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let labels = server.clinic.app.site_labels(server.clinic.actor(Role::Admin), site).await.expect("labels");
        assert_eq!((labels.facility_code.as_deref(), labels.label_width_mm, labels.label_height_mm), (Some("K9876"), 50, 25));
        let (_, html) = page(&admin, server.url("/admin/sites")).await;
        let form = section(&html, &form_id);
        assert!(form.contains("value=\"K9876\"") && form.contains("<option value=\"50x25\" selected>"), "{form}");

        let lab = signed_in(&server, "lab_tech").await;
        let refused = post(&lab, server.url(&format!("/admin/sites/{site}/labels")), &[("csrf", &csrf), ("facility_code", "T0000"), ("label_size", "50x25")]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "only the admin");
    }
}
