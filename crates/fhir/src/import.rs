//! Reading other systems' transaction (or batch, or collection) Bundles
//! into what Cellpath keeps: each Patient with its Conditions, medications
//! (MedicationStatement and MedicationRequest, each given a medication
//! class), AllergyIntolerances and the Observations that are test results
//! Cellpath looks at (by LOINC code: platelets, haemoglobin, white cells,
//! INR, HbA1c, weight, height, BMI, temperature, pain score); the Organizations and Practitioners they
//! mention as directory entries. Everything else is counted as not mapped,
//! by type, and so is each field of a mapped resource that Cellpath cannot
//! hold: the caller reports it, nothing is dropped silently.
//!
//! Each resource is known by an external identifier, its first
//! `identifier` (system and value) or else its `fullUrl`, so importing the
//! same Bundle twice finds what the first import made. Values are checked
//! with the domain's own validation; an entry that is not valid refuses
//! the whole Bundle, with a FHIRPath-like `expression` for each problem.

use cellpath_domain::intake::{IntakeDraft, IntakeItem, IntakeKind, ResultKind};
use cellpath_domain::patient::{Demographics, PatientDraft};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a resource from elsewhere is known: an identifier's system and value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExternalId {
    pub system: String,
    pub value: String,
}

/// The system of an identifier made of a `fullUrl` (a URI is its own identifier).
pub const URI_SYSTEM: &str = "urn:ietf:rfc:3986";

/// A problem with an entry, at a FHIRPath-like place: `Bundle.entry[3].resource.birthDate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    pub expression: String,
    /// An `IssueCode` of the domain, or `required`, `invalid_format`,
    /// `unknown_reference` for the Bundle's own structure.
    pub code: String,
}

/// One intake entry to keep, known by its external identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedItem {
    pub key: ExternalId,
    pub kind: IntakeKind,
    pub item: IntakeItem,
}

/// A patient to keep, with their intake lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPatient {
    pub key: ExternalId,
    /// Every identifier the resource carried (each finds the patient again).
    pub identifiers: Vec<ExternalId>,
    pub demographics: Demographics,
    pub items: Vec<ImportedItem>,
}

/// An Organization or Practitioner the records mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// `Organization` or `Practitioner`.
    pub resource_type: String,
    pub key: ExternalId,
    pub name: String,
}

/// What a Bundle holds for Cellpath.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BundleImport {
    pub patients: Vec<ImportedPatient>,
    pub directory: Vec<DirectoryEntry>,
    /// Resources not kept, by type (Encounter, Claim, Observation...).
    pub unmapped: BTreeMap<String, u32>,
    /// Fields of kept resources that Cellpath does not hold, by path
    /// without indexes (`Patient.telecom`), with how often.
    pub dropped_fields: BTreeMap<String, u32>,
}

impl BundleImport {
    /// How many resources of each kept type the Bundle gave.
    pub fn mapped_counts(&self) -> BTreeMap<String, u32> {
        let mut counts = BTreeMap::new();
        *counts.entry("Patient".to_string()).or_default() +=
            u32::try_from(self.patients.len()).unwrap_or(u32::MAX);
        for patient in &self.patients {
            for item in &patient.items {
                *counts.entry(kind_name(item.kind).to_string()).or_default() += 1;
            }
        }
        for entry in &self.directory {
            *counts.entry(entry.resource_type.clone()).or_default() += 1;
        }
        counts
    }
}

