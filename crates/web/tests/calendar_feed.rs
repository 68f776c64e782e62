//! Each staff member's calendar feed on both engines: created on
//! `/me/calendar`, read without a cookie at its secret address, parsed by
//! python `icalendar`, free of patient names, and dead once replaced.

use cellpath_domain::Role;
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

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

/// Books a one-session knee plan for a patient called "Samira Haddad"
/// (record number returned) two days from now at 09:00.
async fn booked_session(server: &TestServer) -> String {
    let app = &server.clinic.app;
    let (patient, plan) = server.clinic.approved_knee_plan("Samira", "Haddad").await;
    let starts = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc();
    app.schedule_session(server.clinic.actor(Role::Coordinator), plan, starts)
        .await
        .expect("session");
    patient.record_number.as_str().to_string()
}

/// Creates (or replaces) the signed-in user's feed and returns its address.
async fn create_feed(server: &TestServer, client: &reqwest::Client) -> String {
    let response = client
        .get(server.url("/me/calendar"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    let csrf = csrf_of(&html).expect("csrf");
    let response = client
        .post(server.url("/me/calendar"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::OK);
    let html = strip_isolation(&response.text().await.expect("body"));
    let start = html
        .find("id=\"feed-url\" dir=\"ltr\">")
        .expect("feed url shown")
        + "id=\"feed-url\" dir=\"ltr\">".len();
    let end = start + html[start..].find('<').expect("end of url");
    let url = html[start..end].to_string();
    assert!(url.starts_with(&server.base), "{url}");
    assert!(url.contains("/calendar/") && url.contains(".ics"), "{url}");
    url
}

/// The events of a calendar as python `icalendar` reads them, as JSON.
fn parse_with_python(ics: &str) -> serde_json::Value {
    const SCRIPT: &str = r#"
import icalendar, json, sys
c = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
print(json.dumps({
    'version': str(c.get('VERSION')),
    'events': [{
        'uid': str(e.get('UID')),
        'summary': str(e.get('SUMMARY')),
        'location': str(e.get('LOCATION', '')),
        'start': e.decoded('DTSTART').isoformat(),
        'end': e.decoded('DTEND').isoformat(),
    } for e in c.walk('VEVENT')],
}, ensure_ascii=False))
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("these tests need python3 with the icalendar package");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ics.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python3");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

both_backends! {
    async fn the_feed_lists_the_staff_members_steps_without_patients(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let record = booked_session(&server).await;
        let physician = signed_in(&server, "physician").await;
        let page = physician.get(server.url("/me/calendar")).send().await.expect("get");
        assert!(page.text().await.expect("body").contains("id=\"no-feed\""));
        let url = create_feed(&server, &physician).await;

        // A calendar app has no cookie.
        let response = reqwest::get(&url).await.expect("feed");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/calendar"));
        let ics = response.text().await.expect("body");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line}");
        }
        assert!(!ics.contains("Samira") && !ics.contains("Haddad"), "no patient name");
        assert!(!ics.contains(&record), "no record number");

        let physician_id = server.clinic.actor(Role::Physician).user_id;
        let expected = server
            .clinic
            .app
            .staff_calendar(physician_id)
            .await
            .expect("calendar");
        assert!(!expected.is_empty(), "the physician has booked steps");
        let parsed = parse_with_python(&ics);
        assert_eq!(parsed["version"], "2.0");
        let events = parsed["events"].as_array().expect("events");
        assert_eq!(events.len(), expected.len());
        let mut uids: Vec<&str> = events.iter().map(|e| e["uid"].as_str().expect("uid")).collect();
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), events.len(), "one UID per step");
        for (event, entry) in events.iter().zip(&expected) {
            assert!(event["summary"].as_str().expect("summary").ends_with(" · Dr Test"), "{event}");
            assert_eq!(event["location"], "Main clinic");
            assert_eq!(event["start"], entry.from.format("%Y-%m-%dT%H:%M:%S+00:00").to_string());
            assert_eq!(event["end"], entry.to.format("%Y-%m-%dT%H:%M:%S+00:00").to_string());
        }
        assert!(
            events.iter().any(|e| e["summary"] == "Harvest · Dr Test"),
            "{events:?}"
        );
        // The same feed read again keeps its UIDs.
        let again = parse_with_python(&reqwest::get(&url).await.expect("feed").text().await.expect("body"));
        assert_eq!(again["events"].as_array().map(|e| e.len()), Some(events.len()));
        assert_eq!(again["events"][0]["uid"], events[0]["uid"]);

        // The page now says a feed exists (the address itself is not kept).
        let html = physician.get(server.url("/me/calendar")).send().await.expect("get").text().await.expect("body");
        assert!(html.contains("id=\"feed-exists\""));
        assert!(!html.contains("id=\"feed-url\""));
    }

    async fn unknown_and_replaced_tokens_are_not_found(backend: Backend) {
        let server = TestServer::start(&backend).await;
        booked_session(&server).await;
        for path in [
            format!("/calendar/{}.ics", "0".repeat(64)),
            "/calendar/short.ics".to_string(),
            format!("/calendar/{}", "a".repeat(64)),
        ] {
            let response = reqwest::get(server.url(&path)).await.expect("get");
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let nurse = signed_in(&server, "nurse").await;
        let old = create_feed(&server, &nurse).await;
        assert_eq!(reqwest::get(&old).await.expect("get").status(), StatusCode::OK);
        let new = create_feed(&server, &nurse).await;
        assert_ne!(old, new);
        assert_eq!(reqwest::get(&old).await.expect("get").status(), StatusCode::NOT_FOUND);
        let response = reqwest::get(&new).await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.expect("body").contains("Nurse Test"));
    }

    async fn the_feed_is_written_in_the_language_asked(backend: Backend) {
        let server = TestServer::start(&backend).await;
        booked_session(&server).await;
        let lab = signed_in(&server, "lab_tech").await;
        let response = lab
            .get(server.url("/me/calendar"))
            .header("accept-language", "ar")
            .send()
            .await
            .expect("get");
        let html = response.text().await.expect("body");
        assert!(html.contains("dir=\"rtl\""));
        let csrf = csrf_of(&html).expect("csrf");
        let html = lab
            .post(server.url("/me/calendar"))
            .header("accept-language", "ar")
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("post")
            .text()
            .await
            .expect("body");
        let start = html.find("id=\"feed-url\" dir=\"ltr\">").expect("url") + "id=\"feed-url\" dir=\"ltr\">".len();
        let url = &html[start..start + html[start..].find('<').expect("end")];
        assert!(url.ends_with("?lang=ar"), "{url}");
        let ics = reqwest::get(url).await.expect("feed").text().await.expect("body");
        let parsed = parse_with_python(&ics);
        let events = parsed["events"].as_array().expect("events");
        assert!(!events.is_empty());
        assert!(events.iter().all(|e| e["summary"].as_str().expect("summary").ends_with(" · Lab Test")));
        assert!(events.iter().any(|e| e["summary"].as_str().expect("summary").starts_with("المعالجة")
            || !e["summary"].as_str().expect("summary").is_ascii()), "{events:?}");
    }
}
