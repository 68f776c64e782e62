//! `cellpath schedule` as the benchmark kit drives it: solve an instance
//! file, check a solution (exit 0 valid, 1 broken rule, 2 unreadable), all
//! without a database.

use std::path::Path;
use std::process::{Command, Output};

/// Three sessions of the spec's shape on a small clinic.
const INSTANCE: &str = r#"{
  "format": "cellpath-schedule/1",
  "horizon": 720,
  "resources": [
    {"id": "room-1", "kind": "procedure_room", "unavailable": [[300, 330]]},
    {"id": "room-2", "kind": "procedure_room"},
    {"id": "dr-a", "kind": "physician", "unavailable": [[0, 60], [300, 360]]},
    {"id": "dr-b", "kind": "physician", "unavailable": []},
    {"id": "rn-1", "kind": "nurse", "unavailable": []},
    {"id": "cf-1", "kind": "centrifuge", "unavailable": []},
    {"id": "lab-1", "kind": "lab_tech", "unavailable": [[0, 30]]},
    {"id": "us-1", "kind": "ultrasound", "unavailable": []},
    {"id": "bay-1", "kind": "recovery_bay", "unavailable": []}
  ],
  "jobs": [
    {"id": "S-0001", "release": 0, "due": 600,
     "tasks": [
       {"id": "harvest", "duration": 40, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]},
         {"key": "nurse", "one_of": ["rn-1"]}]},
       {"id": "process", "duration": 45, "needs": [
         {"key": "centrifuge", "one_of": ["cf-1"]},
         {"key": "tech", "one_of": ["lab-1"]}]},
       {"id": "inject", "duration": 20, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]},
         {"key": "imaging", "one_of": ["us-1"]}]},
       {"id": "monitor", "duration": 30, "needs": [
         {"key": "bay", "one_of": ["bay-1"]}]}],
     "lags": [
       {"from": "harvest", "to": "process", "min": 0, "max": 30},
       {"from": "process", "to": "inject", "min": 0, "max": 60},
       {"from": "inject", "to": "monitor", "min": 0, "max": 10}],
     "same": ["physician"]},
    {"id": "S-0002", "release": 0, "due": 720,
     "tasks": [
       {"id": "harvest", "duration": 30, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a"]},
         {"key": "nurse", "one_of": ["rn-1"]}]},
       {"id": "process", "duration": 30, "needs": [
         {"key": "centrifuge", "one_of": ["cf-1"]},
         {"key": "tech", "one_of": ["lab-1"]}]},
       {"id": "inject", "duration": 15, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a"]},
         {"key": "imaging", "one_of": ["us-1"]}]},
       {"id": "monitor", "duration": 30, "needs": [
         {"key": "bay", "one_of": ["bay-1"]}]}],
     "lags": [
       {"from": "harvest", "to": "process", "min": 0, "max": 30},
       {"from": "process", "to": "inject", "min": 0, "max": 60},
       {"from": "inject", "to": "monitor", "min": 0, "max": 10}],
     "same": ["physician"]},
    {"id": "S-0003", "release": 300, "due": 720,
     "tasks": [
       {"id": "prepare", "duration": 15, "needs": [
         {"key": "tech", "one_of": ["lab-1"]}]},
       {"id": "inject", "duration": 25, "needs": [
         {"key": "room", "one_of": ["room-1", "room-2"]},
         {"key": "physician", "one_of": ["dr-a", "dr-b"]},
         {"key": "imaging", "one_of": ["us-1"]}]},
       {"id": "monitor", "duration": 30, "needs": [
         {"key": "bay", "one_of": ["bay-1"]}]}],
     "lags": [
       {"from": "prepare", "to": "inject", "min": 0, "max": 60},
       {"from": "inject", "to": "monitor", "min": 0, "max": 10}],
     "same": ["physician"]}
  ]
}"#;

fn cellpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        // Proves the command never opens the database: this URL cannot work.
        .env(
            "CELLPATH_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run cellpath")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Solves the instance into `dir/solution.json` and returns that path.
fn solve_into(dir: &Path) -> std::path::PathBuf {
    let instance = dir.join("instance.json");
    std::fs::write(&instance, INSTANCE).expect("write instance");
    let solution = dir.join("solution.json");
    let out = cellpath(&[
        "schedule",
        "--in",
        path(&instance),
        "--out",
        path(&solution),
        "--time-limit",
        "1",
        "--seed",
        "7",
    ]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    solution
}

#[test]
fn solves_an_instance_and_check_accepts_the_solution() {
    let dir = tempfile::tempdir().expect("dir");
    let solution = solve_into(dir.path());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&solution).expect("read")).expect("json");
    assert_eq!(written["format"], "cellpath-schedule-solution/1");
    assert_eq!(
        written["unscheduled"].as_array().map(Vec::len),
        Some(0),
        "{written}"
    );
    let instance = dir.path().join("instance.json");
    let out = cellpath(&["schedule", "--check", path(&instance), path(&solution)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.trim_end().ends_with("valid=true"), "{stdout}");
    assert!(stdout.contains("unscheduled=0"), "{stdout}");
}

#[test]
fn check_rejects_a_broken_solution_and_names_the_rule() {
    let dir = tempfile::tempdir().expect("dir");
    let solution = solve_into(dir.path());
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&solution).expect("read")).expect("json");
    // Monitoring an hour after the injection breaks its lag (max 10): rule 5.
    let assignments = value["assignments"].as_array_mut().expect("assignments");
    let monitor = assignments
        .iter_mut()
        .find(|a| a["job"] == "S-0001" && a["task"] == "monitor")
        .expect("S-0001/monitor");
    let start = monitor["start"].as_i64().expect("start");
    monitor["start"] = (start + 60).into();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, value.to_string()).expect("write");
    let instance = dir.path().join("instance.json");
    let out = cellpath(&["schedule", "--check", path(&instance), path(&broken)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[rule 5] S-0001"), "{stdout}");
    assert!(stdout.trim_end().ends_with("valid=false"), "{stdout}");
}

#[test]
fn unreadable_files_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    let instance = dir.path().join("instance.json");
    std::fs::write(&instance, INSTANCE).expect("write");
    let garbage = dir.path().join("garbage.json");
    std::fs::write(
        &garbage,
        "{\"format\": \"cellpath-schedule-solution/1\", \"assignments\": 3}",
    )
    .expect("write");
    let missing = dir.path().join("missing.json");

    let out = cellpath(&["schedule", "--check", path(&instance), path(&garbage)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("assignments"),
        "{}",
        text(&out.stdout)
    );

    let out = cellpath(&["schedule", "--check", path(&missing), path(&garbage)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));

    let out = cellpath(&["schedule", "--in", path(&garbage), "--out", path(&missing)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!missing.exists());
}