/// How an intake list is named in counts and reports.
pub fn kind_name(kind: IntakeKind) -> &'static str {
    match kind {
        IntakeKind::Condition => "Condition",
        IntakeKind::Medication => "Medication",
        IntakeKind::Allergy => "AllergyIntolerance",
        IntakeKind::Imaging => "ImagingReport",
        IntakeKind::Result => "Observation",
    }
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The first identifier with a system and a value.
fn identifiers(resource: &Value) -> Vec<ExternalId> {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|i| {
                    Some(ExternalId {
                        system: str_at(i, "system")?.to_string(),
                        value: str_at(i, "value")?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a CodeableConcept says in words: its text, else its first display.
fn concept_text(concept: Option<&Value>) -> Option<String> {
    let concept = concept?;
    str_at(concept, "text")
        .or_else(|| {
            concept
                .get("coding")
                .and_then(Value::as_array)
                .and_then(|c| c.iter().find_map(|c| str_at(c, "display")))
        })
        .map(str::to_string)
}

/// The first code of a CodeableConcept (any system).
fn concept_code(concept: Option<&Value>) -> Option<String> {
    concept?
        .get("coding")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find_map(|c| str_at(c, "code")))
        .map(str::to_string)
}

/// The date part of a FHIR date or dateTime.
fn date_of(raw: Option<&str>) -> String {
    raw.map(|r| r.chars().take(10).collect())
        .unwrap_or_default()
}

/// The medication class a name belongs to, by its active ingredient.
pub fn medication_class(name: &str) -> &'static str {
    const CLASSES: [(&str, &[&str]); 5] = [
        (
            "anticoagulant",
            &[
                "warfarin",
                "heparin",
                "enoxaparin",
                "dalteparin",
                "apixaban",
                "rivaroxaban",
                "dabigatran",
                "edoxaban",
            ],
        ),
        (
            "antiplatelet",
            &[
                "clopidogrel",
                "prasugrel",
                "ticagrelor",
                "aspirin 81",
                "dipyridamole",
            ],
        ),
        (
            "nsaid",
            &[
                "ibuprofen",
                "naproxen",
                "diclofenac",
                "celecoxib",
                "meloxicam",
                "indomethacin",
                "ketorolac",
                "etoricoxib",
                "aspirin",
            ],
        ),
        (
            "systemic_steroid",
            &[
                "prednisone",
                "prednisolone",
                "methylprednisolone",
                "dexamethasone",
                "hydrocortisone",
            ],
        ),
        (
            "glp1_agonist",
            &[
                "semaglutide",
                "liraglutide",
                "dulaglutide",
                "exenatide",
                "tirzepatide",
            ],
        ),
    ];
    let lower = name.to_lowercase();
    CLASSES
        .iter()
        .find(|(_, names)| names.iter().any(|n| lower.contains(n)))
        .map_or("other", |(class, _)| class)
}

/// Which of Cellpath's condition states a clinicalStatus code is.
fn condition_status(code: Option<&str>) -> &'static str {
    match code {
        Some("inactive") => "inactive",
        Some("remission") => "remission",
        Some("resolved") => "resolved",
        _ => "active",
    }
}

/// The worst reaction severity of an allergy, else from its criticality.
fn allergy_severity(resource: &Value) -> &'static str {
    let reactions = resource
        .get("reaction")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let worst = reactions
        .iter()
        .filter_map(|r| str_at(r, "severity"))
        .map(|s| match s {
            "severe" => 3,
            "moderate" => 2,
            _ => 1,
        })
        .max();
    match (worst, str_at(resource, "criticality")) {
        (Some(3), _) | (None, Some("high")) => "severe",
        (Some(2), _) => "moderate",
        (Some(_), _) => "mild",
        _ => "moderate",
    }
}

/// The reactions' manifestations in words.
fn allergy_reaction(resource: &Value) -> String {
    let mut words = Vec::new();
    for reaction in resource
        .get("reaction")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for manifestation in reaction
            .get("manifestation")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(text) = concept_text(Some(manifestation)) {
                words.push(text);
            }
        }
    }
    words.join(", ")
}

/// The fields of a Patient that Cellpath keeps; the others are reported.
const PATIENT_FIELDS: [&str; 10] = [
    "resourceType",
    "id",
    "meta",
    "text",
    "identifier",
    "name",
    "birthDate",
    "gender",
    "telecom",
    "address",
];

