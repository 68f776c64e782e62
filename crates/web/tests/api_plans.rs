//! The JSON API of what comes before a session, on both engines, against the
//! real server: protocol versions kept by sessions, screening that names the
//! medications, signed decisions, refused contradictions, preparation ticked
//! by the patient, and who reaches what.

use cellpath_domain::Role;
use cellpath_test_support::api::{assert_ok, assert_problem, get, post, put};
use cellpath_test_support::{Backend, PASSWORD, TestServer, both_backends, patient_draft};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A patient registered by the nurse, with these medications and a recent
/// MRI of the left knee.
async fn patient_with(server: &TestServer, medications: &[(&str, &str)]) -> String {
    let nurse = server.token("nurse").await;
    let created = post(
        server,
        "/api/v1/patients",
        &nurse,
        json!({"given_name": "Amal", "family_name": "Screened", "date_of_birth": "1965-03-02", "sex": "female", "phone": "+971 50 100 2000"}),
    )
    .await;
    assert_ok(&created, StatusCode::CREATED);
    let id = created.2["id"].as_str().expect("id").to_string();
    add_intake(server, &id, medications).await;
    id
}

async fn add_intake(server: &TestServer, patient: &str, medications: &[(&str, &str)]) {
    let nurse = server.token("nurse").await;
    for (name, class) in medications {
        let added = post(
            server,
            &format!("/api/v1/patients/{patient}/medications"),
            &nurse,
            json!({"name": name, "class": class, "dose": "as prescribed"}),
        )
        .await;
        assert_ok(&added, StatusCode::CREATED);
    }
    let today = Utc::now().date_naive().to_string();
    let imaging = post(
        server,
        &format!("/api/v1/patients/{patient}/imaging-reports"),
        &nurse,
        json!({"region": "Left knee", "modality": "mri", "performed_on": today}),
    )
    .await;
    assert_ok(&imaging, StatusCode::CREATED);
}

fn knee_plan(anaesthesia: &str) -> Value {
    json!({
        "indication": "osteoarthritis",
        "target_site": "knee",
        "side": "left",
        "cell_source": "bone_marrow",
        "guidance": "ultrasound",
        "anaesthesia": anaesthesia,
        "planned_sessions": 2
    })
}

