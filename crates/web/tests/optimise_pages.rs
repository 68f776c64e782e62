//! "Optimise this day" against the real server on both engines: the
//! proposal beside the plan in force, applied once, refused when stale,
//! in English and Arabic, for coordinators only.

use cellpath_domain::{PlanId, Role};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

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

async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .expect("hidden field");
    html[start..]
        .split('"')
        .next()
        .expect("value")
        .replace("&#43;", "+")
        .replace("&#x2b;", "+")
}

/// Two sessions on a weekday morning: the second waits 15 minutes for the centrifuge.
async fn day_with_waiting(server: &TestServer) -> DateTime<Utc> {
    let app = &server.clinic.app;
    let coordinator = server.clinic.actor(Role::Coordinator);
    let mut day = (Utc::now() + Duration::days(21)).date_naive();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day = day.succ_opt().expect("date");
    }
    let start = day.and_hms_opt(8, 0, 0).expect("time").and_utc();
    let mut plans: Vec<PlanId> = Vec::new();
    for name in ["Early", "Later"] {
        plans.push(server.clinic.approved_knee_plan(name, "Optimised").await.1);
    }
    app.schedule_session(coordinator, plans[0], start)
        .await
        .expect("first");
    app.schedule_session(coordinator, plans[1], start + Duration::minutes(45))
        .await
        .expect("second");
    start
}

both_backends! {
    async fn a_coordinator_sees_the_proposal_beside_the_day_and_applies_it_once(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let start = day_with_waiting(&server).await;
        let site = server.clinic.site;
        let url = server.url(&format!("/optimise/{}?site={site}", start.date_naive()));
        let coordinator = signed_in(&server, "coordinator").await;
        let (status, html) = page(&coordinator, url.clone()).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Optimise the day"));
        assert!(html.contains("<td>15 min</td><td>0 min</td>"), "{html}");
        assert!(html.contains("15 min → 0 min"), "{html}");
        let proposal = hidden(&html, "proposal");
        let csrf = csrf_of(&html).expect("csrf");
        let apply_url = server.url(&format!("/optimise/{}/apply", start.date_naive()));
        let form = [("csrf", csrf.as_str()), ("site", &site.to_string()), ("proposal", proposal.as_str())];
        let applied = coordinator.post(apply_url.clone()).form(&form).send().await.expect("apply");
        assert_eq!(applied.status(), StatusCode::SEE_OTHER);
        assert!(applied.headers()["location"].to_str().expect("location").starts_with(&format!("/schedule/{}", start.date_naive())));
        let day = server.clinic.app.day_schedule(server.clinic.actor(Role::Coordinator), site, start.date_naive()).await.expect("day");
        assert_eq!(day.sessions.iter().map(|s| s.waiting()).sum::<i64>(), 0);
        // The same proposal again is stale: nothing applied, a fresh proposal shown.
        let again = coordinator.post(apply_url).form(&form).send().await.expect("apply again");
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let html = strip_isolation(&again.text().await.expect("body"));
        assert!(html.contains("The day changed since the proposal was made"), "{html}");
        assert!(!html.contains("id=\"apply-proposal\""), "nothing left to improve: {html}");
        // In Arabic, right to left.
        coordinator.get(server.url("/lang/ar")).send().await.expect("arabic");
        let (_, html) = page(&coordinator, url.clone()).await;
        assert!(html.contains("dir=\"rtl\""));
        assert!(html.contains("تحسين اليوم"));
        // The day's timeline offers it to those who book, not to nurses.
        let day_url = server.url(&format!("/schedule/{}?site={site}", start.date_naive()));
        let (_, timeline) = page(&coordinator, day_url.clone()).await;
        assert!(timeline.contains("id=\"optimise-link\""), "{timeline}");
        // A nurse may not optimise.
        let nurse = signed_in(&server, "nurse").await;
        let (_, timeline) = page(&nurse, day_url).await;
        assert!(!timeline.contains("id=\"optimise-link\""));
        let (status, _) = page(&nurse, url).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
