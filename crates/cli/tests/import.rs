//! `cellpath import` on both engines: a directory of Synthea Bundles into
//! the demo clinic's site, the report on standard output, and a second run
//! that finds everything there already; a Bundle that is not valid is
//! refused with the element at fault and the command exits 1.

use cellpath_test_support::{Backend, TestDb, both_backends, synthea_dir};
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

both_backends! {
    async fn a_directory_of_bundles_imports_once_and_a_bad_bundle_is_named(backend: Backend) {
        let Some(dir) = synthea_dir() else { return };
        let db = TestDb::new(&backend).await;
        let demo = cellpath(&db, &["demo"]);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        let dir = dir.to_string_lossy().into_owned();

        let first = cellpath(&db, &["import", &dir, "--site", "DEMO"]);
        assert!(first.status.success(), "{}", text(&first.stderr));
        let out = text(&first.stdout);
        assert!(out.contains("Imported 10 bundles"), "{out}");
        assert!(out.contains("Made: AllergyIntolerance 23, Condition 118, Medication 86"), "{out}");
        assert!(out.contains("Patient 10"), "{out}");
        assert!(out.contains("Not kept (resources): "), "{out}");
        assert!(out.contains("Encounter 314"), "{out}");

        let second = cellpath(&db, &["import", &dir, "--site", "DEMO"]);
        assert!(second.status.success(), "{}", text(&second.stderr));
        let out = text(&second.stdout);
        assert!(out.contains("Made: none"), "{out}");
        assert!(out.contains("Patient 10"), "{out}");

        let bad = tempfile::tempdir().expect("temp dir");
        let file = bad.path().join("bad.json");
        std::fs::write(&file, r#"{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","identifier":[{"system":"s","value":"v"}],"name":[{"given":["A"],"family":"B"}],"gender":"female","birthDate":"2999-01-01"}}]}"#).expect("write");
        let refused = cellpath(&db, &["import", &file.to_string_lossy(), "--site", "DEMO"]);
        assert_eq!(refused.status.code(), Some(1));
        let err = text(&refused.stderr);
        assert!(err.contains("Bundle.entry[0].resource.birthDate"), "{err}");
        let unknown = cellpath(&db, &["import", &dir, "--site", "NOPE"]);
        assert_eq!(unknown.status.code(), Some(1));
        assert!(text(&unknown.stderr).contains("no site with the code NOPE"));
    }
}
