//! FHIR import through the use case, on both engines: the ten Synthea
//! Bundles in `shared/data/fhir/synthea` give exactly the patients,
//! conditions, medications, allergies and relevant results they hold (counted here with
//! serde_json alone), the Organizations and Practitioners shared across
//! Bundles once each, and what is not kept reported by type; importing them
//! again makes nothing new.

use cellpath_domain::Role;
use cellpath_domain::intake::IntakeKind;
use cellpath_fhir::import::read_bundle;
use cellpath_test_support::{Backend, Clinic, both_backends, synthea_dir};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The Synthea Bundles, parsed, by file name.
fn synthea() -> Option<Vec<(String, Value)>> {
    let dir = synthea_dir()?;
    let entries = std::fs::read_dir(&dir).expect("read the Synthea directory");
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|f| {
                let text = std::fs::read(f).expect("read");
                (
                    f.file_name()
                        .expect("a value")
                        .to_string_lossy()
                        .into_owned(),
                    serde_json::from_slice(&text).expect("json"),
                )
            })
            .collect(),
    )
}

/// What the Bundles hold, counted straight from their JSON.
struct Expected {
    patients: usize,
    by_type: BTreeMap<String, usize>,
    directory: BTreeMap<String, BTreeSet<String>>,
    /// Observations that are results Cellpath keeps: these LOINC codes,
    /// with a value and a date.
    results: usize,
}

/// Platelets, haemoglobin, white cells, INR, HbA1c, weight, height, BMI,
/// temperature and the pain score.
const KEPT_LOINC: [&str; 14] = [
    "777-3", "26515-7", "718-7", "6690-2", "26464-8", "6301-6", "34714-6", "4548-4", "29463-7",
    "8302-2", "39156-5", "8310-5", "8331-1", "72514-3",
];

fn is_kept_result(resource: &Value) -> bool {
    let loinc = resource["code"]["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| {
            c["system"] == "http://loinc.org"
                && KEPT_LOINC.contains(&c["code"].as_str().unwrap_or(""))
        });
    let valued =
        resource["valueQuantity"]["value"].is_number() || resource["valueString"].is_string();
    let dated = resource["effectiveDateTime"].is_string()
        || resource["effectivePeriod"]["start"].is_string()
        || resource["issued"].is_string();
    loinc && valued && dated
}

fn expected(bundles: &[(String, Value)]) -> Expected {
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let mut directory: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut results = 0;
    for (_, bundle) in bundles {
        for entry in bundle["entry"].as_array().expect("entries") {
            let resource = &entry["resource"];
            let kind = resource["resourceType"].as_str().expect("type").to_string();
            if kind == "Organization" || kind == "Practitioner" {
                let id = &resource["identifier"][0];
                directory
                    .entry(kind.clone())
                    .or_default()
                    .insert(format!("{}|{}", id["system"], id["value"]));
            }
            if kind == "Observation" && is_kept_result(resource) {
                results += 1;
            }
            *by_type.entry(kind).or_default() += 1;
        }
    }
    Expected {
        patients: by_type.get("Patient").copied().unwrap_or_default(),
        by_type,
        directory,
        results,
    }
}

