//! The JSON API of the session day and the lab on both engines, against the
//! real server: an autologous session from check-in to discharge (missing
//! items named, a mix-up at the bedside refused, recorded and blocking, then
//! a correct check), the lab receiving by barcode and releasing only by a
//! second person, a donor lot from quarantine to an allogeneic bedside, the
//! site's label settings, and the OpenAPI document.

use cellpath_domain::Role;
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::PlanDraft;
use cellpath_test_support::api::{assert_ok, assert_problem, get, post, put};
use cellpath_test_support::{Backend, Clinic, PASSWORD, TestServer, both_backends};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A session `hours` from now of an approved plan with consent taken, for
/// a new patient; the knee plan unless `plan` is given. The fixture has one
/// physician and one nurse: sessions on the same day are hours apart.
async fn booked(
    clinic: &Clinic,
    family: &str,
    plan: Option<PlanDraft>,
    hours: i64,
) -> (Patient, String) {
    let (patient, plan_id) = match plan {
        None => clinic.approved_knee_plan("Layla", family).await,
        Some(draft) => clinic.approved_plan("Omar", family, &draft).await,
    };
    clinic.consented(&patient, plan_id).await;
    let session = clinic
        .app
        .schedule_session(
            clinic.actor(Role::Coordinator),
            plan_id,
            Utc::now() + Duration::hours(hours),
        )
        .await
        .expect("session");
    (patient, session.id.to_string())
}

fn allogeneic_plan() -> PlanDraft {
    PlanDraft {
        cell_source: "allogeneic".into(),
        ..cellpath_test_support::knee_plan()
    }
}

fn day_url(session: &str, rest: &str) -> String {
    format!("/api/v1/sessions/{session}/day{rest}")
}

fn identity(patient: &Patient) -> Value {
    json!({"given_name": patient.given_name, "family_name": patient.family_name,
           "date_of_birth": patient.date_of_birth.to_string()})
}

fn vitals() -> Value {
    json!({"systolic": "128", "diastolic": 82, "pulse": "72", "temperature": 36.8, "spo2": "98"})
}

/// Records every check-in item not yet recorded, then finishes check-in.
async fn check_in(server: &TestServer, nurse: &str, session: &str, patient: &Patient) {
    let (_, _, day) = get(server, &day_url(session, ""), nurse).await;
    for item in day["missing"].as_array().expect("missing").clone() {
        let item = item.as_str().expect("item");
        let body = match item {
            "identity" => identity(patient),
            "vitals" => vitals(),
            _ => json!({}),
        };
        let checked = post(
            server,
            &day_url(session, &format!("/checks/{item}")),
            nurse,
            body,
        )
        .await;
        assert_ok(&checked, StatusCode::OK);
    }
    let finished = post(
        server,
        &day_url(session, "/steps/check_in/finish"),
        nurse,
        json!({}),
    )
    .await;
    assert_ok(&finished, StatusCode::OK);
    assert_eq!(step(&finished.2, "check_in")["state"], "done");
}

