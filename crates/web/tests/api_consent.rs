//! The JSON API of consent and reminders, on both engines, against the real
//! server: a patient signing the Arabic text in their portal, a new text
//! version asking again, witnesses at a staff device, withdrawal, the stored
//! PDF, the outbox's delivery status, and who reaches what.

use cellpath_app::{App, AppConfig};
use cellpath_domain::outbox::Channel;
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{PatientId, Role};
use cellpath_test_support::api::{assert_ok, assert_problem, get, post, put};
use cellpath_test_support::{
    Backend, Clinic, PASSWORD, TestServer, both_backends, patient_draft, store,
};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn knee() -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "right".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// A patient with a knee plan and a portal account `username`: the
/// patient's id, the plan's id and the patient's token.
async fn patient_with_plan(server: &TestServer, username: &str) -> (PatientId, String, String) {
    let clinic = &server.clinic;
    let nurse = clinic.actor(Role::Nurse);
    let patient = clinic
        .app
        .register_patient(nurse, None, &patient_draft("Fatimah", username))
        .await
        .expect("patient");
    let plan = clinic
        .app
        .create_plan(clinic.actor(Role::Physician), patient.id, &knee(), None)
        .await
        .expect("plan");
    let (invitation, _) = clinic
        .app
        .invite_patient(nurse, patient.id)
        .await
        .expect("invite");
    clinic
        .app
        .accept_invitation(&invitation, username, PASSWORD)
        .await
        .expect("accept");
    (
        patient.id,
        plan.id.to_string(),
        server.token(username).await,
    )
}

fn signature(lang: &str, hash: &Value, name: &str) -> Value {
    json!({"lang": lang, "text_hash": hash, "typed_name": name, "confirmed": true})
}

/// A small PNG as a data URL.
const DRAWN: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAX+XDSwAAAABJRU5ErkJggg==";

/// A well-formed id that names no signature.
const UNKNOWN_ID: &str = "0190a2b3-0000-7000-8000-000000000000";