/// Reads a Bundle. `today` bounds the dates (nothing born or started in
/// the future).
pub fn read_bundle(bundle: &Value, today: NaiveDate) -> Result<BundleImport, Vec<ImportIssue>> {
    let mut issues = Vec::new();
    let issue = |expression: String, code: &str| ImportIssue {
        expression,
        code: code.to_string(),
    };
    if str_at(bundle, "resourceType") != Some("Bundle") {
        return Err(vec![issue("Bundle.resourceType".into(), "invalid_format")]);
    }
    if !matches!(
        str_at(bundle, "type"),
        Some("transaction" | "batch" | "collection")
    ) {
        return Err(vec![issue("Bundle.type".into(), "invalid_format")]);
    }
    let Some(entries) = bundle.get("entry").and_then(Value::as_array) else {
        return Err(vec![issue("Bundle.entry".into(), "required")]);
    };
    let mut import = BundleImport::default();
    // The patients first, so that everything else can refer to them.
    let mut patient_of_url: BTreeMap<String, usize> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("Bundle.entry[{i}].resource");
        let Some(resource) = entry.get("resource") else {
            issues.push(issue(at, "required"));
            continue;
        };
        let Some(kind) = str_at(resource, "resourceType") else {
            issues.push(issue(format!("{at}.resourceType"), "required"));
            continue;
        };
        let full_url = str_at(entry, "fullUrl").map(str::to_string);
        let key = identifiers(resource).into_iter().next().or_else(|| {
            full_url.clone().map(|value| ExternalId {
                system: URI_SYSTEM.into(),
                value,
            })
        });
        match kind {
            "Patient" => {
                let Some(key) = key else {
                    issues.push(issue(format!("{at}.identifier"), "required"));
                    continue;
                };
                match read_patient(resource, &at, today) {
                    Ok((demographics, dropped)) => {
                        for field in dropped {
                            *import.dropped_fields.entry(field).or_default() += 1;
                        }
                        for url in [
                            full_url.clone(),
                            str_at(resource, "id").map(|id| format!("Patient/{id}")),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            patient_of_url.insert(url, import.patients.len());
                        }
                        let mut all = identifiers(resource);
                        if all.is_empty() {
                            all.push(key.clone());
                        }
                        import.patients.push(ImportedPatient {
                            key,
                            identifiers: all,
                            demographics,
                            items: Vec::new(),
                        });
                    }
                    Err(mut problems) => issues.append(&mut problems),
                }
            }
            "Organization" | "Practitioner" => {
                let Some(key) = key else {
                    issues.push(issue(format!("{at}.identifier"), "required"));
                    continue;
                };
                let name = if kind == "Organization" {
                    str_at(resource, "name").map(str::to_string)
                } else {
                    resource
                        .get("name")
                        .and_then(Value::as_array)
                        .and_then(|n| n.first())
                        .map(human_name)
                };
                import.directory.push(DirectoryEntry {
                    resource_type: kind.to_string(),
                    key,
                    name: name.unwrap_or_default(),
                });
            }
            "Condition"
            | "MedicationStatement"
            | "MedicationRequest"
            | "AllergyIntolerance"
            | "Observation" => {}
            other => *import.unmapped.entry(other.to_string()).or_default() += 1,
        }
    }
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("Bundle.entry[{i}].resource");
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        let Some(kind) = str_at(resource, "resourceType") else {
            continue;
        };
        let (intake, draft) = match kind {
            "Condition" => (
                IntakeKind::Condition,
                IntakeDraft {
                    name: concept_text(resource.get("code")).unwrap_or_default(),
                    code: condition_status(concept_code(resource.get("clinicalStatus")).as_deref())
                        .into(),
                    start_date: date_of(str_at(resource, "onsetDateTime")),
                    ..IntakeDraft::default()
                },
            ),
            "MedicationStatement" | "MedicationRequest" => {
                let name = concept_text(resource.get("medicationCodeableConcept"))
                    .or_else(|| {
                        resource
                            .get("medicationReference")
                            .and_then(|r| str_at(r, "display"))
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                let started = str_at(resource, "authoredOn").or_else(|| {
                    resource
                        .get("effectivePeriod")
                        .and_then(|p| str_at(p, "start"))
                        .or_else(|| str_at(resource, "effectiveDateTime"))
                });
                let dose = resource
                    .get("dosageInstruction")
                    .or_else(|| resource.get("dosage"))
                    .and_then(Value::as_array)
                    .and_then(|d| d.first())
                    .and_then(|d| str_at(d, "text"))
                    .unwrap_or_default();
                (
                    IntakeKind::Medication,
                    IntakeDraft {
                        code: medication_class(&name).into(),
                        name,
                        detail: dose.to_string(),
                        start_date: date_of(started),
                        ..IntakeDraft::default()
                    },
                )
            }
            "AllergyIntolerance" => (
                IntakeKind::Allergy,
                IntakeDraft {
                    name: concept_text(resource.get("code")).unwrap_or_default(),
                    code: allergy_severity(resource).into(),
                    detail: allergy_reaction(resource),
                    ..IntakeDraft::default()
                },
            ),
            "Observation" => match result_draft(resource) {
                Some(draft) => (IntakeKind::Result, draft),
                None => {
                    *import
                        .unmapped
                        .entry("Observation".to_string())
                        .or_default() += 1;
                    continue;
                }
            },
            _ => continue,
        };
        let subject = resource
            .get("subject")
            .or_else(|| resource.get("patient"))
            .and_then(|s| str_at(s, "reference"));
        let subject_field = if kind == "AllergyIntolerance" {
            "patient"
        } else {
            "subject"
        };
        let Some(owner) = subject.and_then(|r| patient_of_url.get(r)).copied() else {
            issues.push(issue(
                format!("{at}.{subject_field}"),
                if subject.is_some() {
                    "unknown_reference"
                } else {
                    "required"
                },
            ));
            continue;
        };
        let key = identifiers(resource).into_iter().next().or_else(|| {
            str_at(entry, "fullUrl").map(|value| ExternalId {
                system: URI_SYSTEM.into(),
                value: value.to_string(),
            })
        });
        let Some(key) = key else {
            issues.push(issue(format!("{at}.identifier"), "required"));
            continue;
        };
        match IntakeItem::validate(intake, &draft, today) {
            Ok(item) => import.patients[owner].items.push(ImportedItem {
                key,
                kind: intake,
                item,
            }),
            Err(problems) => {
                for problem in problems.0 {
                    issues.push(issue(
                        format!("{at}.{}", intake_path(kind, &problem.field)),
                        problem.code.as_str(),
                    ));
                }
            }
        }
    }
    if issues.is_empty() {
        Ok(import)
    } else {
        Err(issues)
    }
}

