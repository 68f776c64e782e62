//! The `/fhir` interface in the OpenAPI document: `metadata`, `POST /fhir`
//! (import), and one search and one read path per served type with that
//! type's own search parameters. It is built from `cellpath-fhir`'s tables
//! (`ResourceType::ALL`, `search::params_of`), the ones the
//! CapabilityStatement and the search itself read, so the document cannot
//! drift from what is served. Refusals are OperationOutcomes.

use cellpath_fhir::search::{COUNT_MAX, ParamKind, params_of};
use cellpath_fhir::{FHIR_JSON, ResourceType};
use serde_json::{Value, json};
use utoipa::openapi::path::PathItem;
use utoipa::openapi::schema::Schema;

/// The largest `_offset` the search takes.
const OFFSET_MAX: u64 = 1_000_000;

/// Adds the `/fhir` paths and their schemas to the document.
pub struct FhirPaths;

impl utoipa::Modify for FhirPaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in paths() {
            match serde_json::from_value::<PathItem>(item) {
                Ok(item) => {
                    openapi.paths.paths.insert(path, item);
                }
                Err(e) => tracing::error!(error = %e, "a FHIR path of the OpenAPI document"),
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in schemas() {
            match serde_json::from_value::<Schema>(schema) {
                Ok(schema) => {
                    components.schemas.insert(name.to_string(), schema.into());
                }
                Err(e) => tracing::error!(error = %e, "a FHIR schema of the OpenAPI document"),
            }
        }
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A response of `application/fhir+json` with the schema `name`.
fn fhir_response(description: &str, name: &str) -> Value {
    json!({ "description": description, "content": { FHIR_JSON: { "schema": schema_ref(name) } } })
}

/// A FHIR logical id.
fn fhir_id() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$" })
}

fn refusal(description: &str) -> Value {
    fhir_response(description, "OperationOutcome")
}

/// The schema of a search parameter's value, as the server parses it.
fn param_schema(kind: ParamKind) -> Value {
    match kind {
        // A comma-separated list; empty items are skipped.
        ParamKind::Id | ParamKind::Identifier | ParamKind::Status => {
            json!({ "type": "string", "minLength": 1 })
        }
        // `ID`, `Patient/ID` or a URL ending in `/Patient/ID`.
        ParamKind::Patient => json!({
            "type": "string",
            "pattern": "^(([^,]*/)?Patient/)?[A-Za-z0-9.-]{1,64}$",
        }),
        // A day (the server also takes a year, a month or an instant, each
        // with a prefix eq, ne, gt, lt, ge or le).
        ParamKind::Date | ParamKind::LastUpdated => json!({ "type": "string", "format": "date" }),
    }
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn search_operation(resource_type: ResourceType) -> Value {
    let name = resource_type.name();
    let mut parameters: Vec<Value> = params_of(resource_type)
        .iter()
        .map(|def| {
            query_param(
                def.name,
                &format!("FHIR search parameter of type {}", def.kind.fhir_type()),
                param_schema(def.kind),
            )
        })
        .collect();
    parameters.push(query_param(
        "_count",
        "Page size",
        json!({ "type": "integer", "minimum": 1, "maximum": COUNT_MAX }),
    ));
    parameters.push(query_param(
        "_offset",
        "Matches to skip (the paging links carry it)",
        json!({ "type": "integer", "minimum": 0, "maximum": OFFSET_MAX }),
    ));
    parameters.push(query_param(
        "_summary",
        "`count`: the total only",
        json!({ "type": "string", "enum": ["count", "false"] }),
    ));
    json!({
        "tags": ["fhir"],
        "summary": format!("Search {name} resources"),
        "operationId": format!("fhir_search_{name}"),
        "description": "A searchset Bundle of what the token's account may read; every parameter not listed is refused.",
        "parameters": parameters,
        "security": [{ "bearer": [] }],
        "responses": {
            "200": fhir_response("A searchset Bundle", "FhirSearchset"),
            "400": refusal("A parameter that is unknown, repeated or has a bad value, named in `expression`"),
            "401": refusal("No valid bearer token"),
            "403": refusal("The account may not read FHIR resources"),
        },
    })
}

fn read_operation(resource_type: ResourceType) -> Value {
    let name = resource_type.name();
    json!({
        "tags": ["fhir"],
        "summary": format!("Read a {name}"),
        "operationId": format!("fhir_read_{name}"),
        "parameters": [{
            "name": "id", "in": "path", "required": true,
            "description": "The resource's logical id",
            "schema": { "type": "string" },
        }],
        "security": [{ "bearer": [] }],
        "responses": {
            "200": { "description": format!("The {name}"), "content": { FHIR_JSON: { "schema": {
                "type": "object",
                "description": "A FHIR R4 resource (validated against the R4 schema in the test suite)",
                "required": ["resourceType", "id"],
                "properties": { "resourceType": { "type": "string", "enum": [name] }, "id": fhir_id() },
            } } } },
            "401": refusal("No valid bearer token"),
            "403": refusal("The account may not read FHIR resources"),
            "404": refusal("No such resource within the account's reach"),
        },
    })
}

fn paths() -> Vec<(String, Value)> {
    let mut paths = vec![
        (
            "/fhir/metadata".to_string(),
            json!({ "get": {
                "tags": ["fhir"],
                "summary": "The CapabilityStatement: what this server supports",
                "operationId": "fhir_metadata",
                "responses": { "200": fhir_response("The CapabilityStatement", "FhirCapabilityStatement") },
            } }),
        ),
        (
            "/fhir".to_string(),
            json!({ "post": {
                "tags": ["fhir"],
                "summary": "Import a transaction, batch or collection Bundle of another system's patients",
                "operationId": "fhir_import",
                "description": "Each Patient with its Conditions, MedicationStatements and MedicationRequests and AllergyIntolerances, and the Organizations and Practitioners it mentions; other resources are answered with a warning. A Bundle with an invalid entry is refused whole.",
                "parameters": [query_param(
                    "site",
                    "The site to register at (default: the caller's first site)",
                    json!({ "type": "string", "format": "uuid" }),
                )],
                "requestBody": { "required": true, "content": { FHIR_JSON: { "schema": schema_ref("FhirImportBundle") } } },
                "security": [{ "bearer": [] }],
                "responses": {
                    "200": fhir_response("A transaction-response Bundle, one entry per entry sent", "FhirTransactionResponse"),
                    "400": refusal("Not JSON, or no site to register at"),
                    "401": refusal("No valid bearer token"),
                    "403": refusal("The account may not import"),
                    "404": refusal("No such site within the account's reach"),
                    "413": { "description": "Larger than 16 MiB" },
                    "422": refusal("An invalid entry: each problem's element in `expression`"),
                },
            } }),
        ),
    ];
    for resource_type in ResourceType::ALL {
        let name = resource_type.name();
        paths.push((
            format!("/fhir/{name}"),
            json!({ "get": search_operation(resource_type) }),
        ));
        paths.push((
            format!("/fhir/{name}/{{id}}"),
            json!({ "get": read_operation(resource_type) }),
        ));
    }
    paths
}

fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "OperationOutcome",
            json!({
                "type": "object",
                "required": ["resourceType", "issue"],
                "properties": {
                    "resourceType": { "type": "string", "enum": ["OperationOutcome"] },
                    "issue": { "type": "array", "minItems": 1, "items": {
                        "type": "object",
                        "required": ["severity", "code"],
                        "properties": {
                            "severity": { "type": "string", "enum": ["fatal", "error", "warning", "information"] },
                            "code": { "type": "string" },
                            "details": { "type": "object", "properties": { "text": { "type": "string" } } },
                            "expression": { "type": "array", "items": { "type": "string" } },
                        },
                    } },
                },
            }),
        ),
        (
            "FhirResource",
            json!({
                "type": "object",
                "description": "A FHIR R4 resource (validated against the R4 schema in the test suite)",
                "required": ["resourceType", "id"],
                "properties": {
                    "resourceType": { "type": "string" },
                    "id": fhir_id(),
                },
            }),
        ),
        (
            "FhirSearchset",
            json!({
                "type": "object",
                "required": ["resourceType", "type", "total"],
                "properties": {
                    "resourceType": { "type": "string", "enum": ["Bundle"] },
                    "type": { "type": "string", "enum": ["searchset"] },
                    "total": { "type": "integer", "minimum": 0 },
                    "link": { "type": "array", "items": {
                        "type": "object",
                        "required": ["relation", "url"],
                        "properties": { "relation": { "type": "string" }, "url": { "type": "string" } },
                    } },
                    "entry": { "type": "array", "items": {
                        "type": "object",
                        "required": ["fullUrl", "resource"],
                        "properties": {
                            "fullUrl": { "type": "string" },
                            "resource": schema_ref("FhirResource"),
                            "search": { "type": "object" },
                        },
                    } },
                },
            }),
        ),
        (
            "FhirCapabilityStatement",
            json!({
                "type": "object",
                "required": ["resourceType", "fhirVersion", "rest"],
                "properties": {
                    "resourceType": { "type": "string", "enum": ["CapabilityStatement"] },
                    "fhirVersion": { "type": "string", "enum": ["4.0.1"] },
                    "rest": { "type": "array" },
                },
            }),
        ),
        (
            "FhirImportBundle",
            json!({
                "type": "object",
                "required": ["resourceType", "type", "entry"],
                "properties": {
                    "resourceType": { "type": "string", "enum": ["Bundle"] },
                    "type": { "type": "string", "enum": ["transaction", "batch", "collection"] },
                    "entry": { "type": "array", "items": {
                        "type": "object",
                        "required": ["resource"],
                        "properties": {
                            "fullUrl": { "type": "string" },
                            "resource": {
                                "type": "object",
                                "required": ["resourceType"],
                                "properties": { "resourceType": { "type": "string" } },
                            },
                        },
                    } },
                },
            }),
        ),
        (
            "FhirTransactionResponse",
            json!({
                "type": "object",
                "required": ["resourceType", "type", "entry"],
                "properties": {
                    "resourceType": { "type": "string", "enum": ["Bundle"] },
                    "type": { "type": "string", "enum": ["transaction-response"] },
                    "entry": { "type": "array", "items": {
                        "type": "object",
                        "required": ["response"],
                        "properties": { "response": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {
                                "status": { "type": "string" },
                                "outcome": schema_ref("OperationOutcome"),
                            },
                        } },
                    } },
                },
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is written here is what the document serves: nothing is lost
    /// on the way through utoipa's types.
    #[test]
    fn every_path_and_schema_survives_the_openapi_types() {
        for (path, item) in paths() {
            let parsed: PathItem = serde_json::from_value(item.clone()).expect(&path);
            assert_eq!(serde_json::to_value(parsed).expect("json"), item, "{path}");
        }
        for (name, schema) in schemas() {
            let parsed: Schema = serde_json::from_value(schema.clone()).expect(name);
            assert_eq!(
                serde_json::to_value(parsed).expect("json"),
                schema,
                "{name}"
            );
        }
    }
}
