//! HL7 FHIR R4 (4.0.1) JSON for Cellpath, pure: the mapping of Cellpath's
//! records to FHIR resources (`resources`), the search parameters each type
//! supports and their matching (`search`), searchset Bundles with paging
//! links (`bundle`), OperationOutcome (`outcome`) and the CapabilityStatement
//! built from the same tables (`capability`), so that metadata lists exactly
//! what the server does. It knows neither HTTP nor SQL: the web layer serves
//! what it builds and an exporter can write the same `Mapped` resources out.
//! Parsing incoming (transaction) Bundles belongs in `bundle` beside the
//! searchset it builds.

pub mod bundle;
pub mod capability;
pub mod import;
pub mod outcome;
pub mod resources;
pub mod search;
pub mod workflow;

use cellpath_domain::PatientId;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The media type of every FHIR response.
pub const FHIR_JSON: &str = "application/fhir+json";
/// The FHIR version spoken.
pub const FHIR_VERSION: &str = "4.0.1";
/// The root of Cellpath's own identifier systems and code systems.
pub const SYSTEM_BASE: &str = "https://fhir.cellpath.example";

/// The resource types served, in the order the CapabilityStatement lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Patient,
    Practitioner,
    Location,
    Appointment,
    Slot,
    Schedule,
    Condition,
    MedicationStatement,
    AllergyIntolerance,
    Consent,
    CarePlan,
    Task,
    Procedure,
    Specimen,
    BiologicallyDerivedProduct,
    Observation,
    Questionnaire,
    QuestionnaireResponse,
    AdverseEvent,
}

impl ResourceType {
    pub const ALL: [ResourceType; 19] = [
        ResourceType::Patient,
        ResourceType::Practitioner,
        ResourceType::Location,
        ResourceType::Appointment,
        ResourceType::Slot,
        ResourceType::Schedule,
        ResourceType::Condition,
        ResourceType::MedicationStatement,
        ResourceType::AllergyIntolerance,
        ResourceType::Consent,
        ResourceType::CarePlan,
        ResourceType::Task,
        ResourceType::Procedure,
        ResourceType::Specimen,
        ResourceType::BiologicallyDerivedProduct,
        ResourceType::Observation,
        ResourceType::Questionnaire,
        ResourceType::QuestionnaireResponse,
        ResourceType::AdverseEvent,
    ];

    /// The type's name as FHIR spells it (`resourceType`, URL segment).
    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Patient => "Patient",
            ResourceType::Practitioner => "Practitioner",
            ResourceType::Location => "Location",
            ResourceType::Appointment => "Appointment",
            ResourceType::Slot => "Slot",
            ResourceType::Schedule => "Schedule",
            ResourceType::Condition => "Condition",
            ResourceType::MedicationStatement => "MedicationStatement",
            ResourceType::AllergyIntolerance => "AllergyIntolerance",
            ResourceType::Consent => "Consent",
            ResourceType::CarePlan => "CarePlan",
            ResourceType::Task => "Task",
            ResourceType::Procedure => "Procedure",
            ResourceType::Specimen => "Specimen",
            ResourceType::BiologicallyDerivedProduct => "BiologicallyDerivedProduct",
            ResourceType::Observation => "Observation",
            ResourceType::Questionnaire => "Questionnaire",
            ResourceType::QuestionnaireResponse => "QuestionnaireResponse",
            ResourceType::AdverseEvent => "AdverseEvent",
        }
    }

    /// A served type by its exact FHIR name.
    pub fn parse(name: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A time range `[start, end)`: a date is its whole day (UTC), an instant
/// its second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One Cellpath record as a FHIR resource, with the facts search matches on.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub resource_type: ResourceType,
    pub id: String,
    /// The patient whose data this is (`None` for staff and sites).
    pub patient: Option<PatientId>,
    /// `(system, value)` of each identifier.
    pub identifiers: Vec<(String, String)>,
    /// What the type's date parameter matches.
    pub date: Option<Period>,
    /// `(system, code)` of what the type's status parameter matches.
    pub status: Option<(String, String)>,
    pub last_updated: DateTime<Utc>,
    /// The resource's JSON.
    pub resource: Value,
}
