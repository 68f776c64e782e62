//! The HTTP surface on both engines, against the real server: the JSON API
//! and its problems, pages and their forms in both languages, sign-in,
//! CSRF, session handling, and who reaches what.

use cellpath_domain::Role;
use cellpath_test_support::{
    Backend, PASSWORD, TestServer, both_backends, csrf_of, patient_draft, strip_isolation,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn api(server: &TestServer, username: &str) -> (reqwest::Client, String) {
    (reqwest::Client::new(), server.token(username).await)
}

async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn assert_problem(
    response_status: StatusCode,
    content_type: &str,
    body: &Value,
    status: u16,
    field: Option<&str>,
) {
    assert_eq!(response_status.as_u16(), status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["status"], status);
    if let Some(field) = field {
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(
            fields.contains(&field),
            "expected a problem with {field}: {body}"
        );
    }
}

async fn problem_of(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = response.json().await.expect("json body");
    (status, content_type, body)
}

fn good_patient() -> Value {
    json!({
        "given_name": "فاطمة",
        "family_name": "الزهراء",
        "other_script_name": "Fatimah Al-Zahra",
        "date_of_birth": "1961-04-12",
        "sex": "female",
        "phone": "+971 50 111 2001",
        "preferred_language": "ar"
    })
}

both_backends! {
    async fn health_and_readiness_answer(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = reqwest::Client::new();
        for path in ["/healthz", "/readyz"] {
            let response = client.get(server.url(path)).send().await.expect("request");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(response.headers().contains_key("x-request-id"));
        }
    }

    async fn the_api_registers_reads_and_searches_patients(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (client, token) = api(&server, "coordinator").await;
        let response = post_json(&client, server.url("/api/v1/patients"), &token, good_patient()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).expect("location").to_string();
        let created: Value = response.json().await.expect("json");
        assert_eq!(created["record_number"], "CP-000001");
        assert_eq!(created["version"], 1);
        let read: Value = client.get(server.url(&location)).bearer_auth(&token).send().await.expect("get").json().await.expect("json");
        assert_eq!(read["given_name"], "فاطمة");
        for query in ["فاطمه", "fatimah", "CP-000001", "1961-04-12", "2001"] {
            let found: Value = client
                .get(server.url("/api/v1/patients"))
                .query(&[("q", query)])
                .bearer_auth(&token)
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "search {query}: {found}");
        }
    }

    async fn bad_api_input_is_a_problem_naming_the_field(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (client, token) = api(&server, "nurse").await;
        let url = server.url("/api/v1/patients");
        let mut future = good_patient();
        future["date_of_birth"] = json!("2999-01-01");
        let mut long = good_patient();
        long["family_name"] = json!("x".repeat(101));
        let mut unknown = good_patient();
        unknown["sex"] = json!("f");
        let mut impossible = good_patient();
        impossible["date_of_birth"] = json!("2001-02-30");
        let mut wrong_type = good_patient();
        wrong_type["given_name"] = json!(42);
        let mut extra = good_patient();
        extra["shoe_size"] = json!(44);
        let cases: Vec<(Value, u16, &str)> = vec![
            (future, 422, "date_of_birth"),
            (long, 422, "family_name"),
            (unknown, 422, "sex"),
            (impossible, 422, "date_of_birth"),
            (wrong_type, 400, "given_name"),
            (extra, 400, "body"),
        ];
        for (body, status, field) in cases {
            let (s, ct, problem) = problem_of(post_json(&client, url.clone(), &token, body).await).await;
            assert_problem(s, &ct, &problem, status, if field == "body" { None } else { Some(field) });
        }
        let malformed = client.post(url.clone()).bearer_auth(&token).header("content-type", "application/json").body("{\"given_name\": ").send().await.expect("send");
        let (s, ct, problem) = problem_of(malformed).await;
        assert_problem(s, &ct, &problem, 400, None);
        let not_json = client.post(url.clone()).bearer_auth(&token).header("content-type", "text/plain").body("hello").send().await.expect("send");
        let (s, ct, problem) = problem_of(not_json).await;
        assert_problem(s, &ct, &problem, 400, Some("content-type"));
        let mut numbered = good_patient();
        numbered["record_number"] = json!("CP-77");
        assert_eq!(post_json(&client, url.clone(), &token, numbered.clone()).await.status(), StatusCode::CREATED);
        let (s, ct, problem) = problem_of(post_json(&client, url.clone(), &token, numbered).await).await;
        assert_problem(s, &ct, &problem, 422, Some("record_number"));
        assert_eq!(problem["errors"][0]["code"], "duplicate");
        // Problems speak the caller's language.
        let arabic = client.post(url.clone()).bearer_auth(&token).header("accept-language", "ar").json(&json!({})).send().await.expect("send");
        let (_, _, problem) = problem_of(arabic).await;
        assert_eq!(strip_isolation(problem["errors"][0]["message"].as_str().unwrap_or_default()), "هذا الحقل مطلوب.");
        let listed: Value = client.get(url).bearer_auth(&token).send().await.expect("list").json().await.expect("json");
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "nothing but the one good patient was saved");
    }

    async fn control_characters_and_junk_never_cause_a_server_error(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (client, token) = api(&server, "nurse").await;
        for q in ["\u{0}", "a\u{0}b", "%", "_", "\\", "' OR 1=1 --", "٠٥٠", "1999-13-45"] {
            let response = client.get(server.url("/api/v1/patients")).query(&[("q", q)]).bearer_auth(&token).send().await.expect("search");
            assert_eq!(response.status(), StatusCode::OK, "search {q:?}");
        }
        let mut nul = good_patient();
        nul["given_name"] = json!("Fa\u{0}tima");
        let (s, ct, problem) = problem_of(post_json(&client, server.url("/api/v1/patients"), &token, nul).await).await;
        assert_problem(s, &ct, &problem, 422, Some("given_name"));
        let browser = server.client();
        let response = server.sign_in(&browser, "nu\u{0}rse", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let admin = server.client();
        server.sign_in(&admin, "admin", PASSWORD).await;
        for filter in ["\u{0}", "not-an-id", "%"] {
            let response = admin.get(server.url("/admin/audit")).query(&[("patient", filter)]).send().await.expect("audit");
            assert_eq!(response.status(), StatusCode::OK, "filter {filter:?}");
        }
    }

    async fn the_api_refuses_without_a_token_and_beyond_the_role(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = reqwest::Client::new();
        let (s, ct, problem) = problem_of(client.get(server.url("/api/v1/patients")).send().await.expect("send")).await;
        assert_problem(s, &ct, &problem, 401, None);
        let (s, ct, problem) = problem_of(client.get(server.url("/api/v1/patients")).bearer_auth("0".repeat(64)).send().await.expect("send")).await;
        assert_problem(s, &ct, &problem, 401, None);
        let lab = server.token("lab_tech").await;
        let (s, ct, problem) = problem_of(client.get(server.url("/api/v1/patients")).bearer_auth(&lab).send().await.expect("send")).await;
        assert_problem(s, &ct, &problem, 403, None);
        let coordinator = server.token("coordinator").await;
        let created: Value = post_json(&client, server.url("/api/v1/patients"), &coordinator, good_patient()).await.json().await.expect("json");
        let id = created["id"].as_str().expect("id");
        let (s, ct, problem) = problem_of(post_json(&client, server.url(&format!("/api/v1/patients/{id}/medications")), &coordinator, json!({"name": "Ibuprofen", "class": "nsaid"})).await).await;
        assert_problem(s, &ct, &problem, 403, None);
        for bad in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"] {
            let (s, ct, problem) = problem_of(client.get(server.url(&format!("/api/v1/patients/{bad}"))).bearer_auth(&coordinator).send().await.expect("send")).await;
            assert_problem(s, &ct, &problem, 404, None);
        }
    }

    async fn intake_lists_and_concurrent_edits_over_the_api(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let (client, nurse) = api(&server, "nurse").await;
        let physician = server.token("physician").await;
        let created: Value = post_json(&client, server.url("/api/v1/patients"), &nurse, good_patient()).await.json().await.expect("json");
        let id = created["id"].as_str().expect("id").to_string();
        let meds = server.url(&format!("/api/v1/patients/{id}/medications"));
        let response = post_json(&client, meds.clone(), &nurse, json!({"name": "Warfarin", "class": "anticoagulant", "dose": "5 mg", "started": "2025-01-01"})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let entry: Value = response.json().await.expect("json");
        let (s, ct, problem) = problem_of(post_json(&client, meds.clone(), &nurse, json!({"name": "X", "class": "painkiller"})).await).await;
        assert_problem(s, &ct, &problem, 422, Some("class"));
        let (s, _, _) = problem_of(client.get(server.url(&format!("/api/v1/patients/{id}/tattoos"))).bearer_auth(&nurse).send().await.expect("send")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let listed: Value = client.get(meds.clone()).bearer_auth(&nurse).send().await.expect("list").json().await.expect("json");
        assert_eq!(listed[0]["name"], "Warfarin");
        assert_eq!(listed[0]["class"], "anticoagulant");

        let item = format!("{meds}/{}", entry["id"].as_str().expect("id"));
        let first = client.put(&item).bearer_auth(&nurse).json(&json!({"name": "Warfarin", "class": "anticoagulant", "dose": "3 mg", "version": 1})).send().await.expect("put");
        assert_eq!(first.status(), StatusCode::OK);
        let (s, ct, problem) = problem_of(client.put(&item).bearer_auth(&physician).json(&json!({"name": "Warfarin", "class": "anticoagulant", "dose": "7 mg", "version": 1})).send().await.expect("put")).await;
        assert_problem(s, &ct, &problem, 409, None);
        assert_eq!(problem["current"]["dose"], "3 mg", "the conflict shows what the other person saved");
        assert_eq!(problem["current"]["version"], 2);

        let mut changed = good_patient();
        changed["phone"] = json!("+971 50 222 3333");
        changed["version"] = json!(1);
        let patient_url = server.url(&format!("/api/v1/patients/{id}"));
        assert_eq!(client.put(&patient_url).bearer_auth(&nurse).json(&changed).send().await.expect("put").status(), StatusCode::OK);
        let (s, ct, problem) = problem_of(client.put(&patient_url).bearer_auth(&physician).json(&changed).send().await.expect("put")).await;
        assert_problem(s, &ct, &problem, 409, None);
        assert_eq!(problem["current"]["version"], 2);
        let deleted = client.delete(&item).query(&[("version", "2")]).bearer_auth(&nurse).send().await.expect("delete");
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }

    async fn a_patient_token_reads_only_that_patient(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let coordinator = server.clinic.actor(Role::Coordinator);
        let own = app.register_patient(coordinator, None, &patient_draft("Own", "Patient")).await.expect("own");
        let other = app.register_patient(coordinator, None, &patient_draft("Other", "Patient")).await.expect("other");
        let (invitation, _) = app.invite_patient(server.clinic.actor(Role::Nurse), own.id).await.expect("invite");
        app.accept_invitation(&invitation, "own.patient", PASSWORD).await.expect("accept");
        let token = server.token("own.patient").await;
        let client = reqwest::Client::new();
        let mine = client.get(server.url(&format!("/api/v1/patients/{}", own.id))).bearer_auth(&token).send().await.expect("get");
        assert_eq!(mine.status(), StatusCode::OK);
        for path in [format!("/api/v1/patients/{}", other.id), format!("/api/v1/patients/{}/medications", other.id)] {
            let response = client.get(server.url(&path)).bearer_auth(&token).send().await.expect("get");
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let search = client.get(server.url("/api/v1/patients")).bearer_auth(&token).send().await.expect("get");
        assert_eq!(search.status(), StatusCode::FORBIDDEN);
    }

    async fn sign_in_rotates_the_session_and_sign_out_ends_it(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = server.client();
        assert_eq!(client.get(server.url("/home")).send().await.expect("home").headers()["location"], "/sign-in");
        let response = server.sign_in(&client, "nurse", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("cellpath_session=")).expect("session cookie").to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let home = client.get(server.url("/home")).send().await.expect("home");
        assert_eq!(home.status(), StatusCode::OK);
        // Fixation: a session id planted before sign-in is never the one signed in.
        let planted_value = "a".repeat(64);
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let base: reqwest::Url = server.base.parse().expect("url");
        jar.add_cookie_str(&format!("cellpath_session={planted_value}; Path=/"), &base);
        let victim = reqwest::Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let response = server.sign_in(&victim, "nurse", PASSWORD).await;
        let second = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("cellpath_session=")).expect("session cookie").to_string();
        assert_ne!(cookie, second);
        assert!(!second.contains(&planted_value));
        let planted = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let response = planted.get(server.url("/home")).header("cookie", format!("cellpath_session={planted_value}")).send().await.expect("home");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let client = victim;
        // Sign out: the old session no longer works even if its cookie is replayed.
        let old_value = second.split(';').next().expect("pair").to_string();
        let page = client.get(server.url("/home")).send().await.expect("home").text().await.expect("body");
        let csrf = csrf_of(&page).expect("csrf");
        let out = client.post(server.url("/sign-out")).form(&[("csrf", csrf.as_str())]).send().await.expect("sign out");
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        let replay = planted.get(server.url("/home")).header("cookie", old_value).send().await.expect("home");
        assert_eq!(replay.headers()["location"], "/sign-in");
    }

    async fn forms_without_the_right_token_are_refused(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = server.client();
        let response = client.post(server.url("/sign-in")).form(&[("username", "nurse"), ("password", PASSWORD)]).send().await.expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "sign-in without a token");
        server.sign_in(&client, "nurse", PASSWORD).await;
        let forged = client.post(server.url("/patients")).form(&[("csrf", "forged"), ("given_name", "Eve"), ("family_name", "X"), ("date_of_birth", "1980-01-01"), ("sex", "female")]).send().await.expect("post");
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let page = client.get(server.url("/patients/new")).send().await.expect("form").text().await.expect("body");
        let csrf = csrf_of(&page).expect("csrf");
        let cross_site = client.post(server.url("/patients")).header("sec-fetch-site", "cross-site").form(&[("csrf", csrf.as_str()), ("given_name", "Eve")]).send().await.expect("post");
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
        // A token that is valid, but another session's (the attacker's own), is refused.
        let attacker = server.client();
        server.sign_in(&attacker, "coordinator", PASSWORD).await;
        let theirs = csrf_of(&attacker.get(server.url("/patients/new")).send().await.expect("form").text().await.expect("body")).expect("csrf");
        assert_ne!(theirs, csrf);
        let borrowed = client.post(server.url("/patients")).form(&[("csrf", theirs.as_str()), ("given_name", "Eve"), ("family_name", "X"), ("date_of_birth", "1980-01-01"), ("sex", "female")]).send().await.expect("post");
        assert_eq!(borrowed.status(), StatusCode::FORBIDDEN, "another session's token");
        let missing = client.post(server.url("/patients")).form(&[("given_name", "Eve"), ("family_name", "X"), ("date_of_birth", "1980-01-01"), ("sex", "female")]).send().await.expect("post");
        assert_eq!(missing.status(), StatusCode::FORBIDDEN, "no token");
        let listed = server.clinic.app.search_patients(server.clinic.actor(Role::Nurse), "Eve", 10, 0).await.expect("search");
        assert!(listed.patients.is_empty(), "no forged form saved anything");
    }

    async fn repeated_wrong_passwords_lock_the_sign_in(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = server.client();
        for _ in 0..4 {
            let response = server.sign_in(&client, "physician", "wrong password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let body = response.text().await.expect("body");
            assert!(body.contains("The username, password or code is not right"), "{body}");
        }
        let locked = server.sign_in(&client, "physician", "wrong password").await.text().await.expect("body");
        assert!(locked.contains("Too many attempts"));
        let right_but_locked = server.sign_in(&client, "physician", PASSWORD).await;
        assert_eq!(right_but_locked.status(), StatusCode::UNAUTHORIZED);
        // The lock is the account's, not the browser's: a fresh client is locked out too, and gets no session.
        let elsewhere = server.sign_in(&server.client(), "physician", PASSWORD).await;
        assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
        assert!(!elsewhere.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).any(|c| c.starts_with("cellpath_session=")), "no session while locked");
        let unknown = server.sign_in(&client, "nobody", "wrong password").await.text().await.expect("body");
        assert!(unknown.contains("The username, password or code is not right"), "an unknown user gets the same answer");
    }

    async fn a_form_error_comes_back_in_arabic_right_to_left(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let client = server.client();
        server.sign_in(&client, "nurse", PASSWORD).await;
        assert_eq!(client.get(server.url("/lang/ar?next=/patients/new")).send().await.expect("switch").headers()["location"], "/patients/new");
        let page = client.get(server.url("/patients/new")).send().await.expect("form").text().await.expect("body");
        assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
        let csrf = csrf_of(&page).expect("csrf");
        let response = client
            .post(server.url("/patients"))
            .form(&[("csrf", csrf.as_str()), ("given_name", ""), ("family_name", "الزهراء"), ("date_of_birth", "2999-01-01"), ("sex", "female"), ("preferred_language", "ar")])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = strip_isolation(&response.text().await.expect("body"));
        assert!(body.contains("dir=\"rtl\""));
        assert!(body.contains("<p class=\"error\" id=\"e-given_name\">هذا الحقل مطلوب.</p>"), "{body}");
        assert!(body.contains("aria-describedby=\"e-given_name\""));
        assert!(body.contains("لا يمكن أن يكون هذا التاريخ في المستقبل."));
        assert!(body.contains("value=\"الزهراء\""), "what was typed is kept");
        // The first choice comes from Accept-Language when no language was picked.
        let fresh = server.client();
        let sign_in = fresh.get(server.url("/sign-in")).header("accept-language", "ar-EG,ar;q=0.9,en;q=0.5").send().await.expect("page").text().await.expect("body");
        assert!(sign_in.contains("dir=\"rtl\"") && sign_in.contains("تسجيل الدخول"));
    }

    async fn pages_register_find_and_edit_with_conflicts_shown(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let nurse = server.client();
        server.sign_in(&nurse, "nurse", PASSWORD).await;
        let page = nurse.get(server.url("/patients/new")).send().await.expect("form").text().await.expect("body");
        let csrf = csrf_of(&page).expect("csrf");
        let created = nurse
            .post(server.url("/patients"))
            .form(&[("csrf", csrf.as_str()), ("given_name", "أحمد"), ("family_name", "المنصوري"), ("date_of_birth", "1958-01-05"), ("sex", "male"), ("preferred_language", "ar")])
            .send()
            .await
            .expect("post");
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let chart_path = created.headers()["location"].to_str().expect("location").to_string();
        let list = nurse.get(server.url("/patients?q=%D8%A7%D8%AD%D9%85%D8%AF")).send().await.expect("search").text().await.expect("body");
        assert!(list.contains(&chart_path), "found by a spelling variant");
        let edit_form = nurse.get(server.url(&format!("{chart_path}/edit"))).send().await.expect("edit").text().await.expect("body");
        let csrf = csrf_of(&edit_form).expect("csrf");
        let coordinator = server.client();
        server.sign_in(&coordinator, "coordinator", PASSWORD).await;
        let other_form = coordinator.get(server.url(&format!("{chart_path}/edit"))).send().await.expect("edit").text().await.expect("body");
        let other_csrf = csrf_of(&other_form).expect("csrf");
        let fields = |csrf: &str, phone: &str| {
            vec![("csrf", csrf.to_string()), ("version", "1".to_string()), ("given_name", "أحمد".to_string()), ("family_name", "المنصوري".to_string()),
                 ("date_of_birth", "1958-01-05".to_string()), ("sex", "male".to_string()), ("preferred_language", "ar".to_string()), ("phone", phone.to_string())]
        };
        let first = coordinator.post(server.url(&format!("{chart_path}/edit"))).form(&fields(&other_csrf, "+971 50 000 0001")).send().await.expect("post");
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        let second = nurse.post(server.url(&format!("{chart_path}/edit"))).form(&fields(&csrf, "+971 50 000 0002")).send().await.expect("post");
        assert_eq!(second.status(), StatusCode::CONFLICT);
        let body = second.text().await.expect("body");
        assert!(body.contains("+971 50 000 0001") && body.contains("+971 50 000 0002"), "both values are shown");
        assert!(body.contains("name=\"version\" value=\"2\""), "saving again is a deliberate choice from the new version");
        let chart = nurse.get(server.url(&chart_path)).send().await.expect("chart").text().await.expect("body");
        assert!(chart.contains("+971 50 000 0001") && !chart.contains("+971 50 000 0002"));
    }

    async fn a_patient_in_the_portal_sees_only_their_own_record(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let app = &server.clinic.app;
        let coordinator = server.clinic.actor(Role::Coordinator);
        let own = app.register_patient(coordinator, None, &patient_draft("Mariam", "Own")).await.expect("own");
        let other = app.register_patient(coordinator, None, &patient_draft("Zaid", "Other")).await.expect("other");
        let (invitation, _) = app.invite_patient(server.clinic.actor(Role::Nurse), own.id).await.expect("invite");
        let client = server.client();
        let page = client.get(server.url(&format!("/invite/{invitation}"))).send().await.expect("invite").text().await.expect("body");
        let csrf = csrf_of(&page).expect("csrf");
        let mismatch = client.post(server.url(&format!("/invite/{invitation}"))).form(&[("csrf", csrf.as_str()), ("username", "mariam"), ("password", "long enough 1"), ("password_again", "different 12")]).send().await.expect("post");
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let accepted = client.post(server.url(&format!("/invite/{invitation}"))).form(&[("csrf", csrf.as_str()), ("username", "mariam"), ("password", "long enough 1"), ("password_again", "long enough 1")]).send().await.expect("post");
        assert_eq!(accepted.headers()["location"], "/portal");
        let portal = client.get(server.url("/portal")).send().await.expect("portal").text().await.expect("body");
        assert!(portal.contains("Mariam Own"));
        for path in [format!("/patients/{}", other.id), format!("/patients/{}", own.id), "/patients".to_string(), "/admin/audit".to_string()] {
            let response = client.get(server.url(&path)).send().await.expect("get");
            assert!(matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{path}: {}", response.status());
            assert!(!response.text().await.expect("body").contains("Zaid"), "{path}");
        }
        let used_again = client.get(server.url(&format!("/invite/{invitation}"))).send().await.expect("invite");
        assert_eq!(used_again.status(), StatusCode::GONE);
    }

    async fn the_admin_manages_users_sites_and_reads_the_audit_trail(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let admin = server.client();
        server.sign_in(&admin, "admin", PASSWORD).await;
        let users = admin.get(server.url("/admin/users")).send().await.expect("users").text().await.expect("body");
        let csrf = csrf_of(&users).expect("csrf");
        let site = server.clinic.site.to_string();
        let short = admin.post(server.url("/admin/users")).form(&[("csrf", csrf.as_str()), ("username", "new.nurse"), ("display_name", "New Nurse"), ("password", "short"), ("role", "nurse"), ("site", site.as_str())]).send().await.expect("post");
        assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let added = admin.post(server.url("/admin/users")).form(&[("csrf", csrf.as_str()), ("username", "new.nurse"), ("display_name", "New Nurse"), ("password", "long enough password"), ("role", "nurse"), ("site", site.as_str())]).send().await.expect("post");
        assert_eq!(added.status(), StatusCode::SEE_OTHER);
        server.clinic.app.sign_in("new.nurse", "long enough password", "").await.expect("the new user can sign in");
        let audit = admin.get(server.url("/admin/audit")).send().await.expect("audit").text().await.expect("body");
        assert!(audit.contains("new.nurse"));
        let nurse = server.client();
        server.sign_in(&nurse, "nurse", PASSWORD).await;
        for path in ["/admin/users", "/admin/sites", "/admin/audit"] {
            assert_eq!(nurse.get(server.url(path)).send().await.expect("get").status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
}

/// Every `METHOD /path` of the OpenAPI document.
fn documented_operations() -> Vec<String> {
    let doc = serde_json::to_value(cellpath_web::openapi::document()).expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort();
    operations
}

/// Every `METHOD /path` the router serves under `/api`, `/fhir`, `/healthz`
/// and `/readyz`, read from the `.route(PATH, METHOD(handler)...)` calls of
/// the web crate's sources (axum cannot list a router's routes). The FHIR
/// routes' `{resource_type}` is each served type.
fn routed_operations() -> Vec<String> {
    fn sources(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(std::fs::read_to_string(&path).expect("source"));
            }
        }
    }
    let mut texts = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut texts,
    );
    let mut operations = Vec::new();
    for text in &texts {
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + ".route(".len()..];
            let open = rest.find('"').expect("a route's path");
            let close = open + 1 + rest[open + 1..].find('"').expect("path's end");
            let path = &rest[open + 1..close];
            // The method router: up to the parenthesis closing `.route(`.
            let mut depth = 1;
            let mut end = close;
            for (i, c) in rest[close..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = close + i;
                    break;
                }
            }
            let methods = &rest[close + 1..end];
            let api = path.starts_with("/api/")
                || path.starts_with("/fhir")
                || path == "/healthz"
                || path == "/readyz";
            if !api {
                continue;
            }
            let mut found_any = false;
            for method in ["get", "post", "put", "delete", "patch"] {
                let called = methods.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0 || !methods[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if !called {
                    continue;
                }
                found_any = true;
                let paths: Vec<String> = if path.contains("{resource_type}") {
                    cellpath_fhir::ResourceType::ALL
                        .iter()
                        .map(|t| path.replace("{resource_type}", t.name()))
                        .collect()
                } else {
                    vec![path.to_string()]
                };
                for path in paths {
                    operations.push(format!("{} {path}", method.to_uppercase()));
                }
            }
            assert!(found_any, "no method read for the route {path}: {methods}");
        }
    }
    operations.sort();
    operations
}