/// An Observation Cellpath keeps as a test result: one whose LOINC code is
/// a `ResultKind` and whose value is a quantity (or text). Others are
/// reported as not kept.
fn result_draft(resource: &Value) -> Option<IntakeDraft> {
    let code = resource.get("code");
    let kind = code
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)?
        .iter()
        .filter(|c| str_at(c, "system") == Some("http://loinc.org"))
        .find_map(|c| ResultKind::from_loinc(str_at(c, "code")?))?;
    let value = match (
        resource.get("valueQuantity"),
        str_at(resource, "valueString"),
    ) {
        (Some(quantity), _) => {
            let number = quantity.get("value").and_then(Value::as_f64)?;
            let number = short_number(number);
            let unit = str_at(quantity, "unit").or_else(|| str_at(quantity, "code"));
            match unit {
                Some(unit) => format!("{number} {unit}"),
                None => number.to_string(),
            }
        }
        (None, Some(text)) => text.to_string(),
        (None, None) => return None,
    };
    let taken = str_at(resource, "effectiveDateTime")
        .or_else(|| {
            resource
                .get("effectivePeriod")
                .and_then(|p| str_at(p, "start"))
        })
        .or_else(|| str_at(resource, "issued"))?;
    Some(IntakeDraft {
        name: concept_text(code).unwrap_or_else(|| kind.code().to_string()),
        code: kind.code().into(),
        detail: value,
        start_date: date_of(Some(taken)),
        ..IntakeDraft::default()
    })
}