both_backends! {
    async fn the_patient_signs_in_arabic_and_a_new_version_asks_again(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan, me) = patient_with_plan(&server, "fatimah").await;
        let consent_path = format!("/api/v1/plans/{plan}/consent");

        let shown = get(&server, &format!("{consent_path}?lang=ar"), &me).await;
        assert_ok(&shown, StatusCode::OK);
        let shown = shown.2;
        assert_eq!(shown["state"], "missing");
        assert_eq!((shown["text"]["locale"].as_str(), shown["text"]["version"].as_i64()), (Some("ar"), Some(0)));
        assert!(shown["text"]["title"].as_str().expect("title").contains("نخاع العظم"), "{shown}");
        assert_eq!(shown["signatures"], json!([]));

        let mut body = signature("ar", &shown["text"]["hash"], "فاطمة");
        body["drawn_signature"] = json!(DRAWN);
        let signed = post(&server, &consent_path, &me, body).await;
        assert_ok(&signed, StatusCode::CREATED);
        assert_eq!(
            (signed.2["signed_via"].as_str(), signed.2["locale"].as_str(), signed.2["template_version"].as_i64()),
            (Some("portal"), Some("ar"), Some(0))
        );
        assert_eq!(signed.2["text_hash"], shown["text"]["hash"]);
        assert_eq!(signed.2["has_drawn_signature"], true);
        assert!(signed.2.get("drawn_signature").is_none() && signed.2.get("text_shown").is_none(), "{}", signed.2);

        let now = get(&server, &format!("{consent_path}?lang=ar"), &me).await.2;
        assert_eq!(now["state"], "valid");
        assert_eq!(now["signatures"][0]["typed_name"], "فاطمة");
        assert!(now["signatures"][0].get("text_shown").is_none(), "{now}");
        let full = get(&server, &format!("{consent_path}?lang=ar&full=true"), &me).await.2;
        let text_shown = full["signatures"][0]["text_shown"].as_str().expect("text_shown with full=true");
        assert!(text_shown.starts_with(shown["text"]["title"].as_str().expect("title")), "{text_shown}");
        assert!(!full.to_string().contains(DRAWN), "the drawn image is never sent back");

        // The language comes from Accept-Language when `lang` is left out.
        let arabic = reqwest::Client::new()
            .get(server.url(&consent_path))
            .bearer_auth(&me)
            .header("accept-language", "ar")
            .send()
            .await
            .expect("get")
            .json::<Value>()
            .await
            .expect("json");
        assert_eq!(arabic["text"]["hash"], shown["text"]["hash"]);
        let english = get(&server, &consent_path, &me).await.2;
        assert_eq!(english["text"]["locale"], "en");
        assert_problem(&get(&server, &format!("{consent_path}?lang=fr"), &me).await, 422, Some("lang"), Some("unknown_code"));

        let admin = server.token("admin").await;
        let site = server.clinic.site;
        let saved = put(
            &server,
            &format!("/api/v1/sites/{site}/consent-texts/bone_marrow/ar"),
            &admin,
            json!({"title": "موافقة محدّثة", "body": "نص العيادة الجديد."}),
        )
        .await;
        assert_ok(&saved, StatusCode::OK);
        assert_eq!((saved.2["version"].as_i64(), saved.2["locale"].as_str()), (Some(1), Some("ar")));
        let texts = get(&server, &format!("/api/v1/sites/{site}/consent-texts"), &admin).await;
        assert_ok(&texts, StatusCode::OK);
        let in_force = texts.2.as_array().expect("texts");
        assert_eq!(in_force.len(), 6, "three procedures in two languages");
        let arabic_marrow = in_force
            .iter()
            .find(|t| t["procedure"] == "bone_marrow" && t["locale"] == "ar")
            .expect("bone marrow in Arabic");
        assert_eq!((arabic_marrow["version"].as_i64(), &arabic_marrow["hash"]), (Some(1), &saved.2["hash"]));

        let again = get(&server, &format!("{consent_path}?lang=ar"), &me).await.2;
        assert_eq!(again["state"], "outdated");
        assert_eq!(again["text"]["hash"], saved.2["hash"]);
        assert_problem(
            &post(&server, &consent_path, &me, signature("ar", &shown["text"]["hash"], "فاطمة")).await,
            422,
            Some("text_hash"),
            Some("outdated"),
        );
        let resigned = post(&server, &consent_path, &me, signature("ar", &again["text"]["hash"], "فاطمة")).await;
        assert_ok(&resigned, StatusCode::CREATED);
        assert_eq!(resigned.2["template_version"], 1);
        let now = get(&server, &format!("{consent_path}?lang=ar"), &me).await.2;
        assert_eq!((now["state"].as_str(), now["signatures"].as_array().map(Vec::len)), (Some("valid"), Some(2)));
    }

    async fn staff_devices_need_a_witness_and_withdrawal_is_recorded(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan, me) = patient_with_plan(&server, "fatimah").await;
        let consent_path = format!("/api/v1/plans/{plan}/consent");
        let nurse = server.token("nurse").await;
        let text = get(&server, &format!("{consent_path}?lang=en"), &nurse).await.2["text"].clone();

        assert_problem(
            &post(&server, &consent_path, &nurse, signature("en", &text["hash"], "Fatimah Patient")).await,
            422,
            Some("witness_name"),
            Some("required"),
        );
        let mut incomplete = json!({"lang": "en", "text_hash": text["hash"], "witness_name": "Nurse Rana"});
        let refused = post(&server, &consent_path, &nurse, incomplete.clone()).await;
        assert_problem(&refused, 422, Some("typed_name"), Some("required"));
        assert_problem(&refused, 422, Some("confirmed"), Some("required"));
        incomplete["text_hash"] = Value::Null;
        assert_problem(&post(&server, &consent_path, &nurse, incomplete).await, 422, Some("text_hash"), Some("required"));
        assert_problem(
            &post(&server, &consent_path, &nurse, json!({"typed_name": "X", "signature": "x"})).await,
            400,
            Some("signature"),
            Some("malformed"),
        );

        let mut witnessed = signature("en", &text["hash"], "Fatimah Patient");
        witnessed["witness_name"] = json!("Nurse Rana");
        witnessed["interpreter_name"] = json!("Omar");
        witnessed["interpreter_language"] = json!("Arabic");
        let signed = post(&server, &consent_path, &nurse, witnessed).await;
        assert_ok(&signed, StatusCode::CREATED);
        assert_eq!(
            (signed.2["signed_via"].as_str(), signed.2["witness_name"].as_str(), signed.2["interpreter_language"].as_str(), signed.2["signed_by"].as_str()),
            (Some("staff_device"), Some("Nurse Rana"), Some("Arabic"), Some("nurse"))
        );
        assert_eq!(get(&server, &consent_path, &me).await.2["state"], "valid");

        let withdrawn = post(&server, &format!("{consent_path}/withdrawal"), &me, json!({"reason": "Changed my mind"})).await;
        assert_ok(&withdrawn, StatusCode::NO_CONTENT);
        let now = get(&server, &consent_path, &nurse).await.2;
        assert_eq!(now["state"], "withdrawn");
        assert_eq!(now["signatures"][0]["withdrawal_reason"], "Changed my mind");
        assert!(now["signatures"][0]["withdrawn_at"].is_string(), "{now}");
        assert_problem(&post(&server, &format!("{consent_path}/withdrawal"), &nurse, json!({})).await, 422, Some("plan"), None);

        // Signed again at the clinic, then withdrawn by phone, recorded by the nurse.
        let mut again = signature("en", &text["hash"], "Fatimah Patient");
        again["witness_name"] = json!("Nurse Rana");
        assert_ok(&post(&server, &consent_path, &nurse, again).await, StatusCode::CREATED);
        assert_eq!(get(&server, &consent_path, &nurse).await.2["state"], "valid");
        assert_ok(&post(&server, &format!("{consent_path}/withdrawal"), &nurse, json!({"reason": "By phone"})).await, StatusCode::NO_CONTENT);
        assert_eq!(get(&server, &consent_path, &me).await.2["state"], "withdrawn");
    }

    async fn nobody_reaches_someone_elses_consent(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan, _) = patient_with_plan(&server, "fatimah").await;
        let (_, _, stranger) = patient_with_plan(&server, "other.patient").await;
        let consent_path = format!("/api/v1/plans/{plan}/consent");
        let nurse = server.token("nurse").await;
        let hash = get(&server, &consent_path, &nurse).await.2["text"]["hash"].clone();

        assert_problem(&get(&server, &consent_path, &stranger).await, 404, None, None);
        assert_problem(&post(&server, &consent_path, &stranger, signature("en", &hash, "X")).await, 404, None, None);
        assert_problem(&post(&server, &format!("{consent_path}/withdrawal"), &stranger, json!({})).await, 404, None, None);

        let coordinator = server.token("coordinator").await;
        let mut witnessed = signature("en", &hash, "X");
        witnessed["witness_name"] = json!("Y");
        let refused = post(&server, &consent_path, &coordinator, witnessed.clone()).await;
        assert_problem(&refused, 403, None, None);
        assert_eq!(refused.2["code"], "forbidden");
        assert_problem(&post(&server, &consent_path, &server.token("north-nurse").await, witnessed).await, 404, None, None);

        let site = server.clinic.site;
        assert_problem(&get(&server, &format!("/api/v1/sites/{site}/consent-texts"), &nurse).await, 403, None, None);
        let admin = server.token("admin").await;
        let texts_path = format!("/api/v1/sites/{site}/consent-texts");
        assert_problem(&put(&server, &format!("{texts_path}/magic/ar"), &admin, json!({"title": "T", "body": "B"})).await, 404, None, None);
        assert_problem(&put(&server, &format!("{texts_path}/adipose/fr"), &admin, json!({"title": "T", "body": "B"})).await, 404, None, None);
        let empty = put(&server, &format!("{texts_path}/adipose/en"), &admin, json!({"title": " "})).await;
        assert_problem(&empty, 422, Some("title"), Some("required"));
        assert_problem(&empty, 422, Some("body"), Some("required"));
        let other_site = server.clinic.other_site;
        assert_problem(&get(&server, &format!("/api/v1/sites/{other_site}/consent-texts"), &admin).await, 404, None, None);
        assert_problem(&get(&server, "/api/v1/plans/not-a-plan/consent", &nurse).await, 404, None, None);
        assert_problem(&get(&server, &consent_path, "not-a-token").await, 401, None, None);
    }

    async fn the_signed_pdf_is_served_when_one_was_stored(backend: Backend) {
        let (store, db) = store(&backend).await;
        let render: cellpath_app::consent::ConsentPdf =
            std::sync::Arc::new(|_| Some(b"%PDF-1.4 signed consent".to_vec()));
        let app = App::new(store, AppConfig::default()).with_consent_pdf(render);
        let server = TestServer::serve(Clinic::on(app, db).await).await;
        let (_, plan, me) = patient_with_plan(&server, "fatimah").await;
        let consent_path = format!("/api/v1/plans/{plan}/consent");
        let hash = get(&server, &consent_path, &me).await.2["text"]["hash"].clone();
        let signed = post(&server, &consent_path, &me, signature("en", &hash, "Fatimah Patient")).await;
        assert_ok(&signed, StatusCode::CREATED);
        let id = signed.2["id"].as_str().expect("id");

        let response = reqwest::Client::new()
            .get(server.url(&format!("{consent_path}/{id}/pdf")))
            .bearer_auth(&me)
            .send()
            .await
            .expect("pdf");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
        assert!(response.bytes().await.expect("bytes").starts_with(b"%PDF"));

        let (_, _, stranger) = patient_with_plan(&server, "other.patient").await;
        assert_problem(&get(&server, &format!("{consent_path}/{id}/pdf"), &stranger).await, 404, None, None);
        assert_problem(&get(&server, &format!("{consent_path}/{UNKNOWN_ID}/pdf"), &me).await, 404, None, None);
    }

    async fn a_signature_without_a_stored_pdf_is_404(backend: Backend) {
        // A clinic without the PDF renderer wired in stores no PDF.
        let server = TestServer::serve(cellpath_test_support::Clinic::new(&backend).await).await;
        let (_, plan, me) = patient_with_plan(&server, "fatimah").await;
        let consent_path = format!("/api/v1/plans/{plan}/consent");
        let hash = get(&server, &consent_path, &me).await.2["text"]["hash"].clone();
        let signed = post(&server, &consent_path, &me, signature("en", &hash, "Fatimah Patient")).await;
        let id = signed.2["id"].as_str().expect("id");
        assert_problem(&get(&server, &format!("{consent_path}/{id}/pdf"), &me).await, 404, None, None);
    }

    async fn staff_follow_message_delivery(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (patient, _, me) = patient_with_plan(&server, "fatimah").await;
        let site = server.clinic.site;
        let queued = server
            .clinic
            .app
            .enqueue_message(cellpath_app::outbox::NewMessage {
                site_id: site,
                patient_id: Some(patient),
                dedup_key: "test-reminder".into(),
                channel: Channel::Email,
                recipient: "fatimah@example.test".into(),
                subject: "Your session".into(),
                body: "The private text of the reminder.".into(),
                calendar: None,
                not_before: Utc::now(),
            })
            .await
            .expect("enqueue");
        assert!(queued);

        let coordinator = server.token("coordinator").await;
        let of_patient = get(&server, &format!("/api/v1/patients/{patient}/messages"), &coordinator).await;
        assert_ok(&of_patient, StatusCode::OK);
        let message = &of_patient.2[0];
        assert_eq!(
            (message["channel"].as_str(), message["recipient"].as_str(), message["subject"].as_str(), message["status"].as_str(), message["attempts"].as_i64()),
            (Some("email"), Some("fatimah@example.test"), Some("Your session"), Some("pending"), Some(0))
        );
        assert!(message["sent_at"].is_null() && message["last_error"].is_null(), "{message}");
        assert!(!of_patient.2.to_string().contains("private text"), "the body is not shown");

        let of_site = get(&server, &format!("/api/v1/sites/{site}/messages?limit=10"), &coordinator).await;
        assert_ok(&of_site, StatusCode::OK);
        assert_eq!(of_site.2.as_array().map(Vec::len), Some(1));
        assert_problem(&get(&server, &format!("/api/v1/sites/{site}/messages?limit=many"), &coordinator).await, 400, Some("query"), None);

        let lab = server.token("lab_tech").await;
        assert_problem(&get(&server, &format!("/api/v1/patients/{patient}/messages"), &lab).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/sites/{site}/messages"), &lab).await, 403, None, None);
        assert_problem(&get(&server, &format!("/api/v1/patients/{patient}/messages"), &me).await, 403, None, None);
        let other_site = server.clinic.other_site;
        assert_problem(&get(&server, &format!("/api/v1/sites/{other_site}/messages"), &coordinator).await, 404, None, None);
    }
}
