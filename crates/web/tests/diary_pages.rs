//! The symptom diary and the triage queue through the pages, on both
//! engines against the real server: the patient writes an entry in the
//! portal and is told what is usual today; a wrong answer comes back next
//! to its field (in Arabic too); a red flag tells them at once to call the
//! clinic with its number; a nurse takes the alert from the triage queue
//! and closes it with a note; the site's number is set by the admin.

use cellpath_domain::{Locale, SessionId};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
use cellpath_web::i18n::tr;
use chrono::{Duration, Utc};
use reqwest::StatusCode;

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

/// Posts `fields` to `path` with the token of the page at `form_page`.
async fn post(
    server: &TestServer,
    client: &reqwest::Client,
    form_page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = page(client, server.url(form_page)).await;
    let csrf = csrf_of(&html).expect("a form token");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    client
        .post(server.url(path))
        .form(&all)
        .send()
        .await
        .expect("post")
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// "Amal Haddad" with the fixture's knee plan (her own bone marrow), a
/// session two days ago, and a portal account `amal`.
async fn two_days_after(server: &TestServer) -> SessionId {
    let clinic = &server.clinic;
    let (patient, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
    let session = clinic
        .past_session(&patient, plan, Utc::now() - Duration::days(2))
        .await;
    clinic.portal_account(patient.id, "amal").await;
    session
}

both_backends! {
    async fn a_red_flag_in_the_diary_says_call_now_and_reaches_the_triage_queue(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let session = two_days_after(&server).await;
        let diary = format!("/sessions/{session}/diary");
        let amal = signed_in(&server, "amal").await;

        let (status, html) = page(&amal, server.url("/portal/sessions")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("href=\"{diary}\"")), "the diary is linked from the patient's sessions");
        let (status, html) = page(&amal, server.url(&diary)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h2 id=\"today-title\">Day 2 after the session</h2>"), "{html}");
        assert!(html.contains(&tr(Locale::En, "diary-expect-day-1-2")), "what is usual today");
        assert!(html.contains("name=\"pain_injection\"") && html.contains("name=\"pain_harvest\""), "pain where the cells went in and where they were drawn");

        // A pain of 11 comes back next to its field, with what was typed.
        let refused = post(&server, &amal, &diary, &diary, &[("day", "2"), ("pain_injection", "11"), ("temperature", "37.1")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("id=\"e-d-pain_injection\""), "{html}");
        assert!(html.contains("value=\"37.1\""), "what was typed stays");

        // A quiet day: saved, and no call.
        let saved = post(&server, &amal, &diary, &diary, &[("day", "2"), ("pain_injection", "3"), ("pain_harvest", "2"), ("swelling", "mild"), ("temperature", "37.2"), ("note", "Sore but fine.")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&amal, server.url(&location(&saved))).await;
        assert!(html.contains("id=\"diary-saved\""), "{html}");
        assert!(!html.contains("id=\"call-now\""));
        assert!(html.contains("Sore but fine."));

        // A fever of 39.6 with chills: call the clinic now, with its number.
        let flagged = post(&server, &amal, &diary, &diary, &[("day", "2"), ("pain_injection", "4"), ("temperature", "39.6"), ("chills", "true")]).await;
        assert_eq!(flagged.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&amal, server.url(&location(&flagged))).await;
        let call = html.split("id=\"call-now\"").nth(1).expect("call the clinic now").split("</div>").next().expect("end");
        assert!(call.contains("Call the clinic now:"), "{call}");
        assert!(call.contains("href=\"tel:+971 4 555 0123\""), "the site's number: {call}");
        assert!(call.contains("Fever of 39.4 °C or more") && call.contains("Chills"), "{call}");
        assert!(!call.contains("Fever of 38.0"), "one fever flag, the urgent one: {call}");

        // In Arabic, an unreadable temperature is told in Arabic.
        amal.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let refused = post(&server, &amal, &diary, &diary, &[("day", "2"), ("temperature", "hot")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains("id=\"e-d-temperature\">"), "{html}");
        assert!(html.contains(&tr(Locale::Ar, "diary-field-temperature")));

        // The nurse's queue: the urgent fever first, then the chills.
        let nurse = signed_in(&server, "nurse").await;
        let (status, html) = page(&nurse, server.url("/triage")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("href=\"/triage\""), "triage is in the nurse's navigation");
        let alerts: Vec<&str> = html.split("<li class=\"card alert-").skip(1).collect();
        assert_eq!(alerts.len(), 2, "{html}");
        assert!(alerts[0].starts_with("urgent") && alerts[0].contains("Fever of 39.4"), "{}", alerts[0]);
        assert!(alerts[1].contains("Chills") && alerts[1].contains("Amal Haddad"), "{}", alerts[1]);
        assert!(alerts[0].contains("nobody yet"));
        let id = alerts[0].split("id=\"alert-").nth(1).expect("id").split('"').next().expect("id").to_string();

        let taken = post(&server, &nurse, "/triage", &format!("/triage/{id}/take"), &[("site", &server.clinic.site.to_string()), ("version", "1")]).await;
        assert_eq!(taken.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url("/triage")).await;
        let first = html.split(&format!("id=\"alert-{id}\"")).nth(1).expect("the alert").split("</li>").next().expect("end");
        assert!(first.contains("Test nurse"), "the owner is shown: {first}");

        // A stale version is a conflict, shown with the alert as it is now.
        let stale = post(&server, &nurse, "/triage", &format!("/triage/{id}/close"), &[("site", &server.clinic.site.to_string()), ("version", "1"), ("closing_note", "Called.")]).await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        assert!(strip_isolation(&stale.text().await.expect("body")).contains("id=\"triage-banner\""));
        // Closing needs a note.
        let refused = post(&server, &nurse, "/triage", &format!("/triage/{id}/close"), &[("site", &server.clinic.site.to_string()), ("version", "2"), ("closing_note", " ")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(strip_isolation(&refused.text().await.expect("body")).contains(&format!("id=\"e-note-{id}\"")));
        let closed = post(&server, &nurse, "/triage", &format!("/triage/{id}/close"), &[("site", &server.clinic.site.to_string()), ("version", "2"), ("closing_note", "Called the patient; seen the same day.")]).await;
        assert_eq!(closed.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url("/triage")).await;
        assert_eq!(html.matches("<li class=\"card alert-").count(), 1, "the closed alert left the queue");

        // The nurse reads the diary too; others do not.
        let (status, html) = page(&nurse, server.url(&diary)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Fever of 39.4"), "the entry's flags are listed");
        for (who, expected) in [("coordinator", StatusCode::FORBIDDEN), ("admin", StatusCode::FORBIDDEN), ("north-nurse", StatusCode::NOT_FOUND)] {
            let client = signed_in(&server, who).await;
            let (status, _) = page(&client, server.url(&diary)).await;
            assert_eq!(status, expected, "{who} and the diary");
        }
        let coordinator = signed_in(&server, "coordinator").await;
        let (status, _) = page(&coordinator, server.url("/triage")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn the_admin_sets_the_number_patients_call(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let site = server.clinic.site;
        let admin = signed_in(&server, "admin").await;
        let url = format!("/admin/sites/{site}/labels");
        let refused = post(&server, &admin, "/admin/sites", &url, &[("facility_code", "T1234"), ("label_size", "100x50"), ("phone", "call us")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains(&format!("id=\"e-{site}-phone\"")), "{html}");
        assert!(html.contains("value=\"call us\""), "what was typed stays");
        let saved = post(&server, &admin, "/admin/sites", &url, &[("facility_code", "T1234"), ("label_size", "100x50"), ("phone", "+971 4 555 0999")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert_eq!(server.clinic.app.site_phone(site).await.expect("phone"), "+971 4 555 0999");
        let (_, html) = page(&admin, server.url("/admin/sites")).await;
        assert!(html.contains("value=\"+971 4 555 0999\""));
    }
}
