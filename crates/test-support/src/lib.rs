//! Test support: a fresh database of either engine per test, the real
//! application served on 127.0.0.1:0, a clinic fixture with one user of
//! each role, and the macro that runs a test on both back ends.
//!
//! PostgreSQL variants run when `CELLPATH_TEST_POSTGRES` names a server
//! (`postgres://postgres@127.0.0.1:5432`); each test creates its own
//! database there. With `CI` set they fail, never skip, when it is missing.

pub mod api;
pub mod smtp;

use cellpath_app::admin::NewSite;
use cellpath_app::auth::NewUser;
use cellpath_app::{Actor, App, AppConfig};
use cellpath_domain::{Role, SiteId};
use cellpath_store::Store;
use cellpath_web::{AppState, WebConfig};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The password of every fixture account.
pub const PASSWORD: &str = "correct horse battery";

/// Which engine a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// A server URL without a database name; each test makes its own database.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL back end when configured; `None` (the variant passes
    /// without running) only outside CI.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("CELLPATH_TEST_POSTGRES") {
            Ok(url) if !url.trim().is_empty() => Some(Backend::Postgres(
                url.trim().trim_end_matches('/').to_string(),
            )),
            _ if std::env::var_os("CI").is_some() => {
                panic!(
                    "CI is set but CELLPATH_TEST_POSTGRES is not: the PostgreSQL tests must run in CI"
                )
            }
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Runs each test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident : $backend_type:ty) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $backend_type) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::Backend::postgres() {
                    run(backend).await
                }
            }
        }
    )*};
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("cellpath.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres(server) => {
                let name = format!("cellpath_test_{}", uuid::Uuid::now_v7().simple());
                let admin_url = format!("{server}/postgres");
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server}: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                TestDb {
                    url: format!("{server}/{name}"),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Dropped from a plain thread: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    if let Ok(mut conn) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                    {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A migrated store on a fresh database.
pub async fn store(backend: &Backend) -> (Store, TestDb) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, db)
}

/// A clinic to test against: two sites, and at the first one a user of
/// each staff role (the fixture's `other_site` has its own nurse).
/// A clock a test sets (`*clock.lock() += ...`), read by `Clinic::with_clock`.
pub type TestClock = std::sync::Arc<std::sync::Mutex<chrono::DateTime<chrono::Utc>>>;

pub struct Clinic {
    pub app: App,
    pub site: SiteId,
    pub other_site: SiteId,
    pub staff: HashMap<Role, Actor>,
    pub other_site_nurse: Actor,
    /// A second lab technician at the main site (a product is released by
    /// someone other than the one who processed it).
    pub second_lab_tech: Actor,
    pub db: TestDb,
}

impl Clinic {
    pub async fn new(backend: &Backend) -> Clinic {
        let (store, db) = store(backend).await;
        Clinic::on(App::new(store, AppConfig::default()), db).await
    }

    /// The fixture on an app built by the caller (a test clock, say).
    pub async fn on(app: App, db: TestDb) -> Clinic {
        let site = SiteId::from_uuid(
            app.add_site(
                None,
                &NewSite {
                    code: "MAIN".into(),
                    name: "Main clinic".into(),
                    record_prefix: "CP".into(),
                },
            )
            .await
            .expect("site")
            .id,
        );
        let other_site = SiteId::from_uuid(
            app.add_site(
                None,
                &NewSite {
                    code: "NORTH".into(),
                    name: "North clinic".into(),
                    record_prefix: "NO".into(),
                },
            )
            .await
            .expect("site")
            .id,
        );
        let mut staff = HashMap::new();
        for role in Role::ALL.into_iter().filter(|r| r.is_staff()) {
            let actor = add_staff(&app, role.code(), role, site).await;
            staff.insert(role, actor);
        }
        let other_site_nurse = add_staff(&app, "north-nurse", Role::Nurse, other_site).await;
        let second_lab_tech = add_staff(&app, "lab-two", Role::LabTech, site).await;
        let admin = staff.get(&Role::Admin).expect("admin").clone();
        add_resources(&app, &admin, site, true).await;
        add_resources(&app, &admin, other_site, false).await;
        // Facility codes, as a licensed clinic's admin enters them.
        let mut tx = app.store().begin().await.expect("begin");
        tx.set_site_labels(site, "T1234", 100, 50)
            .await
            .expect("labels");
        tx.set_site_phone(site, "+971 4 555 0123")
            .await
            .expect("phone");
        tx.set_site_labels(other_site, "T5678", 100, 50)
            .await
            .expect("labels");
        tx.commit().await.expect("commit");
        Clinic {
            app,
            site,
            other_site,
            staff,
            other_site_nurse,
            second_lab_tech,
            db,
        }
    }