#[test]
fn the_openapi_document_covers_every_api_route() {
    let documented = documented_operations();
    let routed = routed_operations();
    assert!(routed.len() > 100, "read {} routes", routed.len());
    let undocumented: Vec<&String> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let unrouted: Vec<&String> = documented.iter().filter(|d| !routed.contains(d)).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "served but not in the OpenAPI document: {undocumented:?}; documented but not served: {unrouted:?}"
    );
    for required in [
        "GET /api/v1/patients",
        "POST /fhir",
        "GET /fhir/metadata",
        "GET /fhir/Patient/{id}",
        "GET /fhir/Observation",
    ] {
        assert!(documented.iter().any(|d| d == required), "{required}");
    }
}

/// Schemathesis found every API error documented as `application/json`
/// while the server answers `application/problem+json`, and 400s (a body
/// that is not JSON) that the operations did not list.
#[test]
fn every_documented_api_error_is_a_problem_and_every_input_may_be_malformed() {
    let doc = serde_json::to_value(cellpath_web::openapi::document()).expect("json");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                let types: Vec<&String> = response["content"]
                    .as_object()
                    .map(|c| c.keys().collect())
                    .unwrap_or_default();
                let expected = if path.starts_with("/fhir") {
                    "application/fhir+json"
                } else {
                    "application/problem+json"
                };
                if status.starts_with('4') && status != "413" {
                    assert_eq!(types, [expected], "{method} {path} {status}");
                }
            }
            if operation["security"].is_array() {
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            let reads_query = operation["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
            if operation["requestBody"].is_object() || (reads_query && path.starts_with("/api")) {
                assert!(responses.contains_key("400"), "{method} {path}");
            }
        }
    }
}

