//! The FHIR Bundle import: bytes as `POST /fhir` and `cellpath import` read
//! them (serde_json, then `read_bundle`). Nothing may panic; a Bundle that
//! is read keeps no more resources than it has entries, and a refused one
//! says where.
#![no_main]

use cellpath_fhir::import::read_bundle;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let entries = json
        .get("entry")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    match read_bundle(&json, today) {
        Ok(import) => {
            let kept: u32 = import.mapped_counts().values().sum();
            let unmapped: u32 = import.unmapped.values().sum();
            assert!(kept as usize + unmapped as usize <= entries);
            assert!(import.patients.len() <= entries);
        }
        Err(issues) => {
            assert!(!issues.is_empty());
            assert!(issues.iter().all(|i| i.expression.starts_with("Bundle.")));
        }
    }
});
