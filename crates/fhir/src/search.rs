//! Search: the parameters each resource type supports (the one table the
//! CapabilityStatement is built from), their parsing with every problem
//! named by its parameter, and matching against a `Mapped` resource.
//! Anything not in the table is refused, never silently ignored.

use crate::outcome::{Issue, Problem};
use crate::{Mapped, Period, ResourceType};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// What a search parameter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Id,
    Identifier,
    /// The patient the data belong to (`patient`, `subject`).
    Patient,
    /// The type's date (birth date, onset, effective period, recorded date).
    Date,
    Status,
    LastUpdated,
}

impl ParamKind {
    /// The FHIR search parameter type.
    pub fn fhir_type(self) -> &'static str {
        match self {
            ParamKind::Id | ParamKind::Identifier | ParamKind::Status => "token",
            ParamKind::Patient => "reference",
            ParamKind::Date | ParamKind::LastUpdated => "date",
        }
    }
}

/// A supported search parameter of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    pub name: &'static str,
    pub kind: ParamKind,
}

const fn p(name: &'static str, kind: ParamKind) -> ParamDef {
    ParamDef { name, kind }
}

const ID: ParamDef = p("_id", ParamKind::Id);
const LAST_UPDATED: ParamDef = p("_lastUpdated", ParamKind::LastUpdated);

const PATIENT_PARAMS: &[ParamDef] = &[
    ID,
    p("identifier", ParamKind::Identifier),
    p("birthdate", ParamKind::Date),
    LAST_UPDATED,
];
const PRACTITIONER_PARAMS: &[ParamDef] = &[ID, LAST_UPDATED];
const LOCATION_PARAMS: &[ParamDef] = &[
    ID,
    p("identifier", ParamKind::Identifier),
    p("status", ParamKind::Status),
    LAST_UPDATED,
];
const CONDITION_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("clinical-status", ParamKind::Status),
    p("onset-date", ParamKind::Date),
    LAST_UPDATED,
];
const MEDICATION_STATEMENT_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("effective", ParamKind::Date),
    LAST_UPDATED,
];
const ALLERGY_INTOLERANCE_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("clinical-status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];

const SPECIMEN_PARAMS: &[ParamDef] = &[
    ID,
    p("identifier", ParamKind::Identifier),
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("collected", ParamKind::Date),
    LAST_UPDATED,
];
const BIOLOGICALLY_DERIVED_PRODUCT_PARAMS: &[ParamDef] =
    &[ID, p("identifier", ParamKind::Identifier), LAST_UPDATED];

const ADVERSE_EVENT_PARAMS: &[ParamDef] = &[
    ID,
    p("subject", ParamKind::Patient),
    p("date", ParamKind::Date),
    p("seriousness", ParamKind::Status),
    LAST_UPDATED,
];

const PROCEDURE_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];

const QUESTIONNAIRE_PARAMS: &[ParamDef] = &[ID, p("status", ParamKind::Status), LAST_UPDATED];
const QUESTIONNAIRE_RESPONSE_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("authored", ParamKind::Date),
    LAST_UPDATED,
];

const OBSERVATION_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];

const APPOINTMENT_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];
const SLOT_PARAMS: &[ParamDef] = &[
    ID,
    p("status", ParamKind::Status),
    p("start", ParamKind::Date),
    LAST_UPDATED,
];
const SCHEDULE_PARAMS: &[ParamDef] = &[ID, p("active", ParamKind::Status), LAST_UPDATED];
const CONSENT_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];
const CARE_PLAN_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("date", ParamKind::Date),
    LAST_UPDATED,
];
const TASK_PARAMS: &[ParamDef] = &[
    ID,
    p("patient", ParamKind::Patient),
    p("subject", ParamKind::Patient),
    p("status", ParamKind::Status),
    p("authored-on", ParamKind::Date),
    LAST_UPDATED,
];

/// The search parameters of `resource_type`, by their FHIR R4 names.
pub fn params_of(resource_type: ResourceType) -> &'static [ParamDef] {
    match resource_type {
        ResourceType::Patient => PATIENT_PARAMS,
        ResourceType::Practitioner => PRACTITIONER_PARAMS,
        ResourceType::Location => LOCATION_PARAMS,
        ResourceType::Appointment => APPOINTMENT_PARAMS,
        ResourceType::Slot => SLOT_PARAMS,
        ResourceType::Schedule => SCHEDULE_PARAMS,
        ResourceType::Consent => CONSENT_PARAMS,
        ResourceType::CarePlan => CARE_PLAN_PARAMS,
        ResourceType::Task => TASK_PARAMS,
        ResourceType::Condition => CONDITION_PARAMS,
        ResourceType::MedicationStatement => MEDICATION_STATEMENT_PARAMS,
        ResourceType::AllergyIntolerance => ALLERGY_INTOLERANCE_PARAMS,
        ResourceType::Specimen => SPECIMEN_PARAMS,
        ResourceType::BiologicallyDerivedProduct => BIOLOGICALLY_DERIVED_PRODUCT_PARAMS,
        ResourceType::AdverseEvent => ADVERSE_EVENT_PARAMS,
        ResourceType::Procedure => PROCEDURE_PARAMS,
        ResourceType::Questionnaire => QUESTIONNAIRE_PARAMS,
        ResourceType::QuestionnaireResponse => QUESTIONNAIRE_RESPONSE_PARAMS,
        ResourceType::Observation => OBSERVATION_PARAMS,
    }
}

