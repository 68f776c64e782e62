//! JSON API calls for tests: one call gives its status, content type and
//! JSON body, and problem answers are checked in one place.

use crate::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// An answer: status, content type and the JSON body (`null` when empty).
pub type Answer = (StatusCode, String, Value);

/// One API call with a bearer token.
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json body")
    };
    (status, content_type, body)
}

pub async fn get(server: &TestServer, path: &str, token: &str) -> Answer {
    call(server, Method::GET, path, token, None).await
}

pub async fn post(server: &TestServer, path: &str, token: &str, body: Value) -> Answer {
    call(server, Method::POST, path, token, Some(body)).await
}

pub async fn put(server: &TestServer, path: &str, token: &str, body: Value) -> Answer {
    call(server, Method::PUT, path, token, Some(body)).await
}

/// Asserts a problem+json answer with `expected` status and, when given, a
/// problem on `field` (with `code`, when given) that carries a message.
pub fn assert_problem(
    (status, content_type, body): &Answer,
    expected: u16,
    field: Option<&str>,
    code: Option<&str>,
) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], expected);
    if let Some(field) = field {
        let errors = body["errors"].as_array().expect("errors");
        let found = errors.iter().any(|e| {
            e["field"] == field && code.is_none_or(|c| e["code"] == c) && e["message"].is_string()
        });
        assert!(found, "expected a problem on {field} ({code:?}): {body}");
    }
}

/// Asserts a successful answer's status.
pub fn assert_ok((status, _, body): &Answer, expected: StatusCode) {
    assert_eq!(*status, expected, "{body}");
}
