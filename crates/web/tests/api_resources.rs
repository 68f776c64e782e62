//! The JSON API of resources, leave and booking on both engines, against the
//! real server: resources and leave kept with every problem named, possible
//! starts that follow leave, clashes that name the resource, sessions moved
//! and cancelled (freeing what they held), and who reaches what.

use cellpath_app::{App, AppConfig};
use cellpath_test_support::api::{assert_ok, assert_problem, call, get, post, put};
use cellpath_test_support::{Backend, Clinic, TestServer, both_backends, store};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// An approved knee plan (two sessions) for a new patient.
async fn approved_plan(server: &TestServer, given: &str) -> String {
    let nurse = server.token("nurse").await;
    let physician = server.token("physician").await;
    let created = post(
        server,
        "/api/v1/patients",
        &nurse,
        json!({"given_name": given, "family_name": "Booked", "date_of_birth": "1966-04-03", "sex": "male", "phone": "+971 50 100 3000"}),
    )
    .await;
    assert_ok(&created, StatusCode::CREATED);
    let patient = created.2["id"].as_str().expect("id").to_string();
    let today = Utc::now().date_naive().to_string();
    let imaging = post(
        server,
        &format!("/api/v1/patients/{patient}/imaging-reports"),
        &nurse,
        json!({"region": "Left knee", "modality": "mri", "performed_on": today}),
    )
    .await;
    assert_ok(&imaging, StatusCode::CREATED);
    let plan = post(
        server,
        &format!("/api/v1/patients/{patient}/plans"),
        &physician,
        json!({"indication": "osteoarthritis", "target_site": "knee", "side": "left", "cell_source": "bone_marrow",
               "guidance": "ultrasound", "anaesthesia": "local", "planned_sessions": 2}),
    )
    .await;
    assert_ok(&plan, StatusCode::CREATED);
    let plan_id = plan.2["id"].as_str().expect("id").to_string();
    let decided = post(
        server,
        &format!("/api/v1/plans/{plan_id}/decision"),
        &physician,
        json!({"proceed": true, "justification": "Reviewed with the patient.", "version": 1}),
    )
    .await;
    assert_ok(&decided, StatusCode::OK);
    plan_id
}

/// A day three weeks ahead, and 09:00 UTC on it.
fn booking_day() -> (NaiveDate, String) {
    let day = (Utc::now() + Duration::days(21)).date_naive();
    (day, format!("{day}T09:00:00Z"))
}

fn resource_id(resources: &Value, name: &str) -> String {
    resources
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["id"].as_str())
        .expect("resource")
        .to_string()
}

async fn main_resources(server: &TestServer, token: &str) -> Value {
    let (status, _, resources) = get(
        server,
        &format!("/api/v1/sites/{}/resources", server.clinic.site),
        token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resources}");
    resources
}

fn resource_body() -> Value {
    json!({"kind": "nurse", "name": "Nurse Two", "work_days": "1111100", "work_start": "08:00", "work_end": "16:00",
           "break_start": "12:00", "break_end": "12:30"})
}

