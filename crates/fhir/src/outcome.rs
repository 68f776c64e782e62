//! OperationOutcome: why a FHIR request was refused, each issue with the
//! FHIR issue code, Cellpath's stable code (the catalogue key's stem) and
//! `expression` naming the parameter at fault.

use crate::SYSTEM_BASE;
use serde_json::{Value, json};

/// Why a request was refused; each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// A search parameter the type does not support.
    UnknownParameter,
    /// A modifier (`name:exact`) or prefix that is not supported.
    UnsupportedModifier,
    /// A value that cannot be read (a date, a number, a reference).
    InvalidValue,
    /// A number outside its range (`_count`).
    OutOfRange,
    /// A result parameter given twice.
    Repeated,
    /// A resource type that is not served.
    UnknownType,
    /// No such resource, or not one the caller may see (the same answer).
    NotFound,
    /// No bearer token, or one that does not work.
    Unauthenticated,
    /// The token's role may not read FHIR.
    Forbidden,
    /// Something failed on the server.
    Internal,
}

impl Problem {
    /// Cellpath's code for it (catalogue key `fhir-problem-<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Problem::UnknownParameter => "unknown-parameter",
            Problem::UnsupportedModifier => "unsupported-modifier",
            Problem::InvalidValue => "invalid-value",
            Problem::OutOfRange => "out-of-range",
            Problem::Repeated => "repeated",
            Problem::UnknownType => "unknown-type",
            Problem::NotFound => "not-found",
            Problem::Unauthenticated => "unauthenticated",
            Problem::Forbidden => "forbidden",
            Problem::Internal => "internal",
        }
    }

    /// The FHIR `IssueType` code.
    pub fn fhir_code(self) -> &'static str {
        match self {
            Problem::UnknownParameter | Problem::UnsupportedModifier | Problem::UnknownType => {
                "not-supported"
            }
            Problem::InvalidValue | Problem::OutOfRange | Problem::Repeated => "invalid",
            Problem::NotFound => "not-found",
            Problem::Unauthenticated => "login",
            Problem::Forbidden => "forbidden",
            Problem::Internal => "exception",
        }
    }

    pub const ALL: [Problem; 10] = [
        Problem::UnknownParameter,
        Problem::UnsupportedModifier,
        Problem::InvalidValue,
        Problem::OutOfRange,
        Problem::Repeated,
        Problem::UnknownType,
        Problem::NotFound,
        Problem::Unauthenticated,
        Problem::Forbidden,
        Problem::Internal,
    ];
}

/// One refused part of a request: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub problem: Problem,
    /// The parameter (or element) at fault, as FHIRPath-like text.
    pub expression: Option<String>,
}

impl Issue {
    pub fn at(problem: Problem, expression: impl Into<String>) -> Issue {
        Issue {
            problem,
            expression: Some(expression.into()),
        }
    }

    pub fn general(problem: Problem) -> Issue {
        Issue {
            problem,
            expression: None,
        }
    }
}

/// The OperationOutcome of `issues`; `text` gives each problem's message
/// in the caller's language.
pub fn operation_outcome(issues: &[Issue], text: impl Fn(Problem) -> String) -> Value {
    let issues: Vec<Value> = issues
        .iter()
        .map(|issue| {
            let mut value = json!({
                "severity": "error",
                "code": issue.problem.fhir_code(),
                "details": {
                    "coding": [{
                        "system": format!("{SYSTEM_BASE}/CodeSystem/problem"),
                        "code": issue.problem.code(),
                    }],
                    "text": text(issue.problem),
                },
            });
            if let Some(expression) = &issue.expression {
                value["expression"] = json!([expression]);
            }
            value
        })
        .collect();
    json!({ "resourceType": "OperationOutcome", "issue": issues })
}