/// A measured value as people read it: at most two decimals, no trailing zeros.
fn short_number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_string()
    }
}

/// The FHIR element an intake field came from.
fn intake_path(kind: &str, field: &str) -> &'static str {
    match (kind, field) {
        ("Condition", "onset") => "onsetDateTime",
        ("Condition", "status") => "clinicalStatus",
        ("Condition", _) => "code",
        ("AllergyIntolerance", "severity") => "reaction",
        ("AllergyIntolerance", "reaction") => "reaction",
        ("AllergyIntolerance", _) => "code",
        ("Observation", "value") => "value",
        ("Observation", "taken_on") => "effectiveDateTime",
        ("Observation", _) => "code",
        (_, "started") => "authoredOn",
        (_, "dose") => "dosageInstruction",
        (_, "class") => "medicationCodeableConcept",
        _ => "medicationCodeableConcept",
    }
}

/// A HumanName as one line: prefix, given names, family.
fn human_name(name: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    for key in ["prefix", "given"] {
        for part in name
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(p) = part.as_str() {
                parts.push(p.to_string());
            }
        }
    }
    if let Some(family) = str_at(name, "family") {
        parts.push(family.to_string());
    }
    parts.join(" ")
}

/// A Patient's demographics, and the fields Cellpath does not keep.
fn read_patient(
    resource: &Value,
    at: &str,
    today: NaiveDate,
) -> Result<(Demographics, Vec<String>), Vec<ImportIssue>> {
    let mut dropped: Vec<String> = resource
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| !PATIENT_FIELDS.contains(&k.as_str()))
                .map(|k| format!("Patient.{k}"))
                .collect()
        })
        .unwrap_or_default();
    let names = resource
        .get("name")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let official = names
        .iter()
        .find(|n| str_at(n, "use") == Some("official"))
        .or_else(|| names.first());
    let given = official
        .and_then(|n| n.get("given"))
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let family = official
        .and_then(|n| str_at(n, "family"))
        .unwrap_or_default();
    if names.len() > 1 {
        dropped.push("Patient.name".into());
    }
    let telecom = resource
        .get("telecom")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let contact = |system: &str| {
        telecom
            .iter()
            .find(|t| str_at(t, "system") == Some(system))
            .and_then(|t| str_at(t, "value"))
            .unwrap_or_default()
            .to_string()
    };
    let address = resource
        .get("address")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .map(|a| {
            let mut parts: Vec<String> = a
                .get("line")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            for key in ["city", "state", "postalCode", "country"] {
                if let Some(v) = str_at(a, key) {
                    parts.push(v.to_string());
                }
            }
            parts.join(", ")
        })
        .unwrap_or_default();
    let mut draft = PatientDraft {
        given_name: given,
        family_name: family.to_string(),
        date_of_birth: date_of(str_at(resource, "birthDate")),
        sex: str_at(resource, "gender").unwrap_or("unknown").to_string(),
        phone: contact("phone"),
        email: contact("email"),
        address,
        ..PatientDraft::default()
    };
    // A contact detail Cellpath cannot read is reported and left out
    // rather than refusing the patient.
    loop {
        match draft.validate(today) {
            Ok(demographics) => return Ok((demographics, dropped)),
            Err(issues) => {
                let mut retried = false;
                for problem in &issues.0 {
                    let field = match problem.field.as_str() {
                        "phone" => Some((&mut draft.phone, "Patient.telecom")),
                        "email" => Some((&mut draft.email, "Patient.telecom")),
                        "address" => Some((&mut draft.address, "Patient.address")),
                        _ => None,
                    };
                    if let Some((value, path)) = field
                        && !value.is_empty()
                    {
                        value.clear();
                        dropped.push(path.to_string());
                        retried = true;
                    }
                }
                if !retried {
                    return Err(issues
                        .0
                        .iter()
                        .map(|p| ImportIssue {
                            expression: format!("{at}.{}", patient_path(&p.field)),
                            code: p.code.as_str().to_string(),
                        })
                        .collect());
                }
            }
        }
    }
}

