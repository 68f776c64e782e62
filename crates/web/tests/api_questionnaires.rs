//! Questionnaire scoring as a service on both engines: KOOS, the Oswestry
//! index and the pain NRS scored from the instruments' item codes against
//! worked examples, too few answers giving `null`, and bad answers refused
//! as one problem naming every item, in the caller's language.

use cellpath_test_support::{Backend, TestServer, both_backends};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

/// `prefix1`..`prefixN` all answered `value`.
fn items(prefix: &str, n: usize, value: i64, into: &mut Map<String, Value>) {
    for i in 1..=n {
        into.insert(format!("{prefix}{i}"), json!(value));
    }
}

async fn score(server: &TestServer, token: &str, code: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/questionnaires/{code}/score")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

fn near(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

both_backends! {
    async fn koos_odi_and_pain_are_scored_and_bad_answers_are_refused_by_item(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let token = server.token("physician").await;

        // KOOS, no problems at all: every subscale 100.
        let mut answers = Map::new();
        for (prefix, n) in [("S", 7), ("P", 9), ("A", 17), ("SP", 5), ("Q", 4)] {
            items(prefix, n, 0, &mut answers);
        }
        let (status, body) = score(&server, &token, "koos", json!({"answers": answers})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["questionnaire"], "koos");
        assert_eq!(body["answered"], 42);
        for subscale in ["symptoms", "pain", "adl", "sport", "qol"] {
            assert!(near(&body["scores"][subscale], 100.0), "{subscale}: {body}");
        }

        // Pain items 2 each: 100 - 2 x 25 = 50. Symptoms with 3 of 7 items
        // (fewer than half) and no sport items: null.
        let mut answers = Map::new();
        items("P", 9, 2, &mut answers);
        items("S", 3, 1, &mut answers);
        answers.insert("Q1".into(), json!(4));
        answers.insert("Q2".into(), json!(null));
        answers.insert("Q3".into(), json!(2));
        let (status, body) = score(&server, &token, "koos", json!({"answers": answers})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(near(&body["scores"]["pain"], 50.0), "{body}");
        assert!(body["scores"]["symptoms"].is_null(), "3 of 7 is too few: {body}");
        assert!(body["scores"]["sport"].is_null(), "{body}");
        assert!(body["scores"]["adl"].is_null(), "{body}");
        // Quality of life: Q1 = 4 and Q3 = 2, mean 3, 100 - 75 = 25 (2 of 4 is half).
        assert!(near(&body["scores"]["qol"], 25.0), "{body}");
        assert_eq!(body["answered"], 14, "null is unanswered");

        // Oswestry: ten sections summing 20 = 20 / 50 = 40 %; eight
        // sections summing 16 = 16 / 40 = 40 % as well.
        let ten: Map<String, Value> = (1..=10).map(|s| (s.to_string(), json!(2))).collect();
        let (status, body) = score(&server, &token, "odi", json!({"answers": ten})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(near(&body["scores"]["odi"], 40.0), "{body}");
        let eight: Map<String, Value> = (1..=8).map(|s| (s.to_string(), json!(2))).collect();
        let (_, body) = score(&server, &token, "odi", json!({"answers": eight})).await;
        assert!(near(&body["scores"]["odi"], 40.0), "{body}");

        let (status, body) = score(&server, &token, "nrs-pain", json!({"answers": {"pain": 7}})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(near(&body["scores"]["pain"], 7.0), "{body}");

        // Every bad answer at once, each by its item.
        let (status, body) = score(&server, &token, "koos", json!({"answers": {"S1": 5, "XX": 1, "P1": "two", "P2": 1.5, "P3": 2}})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["code"], "invalid");
        let errors = body["errors"].as_array().expect("errors");
        let by_field = |field: &str| errors.iter().find(|e| e["field"] == field).map(|e| e["code"].as_str().unwrap_or_default().to_string());
        assert_eq!(by_field("answers.S1").as_deref(), Some("out_of_range"), "{body}");
        assert_eq!(by_field("answers.XX").as_deref(), Some("unknown_code"), "{body}");
        assert_eq!(by_field("answers.P1").as_deref(), Some("invalid_format"), "{body}");
        assert_eq!(by_field("answers.P2").as_deref(), Some("invalid_format"), "{body}");
        assert_eq!(errors.len(), 4, "P3 is fine: {body}");
        let (status, body) = score(&server, &token, "nrs-pain", json!({"answers": {}})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "answers.pain");
        assert_eq!(body["errors"][0]["code"], "required");

        // In Arabic when asked; the item codes stay as they are.
        let arabic = reqwest::Client::new()
            .post(server.url("/api/v1/questionnaires/odi/score"))
            .bearer_auth(&token)
            .header("accept-language", "ar")
            .json(&json!({"answers": {"1": 9}}))
            .send()
            .await
            .expect("post");
        assert_eq!(arabic.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(arabic.headers()["content-type"], "application/problem+json");
        let body: Value = arabic.json().await.expect("json");
        let message = body["errors"][0]["message"].as_str().expect("message");
        assert!(message.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{message}");
        assert_eq!(body["errors"][0]["field"], "answers.1");

        // Unknown questionnaire, no token, a body that is not an object of answers.
        let (status, _) = score(&server, &token, "womac", json!({"answers": {}})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "licensed instruments are not shipped");
        let anonymous = reqwest::Client::new().post(server.url("/api/v1/questionnaires/koos/score")).json(&json!({"answers": {}})).send().await.expect("post");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let (status, body) = score(&server, &token, "koos", json!({"answers": [1, 2]})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = score(&server, &token, "koos", json!({"answers": {}, "extra": 1})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // The list, and the OpenAPI document.
        let list: Value = reqwest::Client::new().get(server.url("/api/v1/questionnaires")).bearer_auth(&token).send().await.expect("get").json().await.expect("json");
        let codes: Vec<&str> = list.as_array().expect("list").iter().filter_map(|q| q["code"].as_str()).collect();
        assert_eq!(codes, ["nrs-pain", "koos", "odi"]);
        let koos = &list[1];
        assert_eq!(koos["items"].as_array().map(Vec::len), Some(42));
        assert_eq!(koos["scores"], json!(["symptoms", "pain", "adl", "sport", "qol"]));
        let document: Value = reqwest::get(server.url("/openapi.json")).await.expect("document").json().await.expect("json");
        assert!(document["paths"]["/api/v1/questionnaires/{code}/score"]["post"].is_object());
        assert!(document["paths"]["/api/v1/questionnaires"]["get"].is_object());
    }
}

both_backends! {
    async fn a_patients_stored_answers_are_read_back_with_their_scores(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let nurse = clinic.actor(cellpath_domain::Role::Nurse);
        let (patient, _plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
        let pain = [("pain".to_string(), "6".to_string())];
        clinic.app.answer_questionnaire(nurse, patient.id, "nrs-pain", "baseline", &pain).await.expect("nrs");
        let koos: Vec<(String, String)> = [("S", 7), ("P", 9), ("A", 17), ("SP", 5), ("Q", 4)]
            .iter()
            .flat_map(|(prefix, n)| (1..=*n).map(move |i| (format!("{prefix}{i}"), "1".to_string())))
            .collect();
        clinic.app.answer_questionnaire(nurse, patient.id, "koos", "baseline", &koos).await.expect("koos");

        let token = server.token("physician").await;
        let url = server.url(&format!("/api/v1/patients/{}/questionnaire-responses", patient.id));
        let response = reqwest::Client::new().get(&url).bearer_auth(&token).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        let list: Value = response.json().await.expect("json");
        let list = list.as_array().expect("a list");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["questionnaire"], "nrs-pain");
        assert_eq!(list[0]["timepoint"], "baseline");
        assert_eq!(list[0]["answers"]["pain"], 6);
        assert!(near(&list[0]["scores"]["pain"], 6.0));
        assert!(list[0]["plan_id"].is_string(), "linked to the knee plan");
        assert_eq!(list[1]["questionnaire"], "koos");
        assert_eq!(list[1]["answers"].as_object().expect("answers").len(), 42);
        for subscale in ["symptoms", "pain", "adl", "sport", "qol"] {
            assert!(near(&list[1]["scores"][subscale], 75.0), "{subscale}: {}", list[1]["scores"]);
        }

        // Another site's nurse is told the patient does not exist; the lab may not read answers.
        let elsewhere = server.token("north-nurse").await;
        let response = reqwest::Client::new().get(&url).bearer_auth(&elsewhere).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let lab = server.token("lab_tech").await;
        let response = reqwest::Client::new().get(&url).bearer_auth(&lab).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}
