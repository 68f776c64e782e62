//! Cellpath's records as FHIR R4 resources, one function per resource type.
//! Each returns the resource's JSON with the facts search matches on, so the
//! server and an exporter emit the same thing.

use crate::{Mapped, Period, ResourceType, SYSTEM_BASE};
use cellpath_domain::adverse_events::{Outcome as AdverseOutcome, Relatedness};
use cellpath_domain::cells::{ProductType, UnitKind, UnitStatus};
use cellpath_domain::donation::DonationId;
use cellpath_domain::intake::{AllergySeverity, IntakeEntry, IntakeItem};
use cellpath_domain::patient::Patient;
use cellpath_domain::questionnaire::{Answers, Definition};
use cellpath_domain::session_day::DayStep;
use cellpath_domain::{PatientId, Role, SiteId, UserId};
use chrono::{DateTime, Days, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde_json::{Map, Value, json};

/// The identifier system of patients' record numbers.
pub fn record_number_system() -> String {
    format!("{SYSTEM_BASE}/sid/record-number")
}

/// The identifier system of sites' codes.
pub fn site_code_system() -> String {
    format!("{SYSTEM_BASE}/sid/site-code")
}

/// The identifier system of specimens' and products' donation identifiers
/// (ISBT 128-structured; the value is the printed form with its check
/// character).
pub fn donation_id_system() -> String {
    format!("{SYSTEM_BASE}/sid/donation-id")
}

const SPECIMEN_STATUS: &str = "http://hl7.org/fhir/specimen-status";
const PRODUCT_STATUS: &str = "http://hl7.org/fhir/product-status";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const ALLERGY_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const MEDICATION_STATEMENT_STATUS: &str =
    "http://hl7.org/fhir/CodeSystem/medication-statement-status";
const LOCATION_STATUS: &str = "http://hl7.org/fhir/location-status";

/// A member of staff, as a Practitioner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A site of the clinic network, as a Location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// An instant as FHIR writes it (UTC, milliseconds).
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A date as FHIR writes it.
pub fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The whole day `day` (UTC).
pub fn day_period(day: NaiveDate) -> Period {
    let start = Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN));
    let end = day
        .checked_add_days(Days::new(1))
        .map(|next| Utc.from_utc_datetime(&next.and_time(chrono::NaiveTime::MIN)))
        .unwrap_or(start);
    Period { start, end }
}

/// The second holding `at`.
pub fn instant_period(at: DateTime<Utc>) -> Period {
    Period {
        start: at,
        end: at + chrono::Duration::seconds(1),
    }
}

pub(crate) fn reference(resource_type: ResourceType, id: impl std::fmt::Display) -> Value {
    json!({ "reference": format!("{}/{id}", resource_type.name()) })
}

pub(crate) fn text_concept(text: &str) -> Value {
    json!({ "text": text })
}

pub(crate) fn coding(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}

