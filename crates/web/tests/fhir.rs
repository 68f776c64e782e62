//! The FHIR R4 interface on both engines, against the real server: metadata,
//! read, every search parameter, paging and `_summary=count`, refusals as
//! OperationOutcome naming the parameter, who reaches what (role, site, a
//! patient's own token, guessed ids), the audit trail, and every resource
//! type of the demo clinic through the independent validator.

use cellpath_app::{App, AppConfig};
use cellpath_domain::Role;
use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::patient::Patient;
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, patient_draft};
use cellpath_web::{AppState, WebConfig};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::PathBuf;

const TYPES: [&str; 19] = [
    "Patient",
    "Practitioner",
    "Location",
    "Appointment",
    "Slot",
    "Schedule",
    "Condition",
    "MedicationStatement",
    "AllergyIntolerance",
    "Consent",
    "CarePlan",
    "Task",
    "Procedure",
    "Specimen",
    "BiologicallyDerivedProduct",
    "Observation",
    "Questionnaire",
    "QuestionnaireResponse",
    "AdverseEvent",
];

async fn get(url: String, token: &str) -> (StatusCode, String, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = response.json().await.expect("json body");
    (status, content_type, body)
}

/// The `(code, expression)` of each issue of an OperationOutcome.
fn issues(body: &Value) -> Vec<(String, String)> {
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    body["issue"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| {
            (
                i["details"]["coding"][0]["code"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                i["expression"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn ids(bundle: &Value) -> Vec<String> {
    assert_eq!(bundle["resourceType"], "Bundle", "{bundle}");
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["resource"]["id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn draft(name: &str, code: &str, detail: &str, start: &str, end: &str) -> IntakeDraft {
    IntakeDraft {
        name: name.into(),
        code: code.into(),
        detail: detail.into(),
        start_date: start.into(),
        end_date: end.into(),
        notes: String::new(),
    }
}

/// Two patients at the main site with intake, one at the other site.
struct Records {
    layla: Patient,
    omar: Patient,
    north: Patient,
}

async fn records(server: &TestServer) -> Records {
    let clinic = &server.clinic;
    let physician = clinic.actor(Role::Physician);
    let register = |given: &'static str, family: &'static str| async move {
        let mut draft = patient_draft(given, family);
        draft.date_of_birth = "1970-03-04".into();
        clinic
            .app
            .register_patient(physician, None, &draft)
            .await
            .expect("patient")
    };
    let layla = register("Layla", "Haddad").await;
    let omar = register("Omar", "Khalil").await;
    let north = clinic
        .app
        .register_patient(
            &clinic.other_site_nurse,
            None,
            &patient_draft("North", "Only"),
        )
        .await
        .expect("north patient");
    let add = |patient: &Patient, kind, d: IntakeDraft| {
        let id = patient.id;
        async move {
            clinic
                .app
                .add_intake(physician, id, kind, &d)
                .await
                .expect("intake")
        }
    };
    add(
        &layla,
        IntakeKind::Condition,
        draft("Knee osteoarthritis", "active", "", "2019-06-01", ""),
    )
    .await;
    add(
        &layla,
        IntakeKind::Condition,
        draft("Old fracture", "resolved", "", "2001-02-03", ""),
    )
    .await;
    add(
        &layla,
        IntakeKind::Medication,
        draft("Ibuprofen", "nsaid", "400 mg", "2024-01-01", "2024-02-01"),
    )
    .await;
    add(
        &layla,
        IntakeKind::Medication,
        draft("Metformin", "other", "", "2023-05-01", ""),
    )
    .await;
    add(
        &layla,
        IntakeKind::Allergy,
        draft("Penicillin", "severe", "Rash", "", ""),
    )
    .await;
    add(
        &omar,
        IntakeKind::Condition,
        draft("Lumbar disc disease", "active", "", "2022-01-10", ""),
    )
    .await;
    add(
        &omar,
        IntakeKind::Allergy,
        draft("Latex", "mild", "", "", ""),
    )
    .await;
    clinic
        .app
        .add_intake(
            &clinic.other_site_nurse,
            north.id,
            IntakeKind::Condition,
            &draft("Hip pain", "active", "", "", ""),
        )
        .await
        .expect("north intake");
    Records { layla, omar, north }
}

/// A portal user of `patient` and their bearer token.
async fn patient_token(server: &TestServer, patient: &Patient, username: &str) -> String {
    let clinic = &server.clinic;
    let (invite, _) = clinic
        .app
        .invite_patient(clinic.actor(Role::Nurse), patient.id)
        .await
        .expect("invite");
    clinic
        .app
        .accept_invitation(&invite, username, PASSWORD)
        .await
        .expect("accept");
    server.token(username).await
}

both_backends! {
    async fn metadata_lists_exactly_the_types_and_parameters_served(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let response = reqwest::get(server.url("/fhir/metadata")).await.expect("metadata");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/fhir+json; charset=utf-8");
        let statement: Value = response.json().await.expect("json");
        assert_eq!(statement["resourceType"], "CapabilityStatement");
        assert_eq!(statement["fhirVersion"], "4.0.1");
        let resources = statement["rest"][0]["resource"].as_array().expect("resources");
        let types: Vec<&str> = resources.iter().filter_map(|r| r["type"].as_str()).collect();
        assert_eq!(types, TYPES);
        let condition = resources.iter().find(|r| r["type"] == "Condition").expect("Condition");
        let params: Vec<&str> = condition["searchParam"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(params, ["_id", "patient", "subject", "clinical-status", "onset-date", "_lastUpdated"]);
        // Every parameter listed is accepted, and one not listed is refused.
        let token = server.token("physician").await;
        for resource in resources {
            let name = resource["type"].as_str().expect("type");
            for param in resource["searchParam"].as_array().expect("params") {
                let param_name = param["name"].as_str().expect("name");
                let value = match param["type"].as_str() {
                    Some("date") => "ge2000-01-01",
                    Some("reference") => "Patient/0190c0de-0000-7000-8000-000000000000",
                    _ => "x",
                };
                let (status, _, body) = get(server.url(&format!("/fhir/{name}?{param_name}={value}")), &token).await;
                assert_eq!(status, StatusCode::OK, "{name}?{param_name}: {body}");
            }
            let (status, _, body) = get(server.url(&format!("/fhir/{name}?family=x")), &token).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(issues(&body), [("unknown-parameter".to_string(), "family".to_string())]);
        }
    }

    async fn a_clinician_reads_and_searches_their_sites_records(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        let token = server.token("physician").await;
        let (status, content_type, patient) = get(server.url(&format!("/fhir/Patient/{}", r.layla.id)), &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/fhir+json; charset=utf-8");
        assert_eq!(patient["resourceType"], "Patient");
        assert_eq!(patient["name"][0]["family"], "Haddad");
        assert_eq!(patient["identifier"][0]["value"], r.layla.record_number.as_str());

        let search = |query: &str| server.url(&format!("/fhir/{query}"));
        let (_, _, all) = get(search("Patient"), &token).await;
        assert_eq!(all["total"], 2, "the other site's patient is not there");
        let (_, _, by_id) = get(search(&format!("Patient?_id={}", r.omar.id)), &token).await;
        assert_eq!(ids(&by_id), [r.omar.id.to_string()]);
        let identifier = format!("https://fhir.cellpath.example/sid/record-number|{}", r.layla.record_number.as_str());
        let (_, _, by_identifier) = get(search(&format!("Patient?identifier={}", identifier.replace('|', "%7C"))), &token).await;
        assert_eq!(ids(&by_identifier), [r.layla.id.to_string()]);
        let (_, _, by_bare_identifier) = get(search(&format!("Patient?identifier={}", r.omar.record_number.as_str())), &token).await;
        assert_eq!(ids(&by_bare_identifier), [r.omar.id.to_string()]);
        let (_, _, born) = get(search("Patient?birthdate=1970-03"), &token).await;
        assert_eq!(born["total"], 2);
        let (_, _, not_born) = get(search("Patient?birthdate=gt1970-03-04"), &token).await;
        assert_eq!(not_born["total"], 0);
        let (_, _, updated) = get(search("Patient?_lastUpdated=ge2000-01-01"), &token).await;
        assert_eq!(updated["total"], 2);
        let (_, _, future) = get(search("Patient?_lastUpdated=gt2999-01-01"), &token).await;
        assert_eq!(future["total"], 0);

        let (_, _, layla_conditions) = get(search(&format!("Condition?patient={}", r.layla.id)), &token).await;
        assert_eq!(layla_conditions["total"], 2);
        let (_, _, subject) = get(search(&format!("Condition?subject=Patient/{}", r.omar.id)), &token).await;
        assert_eq!(subject["total"], 1);
        assert_eq!(subject["entry"][0]["resource"]["code"]["text"], "Lumbar disc disease");
        let (_, _, active) = get(search("Condition?clinical-status=active"), &token).await;
        assert_eq!(active["total"], 2);
        let (_, _, resolved) = get(search("Condition?clinical-status=http://terminology.hl7.org/CodeSystem/condition-clinical%7Cresolved"), &token).await;
        assert_eq!(resolved["entry"][0]["resource"]["code"]["text"], "Old fracture");
        let (_, _, onset) = get(search("Condition?onset-date=lt2010"), &token).await;
        assert_eq!(onset["total"], 1);
        let (_, _, stopped) = get(search("MedicationStatement?status=completed"), &token).await;
        assert_eq!(stopped["entry"][0]["resource"]["medicationCodeableConcept"]["text"], "Ibuprofen");
        let (_, _, taken_in) = get(search("MedicationStatement?effective=2024-01-15"), &token).await;
        assert_eq!(taken_in["total"], 0, "eq: the whole period must lie in the day");
        let (_, _, taken_2024) = get(search("MedicationStatement?effective=2024"), &token).await;
        assert_eq!(taken_2024["total"], 1);
        let (_, _, allergies) = get(search(&format!("AllergyIntolerance?patient={}&clinical-status=active", r.omar.id)), &token).await;
        assert_eq!(allergies["entry"][0]["resource"]["code"]["text"], "Latex");
        let (_, _, locations) = get(search("Location?identifier=MAIN"), &token).await;
        assert_eq!(locations["total"], 1);
        assert_eq!(locations["entry"][0]["resource"]["name"], "Main clinic");
        let (_, _, practitioners) = get(search("Practitioner"), &token).await;
        let names: Vec<&str> = practitioners["entry"].as_array().expect("entries").iter().filter_map(|e| e["resource"]["name"][0]["text"].as_str()).collect();
        assert!(!names.is_empty());
        assert!(practitioners["entry"].as_array().expect("entries").iter().all(|e| e["fullUrl"].as_str().is_some_and(|u| u.starts_with(&server.url("/fhir/Practitioner/")))));

        // Read of each kind by its id.
        for entry in layla_conditions["entry"].as_array().expect("entries") {
            let id = entry["resource"]["id"].as_str().expect("id");
            let (status, _, read) = get(server.url(&format!("/fhir/Condition/{id}")), &token).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(read, entry["resource"]);
        }
    }

    async fn the_harvest_and_its_product_are_linked_and_carry_their_donation_identifiers(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let given = server.clinic.administered("Cell", "Owner", "KIT-1").await;
        let other = server.clinic.administered("Someone", "Else", "KIT-2").await;
        let token = server.token("nurse").await;
        let system = "https://fhir.cellpath.example/sid/donation-id";
        let specimen_printed = cellpath_domain::donation::DonationId::from_body(&given.specimen.donation_id).expect("specimen id").printed();
        let (_, _, specimens) = get(server.url(&format!("/fhir/Specimen?patient={}", given.patient.id)), &token).await;
        assert_eq!(ids(&specimens), [given.specimen.id.to_string()]);
        let specimen = &specimens["entry"][0]["resource"];
        assert_eq!(specimen["identifier"][0]["system"], system);
        assert_eq!(specimen["identifier"][0]["value"], specimen_printed.as_str());
        assert_eq!(specimen["subject"]["reference"], format!("Patient/{}", given.patient.id));
        assert_eq!(specimen["status"], "unavailable", "processed into the product");
        let (_, _, by_status) = get(server.url("/fhir/Specimen?status=available"), &token).await;
        assert_eq!(by_status["total"], 0);
        let (_, _, collected) = get(server.url("/fhir/Specimen?collected=ge2000-01-01"), &token).await;
        assert_eq!(collected["total"], 2);

        let product_printed = given.product_id.printed();
        let (_, _, products) = get(server.url(&format!("/fhir/BiologicallyDerivedProduct?identifier={}%7C{product_printed}", system)), &token).await;
        assert_eq!(ids(&products), [given.product.id.to_string()]);
        let product = &products["entry"][0]["resource"];
        assert_eq!(product["parent"][0]["reference"], format!("BiologicallyDerivedProduct/{}", given.specimen.id));
        assert_eq!(product["collection"]["source"]["reference"], format!("Patient/{}", given.patient.id));
        let (status, _, harvest) = get(server.url(&format!("/fhir/BiologicallyDerivedProduct/{}", given.specimen.id)), &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(harvest["identifier"][0]["value"], specimen_printed.as_str());
        assert!(harvest.get("parent").is_none());

        let me = patient_token(&server, &given.patient, "cell.owner").await;
        let (_, _, mine) = get(server.url("/fhir/BiologicallyDerivedProduct"), &me).await;
        let mut expected = vec![given.specimen.id.to_string(), given.product.id.to_string()];
        expected.sort();
        assert_eq!(ids(&mine), expected);
        let (status, _, _) = get(server.url(&format!("/fhir/BiologicallyDerivedProduct/{}", other.product.id)), &me).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = get(server.url(&format!("/fhir/Specimen/{}", other.specimen.id)), &me).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let north = server.token("north-nurse").await;
        let (_, _, none) = get(server.url("/fhir/BiologicallyDerivedProduct?_summary=count"), &north).await;
        assert_eq!(none["total"], 0);
    }

    async fn adverse_events_are_read_with_their_grade_and_the_product_given(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let given = server.clinic.administered("Adverse", "Event", "KIT-9").await;
        let nurse = server.clinic.actor(Role::Nurse);
        let draft = cellpath_domain::adverse_events::AdverseEventDraft {
            what: "Knee swelling".into(),
            onset_at: server.clinic.app.now().to_rfc3339(),
            grade: "4".into(),
            serious: true,
            relatedness: "probable".into(),
            outcome: "recovered_with_sequelae".into(),
            unit: given.product_id.printed(),
        };
        let row = server.clinic.app.record_adverse_event(nurse, given.session, &draft).await.expect("record");
        let token = server.token("physician").await;
        let (status, _, event) = get(server.url(&format!("/fhir/AdverseEvent/{}", row.id)), &token).await;
        assert_eq!(status, StatusCode::OK, "{event}");
        assert_eq!(event["subject"]["reference"], format!("Patient/{}", given.patient.id));
        assert_eq!(event["seriousness"]["coding"][0]["code"], "serious");
        assert_eq!(event["severity"]["coding"][0]["code"], "severe");
        assert_eq!(event["severity"]["coding"][1]["code"], "4");
        assert_eq!(event["outcome"]["coding"][0]["code"], "resolvedWithSequelae");
        let product = event["extension"].as_array().expect("extensions").iter().find_map(|e| e["valueReference"]["reference"].as_str()).expect("product");
        assert_eq!(product, format!("BiologicallyDerivedProduct/{}", given.product.id));
        let (_, _, serious) = get(server.url(&format!("/fhir/AdverseEvent?subject=Patient/{}&seriousness=serious&date=ge2000", given.patient.id)), &token).await;
        assert_eq!(ids(&serious), [row.id.to_string()]);
        let (_, _, none) = get(server.url("/fhir/AdverseEvent?seriousness=non-serious"), &token).await;
        assert_eq!(none["total"], 0);
        let north = server.token("north-nurse").await;
        let (status, _, _) = get(server.url(&format!("/fhir/AdverseEvent/{}", row.id)), &north).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn the_harvest_and_the_injection_are_procedures_of_the_patient(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let given = server.clinic.administered("Procedure", "Patient", "KIT-5").await;
        let token = server.token("physician").await;
        let (_, _, procedures) = get(server.url(&format!("/fhir/Procedure?subject=Patient/{}", given.patient.id)), &token).await;
        let steps: Vec<&str> = procedures["entry"].as_array().expect("entries").iter().filter_map(|e| e["resource"]["code"]["coding"][0]["code"].as_str()).collect();
        assert_eq!(steps.len(), 2, "{procedures}");
        assert!(steps.contains(&"harvest") && steps.contains(&"injection"), "{steps:?}");
        for entry in procedures["entry"].as_array().expect("entries") {
            assert_eq!(entry["resource"]["subject"]["reference"], format!("Patient/{}", given.patient.id));
            assert!(entry["resource"]["performedPeriod"]["start"].is_string());
        }
        let (_, _, completed) = get(server.url(&format!("/fhir/Procedure?patient={}&status=completed,in-progress&date=ge2000", given.patient.id)), &token).await;
        assert_eq!(completed["total"], 2);
        let north = server.token("north-nurse").await;
        let (_, _, none) = get(server.url("/fhir/Procedure"), &north).await;
        assert_eq!(none["total"], 0);
    }

    async fn questionnaires_and_a_patients_answers_are_served(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        let clinic = &server.clinic;
        let form = vec![("pain".to_string(), "7".to_string())];
        let saved = clinic.app.answer_questionnaire(clinic.actor(Role::Nurse), r.layla.id, "nrs-pain", "baseline", &form).await.expect("answer");
        let token = server.token("physician").await;
        let (status, _, nrs) = get(server.url("/fhir/Questionnaire/nrs-pain"), &token).await;
        assert_eq!(status, StatusCode::OK, "{nrs}");
        assert_eq!(nrs["item"][0]["linkId"], "pain");
        assert_eq!(nrs["item"][0]["type"], "integer");
        let (_, _, all) = get(server.url("/fhir/Questionnaire?status=active"), &token).await;
        assert_eq!(all["total"], 3);
        let (_, _, responses) = get(server.url(&format!("/fhir/QuestionnaireResponse?patient={}", r.layla.id)), &token).await;
        assert_eq!(ids(&responses), [saved.id.to_string()]);
        let response = &responses["entry"][0]["resource"];
        assert_eq!(response["questionnaire"], "https://fhir.cellpath.example/Questionnaire/nrs-pain");
        assert_eq!(response["item"][0]["answer"][0]["valueInteger"], 7);
        let (_, _, none) = get(server.url(&format!("/fhir/QuestionnaireResponse?subject={}", r.omar.id)), &token).await;
        assert_eq!(none["total"], 0);
        let (_, _, observations) = get(server.url(&format!("/fhir/Observation?patient={}", r.layla.id)), &token).await;
        assert_eq!(observations["total"], 1, "{observations}");
        let score = &observations["entry"][0]["resource"];
        assert_eq!(score["valueQuantity"]["value"], 7.0);
        assert_eq!(score["derivedFrom"][0]["reference"], format!("QuestionnaireResponse/{}", saved.id));
        let omar = patient_token(&server, &r.omar, "omar").await;
        let (_, _, not_mine) = get(server.url("/fhir/Observation"), &omar).await;
        assert_eq!(not_mine["total"], 0);
        let (status, _, _) = get(server.url(&format!("/fhir/QuestionnaireResponse/{}", saved.id)), &omar).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn pages_follow_their_links_and_summary_count_gives_the_total_only(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        let token = server.token("nurse").await;
        let (_, _, counted) = get(server.url("/fhir/Condition?_summary=count"), &token).await;
        assert_eq!(counted["total"], 3);
        assert!(counted.get("entry").is_none());
        let mut url = server.url(&format!("/fhir/MedicationStatement?patient={}&_count=1", r.layla.id));
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let (status, _, page) = get(url.clone(), &token).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page["total"], 2);
            seen.extend(ids(&page));
            pages += 1;
            let links = page["link"].as_array().expect("links");
            if pages > 1 {
                assert!(links.iter().any(|l| l["relation"] == "previous"), "{page}");
            }
            match links.iter().find(|l| l["relation"] == "next") {
                Some(next) => url = next["url"].as_str().expect("url").to_string(),
                None => break,
            }
        }
        assert_eq!(pages, 2);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 2, "each match once across the pages");
    }

    async fn refusals_are_operation_outcomes_naming_the_parameter(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        let token = server.token("physician").await;
        let (status, content_type, body) = get(server.url("/fhir/Patient?_count=1000&birthdate=someday&name:exact=x"), &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/fhir+json; charset=utf-8");
        assert_eq!(issues(&body), [
            ("out-of-range".to_string(), "_count".to_string()),
            ("invalid-value".to_string(), "birthdate".to_string()),
            ("unknown-parameter".to_string(), "name:exact".to_string()),
        ]);
        assert_eq!(body["issue"][0]["code"], "invalid");
        let (status, _, body) = get(server.url("/fhir/Patient?_count=two"), &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(issues(&body), [("invalid-value".to_string(), "_count".to_string())]);
        let (status, _, body) = get(server.url("/fhir/Condition?patient:Patient=x"), &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(issues(&body), [("unsupported-modifier".to_string(), "patient:Patient".to_string())]);
        let (status, _, body) = get(server.url("/fhir/Encounter"), &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(issues(&body)[0].0, "unknown-type");
        let (status, _, body) = get(server.url("/fhir/Patient/not-an-id"), &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["issue"][0]["code"], "not-found");
        // A Patient id read as another type is not found.
        let (status, _, _) = get(server.url(&format!("/fhir/Condition/{}", r.layla.id)), &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Arabic messages for an Arabic client.
        let arabic: Value = reqwest::Client::new().get(server.url("/fhir/Patient?_count=0")).bearer_auth(&token).header("accept-language", "ar").send().await.expect("request").json().await.expect("json");
        assert!(arabic["issue"][0]["details"]["text"].as_str().is_some_and(|t| t.contains("النطاق")), "{arabic}");

        let (status, _, body) = get(server.url("/fhir/Patient"), "not-a-token").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["issue"][0]["code"], "login");
        let unauthenticated = reqwest::get(server.url("/fhir/Patient")).await.expect("request");
        assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unauthenticated.headers()["www-authenticate"], "Bearer");
    }

    async fn roles_sites_and_a_patients_own_token_bound_what_is_seen(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        for username in ["coordinator", "lab_tech", "admin"] {
            let token = server.token(username).await;
            let (status, _, body) = get(server.url(&format!("/fhir/Patient/{}", r.layla.id)), &token).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
            assert_eq!(body["issue"][0]["code"], "forbidden");
        }
        let north = server.token("north-nurse").await;
        let (status, _, not_found) = get(server.url(&format!("/fhir/Patient/{}", r.layla.id)), &north).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, _, missing) = get(server.url("/fhir/Patient/0190c0de-0000-7000-8000-000000000000"), &north).await;
        assert_eq!(not_found, missing, "out of reach and missing answer alike");
        let (_, _, north_patients) = get(server.url("/fhir/Patient"), &north).await;
        assert_eq!(ids(&north_patients), [r.north.id.to_string()]);
        let (_, _, north_conditions) = get(server.url(&format!("/fhir/Condition?patient={}", r.layla.id)), &north).await;
        assert_eq!(north_conditions["total"], 0);

        let me = patient_token(&server, &r.layla, "layla").await;
        let (status, _, own) = get(server.url(&format!("/fhir/Patient/{}", r.layla.id)), &me).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(own["id"], r.layla.id.to_string());
        let (status, _, _) = get(server.url(&format!("/fhir/Patient/{}", r.omar.id)), &me).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, _, patients) = get(server.url("/fhir/Patient"), &me).await;
        assert_eq!(ids(&patients), [r.layla.id.to_string()]);
        let (_, _, conditions) = get(server.url("/fhir/Condition"), &me).await;
        assert_eq!(conditions["total"], 2);
        let (_, _, others) = get(server.url(&format!("/fhir/AllergyIntolerance?patient={}", r.omar.id)), &me).await;
        assert_eq!(others["total"], 0);
        // Guessing the id of another patient's allergy finds nothing.
        let physician = server.token("physician").await;
        let (_, _, omar_allergies) = get(server.url(&format!("/fhir/AllergyIntolerance?patient={}", r.omar.id)), &physician).await;
        let guessed = omar_allergies["entry"][0]["resource"]["id"].as_str().expect("id").to_string();
        let (status, _, _) = get(server.url(&format!("/fhir/AllergyIntolerance/{guessed}")), &me).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for staff_only in ["Practitioner", "Location"] {
            let (status, _, bundle) = get(server.url(&format!("/fhir/{staff_only}")), &me).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(bundle["total"], 0, "{staff_only}");
        }
    }

    async fn each_patient_a_fhir_read_shows_is_audited(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let r = records(&server).await;
        let clinic = &server.clinic;
        let admin = clinic.actor(Role::Admin);
        let fhir_entries = |patient: String| async move {
            clinic.app.audit_page(admin, Some(patient.as_str()), 500, 0).await.expect("audit").entries
                .into_iter().filter(|e| e.entity.starts_with("fhir_")).map(|e| (e.entity, e.username)).collect::<Vec<_>>()
        };
        let token = server.token("physician").await;
        get(server.url(&format!("/fhir/Condition?patient={}", r.layla.id)), &token).await;
        get(server.url(&format!("/fhir/Patient/{}", r.omar.id)), &token).await;
        get(server.url("/fhir/Condition?_summary=count"), &token).await;
        assert_eq!(fhir_entries(r.layla.id.to_string()).await, [("fhir_condition".to_string(), "physician".to_string())]);
        assert_eq!(fhir_entries(r.omar.id.to_string()).await, [("fhir_patient".to_string(), "physician".to_string())]);
        let verified = clinic.app.verify_audit().await;
        assert!(matches!(verified, Ok(Ok(_))), "{verified:?}");
    }

    async fn every_resource_of_the_demo_clinic_passes_the_fhir_validator(backend: Backend) {
        let Some(validator) = Validator::find() else {
            return;
        };
        let (store, db) = cellpath_test_support::store(&backend).await;
        let clock = std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
        let reading = clock.clone();
        let app = App::new(store, AppConfig::default())
            .with_clock(std::sync::Arc::new(move || *reading.lock().expect("clock")));
        app.load_demo().await.expect("demo");
        // Two days on, the treated patient's diary raises a red flag.
        *clock.lock().expect("clock") += chrono::Duration::days(2);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState { app: app.clone(), config: WebConfig::default() };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = cellpath_web::serve(listener, state, async move { let _ = stopped.await; }).await;
        });
        let out = tempfile::tempdir().expect("temporary directory");
        let physician = app.create_api_token("physician").await.expect("token");
        record_adverse_event_after_the_demos_injection(&app, &physician).await;
        answer_questionnaires_for_a_demo_patient(&app, &physician).await;
        report_a_fever_in_the_diary(&app, &physician).await;
        let mut written = 0;
        let mut served: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
        let (status, _, metadata) = get(format!("{base}/fhir/metadata"), &physician).await;
        assert_eq!(status, StatusCode::OK);
        std::fs::write(out.path().join("metadata.json"), metadata.to_string()).expect("write");
        for name in TYPES {
            let mut url = format!("{base}/fhir/{name}?_count=100");
            let mut page = 0;
            loop {
                let (status, _, bundle) = get(url.clone(), &physician).await;
                assert_eq!(status, StatusCode::OK, "{name}: {bundle}");
                assert!(bundle["total"].as_u64().is_some_and(|n| n > 0), "the demo has {name} resources");
                for id in ids(&bundle) {
                    let (status, _, resource) = get(format!("{base}/fhir/{name}/{id}"), &physician).await;
                    assert_eq!(status, StatusCode::OK);
                    std::fs::write(out.path().join(format!("{name}-{id}.json")), resource.to_string()).expect("write");
                    served.insert(format!("{name}/{id}"), resource);
                    written += 1;
                }
                std::fs::write(out.path().join(format!("{name}-bundle-{page}.json")), bundle.to_string()).expect("write");
                page += 1;
                match bundle["link"].as_array().and_then(|l| l.iter().find(|l| l["relation"] == "next")) {
                    Some(next) => url = next["url"].as_str().expect("url").to_string(),
                    None => break,
                }
            }
        }
        // The workflow's resources point at each other: a plan at its
        // sessions' and visits' Appointments, an Appointment at its Slots, a
        // Slot at its resource's Schedule.
        let of_type = |t: &str| -> Vec<&Value> {
            let prefix = format!("{t}/");
            served.iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(_, v)| v).collect()
        };
        let references = |v: &Value, path: &[&str]| -> Vec<String> {
            let mut at = vec![v];
            for key in path {
                at = at.into_iter().flat_map(|x| match &x[*key] {
                    Value::Array(items) => items.iter().collect::<Vec<_>>(),
                    other => vec![other],
                }).collect();
            }
            at.iter().filter_map(|r| r["reference"].as_str().map(str::to_string)).collect()
        };
        let mut linked = 0;
        for plan in of_type("CarePlan") {
            for target in references(plan, &["activity", "reference"]) {
                assert!(served.contains_key(&target), "{target} of a CarePlan is served");
                linked += 1;
            }
        }
        for appointment in of_type("Appointment") {
            for target in references(appointment, &["slot"]) {
                let slot = served.get(&target).unwrap_or_else(|| panic!("{target} is served"));
                let schedule = slot["schedule"]["reference"].as_str().expect("schedule");
                assert!(served.contains_key(schedule), "{schedule} is served");
                linked += 1;
            }
        }
        assert!(linked > 5, "the demo's plans, sessions and slots link up: {linked}");
        assert!(of_type("Appointment").iter().any(|a| a["status"] == "fulfilled"), "the demo's discharged session");
        assert!(of_type("Task").iter().any(|t| t["status"] == "requested" && t["code"]["coding"][0]["code"] == "fever"), "the diary's fever");
        assert!(of_type("Consent").iter().all(|c| c["status"] == "active"));
        assert!(of_type("Observation").iter().any(|o| o["code"]["coding"][0]["code"] == "777-3"), "platelet counts");
        // A refusal is a resource too.
        let (_, _, outcome) = get(format!("{base}/fhir/Patient?_count=0"), &physician).await;
        std::fs::write(out.path().join("outcome.json"), outcome.to_string()).expect("write");
        let _ = stop.send(());
        drop(db);
        assert!(written > 20, "only {written} resources");
        validator.run(out.path());
    }
}

/// The demo has no triage alerts: the treated patient writes a fever in
/// their diary, and a nurse takes the alert.
async fn report_a_fever_in_the_diary(app: &App, token: &str) {
    let physician = app
        .token_actor(token)
        .await
        .expect("actor")
        .expect("token works");
    let given = demo_administered_unit(app, &physician).await;
    let draft = cellpath_domain::symptoms::DiaryDraft {
        day: "1".into(),
        temperature: "38.4".into(),
        ..Default::default()
    };
    let outcome = app
        .record_diary_entry(&physician, given.session_id.expect("session"), &draft)
        .await
        .expect("diary entry");
    assert!(!outcome.flags.is_empty(), "a fever is a red flag");
}

/// The product given in the demo's administered session.
async fn demo_administered_unit(app: &App, actor: &cellpath_app::Actor) -> cellpath_app::UnitRow {
    let site = actor.sites[0];
    let until = app.now() + chrono::Duration::days(365);
    let mut tx = app.store().begin().await.expect("begin");
    let given = tx
        .units_of_site(site, chrono::DateTime::UNIX_EPOCH, until)
        .await
        .expect("units")
        .into_iter()
        .find(|u| {
            u.status == cellpath_domain::cells::UnitStatus::Administered && u.session_id.is_some()
        })
        .expect("the demo has an administered product");
    tx.commit().await.expect("commit");
    given
}

/// The demo has no adverse events: one, graded and linked to the product
/// given in the demo's administered session.
async fn record_adverse_event_after_the_demos_injection(app: &App, token: &str) {
    let physician = app
        .token_actor(token)
        .await
        .expect("actor")
        .expect("token works");
    let given = demo_administered_unit(app, &physician).await;
    let printed = cellpath_domain::donation::DonationId::from_body(&given.donation_id)
        .expect("id")
        .printed();
    let draft = cellpath_domain::adverse_events::AdverseEventDraft {
        what: "Swelling at the injection site".into(),
        onset_at: app.now().to_rfc3339(),
        grade: "2".into(),
        serious: false,
        relatedness: "possible".into(),
        outcome: "recovering".into(),
        unit: printed,
    };
    app.record_adverse_event(&physician, given.session_id.expect("session"), &draft)
        .await
        .expect("adverse event");
}

/// The demo has no answered questionnaires: the pain scale and KOOS
/// (partly answered) for one patient.
async fn answer_questionnaires_for_a_demo_patient(app: &App, token: &str) {
    let physician = app
        .token_actor(token)
        .await
        .expect("actor")
        .expect("token works");
    let patient = app
        .search_patients(&physician, "", 1, 0)
        .await
        .expect("search")
        .patients[0]
        .id;
    let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    app.answer_questionnaire(
        &physician,
        patient,
        "nrs-pain",
        "baseline",
        &form(&[("pain", "6")]),
    )
    .await
    .expect("pain scale");
    app.answer_questionnaire(
        &physician,
        patient,
        "koos",
        "baseline",
        &form(&[("P1", "2"), ("P2", "3"), ("S1", "1")]),
    )
    .await
    .expect("koos");
}

/// The independent validator (`shared/tools/fhir_validate.py`) and the
/// Python that has its packages. Missing: the test is skipped, except under
/// `CI`, where it fails.
struct Validator {
    python: PathBuf,
    script: PathBuf,
}

impl Validator {
    fn find() -> Option<Validator> {
        let script = std::env::var_os("CELLPATH_FHIR_VALIDATOR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/tools/fhir_validate.py")
            });
        let python = std::env::var_os("CELLPATH_FHIR_PYTHON")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|home| PathBuf::from(home).join(".cache/cellpath-fhir-venv/bin/python"))
            })
            .unwrap_or_else(|| PathBuf::from("python3"));
        let ready = script.is_file()
            && std::process::Command::new(&python)
                .args(["-c", "import fhir.resources, jsonschema"])
                .status()
                .is_ok_and(|s| s.success());
        if ready {
            return Some(Validator { python, script });
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the FHIR validator is not ready: {} with {} (set CELLPATH_FHIR_VALIDATOR and CELLPATH_FHIR_PYTHON; .ci/run installs it)",
            script.display(),
            python.display()
        );
        eprintln!(
            "FHIR validator not found at {}: skipped outside CI",
            script.display()
        );
        None
    }

    fn run(&self, dir: &std::path::Path) {
        let output = std::process::Command::new(&self.python)
            .arg(&self.script)
            .args(["--validators", "models,schema,invariants", "-q"])
            .arg(dir)
            .output()
            .expect("run the validator");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "validator failed:\n{stdout}\n{stderr}"
        );
        let summary = stdout.lines().last().unwrap_or("");
        assert!(summary.ends_with(" 0 failed"), "{stdout}");
        let passed: usize = summary
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(passed > 20, "{summary}");
    }
}
