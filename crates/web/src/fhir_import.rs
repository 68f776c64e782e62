//! `POST /fhir`: a transaction (or batch) Bundle of another system's
//! patients, imported at the caller's site: each Patient with its
//! Conditions, medications and AllergyIntolerances, and the Organizations
//! and Practitioners it mentions. The answer is a `transaction-response`
//! Bundle with one entry per entry sent: `200 OK` for what Cellpath keeps
//! (made now or found from an earlier import), and for what it does not
//! keep a warning OperationOutcome in `response.outcome`. A Bundle with
//! any invalid entry is refused whole: an OperationOutcome naming each
//! problem's element in `expression`, nothing imported.

use crate::AppState;
use crate::fhir::FhirActor;
use crate::i18n::{issue_key, tr};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use cellpath_app::AppError;
use cellpath_domain::{IssueCode, Locale, SiteId};
use cellpath_fhir::FHIR_JSON;
use cellpath_fhir::import::read_bundle;
use serde_json::{Value, json};

/// The resource types an import keeps.
const KEPT: [&str; 7] = [
    "Patient",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "AllergyIntolerance",
    "Organization",
    "Practitioner",
];

/// The largest Bundle accepted (bytes).
pub const MAX_BUNDLE_BYTES: usize = 16 * 1024 * 1024;

fn fhir_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, FHIR_JSON)],
        body.to_string(),
    )
        .into_response()
}

/// One issue of an OperationOutcome.
fn issue(severity: &str, code: &str, text: String, expression: Option<&str>) -> Value {
    let mut value = json!({ "severity": severity, "code": code, "details": { "text": text } });
    if let Some(expression) = expression {
        value["expression"] = json!([expression]);
    }
    value
}

fn outcome(issues: Vec<Value>) -> Value {
    json!({ "resourceType": "OperationOutcome", "issue": issues })
}

/// The message of a problem code: the domain's when it is one of its
/// codes, else the import's own.
fn message(locale: Locale, code: &str) -> String {
    match IssueCode::ALL.iter().find(|c| c.as_str() == code) {
        Some(known) => tr(locale, &issue_key(*known)),
        None => tr(locale, &format!("fhir-import-{}", code.replace('_', "-"))),
    }
}

fn refused(locale: Locale, status: StatusCode, code: &str, key: &str) -> Response {
    fhir_response(
        status,
        &outcome(vec![issue("error", code, tr(locale, key), None)]),
    )
}

async fn import(
    State(state): State<AppState>,
    caller: FhirActor,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let locale = caller.locale;
    let actor = &caller.actor;
    let bad_site = || {
        fhir_response(
            StatusCode::BAD_REQUEST,
            &outcome(vec![issue(
                "error",
                "invalid",
                tr(locale, "fhir-import-site"),
                Some("site"),
            )]),
        )
    };
    // Who may not import is told so before anything about the site (a
    // patient, with no site, was told there was no such site).
    if !actor.may(cellpath_domain::Action::ImportFhir) {
        return refused(
            locale,
            StatusCode::FORBIDDEN,
            "forbidden",
            "fhir-problem-forbidden",
        );
    }
    // The query read like a FHIR search's: an unreadable one or a repeated
    // `site` is an OperationOutcome (axum's `Query` answered in plain text).
    let sites: Option<Vec<String>> =
        cellpath_fhir::search::parse_query(query.as_deref().unwrap_or_default())
            .ok()
            .map(|params| {
                params
                    .into_iter()
                    .filter(|(name, _)| name == "site")
                    .map(|(_, value)| value)
                    .collect()
            });
    let site_param = match sites.as_deref() {
        Some([]) => None,
        Some([one]) => Some(one.as_str()),
        _ => return bad_site(),
    };
    // A `site` that is given must name one (`?site=` names none).
    let site = match site_param {
        Some(raw) => raw.parse::<SiteId>().ok(),
        None => actor.sites.first().copied(),
    };
    let Some(site) = site else {
        return bad_site();
    };
    let json: Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(_) => {
            return refused(
                locale,
                StatusCode::BAD_REQUEST,
                "structure",
                "fhir-import-not-json",
            );
        }
    };
    let bundle = match read_bundle(&json, state.app.now().date_naive()) {
        Ok(bundle) => bundle,
        Err(problems) => {
            let issues = problems
                .iter()
                .map(|p| {
                    issue(
                        "error",
                        "invalid",
                        message(locale, &p.code),
                        Some(&p.expression),
                    )
                })
                .collect();
            return fhir_response(StatusCode::UNPROCESSABLE_ENTITY, &outcome(issues));
        }
    };
    match state.app.import_fhir(Some(actor), site, &bundle).await {
        Ok(_) => {}
        Err(AppError::Forbidden(_)) => {
            return refused(
                locale,
                StatusCode::FORBIDDEN,
                "forbidden",
                "fhir-problem-forbidden",
            );
        }
        Err(AppError::NotFound) => {
            return refused(
                locale,
                StatusCode::NOT_FOUND,
                "not-found",
                "fhir-problem-not-found",
            );
        }
        Err(other) => {
            tracing::error!(code = other.code(), error = %other, "FHIR import failed");
            return refused(
                locale,
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                "fhir-problem-internal",
            );
        }
    }
    let entries: Vec<Value> = json["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| {
                    let kind = entry["resource"]["resourceType"]
                        .as_str()
                        .unwrap_or_default();
                    if KEPT.contains(&kind) {
                        json!({ "response": { "status": "200 OK" } })
                    } else {
                        json!({ "response": {
                            "status": "200 OK",
                            "outcome": outcome(vec![issue(
                                "warning",
                                "not-supported",
                                tr(locale, "fhir-import-not-kept"),
                                None,
                            )]),
                        } })
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    fhir_response(
        StatusCode::OK,
        &json!({ "resourceType": "Bundle", "type": "transaction-response", "entry": entries }),
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir", post(import))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BUNDLE_BYTES))
}
