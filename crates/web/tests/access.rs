//! The access matrix (issue 8 point 4) on both engines, against the real
//! server: every route of `cellpath_web::access::ROUTES` (checked against
//! the router's own `.route(...)` calls) for every role and for a visitor
//! who is not signed in, with the ids of real records; then a portal patient
//! with another patient's ids, guessed ids and record numbers, and a nurse
//! of another site with the main site's, by every route, FHIR included.

use cellpath_domain::intake::{IntakeDraft, IntakeKind};
use cellpath_domain::{Locale, Role};
use cellpath_test_support::{Administered, Backend, PASSWORD, TestServer, both_backends, csrf_of};
use cellpath_web::access::{Gate, ROUTES, RouteRule};
use reqwest::{Method, StatusCode};
use std::collections::{BTreeSet, HashMap};

/// Every `(METHOD, path)` the router's source registers: each
/// `.route("path", get(..).post(..))` in `crates/web/src`, and the lab's
/// `unit_action(..)` forms, which are posts.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            let mut rest = text.as_str();
            while let Some(at) = rest.find(".route(") {
                let call = &rest[at + ".route(".len()..];
                let mut depth = 1;
                let end = call
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map(|(i, _)| i)
                    .expect("a closed .route( call");
                let args = &call[..end];
                if !args.trim_start().starts_with('"') {
                    // Not a registration (a comment that names the call).
                    rest = &call[end..];
                    continue;
                }
                let quoted: Vec<&str> = args.splitn(3, '"').collect();
                let route_path = quoted[1].to_string();
                let handlers = quoted[2];
                for method in ["get", "post", "put", "delete", "patch"] {
                    let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                        i == 0
                            || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric()
                                && handlers.as_bytes()[i - 1] != b'_'
                    });
                    if called {
                        found.insert((method.to_uppercase(), route_path.clone()));
                    }
                }
                if handlers.contains("unit_action(") {
                    found.insert(("POST".into(), route_path.clone()));
                }
                rest = &call[end..];
            }
        }
    }
    found
}

#[test]
fn the_route_table_lists_every_route_of_the_router_once() {
    let table: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let unique: BTreeSet<(String, String)> = table.iter().cloned().collect();
    assert_eq!(unique.len(), table.len(), "a route is listed twice");
    let source = routes_in_source();
    assert!(source.len() > 150, "the scan found {} routes", source.len());
    let missing: Vec<_> = source.difference(&unique).collect();
    let stale: Vec<_> = unique.difference(&source).collect();
    assert!(
        missing.is_empty(),
        "routes without a gate in access::ROUTES: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "gates of routes the router does not serve: {stale:?}"
    );
}

/// The ids of one patient's records (and the site's), by kind.
#[derive(Clone, Debug)]
struct Ids(HashMap<&'static str, String>);

impl Ids {
    fn get(&self, kind: &str) -> String {
        self.0
            .get(kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} in the fixture"))
    }
}

/// The kind of record a path parameter names, from the parameter and the
/// segment before it.
fn kind_of(previous: &str, param: &str, path: &str) -> &'static str {
    match (previous, param) {
        ("lang", "code") => "lang",
        ("questionnaires", "code") => "questionnaire",
        (_, "site_id") => "site",
        ("sites", "id") => "site",
        (_, "plan_id" | "plan") => "plan",
        (_, "consent" | "consent_id") => "consent",
        (_, "session_id") => "session",
        ("sessions", "id") => "session",
        ("patients", "id") => "patient",
        ("units", "id") => {
            if path.ends_with("release-lot") {
                "donor_lot"
            } else {
                "unit"
            }
        }
        ("donor-lots", "unit_id") => "donor_lot",
        (_, "unit_id") => "unit",
        ("alerts" | "triage", "id") => "alert",
        ("adverse-events", "id") => "adverse_event",
        ("resources", "id") => "resource",
        ("leave", "id") if path.starts_with("/api/") => "api_leave",
        ("leave", "id") => "leave",
        ("follow-ups", "id") => "follow_up",
        (_, "list") => "intake_list",
        (_, "kind") => "intake_kind",
        (_, "item_id") => "intake_item",
        ("checks", "item") => "check",
        (_, "item") => "intake_item",
        (_, "task") => "task",
        (_, "step") => "step",
        (_, "question") => "question",
        (_, "procedure") => "procedure",
        (_, "locale") => "locale",
        (_, "date") => "date",
        ("labels", "file") => "label_file",
        ("calendar", "file") => "calendar_file",
        (_, "token") => "invitation",
        (_, "resource_type") => "resource_type",
        (t, "id") if t.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => "patient",
        ("{resource_type}", "id") => "patient",
        _ => panic!("no fixture value for {{{param}}} after {previous} in {path}"),
    }
}

