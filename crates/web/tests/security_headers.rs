//! The security headers on every kind of response, on both engines: pages
//! (signed in and not), static files, the JSON API and its problems, FHIR
//! and its OperationOutcomes, refusals made before any handler (an unknown
//! route, a body over the limit, a cross-site post). Over plain HTTP there
//! is no Strict-Transport-Security; under TLS the cli's test checks it.

use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Asserts the headers every response carries, naming the response.
fn assert_secured(what: &str, headers: &HeaderMap) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_string()
    };
    let csp = header("content-security-policy");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            directives.contains(&directive),
            "{what}: {directive} missing from {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "{what}: HSTS over plain HTTP"
    );
}

both_backends! {
    async fn every_response_carries_the_security_headers(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = server.client();
        let mut seen = Vec::new();
        let mut check = |what: &str, response: &reqwest::Response, status: StatusCode| {
            assert_eq!(response.status(), status, "{what}");
            assert_secured(what, response.headers());
            seen.push(what.to_string());
        };

        let page = client.get(server.url("/sign-in")).send().await.expect("sign-in");
        check("the sign-in page", &page, StatusCode::OK);
        let redirect = client.get(server.url("/patients")).send().await.expect("patients");
        check("a redirect to sign in", &redirect, StatusCode::SEE_OTHER);
        let css = client.get(server.url("/static/app.css")).send().await.expect("css");
        check("a stylesheet", &css, StatusCode::OK);
        let script = client.get(server.url("/static/signature.js")).send().await.expect("js");
        check("a script", &script, StatusCode::OK);

        let signed_in = server.sign_in(&client, "nurse", PASSWORD).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let home = client.get(server.url("/patients")).send().await.expect("patients");
        check("a signed-in page", &home, StatusCode::OK);
        let missing = client.get(server.url("/patients/0190a0b0-0000-7000-8000-000000000000")).send().await.expect("patient");
        check("a page not found", &missing, StatusCode::NOT_FOUND);

        let token = server.token("physician").await;
        let api = reqwest::Client::new();
        let list = api.get(server.url("/api/v1/patients")).bearer_auth(&token).send().await.expect("api");
        check("an API answer", &list, StatusCode::OK);
        let unauthorised = api.get(server.url("/api/v1/patients")).send().await.expect("api");
        check("an API problem (no token)", &unauthorised, StatusCode::UNAUTHORIZED);
        let invalid = api.post(server.url("/api/v1/patients")).bearer_auth(&token).json(&serde_json::json!({})).send().await.expect("api");
        check("an API problem (invalid)", &invalid, StatusCode::UNPROCESSABLE_ENTITY);
        // Its own client: the server answers before reading the body and closes that connection.
        let too_big = reqwest::Client::new().post(server.url("/api/v1/patients")).bearer_auth(&token).header("content-type", "application/json").body(vec![b' '; 2 * 1024 * 1024]).send().await.expect("api");
        assert!(too_big.status().is_client_error(), "{}", too_big.status());
        let status = too_big.status();
        check("a body over the limit", &too_big, status);
        let openapi = api.get(server.url("/openapi.json")).send().await.expect("openapi");
        check("the OpenAPI document", &openapi, StatusCode::OK);

        let metadata = api.get(server.url("/fhir/metadata")).send().await.expect("fhir");
        check("the FHIR CapabilityStatement", &metadata, StatusCode::OK);
        let search = api.get(server.url("/fhir/Patient")).bearer_auth(&token).send().await.expect("fhir");
        check("a FHIR search", &search, StatusCode::OK);
        let outcome = api.get(server.url("/fhir/Patient?_count=0")).bearer_auth(&token).send().await.expect("fhir");
        assert!(outcome.status().is_client_error(), "{}", outcome.status());
        let status = outcome.status();
        check("a FHIR OperationOutcome", &outcome, status);

        let unknown = api.get(server.url("/no/such/route")).send().await.expect("unknown");
        check("an unknown route", &unknown, StatusCode::NOT_FOUND);
        let cross_site = api.post(server.url("/patients")).header("sec-fetch-site", "cross-site").form(&[("given_name", "Eve")]).send().await.expect("post");
        check("a cross-site post", &cross_site, StatusCode::FORBIDDEN);
        let health = api.get(server.url("/healthz")).send().await.expect("healthz");
        check("the health check", &health, StatusCode::OK);
        assert_eq!(seen.len(), 17);
    }
}
