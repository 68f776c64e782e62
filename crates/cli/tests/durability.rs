//! Crash durability on both engines: the real server (`cellpath serve`)
//! takes write load from several clients at once (intake entries added,
//! a patient's record edited, symptom diary entries, monitoring rounds on
//! the session day) and is killed with SIGKILL at a random moment, twenty
//! times. After each kill, `cellpath verify-audit` passes, and after each
//! restart every write the server acknowledged (a 2xx answer) is there.
//! A write in flight when the process died may or may not be there; a
//! write that was answered must be.

use cellpath_domain::Role;
use cellpath_test_support::{Backend, Clinic, both_backends};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many times the server is killed.
const KILLS: usize = 20;
/// Concurrent writers.
const WRITERS: usize = 4;

/// What the server acknowledged, cumulated over every run.
#[derive(Debug, Default, Clone)]
struct Acknowledged {
    /// (patient, intake entry id) of conditions added.
    conditions: Vec<(String, String)>,
    /// The latest version (and phone) each edited patient was answered with.
    edits: Vec<(String, i64, String)>,
    /// Diary entry ids.
    diary: Vec<String>,
    /// Monitoring rounds answered.
    monitoring: usize,
}

/// A small deterministic generator (xorshift), seeded from the clock, so
/// the kill moments differ between runs; the seed is printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start(url: &str) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("CELLPATH_DATABASE_URL", url)
        .env("CELLPATH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cellpath serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up on {base}");
}

