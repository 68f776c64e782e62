//! Questionnaires and outcomes through the pages, on both engines against
//! the real server: KOOS answered in Arabic by a nurse (answers saved,
//! scores right, shown in Arabic digits); a missing required NRS answer
//! refused next to its item; the outcome chart with its points, baseline
//! and both sessions of a repeat treatment; the patient answers in the
//! portal and cannot reach another patient; the physician's cohort counts;
//! every answer and read audited.

use cellpath_app::{ResponseRow, encode_fields};
use cellpath_domain::plan::{SessionStatus, TreatmentSession};
use cellpath_domain::{Locale, PatientId, PlanId, Role, SessionId};
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, strip_isolation,
};
use cellpath_web::i18n::tr;
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
}

async fn signed_in(server: &TestServer, username: &str) -> reqwest::Client {
    let client = server.client();
    let response = server.sign_in(&client, username, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{username} signs in"
    );
    client
}

/// Posts `fields` to `path` with the token of the page at `form_page`.
async fn post(
    server: &TestServer,
    client: &reqwest::Client,
    form_page: &str,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let (_, html) = page(client, server.url(form_page)).await;
    let csrf = csrf_of(&html).expect("a form token");
    let mut all = vec![("csrf".to_string(), csrf)];
    all.extend_from_slice(fields);
    client
        .post(server.url(path))
        .form(&all)
        .send()
        .await
        .expect("post")
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Every KOOS item answered `value`, as the form names them.
fn koos_form(value: &str) -> Vec<(String, String)> {
    let mut all = vec![("timepoint".to_string(), "baseline".to_string())];
    for (prefix, n) in [("S", 7), ("P", 9), ("A", 17), ("SP", 5), ("Q", 4)] {
        for i in 1..=n {
            all.push((format!("answers.{prefix}{i}"), value.to_string()));
        }
    }
    all
}

async fn session_at(
    server: &TestServer,
    patient: PatientId,
    plan: PlanId,
    number: i64,
    starts_at: DateTime<Utc>,
) {
    let clinic = &server.clinic;
    let site_id = clinic.site;
    let session = TreatmentSession {
        id: SessionId::new(),
        plan_id: plan,
        patient_id: patient,
        site_id,
        number,
        starts_at,
        protocol_version: 1,
        status: SessionStatus::Planned,
        version: 1,
        created_at: starts_at,
        updated_at: starts_at,
    };
    let mut tx = clinic.app.store().begin().await.expect("begin");
    tx.insert_treatment_session(&session)
        .await
        .expect("session");
    tx.commit().await.expect("commit");
}

/// An NRS answer written straight to the store at an earlier time.
async fn earlier_nrs(server: &TestServer, patient: PatientId, at: DateTime<Utc>, pain: i64) {
    let clinic = &server.clinic;
    let mut tx = clinic.app.store().begin().await.expect("begin");
    tx.insert_response(&ResponseRow {
        id: uuid::Uuid::now_v7(),
        patient_id: patient.as_uuid(),
        site_id: clinic.site.as_uuid(),
        plan_id: None,
        session_id: None,
        code: "nrs-pain".into(),
        timepoint: "baseline".into(),
        answers: encode_fields(&[("pain", pain.to_string())]),
        scores: encode_fields(&[("pain", format!("{pain}.0"))]),
        answered_by: clinic.actor(Role::Nurse).user_id.as_uuid(),
        answered_at: at,
    })
    .await
    .expect("response");
    tx.commit().await.expect("commit");
}

both_backends! {
    async fn koos_in_arabic_nrs_refused_by_item_and_the_chart_spans_both_sessions(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let (amal, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
        let now = Utc::now();
        session_at(&server, amal.id, plan, 1, now - Duration::days(60)).await;
        session_at(&server, amal.id, plan, 2, now - Duration::days(20)).await;
        earlier_nrs(&server, amal.id, now - Duration::days(62), 8).await;

        let nurse = signed_in(&server, "nurse").await;
        let (_, chart) = page(&nurse, server.url(&format!("/patients/{}", amal.id))).await;
        let list = format!("/patients/{}/questionnaires", amal.id);
        assert!(chart.contains(&format!("href=\"{list}\"")), "linked from the chart");
        let (status, html) = page(&nurse, server.url(&list)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"answer-nrs-pain\"") && html.contains("id=\"answer-koos\""), "NRS for everyone, KOOS for the knee");
        assert!(!html.contains("id=\"answer-odi\""), "no ODI for a knee");

        // KOOS in Arabic: the items and answers in Arabic, as radios.
        nurse.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let form = format!("/patients/{}/questionnaires/koos/new", amal.id);
        let (status, html) = page(&nurse, server.url(&form)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("dir=\"rtl\""));
        let koos = cellpath_domain::questionnaire::Definition::by_code("koos").expect("koos");
        assert!(html.contains(&koos.items()[0].text.ar), "item text in Arabic");
        assert_eq!(html.matches("type=\"radio\" name=\"answers.P1\"").count(), 5, "five answers to P1");
        let saved = post(&server, &nurse, &form, &form, &koos_form("2")).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&list)).await;
        assert!(html.contains("٥٠٫٠"), "the scores in Arabic digits: {html}");
        let outcomes = clinic.app.responses_of_patient(clinic.actor(Role::Nurse), amal.id).await.expect("read");
        let koos_response = outcomes.responses.iter().find(|r| r.code == "koos").expect("saved");
        assert_eq!(koos_response.answers.len(), 42, "every answer saved");
        for code in ["symptoms", "pain", "adl", "sport", "qol"] {
            assert_eq!(koos_response.scores.get(code), Some(50.0), "{code}");
        }

        // A missing required NRS answer comes back next to its item, in Arabic.
        let nrs_form = format!("/patients/{}/questionnaires/nrs-pain/new", amal.id);
        let refused = post(&server, &nurse, &nrs_form, &nrs_form, &fields(&[("timepoint", "6w")])).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = strip_isolation(&refused.text().await.expect("body"));
        let message = html.split("id=\"e-answers.pain\">").nth(1).expect("the item's error").split('<').next().expect("text");
        assert_eq!(message, tr(Locale::Ar, "issue-required"));
        assert!(html.contains("value=\"6w\" selected"), "what was chosen stays");

        // Answered: the chart has the points, the baseline, its band and both sessions.
        nurse.get(server.url("/lang/en?next=/home")).send().await.expect("english");
        let saved = post(&server, &nurse, &nrs_form, &nrs_form, &fields(&[("timepoint", "6w"), ("answers.pain", "3")])).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, html) = page(&nurse, server.url(&list)).await;
        let svg = html.split("<svg").find(|s| s.contains("id=\"chart-nrs-pain-pain\"")).expect("the NRS chart").split("</svg>").next().expect("end");
        assert_eq!(svg.matches("<circle class=\"point").count(), 2, "{svg}");
        assert!(svg.contains("class=\"point is-baseline\"") && svg.contains("data-day=\"-2\" data-value=\"8\""), "{svg}");
        assert!(svg.contains("data-day=\"60\" data-value=\"3\""), "{svg}");
        assert!(svg.contains("class=\"baseline\"") && svg.contains("class=\"mic-band\""));
        assert!(svg.contains("Baseline 8.0 (± 2.0)"), "{svg}");
        assert_eq!(svg.matches("class=\"session-mark\"").count(), 2, "each session of the repeat treatment");
        assert!(svg.contains("Session 2") && svg.contains("Days since the first treatment session"));
        // In Arabic the axis text is Arabic and the time runs right to left.
        nurse.get(server.url("/lang/ar?next=/home")).send().await.expect("arabic");
        let (_, html) = page(&nurse, server.url(&list)).await;
        assert!(html.contains(&tr(Locale::Ar, "outcome-axis-days-session")));
        assert!(html.contains("direction=\"rtl\""));

        // Audited: both answers by the nurse, and the reads.
        let audit = clinic.app.audit_page(clinic.actor(Role::Admin), Some(&amal.id.to_string()), 500, 0).await.expect("audit");
        assert_eq!(audit.entries.iter().filter(|e| e.entity == "questionnaire_response" && e.action == "create").count(), 2);
        assert!(audit.entries.iter().any(|e| e.entity == "questionnaire_responses" && e.action == "view"));

        // Others: the coordinator may not, another site's nurse finds nothing.
        for (who, expected) in [("coordinator", StatusCode::FORBIDDEN), ("north-nurse", StatusCode::NOT_FOUND)] {
            let client = signed_in(&server, who).await;
            let (status, _) = page(&client, server.url(&list)).await;
            assert_eq!(status, expected, "{who}");
        }
    }

    async fn the_patient_answers_their_own_and_the_physician_sees_the_cohort(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let clinic = &server.clinic;
        let (amal, plan) = clinic.approved_knee_plan("Amal", "Haddad").await;
        let (other, _) = clinic.approved_knee_plan("Basma", "Other").await;
        session_at(&server, amal.id, plan, 1, Utc::now() - Duration::days(45)).await;
        earlier_nrs(&server, amal.id, Utc::now() - Duration::days(46), 7).await;
        let (token, _) = clinic.app.invite_patient(clinic.actor(Role::Nurse), amal.id).await.expect("invite");
        clinic.app.accept_invitation(&token, "amal", PASSWORD).await.expect("accept");

        let patient = signed_in(&server, "amal").await;
        let (_, portal) = page(&patient, server.url("/portal")).await;
        assert!(portal.contains("href=\"/portal/questionnaires\""), "linked from the portal");
        let (status, html) = page(&patient, server.url("/portal/questionnaires")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("href=\"/portal/questionnaires/koos\""));
        let saved = post(&server, &patient, "/portal/questionnaires/nrs-pain", "/portal/questionnaires/nrs-pain", &fields(&[("timepoint", "6w"), ("answers.pain", "2")])).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert!(saved.headers()["location"].to_str().expect("ascii").starts_with("/portal/questionnaires#response-"));
        let outcomes = clinic.app.responses_of_patient(clinic.actor(Role::Nurse), amal.id).await.expect("read");
        assert_eq!(outcomes.responses.last().and_then(|r| r.scores.get("pain")), Some(2.0));

        // The staff pages are not the patient's, for anyone's record.
        for id in [amal.id, other.id] {
            let (status, _) = page(&patient, server.url(&format!("/patients/{id}/questionnaires"))).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            let tried = post(&server, &patient, "/portal/questionnaires/nrs-pain", &format!("/patients/{id}/questionnaires/nrs-pain/new"), &fields(&[("timepoint", "6w"), ("answers.pain", "9")])).await;
            assert_eq!(tried.status(), StatusCode::NOT_FOUND);
        }
        assert!(clinic.app.responses_of_patient(clinic.actor(Role::Nurse), other.id).await.expect("read").responses.is_empty(), "nothing saved for another patient");

        // The physician's cohort: one knee patient, compared, improved (7 -> 2).
        let physician = signed_in(&server, "physician").await;
        let (status, html) = page(&physician, server.url("/reports/outcomes")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("href=\"/reports/outcomes\""), "in the physician's navigation");
        let row = html.split("<tr class=\"cohort\">").nth(1).expect("a row").split("</tr>").next().expect("end");
        assert!(row.contains("Osteoarthritis") && row.contains("Bone marrow"), "{row}");
        assert!(row.contains("<td class=\"patients\">1</td><td class=\"compared\">1</td><td class=\"improved\">1</td><td class=\"share\">100%</td>"), "{row}");
        let nurse = signed_in(&server, "nurse").await;
        let (status, _) = page(&nurse, server.url("/reports/outcomes")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