    /// The fixture on an app whose clock the test sets, starting at `start`.
    pub async fn with_clock(
        backend: &Backend,
        start: chrono::DateTime<chrono::Utc>,
    ) -> (Clinic, TestClock) {
        let clock = std::sync::Arc::new(std::sync::Mutex::new(start));
        let reading = clock.clone();
        let (store, db) = store(backend).await;
        let app = App::new(store, AppConfig::default())
            .with_clock(std::sync::Arc::new(move || *reading.lock().expect("clock")));
        (Clinic::on(app, db).await, clock)
    }

    pub fn actor(&self, role: Role) -> &Actor {
        self.staff.get(&role).expect("fixture has every staff role")
    }

    /// Registers `given family` at the main site and writes and approves a
    /// `knee_plan` for them, as the fixture's physician.
    pub async fn approved_knee_plan(
        &self,
        given: &str,
        family: &str,
    ) -> (cellpath_domain::patient::Patient, cellpath_domain::PlanId) {
        self.approved_plan(given, family, &knee_plan()).await
    }

    /// Registers `given family` at the main site and writes and approves
    /// `plan` for them, as the fixture's physician.
    pub async fn approved_plan(
        &self,
        given: &str,
        family: &str,
        plan: &cellpath_domain::plan::PlanDraft,
    ) -> (cellpath_domain::patient::Patient, cellpath_domain::PlanId) {
        let physician = self.actor(Role::Physician);
        let patient = self
            .app
            .register_patient(physician, None, &patient_draft(given, family))
            .await
            .expect("patient");
        let plan = self
            .app
            .create_plan(physician, patient.id, plan, None)
            .await
            .expect("plan");
        let plan = self
            .app
            .decide_plan(
                physician,
                plan.id,
                plan.version,
                true,
                "Reviewed with the patient.",
            )
            .await
            .expect("approve");
        (patient, plan.id)
    }

    /// The first session of the patient's `plan`, at `starts_at`, written
    /// straight to the store as planned: a session that has taken place as
    /// far as the diary, questionnaires and outcome charts are concerned,
    /// without booking resources or running the day.
    pub async fn past_session(
        &self,
        patient: &cellpath_domain::patient::Patient,
        plan: cellpath_domain::PlanId,
        starts_at: chrono::DateTime<chrono::Utc>,
    ) -> cellpath_domain::SessionId {
        use cellpath_domain::plan::{SessionStatus, TreatmentSession};
        let session = TreatmentSession {
            id: cellpath_domain::SessionId::new(),
            plan_id: plan,
            patient_id: patient.id,
            site_id: patient.site_id,
            number: 1,
            starts_at,
            protocol_version: 1,
            status: SessionStatus::Planned,
            version: 1,
            created_at: starts_at,
            updated_at: starts_at,
        };
        let mut tx = self.app.store().begin().await.expect("begin");
        tx.insert_treatment_session(&session)
            .await
            .expect("session");
        tx.commit().await.expect("commit");
        session.id
    }

    /// A portal account `username` (with the fixture's password) for the
    /// patient, invited by the nurse; signed in.
    pub async fn portal_account(
        &self,
        patient: cellpath_domain::PatientId,
        username: &str,
    ) -> cellpath_app::auth::SignedIn {
        let (token, _) = self
            .app
            .invite_patient(self.actor(Role::Nurse), patient)
            .await
            .expect("invite");
        self.app
            .accept_invitation(&token, username, PASSWORD)
            .await
            .expect("accept")
    }
}

/// A session whose product was given: the patient, the session and the
/// product (with its processing record's kit lots).
pub struct Administered {
    pub patient: cellpath_domain::patient::Patient,
    pub session: cellpath_domain::SessionId,
    pub product: cellpath_store::UnitRow,
    pub product_id: cellpath_domain::donation::DonationId,
    pub specimen: cellpath_store::UnitRow,
}