both_backends! {
    async fn resources_and_leave_are_kept_and_bad_input_names_the_field(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let coordinator = server.token("coordinator").await;
        let resources = main_resources(&server, &coordinator).await;
        assert_eq!(resources.as_array().expect("array").len(), 11);
        assert_eq!(resources[0]["site_id"], server.clinic.site.to_string());

        let site_url = format!("/api/v1/sites/{}/resources", server.clinic.site);
        let created = post(&server, &site_url, &coordinator, resource_body()).await;
        assert_ok(&created, StatusCode::CREATED);
        assert_eq!(created.2["kind"], "nurse");
        assert_eq!(created.2["work_days"], "1111100");
        assert_eq!(created.2["work_start"], 480);
        assert_eq!(created.2["break_end"], 750);
        assert_eq!(created.2["version"], 1);
        let id = created.2["id"].as_str().expect("id").to_string();

        let mut bad = resource_body();
        bad["kind"] = json!("janitor");
        bad["work_start"] = json!("8am");
        bad["break_end"] = json!("");
        bad["work_days"] = json!("11");
        let refused = post(&server, &site_url, &coordinator, bad).await;
        assert_problem(&refused, 422, Some("kind"), Some("unknown_code"));
        assert_problem(&refused, 422, Some("work_start"), Some("invalid_format"));
        assert_problem(&refused, 422, Some("break_end"), Some("required"));
        assert_problem(&refused, 422, Some("work_days"), None);
        let mut no_name = resource_body();
        no_name["name"] = json!("  ");
        assert_problem(&post(&server, &site_url, &coordinator, no_name).await, 422, Some("name"), Some("required"));
        let mut wrong_type = resource_body();
        wrong_type["fluoroscopy"] = json!("yes");
        assert_problem(&post(&server, &site_url, &coordinator, wrong_type).await, 400, Some("fluoroscopy"), Some("malformed"));
        let mut fluoro_nurse = resource_body();
        fluoro_nurse["fluoroscopy"] = json!(true);
        assert_problem(&post(&server, &site_url, &coordinator, fluoro_nurse).await, 422, Some("fluoroscopy"), None);

        let url = format!("/api/v1/resources/{id}");
        assert_problem(&put(&server, &url, &coordinator, resource_body()).await, 422, Some("version"), Some("required"));
        let mut change = resource_body();
        change["name"] = json!("Nurse Two (nights)");
        change["active"] = json!(false);
        change["version"] = json!(1);
        let changed = put(&server, &url, &coordinator, change.clone()).await;
        assert_ok(&changed, StatusCode::OK);
        assert_eq!(changed.2["version"], 2);
        assert_eq!(changed.2["active"], false);
        let stale = put(&server, &url, &coordinator, change).await;
        assert_problem(&stale, 409, None, None);
        assert_eq!(stale.2["current"]["name"], "Nurse Two (nights)");
        assert_eq!(stale.2["current"]["version"], 2);
        let unknown = format!("/api/v1/resources/{}", uuid_like());
        let mut body = resource_body();
        body["version"] = json!(1);
        assert_problem(&put(&server, &unknown, &coordinator, body.clone()).await, 404, None, None);
        assert_problem(&put(&server, "/api/v1/resources/nothing", &coordinator, body).await, 404, None, None);

        let leave_url = format!("{url}/leave");
        let (day, _) = booking_day();
        let backwards = post(&server, &leave_url, &coordinator, json!({"first_day": day.to_string(), "last_day": (day - Duration::days(1)).to_string()})).await;
        assert_problem(&backwards, 422, Some("last_day"), Some("date_order"));
        let garbled = post(&server, &leave_url, &coordinator, json!({"first_day": "next week"})).await;
        assert_problem(&garbled, 422, Some("first_day"), None);
        assert_problem(&garbled, 422, Some("last_day"), Some("required"));
        let leave = post(&server, &leave_url, &coordinator, json!({"first_day": day.to_string(), "last_day": day.to_string(), "reason": "Course"})).await;
        assert_ok(&leave, StatusCode::CREATED);
        assert_eq!(leave.2["resource_id"], id);
        assert_eq!(leave.2["reason"], "Course");
        assert_eq!(leave.2["created_by"], "coordinator");
        let leave_id = leave.2["id"].as_str().expect("id");
        let remove = format!("/api/v1/leave/{leave_id}");
        assert_ok(&call(&server, Method::DELETE, &remove, &coordinator, None).await, StatusCode::NO_CONTENT);
        assert_problem(&call(&server, Method::DELETE, &remove, &coordinator, None).await, 404, None, None);
    }

    async fn only_resource_managers_of_the_site_reach_its_resources(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let nurse = server.token("nurse").await;
        let north_nurse = server.token("north-nurse").await;
        let admin = server.token("admin").await;
        let site_url = format!("/api/v1/sites/{}/resources", server.clinic.site);
        assert_problem(&post(&server, &site_url, &nurse, resource_body()).await, 403, None, None);
        assert_eq!(main_resources(&server, &nurse).await.as_array().expect("array").len(), 11, "the nurse sees the schedule's resources");
        assert_problem(&get(&server, &site_url, &north_nurse).await, 404, None, None);
        let resources = main_resources(&server, &admin).await;
        let room = resource_id(&resources, "Room 2");
        let (day, _) = booking_day();
        let leave = json!({"first_day": day.to_string(), "last_day": day.to_string()});
        assert_problem(&post(&server, &format!("/api/v1/resources/{room}/leave"), &nurse, leave.clone()).await, 403, None, None);
        let added = post(&server, &format!("/api/v1/resources/{room}/leave"), &admin, leave).await;
        assert_ok(&added, StatusCode::CREATED);
        let remove = format!("/api/v1/leave/{}", added.2["id"].as_str().expect("id"));
        assert_problem(&call(&server, Method::DELETE, &remove, &nurse, None).await, 403, None, None);

        let plan = approved_plan(&server, "Rami").await;
        let coordinator = server.token("coordinator").await;
        let (_, at) = booking_day();
        let booked = post(&server, &format!("/api/v1/plans/{plan}/sessions"), &coordinator, json!({"starts_at": at})).await;
        assert_ok(&booked, StatusCode::CREATED);
        let session = booked.2["id"].as_str().expect("id").to_string();
        let later = format!("{}T09:00:00Z", day + Duration::days(1));
        assert_problem(&put(&server, &format!("/api/v1/sessions/{session}/start"), &nurse, json!({"starts_at": later, "version": 1})).await, 403, None, None);
        assert_problem(&post(&server, &format!("/api/v1/sessions/{session}/cancel"), &nurse, json!({"version": 1})).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/sessions/{session}/booking"), &north_nurse).await, 404, None, None);
        assert_ok(&get(&server, &format!("/api/v1/sessions/{session}/booking"), &nurse).await, StatusCode::OK);
        let starts = format!("/api/v1/plans/{plan}/starts?from={day}&to={day}");
        assert_problem(&get(&server, &starts, &nurse).await, 403, None, None);
    }

    async fn possible_starts_shrink_when_a_resource_goes_on_leave(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let coordinator = server.token("coordinator").await;
        let plan = approved_plan(&server, "Layla").await;
        let (day, at) = booking_day();
        let starts_url = format!("/api/v1/plans/{plan}/starts?from={day}&to={day}");
        let (status, _, before) = get(&server, &starts_url, &coordinator).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        let before = before["starts"].as_array().expect("starts").clone();
        assert!(before.iter().any(|s| s.as_str().is_some_and(|s| s.starts_with(&format!("{day}T09:00")))), "{before:?}");

        let physician = resource_id(&main_resources(&server, &coordinator).await, "Dr Test");
        let leave = post(&server, &format!("/api/v1/resources/{physician}/leave"), &coordinator,
            json!({"first_day": day.to_string(), "last_day": day.to_string(), "reason": "Conference"})).await;
        assert_ok(&leave, StatusCode::CREATED);
        let (_, _, after) = get(&server, &starts_url, &coordinator).await;
        let after = after["starts"].as_array().expect("starts").clone();
        assert!(after.len() < before.len(), "{} then {}", before.len(), after.len());
        assert!(!after.iter().any(|s| s.as_str().is_some_and(|s| s.starts_with(&format!("{day}T09:00")))));
        let refused = post(&server, &format!("/api/v1/plans/{plan}/sessions"), &coordinator, json!({"starts_at": at})).await;
        assert_problem(&refused, 409, Some("starts_at"), Some("unavailable"));
        assert!(refused.2["clashes"].to_string().contains("leave"), "{}", refused.2);

        let leave_id = leave.2["id"].as_str().expect("id");
        assert_ok(&call(&server, Method::DELETE, &format!("/api/v1/leave/{leave_id}"), &coordinator, None).await, StatusCode::NO_CONTENT);
        let (_, _, again) = get(&server, &starts_url, &coordinator).await;
        assert_eq!(again["starts"].as_array().expect("starts").len(), before.len());

        let base = format!("/api/v1/plans/{plan}/starts");
        assert_problem(&get(&server, &base, &coordinator).await, 422, Some("from"), Some("required"));
        assert_problem(&get(&server, &format!("{base}?from=tomorrow&to={day}"), &coordinator).await, 422, Some("from"), Some("invalid_date"));
        assert_problem(&get(&server, &format!("{base}?from={day}&to={}", day - Duration::days(1)), &coordinator).await, 422, Some("to"), Some("date_order"));
        assert_problem(&get(&server, &format!("{base}?from={day}&to={}", day + Duration::days(40)), &coordinator).await, 422, Some("to"), Some("out_of_range"));
        assert_problem(&get(&server, &format!("/api/v1/plans/{}/starts?from={day}&to={day}", uuid_like()), &coordinator).await, 404, None, None);
    }

    async fn a_clash_names_the_resource_and_moving_or_cancelling_frees_it(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let coordinator = server.token("coordinator").await;
        let first = approved_plan(&server, "Omar").await;
        let second = approved_plan(&server, "Huda").await;
        let (day, at) = booking_day();
        let booked = post(&server, &format!("/api/v1/plans/{first}/sessions"), &coordinator, json!({"starts_at": at})).await;
        assert_ok(&booked, StatusCode::CREATED);
        let session = booked.2["id"].as_str().expect("id").to_string();

        let (status, _, booking) = get(&server, &format!("/api/v1/sessions/{session}/booking"), &coordinator).await;
        assert_eq!(status, StatusCode::OK, "{booking}");
        assert_eq!(booking["session"]["id"], session.as_str());
        let steps = booking["steps"].as_array().expect("steps");
        assert_eq!(steps[0]["step"], "harvest");
        assert_eq!(steps[0]["from"].as_str().map(|s| s.starts_with(&format!("{day}T09:00"))), Some(true));
        assert!(steps.iter().any(|s| s["resources"].as_array().expect("resources").iter().any(|r| r["resource"] == "Dr Test")), "{booking}");

        let clash = post(&server, &format!("/api/v1/plans/{second}/sessions"), &coordinator, json!({"starts_at": at})).await;
        assert_problem(&clash, 409, Some("starts_at"), Some("unavailable"));
        assert_eq!(clash.2["code"], "unavailable");
        let clashes = clash.2["clashes"].as_array().expect("clashes");
        assert!(clashes.iter().any(|c| c["taken"].as_array().expect("taken").iter().any(|t| t["resource"] == "Dr Test" && t["reason"] == "booked")), "{}", clash.2);
        assert!(clashes.iter().any(|c| c["message"].as_str().is_some_and(|m| m.contains("Dr Test"))), "{}", clash.2);

        let start_url = format!("/api/v1/sessions/{session}/start");
        let tomorrow = format!("{}T09:00:00Z", day + Duration::days(1));
        assert_problem(&put(&server, &start_url, &coordinator, json!({"starts_at": tomorrow})).await, 422, Some("version"), Some("required"));
        assert_problem(&put(&server, &start_url, &coordinator, json!({"version": 1})).await, 422, Some("starts_at"), Some("required"));
        assert_problem(&put(&server, &start_url, &coordinator, json!({"starts_at": "soon", "version": 1})).await, 400, Some("starts_at"), Some("malformed"));
        let past = (Utc::now() - Duration::days(1)).to_rfc3339();
        assert_problem(&put(&server, &start_url, &coordinator, json!({"starts_at": past, "version": 1})).await, 422, Some("starts_at"), Some("out_of_range"));
        let moved = put(&server, &start_url, &coordinator, json!({"starts_at": tomorrow, "version": 1})).await;
        assert_ok(&moved, StatusCode::OK);
        assert_eq!(moved.2["version"], 2);
        assert_eq!(moved.2["starts_at"].as_str().map(|s| s.starts_with(&format!("{}T09:00", day + Duration::days(1)))), Some(true));
        let stale = put(&server, &start_url, &coordinator, json!({"starts_at": at, "version": 1})).await;
        assert_problem(&stale, 409, None, None);
        assert_eq!(stale.2["current"]["version"], 2);

        // The move freed 09:00 on the first day: the second plan books it.
        let second_booked = post(&server, &format!("/api/v1/plans/{second}/sessions"), &coordinator, json!({"starts_at": at})).await;
        assert_ok(&second_booked, StatusCode::CREATED);
        let second_session = second_booked.2["id"].as_str().expect("id").to_string();
        // Moving the first session back onto it clashes.
        let back = put(&server, &start_url, &coordinator, json!({"starts_at": at, "version": 2})).await;
        assert_problem(&back, 409, Some("starts_at"), Some("unavailable"));

        // Cancelling frees the resources: the first session moves back.
        let cancel_url = format!("/api/v1/sessions/{second_session}/cancel");
        assert_problem(&post(&server, &cancel_url, &coordinator, json!({})).await, 422, Some("version"), Some("required"));
        assert_problem(&post(&server, &cancel_url, &coordinator, json!({"version": 9})).await, 409, None, None);
        let cancelled = post(&server, &cancel_url, &coordinator, json!({"version": 1})).await;
        assert_ok(&cancelled, StatusCode::OK);
        assert_eq!(cancelled.2["status"], "cancelled");
        let (_, _, freed) = get(&server, &format!("/api/v1/sessions/{second_session}/booking"), &coordinator).await;
        assert_eq!(freed["steps"], json!([]));
        assert_problem(&post(&server, &cancel_url, &coordinator, json!({"version": 2})).await, 422, Some("session"), None);
        assert_ok(&put(&server, &start_url, &coordinator, json!({"starts_at": at, "version": 2})).await, StatusCode::OK);
        assert_problem(&get(&server, &format!("/api/v1/sessions/{}/booking", uuid_like()), &coordinator).await, 404, None, None);
    }

    async fn a_started_session_is_neither_moved_nor_cancelled(backend: Backend) {
        let offset = Arc::new(AtomicI64::new(0));
        let clock_offset = offset.clone();
        let (store, db) = store(&backend).await;
        let app = App::new(store, AppConfig::default()).with_clock(Arc::new(move || {
            Utc::now() + Duration::minutes(clock_offset.load(Ordering::SeqCst))
        }));
        let server = TestServer::serve(Clinic::on(app, db).await).await;
        let coordinator = server.token("coordinator").await;
        let plan = approved_plan(&server, "Sami").await;
        let soon = (Utc::now() + Duration::hours(2)).to_rfc3339();
        let booked = post(&server, &format!("/api/v1/plans/{plan}/sessions"), &coordinator, json!({"starts_at": soon})).await;
        assert_ok(&booked, StatusCode::CREATED);
        let session = booked.2["id"].as_str().expect("id").to_string();
        offset.store(3 * 60, Ordering::SeqCst);
        let later = (Utc::now() + Duration::days(3)).to_rfc3339();
        let moved = put(&server, &format!("/api/v1/sessions/{session}/start"), &coordinator, json!({"starts_at": later, "version": 1})).await;
        assert_problem(&moved, 422, Some("session"), Some("already_started"));
        let cancelled = post(&server, &format!("/api/v1/sessions/{session}/cancel"), &coordinator, json!({"version": 1})).await;
        assert_problem(&cancelled, 422, Some("session"), Some("already_started"));
    }
}

/// An id that names nothing.
fn uuid_like() -> String {
    "0190c0de-0000-7000-8000-000000000000".into()
}