both_backends! {
    async fn the_synthea_bundles_import_once_with_every_count_accounted_for(backend: Backend) {
        let Some(bundles) = synthea() else { return };
        assert_eq!(bundles.len(), 10, "the ten Synthea Bundles");
        let expected = expected(&bundles);
        let clinic = Clinic::new(&backend).await;
        let app = &clinic.app;
        let today = app.now().date_naive();
        let mut created: BTreeMap<String, u32> = BTreeMap::new();
        let mut existing: BTreeMap<String, u32> = BTreeMap::new();
        let mut unmapped: BTreeMap<String, u32> = BTreeMap::new();
        for (name, bundle) in &bundles {
            let import = read_bundle(bundle, today).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let report = app.import_fhir(None, clinic.site, &import).await.expect("import");
            for (mine, theirs) in [(&mut created, &report.created), (&mut existing, &report.existing), (&mut unmapped, &report.unmapped)] {
                for (k, v) in theirs {
                    *mine.entry(k.clone()).or_default() += v;
                }
            }
        }
        let n = |kind: &str| u32::try_from(expected.by_type.get(kind).copied().unwrap_or_default()).expect("count");
        assert_eq!(created.get("Patient").copied(), Some(n("Patient")));
        assert_eq!(created.get("Condition").copied().unwrap_or_default(), n("Condition"));
        assert_eq!(created.get("Medication").copied().unwrap_or_default(), n("MedicationRequest") + n("MedicationStatement"));
        assert_eq!(created.get("AllergyIntolerance").copied().unwrap_or_default(), n("AllergyIntolerance"));
        for kind in ["Organization", "Practitioner"] {
            let unique = u32::try_from(expected.directory[kind].len()).expect("count");
            assert_eq!(created.get(kind).copied(), Some(unique), "{kind} once each");
            assert_eq!(existing.get(kind).copied().unwrap_or_default(), n(kind) - unique, "{kind} shared across Bundles");
        }
        let results = u32::try_from(expected.results).expect("count");
        assert!(results > 400, "the Bundles hold vital signs and blood counts: {results}");
        assert_eq!(created.get("Observation").copied().unwrap_or_default(), results, "results kept");
        assert_eq!(unmapped.get("Observation").copied().unwrap_or_default(), n("Observation") - results, "other Observations reported");
        for kind in ["Encounter", "Claim", "Immunization", "Procedure"] {
            assert_eq!(unmapped.get(kind).copied().unwrap_or_default(), n(kind), "{kind} reported as not kept");
        }
        // Everything the Bundles hold is either kept or reported.
        let kept: u32 = created.values().sum::<u32>() + existing.values().sum::<u32>();
        let reported: u32 = unmapped.values().sum();
        assert_eq!(usize::try_from(kept + reported).expect("count"), expected.by_type.values().sum::<usize>());

        // The patients are at the site with their lists.
        let nurse = clinic.actor(Role::Nurse);
        let found = app.search_patients(nurse, "", 100, 0).await.expect("search");
        assert_eq!(found.patients.len(), expected.patients);
        let mut conditions = 0;
        for patient in &found.patients {
            conditions += app.intake_list(nurse, patient.id, IntakeKind::Condition).await.expect("list").len();
        }
        assert_eq!(conditions, expected.by_type["Condition"]);
        let mut kept_results = Vec::new();
        for patient in &found.patients {
            kept_results.extend(app.intake_list(nurse, patient.id, IntakeKind::Result).await.expect("list"));
        }
        assert_eq!(kept_results.len(), expected.results);
        let platelets = kept_results.iter().find_map(|e| match &e.item {
            cellpath_domain::intake::IntakeItem::Result { kind: cellpath_domain::intake::ResultKind::Platelets, value, .. } => Some(value.clone()),
            _ => None,
        });
        assert!(platelets.as_deref().is_some_and(|v| v.ends_with("10*3/uL")), "a platelet count with its unit: {platelets:?}");

        // Again: nothing new.
        let mut again: BTreeMap<String, u32> = BTreeMap::new();
        for (_, bundle) in &bundles {
            let import = read_bundle(bundle, today).expect("valid");
            let report = app.import_fhir(None, clinic.site, &import).await.expect("import");
            assert!(report.created.is_empty(), "{:?}", report.created);
            for (k, v) in &report.existing {
                *again.entry(k.clone()).or_default() += v;
            }
        }
        assert_eq!(again.get("Patient").copied(), Some(n("Patient")));
        assert_eq!(again.get("Condition").copied().unwrap_or_default(), n("Condition"));
        assert_eq!(app.search_patients(nurse, "", 100, 0).await.expect("search").patients.len(), expected.patients);
        assert!(app.verify_audit().await.expect("verify").is_ok(), "the audit chain holds");

        // A lab technician may not import; a nurse only at her own sites.
        let import = read_bundle(&bundles[0].1, today).expect("valid");
        assert!(matches!(app.import_fhir(Some(clinic.actor(Role::LabTech)), clinic.site, &import).await, Err(cellpath_app::AppError::Forbidden(_))));
        assert!(matches!(app.import_fhir(Some(nurse), clinic.other_site, &import).await, Err(cellpath_app::AppError::NotFound)));
    }
}
