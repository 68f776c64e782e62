//! `POST /fhir` on both engines: a Synthea transaction Bundle imported at
//! the nurse's site answers a transaction-response with one entry per entry
//! (what is not kept carries a warning); the patient is then readable at
//! `/fhir/Patient`; sent again it makes nothing new; a Bundle with an
//! invalid entry is refused whole with the element in `expression`; a
//! coordinator may not import.

use cellpath_test_support::{Backend, TestServer, both_backends, synthea_dir};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;

fn first_synthea_bundle() -> Option<Value> {
    let dir = synthea_dir()?;
    let entries = std::fs::read_dir(&dir).expect("read the Synthea directory");
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let file = files
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "json"))?;
    Some(serde_json::from_slice(&std::fs::read(file).expect("read")).expect("json"))
}

async fn post(server: &TestServer, token: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url("/fhir"))
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .expect("post");
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/fhir+json");
    (status, response.json().await.expect("json"))
}

both_backends! {
    async fn a_transaction_bundle_is_imported_once_and_a_bad_one_refused_whole(backend: Backend) {
        let Some(bundle) = first_synthea_bundle() else { return };
        let server = TestServer::start(&backend).await;
        let metadata: Value = reqwest::get(server.url("/fhir/metadata")).await.expect("metadata").json().await.expect("json");
        let interactions: Vec<&str> = metadata["rest"][0]["interaction"].as_array().expect("interactions")
            .iter().filter_map(|i| i["code"].as_str()).collect();
        assert_eq!(interactions, ["transaction", "batch"], "metadata says POST /fhir takes Bundles");
        let nurse = server.token("nurse").await;
        let (status, answer) = post(&server, &nurse, &bundle).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["type"], "transaction-response");
        let sent = bundle["entry"].as_array().expect("entries");
        let answered = answer["entry"].as_array().expect("entries");
        assert_eq!(answered.len(), sent.len());
        for (entry, reply) in sent.iter().zip(answered) {
            let kind = entry["resource"]["resourceType"].as_str().expect("type");
            let warned = reply["response"]["outcome"]["issue"][0]["severity"] == "warning";
            let kept = ["Patient", "Condition", "MedicationRequest", "MedicationStatement", "AllergyIntolerance", "Organization", "Practitioner"];
            assert_eq!(warned, !kept.contains(&kind), "{kind}");
            assert_eq!(reply["response"]["status"], "200 OK");
        }

        // The patient reads back through FHIR with the Synthea identifier.
        let patient = sent.iter().find(|e| e["resource"]["resourceType"] == "Patient").expect("patient");
        let family = patient["resource"]["name"][0]["family"].as_str().expect("family");
        let found: Value = reqwest::Client::new().get(server.url("/fhir/Patient?_summary=count")).bearer_auth(&nurse)
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(found["total"], 1);
        let list: Value = reqwest::Client::new().get(server.url("/fhir/Patient")).bearer_auth(&nurse)
            .send().await.expect("get").json().await.expect("json");
        assert!(list.to_string().contains(family), "{list}");

        // Again: still one patient.
        let (status, _) = post(&server, &nurse, &bundle).await;
        assert_eq!(status, StatusCode::OK);
        let found: Value = reqwest::Client::new().get(server.url("/fhir/Patient?_summary=count")).bearer_auth(&nurse)
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(found["total"], 1);

        // An invalid entry refuses the whole Bundle.
        let bad = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": "urn:uuid:p2", "resource": {"resourceType": "Patient",
                "identifier": [{"system": "https://example.org/mrn", "value": "X-2"}],
                "name": [{"given": ["Sara"], "family": "Nasser"}], "gender": "female", "birthDate": "1980-01-01"}},
            {"fullUrl": "urn:uuid:c2", "resource": {"resourceType": "Condition",
                "code": {"text": "Knee pain"}, "subject": {"reference": "urn:uuid:someone-else"}}}
        ]});
        let (status, outcome) = post(&server, &nurse, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["expression"][0], "Bundle.entry[1].resource.subject");
        let found: Value = reqwest::Client::new().get(server.url("/fhir/Patient?_summary=count")).bearer_auth(&nurse)
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(found["total"], 1, "nothing of the refused Bundle was kept");

        let (status, outcome) = post(&server, &server.token("coordinator").await, &bundle).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{outcome}");
        let response = reqwest::Client::new().post(server.url("/fhir")).body(bundle.to_string()).send().await.expect("post");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