/// The record kinds that point at someone's data (guessing them is the attack).
const RECORD_KINDS: [&str; 13] = [
    "patient",
    "plan",
    "consent",
    "session",
    "unit",
    "donor_lot",
    "alert",
    "adverse_event",
    "follow_up",
    "intake_item",
    "resource",
    "leave",
    "label_file",
];

/// The path with each parameter filled from `ids`, and the kinds filled.
fn fill(path: &str, ids: &Ids) -> (String, Vec<&'static str>) {
    let mut out = String::new();
    let mut kinds = Vec::new();
    let mut previous = "";
    for segment in path.split('/').skip(1) {
        out.push('/');
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let kind = kind_of(previous, param, path);
            kinds.push(kind);
            out.push_str(&ids.get(kind));
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    (out, kinds)
}

/// Someone making requests: a cookie session for pages and a bearer token
/// for the API and FHIR, or neither.
struct Caller {
    label: String,
    role: Option<Role>,
    client: reqwest::Client,
    csrf: String,
    token: Option<String>,
}

impl Caller {
    async fn anonymous(server: &TestServer) -> Caller {
        let client = server.client();
        let page = client
            .get(server.url("/sign-in"))
            .send()
            .await
            .expect("sign-in page")
            .text()
            .await
            .expect("body");
        Caller {
            label: "anonymous".into(),
            role: None,
            client,
            csrf: csrf_of(&page).expect("csrf"),
            token: None,
        }
    }

    async fn signed_in(server: &TestServer, username: &str, role: Role) -> Caller {
        let client = server.client();
        let response = server.sign_in(&client, username, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{username} signs in"
        );
        let home = if role == Role::Patient {
            "/portal"
        } else {
            "/home"
        };
        let page = client
            .get(server.url(home))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("body");
        Caller {
            label: username.into(),
            role: Some(role),
            client,
            csrf: csrf_of(&page).unwrap_or_else(|| panic!("{home} has a form token")),
            token: Some(server.token(username).await),
        }
    }

    /// One request to `path` as the route's method: pages with the session
    /// and a form carrying its token, the API and FHIR with the bearer
    /// token and an empty JSON object. Status, `Location` and body.
    async fn send(&self, server: &TestServer, method: &str, path: &str, form: &FormIds) -> Seen {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let api = is_api(path);
        let mut request = self.client.request(method.clone(), server.url(path));
        if api {
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if method == Method::POST || method == Method::PUT {
                let content_type = if path == "/fhir" {
                    "application/fhir+json"
                } else {
                    "application/json"
                };
                request = request.header("content-type", content_type).body("{}");
            }
        } else if method == Method::POST {
            request = request.form(&[
                ("csrf", self.csrf.as_str()),
                ("patient", form.patient.as_str()),
                ("session", form.session.as_str()),
                ("site", form.site.as_str()),
                ("version", "0"),
            ]);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response.bytes().await.expect("body");
        Seen {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The hidden fields a page's forms carry besides the token.
struct FormIds {
    patient: String,
    session: String,
    site: String,
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/fhir")
}

struct Seen {
    status: StatusCode,
    location: String,
    body: String,
}

impl Seen {
    fn to_sign_in(&self) -> bool {
        self.status.is_redirection() && self.location.starts_with("/sign-in")
    }

    /// Turned away at the gate or told the record is not there.
    fn refused(&self) -> bool {
        matches!(
            self.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ) || self.to_sign_in()
    }

    fn short(&self) -> String {
        if self.location.is_empty() {
            self.status.as_u16().to_string()
        } else {
            format!("{} -> {}", self.status.as_u16(), self.location)
        }
    }
}

/// Whether `seen` is what the gate says for this caller on records in reach.
fn verdict(rule: &RouteRule, caller: &Caller, seen: &Seen) -> Result<(), String> {
    if seen.status.is_server_error() {
        return Err(format!("server error {}", seen.short()));
    }
    let admitted = rule.gate.admits(caller.role);
    if admitted {
        if seen.refused() && rule.gate != Gate::Public {
            return Err(format!(
                "refused ({}) but the role table allows it",
                seen.short()
            ));
        }
        // Public routes answer everyone: a wrong password is 401, the
        // root and sign-out redirect; none is forbidden.
        if rule.gate == Gate::Public && seen.status == StatusCode::FORBIDDEN {
            return Err(format!("public route refused ({})", seen.short()));
        }
        if rule.method == "GET"
            && rule.gate != Gate::Public
            && !(seen.status.is_success() || seen.status.is_redirection())
        {
            return Err(format!("allowed GET answered {}", seen.short()));
        }
        return Ok(());
    }
    match caller.role {
        None => {
            let expected = if is_api(rule.path) {
                seen.status == StatusCode::UNAUTHORIZED
            } else {
                seen.to_sign_in()
            };
            if expected {
                Ok(())
            } else {
                Err(format!("anonymous got {}", seen.short()))
            }
        }
        // Staff lacking the role are told so; a patient on a staff route
        // may be told "not found" (the route is not theirs to know).
        Some(role) => {
            let expected = seen.status == StatusCode::FORBIDDEN
                || (role == Role::Patient || matches!(rule.gate, Gate::Own(_)))
                    && seen.status == StatusCode::NOT_FOUND
                || matches!(rule.gate, Gate::Own(_)) && seen.status.is_redirection();
            if expected {
                Ok(())
            } else {
                Err(format!(
                    "{role} got {} where the role table refuses",
                    seen.short()
                ))
            }
        }
    }
}

/// What the matrix needs of one patient: their name, record number and ids.
struct Patient {
    name: [String; 2],
    id: String,
    record_number: String,
    ids: Ids,
}

/// A discharged session for `given family` with every kind of record a
/// route can name: plan, consent, intake item, adverse event, follow-up,
/// a second (past) session whose diary raised an alert, a portal account.
async fn patient_with_records(
    server: &TestServer,
    given: &str,
    family: &str,
    username: &str,
) -> Patient {
    let clinic = &server.clinic;
    let app = &clinic.app;
    let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
    let done: Administered = clinic
        .discharged(given, family, &format!("KIT-{username}"))
        .await;
    let patient = done.patient.clone();
    let plan = app
        .plans_of_patient(physician, patient.id)
        .await
        .expect("plans")[0]
        .plan
        .id;
    let consent = app
        .plan_consent(nurse, plan, Locale::En)
        .await
        .expect("consent")
        .signatures[0]
        .id;
    let item = app
        .add_intake(
            physician,
            patient.id,
            IntakeKind::Medication,
            &IntakeDraft {
                name: "Ibuprofen".into(),
                code: "nsaid".into(),
                detail: "400 mg".into(),
                ..Default::default()
            },
        )
        .await
        .expect("intake")
        .id;
    let event = app
        .record_adverse_event(
            nurse,
            done.session,
            &cellpath_domain::adverse_events::AdverseEventDraft {
                what: "Swelling and warmth of the knee".into(),
                onset_at: app.now().format("%Y-%m-%d %H:%M").to_string(),
                grade: "2".into(),
                serious: false,
                relatedness: "probable".into(),
                outcome: "recovering".into(),
                unit: String::new(),
            },
        )
        .await
        .expect("adverse event")
        .id;
    let follow_up = app
        .follow_ups_of_patient(nurse, patient.id)
        .await
        .expect("follow-ups")[0]
        .id;
    // A second plan whose session was two days ago, with a red-flag diary entry.
    let earlier = app
        .create_plan(
            physician,
            patient.id,
            &cellpath_test_support::knee_plan(),
            None,
        )
        .await
        .expect("plan");
    let earlier = app
        .decide_plan(
            physician,
            earlier.id,
            earlier.version,
            true,
            "Reviewed with the patient.",
        )
        .await
        .expect("approved");
    let past = clinic
        .past_session(&patient, earlier.id, app.now() - chrono::Duration::days(2))
        .await;
    let me = clinic.portal_account(patient.id, username).await.actor;
    app.record_diary_entry(
        &me,
        past,
        &cellpath_domain::symptoms::DiaryDraft {
            day: "1".into(),
            pain: vec![("knee-right".into(), "3".into())],
            swelling: "mild".into(),
            temperature: "39.6".into(),
            chills: true,
            ..Default::default()
        },
    )
    .await
    .expect("diary");
    let alert = app
        .triage_queue(nurse, clinic.site)
        .await
        .expect("queue")
        .into_iter()
        .find(|item| item.alert.patient_id == patient.id.as_uuid())
        .expect("an alert")
        .alert
        .id;
    app.answer_questionnaire(
        nurse,
        patient.id,
        "nrs-pain",
        "baseline",
        &[("pain".into(), "6".into())],
    )
    .await
    .expect("answers");
    let ids = HashMap::from([
        ("patient", patient.id.to_string()),
        ("plan", plan.to_string()),
        ("consent", consent.to_string()),
        ("session", done.session.to_string()),
        ("unit", done.specimen.id.to_string()),
        ("alert", alert.to_string()),
        ("adverse_event", event.to_string()),
        ("follow_up", follow_up.to_string()),
        ("intake_item", item.to_string()),
        ("label_file", format!("{}.svg", done.specimen.id)),
    ]);
    Patient {
        name: [given.to_string(), family.to_string()],
        id: patient.id.to_string(),
        record_number: patient.record_number.as_str().to_string(),
        ids: Ids(ids),
    }
}

/// The values of parameters that name no one's record.
fn common_values(server: &TestServer) -> HashMap<&'static str, String> {
    let today = server.clinic.app.now().date_naive().to_string();
    HashMap::from([
        ("lang", "ar".to_string()),
        ("questionnaire", "nrs-pain".to_string()),
        ("site", server.clinic.site.to_string()),
        ("intake_list", "medications".to_string()),
        ("intake_kind", "medications".to_string()),
        ("check", "identity".to_string()),
        ("task", "hydrate".to_string()),
        // A step both the clinicians and the lab may record.
        ("step", "donor_preparation".to_string()),
        ("question", "does_it_hurt".to_string()),
        ("procedure", "bone_marrow".to_string()),
        ("locale", "en".to_string()),
        ("date", today),
        ("calendar_file", format!("{}.ics", "0".repeat(64))),
        ("invitation", "0".repeat(64)),
        ("resource_type", "Patient".to_string()),
    ])
}

/// A resource, a leave and a donor lot at the main site: records an allowed
/// role may change or remove, made fresh for each caller.
async fn site_records(server: &TestServer) -> HashMap<&'static str, String> {
    let clinic = &server.clinic;
    let app = &clinic.app;
    let admin = clinic.actor(Role::Admin);
    let resource = app.resources(admin, clinic.site).await.expect("resources")[0].id;
    let day = (app.now() + chrono::Duration::days(300))
        .date_naive()
        .to_string();
    let leave = app
        .add_leave(admin, resource, &day, &day, "Course")
        .await
        .expect("leave")
        .id;
    let lot = app
        .receive_donor_lot(
            clinic.actor(Role::LabTech),
            clinic.site,
            &cellpath_app::lab::DonorLotDraft {
                supplier: "Cell bank".into(),
                supplier_lot: format!("LOT-{leave}"),
                description: "Allogeneic MSC".into(),
                volume_ml: "5".into(),
                expires_at: (app.now() + chrono::Duration::days(90))
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            },
        )
        .await
        .expect("donor lot")
        .id;
    let api_leave = app
        .add_leave(admin, resource, &day, &day, "Course")
        .await
        .expect("leave")
        .id;
    HashMap::from([
        ("resource", resource.to_string()),
        ("leave", leave.to_string()),
        ("api_leave", api_leave.to_string()),
        ("donor_lot", lot.to_string()),
    ])
}

/// The query a route needs to answer at all (a report's table, a lookback's lot).
fn query_of(path: &str, ids: &Ids) -> String {
    match path {
        "/reports/clinic.csv" => "?table=steps".into(),
        "/api/v1/lookback" => "?kit_lot=KIT-yusra".into(),
        "/api/v1/plans/{plan_id}/starts" => format!("?from={0}&to={0}", ids.get("date")),
        _ => String::new(),
    }
}

fn ids_of(
    common: &HashMap<&'static str, String>,
    site: HashMap<&'static str, String>,
    patient: &Patient,
) -> Ids {
    let mut all = common.clone();
    all.extend(site);
    all.extend(patient.ids.0.clone());
    Ids(all)
}

/// Whether a body names the patient (a refused page may echo an id of the
/// URL in its links; names are what must never show).
fn mentions(body: &str, patient: &Patient) -> bool {
    body.contains(&patient.name[0]) || body.contains(&patient.name[1])
}

/// The record ids `guesser` may try for `target`'s: the real ones, random
/// ones, and record numbers in place of the patient's id.
fn guesses(
    common: &HashMap<&'static str, String>,
    site: &HashMap<&'static str, String>,
    target: &Patient,
) -> Vec<(&'static str, Ids)> {
    let real = ids_of(common, site.clone(), target);
    let mut random = real.clone();
    for kind in RECORD_KINDS {
        let fresh = uuid::Uuid::now_v7().to_string();
        let value = if kind == "label_file" {
            format!("{fresh}.svg")
        } else {
            fresh
        };
        random.0.insert(kind, value);
    }
    let mut numbers = random.clone();
    numbers.0.insert("patient", target.record_number.clone());
    let mut neighbour = random.clone();
    neighbour.0.insert("patient", "CP-000001".into());
    vec![
        ("their records", real),
        ("random ids", random),
        ("their record number", numbers),
        ("a guessed record number", neighbour),
    ]
}

/// `caller` tries every route with `target`'s records (and guesses of
/// them), and every FHIR search for them: each answer is a refusal or
/// shows nothing of `target`. The problems found.
async fn try_to_reach(
    server: &TestServer,
    caller: &Caller,
    target: &Patient,
    ids: Vec<(&'static str, Ids)>,
    form: &FormIds,
) -> (usize, Vec<String>) {
    let mut wrong = Vec::new();
    let mut tries = 0;
    for (variant, ids) in &ids {
        for rule in ROUTES {
            let (path, kinds) = fill(rule.path, ids);
            let names_a_record = kinds
                .iter()
                .any(|k| RECORD_KINDS.contains(k) || *k == "site");
            let path = if names_a_record || rule.method != "GET" {
                path
            } else {
                format!("{path}?site={}&patient={}", ids.get("site"), target.id)
            };
            if rule.path == "/sign-out" || (!names_a_record && *variant != "their records") {
                continue;
            }
            let seen = caller.send(server, rule.method, &path, form).await;
            tries += 1;
            if seen.status.is_server_error() {
                wrong.push(format!(
                    "{} {} {path} ({variant}): {}",
                    caller.label,
                    rule.method,
                    seen.short()
                ));
            }
            // A read is refused (or sent elsewhere); a write with an empty
            // form may be refused for its fields before the record is looked
            // up, which reads and changes nothing. Neither names the patient.
            let kept_out = seen.refused()
                || if rule.method == "GET" {
                    seen.status.is_redirection()
                } else {
                    matches!(
                        seen.status,
                        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
                    )
                };
            if names_a_record && !kept_out {
                wrong.push(format!(
                    "{} {} {path} ({variant}): not refused ({})",
                    caller.label,
                    rule.method,
                    seen.short()
                ));
            }
            if mentions(&seen.body, target) {
                wrong.push(format!(
                    "{} {} {path} ({variant}): shows {}",
                    caller.label,
                    rule.method,
                    target.name.join(" ")
                ));
            }
        }
    }
    for resource_type in cellpath_fhir::ResourceType::ALL.map(|t| t.name()) {
        for query in [
            String::new(),
            format!("?patient={}", target.id),
            format!("?subject=Patient/{}", target.id),
            format!("?_id={}", target.id),
            format!("?identifier={}", target.record_number),
            format!("?patient={}&_summary=count", target.id),
        ] {
            let path = format!("/fhir/{resource_type}{query}");
            let seen = caller.send(server, "GET", &path, form).await;
            tries += 1;
            if seen.status.is_server_error() {
                wrong.push(format!("{} GET {path}: {}", caller.label, seen.short()));
                continue;
            }
            let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap_or_default();
            let entries = body["entry"].to_string();
            let total = body["total"].as_u64().unwrap_or(0);
            if entries.contains(&target.id)
                || mentions(&entries, target)
                || (!query.is_empty() && total > 0 && resource_type != "Questionnaire")
            {
                wrong.push(format!(
                    "{} GET {path}: finds {} ({} in total)",
                    caller.label,
                    target.name.join(" "),
                    total
                ));
            }
        }
    }
    let read = format!("/fhir/Patient/{}", target.id);
    let seen = caller.send(server, "GET", &read, form).await;
    tries += 1;
    if !seen.refused() || mentions(&seen.body, target) {
        wrong.push(format!("{} GET {read}: {}", caller.label, seen.short()));
    }
    (tries, wrong)
}

both_backends! {
    async fn every_role_meets_every_route_as_the_role_table_says(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let amal = patient_with_records(&server, "Yusra", "Thornbury", "yusra").await;
        let basma = patient_with_records(&server, "Basma", "Quillfeather", "basma").await;
        let common = common_values(&server);

        let mut callers = vec![Caller::anonymous(&server).await];
        for role in Role::ALL.into_iter().filter(|r| r.is_staff()) {
            callers.push(Caller::signed_in(&server, role.code(), role).await);
        }
        callers.push(Caller::signed_in(&server, "yusra", Role::Patient).await);

        let form = FormIds { patient: amal.id.clone(), session: amal.ids.get("session"), site: server.clinic.site.to_string() };
        let mut wrong = Vec::new();
        let mut cells = 0;
        for caller in &callers {
            let ids = ids_of(&common, site_records(&server).await, &amal);
            for rule in ROUTES {
                let (path, _) = fill(rule.path, &ids);
                let path = format!("{path}{}", query_of(rule.path, &ids));
                let seen = match caller.role {
                    // Signing out ends the session: it is tried on one of its own.
                    Some(role) if rule.path == "/sign-out" => {
                        let own = Caller::signed_in(&server, &caller.label, role).await;
                        own.send(&server, rule.method, &path, &form).await
                    }
                    _ => caller.send(&server, rule.method, &path, &form).await,
                };
                cells += 1;
                if let Err(why) = verdict(rule, caller, &seen) {
                    wrong.push(format!("{} {} {path}: {why}", caller.label, rule.method));
                }
                if caller.role == Some(Role::Patient) && mentions(&seen.body, &basma) {
                    wrong.push(format!("{} {} {path}: shows the other patient", caller.label, rule.method));
                }
            }
        }
        assert_eq!(cells, ROUTES.len() * 7);
        assert!(wrong.is_empty(), "{} of {cells} cells wrong:\n{}", wrong.len(), wrong.join("\n"));
    }
}

both_backends! {
    async fn no_patient_and_no_other_site_reaches_a_record_outside_their_reach(backend: Backend) {
        let server = TestServer::start(&backend).await;
        let yusra = patient_with_records(&server, "Yusra", "Thornbury", "yusra").await;
        let basma = patient_with_records(&server, "Basma", "Quillfeather", "basma").await;
        let common = common_values(&server);
        let site = site_records(&server).await;

        // Yusra, by cookie session and by token, with Basma's records.
        let patient = Caller::signed_in(&server, "yusra", Role::Patient).await;
        let form = FormIds { patient: basma.id.clone(), session: basma.ids.get("session"), site: server.clinic.site.to_string() };
        let (tries, mut wrong) = try_to_reach(&server, &patient, &basma, guesses(&common, &site, &basma), &form).await;

        // A nurse of the North clinic with the main clinic's records.
        let north = Caller::signed_in(&server, "north-nurse", Role::Nurse).await;
        let form = FormIds { patient: yusra.id.clone(), session: yusra.ids.get("session"), site: server.clinic.site.to_string() };
        let (more, found) = try_to_reach(&server, &north, &yusra, guesses(&common, &site, &yusra), &form).await;
        wrong.extend(found);
        assert!(tries + more > 1000, "{} requests", tries + more);
        assert!(wrong.is_empty(), "{} of {} requests reached what they must not:\n{}", wrong.len(), tries + more, wrong.join("\n"));
    }
}
