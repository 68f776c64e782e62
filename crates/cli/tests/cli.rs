//! The `cellpath` binary as an operator uses it: exit codes, the first
//! admin on an empty database, tokens, the demo clinic, and `verify-audit`
//! catching an edited, deleted or reordered entry, on both engines.

use cellpath_test_support::{Backend, TestDb, both_backends, raw_sql};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cellpath(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        .env("CELLPATH_DATABASE_URL", &db.url)
        .env("CELLPATH_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cellpath");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn bad_usage_exits_2_and_every_subcommand_has_help() {
    let db_dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}", db_dir.path().join("x.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cellpath"))
            .args(args)
            .env("CELLPATH_DATABASE_URL", &db)
            .output()
            .expect("run")
    };
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        run(&["user", "add", "--username", "x"]).status.code(),
        Some(2)
    );
    for sub in [
        vec!["serve"],
        vec!["migrate"],
        vec!["demo"],
        vec!["user", "add"],
        vec!["user", "enable-totp"],
        vec!["site", "add"],
        vec!["token", "create"],
        vec!["verify-audit"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{sub:?}");
        assert!(text(&out.stdout).contains("Usage: cellpath"), "{sub:?}");
    }
    let unreachable = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(["migrate", "--database-url", "mysql://nowhere"])
        .output()
        .expect("run");
    assert_eq!(unreachable.status.code(), Some(1));
    let stderr = text(&unreachable.stderr);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

both_backends! {
    async fn an_empty_clinic_gets_its_first_admin_and_a_token(backend: Backend) {
        let db = TestDb::new(&backend).await;
        let out = cellpath(&db, &["migrate"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = cellpath(&db, &["user", "add", "--username", "Chief", "--role", "admin", "--site", "DXB", "--password-stdin"], Some("a long admin password\n"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("chief"));
        let short = cellpath(&db, &["user", "add", "--username", "weak", "--role", "nurse", "--site", "DXB", "--password-stdin"], Some("short\n"));
        assert_eq!(short.status.code(), Some(1));
        assert!(text(&short.stderr).contains("password"), "{}", text(&short.stderr));
        let wrong_role = cellpath(&db, &["user", "add", "--username", "p", "--role", "patient", "--password-stdin"], Some("a long password here\n"));
        assert_eq!(wrong_role.status.code(), Some(1));
        let token = cellpath(&db, &["token", "create", "--username", "chief"], None);
        assert!(token.status.success());
        assert_eq!(text(&token.stdout).trim().len(), 64);
        let nobody = cellpath(&db, &["token", "create", "--username", "nobody"], None);
        assert_eq!(nobody.status.code(), Some(1));
        let demo = cellpath(&db, &["demo"], None);
        assert_eq!(demo.status.code(), Some(1), "the demo never loads into a clinic's database");
    }

    async fn verify_audit_names_the_first_tampered_entry(backend: Backend) {
        let db = TestDb::new(&backend).await;
        let demo = cellpath(&db, &["demo"], None);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        assert!(text(&demo.stdout).contains("physician"));
        let intact = cellpath(&db, &["verify-audit"], None);
        assert_eq!(intact.status.code(), Some(0), "{}", text(&intact.stderr));
        assert!(text(&intact.stdout).contains("intact"));

        raw_sql(&db.url, "UPDATE audit_log SET after_state = '{\"phone\":\"changed\"}' WHERE seq = 40").await;
        let edited = cellpath(&db, &["verify-audit"], None);
        assert_eq!(edited.status.code(), Some(1));
        assert!(text(&edited.stderr).contains("entry 40 "), "{}", text(&edited.stderr));
    }

    async fn verify_audit_finds_deleted_and_reordered_entries(backend: Backend) {
        let db = TestDb::new(&backend).await;
        assert!(cellpath(&db, &["demo"], None).status.success());
        raw_sql(&db.url, "DELETE FROM audit_log WHERE seq = 25").await;
        let deleted = cellpath(&db, &["verify-audit"], None);
        assert_eq!(deleted.status.code(), Some(1));
        assert!(text(&deleted.stderr).contains("entry 25 is missing"), "{}", text(&deleted.stderr));

        let db = TestDb::new(&backend).await;
        assert!(cellpath(&db, &["demo"], None).status.success());
        raw_sql(&db.url, "UPDATE audit_log SET seq = 100000 WHERE seq = 30").await;
        raw_sql(&db.url, "UPDATE audit_log SET seq = 30 WHERE seq = 31").await;
        raw_sql(&db.url, "UPDATE audit_log SET seq = 31 WHERE seq = 100000").await;
        let reordered = cellpath(&db, &["verify-audit"], None);
        assert_eq!(reordered.status.code(), Some(1));
        assert!(text(&reordered.stderr).contains("entry 30 "), "{}", text(&reordered.stderr));
    }
}

/// `cellpath serve` on its own: it says where it listens, logs each request
/// with a request id but never a patient's name, id, number or search text,
/// and shuts down cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_logs_requests_without_patient_identifiers_and_stops_gracefully() {
    use std::io::BufRead;
    let db = TestDb::new(&Backend::Sqlite).await;
    assert!(cellpath(&db, &["demo"], None).status.success());
    let token = text(&cellpath(&db, &["token", "create", "--username", "nurse"], None).stdout)
        .trim()
        .to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("CELLPATH_DATABASE_URL", &db.url)
        .env_remove("CELLPATH_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let base = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|addr| format!("http://{addr}"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    let client = reqwest::Client::new();
    let found: serde_json::Value = client
        .get(format!("{base}/api/v1/patients"))
        .query(&[("q", "Okafor")])
        .bearer_auth(&token)
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    let patient = &found["items"][0];
    let id = patient["id"].as_str().expect("id").to_string();
    let record = patient["record_number"]
        .as_str()
        .expect("record")
        .to_string();
    let response = client
        .get(format!("{base}/api/v1/patients/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let _ = client
        .get(format!("{base}/patients?q=Okafor"))
        .send()
        .await
        .expect("page");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "a clean exit after SIGTERM: {:?}",
        output.status
    );
    let logs = text(&output.stderr);
    assert!(logs.contains("request_id"), "{logs}");
    assert!(
        logs.contains("/api/v1/patients/{id}"),
        "routes are logged as templates: {logs}"
    );
    for secret in [id.as_str(), record.as_str(), "Okafor", "Daniel", "+44 7700"] {
        assert!(!logs.contains(secret), "the log shows {secret:?}: {logs}");
    }
}