impl Clinic {
    /// The plan's consent, in English, signed with the patient's name on a
    /// clinic device before the fixture's nurse as witness.
    pub async fn consented(
        &self,
        patient: &cellpath_domain::patient::Patient,
        plan: cellpath_domain::PlanId,
    ) {
        let nurse = self.actor(Role::Nurse);
        let text = self
            .app
            .plan_consent(nurse, plan, cellpath_domain::Locale::En)
            .await
            .expect("consent text")
            .text;
        self.app
            .take_consent(
                nurse,
                plan,
                cellpath_domain::Locale::En,
                &text.hash,
                &cellpath_domain::consent::SignatureDraft {
                    typed_name: patient.full_name(),
                    witness_name: "Nurse Witness".into(),
                    confirmed: true,
                    ..Default::default()
                },
            )
            .await
            .expect("consent");
    }

    /// A session of the plan booked by the coordinator at the first of one,
    /// two, three... hours from now (within four days) when the fixture's
    /// resources are free: earlier sessions of the same clinic hold the
    /// earlier starts.
    pub async fn booked(&self, plan: cellpath_domain::PlanId) -> cellpath_domain::SessionId {
        let now = self.app.now();
        for hours in 1..96 {
            match self
                .app
                .schedule_session(
                    self.actor(Role::Coordinator),
                    plan,
                    now + chrono::Duration::hours(hours),
                )
                .await
            {
                Ok(booked) => return booked.id,
                Err(cellpath_app::AppError::Unavailable(_)) => continue,
                Err(other) => panic!("session: {other:?}"),
            }
        }
        panic!("no free start in four days")
    }

    /// Every check-in item of a session without sedation recorded by the
    /// fixture's nurse (identity as registered, normal vitals), then
    /// check-in finished, with `reason` for a timing outside the protocol.
    pub async fn checked_in(
        &self,
        patient: &cellpath_domain::patient::Patient,
        session: cellpath_domain::SessionId,
        reason: &str,
    ) {
        use cellpath_app::session_day::{CheckDraft, VitalsDraft};
        let nurse = self.actor(Role::Nurse);
        let identity = CheckDraft {
            given_name: patient.given_name.clone(),
            family_name: patient.family_name.clone(),
            date_of_birth: patient.date_of_birth.to_string(),
            ..CheckDraft::default()
        };
        let vitals = CheckDraft {
            vitals: VitalsDraft {
                systolic: "126".into(),
                diastolic: "80".into(),
                pulse: "70".into(),
                temperature: "36.7".into(),
                spo2: "98".into(),
            },
            ..CheckDraft::default()
        };
        for (item, draft) in [
            ("identity", identity),
            ("wristband", CheckDraft::default()),
            ("consent", CheckDraft::default()),
            ("nsaid_pause", CheckDraft::default()),
            ("vitals", vitals),
            ("allergies", CheckDraft::default()),
            ("time_out", CheckDraft::default()),
        ] {
            self.app
                .record_check(nurse, session, item, &draft)
                .await
                .unwrap_or_else(|e| panic!("{item}: {e:?}"));
        }
        self.app
            .finish_step(nurse, session, "check_in", reason)
            .await
            .expect("check-in");
    }

