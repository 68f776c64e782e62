//! `cellpath backup` and `cellpath restore` with the real binary: the demo
//! clinic's FHIR export is the same byte for byte after a round trip, the
//! restored audit trail chains, a backup is taken while the server runs and
//! a restore under a running server is refused, a database that holds
//! records is replaced only with `--force`, and a file that is not a
//! Cellpath database, or whose audit trail was edited, is refused with the
//! target untouched. On PostgreSQL both commands point at pg_dump and
//! pg_restore, and the README's pg_dump round trip is checked the same way.

use cellpath_test_support::{Backend, TestDb};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cellpath(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        .env("CELLPATH_DATABASE_URL", url)
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run cellpath")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn succeeds(url: &str, args: &[&str]) -> String {
    let run = cellpath(url, args);
    assert!(run.status.success(), "{args:?}: {}", text(&run.stderr));
    text(&run.stdout)
}

/// Runs `args` expecting exit 1 with `says` on stderr.
fn refused(url: &str, args: &[&str], says: &str) {
    let run = cellpath(url, args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{args:?}: {}",
        text(&run.stdout)
    );
    assert!(
        text(&run.stderr).contains(says),
        "{args:?}: {}",
        text(&run.stderr)
    );
}

/// The export of everything since 2000 as the physician sees it: each
/// file's name and bytes.
fn export(url: &str, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    succeeds(
        url,
        &[
            "export",
            "--since",
            "2000-01-01",
            "--out",
            &dir.to_string_lossy(),
            "--user",
            "physician",
        ],
    );
    let files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir)
        .expect("export dir")
        .map(|entry| {
            let entry = entry.expect("entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).expect("read"),
            )
        })
        .collect();
    assert!(files.len() >= 6, "{:?}", files.keys());
    assert!(files.values().all(|bytes| !bytes.is_empty()));
    files
}

fn assert_same_export(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in before {
        assert!(after[name] == *bytes, "{name} differs after the round trip");
    }
}

fn audit_entries(url: &str) -> String {
    let out = succeeds(url, &["verify-audit"]);
    assert!(out.contains("The audit trail is intact"), "{out}");
    out
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Serves `url` in the background; returns when it listens.
fn start_server(url: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("CELLPATH_DATABASE_URL", url)
        .env("CELLPATH_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read");
    assert!(line.contains("Cellpath is running at"), "{line}");
    child
}

#[test]
fn a_backup_restored_exports_the_same_and_its_audit_trail_chains() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = sqlite_url(&dir.path().join("clinic.db"));
    succeeds(&original, &["demo"]);
    let before = export(&original, &dir.path().join("before"));
    let original_audit = audit_entries(&original);

    // Online: the server is running, and stays up, while the copy is taken.
    let mut server = start_server(&original);
    let backup = dir.path().join("clinic.backup");
    let backup_arg = backup.to_string_lossy().into_owned();
    let said = succeeds(&original, &["backup", "--out", &backup_arg]);
    assert!(said.contains("Backed up the database to"), "{said}");
    assert!(!dir.path().join("clinic.backup.partial").exists());
    // A restore under the running server is refused, and changes nothing.
    refused(
        &original,
        &["restore", "--from", &backup_arg, "--force"],
        "in use: stop the server first",
    );
    server.kill().expect("stop the server");
    server.wait().expect("server exit");
    refused(&original, &["backup", "--out", &backup_arg], "exists");

    let restored = sqlite_url(&dir.path().join("restored.db"));
    let said = succeeds(&restored, &["restore", "--from", &backup_arg]);
    assert!(said.contains("the chain intact"), "{said}");
    assert!(!dir.path().join("restored.db.restoring").exists());
    assert_eq!(audit_entries(&restored), original_audit);
    let after = export(&restored, &dir.path().join("after"));
    assert_same_export(&before, &after);

    // The restored database now holds records: replaced only with --force.
    refused(
        &restored,
        &["restore", "--from", &backup_arg],
        "restore with --force",
    );
    let said = succeeds(&restored, &["restore", "--from", &backup_arg, "--force"]);
    assert!(said.contains("the chain intact"), "{said}");
    let again = export(&restored, &dir.path().join("again"));
    assert_same_export(&before, &again);
}