/// A plan written, approved and given its first session ten days from now.
async fn booked_session(server: &TestServer, patient: &str, anaesthesia: &str) -> (String, Value) {
    let physician = server.token("physician").await;
    let coordinator = server.token("coordinator").await;
    let plan = post(
        server,
        &format!("/api/v1/patients/{patient}/plans"),
        &physician,
        knee_plan(anaesthesia),
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
    // Each booking in a test gets its own four-hour slot: the fixture has one physician.
    static SLOT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let slot = SLOT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let starts_at = (Utc::now() + Duration::days(10) + Duration::hours(4 * slot)).to_rfc3339();
    let session = post(
        server,
        &format!("/api/v1/plans/{plan_id}/sessions"),
        &coordinator,
        json!({"starts_at": starts_at}),
    )
    .await;
    assert_ok(&session, StatusCode::CREATED);
    (plan_id, session.2)
}

fn codes(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect()
}

both_backends! {
    async fn screening_names_the_medications_and_the_physician_signs(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let patient = patient_with(&server, &[("Ibuprofen", "nsaid"), ("Warfarin", "anticoagulant")]).await;
        let physician = server.token("physician").await;
        let nurse = server.token("nurse").await;
        let response = reqwest::Client::new()
            .post(server.url(&format!("/api/v1/patients/{patient}/plans")))
            .bearer_auth(&physician)
            .json(&knee_plan("local"))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).expect("location").to_string();
        let plan: Value = response.json().await.expect("json");
        assert_eq!(plan["status"], "draft");
        assert_eq!(plan["version"], 1);
        assert_eq!(plan["planned_sessions"], 2);
        assert_eq!(location, format!("/api/v1/plans/{}", plan["id"].as_str().expect("id")));

        let (status, _, plans) = get(&server, &format!("/api/v1/patients/{patient}/plans"), &nurse).await;
        assert_eq!(status, StatusCode::OK, "{plans}");
        let screening = &plans[0]["screening"];
        assert_eq!(screening["outcome"], "needs_review");
        assert_eq!(codes(&screening["findings"]), ["nsaid_pause", "bleeding_risk"]);
        assert_eq!(screening["findings"][0]["names"], json!(["Ibuprofen"]));
        assert_eq!(screening["findings"][0]["severity"], "action");
        assert_eq!(screening["findings"][1]["names"], json!(["Warfarin"]));
        assert_eq!(screening["findings"][1]["severity"], "review");
        assert_eq!(plans[0]["decision"], Value::Null);
        assert_eq!(plans[0]["sessions"], json!([]));

        let decision = server.url(&location).replace(&server.base, "") + "/decision";
        assert_problem(&post(&server, &decision, &physician, json!({"proceed": true, "version": 1})).await, 422, Some("justification"), Some("required"));
        assert_problem(&post(&server, &decision, &physician, json!({"proceed": true, "justification": "   ", "version": 1})).await, 422, Some("justification"), Some("required"));
        assert_problem(&post(&server, &decision, &physician, json!({"proceed": true, "justification": "x"})).await, 422, Some("version"), Some("required"));
        assert_problem(&post(&server, &decision, &physician, json!({"proceed": "yes", "version": 1})).await, 400, Some("proceed"), None);
        assert_problem(&post(&server, &decision, &nurse, json!({"proceed": true, "justification": "x", "version": 1})).await, 403, None, None);

        let signed = post(&server, &decision, &physician, json!({"proceed": true, "justification": "INR checked; warfarin bridged.", "version": 1})).await;
        assert_ok(&signed, StatusCode::OK);
        assert_eq!(signed.2["status"], "approved");
        assert_eq!(signed.2["version"], 2);
        assert_eq!(signed.2["decision"]["outcome"], "needs_review");
        assert_eq!(signed.2["decision"]["justification"], "INR checked; warfarin bridged.");
        assert_eq!(signed.2["decision"]["decided_by"], "physician");
        assert_eq!(codes(&signed.2["decision"]["findings"]), ["nsaid_pause", "bleeding_risk"]);

        for version in [1, 2] {
            let again = post(&server, &decision, &physician, json!({"proceed": false, "version": version})).await;
            assert_problem(&again, 409, None, None);
            assert_eq!(again.2["current"]["status"], "approved", "the conflict shows the plan as it is");
            assert_eq!(again.2["current"]["decision"]["proceed"], true);
        }
        let (status, _, read) = get(&server, &location, &nurse).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(read["status"], "approved");
        assert_eq!(read["screening"]["outcome"], "needs_review");
    }

    async fn contradictions_and_bad_input_are_problems_naming_the_field(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let patient = patient_with(&server, &[]).await;
        let physician = server.token("physician").await;
        let coordinator = server.token("coordinator").await;
        let plans = format!("/api/v1/patients/{patient}/plans");
        let disc = json!({"indication": "degenerative_disc", "target_site": "spinal_disc", "side": "midline", "spinal_level": "L4-L5",
            "cell_source": "bone_marrow", "guidance": "ultrasound", "anaesthesia": "local", "planned_sessions": "1"});
        assert_problem(&post(&server, &plans, &physician, disc).await, 422, Some("guidance"), Some("needs_fluoroscopy"));
        let neuro = json!({"indication": "neurological", "target_site": "systemic", "side": "midline",
            "cell_source": "allogeneic", "guidance": "none", "anaesthesia": "local", "planned_sessions": 1});
        assert_problem(&post(&server, &plans, &physician, neuro.clone()).await, 422, Some("study_id"), Some("study_required"));
        let mut in_study = neuro;
        in_study["study_id"] = json!("NCT01234567");
        assert_ok(&post(&server, &plans, &physician, in_study).await, StatusCode::CREATED);

        let mut unknown = knee_plan("local");
        unknown["cell_source"] = json!("stem");
        unknown["anaesthesia"] = json!("general");
        let refused = post(&server, &plans, &physician, unknown).await;
        assert_problem(&refused, 422, Some("cell_source"), Some("unknown_code"));
        assert_problem(&refused, 422, Some("anaesthesia"), Some("unknown_code"));
        let mut too_many = knee_plan("local");
        too_many["planned_sessions"] = json!(11);
        assert_problem(&post(&server, &plans, &physician, too_many).await, 422, Some("planned_sessions"), Some("out_of_range"));
        let mut wrong_type = knee_plan("local");
        wrong_type["planned_sessions"] = json!(true);
        assert_problem(&post(&server, &plans, &physician, wrong_type).await, 400, Some("planned_sessions"), Some("malformed"));
        let mut bad_previous = knee_plan("local");
        bad_previous["previous_plan_id"] = json!("not-a-uuid");
        assert_problem(&post(&server, &plans, &physician, bad_previous).await, 400, Some("previous_plan_id"), None);
        let mut unknown_previous = knee_plan("local");
        unknown_previous["previous_plan_id"] = json!(uuid::Uuid::now_v7());
        assert_problem(&post(&server, &plans, &physician, unknown_previous).await, 422, Some("previous_plan_id"), None);
        let mut extra = knee_plan("local");
        extra["colour"] = json!("blue");
        assert_problem(&post(&server, &plans, &physician, extra).await, 400, None, None);

        let draft = post(&server, &plans, &physician, knee_plan("local")).await;
        assert_ok(&draft, StatusCode::CREATED);
        let draft_id = draft.2["id"].as_str().expect("id");
        let repeat = {
            let mut body = knee_plan("local");
            body["previous_plan_id"] = json!(draft_id);
            post(&server, &plans, &physician, body).await
        };
        assert_ok(&repeat, StatusCode::CREATED);
        assert_eq!(repeat.2["previous_plan_id"], draft_id);

        let sessions = format!("/api/v1/plans/{draft_id}/sessions");
        let later = (Utc::now() + Duration::days(5)).to_rfc3339();
        assert_problem(&post(&server, &sessions, &coordinator, json!({"starts_at": later})).await, 422, Some("plan"), Some("not_eligible"));
        assert_problem(&post(&server, &sessions, &coordinator, json!({"starts_at": "next tuesday"})).await, 400, Some("starts_at"), None);
        assert_problem(&post(&server, &sessions, &coordinator, json!({})).await, 422, Some("starts_at"), Some("required"));

        for path in [
            "/api/v1/plans/not-a-uuid".to_string(),
            format!("/api/v1/plans/{}", uuid::Uuid::now_v7()),
            "/api/v1/patients/not-a-uuid/plans".to_string(),
            "/api/v1/sessions/not-a-uuid/preparation".to_string(),
            format!("/api/v1/sessions/{}/preparation", uuid::Uuid::now_v7()),
            "/api/v1/sites/not-a-uuid/protocol".to_string(),
            format!("/api/v1/sites/{}/protocol", uuid::Uuid::now_v7()),
        ] {
            assert_problem(&get(&server, &path, &physician).await, 404, None, None);
        }
        assert_problem(&post(&server, "/api/v1/plans/not-a-uuid/decision", &physician, json!({"proceed": false, "version": 1})).await, 404, None, None);
        assert_problem(&get(&server, &plans, "0".repeat(64).as_str()).await, 401, None, None);
    }

    async fn a_session_keeps_the_protocol_version_it_was_booked_under(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let admin = server.token("admin").await;
        let lab = server.token("lab_tech").await;
        let nurse = server.token("nurse").await;
        let protocol = format!("/api/v1/sites/{}/protocol", server.clinic.site);
        let (status, _, defaults) = get(&server, &protocol, &lab).await;
        assert_eq!(status, StatusCode::OK, "{defaults}");
        assert_eq!(defaults["version"], 0);
        assert_eq!(defaults["settings"]["nsaid_pause_days"], "7");
        assert_eq!(defaults["settings"]["follow_up_days"], "7,42,91,182,365");
        assert_eq!(defaults["settings"]["follow_up_minutes"], "30");
        assert_eq!(defaults["settings"]["follow_up_seen_by"], "physician");

        assert_problem(&put(&server, &protocol, &lab, json!({"settings": {"nsaid_pause_days": "10"}})).await, 403, None, None);
        assert_problem(&put(&server, &protocol, &admin, json!({"settings": {"shoe_size": 44}})).await, 422, Some("settings.shoe_size"), Some("unknown_code"));
        assert_problem(&put(&server, &protocol, &admin, json!({"settings": {"nsaid_pause_days": 0}})).await, 422, Some("settings.nsaid_pause_days"), Some("out_of_range"));
        assert_problem(&put(&server, &protocol, &admin, json!({"settings": {"nsaid_pause_days": "seven"}})).await, 422, Some("settings.nsaid_pause_days"), Some("invalid_format"));
        assert_problem(&put(&server, &protocol, &admin, json!({"settings": {"nsaid_pause_days": null}})).await, 400, Some("settings.nsaid_pause_days"), None);
        assert_problem(&put(&server, &protocol, &admin, json!({"settings": {}, "note": "x".repeat(500)})).await, 422, Some("note"), None);

        let first = put(&server, &protocol, &admin, json!({"settings": {"nsaid_pause_days": "10"}, "note": "Longer NSAID pause"})).await;
        assert_ok(&first, StatusCode::OK);
        assert_eq!(first.2["version"], 1);
        assert_eq!(first.2["settings"]["nsaid_pause_days"], "10");
        assert_eq!(first.2["note"], "Longer NSAID pause");
        assert_eq!(first.2["changed_by"], "admin");

        let patient = patient_with(&server, &[]).await;
        let (plan_id, session) = booked_session(&server, &patient, "local").await;
        assert_eq!(session["number"], 1);
        assert_eq!(session["protocol_version"], 1);
        assert_eq!(session["status"], "planned");

        let second = put(&server, &protocol, &admin, json!({"settings": {"nsaid_pause_days": 14, "follow_up_days": "7,42,90"}})).await;
        assert_ok(&second, StatusCode::OK);
        assert_eq!(second.2["version"], 2);
        assert_eq!(second.2["settings"]["nsaid_pause_days"], "14");
        let (_, _, versions) = get(&server, &format!("{protocol}/versions"), &nurse).await;
        let numbers: Vec<i64> = versions.as_array().expect("versions").iter().filter_map(|v| v["version"].as_i64()).collect();
        assert_eq!(numbers, [2, 1, 0]);
        let (_, _, current) = get(&server, &protocol, &nurse).await;
        assert_eq!(current["version"], 2);

        let (status, _, plan) = get(&server, &format!("/api/v1/plans/{plan_id}"), &nurse).await;
        assert_eq!(status, StatusCode::OK, "{plan}");
        assert_eq!(plan["sessions"][0]["protocol_version"], 1, "the session keeps the version it was booked under");
        let session_id = session["id"].as_str().expect("id");
        let (status, _, preparation) = get(&server, &format!("/api/v1/sessions/{session_id}/preparation"), &nurse).await;
        assert_eq!(status, StatusCode::OK, "{preparation}");
        assert_eq!(preparation["session"]["protocol_version"], 1);
        let tasks = codes(&preparation["tasks"]);
        assert!(!tasks.contains(&"fast_solids") && !tasks.contains(&"arrange_ride"), "no fasting under local anaesthesia: {tasks:?}");
        assert_problem(&put(&server, &format!("/api/v1/sessions/{session_id}/preparation/fast_solids"), &nurse, json!({"done": true})).await, 422, Some("task"), Some("unknown_code"));

        assert_problem(&get(&server, &format!("/api/v1/patients/{patient}/plans"), &admin).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/plans/{plan_id}"), &admin).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/patients/{patient}/plans"), &lab).await, 403, None, None);
        assert_problem(&post(&server, &format!("/api/v1/patients/{patient}/plans"), &lab, knee_plan("local")).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/sessions/{session_id}/preparation"), &lab).await, 403, None, None);
    }

    async fn the_patient_ticks_the_preparation_of_a_sedation_plan(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let coordinator_actor = server.clinic.actor(Role::Coordinator);
        let own = app.register_patient(coordinator_actor, None, &patient_draft("Mariam", "Own")).await.expect("own");
        let other = app.register_patient(coordinator_actor, None, &patient_draft("Zaid", "Other")).await.expect("other");
        let (invitation, _) = app.invite_patient(server.clinic.actor(Role::Nurse), own.id).await.expect("invite");
        app.accept_invitation(&invitation, "mariam", PASSWORD).await.expect("accept");
        let mariam = server.token("mariam").await;
        let nurse = server.token("nurse").await;
        let coordinator = server.token("coordinator").await;
        let physician = server.token("physician").await;
        let own_id = own.id.to_string();
        let other_id = other.id.to_string();
        add_intake(&server, &own_id, &[("Ibuprofen", "nsaid")]).await;
        add_intake(&server, &other_id, &[]).await;
        let (_, session) = booked_session(&server, &own_id, "sedation").await;
        let (other_plan, other_session) = booked_session(&server, &other_id, "local").await;
        let session_id = session["id"].as_str().expect("id");
        let preparation = format!("/api/v1/sessions/{session_id}/preparation");

        let (status, _, checklist) = get(&server, &preparation, &nurse).await;
        assert_eq!(status, StatusCode::OK, "{checklist}");
        let tasks = codes(&checklist["tasks"]);
        for code in ["history_review", "imaging_on_file", "stop_nsaids", "fast_solids", "fast_clear_liquids", "arrange_ride"] {
            assert!(tasks.contains(&code), "{code} in {tasks:?}");
        }
        let task = |prep: &Value, code: &str| -> Value {
            prep["tasks"].as_array().expect("tasks").iter().find(|t| t["code"] == code).cloned().expect("task")
        };
        let nsaids = task(&checklist, "stop_nsaids");
        assert_eq!(nsaids["names"], json!(["Ibuprofen"]));
        assert!(nsaids["last_day"].is_string(), "{nsaids}");
        assert_eq!(nsaids["completion"], "patient");
        assert_eq!(task(&checklist, "history_review")["completion"], "auto");
        assert_eq!(task(&checklist, "history_review")["done"], true);
        assert_eq!(task(&checklist, "arrange_ride")["done"], false);

        let ticked = put(&server, &format!("{preparation}/arrange_ride"), &mariam, json!({"done": true})).await;
        assert_ok(&ticked, StatusCode::OK);
        assert_eq!(task(&ticked.2, "arrange_ride")["done"], true);
        let by_staff = put(&server, &format!("{preparation}/fast_solids"), &coordinator, json!({"done": true})).await;
        assert_ok(&by_staff, StatusCode::OK);
        assert_eq!(task(&by_staff.2, "fast_solids")["done"], true);
        assert_eq!(task(&by_staff.2, "arrange_ride")["done"], true);
        assert_problem(&put(&server, &format!("{preparation}/history_review"), &mariam, json!({"done": true})).await, 422, Some("task"), Some("unknown_code"));
        assert_problem(&put(&server, &format!("{preparation}/dance"), &mariam, json!({"done": true})).await, 404, None, None);
        assert_problem(&put(&server, &format!("{preparation}/hydrate"), &mariam, json!({})).await, 422, Some("done"), Some("required"));
        assert_problem(&put(&server, &format!("{preparation}/hydrate"), &physician, json!({"done": true})).await, 403, None, None);

        let (status, _, mine) = get(&server, &format!("/api/v1/patients/{own_id}/plans"), &mariam).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(mine[0]["anaesthesia"], "sedation");
        assert_eq!(mine[0]["sessions"][0]["id"], session["id"]);
        let (status, _, _) = get(&server, &preparation, &mariam).await;
        assert_eq!(status, StatusCode::OK);
        let other_session_id = other_session["id"].as_str().expect("id");
        for path in [
            format!("/api/v1/patients/{other_id}/plans"),
            format!("/api/v1/plans/{other_plan}"),
            format!("/api/v1/sessions/{other_session_id}/preparation"),
        ] {
            assert_problem(&get(&server, &path, &mariam).await, 404, None, None);
        }
        assert_problem(&put(&server, &format!("/api/v1/sessions/{other_session_id}/preparation/hydrate"), &mariam, json!({"done": true})).await, 404, None, None);
        assert_problem(&post(&server, &format!("/api/v1/patients/{own_id}/plans"), &mariam, knee_plan("local")).await, 403, None, None);

        let (status, _, board) = get(&server, "/api/v1/preparation-board?days=30", &coordinator).await;
        assert_eq!(status, StatusCode::OK, "{board}");
        let lines = board.as_array().expect("lines");
        assert_eq!(lines.len(), 2, "{board}");
        let line = lines.iter().find(|l| l["session"]["id"] == session["id"]).expect("the sedation session is on the board");
        assert_eq!(line["patient_name"], "Mariam Own");
        assert!(["ready", "at_risk", "not_ready"].contains(&line["readiness"]["status"].as_str().expect("status")), "{line}");
        assert_eq!(task(line, "arrange_ride")["done"], true);
        let (status, _, _) = get(&server, "/api/v1/preparation-board", &nurse).await;
        assert_eq!(status, StatusCode::OK);
        assert_problem(&get(&server, "/api/v1/preparation-board?days=soon", &coordinator).await, 400, Some("query"), None);
        assert_problem(&get(&server, "/api/v1/preparation-board", &physician).await, 403, None, None);
        assert_problem(&get(&server, "/api/v1/preparation-board", &mariam).await, 403, None, None);
    }
}