fn verify_audit(url: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .arg("verify-audit")
        .env("CELLPATH_DATABASE_URL", url)
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run verify-audit");
    assert!(
        out.status.success(),
        "verify-audit after a kill: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the writers need to know.
#[derive(Clone)]
struct Target {
    base: String,
    token: String,
    /// One patient per writer, whose record only that writer edits.
    patients: Vec<String>,
    /// A session three days ago (its diary is open).
    past_session: String,
    /// Today's session, monitoring running.
    today_session: String,
}

/// A write: `Ok` with the answer when acknowledged, `Err(Some(status))`
/// when refused, `Err(None)` when there was no answer (the server died).
async fn send(
    client: &reqwest::Client,
    target: &Target,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> Result<Value, Option<reqwest::StatusCode>> {
    let response = client
        .request(method, format!("{}{path}", target.base))
        .bearer_auth(&target.token)
        .json(body)
        .send()
        .await
        .map_err(|_| None)?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|_| None)?;
    if status.is_success() {
        return Ok(body);
    }
    assert!(
        status == reqwest::StatusCode::CONFLICT || status.is_server_error(),
        "a write the harness makes is valid: {path} {status} {body}"
    );
    Err(Some(status))
}

/// One writer: a loop of writes until a request fails (the server died).
async fn writer(
    n: usize,
    target: Target,
    acked: Arc<Mutex<Acknowledged>>,
    mut version: i64,
    seed: u64,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let patient = target.patients[n].clone();
    let mut rng = Rng(seed | 1);
    for round in 0.. {
        let ok = match rng.next(4) {
            0 => {
                let body = json!({ "name": format!("Condition {n}-{round}"), "status": "active" });
                let path = format!("/api/v1/patients/{patient}/conditions");
                match send(&client, &target, reqwest::Method::POST, &path, &body).await {
                    Ok(out) => {
                        let id = out["id"].as_str().expect("entry id").to_string();
                        acked
                            .lock()
                            .expect("acks")
                            .conditions
                            .push((patient.clone(), id));
                        true
                    }
                    Err(status) => status.is_some(),
                }
            }
            1 => {
                let phone = format!("+971 50 {:03} {:04}", n, round % 10_000);
                let body = json!({
                    "given_name": format!("Writer{n}"), "family_name": "Durable",
                    "date_of_birth": "1970-01-01", "sex": "female", "phone": phone,
                    "version": version,
                });
                let path = format!("/api/v1/patients/{patient}");
                match send(&client, &target, reqwest::Method::PUT, &path, &body).await {
                    Ok(out) => {
                        version = out["version"].as_i64().expect("version");
                        acked
                            .lock()
                            .expect("acks")
                            .edits
                            .push((patient.clone(), version, phone));
                        true
                    }
                    Err(None) => false,
                    Err(Some(_)) => panic!("{n}: an edit from version {version} was refused"),
                }
            }
            2 => {
                let body =
                    json!({ "day": 1 + rng.next(3), "swelling": "mild", "temperature": 36.8 });
                let path = format!("/api/v1/sessions/{}/diary", target.past_session);
                match send(&client, &target, reqwest::Method::POST, &path, &body).await {
                    Ok(out) => {
                        let id = out["entry_id"].as_str().expect("entry id").to_string();
                        acked.lock().expect("acks").diary.push(id);
                        true
                    }
                    Err(status) => status.is_some(),
                }
            }
            _ => {
                let body = json!({
                    "systolic": "121", "diastolic": "79", "pulse": "72",
                    "temperature": "36.7", "spo2": "98", "pain": "2",
                });
                let path = format!("/api/v1/sessions/{}/day/monitoring", target.today_session);
                match send(&client, &target, reqwest::Method::POST, &path, &body).await {
                    Ok(_) => {
                        acked.lock().expect("acks").monitoring += 1;
                        true
                    }
                    Err(status) => status.is_some(),
                }
            }
        };
        if !ok {
            break;
        }
    }
}

async fn get(client: &reqwest::Client, target: &Target, path: &str) -> Value {
    let response = client
        .get(format!("{}{path}", target.base))
        .bearer_auth(&target.token)
        .send()
        .await
        .expect("read after restart");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// Every acknowledged write is there.
async fn check(target: &Target, acked: &Acknowledged) {
    let client = reqwest::Client::new();
    for patient in &target.patients {
        let listed = get(
            &client,
            target,
            &format!("/api/v1/patients/{patient}/conditions"),
        )
        .await;
        let ids: Vec<&str> = listed
            .as_array()
            .or_else(|| listed["entries"].as_array())
            .expect("a list")
            .iter()
            .filter_map(|e| e["id"].as_str())
            .collect();
        for (_, id) in acked.conditions.iter().filter(|(p, _)| p == patient) {
            assert!(
                ids.contains(&id.as_str()),
                "acknowledged condition {id} lost"
            );
        }
        if let Some((_, version, phone)) = acked.edits.iter().rev().find(|(p, _, _)| p == patient) {
            let record = get(&client, target, &format!("/api/v1/patients/{patient}")).await;
            let stored = record["version"].as_i64().expect("version");
            assert!(
                stored >= *version,
                "acknowledged edit lost: version {stored} < {version}"
            );
            if stored == *version {
                assert_eq!(record["phone"].as_str(), Some(phone.as_str()));
            }
        }
    }
    let diary = get(
        &client,
        target,
        &format!("/api/v1/sessions/{}/diary", target.past_session),
    )
    .await;
    let entries: Vec<&str> = diary["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for id in &acked.diary {
        assert!(
            entries.contains(&id.as_str()),
            "acknowledged diary entry {id} lost"
        );
    }
    let day = get(
        &client,
        target,
        &format!("/api/v1/sessions/{}/day", target.today_session),
    )
    .await;
    let rounds = day["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["kind"] == "monitoring")
        .count();
    assert!(
        rounds >= acked.monitoring,
        "acknowledged monitoring rounds lost: {rounds} < {}",
        acked.monitoring
    );
}

both_backends! {
    async fn acknowledged_writes_survive_sigkill_and_the_audit_chain_holds(backend: Backend) {
        // The clinic: patients for the writers, a session three days ago,
        // and today's session with monitoring running.
        let clinic = Clinic::new(&backend).await;
        let app = &clinic.app;
        let (nurse, physician) = (clinic.actor(Role::Nurse), clinic.actor(Role::Physician));
        let mut patients = Vec::new();
        for n in 0..WRITERS {
            let draft = cellpath_test_support::patient_draft(&format!("Writer{n}"), "Durable");
            let patient = app.register_patient(nurse, None, &draft).await.expect("patient");
            patients.push(patient.id.to_string());
        }
        let (past, plan) = clinic.approved_knee_plan("Diary", "Writer").await;
        let past_session = clinic.past_session(&past, plan, chrono::Utc::now() - chrono::Duration::days(3)).await;
        let today = clinic.administered("Monitored", "Today", "KIT-D1").await;
        let reason = "Test: recorded in one go.";
        app.finish_step(physician, today.session, "injection", reason).await.expect("injected");
        app.start_step(nurse, today.session, "monitoring", reason).await.expect("monitoring");
        let token = app.create_api_token("nurse").await.expect("token");
        let url = clinic.db.url.clone();

        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        eprintln!("durability seed {seed}");
        let mut rng = Rng(seed | 1);
        let acked = Arc::new(Mutex::new(Acknowledged::default()));
        for kill in 0..KILLS {
            let mut server = start(&url).await;
            let target = Target {
                base: server.base.clone(),
                token: token.clone(),
                patients: patients.clone(),
                past_session: past_session.to_string(),
                today_session: today.session.to_string(),
            };
            let so_far = acked.lock().expect("acks").clone();
            check(&target, &so_far).await;
            // An edit in flight at the last kill may have been kept: each
            // writer starts from the stored version.
            let client = reqwest::Client::new();
            let mut versions = Vec::new();
            for patient in &target.patients {
                let record = get(&client, &target, &format!("/api/v1/patients/{patient}")).await;
                versions.push(record["version"].as_i64().expect("version"));
            }
            let writers: Vec<_> = versions
                .into_iter()
                .enumerate()
                .map(|(n, version)| tokio::spawn(writer(n, target.clone(), acked.clone(), version, rng.next(u64::MAX))))
                .collect();
            // A random moment between 50 ms and 1.5 s into the load.
            tokio::time::sleep(Duration::from_millis(50 + rng.next(1450))).await;
            server.child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
            server.child.wait().expect("reaped");
            for handle in writers {
                handle.await.expect("writer");
            }
            verify_audit(&url);
            let so_far = acked.lock().expect("acks");
            eprintln!(
                "kill {}: {} conditions, {} edits, {} diary entries, {} monitoring rounds acknowledged so far",
                kill + 1, so_far.conditions.len(), so_far.edits.len(), so_far.diary.len(), so_far.monitoring
            );
        }
        let mut server = start(&url).await;
        let target = Target {
            base: server.base.clone(),
            token,
            patients,
            past_session: past_session.to_string(),
            today_session: today.session.to_string(),
        };
        let acked = acked.lock().expect("acks").clone();
        check(&target, &acked).await;
        assert!(acked.conditions.len() + acked.edits.len() + acked.diary.len() + acked.monitoring > 100, "the load wrote: {acked:?}");
        server.child.kill().expect("stop");
        server.child.wait().expect("reaped");
    }
}