/// Page size when `_count` is not given, and its largest value.
pub const COUNT_DEFAULT: usize = 20;
pub const COUNT_MAX: usize = 100;
/// The paging parameter of the links this server writes.
pub const OFFSET_PARAM: &str = "_offset";
const OFFSET_MAX: usize = 1_000_000;

/// A token value: `code`, `system|code`, `|code` or `system|`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    system: Option<String>,
    code: Option<String>,
}

impl Token {
    fn parse(raw: &str) -> Token {
        match raw.split_once('|') {
            None => Token {
                system: None,
                code: Some(raw.to_string()),
            },
            Some((system, code)) => Token {
                system: Some(system.to_string()),
                code: (!code.is_empty()).then(|| code.to_string()),
            },
        }
    }

    fn matches(&self, system: &str, code: &str) -> bool {
        self.system.as_deref().is_none_or(|s| s == system)
            && self.code.as_deref().is_none_or(|c| c == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Criterion {
    Id(Vec<String>),
    Identifier(Vec<Token>),
    Patient(Vec<String>),
    Date(Prefix, Period),
    LastUpdated(Prefix, Period),
    Status(Vec<Token>),
}

/// A parsed search: criteria (all must hold), the page and the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    criteria: Vec<Criterion>,
    /// The criteria as given, for the paging links.
    pub criteria_params: Vec<(String, String)>,
    pub count: usize,
    pub offset: usize,
    /// `_summary=count`: the total only.
    pub summary_count: bool,
}

impl SearchRequest {
    /// Whether `resource` meets every criterion.
    pub fn matches(&self, resource: &Mapped) -> bool {
        self.criteria.iter().all(|c| criterion_holds(c, resource))
    }

    /// The one patient every match must belong to, when a criterion says so
    /// (so the caller need load only that patient's data).
    pub fn only_patient(&self) -> Option<&str> {
        self.criteria.iter().find_map(|c| match c {
            Criterion::Patient(ids) if ids.len() == 1 => ids.first().map(String::as_str),
            _ => None,
        })
    }
}

fn criterion_holds(criterion: &Criterion, r: &Mapped) -> bool {
    match criterion {
        Criterion::Id(ids) => ids.contains(&r.id),
        Criterion::Identifier(tokens) => tokens.iter().any(|t| {
            r.identifiers
                .iter()
                .any(|(system, value)| t.matches(system, value))
        }),
        Criterion::Patient(ids) => r
            .patient
            .is_some_and(|patient| ids.iter().any(|id| *id == patient.to_string())),
        Criterion::Date(prefix, period) => r.date.is_some_and(|d| compare(*prefix, d, *period)),
        Criterion::LastUpdated(prefix, period) => compare(
            *prefix,
            crate::resources::instant_period(r.last_updated),
            *period,
        ),
        Criterion::Status(tokens) => r
            .status
            .as_ref()
            .is_some_and(|(system, code)| tokens.iter().any(|t| t.matches(system, code))),
    }
}

/// A resource's range against a searched range, as FHIR's prefixes read.
fn compare(prefix: Prefix, resource: Period, searched: Period) -> bool {
    let within = resource.start >= searched.start && resource.end <= searched.end;
    match prefix {
        Prefix::Eq => within,
        Prefix::Ne => !within,
        Prefix::Gt => resource.end > searched.end,
        Prefix::Lt => resource.start < searched.start,
        Prefix::Ge => resource.end > searched.start,
        Prefix::Le => resource.start < searched.end,
    }
}

/// Splits a URL query into decoded `(name, value)` pairs.
pub fn parse_query(raw: &str) -> Result<Vec<(String, String)>, Issue> {
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let name = percent_decode(name).ok_or_else(|| Issue::general(Problem::InvalidValue))?;
            let value =
                percent_decode(value).ok_or_else(|| Issue::at(Problem::InvalidValue, &name))?;
            Ok((name, value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a query component (everything but unreserved characters).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses the search `params` of `resource_type`; refuses the whole search
/// with every parameter at fault.
pub fn parse(
    resource_type: ResourceType,
    params: &[(String, String)],
) -> Result<SearchRequest, Vec<Issue>> {
    let defs = params_of(resource_type);
    let mut issues = Vec::new();
    let mut request = SearchRequest {
        criteria: Vec::new(),
        criteria_params: Vec::new(),
        count: COUNT_DEFAULT,
        offset: 0,
        summary_count: false,
    };
    let mut seen_results: Vec<&str> = Vec::new();
    for (name, value) in params {
        let result_param = matches!(name.as_str(), "_count" | "_summary" | OFFSET_PARAM);
        if result_param {
            if seen_results.contains(&name.as_str()) {
                issues.push(Issue::at(Problem::Repeated, name));
                continue;
            }
            seen_results.push(name);
        }
        match name.as_str() {
            "_count" => match value.parse::<usize>() {
                Ok(n) if (1..=COUNT_MAX).contains(&n) => request.count = n,
                Ok(_) => issues.push(Issue::at(Problem::OutOfRange, name)),
                Err(_) => issues.push(Issue::at(Problem::InvalidValue, name)),
            },
            OFFSET_PARAM => match value.parse::<usize>() {
                Ok(n) if n <= OFFSET_MAX => request.offset = n,
                Ok(_) => issues.push(Issue::at(Problem::OutOfRange, name)),
                Err(_) => issues.push(Issue::at(Problem::InvalidValue, name)),
            },
            "_summary" => match value.as_str() {
                "count" => request.summary_count = true,
                "false" => {}
                _ => issues.push(Issue::at(Problem::InvalidValue, name)),
            },
            _ => {
                let (base, modifier) = match name.split_once(':') {
                    Some((base, modifier)) => (base, Some(modifier)),
                    None => (name.as_str(), None),
                };
                let Some(def) = defs.iter().find(|d| d.name == base) else {
                    issues.push(Issue::at(Problem::UnknownParameter, name));
                    continue;
                };
                if modifier.is_some() {
                    issues.push(Issue::at(Problem::UnsupportedModifier, name));
                    continue;
                }
                if value.is_empty() {
                    issues.push(Issue::at(Problem::InvalidValue, name));
                    continue;
                }
                match criterion(def.kind, value) {
                    Ok(c) => {
                        request.criteria.push(c);
                        request.criteria_params.push((name.clone(), value.clone()));
                    }
                    Err(problem) => issues.push(Issue::at(problem, name)),
                }
            }
        }
    }
    if issues.is_empty() {
        Ok(request)
    } else {
        Err(issues)
    }
}

fn criterion(kind: ParamKind, value: &str) -> Result<Criterion, Problem> {
    let items = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
    match kind {
        ParamKind::Id => Ok(Criterion::Id(items().map(String::from).collect())),
        ParamKind::Identifier => Ok(Criterion::Identifier(items().map(Token::parse).collect())),
        ParamKind::Status => Ok(Criterion::Status(items().map(Token::parse).collect())),
        ParamKind::Patient => items()
            .map(patient_reference)
            .collect::<Option<Vec<_>>>()
            .map(Criterion::Patient)
            .ok_or(Problem::InvalidValue),
        ParamKind::Date => {
            let (prefix, period) = date_value(value)?;
            Ok(Criterion::Date(prefix, period))
        }
        ParamKind::LastUpdated => {
            let (prefix, period) = date_value(value)?;
            Ok(Criterion::LastUpdated(prefix, period))
        }
    }
}

/// The patient id of `Patient/ID`, `ID` or a URL ending in `/Patient/ID`.
fn patient_reference(raw: &str) -> Option<String> {
    let id = match raw.rsplit_once("Patient/") {
        Some((before, id)) if before.is_empty() || before.ends_with('/') => id,
        Some(_) => return None,
        None => raw,
    };
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    ok.then(|| id.to_string())
}

fn date_value(raw: &str) -> Result<(Prefix, Period), Problem> {
    let (prefix, rest) = match raw.get(..2) {
        Some("eq") => (Prefix::Eq, &raw[2..]),
        Some("ne") => (Prefix::Ne, &raw[2..]),
        Some("gt") => (Prefix::Gt, &raw[2..]),
        Some("lt") => (Prefix::Lt, &raw[2..]),
        Some("ge") => (Prefix::Ge, &raw[2..]),
        Some("le") => (Prefix::Le, &raw[2..]),
        Some("sa" | "eb" | "ap") => return Err(Problem::UnsupportedModifier),
        _ => (Prefix::Eq, raw),
    };
    date_period(rest)
        .map(|period| (prefix, period))
        .ok_or(Problem::InvalidValue)
}

/// The range a FHIR date or dateTime search value covers.
fn date_period(text: &str) -> Option<Period> {
    let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    match text.len() {
        4 => {
            let year: i32 = text.parse().ok()?;
            Some(Period {
                start: midnight(ymd(year, 1, 1)?),
                end: midnight(ymd(year + 1, 1, 1)?),
            })
        }
        7 => {
            let (year, month) = text.split_once('-')?;
            let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
            let start = ymd(year, month, 1)?;
            let end = if month == 12 {
                ymd(year + 1, 1, 1)?
            } else {
                ymd(year, month + 1, 1)?
            };
            Some(Period {
                start: midnight(start),
                end: midnight(end),
            })
        }
        10 => Some(crate::resources::day_period(
            NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?,
        )),
        _ => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| crate::resources::instant_period(t.with_timezone(&Utc))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn expressions(result: Result<SearchRequest, Vec<Issue>>) -> Vec<(Problem, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.problem, i.expression.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn every_bad_parameter_is_named_at_once() {
        let found = expressions(parse(
            ResourceType::Condition,
            &pairs(&[
                ("_count", "0"),
                ("name", "x"),
                ("onset-date", "2024-13"),
                ("patient:Patient", "1"),
                ("_summary", "true"),
                ("onset-date", "ap2024"),
            ]),
        ));
        assert_eq!(
            found,
            vec![
                (Problem::OutOfRange, "_count".to_string()),
                (Problem::UnknownParameter, "name".to_string()),
                (Problem::InvalidValue, "onset-date".to_string()),
                (Problem::UnsupportedModifier, "patient:Patient".to_string()),
                (Problem::InvalidValue, "_summary".to_string()),
                (Problem::UnsupportedModifier, "onset-date".to_string()),
            ]
        );
    }

    #[test]
    fn a_parameter_of_another_type_is_refused() {
        let found = expressions(parse(ResourceType::Patient, &pairs(&[("patient", "x")])));
        assert_eq!(found, vec![(Problem::UnknownParameter, "patient".into())]);
        let found = expressions(parse(
            ResourceType::Patient,
            &pairs(&[("_count", "x"), ("_count", "2")]),
        ));
        assert_eq!(
            found,
            vec![
                (Problem::InvalidValue, "_count".into()),
                (Problem::Repeated, "_count".into())
            ]
        );
    }

    #[test]
    fn date_prefixes_read_as_fhir_says() {
        let day = |d: &str| {
            crate::resources::day_period(NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("day"))
        };
        let searched = |raw: &str| date_value(raw).expect("value");
        let cases = [
            ("2024-03-05", "2024-03", true),
            ("2024-03-05", "2024", true),
            ("2024-03-05", "2024-03-06", false),
            ("2024-03-05", "ne2024-03-06", true),
            ("2024-03-05", "ge2024-03-05", true),
            ("2024-03-05", "gt2024-03-05", false),
            ("2024-03-05", "gt2024-03-04", true),
            ("2024-03-05", "lt2024-03-05", false),
            ("2024-03-05", "lt2024-03-06", true),
            ("2024-03-05", "le2024-03-05", true),
            ("2024-12-31", "2024-12", true),
            ("2025-01-01", "2024-12", false),
        ];
        for (resource, raw, expected) in cases {
            let (prefix, period) = searched(raw);
            assert_eq!(
                compare(prefix, day(resource), period),
                expected,
                "{resource} {raw}"
            );
        }
        assert!(date_value("2024-03-05T10:00:00Z").is_ok());
        assert_eq!(date_value("yesterday"), Err(Problem::InvalidValue));
    }

    #[test]
    fn tokens_and_references_read_every_form() {
        assert!(Token::parse("sys|v").matches("sys", "v"));
        assert!(!Token::parse("sys|v").matches("other", "v"));
        assert!(Token::parse("v").matches("any", "v"));
        assert!(Token::parse("sys|").matches("sys", "anything"));
        assert!(!Token::parse("|v").matches("sys", "v"));
        assert_eq!(patient_reference("Patient/abc-1"), Some("abc-1".into()));
        assert_eq!(
            patient_reference("http://x/fhir/Patient/abc"),
            Some("abc".into())
        );
        assert_eq!(patient_reference("abc"), Some("abc".into()));
        assert_eq!(patient_reference("Group/abc"), None);
        assert_eq!(patient_reference("XPatient/abc"), None);
    }

    #[test]
    fn queries_decode_and_encode_back() {
        let decoded =
            parse_query("identifier=sys%7CCP-1&date=ge2024-01-01&_count=2&x=a+b").expect("query");
        assert_eq!(
            decoded,
            pairs(&[
                ("identifier", "sys|CP-1"),
                ("date", "ge2024-01-01"),
                ("_count", "2"),
                ("x", "a b")
            ])
        );
        assert_eq!(percent_encode("sys|CP 1"), "sys%7CCP%201");
        assert!(parse_query("a=%ZZ").is_err());
    }
}
