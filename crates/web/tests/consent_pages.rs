//! The consent and "what to expect" pages on both engines, against the real
//! server: a patient signs in Arabic in the portal, a new text version asks
//! again, a nurse needs a witness, another patient sees nothing, and the
//! patient reads their session day with the clinic's own answers.

use cellpath_app::{App, AppConfig};
use cellpath_domain::plan::PlanDraft;
use cellpath_domain::{PatientId, PlanId, Role};
use cellpath_test_support::{
    Backend, Clinic, PASSWORD, TestServer, both_backends, csrf_of, patient_draft, store,
    strip_isolation,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;

/// A page's status and body, without Fluent's isolation marks.
async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (
        status,
        strip_isolation(&response.text().await.expect("body")),
    )
}

/// A form's status and body (or redirect target).
async fn post(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let response = client.post(url).form(fields).send().await.expect("post");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = strip_isolation(&response.text().await.expect("body"));
    (status, body, location)
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

/// The hash of the consent text a page shows.
fn text_hash_of(html: &str) -> String {
    let marker = "name=\"text_hash\" value=\"";
    let start = html.find(marker).expect("a text hash field") + marker.len();
    let end = html[start..].find('"').expect("end of the hash");
    html[start..start + end].to_string()
}

fn knee_plan(anaesthesia: &str) -> PlanDraft {
    PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "right".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: anaesthesia.into(),
        planned_sessions: "1".into(),
        ..PlanDraft::default()
    }
}

/// A registered patient with a knee plan and a portal account `username`.
async fn patient_with_plan(
    server: &TestServer,
    given: &str,
    username: &str,
    anaesthesia: &str,
) -> (PatientId, PlanId) {
    let app = &server.clinic.app;
    let nurse = server.clinic.actor(Role::Nurse);
    let patient = app
        .register_patient(nurse, None, &patient_draft(given, "Haddad"))
        .await
        .expect("patient");
    let plan = app
        .create_plan(
            server.clinic.actor(Role::Physician),
            patient.id,
            &knee_plan(anaesthesia),
            None,
        )
        .await
        .expect("plan");
    let (invitation, _) = app.invite_patient(nurse, patient.id).await.expect("invite");
    app.accept_invitation(&invitation, username, PASSWORD)
        .await
        .expect("accept");
    (patient.id, plan.id)
}