both_backends! {
    async fn a_whole_number_written_with_a_fraction_is_an_integer(backend: Backend) {
        // JSON Schema's `integer` admits 3.0; schemathesis sent one and got a 400.
        let server = TestServer::start(&backend).await;
        let (http, token) = api(&server, "physician").await;
        let created: Value = post_json(&http, server.url("/api/v1/patients"), &token, good_patient()).await.json().await.expect("json");
        let mut change = good_patient();
        change["given_name"] = json!("Fatima");
        change["version"] = json!(1.0);
        let url = server.url(&format!("/api/v1/patients/{}", created["id"].as_str().expect("id")));
        let updated = http.put(&url).bearer_auth(&token).json(&change).send().await.expect("put");
        assert_eq!(updated.status(), StatusCode::OK);
        let updated: Value = updated.json().await.expect("json");
        assert_eq!((updated["given_name"].as_str(), updated["version"].as_i64()), (Some("Fatima"), Some(2)));
        change["version"] = json!(2.5);
        let (status, content_type, body) = problem_of(http.put(&url).bearer_auth(&token).json(&change).send().await.expect("put")).await;
        assert_problem(status, &content_type, &body, 400, Some("version"));
    }

    async fn an_api_language_is_exactly_one_of_the_documented_codes(backend: Backend) {
        // `EN-us` read as English although the document says `en` or `ar`.
        let server = TestServer::start(&backend).await;
        let (http, token) = api(&server, "admin").await;
        let url = server.url(&format!("/api/v1/sites/{}/answers", server.clinic.site));
        let ok = http.get(format!("{url}?lang=ar")).bearer_auth(&token).send().await.expect("get");
        assert_eq!(ok.status(), StatusCode::OK);
        for lang in ["EN-us", "", " ar"] {
            let (status, content_type, body) = problem_of(http.get(&url).query(&[("lang", lang)]).bearer_auth(&token).send().await.expect("get")).await;
            assert_problem(status, &content_type, &body, 422, Some("lang"));
        }
    }

    async fn a_fhir_import_refuses_a_site_that_names_none(backend: Backend) {
        // `?site=` imported at the caller's first site although `site` must be a UUID.
        let server = TestServer::start(&backend).await;
        let (http, token) = api(&server, "physician").await;
        let bundle = json!({ "resourceType": "Bundle", "type": "transaction", "entry": [] });
        // A repeated `site` was axum's plain-text 400, not an OperationOutcome.
        let site = server.clinic.site;
        for query in ["?site=".to_string(), "?site=DEMO".to_string(), format!("?site={site}&site={site}")] {
            let response = http.post(server.url(&format!("/fhir{query}"))).bearer_auth(&token).header("content-type", "application/fhir+json").body(bundle.to_string()).send().await.expect("post");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
            let outcome: Value = response.json().await.expect("json");
            assert_eq!(outcome["issue"][0]["expression"], json!(["site"]), "{query}");
        }
        // A patient (who has no site) may not import: 403, not a 400 about the site.
        let own = server.clinic.app.register_patient(server.clinic.actor(Role::Coordinator), None, &patient_draft("Amal", "Portal")).await.expect("patient");
        server.clinic.portal_account(own.id, "pat").await;
        let patient = server.token("pat").await;
        let refused = http.post(server.url("/fhir")).bearer_auth(&patient).header("content-type", "application/fhir+json").body(bundle.to_string()).send().await.expect("post");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let imported = http.post(server.url("/fhir")).bearer_auth(&token).header("content-type", "application/fhir+json").body(bundle.to_string()).send().await.expect("post");
        assert_eq!(imported.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn every_documented_operation_reaches_its_handler_and_refuses_a_missing_token(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let doc = serde_json::to_value(cellpath_web::openapi::document()).expect("json");
        let client = reqwest::Client::new();
        let mut checked = 0;
        for operation in documented_operations() {
            let (method, path) = operation.split_once(' ').expect("method and path");
            let secured = doc["paths"][path][method.to_lowercase()]["security"].is_array();
            // Every path parameter a well-formed id that names nothing.
            let mut url = String::new();
            let mut rest = path;
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').expect("parameter's end") + open;
                url.push_str(&rest[..open]);
                url.push_str("0190a000-0000-7000-8000-000000000000");
                rest = &rest[close + 1..];
            }
            url.push_str(rest);
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let response = client.request(method, server.url(&url)).send().await.expect("request");
            let status = response.status();
            let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{operation}");
            if secured {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{operation}");
                let expected = if path.starts_with("/fhir") { "application/fhir+json" } else { "application/problem+json" };
                assert!(content_type.starts_with(expected), "{operation}: {content_type}");
            } else {
                assert_eq!(status, StatusCode::OK, "{operation}");
                assert!(!content_type.starts_with("text/html"), "{operation}: {content_type}");
            }
            checked += 1;
        }
        assert!(checked > 100, "{checked}");
    }
}

#[test]
fn the_english_and_arabic_catalogues_have_the_same_keys() {
    use cellpath_web::i18n::{CATALOGUES, catalogue_keys};
    let [(_, en), (_, ar)] = CATALOGUES;
    let (en, ar) = (catalogue_keys(en), catalogue_keys(ar));
    assert!(en.len() > 100, "parsed {} keys", en.len());
    let only_en: Vec<&String> = en.iter().filter(|k| !ar.contains(k)).collect();
    let only_ar: Vec<&String> = ar.iter().filter(|k| !en.contains(k)).collect();
    assert!(
        only_en.is_empty() && only_ar.is_empty(),
        "only in en: {only_en:?}; only in ar: {only_ar:?}"
    );
}

#[test]
fn every_code_the_domain_can_produce_has_a_label_in_both_languages() {
    use cellpath_domain::intake::{
        AllergySeverity, ConditionStatus, ImagingModality, IntakeKind, MedicationClass,
    };
    use cellpath_domain::{IssueCode, Locale, audit::AuditAction, patient::Sex};
    use cellpath_web::i18n::{has_key, issue_key};
    let mut keys: Vec<String> = Vec::new();
    keys.extend(IssueCode::ALL.iter().map(|c| issue_key(*c)));
    keys.extend(
        Role::ALL
            .iter()
            .map(|r| format!("role-{}", r.code().replace('_', "-"))),
    );
    keys.extend(Sex::ALL.iter().map(|s| format!("sex-{}", s.code())));
    keys.extend(
        cellpath_domain::intake::ConditionCategory::ALL
            .iter()
            .map(|c| format!("condition-category-{}", c.code().replace('_', "-"))),
    );
    keys.extend(
        ConditionStatus::ALL
            .iter()
            .map(|c| format!("condition-status-{}", c.code())),
    );
    keys.extend(
        MedicationClass::ALL
            .iter()
            .map(|c| format!("medication-class-{}", c.code().replace('_', "-"))),
    );
    keys.extend(
        AllergySeverity::ALL
            .iter()
            .map(|c| format!("allergy-severity-{}", c.code())),
    );
    keys.extend(
        ImagingModality::ALL
            .iter()
            .map(|c| format!("imaging-modality-{}", c.code())),
    );
    keys.extend(
        AuditAction::ALL
            .iter()
            .map(|a| format!("audit-action-{}", a.code().replace('_', "-"))),
    );
    for kind in IntakeKind::ALL {
        for prefix in ["section", "empty", "edit"] {
            keys.push(format!("{prefix}-{}", kind.slug()));
        }
    }
    for code in [
        "invalid",
        "malformed",
        "unauthenticated",
        "locked",
        "forbidden",
        "not-found",
        "expired",
        "conflict",
        "internal",
    ] {
        keys.push(format!("problem-{code}"));
    }
    for locale in Locale::ALL {
        let missing: Vec<&String> = keys.iter().filter(|k| !has_key(locale, k)).collect();
        assert!(missing.is_empty(), "{locale}: missing {missing:?}");
    }
}