fn step<'a>(day: &'a Value, name: &str) -> &'a Value {
    day["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["step"] == name)
        .expect("step")
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

fn kinds(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect()
}

fn bedside(wristband: &str, product: &str) -> Value {
    json!({"wristband": format!("{wristband}\n"), "product": format!("{product}\n"),
           "second_username": "physician", "second_password": PASSWORD,
           "second_wristband": wristband, "second_product": product})
}

/// A session's row on the day board of the day it starts.
async fn board_row(server: &TestServer, token: &str, session: &str) -> Value {
    let (_, _, day) = get(server, &day_url(session, ""), token).await;
    let date = &day["starts_at"].as_str().expect("starts_at")[..10];
    let site = &day["site_id"].as_str().expect("site");
    let (status, _, board) = get(
        server,
        &format!("/api/v1/sites/{site}/board?date={date}"),
        token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    board
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["session_id"] == session)
        .expect("the session's row")
        .clone()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

both_backends! {
    async fn an_autologous_session_runs_from_check_in_to_discharge(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let nurse = server.token("nurse").await;
        let physician = server.token("physician").await;
        let lab = server.token("lab_tech").await;
        let lab_two = server.token("lab-two").await;
        let (patient, session) = booked(clinic, "Haddad", None, 1).await;

        let (status, _, day) = get(&server, &day_url(&session, ""), &nurse).await;
        assert_eq!(status, StatusCode::OK, "{day}");
        assert_eq!(day["session_id"], session);
        assert_eq!(day["patient_id"], patient.id.to_string());
        assert_eq!((day["autologous"].as_bool(), day["current_step"].as_str()), (Some(true), Some("check_in")));
        let path: Vec<&str> = day["steps"].as_array().expect("steps").iter().map(|s| s["step"].as_str().expect("step")).collect();
        assert_eq!(path, ["check_in", "harvest", "processing", "injection", "monitoring", "discharge"]);
        assert!(day["steps"].as_array().expect("steps").iter().all(|s| s["state"] == "waiting" && s["started"].is_null()));
        assert_eq!(day["consent"], "valid");
        assert!(day["wristband"].is_null());
        assert_problem(&get(&server, &day_url(&session, ""), &server.token("north-nurse").await).await, 404, None, None);
        assert_problem(&get(&server, &day_url("not-a-session", ""), &nurse).await, 404, None, None);

        // Check-in: a missing item is named, each one as its field.
        let allergies = post(&server, &day_url(&session, "/checks/allergies"), &nurse, json!({"note": "None known"})).await;
        assert_ok(&allergies, StatusCode::OK);
        assert_eq!(step(&allergies.2, "check_in")["state"], "running");
        assert_eq!(step(&allergies.2, "check_in")["started"]["username"], "nurse");
        assert_eq!(allergies.2["checked"][0]["item"], "allergies");
        assert_eq!(allergies.2["checked"][0]["by"]["username"], "nurse");
        let missing = post(&server, &day_url(&session, "/steps/check_in/finish"), &nurse, json!({})).await;
        assert_problem(&missing, 422, None, None);
        assert_eq!(fields(&missing.2), ["identity", "wristband", "consent", "nsaid_pause", "vitals", "time_out"]);
        assert!(missing.2["errors"].as_array().expect("errors").iter().all(|e| e["code"] == "checklist_missing"));
        assert_problem(&post(&server, &day_url(&session, "/steps/harvest/start"), &physician, json!({})).await, 422, Some("check_in"), Some("step_order"));
        // Identity by two identifiers; vitals with every value in range.
        let mut wrong = identity(&patient);
        wrong["date_of_birth"] = json!("1901-01-01");
        assert_problem(&post(&server, &day_url(&session, "/checks/identity"), &nurse, wrong).await, 422, Some("date_of_birth"), Some("wrong_patient"));
        let mut no_spo2 = vitals();
        no_spo2["spo2"] = Value::Null;
        no_spo2["temperature"] = json!("51.0");
        let refused = post(&server, &day_url(&session, "/checks/vitals"), &nurse, no_spo2).await;
        assert_problem(&refused, 422, Some("spo2"), Some("required"));
        assert_problem(&refused, 422, Some("temperature"), Some("out_of_range"));
        assert_problem(&post(&server, &day_url(&session, "/checks/shoes"), &nurse, json!({})).await, 422, Some("item"), Some("unknown_code"));
        assert_problem(&post(&server, &day_url(&session, "/checks/consent"), &nurse, json!({"colour": "blue"})).await, 400, Some("colour"), Some("malformed"));
        assert_problem(&post(&server, &day_url(&session, "/checks/consent"), &lab, json!({})).await, 403, None, None);
        check_in(&server, &nurse, &session, &patient).await;
        let (_, _, day) = get(&server, &day_url(&session, ""), &nurse).await;
        assert_eq!(day["missing"], json!([]));
        assert_eq!(step(&day, "check_in")["finished"]["username"], "nurse");
        let wristband = day["wristband"].as_str().expect("wristband printed").to_string();
        assert!(wristband.starts_with('W') && wristband.len() == 10, "{wristband}");
        assert_eq!(day["records"][0]["kind"], "vitals");
        assert_eq!(day["records"][0]["fields"]["temperature"], "36.8");
        assert_eq!(day["records"][0]["fields"]["diastolic"], "82");

        // Harvest: the record creates the specimen and its identifier.
        assert_ok(&post(&server, &day_url(&session, "/steps/harvest/start"), &physician, json!({})).await, StatusCode::OK);
        let empty = post(&server, &day_url(&session, "/harvest"), &physician, json!({})).await;
        assert_eq!(fields(&empty.2), ["source_site", "side", "volume_ml", "anaesthetic", "dose"], "{}", empty.2);
        let harvest = json!({"source_site": "posterior iliac crest", "side": "right", "volume_ml": 60,
                             "anaesthetic": "lidocaine 1%", "dose": "10 mL"});
        let specimen = post(&server, &day_url(&session, "/harvest"), &physician, harvest.clone()).await;
        assert_ok(&specimen, StatusCode::CREATED);
        let specimen = specimen.2;
        assert_eq!((specimen["kind"].as_str(), specimen["status"].as_str()), (Some("specimen"), Some("collected")));
        assert_eq!(specimen["product_type"], "bone_marrow_aspirate");
        assert_eq!(specimen["owner_patient_id"], patient.id.to_string());
        assert_eq!(specimen["fields"]["volume_ml"], "60.0");
        let printed = specimen["donation_id"].as_str().expect("printed").to_string();
        let barcode = specimen["barcode"].as_str().expect("barcode").to_string();
        assert!(printed.starts_with("T1234") && printed.len() == 14, "{printed}");
        assert_eq!((barcode.len(), &barcode[..14]), (16, format!("={}", &printed[..13]).as_str()));
        assert_problem(&post(&server, &day_url(&session, "/harvest"), &physician, harvest).await, 422, Some("harvest"), Some("duplicate"));
        // Finished at once, the harvest is too short: it needs a reason, kept as a deviation.
        assert_problem(&post(&server, &day_url(&session, "/steps/harvest/finish"), &physician, json!({})).await, 422, Some("reason"), Some("deviation_reason_required"));
        let done = post(&server, &day_url(&session, "/steps/harvest/finish"), &physician, json!({"reason": "test"})).await;
        assert_ok(&done, StatusCode::OK);
        let deviation = &done.2["deviations"][0];
        assert_eq!((deviation["step"].as_str(), deviation["kind"].as_str(), deviation["reason"].as_str()), (Some("harvest"), Some("too_short"), Some("test")));
        assert_eq!(deviation["by"]["username"], "physician");

        // The lab receives the specimen by the barcode its scanner types.
        let site = clinic.site;
        let receive = format!("/api/v1/sites/{site}/lab/receive");
        assert_problem(&post(&server, &receive, &nurse, json!({"scan": barcode})).await, 403, None, None);
        let (_, _, queue) = get(&server, &format!("/api/v1/sites/{site}/lab"), &lab).await;
        assert_eq!(queue["facility_code"], "T1234");
        assert!(queue["units"].as_array().expect("units").iter().any(|u| u["id"] == specimen["id"] && u["status"] == "collected"), "{queue}");
        assert_problem(&post(&server, &receive, &lab, json!({"scan": "T1234"})).await, 422, Some("scan"), Some("wrong_check_character"));
        let received = post(&server, &receive, &lab, json!({"scan": format!("{barcode}\n")})).await;
        assert_ok(&received, StatusCode::OK);
        assert_eq!((received.2["id"].clone(), received.2["status"].as_str()), (specimen["id"].clone(), Some("received")));
        assert_problem(&post(&server, &receive, &lab, json!({"scan": printed})).await, 422, Some("scan"), Some("wrong_station"));
        let (_, _, queue) = get(&server, &format!("/api/v1/sites/{site}/lab"), &lab).await;
        let refused: Vec<&str> = queue["refusals"].as_array().expect("refusals").iter().map(|r| r["code"].as_str().expect("code")).collect();
        assert_eq!(refused, ["wrong_check_character", "wrong_station"], "refused scans are recorded");

        // Processing by one lab technician, release by another.
        let specimen_id = id_of(&specimen);
        assert_problem(&post(&server, &day_url(&session, "/steps/processing/start"), &nurse, json!({})).await, 403, None, None);
        assert_ok(&post(&server, &day_url(&session, "/steps/processing/start"), &lab, json!({})).await, StatusCode::OK);
        let processing = format!("/api/v1/units/{specimen_id}/processing");
        let empty = post(&server, &processing, &lab, json!({})).await;
        assert_eq!(fields(&empty.2), ["method", "centrifuge_programme", "cabinet", "kit_lots"], "{}", empty.2);
        let product = post(&server, &processing, &lab, json!({"method": "density gradient", "centrifuge_programme": "BMAC-2",
            "cabinet": "BSC-1", "kit_lots": ["K123", "K456"]})).await;
        assert_ok(&product, StatusCode::CREATED);
        let product = product.2;
        assert_eq!((product["kind"].as_str(), product["status"].as_str()), (Some("product"), Some("awaiting_release")));
        assert_eq!(product["product_type"], "bone_marrow_concentrate");
        assert_eq!(product["parent_id"], specimen["id"]);
        assert_eq!(product["processed_by"], "lab_tech");
        assert_eq!(product["fields"]["kit_lots"], "K123, K456");
        assert_eq!(product["fields"]["derived_from"], printed.as_str());
        let product_id = id_of(&product);
        let product_printed = product["donation_id"].as_str().expect("printed").to_string();
        let qc = format!("/api/v1/units/{product_id}/qc");
        let poor = post(&server, &qc, &lab, json!({"volume_ml": "8.5", "cells_millions": 420, "viability_percent": 60})).await;
        assert_ok(&poor, StatusCode::OK);
        assert_eq!(poor.2["misses"], json!(["viability_percent"]));
        assert_eq!(poor.2["unit"]["fields"]["qc_viability_percent"], "60");
        let release = format!("/api/v1/units/{product_id}/release");
        assert_problem(&post(&server, &release, &lab_two, json!({})).await, 422, Some("qc"), Some("criteria_not_met"));
        let good = post(&server, &qc, &lab, json!({"volume_ml": 8.5, "cells_millions": "420", "viability_percent": "93"})).await;
        assert_eq!(good.2["misses"], json!([]));
        assert_problem(&post(&server, &release, &lab, json!({})).await, 422, Some("product"), Some("second_person_required"));
        let released = post(&server, &release, &lab_two, json!({})).await;
        assert_ok(&released, StatusCode::OK);
        assert_eq!((released.2["status"].as_str(), released.2["released_by"].as_str()), (Some("released"), Some("lab-two")));
        assert_ok(&post(&server, &day_url(&session, "/steps/processing/finish"), &lab, json!({"reason": "test"})).await, StatusCode::OK);
        let (_, _, unit) = get(&server, &format!("/api/v1/units/{product_id}"), &nurse).await;
        assert_eq!(unit["parent"]["id"], specimen["id"]);
        assert_eq!(kinds(&unit["events"]), ["derived", "qc", "qc", "released"]);
        let (_, _, unit) = get(&server, &format!("/api/v1/units/{specimen_id}"), &lab).await;
        assert_eq!(unit["children"][0]["id"], product["id"]);
        assert_eq!(kinds(&unit["events"]), ["collected", "received", "received", "processed"]);
        assert_eq!(unit["events"][2]["passed"], false, "the second receipt was refused and kept");

        // The bedside check: another patient's wristband is refused, recorded, and blocks.
        let (other, other_session) = booked(clinic, "Other", None, 8).await;
        let band = post(&server, &day_url(&other_session, "/checks/wristband"), &nurse, json!({})).await;
        let other_band = band.2["wristband"].as_str().expect("other band").to_string();
        assert_ne!(other_band, wristband);
        let mixup = post(&server, &day_url(&session, "/bedside-check"), &nurse, bedside(&other_band, &product_printed)).await;
        assert_problem(&mixup, 422, Some("wristband"), Some("wrong_patient"));
        let (_, _, day) = get(&server, &day_url(&session, ""), &nurse).await;
        let check = day["chain"].as_array().expect("chain").iter().rfind(|e| e["kind"] == "bedside_check").expect("recorded");
        assert_eq!((check["passed"].as_bool(), check["code"].as_str()), (Some(false), Some("wrong_patient")));
        assert_eq!(check["fields"]["second"], "physician");
        assert_eq!(check["unit_id"], product["id"]);
        assert!(day["deviations"].as_array().expect("deviations").iter().any(|d| d["kind"] == "failed_check" && d["reason"] == "wrong_patient"), "{day}");
        assert_eq!(day["facts"]["bedside_passed"], false);
        assert_problem(&post(&server, &day_url(&session, "/steps/injection/start"), &physician, json!({})).await, 422, Some("bedside_check"), Some("bedside_check_required"));
        let mut wrong_password = bedside(&wristband, &product_printed);
        wrong_password["second_password"] = json!("not the password");
        assert_problem(&post(&server, &day_url(&session, "/bedside-check"), &nurse, wrong_password).await, 422, Some("second_password"), Some("not_qualified"));
        assert_problem(&post(&server, &day_url(&session, "/bedside-check"), &nurse, json!({})).await, 422, Some("second_username"), Some("required"));
        let passed = post(&server, &day_url(&session, "/bedside-check"), &nurse, bedside(&wristband, &barcode_of(&product))).await;
        assert_ok(&passed, StatusCode::OK);
        assert_eq!((passed.2["id"].clone(), passed.2["status"].as_str()), (product["id"].clone(), Some("released")));

        // Injection, monitoring and discharge.
        let started = post(&server, &day_url(&session, "/steps/injection/start"), &physician, json!({})).await;
        assert_ok(&started, StatusCode::OK);
        assert_eq!(started.2["facts"]["bedside_passed"], true);
        let empty = post(&server, &day_url(&session, "/injection"), &physician, json!({})).await;
        assert_eq!(fields(&empty.2), ["guidance", "target_site", "side", "volume_ml"], "{}", empty.2);
        let injected = post(&server, &day_url(&session, "/injection"), &physician,
            json!({"guidance": "ultrasound", "target_site": "knee", "side": "right", "volume_ml": "6.0"})).await;
        assert_ok(&injected, StatusCode::OK);
        assert_eq!(injected.2["facts"]["injection_recorded"], true);
        assert_eq!(injected.2["units"].as_array().expect("units").iter().find(|u| u["id"] == product["id"]).expect("product")["status"], "administered");
        assert_ok(&post(&server, &day_url(&session, "/steps/injection/finish"), &physician, json!({"reason": "test"})).await, StatusCode::OK);
        assert_ok(&post(&server, &day_url(&session, "/steps/monitoring/start"), &nurse, json!({})).await, StatusCode::OK);
        let mut round = vitals();
        round["pain"] = json!(2);
        round["criteria"] = json!(["vitals_stable", "pain_controlled"]);
        let partial = post(&server, &day_url(&session, "/monitoring"), &nurse, round.clone()).await;
        assert_ok(&partial, StatusCode::OK);
        assert_eq!(partial.2, json!({"criteria_met": false}));
        assert_problem(&post(&server, &day_url(&session, "/steps/monitoring/finish"), &nurse, json!({"reason": "test"})).await, 422, Some("monitoring"), Some("criteria_not_met"));
        round["criteria"] = json!(["happy"]);
        assert_problem(&post(&server, &day_url(&session, "/monitoring"), &nurse, round.clone()).await, 422, Some("criteria"), Some("unknown_code"));
        round["criteria"] = json!(["vitals_stable", "pain_controlled", "sites_dry", "walking", "instructions_given"]);
        let met = post(&server, &day_url(&session, "/monitoring"), &nurse, round).await;
        assert_eq!(met.2, json!({"criteria_met": true}));
        assert_ok(&post(&server, &day_url(&session, "/steps/monitoring/finish"), &nurse, json!({"reason": "test"})).await, StatusCode::OK);
        let sterile = post(&server, &day_url(&session, "/deviations"), &physician, json!({"step": "injection", "kind": "sterile_breach", "reason": "Glove torn"})).await;
        assert_ok(&sterile, StatusCode::OK);
        assert!(sterile.2["deviations"].as_array().expect("deviations").iter().any(|d| d["kind"] == "sterile_breach" && d["step"] == "injection" && d["reason"] == "Glove torn"));
        let no_reason = post(&server, &day_url(&session, "/deviations"), &physician, json!({"kind": "other"})).await;
        assert_problem(&no_reason, 422, Some("reason"), Some("required"));
        assert_ok(&post(&server, &day_url(&session, "/steps/discharge/start"), &nurse, json!({})).await, StatusCode::OK);
        let discharged = post(&server, &day_url(&session, "/steps/discharge/finish"), &nurse, json!({})).await;
        assert_ok(&discharged, StatusCode::OK);
        let day = discharged.2;
        assert!(day["current_step"].is_null());
        assert!(day["steps"].as_array().expect("steps").iter().all(|s| s["state"] == "done" && s["finished"]["at"].is_string()));
        assert_eq!(kinds(&day["records"]), ["vitals", "harvest", "processing", "injection", "monitoring", "monitoring"]);
        assert_eq!(day["records"][3]["fields"]["product"], product_printed.as_str());
        assert_eq!(day["records"][5]["fields"]["criteria_met"], "true");
        let bedside_checks: Vec<bool> = day["chain"].as_array().expect("chain").iter().filter(|e| e["kind"] == "bedside_check")
            .map(|e| e["passed"].as_bool().expect("passed")).collect();
        assert_eq!(bedside_checks, [false, true], "a refused check is kept; a wrong password is refused before any scan is compared");

        // The day board: this session discharged with its alerts, the other one checking in.
        let coordinator = server.token("coordinator").await;
        let mine = board_row(&server, &coordinator, &session).await;
        assert!(mine["step"].is_null());
        assert_eq!(mine["patient_name"], patient.full_name());
        let alerts: Vec<&str> = mine["alerts"].as_array().expect("alerts").iter().map(|a| a["code"].as_str().expect("code")).collect();
        assert_eq!(alerts, ["failed_check", "deviations"]);
        assert_eq!(mine["alerts"][1]["count"], day["deviations"].as_array().expect("deviations").len());
        let theirs = board_row(&server, &coordinator, &other_session).await;
        assert_eq!((theirs["step"].as_str(), theirs["running"].as_bool()), (Some("check_in"), Some(true)));
        assert_eq!(theirs["patient_id"], other.id.to_string());
        assert_ok(&get(&server, &format!("/api/v1/sites/{site}/board"), &coordinator).await, StatusCode::OK);
        assert_problem(&get(&server, &format!("/api/v1/sites/{site}/board?date=tomorrow"), &coordinator).await, 422, Some("date"), Some("invalid_date"));
        assert_problem(&get(&server, &format!("/api/v1/sites/{}/board", clinic.other_site), &coordinator).await, 404, None, None);
    }

    async fn a_donor_lot_is_received_released_assigned_and_passes_the_bedside(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let nurse = server.token("nurse").await;
        let lab = server.token("lab_tech").await;
        let (patient, session) = booked(clinic, "Donor", Some(allogeneic_plan()), 1).await;
        check_in(&server, &nurse, &session, &patient).await;
        let (_, _, day) = get(&server, &day_url(&session, ""), &nurse).await;
        assert_eq!(day["autologous"], false);
        assert_eq!(day["current_step"], "donor_preparation");
        let wristband = day["wristband"].as_str().expect("wristband").to_string();
        assert_ok(&post(&server, &day_url(&session, "/steps/donor_preparation/start"), &nurse, json!({})).await, StatusCode::OK);

        let lots = format!("/api/v1/sites/{}/donor-lots", clinic.site);
        let empty = post(&server, &lots, &lab, json!({})).await;
        assert_eq!(fields(&empty.2), ["supplier", "supplier_lot", "description", "volume_ml", "expires_at"], "{}", empty.2);
        let lot = |n: &str, expires: chrono::DateTime<Utc>| json!({"supplier": "Cell bank", "supplier_lot": format!("LOT-{n}"),
            "description": "Allogeneic MSC", "volume_ml": 5, "expires_at": expires.to_rfc3339()});
        let in_a_month = Utc::now() + Duration::days(30);
        assert_problem(&post(&server, &lots, &lab, lot("old", Utc::now() - Duration::days(1))).await, 422, Some("expires_at"), Some("expired"));
        let mut garbled = lot("x", in_a_month);
        garbled["expires_at"] = json!("next month");
        assert_problem(&post(&server, &lots, &lab, garbled).await, 400, Some("expires_at"), Some("malformed"));
        assert_problem(&post(&server, &lots, &nurse, lot("A", in_a_month)).await, 403, None, None);
        let mine = post(&server, &lots, &lab, lot("A", in_a_month)).await;
        assert_ok(&mine, StatusCode::CREATED);
        let mine = mine.2;
        assert_eq!((mine["kind"].as_str(), mine["status"].as_str()), (Some("donor_lot"), Some("quarantined")));
        assert_eq!((mine["product_type"].as_str(), mine["autologous_only"].as_bool()), (Some("donor_cells"), Some(false)));
        assert_eq!(mine["supplier_lot"], "LOT-A");
        assert_eq!(mine["fields"]["volume_ml"], "5.0");
        assert!(mine["assigned_patient_id"].is_null());
        let expires = chrono::DateTime::parse_from_rfc3339(mine["expires_at"].as_str().expect("expires")).expect("rfc 3339");
        assert!((expires.with_timezone(&Utc) - in_a_month).num_seconds().abs() < 60, "kept to the minute");
        let mine_barcode = barcode_of(&mine);
        let mine_printed = mine["donation_id"].as_str().expect("printed").to_string();

        // Quarantined: not yet for anyone.
        let assign = day_url(&session, "/donor-lot");
        assert_problem(&post(&server, &assign, &nurse, json!({"scan": mine_printed})).await, 422, Some("scan"), Some("not_released"));
        let release = format!("/api/v1/donor-lots/{}/release", id_of(&mine));
        assert_problem(&post(&server, &release, &nurse, json!({})).await, 403, None, None);
        let released = post(&server, &release, &lab, json!({})).await;
        assert_ok(&released, StatusCode::OK);
        assert_eq!((released.2["status"].as_str(), released.2["released_by"].as_str()), (Some("released"), Some("lab_tech")));
        assert_problem(&post(&server, &release, &lab, json!({})).await, 422, Some("unit"), None);

        // A rejected lot can never be assigned.
        let spare = post(&server, &lots, &lab, lot("B", in_a_month)).await.2;
        let reject = format!("/api/v1/units/{}/reject", id_of(&spare));
        assert_problem(&post(&server, &reject, &lab, json!({})).await, 422, Some("reason"), Some("required"));
        let rejected = post(&server, &reject, &lab, json!({"reason": "Cold chain broken"})).await;
        assert_ok(&rejected, StatusCode::OK);
        assert_eq!(rejected.2["status"], "rejected");
        assert_problem(&post(&server, &assign, &nurse, json!({"scan": barcode_of(&spare)})).await, 422, Some("scan"), None);

        let assigned = post(&server, &assign, &nurse, json!({"scan": format!("{mine_barcode}\n")})).await;
        assert_ok(&assigned, StatusCode::OK);
        assert_eq!(assigned.2["assigned_patient_id"], patient.id.to_string());
        assert_eq!(assigned.2["session_id"], session);
        assert_ok(&post(&server, &day_url(&session, "/steps/donor_preparation/finish"), &nurse, json!({})).await, StatusCode::OK);

        let passed = post(&server, &day_url(&session, "/bedside-check"), &nurse, bedside(&wristband, &mine_printed)).await;
        assert_ok(&passed, StatusCode::OK);
        assert_eq!(passed.2["id"], mine["id"]);
        let started = post(&server, &day_url(&session, "/steps/injection/start"), &server.token("physician").await, json!({})).await;
        assert_ok(&started, StatusCode::OK);
        assert_eq!(step(&started.2, "injection")["state"], "running");
        assert_eq!(started.2["units"][0]["id"], mine["id"]);
        let (_, _, unit) = get(&server, &format!("/api/v1/units/{}", id_of(&mine)), &lab).await;
        assert_eq!(kinds(&unit["events"]), ["quarantined", "assigned", "released", "assigned", "bedside_check"]);
        assert_eq!(unit["events"][1]["passed"], false, "the scan while quarantined was refused and kept");
    }

    async fn the_site_labels_are_read_and_set_by_the_admin_and_every_route_is_documented(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let site = server.clinic.site;
        let admin = server.token("admin").await;
        let nurse = server.token("nurse").await;
        let url = format!("/api/v1/sites/{site}/labels");
        let (status, _, labels) = get(&server, &url, &admin).await;
        assert_eq!(status, StatusCode::OK, "{labels}");
        assert_eq!((labels["facility_code"].as_str(), labels["label_size"].as_str()), (Some("T1234"), Some("100x50")));
        assert_eq!(labels["site_id"], site.to_string());
        assert_ok(&get(&server, &url, &nurse).await, StatusCode::OK);
        assert_problem(&put(&server, &url, &nurse, json!({"facility_code": "T9999", "label_size": "50x25"})).await, 403, None, None);
        let bad = put(&server, &url, &admin, json!({"facility_code": "t1", "label_size": "10x10"})).await;
        assert_problem(&bad, 422, Some("facility_code"), None);
        assert_problem(&bad, 422, Some("label_size"), Some("unknown_code"));
        assert_problem(&put(&server, &url, &admin, json!({"facility_code": "T5678", "label_size": "50x25"})).await, 422, Some("facility_code"), Some("duplicate"));
        let set = put(&server, &url, &admin, json!({"facility_code": "T9999", "label_size": "50x25"})).await;
        assert_ok(&set, StatusCode::OK);
        assert_eq!((set.2["facility_code"].as_str(), set.2["label_size"].as_str()), (Some("T9999"), Some("50x25")));
        assert_eq!(get(&server, &url, &nurse).await.2["facility_code"], "T9999");
        assert_problem(&get(&server, &format!("/api/v1/sites/{}/labels", server.clinic.other_site), &nurse).await, 404, None, None);

        let document: Value = reqwest::get(server.url("/openapi.json")).await.expect("document").json().await.expect("json");
        let paths = document["paths"].as_object().expect("paths");
        for (method, path) in [
            ("get", "/api/v1/sessions/{session_id}/day"),
            ("post", "/api/v1/sessions/{session_id}/day/checks/{item}"),
            ("post", "/api/v1/sessions/{session_id}/day/steps/{step}/start"),
            ("post", "/api/v1/sessions/{session_id}/day/steps/{step}/finish"),
            ("post", "/api/v1/sessions/{session_id}/day/deviations"),
            ("post", "/api/v1/sessions/{session_id}/day/harvest"),
            ("post", "/api/v1/sessions/{session_id}/day/bedside-check"),
            ("post", "/api/v1/sessions/{session_id}/day/injection"),
            ("post", "/api/v1/sessions/{session_id}/day/monitoring"),
            ("post", "/api/v1/sessions/{session_id}/day/donor-lot"),
            ("get", "/api/v1/sites/{site_id}/board"),
            ("get", "/api/v1/sites/{site_id}/lab"),
            ("post", "/api/v1/sites/{site_id}/lab/receive"),
            ("get", "/api/v1/units/{unit_id}"),
            ("post", "/api/v1/units/{unit_id}/processing"),
            ("post", "/api/v1/units/{unit_id}/qc"),
            ("post", "/api/v1/units/{unit_id}/release"),
            ("post", "/api/v1/units/{unit_id}/reject"),
            ("post", "/api/v1/sites/{site_id}/donor-lots"),
            ("post", "/api/v1/donor-lots/{unit_id}/release"),
            ("get", "/api/v1/sites/{site_id}/labels"),
            ("put", "/api/v1/sites/{site_id}/labels"),
        ] {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{} {path} is documented", method.to_uppercase());
        }
        let schemas = document["components"]["schemas"].as_object().expect("schemas");
        for schema in ["SessionDayOut", "UnitOut", "BedsideIn", "BoardRowOut", "LabQueueOut", "UnitViewOut", "LabelsOut"] {
            assert!(schemas.contains_key(schema), "{schema}");
        }
    }
}

fn barcode_of(unit: &Value) -> String {
    unit["barcode"].as_str().expect("barcode").to_string()
}
