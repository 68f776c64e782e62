//! The JSON API of adverse events and the lookback on both engines, against
//! the real server: an event recorded on a session and linked to the product
//! given, changed under its version, listed; lookback by kit lot and by
//! product; problems by field, by role and for a query that is not one.

use cellpath_test_support::api::{assert_ok, assert_problem, get, post, put};
use cellpath_test_support::{Backend, TestServer, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn names(lookback: &Value) -> Vec<String> {
    let mut names: Vec<String> = lookback["patients"]
        .as_array()
        .expect("patients")
        .iter()
        .map(|p| p["patient_name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

both_backends! {
    async fn adverse_events_and_lookback_over_http(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let nurse = server.token("nurse").await;
        let physician = server.token("physician").await;
        let lab = server.token("lab_tech").await;
        let coordinator = server.token("coordinator").await;
        let first = clinic.administered("Amal", "Khoury", "KL-2201, KL-9000").await;
        let second = clinic.administered("Basel", "Nasser", "KL-2201").await;
        let third = clinic.administered("Dina", "Saleh", "KL-2202").await;
        let onset = clinic.app.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let event = json!({"what": "Swelling and warmth of the knee", "onset_at": onset, "grade": 2,
                           "serious": false, "relatedness": "possible", "outcome": "recovering"});

        // Recorded on the session: 201, a Location, linked to the product given.
        let url = format!("/api/v1/sessions/{}/adverse-events", first.session);
        let created = post(&server, &url, &nurse, event.clone()).await;
        assert_ok(&created, StatusCode::CREATED);
        let (_, _, body) = &created;
        assert_eq!(body["unit_id"], first.product.id.to_string());
        assert_eq!(body["grade_label"], "moderate");
        assert_eq!(body["version"], 1);
        let id = body["id"].as_str().expect("id").to_string();

        // Every bad field at once, in the caller's language.
        let bad = json!({"what": "", "onset_at": "2999-01-01 10:00", "grade": "9", "serious": false,
                         "relatedness": "maybe", "outcome": "fatal"});
        let refused = post(&server, &url, &physician, bad).await;
        for (field, code) in [("what", "required"), ("onset_at", "date_in_future"), ("grade", "out_of_range"),
                              ("relatedness", "unknown_code")] {
            assert_problem(&refused, 422, Some(field), Some(code));
        }
        let mut no_serious = event.clone();
        no_serious.as_object_mut().expect("object").remove("serious");
        assert_problem(&post(&server, &url, &nurse, no_serious).await, 422, Some("serious"), Some("required"));
        let grade5 = json!({"what": "x", "onset_at": onset, "grade": 5, "serious": true,
                            "relatedness": "possible", "outcome": "recovered"});
        assert_problem(&post(&server, &url, &nurse, grade5).await, 422, Some("outcome"), Some("inconsistent"));
        // Roles and sites.
        assert_problem(&post(&server, &url, &lab, event.clone()).await, 403, None, None);
        assert_problem(&post(&server, &url, &coordinator, event.clone()).await, 403, None, None);
        let north = server.token("north-nurse").await;
        assert_problem(&post(&server, &url, &north, event.clone()).await, 404, None, None);

        // The outcome moves on under the version read; an old version is 409
        // with the event as it is now.
        let mut recovered = event.clone();
        recovered["outcome"] = json!("recovered");
        recovered["version"] = json!(1);
        let changed = put(&server, &format!("/api/v1/adverse-events/{id}"), &physician, recovered.clone()).await;
        assert_ok(&changed, StatusCode::OK);
        assert_eq!((changed.2["outcome"].as_str(), changed.2["version"].as_i64()), (Some("recovered"), Some(2)));
        let stale = put(&server, &format!("/api/v1/adverse-events/{id}"), &nurse, recovered.clone()).await;
        assert_problem(&stale, 409, None, None);
        assert_eq!(stale.2["current"]["version"], 2);
        let mut unversioned = recovered.clone();
        unversioned.as_object_mut().expect("object").remove("version");
        assert_problem(&put(&server, &format!("/api/v1/adverse-events/{id}"), &nurse, unversioned).await,
                       422, Some("version"), Some("required"));

        let listed = get(&server, &format!("/api/v1/patients/{}/adverse-events", first.patient.id), &nurse).await;
        assert_ok(&listed, StatusCode::OK);
        assert_eq!(listed.2.as_array().expect("list").len(), 1);
        assert_problem(&get(&server, &format!("/api/v1/patients/{}/adverse-events", first.patient.id), &lab).await,
                       403, None, None);

        // Lookback by kit lot: the two patients, the event in its row.
        let by_lot = get(&server, "/api/v1/lookback?kit_lot=kl-2201", &lab).await;
        assert_ok(&by_lot, StatusCode::OK);
        assert_eq!(names(&by_lot.2), ["Amal Khoury", "Basel Nasser"]);
        assert_eq!(by_lot.2["kit_lot"], "kl-2201");
        let row = by_lot.2["patients"].as_array().expect("rows").iter()
            .find(|r| r["patient_id"] == first.patient.id.to_string()).expect("row").clone();
        assert_eq!(row["session_id"], first.session.to_string());
        assert_eq!(row["product"], first.product_id.printed());
        assert_eq!(row["record_number"], first.patient.record_number.as_str());
        assert_eq!(row["status"], "administered");
        assert!(row["administered_at"].is_string());
        assert_eq!(row["kit_lots"], json!(["KL-2201", "KL-9000"]));
        assert_eq!(row["adverse_events"][0]["id"], id);
        assert_eq!(row["adverse_events"][0]["outcome"], "recovered");
        let other = by_lot.2["patients"].as_array().expect("rows").iter()
            .find(|r| r["patient_id"] == second.patient.id.to_string()).expect("row").clone();
        assert_eq!(other["adverse_events"], json!([]));

        // By product (barcode form, URL-encoded `=`): one patient.
        let barcode = third.product_id.barcode_data().replace('=', "%3D");
        let by_product = get(&server, &format!("/api/v1/lookback?unit={barcode}"), &physician).await;
        assert_ok(&by_product, StatusCode::OK);
        assert_eq!(names(&by_product.2), ["Dina Saleh"]);

        // Not one query: both is 400, neither is 422 on both fields; an
        // unreadable identifier is 422 on unit; a coordinator may not look.
        assert_problem(&get(&server, "/api/v1/lookback?kit_lot=KL-2201&unit=X", &lab).await, 400, Some("unit"), None);
        let neither = get(&server, "/api/v1/lookback", &lab).await;
        assert_problem(&neither, 422, Some("kit_lot"), Some("required"));
        assert_problem(&neither, 422, Some("unit"), Some("required"));
        assert_problem(&get(&server, "/api/v1/lookback?unit=nonsense", &lab).await, 422, Some("unit"), Some("invalid_format"));
        assert_problem(&get(&server, "/api/v1/lookback?kit_lot=KL-2201", &coordinator).await, 403, None, None);
    }
}