    /// Runs a new patient's autologous knee session, through the use cases,
    /// from consent to the injection: the harvest, processing with
    /// `kit_lots`, release by the second lab technician, the bedside check.
    /// Timings outside the protocol are given a reason (the clock does not
    /// move), so the steps are recorded as deviations.
    pub async fn administered(&self, given: &str, family: &str, kit_lots: &str) -> Administered {
        use cellpath_app::lab::{ProcessingDraft, QcDraft};
        use cellpath_app::session_day::{BedsideDraft, HarvestDraft, InjectionDraft};
        let app = &self.app;
        let (physician, nurse, lab) = (
            self.actor(Role::Physician),
            self.actor(Role::Nurse),
            self.actor(Role::LabTech),
        );
        let reason = "Test: recorded in one go.";
        let (patient, plan) = self.approved_knee_plan(given, family).await;
        self.consented(&patient, plan).await;
        let session = self.booked(plan).await;
        self.checked_in(&patient, session, reason).await;
        app.start_step(physician, session, "harvest", reason)
            .await
            .expect("harvest starts");
        let specimen = app
            .record_harvest(
                physician,
                session,
                &HarvestDraft {
                    source_site: "posterior iliac crest".into(),
                    side: "right".into(),
                    volume_ml: "60".into(),
                    anaesthetic: "lidocaine 1%".into(),
                    dose: "10 mL".into(),
                },
            )
            .await
            .expect("specimen");
        app.finish_step(physician, session, "harvest", reason)
            .await
            .expect("harvest done");
        let label = app
            .unit_label(lab, &specimen.id.to_string())
            .await
            .expect("label");
        app.receive_specimen(lab, self.site, &label.donation_id.barcode_data())
            .await
            .expect("received");
        app.start_step(lab, session, "processing", reason)
            .await
            .expect("processing starts");
        let product = app
            .record_processing(
                lab,
                specimen.id,
                &ProcessingDraft {
                    method: "density gradient".into(),
                    centrifuge_programme: "BMAC-2".into(),
                    cabinet: "BSC-1".into(),
                    kit_lots: kit_lots.into(),
                },
            )
            .await
            .expect("product");
        app.record_qc(
            lab,
            product.id,
            &QcDraft {
                volume_ml: "8.5".into(),
                cells_millions: "420".into(),
                viability_percent: "93".into(),
            },
        )
        .await
        .expect("qc");
        app.release_product(&self.second_lab_tech, product.id)
            .await
            .expect("released");
        app.finish_step(lab, session, "processing", reason)
            .await
            .expect("processing done");
        let wristband = app
            .session_day(nurse, session)
            .await
            .expect("day")
            .wristband
            .expect("wristband")
            .to_string();
        let product_id = app
            .unit_label(nurse, &product.id.to_string())
            .await
            .expect("label")
            .donation_id;
        app.bedside_check(
            nurse,
            session,
            &BedsideDraft {
                wristband: wristband.clone(),
                product: product_id.printed(),
                second_username: "physician".into(),
                second_password: PASSWORD.into(),
                second_wristband: wristband,
                second_product: product_id.printed(),
            },
        )
        .await
        .expect("bedside check");
        app.start_step(physician, session, "injection", reason)
            .await
            .expect("injection starts");
        app.record_injection(
            physician,
            session,
            &InjectionDraft {
                guidance: "ultrasound".into(),
                target_site: "knee".into(),
                side: "right".into(),
                volume_ml: "8".into(),
                note: String::new(),
            },
        )
        .await
        .expect("injection");
        let view = app.session_day(nurse, session).await.expect("day");
        let product = view.product().expect("product").clone();
        let specimen = view.specimen().expect("specimen").clone();
        Administered {
            patient,
            session,
            product,
            product_id,
            specimen,
        }
    }
}

impl Clinic {
    /// `administered`, then the rest of the day: the injection finished,
    /// monitoring with every discharge criterion met, and discharge (which
    /// books the protocol's follow-up visits).
    pub async fn discharged(&self, given: &str, family: &str, kit_lots: &str) -> Administered {
        use cellpath_app::session_day::{MonitoringDraft, VitalsDraft};
        use cellpath_domain::session_day::DischargeCriterion;
        let done = self.administered(given, family, kit_lots).await;
        let app = &self.app;
        let (nurse, physician) = (self.actor(Role::Nurse), self.actor(Role::Physician));
        let reason = "Test: recorded in one go.";
        app.finish_step(physician, done.session, "injection", reason)
            .await
            .expect("injected");
        app.start_step(nurse, done.session, "monitoring", reason)
            .await
            .expect("monitoring");
        let monitoring = MonitoringDraft {
            vitals: VitalsDraft {
                systolic: "120".into(),
                diastolic: "80".into(),
                pulse: "70".into(),
                temperature: "36.8".into(),
                spo2: "98".into(),
            },
            pain: "2".into(),
            criteria: DischargeCriterion::ALL
                .iter()
                .map(|c| c.code().to_string())
                .collect(),
        };
        app.record_monitoring(nurse, done.session, &monitoring)
            .await
            .expect("monitored");
        app.finish_step(nurse, done.session, "monitoring", reason)
            .await
            .expect("monitoring done");
        app.start_step(nurse, done.session, "discharge", reason)
            .await
            .expect("discharge");
        app.finish_step(nurse, done.session, "discharge", reason)
            .await
            .expect("discharged");
        done
    }
}