fn patient_path(field: &str) -> &'static str {
    match field {
        "given_name" => "name.given",
        "family_name" => "name.family",
        "date_of_birth" => "birthDate",
        "sex" => "gender",
        "phone" | "email" => "telecom",
        "address" => "address",
        _ => "name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("a value")
    }

    fn bundle() -> Value {
        json!({
            "resourceType": "Bundle", "type": "transaction",
            "entry": [
                {"fullUrl": "urn:uuid:p1", "resource": {
                    "resourceType": "Patient", "id": "p1",
                    "identifier": [{"system": "https://example.org/mrn", "value": "A-1"}],
                    "name": [{"use": "official", "given": ["Layla", "M"], "family": "Haddad"}],
                    "gender": "female", "birthDate": "1970-03-04",
                    "telecom": [{"system": "phone", "value": "555-842-1176"}],
                    "maritalStatus": {"text": "M"}},
                 "request": {"method": "POST", "url": "Patient"}},
                {"fullUrl": "urn:uuid:c1", "resource": {
                    "resourceType": "Condition",
                    "clinicalStatus": {"coding": [{"code": "resolved"}]},
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1", "display": "Knee osteoarthritis"}]},
                    "subject": {"reference": "urn:uuid:p1"}, "onsetDateTime": "2019-05-01T10:00:00Z"}},
                {"fullUrl": "urn:uuid:m1", "resource": {
                    "resourceType": "MedicationRequest", "status": "active", "intent": "order",
                    "medicationCodeableConcept": {"text": "Naproxen sodium 220 MG Oral Tablet"},
                    "subject": {"reference": "urn:uuid:p1"}, "authoredOn": "2020-01-02"}},
                {"fullUrl": "urn:uuid:a1", "resource": {
                    "resourceType": "AllergyIntolerance", "criticality": "high",
                    "code": {"text": "Penicillin"}, "patient": {"reference": "urn:uuid:p1"},
                    "reaction": [{"manifestation": [{"text": "Hives"}]}]}},
                {"fullUrl": "urn:uuid:o1", "resource": {
                    "resourceType": "Organization",
                    "identifier": [{"system": "https://example.org/org", "value": "O-1"}], "name": "General Hospital"}},
                {"fullUrl": "urn:uuid:e1", "resource": {"resourceType": "Encounter", "status": "finished"}},
                {"fullUrl": "urn:uuid:e2", "resource": {"resourceType": "Encounter", "status": "finished"}}
            ]
        })
    }

    #[test]
    fn a_bundle_gives_its_patient_with_intake_and_reports_the_rest() {
        let import = read_bundle(&bundle(), today()).expect("valid");
        assert_eq!(import.patients.len(), 1);
        let patient = &import.patients[0];
        assert_eq!(patient.key.value, "A-1");
        assert_eq!(patient.demographics.given_name, "Layla M");
        assert_eq!(patient.demographics.family_name, "Haddad");
        let kinds: Vec<_> = patient.items.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [
                IntakeKind::Condition,
                IntakeKind::Medication,
                IntakeKind::Allergy
            ]
        );
        match &patient.items[1].item {
            IntakeItem::Medication { class, .. } => assert_eq!(class.code(), "nsaid"),
            other => panic!("{other:?}"),
        }
        match &patient.items[2].item {
            IntakeItem::Allergy {
                severity, reaction, ..
            } => {
                assert_eq!(severity.code(), "severe");
                assert_eq!(reaction.as_deref(), Some("Hives"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(patient.items[0].key.value, "urn:uuid:c1");
        assert_eq!(import.unmapped.get("Encounter"), Some(&2));
        assert_eq!(import.dropped_fields.get("Patient.maritalStatus"), Some(&1));
        let counts = import.mapped_counts();
        assert_eq!(counts.get("Organization"), Some(&1));
        assert_eq!(counts.get("Medication"), Some(&1));
    }

    #[test]
    fn observations_that_are_results_cellpath_looks_at_are_kept_the_others_reported() {
        let mut b = bundle();
        let observation = |url: &str, code: &str, value: Value| {
            let mut resource = json!({
                "resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": format!("LOINC {code}")}]},
                "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2026-10-01T08:00:00Z"});
            if let (Some(r), Some(v)) = (resource.as_object_mut(), value.as_object()) {
                r.extend(v.clone());
            }
            json!({"fullUrl": url, "resource": resource})
        };
        let entries = b["entry"].as_array_mut().expect("entries");
        entries.push(observation(
            "urn:uuid:x1",
            "777-3",
            json!({"valueQuantity": {"value": 277.68824, "unit": "10*3/uL"}}),
        ));
        entries.push(observation(
            "urn:uuid:x2",
            "8331-1",
            json!({"valueQuantity": {"value": 37.0, "unit": "Cel"}}),
        ));
        entries.push(observation(
            "urn:uuid:x3",
            "2339-0",
            json!({"valueQuantity": {"value": 5.4, "unit": "mmol/L"}}),
        ));
        entries.push(observation("urn:uuid:x4", "718-7", json!({})));
        let import = read_bundle(&b, today()).expect("valid");
        let results: Vec<(String, String, String)> = import.patients[0]
            .items
            .iter()
            .filter_map(|i| match &i.item {
                IntakeItem::Result {
                    kind,
                    value,
                    taken_on,
                    ..
                } => Some((kind.code().to_string(), value.clone(), taken_on.to_string())),
                _ => None,
            })
            .collect();
        assert_eq!(
            results,
            [
                (
                    "platelets".to_string(),
                    "277.69 10*3/uL".to_string(),
                    "2026-10-01".to_string()
                ),
                (
                    "temperature".to_string(),
                    "37 Cel".to_string(),
                    "2026-10-01".to_string()
                ),
            ]
        );
        assert_eq!(
            import.unmapped.get("Observation"),
            Some(&2),
            "glucose and a result without a value"
        );
        assert_eq!(import.mapped_counts().get("Observation"), Some(&2));
    }

    #[test]
    fn a_bad_entry_refuses_the_bundle_and_says_where() {
        let mut bad = bundle();
        bad["entry"][0]["resource"]["birthDate"] = json!("2999-01-01");
        bad["entry"][2]["resource"]["subject"]["reference"] = json!("urn:uuid:nobody");
        let issues = read_bundle(&bad, today()).expect_err("refused");
        let places: Vec<_> = issues.iter().map(|i| i.expression.as_str()).collect();
        assert!(
            places.contains(&"Bundle.entry[0].resource.birthDate"),
            "{issues:?}"
        );
        assert!(
            places.contains(&"Bundle.entry[2].resource.subject"),
            "{issues:?}"
        );
        let not_a_bundle = read_bundle(&json!({"resourceType": "Patient"}), today());
        assert_eq!(
            not_a_bundle.expect_err("refused")[0].expression,
            "Bundle.resourceType"
        );
    }

    #[test]
    fn medication_classes_follow_the_ingredient() {
        assert_eq!(medication_class("Warfarin Sodium 5 MG"), "anticoagulant");
        assert_eq!(
            medication_class("Aspirin 81 MG Oral Tablet"),
            "antiplatelet"
        );
        assert_eq!(medication_class("Ibuprofen 400 MG"), "nsaid");
        assert_eq!(medication_class("predniSONE 5 MG"), "systemic_steroid");
        assert_eq!(medication_class("Verapamil Hydrochloride 40 MG"), "other");
    }
}