/// A text that FHIR may carry: present and not blank (FHIR has no empty strings).
pub(crate) fn present(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

pub(crate) fn base(
    resource_type: ResourceType,
    id: &str,
    updated: DateTime<Utc>,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("resourceType".into(), json!(resource_type.name()));
    map.insert("id".into(), json!(id));
    map.insert("meta".into(), json!({ "lastUpdated": instant(updated) }));
    map
}

pub fn patient(p: &Patient) -> Mapped {
    let id = p.id.to_string();
    let mut r = base(ResourceType::Patient, &id, p.updated_at);
    let system = record_number_system();
    r.insert(
        "identifier".into(),
        json!([{ "use": "usual", "system": system, "value": p.record_number.as_str() }]),
    );
    let mut names = vec![json!({
        "use": "official",
        "family": p.family_name,
        "given": [p.given_name],
    })];
    if let Some(other) = present(&p.other_script_name) {
        names.push(json!({ "use": "usual", "text": other }));
    }
    r.insert("name".into(), Value::Array(names));
    let mut telecom = Vec::new();
    if let Some(phone) = present(&p.phone) {
        telecom.push(json!({ "system": "phone", "value": phone }));
    }
    if let Some(email) = present(&p.email) {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    if !telecom.is_empty() {
        r.insert("telecom".into(), Value::Array(telecom));
    }
    r.insert("gender".into(), json!(p.sex.code()));
    r.insert("birthDate".into(), json!(date(p.date_of_birth)));
    if let Some(address) = present(&p.address) {
        r.insert("address".into(), json!([{ "text": address }]));
    }
    r.insert(
        "communication".into(),
        json!([{
            "language": coding("urn:ietf:bcp:47", p.preferred_language.code()),
            "preferred": true,
        }]),
    );
    Mapped {
        resource_type: ResourceType::Patient,
        id,
        patient: Some(p.id),
        identifiers: vec![(system, p.record_number.as_str().to_string())],
        date: Some(day_period(p.date_of_birth)),
        status: None,
        last_updated: p.updated_at,
        resource: Value::Object(r),
    }
}

pub fn practitioner(staff: &StaffMember) -> Mapped {
    let id = staff.id.to_string();
    let mut r = base(ResourceType::Practitioner, &id, staff.created_at);
    r.insert("active".into(), json!(staff.active));
    r.insert("name".into(), json!([{ "text": staff.display_name }]));
    Mapped {
        resource_type: ResourceType::Practitioner,
        id,
        patient: None,
        identifiers: Vec::new(),
        date: None,
        status: None,
        last_updated: staff.created_at,
        resource: Value::Object(r),
    }
}

pub fn location(site: &Site) -> Mapped {
    let id = site.id.to_string();
    let mut r = base(ResourceType::Location, &id, site.created_at);
    let system = site_code_system();
    r.insert(
        "identifier".into(),
        json!([{ "system": system, "value": site.code }]),
    );
    r.insert("status".into(), json!("active"));
    r.insert("name".into(), json!(site.name));
    r.insert("mode".into(), json!("instance"));
    Mapped {
        resource_type: ResourceType::Location,
        id,
        patient: None,
        identifiers: vec![(system, site.code.clone())],
        date: None,
        status: Some((LOCATION_STATUS.to_string(), "active".to_string())),
        last_updated: site.created_at,
        resource: Value::Object(r),
    }
}

const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// An intake entry as its resource: a condition, a medication statement,
/// an allergy or a test result (an Observation with its LOINC code when
/// Cellpath knows it, the value as reported). Imaging reports are not
/// served (`None`).
pub fn intake(entry: &IntakeEntry, today: NaiveDate) -> Option<Mapped> {
    match &entry.item {
        IntakeItem::Condition {
            name,
            status,
            category,
            onset,
            notes,
        } => {
            let id = entry.id.to_string();
            let mut r = base(ResourceType::Condition, &id, entry.updated_at);
            r.insert(
                "clinicalStatus".into(),
                coding(CONDITION_CLINICAL, status.code()),
            );
            r.insert(
                "category".into(),
                json!([
                    coding(CONDITION_CATEGORY, "problem-list-item"),
                    coding(
                        &format!("{SYSTEM_BASE}/CodeSystem/condition-category"),
                        category.code()
                    ),
                ]),
            );
            r.insert("code".into(), text_concept(name));
            r.insert(
                "subject".into(),
                reference(ResourceType::Patient, entry.patient_id),
            );
            if let Some(onset) = onset {
                r.insert("onsetDateTime".into(), json!(date(*onset)));
            }
            r.insert("recordedDate".into(), json!(instant(entry.created_at)));
            if let Some(notes) = present(notes) {
                r.insert("note".into(), json!([{ "text": notes }]));
            }
            Some(Mapped {
                resource_type: ResourceType::Condition,
                id,
                patient: Some(entry.patient_id),
                identifiers: Vec::new(),
                date: onset.map(day_period),
                status: Some((CONDITION_CLINICAL.into(), status.code().into())),
                last_updated: entry.updated_at,
                resource: Value::Object(r),
            })
        }
        IntakeItem::Medication {
            name,
            class,
            dose,
            started,
            stopped,
        } => {
            let id = entry.id.to_string();
            let mut r = base(ResourceType::MedicationStatement, &id, entry.updated_at);
            // Stopped on or before today: completed; otherwise still taken.
            let status = match stopped {
                Some(stopped) if *stopped <= today => "completed",
                _ => "active",
            };
            r.insert("status".into(), json!(status));
            r.insert(
                "category".into(),
                coding(
                    &format!("{SYSTEM_BASE}/CodeSystem/medication-class"),
                    class.code(),
                ),
            );
            r.insert("medicationCodeableConcept".into(), text_concept(name));
            r.insert(
                "subject".into(),
                reference(ResourceType::Patient, entry.patient_id),
            );
            let mut effective = Map::new();
            if let Some(started) = started {
                effective.insert("start".into(), json!(date(*started)));
            }
            if let Some(stopped) = stopped {
                effective.insert("end".into(), json!(date(*stopped)));
            }
            if !effective.is_empty() {
                r.insert("effectivePeriod".into(), Value::Object(effective));
            }
            r.insert("dateAsserted".into(), json!(instant(entry.created_at)));
            if let Some(dose) = present(dose) {
                r.insert("dosage".into(), json!([{ "text": dose }]));
            }
            let date = match (started, stopped) {
                (Some(started), Some(stopped)) => Some(Period {
                    start: day_period(*started).start,
                    end: day_period(*stopped).end,
                }),
                (Some(day), None) | (None, Some(day)) => Some(day_period(*day)),
                (None, None) => None,
            };
            Some(Mapped {
                resource_type: ResourceType::MedicationStatement,
                id,
                patient: Some(entry.patient_id),
                identifiers: Vec::new(),
                date,
                status: Some((MEDICATION_STATEMENT_STATUS.into(), status.into())),
                last_updated: entry.updated_at,
                resource: Value::Object(r),
            })
        }
        IntakeItem::Allergy {
            substance,
            reaction,
            severity,
        } => {
            let id = entry.id.to_string();
            let mut r = base(ResourceType::AllergyIntolerance, &id, entry.updated_at);
            r.insert("clinicalStatus".into(), coding(ALLERGY_CLINICAL, "active"));
            let criticality = match severity {
                AllergySeverity::Severe => "high",
                AllergySeverity::Mild | AllergySeverity::Moderate => "low",
            };
            r.insert("criticality".into(), json!(criticality));
            r.insert("code".into(), text_concept(substance));
            r.insert(
                "patient".into(),
                reference(ResourceType::Patient, entry.patient_id),
            );
            r.insert("recordedDate".into(), json!(instant(entry.created_at)));
            if let Some(reaction) = present(reaction) {
                r.insert(
                    "reaction".into(),
                    json!([{
                        "manifestation": [text_concept(reaction)],
                        "severity": severity.code(),
                    }]),
                );
            }
            Some(Mapped {
                resource_type: ResourceType::AllergyIntolerance,
                id,
                patient: Some(entry.patient_id),
                identifiers: Vec::new(),
                date: Some(instant_period(entry.created_at)),
                status: Some((ALLERGY_CLINICAL.into(), "active".into())),
                last_updated: entry.updated_at,
                resource: Value::Object(r),
            })
        }
        IntakeItem::Imaging { .. } => None,
        IntakeItem::Result {
            test,
            kind,
            value,
            taken_on,
            notes,
        } => {
            let id = entry.id.to_string();
            let mut r = base(ResourceType::Observation, &id, entry.updated_at);
            r.insert("status".into(), json!("final"));
            let category = if kind.is_vital_sign() {
                "vital-signs"
            } else {
                "laboratory"
            };
            r.insert(
                "category".into(),
                json!([coding(OBSERVATION_CATEGORY, category)]),
            );
            let mut codings = vec![json!({
                "system": format!("{SYSTEM_BASE}/CodeSystem/result-kind"),
                "code": kind.code(),
            })];
            if let Some(loinc) = kind.loinc() {
                codings.insert(0, json!({ "system": "http://loinc.org", "code": loinc }));
            }
            r.insert("code".into(), json!({ "coding": codings, "text": test }));
            r.insert(
                "subject".into(),
                reference(ResourceType::Patient, entry.patient_id),
            );
            r.insert("effectiveDateTime".into(), json!(date(*taken_on)));
            r.insert("valueString".into(), json!(value));
            if let Some(notes) = present(notes) {
                r.insert("note".into(), json!([{ "text": notes }]));
            }
            Some(Mapped {
                resource_type: ResourceType::Observation,
                id,
                patient: Some(entry.patient_id),
                identifiers: Vec::new(),
                date: Some(day_period(*taken_on)),
                status: Some((OBSERVATION_STATUS.into(), "final".into())),
                last_updated: entry.updated_at,
                resource: Value::Object(r),
            })
        }
    }
}

/// A labelled unit of cells: a harvest's specimen, the product processed
/// from it (its `parent`), or a donor lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellUnit {
    pub id: String,
    pub donation_id: Option<DonationId>,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub product_type: ProductType,
    /// Whose cells these are (specimen, product) or to whom a donor lot is assigned.
    pub patient: Option<PatientId>,
    /// The patient the cells were drawn from (specimens and products).
    pub source_patient: Option<PatientId>,
    pub parent_id: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn product_type_concept(product_type: ProductType) -> Value {
    coding(
        &format!("{SYSTEM_BASE}/CodeSystem/product-type"),
        product_type.code(),
    )
}

fn donation_identifiers(unit: &CellUnit) -> Vec<(String, String)> {
    unit.donation_id
        .iter()
        .map(|id| (donation_id_system(), id.printed()))
        .collect()
}

fn identifier_json(identifiers: &[(String, String)]) -> Option<Value> {
    (!identifiers.is_empty()).then(|| {
        Value::Array(
            identifiers
                .iter()
                .map(|(system, value)| json!({ "system": system, "value": value }))
                .collect(),
        )
    })
}

/// A harvest's specimen as a Specimen (other units are not specimens: `None`).
pub fn specimen(unit: &CellUnit) -> Option<Mapped> {
    if unit.kind != UnitKind::Specimen {
        return None;
    }
    let mut r = base(ResourceType::Specimen, &unit.id, unit.updated_at);
    let identifiers = donation_identifiers(unit);
    if let Some(identifier) = identifier_json(&identifiers) {
        r.insert("identifier".into(), identifier);
    }
    // Drawn or in the lab: there to be processed; afterwards it is used up.
    let status = match unit.status {
        UnitStatus::Collected | UnitStatus::Received => "available",
        _ => "unavailable",
    };
    r.insert("status".into(), json!(status));
    r.insert("type".into(), product_type_concept(unit.product_type));
    if let Some(patient) = unit.source_patient {
        r.insert("subject".into(), reference(ResourceType::Patient, patient));
    }
    if let Some(collected) = unit.collected_at {
        r.insert(
            "collection".into(),
            json!({ "collectedDateTime": instant(collected) }),
        );
    }
    Some(Mapped {
        resource_type: ResourceType::Specimen,
        id: unit.id.clone(),
        patient: unit.patient,
        identifiers,
        date: unit.collected_at.map(instant_period),
        status: Some((SPECIMEN_STATUS.into(), status.into())),
        last_updated: unit.updated_at,
        resource: Value::Object(r),
    })
}

/// Any unit as a BiologicallyDerivedProduct: the harvest, and the product
/// processed from it linked by `parent`.
pub fn biologically_derived_product(unit: &CellUnit) -> Mapped {
    let mut r = base(
        ResourceType::BiologicallyDerivedProduct,
        &unit.id,
        unit.updated_at,
    );
    let identifiers = donation_identifiers(unit);
    if let Some(identifier) = identifier_json(&identifiers) {
        r.insert("identifier".into(), identifier);
    }
    let category = match unit.product_type {
        ProductType::BoneMarrowAspirate => "fluid",
        ProductType::Lipoaspirate => "tissue",
        ProductType::BoneMarrowConcentrate
        | ProductType::StromalVascularFraction
        | ProductType::DonorCells => "cells",
    };
    r.insert("productCategory".into(), json!(category));
    r.insert(
        "productCode".into(),
        product_type_concept(unit.product_type),
    );
    // Available: a specimen on its way to processing, or a released product.
    let status = match (unit.kind, unit.status) {
        (UnitKind::Specimen, UnitStatus::Collected | UnitStatus::Received) => "available",
        (_, UnitStatus::Released) => "available",
        _ => "unavailable",
    };
    r.insert("status".into(), json!(status));
    if let Some(parent) = &unit.parent_id {
        r.insert(
            "parent".into(),
            json!([reference(ResourceType::BiologicallyDerivedProduct, parent)]),
        );
    }
    let mut collection = Map::new();
    if let Some(patient) = unit.source_patient {
        collection.insert("source".into(), reference(ResourceType::Patient, patient));
    }
    if let Some(collected) = unit.collected_at {
        collection.insert("collectedDateTime".into(), json!(instant(collected)));
    }
    if !collection.is_empty() {
        r.insert("collection".into(), Value::Object(collection));
    }
    if let Some(expires) = unit.expires_at {
        r.insert(
            "storage".into(),
            json!([{ "duration": { "end": instant(expires) } }]),
        );
    }
    Mapped {
        resource_type: ResourceType::BiologicallyDerivedProduct,
        id: unit.id.clone(),
        patient: unit.patient,
        identifiers,
        date: unit.collected_at.map(instant_period),
        status: Some((PRODUCT_STATUS.into(), status.into())),
        last_updated: unit.updated_at,
        resource: Value::Object(r),
    }
}

const ADVERSE_EVENT_SERIOUSNESS: &str =
    "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness";
const ADVERSE_EVENT_SEVERITY: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-severity";
const ADVERSE_EVENT_OUTCOME: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome";

/// An adverse event after a session, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdverseEventRecord {
    pub id: String,
    pub patient: PatientId,
    /// The product or donor lot the patient received, when named.
    pub unit_id: Option<String>,
    pub what: String,
    pub onset_at: DateTime<Utc>,
    /// 1 to 5.
    pub grade: i64,
    pub serious: bool,
    pub relatedness: Relatedness,
    pub outcome: AdverseOutcome,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An adverse event. R4's `suspectEntity` cannot name a
/// BiologicallyDerivedProduct, so the product given and the relatedness
/// are extensions.
pub fn adverse_event(event: &AdverseEventRecord) -> Mapped {
    let mut r = base(ResourceType::AdverseEvent, &event.id, event.updated_at);
    let mut extensions = vec![json!({
        "url": format!("{SYSTEM_BASE}/StructureDefinition/adverse-event-relatedness"),
        "valueCode": event.relatedness.code(),
    })];
    if let Some(unit) = &event.unit_id {
        extensions.push(json!({
            "url": format!("{SYSTEM_BASE}/StructureDefinition/adverse-event-product"),
            "valueReference": reference(ResourceType::BiologicallyDerivedProduct, unit),
        }));
    }
    r.insert("extension".into(), Value::Array(extensions));
    r.insert("actuality".into(), json!("actual"));
    r.insert("event".into(), text_concept(&event.what));
    r.insert(
        "subject".into(),
        reference(ResourceType::Patient, event.patient),
    );
    r.insert("date".into(), json!(instant(event.onset_at)));
    r.insert("recordedDate".into(), json!(instant(event.recorded_at)));
    let seriousness = if event.serious {
        "serious"
    } else {
        "non-serious"
    };
    r.insert(
        "seriousness".into(),
        coding(ADVERSE_EVENT_SERIOUSNESS, seriousness),
    );
    let severity = match event.grade {
        ..=1 => "mild",
        2 => "moderate",
        _ => "severe",
    };
    r.insert(
        "severity".into(),
        json!({
            "coding": [
                { "system": ADVERSE_EVENT_SEVERITY, "code": severity },
                { "system": format!("{SYSTEM_BASE}/CodeSystem/adverse-event-grade"), "code": event.grade.to_string() },
            ]
        }),
    );
    let outcome = match event.outcome {
        AdverseOutcome::Recovered => "resolved",
        AdverseOutcome::Recovering => "recovering",
        AdverseOutcome::NotRecovered => "ongoing",
        AdverseOutcome::RecoveredWithSequelae => "resolvedWithSequelae",
        AdverseOutcome::Fatal => "fatal",
        AdverseOutcome::Unknown => "unknown",
    };
    r.insert("outcome".into(), coding(ADVERSE_EVENT_OUTCOME, outcome));
    Mapped {
        resource_type: ResourceType::AdverseEvent,
        id: event.id.clone(),
        patient: Some(event.patient),
        identifiers: Vec::new(),
        date: Some(instant_period(event.onset_at)),
        status: Some((ADVERSE_EVENT_SERIOUSNESS.into(), seriousness.into())),
        last_updated: event.updated_at,
        resource: Value::Object(r),
    }
}

const PROCEDURE_STATUS: &str = "http://hl7.org/fhir/event-status";

/// A step of a session day done on the patient (the harvest, the
/// injection), from its start and finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureRecord {
    /// The id of the step's start.
    pub id: String,
    pub patient: PatientId,
    pub step: DayStep,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A session day's step as a Procedure: in progress until it is finished.
pub fn procedure(step: &ProcedureRecord) -> Mapped {
    let updated = step.finished_at.unwrap_or(step.started_at);
    let mut r = base(ResourceType::Procedure, &step.id, updated);
    let status = if step.finished_at.is_some() {
        "completed"
    } else {
        "in-progress"
    };
    r.insert("status".into(), json!(status));
    r.insert(
        "code".into(),
        coding(
            &format!("{SYSTEM_BASE}/CodeSystem/session-step"),
            step.step.code(),
        ),
    );
    r.insert(
        "subject".into(),
        reference(ResourceType::Patient, step.patient),
    );
    let mut performed = Map::new();
    performed.insert("start".into(), json!(instant(step.started_at)));
    if let Some(finished) = step.finished_at {
        performed.insert("end".into(), json!(instant(finished)));
    }
    r.insert("performedPeriod".into(), Value::Object(performed));
    Mapped {
        resource_type: ResourceType::Procedure,
        id: step.id.clone(),
        patient: Some(step.patient),
        identifiers: Vec::new(),
        date: Some(Period {
            start: step.started_at,
            end: step
                .finished_at
                .map_or(instant_period(step.started_at).end, |f| {
                    instant_period(f).end
                }),
        }),
        status: Some((PROCEDURE_STATUS.into(), status.into())),
        last_updated: updated,
        resource: Value::Object(r),
    }
}

const PUBLICATION_STATUS: &str = "http://hl7.org/fhir/publication-status";
const RESPONSE_STATUS: &str = "http://hl7.org/fhir/questionnaire-answers-status";

/// The canonical URL of a questionnaire Cellpath ships.
pub fn questionnaire_url(code: &str) -> String {
    format!("{SYSTEM_BASE}/Questionnaire/{code}")
}

fn answer_system(code: &str) -> String {
    format!("{SYSTEM_BASE}/CodeSystem/{code}-answers")
}

/// A questionnaire's definition (its id is its code). Its texts are the
/// English ones; `published` is when it was last changed.
pub fn questionnaire(definition: &Definition, published: DateTime<Utc>) -> Mapped {
    let code = definition.code();
    let mut r = base(ResourceType::Questionnaire, code, published);
    r.insert("url".into(), json!(questionnaire_url(code)));
    r.insert("title".into(), json!(definition.title().en));
    r.insert("status".into(), json!("active"));
    r.insert("subjectType".into(), json!(["Patient"]));
    let items: Vec<Value> = definition
        .items()
        .iter()
        .map(|item| {
            let mut value = json!({
                "linkId": item.code,
                "text": item.text.en,
                "required": item.required,
            });
            match &item.answers {
                Answers::Options(options) => {
                    value["type"] = json!("choice");
                    value["answerOption"] = Value::Array(
                        options
                            .iter()
                            .map(|o| {
                                json!({ "valueCoding": {
                                    "system": answer_system(code),
                                    "code": o.value.to_string(),
                                    "display": o.label.en,
                                } })
                            })
                            .collect(),
                    );
                }
                Answers::Range { .. } => value["type"] = json!("integer"),
            }
            value
        })
        .collect();
    r.insert("item".into(), Value::Array(items));
    Mapped {
        resource_type: ResourceType::Questionnaire,
        id: code.to_string(),
        patient: None,
        identifiers: Vec::new(),
        date: None,
        status: Some((PUBLICATION_STATUS.into(), "active".into())),
        last_updated: published,
        resource: Value::Object(r),
    }
}

/// A patient's answers to a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRecord {
    pub id: String,
    pub patient: PatientId,
    pub answers: std::collections::BTreeMap<String, i64>,
    pub answered_at: DateTime<Utc>,
}

/// A saved questionnaire as a completed QuestionnaireResponse, each answer
/// as its definition asks (a coded option or an integer).
pub fn questionnaire_response(definition: &Definition, response: &ResponseRecord) -> Mapped {
    let code = definition.code();
    let mut r = base(
        ResourceType::QuestionnaireResponse,
        &response.id,
        response.answered_at,
    );
    r.insert("questionnaire".into(), json!(questionnaire_url(code)));
    r.insert("status".into(), json!("completed"));
    r.insert(
        "subject".into(),
        reference(ResourceType::Patient, response.patient),
    );
    r.insert("authored".into(), json!(instant(response.answered_at)));
    let items: Vec<Value> = definition
        .items()
        .iter()
        .filter_map(|item| {
            let value = *response.answers.get(&item.code)?;
            let answer = match &item.answers {
                Answers::Options(options) => {
                    let label = options.iter().find(|o| o.value == value)?;
                    json!({ "valueCoding": {
                        "system": answer_system(code),
                        "code": value.to_string(),
                        "display": label.label.en,
                    } })
                }
                Answers::Range { .. } => json!({ "valueInteger": value }),
            };
            Some(json!({ "linkId": item.code, "text": item.text.en, "answer": [answer] }))
        })
        .collect();
    if !items.is_empty() {
        r.insert("item".into(), Value::Array(items));
    }
    Mapped {
        resource_type: ResourceType::QuestionnaireResponse,
        id: response.id.clone(),
        patient: Some(response.patient),
        identifiers: Vec::new(),
        date: Some(instant_period(response.answered_at)),
        status: Some((RESPONSE_STATUS.into(), "completed".into())),
        last_updated: response.answered_at,
        resource: Value::Object(r),
    }
}

const OBSERVATION_STATUS: &str = "http://hl7.org/fhir/observation-status";

/// The scores of a saved questionnaire as Observations, one per score
/// computed (a score with too few answers is not an observation), each
/// derived from its QuestionnaireResponse. Ids are the response's and the
/// score's code.
pub fn score_observations(
    definition: &Definition,
    response: &ResponseRecord,
    scores: &[(String, f64)],
) -> Vec<Mapped> {
    let code = definition.code();
    scores
        .iter()
        .filter_map(|(score, value)| {
            let id = format!("{}-{score}", response.id);
            let fhir_id = id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !fhir_id || !value.is_finite() {
                return None;
            }
            let title = definition
                .scores()
                .iter()
                .find(|rule| rule.code == *score)
                .map(|rule| rule.title.en.clone())?;
            let mut r = base(ResourceType::Observation, &id, response.answered_at);
            r.insert("status".into(), json!("final"));
            r.insert(
                "category".into(),
                json!([coding(OBSERVATION_CATEGORY, "survey")]),
            );
            r.insert(
                "code".into(),
                json!({
                    "coding": [{
                        "system": format!("{SYSTEM_BASE}/CodeSystem/{code}-scores"),
                        "code": score,
                    }],
                    "text": title,
                }),
            );
            r.insert(
                "subject".into(),
                reference(ResourceType::Patient, response.patient),
            );
            r.insert(
                "effectiveDateTime".into(),
                json!(instant(response.answered_at)),
            );
            r.insert(
                "valueQuantity".into(),
                json!({ "value": value, "unit": "score" }),
            );
            r.insert(
                "derivedFrom".into(),
                json!([reference(ResourceType::QuestionnaireResponse, &response.id)]),
            );
            Some(Mapped {
                resource_type: ResourceType::Observation,
                id,
                patient: Some(response.patient),
                identifiers: Vec::new(),
                date: Some(instant_period(response.answered_at)),
                status: Some((OBSERVATION_STATUS.into(), "final".into())),
                last_updated: response.answered_at,
                resource: Value::Object(r),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cellpath_domain::intake::{ConditionCategory, ConditionStatus, MedicationClass};
    use cellpath_domain::patient::{RecordNumber, Sex};
    use cellpath_domain::{ItemId, Locale, PatientId};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn sample_patient() -> Patient {
        Patient {
            id: PatientId::new(),
            site_id: SiteId::new(),
            record_number: RecordNumber::parse("record_number", "CP-000042").expect("number"),
            given_name: "Layla".into(),
            family_name: "Haddad".into(),
            other_script_name: Some("ليلى حداد".into()),
            date_of_birth: day("1970-03-04"),
            sex: Sex::Female,
            phone: Some("+971 50 000 0000".into()),
            email: None,
            address: Some("  ".into()),
            preferred_language: Locale::Ar,
            version: 1,
            created_at: at("2026-01-02T03:04:05.123456Z"),
            updated_at: at("2026-01-02T03:04:05.123456Z"),
        }
    }

    #[test]
    fn a_patient_carries_their_record_number_names_and_language_and_no_blank_text() {
        let p = sample_patient();
        let mapped = patient(&p);
        let r = &mapped.resource;
        assert_eq!(r["resourceType"], "Patient");
        assert_eq!(r["id"], p.id.to_string());
        assert_eq!(r["meta"]["lastUpdated"], "2026-01-02T03:04:05.123Z");
        assert_eq!(r["identifier"][0]["value"], "CP-000042");
        assert_eq!(r["name"][0]["family"], "Haddad");
        assert_eq!(r["name"][1]["text"], "ليلى حداد");
        assert_eq!(r["gender"], "female");
        assert_eq!(r["birthDate"], "1970-03-04");
        assert_eq!(r["communication"][0]["language"]["coding"][0]["code"], "ar");
        assert!(r.get("address").is_none(), "a blank address is left out");
        assert_eq!(r["telecom"].as_array().map(Vec::len), Some(1));
        assert_eq!(mapped.patient, Some(p.id));
    }

    fn entry(item: IntakeItem) -> IntakeEntry {
        IntakeEntry {
            id: ItemId::new(),
            patient_id: PatientId::new(),
            site_id: SiteId::new(),
            item,
            version: 1,
            created_at: at("2026-02-01T10:00:00Z"),
            updated_at: at("2026-02-01T10:00:00Z"),
        }
    }

    #[test]
    fn a_medication_stopped_by_today_is_completed_and_one_stopping_later_is_active() {
        let medication = |stopped: &str| {
            entry(IntakeItem::Medication {
                name: "Ibuprofen".into(),
                class: MedicationClass::Nsaid,
                dose: Some("400 mg".into()),
                started: Some(day("2026-01-01")),
                stopped: Some(day(stopped)),
            })
        };
        let today = day("2026-03-01");
        let done = intake(&medication("2026-03-01"), today).expect("served");
        assert_eq!(done.resource["status"], "completed");
        assert_eq!(done.resource["effectivePeriod"]["end"], "2026-03-01");
        let taken = intake(&medication("2026-03-02"), today).expect("served");
        assert_eq!(taken.resource["status"], "active");
        assert_eq!(taken.resource["category"]["coding"][0]["code"], "nsaid");
    }

    #[test]
    fn a_condition_refers_to_its_patient_and_imaging_is_not_served() {
        let condition = entry(IntakeItem::Condition {
            name: "Knee osteoarthritis".into(),
            status: ConditionStatus::Active,
            category: ConditionCategory::Other,
            onset: Some(day("2020-05-01")),
            notes: None,
        });
        let mapped = intake(&condition, day("2026-03-01")).expect("served");
        assert_eq!(
            mapped.resource["subject"]["reference"],
            format!("Patient/{}", condition.patient_id)
        );
        assert_eq!(mapped.resource["onsetDateTime"], "2020-05-01");
        assert_eq!(mapped.status.map(|s| s.1), Some("active".to_string()));
        let imaging = entry(IntakeItem::Imaging {
            modality: cellpath_domain::intake::ImagingModality::Mri,
            region: "Knee".into(),
            performed_on: day("2026-01-01"),
            findings: None,
        });
        assert_eq!(intake(&imaging, day("2026-03-01")), None);
    }
}