/// One of every resource a session can need, open round the clock every
/// day (so tests book at any hour): two procedure rooms (the first with
/// fluoroscopy), one physician, nurse, lab technician, anaesthesia
/// provider, centrifuge, ultrasound, C-arm and two recovery bays. At the
/// main site the people are the fixture's staff accounts.
pub async fn add_resources(app: &App, admin: &Actor, site: SiteId, link_staff: bool) {
    let all: [(&str, &str, bool, &str); 11] = [
        ("procedure_room", "Room 1", true, ""),
        ("procedure_room", "Room 2", false, ""),
        ("physician", "Dr Test", false, "physician"),
        ("nurse", "Nurse Test", false, "nurse"),
        ("lab_tech", "Lab Test", false, "lab_tech"),
        ("anaesthesia", "Anaesthetist", false, ""),
        ("centrifuge", "Centrifuge 1", false, ""),
        ("ultrasound", "Ultrasound 1", false, ""),
        ("c_arm", "C-arm 1", false, ""),
        ("recovery_bay", "Bay 1", false, ""),
        ("recovery_bay", "Bay 2", false, ""),
    ];
    for (kind, name, fluoroscopy, username) in all {
        app.add_resource(
            admin,
            site,
            &cellpath_app::scheduling::ResourceDraft {
                kind: kind.into(),
                name: name.into(),
                fluoroscopy,
                username: if link_staff {
                    username.into()
                } else {
                    String::new()
                },
                work_days: "1111111".into(),
                work_start: "00:00".into(),
                work_end: "24:00".into(),
                active: true,
                ..Default::default()
            },
        )
        .await
        .expect("resource");
    }
}

async fn add_staff(app: &App, username: &str, role: Role, site: SiteId) -> Actor {
    app.add_user(
        None,
        NewUser {
            username: username.into(),
            display_name: format!("Test {username}"),
            role,
            sites: vec![site],
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("user");
    let token = app.create_api_token(username).await.expect("token");
    app.token_actor(&token)
        .await
        .expect("actor")
        .expect("token works")
}

/// The real application served on an ephemeral port, bound before the
/// test talks to it (no sleeping).
pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub clinic: Clinic,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(backend: &Backend) -> TestServer {
        let (store, db) = store(backend).await;
        let app = App::new(store, AppConfig::default())
            .with_consent_pdf(std::sync::Arc::new(cellpath_web::documents::consent_pdf));
        TestServer::serve(Clinic::on(app, db).await).await
    }

    pub async fn serve(clinic: Clinic) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = AppState {
            app: clinic.app.clone(),
            config: WebConfig::default(),
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = cellpath_web::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await;
        });
        TestServer {
            addr,
            base: format!("http://{addr}"),
            clinic,
            shutdown: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A bearer token acting as `username`.
    pub async fn token(&self, username: &str) -> String {
        self.clinic
            .app
            .create_api_token(username)
            .await
            .expect("token")
    }

    /// Signs `client` in through the sign-in form.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client
            .get(self.url("/sign-in"))
            .send()
            .await
            .expect("sign-in page")
            .text()
            .await
            .expect("body");
        let csrf = csrf_of(&page).expect("sign-in form has a csrf field");
        client
            .post(self.url("/sign-in"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
                ("totp", ""),
            ])
            .send()
            .await
            .expect("sign in")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The Synthea Bundles of `shared/data/fhir/synthea`: `CELLPATH_FHIR_SYNTHEA`
/// (set by `.ci/run`), else beside the checkout. Missing, a test says so
/// and passes, unless `CI` is set: then it fails.
pub fn synthea_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("CELLPATH_FHIR_SYNTHEA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/fhir/synthea")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no Synthea Bundles at {} (CI is set, so this is a failure)",
        dir.display()
    );
    eprintln!(
        "note: no Synthea Bundles at {}; not imported",
        dir.display()
    );
    None
}

/// Removes Unicode bidi isolation marks that Fluent puts around placeables.
pub fn strip_isolation(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect()
}

/// A one-session bone-marrow plan for the right knee, under ultrasound
/// and local anaesthesia: a session every fixture site can book.
pub fn knee_plan() -> cellpath_domain::plan::PlanDraft {
    cellpath_domain::plan::PlanDraft {
        indication: "osteoarthritis".into(),
        target_site: "knee".into(),
        side: "right".into(),
        cell_source: "bone_marrow".into(),
        guidance: "ultrasound".into(),
        anaesthesia: "local".into(),
        planned_sessions: "1".into(),
        ..Default::default()
    }
}

/// A patient draft with the given names and sensible other fields.
pub fn patient_draft(given: &str, family: &str) -> cellpath_domain::patient::PatientDraft {
    cellpath_domain::patient::PatientDraft {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: "1970-05-04".into(),
        sex: "female".into(),
        phone: "+971 50 555 0101".into(),
        preferred_language: "en".into(),
        ..Default::default()
    }
}

/// Runs SQL straight on a test database, around the store: how tests play
/// an attacker who edits the database by hand.
pub async fn raw_sql(url: &str, sql: &str) -> u64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url)
            .await
            .expect("connect sqlite");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await
            .expect("raw sql")
            .rows_affected()
    } else {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .expect("connect postgres");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await
            .expect("raw sql")
            .rows_affected()
    }
}