both_backends! {
    async fn a_patient_signs_their_consent_in_arabic(backend: Backend) {
        let (store, db) = store(&backend).await;
        let render: cellpath_app::consent::ConsentPdf =
            std::sync::Arc::new(|_| Some(b"%PDF-1.4 signed consent".to_vec()));
        let app = App::new(store, AppConfig::default()).with_consent_pdf(render);
        let server = TestServer::serve(Clinic::on(app, db).await).await;
        let (_, plan) = patient_with_plan(&server, "Fatimah", "fatimah", "local").await;
        let portal = signed_in(&server, "fatimah").await;
        portal.get(server.url("/lang/ar?next=/")).send().await.expect("switch");

        let (_, list) = page(&portal, server.url("/portal/consent")).await;
        let consent_url = format!("/portal/plans/{plan}/consent");
        assert!(list.contains(&format!("href=\"{consent_url}\"")), "{list}");
        assert!(list.contains("href=\"/portal/expect\""), "the nav links to what to expect");

        let (status, shown) = page(&portal, server.url(&consent_url)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(shown.contains("<h2 id=\"consent-text-title\">موافقة: العلاج بخلايا نخاع العظم الخاصة بك</h2>"), "{shown}");
        assert!(shown.contains("<p>هذا نص مبدئي. تستبدله العيادة بصياغتها الخاصة قبل الاستخدام.</p>"), "paragraphs are kept");
        assert!(shown.contains("<p>٧. حقك في الانسحاب. يمكنك سحب موافقتك في أي وقت قبل العلاج دون أن يؤثر ذلك على رعايتك الأخرى.</p>"));
        assert!(shown.contains("لم يُوقَّع عليها بعد"), "missing");
        assert!(shown.contains("<script src=\"/static/signature.js\" defer></script>"));
        assert!(shown.contains("name=\"drawn_signature\""));
        let script = portal.get(server.url("/static/signature.js")).send().await.expect("script");
        assert_eq!(script.status(), StatusCode::OK);
        assert!(script.headers()["content-type"].to_str().expect("type").starts_with("text/javascript"));
        assert!(script.text().await.expect("script").contains("drawn-signature"));
        let csrf = csrf_of(&shown).expect("csrf");
        let hash = text_hash_of(&shown);

        let (status, refused, _) = post(&portal, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", hash.as_str()), ("typed_name", "فاطمة حداد"), ("drawn_signature", ""),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains("dir=\"rtl\""));
        assert!(refused.contains("<p class=\"error\" id=\"e-confirmed\">هذا الحقل مطلوب.</p>"), "{refused}");
        assert!(refused.contains("value=\"فاطمة حداد\""), "what was typed is kept");

        let (status, _, location) = post(&portal, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", hash.as_str()), ("typed_name", "فاطمة حداد"),
            ("confirmed", "true"), ("drawn_signature", "data:image/png;base64,iVBORw0KGgo="),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, consent_url);
        let (_, signed) = page(&portal, server.url(&consent_url)).await;
        assert!(signed.contains("id=\"consent-state\">سارية</span>"), "{signed}");
        assert!(signed.contains("وُقِّعت باسم «فاطمة حداد» بواسطة fatimah"), "{signed}");
        assert!(signed.contains("id=\"withdraw-form\""), "a valid consent can be withdrawn");
        assert!(!signed.contains("id=\"sign-form\""));

        let pdf_marker = "href=\"";
        let pdf_start = signed.find("id=\"consent-pdf\"").expect("pdf link");
        let link_start = signed[..pdf_start].rfind(pdf_marker).expect("href") + pdf_marker.len();
        let link = &signed[link_start..signed[link_start..].find('"').expect("end") + link_start];
        assert!(link.starts_with(&format!("{consent_url}/")) && link.ends_with("/pdf"), "{link}");
        let pdf = portal.get(server.url(link)).send().await.expect("pdf");
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF"));

        let (status, _, _) = post(&portal, server.url(&format!("{consent_url}/withdrawal")), &[
            ("csrf", csrf.as_str()), ("reason", "أحتاج إلى وقت للتفكير"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, withdrawn) = page(&portal, server.url(&consent_url)).await;
        assert!(withdrawn.contains("id=\"consent-state\">مسحوبة</span>"), "{withdrawn}");
        assert!(withdrawn.contains("السبب: أحتاج إلى وقت للتفكير"));
        assert!(withdrawn.contains("id=\"sign-form\""), "consent can be given again");
    }

    async fn a_new_text_version_asks_the_patient_again(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan) = patient_with_plan(&server, "Huda", "huda", "local").await;
        let portal = signed_in(&server, "huda").await;
        let consent_url = format!("/portal/plans/{plan}/consent");
        let (_, shown) = page(&portal, server.url(&consent_url)).await;
        assert!(shown.contains("Consent: treatment with your own bone marrow cells"), "{shown}");
        let csrf = csrf_of(&shown).expect("csrf");
        let old_hash = text_hash_of(&shown);
        let (status, _, _) = post(&portal, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", old_hash.as_str()), ("typed_name", "Huda Haddad"), ("confirmed", "true"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let admin = signed_in(&server, "admin").await;
        let (status, texts) = page(&admin, server.url("/admin/consent-texts")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(texts.contains("href=\"/admin/consent-texts\""), "the nav links to it");
        assert!(texts.contains("id=\"text-bone_marrow-ar\""), "every procedure in both languages");
        assert!(texts.contains("In force: the starting text (version 0)."));
        let admin_csrf = csrf_of(&texts).expect("csrf");
        let site = server.clinic.site.to_string();
        let (status, empty, _) = post(&admin, server.url("/admin/consent-texts"), &[
            ("csrf", admin_csrf.as_str()), ("site", site.as_str()), ("procedure", "bone_marrow"), ("locale", "en"), ("title", "Knee consent"), ("body", " "),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.contains("<p class=\"error\" id=\"e-bone_marrow-en-body\">This field is required.</p>"), "{empty}");
        let (status, _, location) = post(&admin, server.url("/admin/consent-texts"), &[
            ("csrf", admin_csrf.as_str()), ("site", site.as_str()), ("procedure", "bone_marrow"), ("locale", "en"),
            ("title", "Consent to bone marrow cell treatment"), ("body", "First paragraph of the clinic.\n\nSecond paragraph of the clinic."),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, texts) = page(&admin, server.url(&location)).await;
        assert!(texts.contains("In force: version 1, written by admin on"), "{texts}");

        let (_, again) = page(&portal, server.url(&consent_url)).await;
        assert!(again.contains("id=\"consent-state\">To sign again</span>"), "{again}");
        assert!(again.contains("<h2 id=\"consent-text-title\">Consent to bone marrow cell treatment</h2>"));
        assert!(again.contains("<p>First paragraph of the clinic.</p>") && again.contains("<p>Second paragraph of the clinic.</p>"));
        let (status, stale, _) = post(&portal, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", old_hash.as_str()), ("typed_name", "Huda Haddad"), ("confirmed", "true"),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.contains("This text has changed since it was shown. Please read the current version."), "{stale}");
        assert!(stale.contains("Second paragraph of the clinic."), "the new text is shown");
        assert_eq!(text_hash_of(&stale), text_hash_of(&again));
    }

    async fn a_nurse_takes_consent_with_a_witness(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (patient, plan) = patient_with_plan(&server, "Layla", "layla", "local").await;
        let nurse = signed_in(&server, "nurse").await;
        let (_, plans) = page(&nurse, server.url(&format!("/patients/{patient}/plans"))).await;
        let consent_url = format!("/plans/{plan}/consent");
        assert!(plans.contains(&format!("href=\"{consent_url}\"")), "the plans page links to the consent");
        let (status, shown) = page(&nurse, server.url(&consent_url)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains("Layla Haddad"), "{shown}");
        assert!(shown.contains("name=\"witness_name\""));
        let csrf = csrf_of(&shown).expect("csrf");
        let hash = text_hash_of(&shown);
        let (status, refused, _) = post(&nurse, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", hash.as_str()), ("typed_name", "Layla Haddad"), ("confirmed", "true"), ("witness_name", ""),
        ]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains("<p class=\"error\" id=\"e-witness_name\">This field is required.</p>"), "{refused}");
        let (status, _, _) = post(&nurse, server.url(&consent_url), &[
            ("csrf", csrf.as_str()), ("text_hash", hash.as_str()), ("typed_name", "Layla Haddad"), ("confirmed", "true"),
            ("witness_name", "Nurse Rana"), ("interpreter_name", "Omar"), ("interpreter_language", "Arabic"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, signed) = page(&nurse, server.url(&consent_url)).await;
        assert!(signed.contains("id=\"consent-state\">Valid</span>"), "{signed}");
        assert!(signed.contains("on a clinic device") && signed.contains("Witness: Nurse Rana") && signed.contains("Interpreter: Omar (Arabic)"));
        let (status, _, _) = post(&nurse, server.url(&format!("{consent_url}/withdrawal")), &[("csrf", csrf.as_str()), ("reason", "")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, withdrawn) = page(&nurse, server.url(&consent_url)).await;
        assert!(withdrawn.contains("id=\"consent-state\">Withdrawn</span>"), "{withdrawn}");
    }

    async fn another_patient_sees_nothing(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan) = patient_with_plan(&server, "Own", "own.patient", "local").await;
        let (_, other_plan) = patient_with_plan(&server, "Other", "other.patient", "local").await;
        let portal = signed_in(&server, "own.patient").await;
        let (status, own) = page(&portal, server.url(&format!("/portal/plans/{plan}/consent"))).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_of(&own).expect("csrf");
        let hash = text_hash_of(&own);
        for path in [
            format!("/portal/plans/{other_plan}/consent"),
            format!("/plans/{other_plan}/consent"),
            format!("/plans/{plan}/consent"),
            "/portal/plans/not-a-plan/consent".to_string(),
        ] {
            let (status, _) = page(&portal, server.url(&path)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _, _) = post(&portal, server.url(&format!("/portal/plans/{other_plan}/consent")), &[
            ("csrf", csrf.as_str()), ("text_hash", hash.as_str()), ("typed_name", "Own Haddad"), ("confirmed", "true"),
        ]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = page(&portal, server.url("/admin/consent-texts")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn the_patient_reads_what_to_expect_with_the_clinics_answer(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (_, plan) = patient_with_plan(&server, "Sara", "sara", "sedation").await;
        let app = &server.clinic.app;
        let physician = server.clinic.actor(Role::Physician);
        app.decide_plan(physician, plan, 1, true, "Imaging requested before the session.")
            .await
            .expect("approved");
        app.schedule_session(server.clinic.actor(Role::Coordinator), plan, Utc::now() + Duration::days(10))
            .await
            .expect("session");

        let admin = signed_in(&server, "admin").await;
        let (status, answers) = page(&admin, server.url("/admin/answers")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(answers.contains("href=\"/admin/answers\""), "the nav links to it");
        assert!(answers.contains("value=\"Does it hurt?\""), "{answers}");
        assert!(answers.contains("value=\"هل هو مؤلم؟\""), "both languages");
        let csrf = csrf_of(&answers).expect("csrf");
        let site = server.clinic.site.to_string();
        let (status, _, _) = post(&admin, server.url("/admin/answers"), &[
            ("csrf", csrf.as_str()), ("site", site.as_str()), ("question", "does_it_hurt"), ("locale", "en"),
            ("title", "Will the session hurt?"), ("body", "The clinic numbs the areas first. Ask the nurse for anything you need."),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let portal = signed_in(&server, "sara").await;
        let (status, expect) = page(&portal, server.url("/portal/expect")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(expect.contains("href=\"/portal/expect\""), "the nav links to it");
        assert!(expect.contains("Next session (session 1):"), "{expect}");
        for step in ["Arrival and check-in", "Cells are drawn, under local anaesthetic", "The cells are prepared in the laboratory while you rest", "The injection", "Rest and observation", "Going home"] {
            assert!(expect.contains(step), "{step}: {expect}");
        }
        assert!(expect.contains("<span class=\"duration\">60 minutes</span>"), "monitoring after sedation: {expect}");
        assert!(expect.contains("no solid food for 6 hours and no clear liquids for 2 hours"), "{expect}");
        assert!(expect.contains("Someone must take you home."));
        assert!(expect.contains("Keep the dressing where the cells were drawn clean and dry"));
        assert!(expect.contains("<summary>Will the session hurt?</summary>"), "{expect}");
        assert!(expect.contains("The clinic numbs the areas first. Ask the nurse for anything you need."));
        assert!(expect.contains("<summary>What should I wear?</summary>"), "starting answers stay");
    }
}
