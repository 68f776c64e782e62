//! The CapabilityStatement (`/fhir/metadata`), built from the same tables
//! search uses, so it lists exactly what the server supports.

use crate::search::params_of;
use crate::{FHIR_JSON, FHIR_VERSION, ResourceType};
use serde_json::{Value, json};

/// The date this statement last changed in substance.
const PUBLISHED: &str = "2026-11-26";

/// The server's CapabilityStatement; `base` is its `/fhir` URL and
/// `version` the software's.
pub fn capability_statement(base: &str, version: &str) -> Value {
    let resources: Vec<Value> = ResourceType::ALL
        .into_iter()
        .map(|resource_type| {
            let params: Vec<Value> = params_of(resource_type)
                .iter()
                .map(|param| json!({ "name": param.name, "type": param.kind.fhir_type() }))
                .collect();
            json!({
                "type": resource_type.name(),
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "versioning": "no-version",
                "readHistory": false,
                "updateCreate": false,
                "searchParam": params,
            })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "kind": "instance",
        "software": { "name": "Cellpath", "version": version },
        "implementation": { "description": "Cellpath", "url": base },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "security": {
                "cors": false,
                "description": "Authorization: Bearer TOKEN (cellpath token create). A token acts with its user's role and sites; a patient's token reaches only that patient.",
            },
            "resource": resources,
            // POST /fhir: a transaction or batch Bundle of patients with
            // their conditions, medications and allergies (`import`).
            "interaction": [{
                "code": "transaction",
                "documentation": "Patients with Condition, MedicationStatement, MedicationRequest and AllergyIntolerance; Organization and Practitioner kept as directory entries; other resources reported as not kept.",
            }, {
                "code": "batch",
                "documentation": "As transaction: the Bundle is imported whole or refused whole.",
            }],
        }],
    })
}