#[test]
fn files_that_are_not_good_backups_are_refused_and_the_target_is_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = sqlite_url(&dir.path().join("clinic.db"));
    succeeds(&original, &["demo"]);
    let backup = dir.path().join("clinic.backup");
    succeeds(&original, &["backup", "--out", &backup.to_string_lossy()]);
    let target_path = dir.path().join("target.db");
    let target = sqlite_url(&target_path);
    refused(
        &target,
        &[
            "backup",
            "--out",
            &dir.path().join("none.backup").to_string_lossy(),
        ],
        "there is no database",
    );

    let not_sqlite = dir.path().join("notes.txt");
    std::fs::write(
        &not_sqlite,
        "not a database, but long enough to look like one? no.\n".repeat(200),
    )
    .expect("write");
    refused(
        &target,
        &["restore", "--from", &not_sqlite.to_string_lossy()],
        "not a Cellpath database",
    );
    refused(
        &target,
        &[
            "restore",
            "--from",
            &dir.path().join("missing").to_string_lossy(),
        ],
        "is not a file",
    );

    // A SQLite database of another program.
    let other = dir.path().join("other.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&other)
            .create_if_missing(true)
            .connect()
            .await
            .expect("open");
        sqlx::query("CREATE TABLE notes (body TEXT)")
            .execute(&mut conn)
            .await
            .expect("create");
        conn.close().await.expect("close");
    });
    refused(
        &target,
        &["restore", "--from", &other.to_string_lossy()],
        "not a Cellpath database",
    );

    // A backup whose audit trail was edited after it was taken.
    let edited = dir.path().join("edited.backup");
    std::fs::copy(&backup, &edited).expect("copy");
    runtime.block_on(async {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&edited)
            .connect()
            .await
            .expect("open");
        let changed = sqlx::query("UPDATE audit_log SET username = 'someone-else' WHERE seq = 2")
            .execute(&mut conn)
            .await
            .expect("edit");
        assert_eq!(changed.rows_affected(), 1);
        conn.close().await.expect("close");
    });
    refused(
        &target,
        &["restore", "--from", &edited.to_string_lossy()],
        "audit trail is broken: entry 2",
    );

    assert!(
        !target_path.exists(),
        "a refused restore created the target"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The good backup still goes in, and the failed attempts left nothing behind.
    succeeds(&target, &["restore", "--from", &backup.to_string_lossy()]);
    audit_entries(&target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_is_backed_up_with_its_own_tools() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let db = TestDb::new(&backend).await;
    succeeds(&db.url, &["demo"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("cellpath.dump");
    let dump_arg = dump.to_string_lossy().into_owned();
    refused(&db.url, &["backup", "--out", &dump_arg], "pg_dump -Fc");
    refused(&db.url, &["restore", "--from", &dump_arg], "pg_restore");
    assert!(!dump.exists());

    // The README's commands.
    let before = export(&db.url, &dir.path().join("before"));
    let dumped = Command::new("pg_dump")
        .args(["-Fc", "-f", &dump_arg, &db.url])
        .output()
        .expect("pg_dump");
    assert!(dumped.status.success(), "{}", text(&dumped.stderr));
    let restored = TestDb::new(&backend).await;
    let loaded = Command::new("pg_restore")
        .args(["--no-owner", "-d", &restored.url, &dump_arg])
        .output()
        .expect("pg_restore");
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    assert_eq!(audit_entries(&restored.url), audit_entries(&db.url));
    let after = export(&restored.url, &dir.path().join("after"));
    assert_same_export(&before, &after);
}
