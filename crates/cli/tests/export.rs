//! `cellpath export` on both engines: the demo clinic's resources as one
//! NDJSON file per type, each line a resource that the independent FHIR
//! validator passes; a later `--since` exports nothing; a bad date, an
//! unknown account and an account that may not read FHIR are refused.

use cellpath_test_support::{Backend, TestDb, both_backends};
use std::path::PathBuf;
use std::process::{Command, Output};

fn cellpath(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cellpath"))
        .args(args)
        .env("CELLPATH_DATABASE_URL", &db.url)
        .env("CELLPATH_LOG", "warn")
        .output()
        .expect("run cellpath")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// The validator and its Python, as `.ci/run` sets them up; missing, the
/// files are only parsed, unless `CI` is set.
fn validator() -> Option<(PathBuf, PathBuf)> {
    let script = std::env::var_os("CELLPATH_FHIR_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/fhir_validate.py")
        });
    let python = std::env::var_os("CELLPATH_FHIR_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/cellpath-fhir-venv/bin/python"))
        })?;
    let ready = script.is_file()
        && Command::new(&python)
            .args(["-c", "import fhir.resources, jsonschema"])
            .status()
            .is_ok_and(|s| s.success());
    if ready {
        return Some((python, script));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the FHIR validator is not set up (CI is set, so this is a failure)"
    );
    eprintln!("note: the FHIR validator is not set up; the export was only parsed");
    None
}

both_backends! {
    async fn the_demo_clinic_exports_as_ndjson_that_the_validator_passes(backend: Backend) {
        let db = TestDb::new(&backend).await;
        let demo = cellpath(&db, &["demo"]);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        let out = tempfile::tempdir().expect("temp dir");
        let dir = out.path().join("export");
        let dir_arg = dir.to_string_lossy().into_owned();

        let run = cellpath(&db, &["export", "--since", "2000-01-01", "--out", &dir_arg, "--user", "physician"]);
        assert!(run.status.success(), "{}", text(&run.stderr));
        let stdout = text(&run.stdout);
        let patients = std::fs::read_to_string(dir.join("Patient.ndjson")).expect("Patient.ndjson");
        let lines: Vec<serde_json::Value> = patients.lines().map(|l| serde_json::from_str(l).expect("one resource per line")).collect();
        assert_eq!(lines.len(), 20, "the demo's twenty patients");
        assert!(lines.iter().all(|p| p["resourceType"] == "Patient"));
        assert!(stdout.contains("Patient.ndjson 20"), "{stdout}");
        for name in ["Practitioner", "Location", "Condition", "Specimen", "BiologicallyDerivedProduct", "Procedure"] {
            assert!(dir.join(format!("{name}.ndjson")).is_file(), "{name}: {stdout}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "partial")).collect();
        assert!(leftovers.is_empty());
        if let Some((python, script)) = validator() {
            let checked = Command::new(python).arg(script).args(["-q", "--validators", "models,schema,invariants"]).arg(&dir).output().expect("validator");
            assert!(checked.status.success(), "{}{}", text(&checked.stdout), text(&checked.stderr));
            assert!(text(&checked.stdout).contains(" 0 failed"), "{}", text(&checked.stdout));
        }

        let later = out.path().join("later");
        let run = cellpath(&db, &["export", "--since", "2999-01-01", "--out", &later.to_string_lossy(), "--user", "physician"]);
        assert!(run.status.success(), "{}", text(&run.stderr));
        assert!(text(&run.stdout).contains("Nothing changed since 2999-01-01"));
        assert_eq!(std::fs::read_dir(&later).expect("dir").count(), 0);

        for (args, says) in [
            (vec!["--since", "yesterday", "--user", "physician"], "is not a date"),
            (vec!["--since", "2000-01-01", "--user", "nobody"], "no enabled account nobody"),
            (vec!["--since", "2000-01-01", "--user", "coordinator"], "may not read FHIR"),
        ] {
            let mut all = vec!["export", "--out", &dir_arg];
            all.extend(args);
            let run = cellpath(&db, &all);
            assert_eq!(run.status.code(), Some(1), "{all:?}");
            assert!(text(&run.stderr).contains(says), "{all:?}: {}", text(&run.stderr));
        }
    }
}
