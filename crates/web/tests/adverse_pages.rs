//! Adverse events and the lookback through the pages, on both engines: a
//! physician records an event after a session (refused by field when it
//! does not hold together), it is linked to the product given, and one
//! click from it, from the day page or from the lab's unit page finds every
//! patient of the same product or kit lot, in English and Arabic.

use cellpath_domain::Role;
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
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

/// The `href` values of links with `class="lookback-link"`.
fn lookback_links(html: &str) -> Vec<String> {
    html.split("<a href=\"")
        .skip(1)
        .filter(|rest| {
            rest.split('>')
                .next()
                .is_some_and(|tag| tag.contains("class=\"lookback-link\""))
        })
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&#x3d;", "=").replace("&#61;", "="))
        .collect()
}

both_backends! {
    async fn an_event_is_recorded_and_traced_back_to_its_kit_lot_in_one_click(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let first = server.clinic.administered("Amal", "Haddad", "KL-77, BUF-1").await;
        let second = server.clinic.administered("Noura", "Khalil", "KL-77").await;
        let _other = server.clinic.administered("Salma", "Other", "KL-78").await;
        let physician = signed_in(&server, "physician").await;
        let url = server.url(&format!("/sessions/{}/adverse-events", first.session));
        let (status, html) = page(&physician, url.clone()).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"ae-empty\""));
        let csrf = csrf_of(&html).expect("token");

        // A grade 4 event that is not marked serious does not hold together.
        let refused = physician.post(url.clone()).form(&[
            ("csrf", csrf.as_str()), ("what", "Knee swelling and fever"), ("onset_at", ""), ("grade", "4"),
            ("relatedness", "possible"), ("outcome", "recovering"),
        ]).send().await.expect("post");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        assert!(html.contains("id=\"e-ae-onset_at\""), "the missing onset by its field: {html}");
        assert!(html.contains("Knee swelling and fever"), "what was typed stays");

        let onset = (server.clinic.app.now() - chrono::Duration::hours(2)).format("%Y-%m-%d %H:%M").to_string();
        let saved = physician.post(url.clone()).form(&[
            ("csrf", csrf.as_str()), ("what", "Knee swelling"), ("onset_at", onset.as_str()), ("grade", "2"),
            ("relatedness", "possible"), ("outcome", "recovering"),
        ]).send().await.expect("post");
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&physician, url).await;
        assert!(html.contains("Knee swelling") && html.contains("Grade 2: moderate"), "{html}");
        let product = first.product_id.printed();
        let links = lookback_links(&html);
        assert!(links.contains(&format!("/lookback?unit={product}")), "one click to the lookback: {links:?}");

        // From the product: this patient, with the event.
        let (status, html) = page(&physician, server.url(&format!("/lookback?unit={product}"))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let rows = html.split("id=\"lookback-rows\"").nth(1).expect("rows").split("<tbody>").nth(1).expect("body").split("</tbody>").next().expect("end");
        assert_eq!(rows.matches("<tr>").count(), 1, "{rows}");
        assert!(rows.contains("Amal Haddad") && rows.contains("Knee swelling"), "{rows}");
        assert!(rows.contains("href=\"/lookback?kit_lot=KL-77\""), "each kit lot is a click away: {rows}");

        // From the kit lot: both patients who got it, not the look-alike lot.
        let (_, html) = page(&physician, server.url("/lookback?kit_lot=kl-77")).await;
        let rows = html.split("id=\"lookback-rows\"").nth(1).expect("rows").split("<tbody>").nth(1).expect("body").split("</tbody>").next().expect("end");
        assert_eq!(rows.matches("<tr>").count(), 2, "{rows}");
        assert!(rows.contains("Amal Haddad") && rows.contains("Noura Khalil") && !rows.contains("Salma"), "{rows}");
        assert!(rows.contains(&second.product_id.printed()));

        // From the day page and the lab's unit page too.
        let (_, html) = page(&physician, server.url(&format!("/sessions/{}/day", first.session))).await;
        assert!(lookback_links(&html).contains(&format!("/lookback?unit={product}")), "the day page's units");
        let lab = signed_in(&server, "lab_tech").await;
        let (_, html) = page(&lab, server.url(&format!("/lab/units/{}", first.product.id))).await;
        assert!(html.contains(&format!("href=\"/lookback?unit={product}\"")), "the lab's unit page");
        let (status, _) = page(&lab, server.url("/lookback?kit_lot=KL-77")).await;
        assert_eq!(status, StatusCode::OK, "the lab runs recalls");

        // Refusals and roles.
        let (status, html) = page(&physician, server.url("/lookback?unit=T123426999999X")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"e-unit\""), "{html}");
        let coordinator = signed_in(&server, "coordinator").await;
        let (status, _) = page(&coordinator, server.url("/lookback?kit_lot=KL-77")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let lab_events = page(&lab, server.url(&format!("/sessions/{}/adverse-events", first.session))).await.0;
        assert_eq!(lab_events, StatusCode::FORBIDDEN, "the lab does not record adverse events");

        // In Arabic, right to left.
        physician.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let (_, html) = page(&physician, server.url("/lookback?kit_lot=KL-77")).await;
        assert!(html.contains("dir=\"rtl\"") && html.contains("التتبع العكسي"));
        let _ = server.clinic.actor(Role::Physician);
    }
}
