//! The clinic's workflow as FHIR R4 resources: the resources that are
//! booked (Schedule), their booked times (Slot), sessions and follow-up
//! visits (Appointment), signed consents (Consent), treatment plans
//! (CarePlan) and the triage queue's alerts (Task). Like `resources`, each
//! function returns the resource's JSON with the facts search matches on.

use crate::resources::{base, coding, day_period, instant, instant_period, present, reference};
use crate::{Mapped, Period, ResourceType, SYSTEM_BASE};
use cellpath_domain::plan::PlanStatus;
use cellpath_domain::{PatientId, SiteId, UserId};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

const APPOINTMENT_STATUS: &str = "http://hl7.org/fhir/appointmentstatus";
const SLOT_STATUS: &str = "http://hl7.org/fhir/slotstatus";
const CONSENT_STATUS: &str = "http://hl7.org/fhir/consent-state-codes";
const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const CONSENT_CATEGORY: &str = "http://loinc.org";
const CARE_PLAN_STATUS: &str = "http://hl7.org/fhir/request-status";
const TASK_STATUS: &str = "http://hl7.org/fhir/task-status";
const SCHEDULE_ACTIVE: &str = "http://hl7.org/fhir/special-values";

/// A booked resource's time inside an appointment: a room, a member of
/// staff or a piece of equipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The scheduling resource (its Schedule's id).
    pub resource_id: String,
    pub name: String,
    /// The staff account the resource is, when it is a person.
    pub practitioner: Option<UserId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// What an appointment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentKind {
    /// A treatment session (its number in the plan).
    Session { number: i64 },
    /// A follow-up visit, days after its session.
    FollowUp { offset_days: i64 },
}

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    /// Kept for the coordinator: nothing was free in its window.
    Proposed,
    Booked,
    CheckedIn,
    Fulfilled,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Proposed => "proposed",
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::CheckedIn => "checked-in",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "noshow",
        }
    }
}

/// A treatment session or a follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: String,
    pub patient: PatientId,
    pub site: SiteId,
    pub kind: AppointmentKind,
    pub status: AppointmentStatus,
    /// From the first holding's start to the last one's end (the visit's
    /// day when it has no time yet).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub holdings: Vec<Holding>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The id of the Slot a holding is: its resource and its start minute
/// (a resource is never booked twice at once).
pub fn slot_id(holding: &Holding) -> String {
    format!(
        "{}-{}",
        holding.resource_id,
        holding.starts_at.timestamp().div_euclid(60)
    )
}

fn appointment_kind_code(kind: AppointmentKind) -> (&'static str, String) {
    match kind {
        AppointmentKind::Session { number } => {
            ("treatment-session", format!("Treatment session {number}"))
        }
        AppointmentKind::FollowUp { offset_days } => (
            "follow-up",
            format!("Follow-up visit, day {offset_days} after the session"),
        ),
    }
}

/// A session or a follow-up visit as an Appointment: the patient and every
/// booked resource take part; its Slots are the holdings.
pub fn appointment(a: &AppointmentRecord) -> Mapped {
    let mut r = base(ResourceType::Appointment, &a.id, a.updated_at);
    r.insert("status".into(), json!(a.status.code()));
    let (code, text) = appointment_kind_code(a.kind);
    r.insert(
        "appointmentType".into(),
        json!({
            "coding": [{ "system": format!("{SYSTEM_BASE}/CodeSystem/appointment-kind"), "code": code }],
            "text": text,
        }),
    );
    // R4 (app-3): only a proposed or cancelled appointment may lack its times.
    let times = match (a.start, a.end) {
        (Some(start), Some(end)) => Some((start, end)),
        _ => None,
    };
    if let Some((start, end)) = times {
        r.insert("start".into(), json!(instant(start)));
        r.insert("end".into(), json!(instant(end)));
        let minutes = (end - start).num_minutes();
        if minutes > 0 {
            r.insert("minutesDuration".into(), json!(minutes));
        }
    }
    let slots: Vec<Value> = a
        .holdings
        .iter()
        .map(|h| reference(ResourceType::Slot, slot_id(h)))
        .collect();
    if !slots.is_empty() {
        r.insert("slot".into(), Value::Array(slots));
    }
    r.insert("created".into(), json!(instant(a.created_at)));
    let mut participants = vec![json!({
        "actor": reference(ResourceType::Patient, a.patient),
        "required": "required",
        "status": "accepted",
    })];
    let mut seen: Vec<&str> = Vec::new();
    for holding in &a.holdings {
        if seen.contains(&holding.resource_id.as_str()) {
            continue;
        }
        seen.push(&holding.resource_id);
        let actor = match holding.practitioner {
            Some(user) => {
                json!({ "reference": format!("Practitioner/{user}"), "display": holding.name })
            }
            None => json!({ "display": holding.name }),
        };
        participants.push(json!({ "actor": actor, "required": "required", "status": "accepted" }));
    }
    participants.push(json!({
        "actor": reference(ResourceType::Location, a.site),
        "required": "information-only",
        "status": "accepted",
    }));
    r.insert("participant".into(), Value::Array(participants));
    let date = times
        .map(|(start, end)| Period {
            start,
            end: end.max(instant_period(start).end),
        })
        .or_else(|| a.start.map(|s| day_period(s.date_naive())));
    Mapped {
        resource_type: ResourceType::Appointment,
        id: a.id.clone(),
        patient: Some(a.patient),
        identifiers: Vec::new(),
        date,
        status: Some((APPOINTMENT_STATUS.into(), a.status.code().into())),
        last_updated: a.updated_at,
        resource: Value::Object(r),
    }
}

/// Each holding of an appointment as a busy Slot of its resource's
/// Schedule. A Slot names no patient.
pub fn slots(a: &AppointmentRecord) -> Vec<Mapped> {
    a.holdings
        .iter()
        .map(|h| {
            let id = slot_id(h);
            let mut r = base(ResourceType::Slot, &id, a.updated_at);
            r.insert(
                "schedule".into(),
                reference(ResourceType::Schedule, &h.resource_id),
            );
            r.insert("status".into(), json!("busy"));
            r.insert("start".into(), json!(instant(h.starts_at)));
            r.insert("end".into(), json!(instant(h.ends_at)));
            Mapped {
                resource_type: ResourceType::Slot,
                id,
                patient: None,
                identifiers: Vec::new(),
                date: Some(Period {
                    start: h.starts_at,
                    end: h.ends_at.max(instant_period(h.starts_at).end),
                }),
                status: Some((SLOT_STATUS.into(), "busy".into())),
                last_updated: a.updated_at,
                resource: Value::Object(r),
            }
        })
        .collect()
}

/// A resource the clinic books: a room, a member of staff, equipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRecord {
    pub id: String,
    pub site: SiteId,
    pub name: String,
    /// The resource kind's code (`room`, `physician`...).
    pub kind: String,
    pub practitioner: Option<UserId>,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// A bookable resource as a Schedule of its site (and of its member of
/// staff, when it is one).
pub fn schedule(s: &ScheduleRecord) -> Mapped {
    let mut r = base(ResourceType::Schedule, &s.id, s.updated_at);
    r.insert("active".into(), json!(s.active));
    r.insert(
        "serviceType".into(),
        json!([{
            "coding": [{ "system": format!("{SYSTEM_BASE}/CodeSystem/resource-kind"), "code": s.kind }],
        }]),
    );
    let mut actors = Vec::new();
    if let Some(user) = s.practitioner {
        actors.push(json!({ "reference": format!("Practitioner/{user}"), "display": s.name }));
    }
    actors.push(json!({
        "reference": format!("Location/{}", s.site),
        "display": s.name,
    }));
    r.insert("actor".into(), Value::Array(actors));
    let active = if s.active { "true" } else { "false" };
    Mapped {
        resource_type: ResourceType::Schedule,
        id: s.id.clone(),
        patient: None,
        identifiers: Vec::new(),
        date: None,
        status: Some((SCHEDULE_ACTIVE.into(), active.into())),
        last_updated: s.updated_at,
        resource: Value::Object(r),
    }
}

/// A signed consent, with the version of the text the patient was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: String,
    pub patient: PatientId,
    pub site: SiteId,
    /// The procedure's code the text is for.
    pub procedure: String,
    /// The language of the text shown (`en`, `ar`).
    pub locale: String,
    pub template_version: i64,
    pub signed_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A consent to treatment: active once signed, inactive once withdrawn.
/// Its policy is the consent text's procedure and version.
pub fn consent(c: &ConsentRecord) -> Mapped {
    let updated = c.withdrawn_at.unwrap_or(c.signed_at);
    let mut r = base(ResourceType::Consent, &c.id, updated);
    let status = if c.withdrawn_at.is_some() {
        "inactive"
    } else {
        "active"
    };
    r.insert("status".into(), json!(status));
    r.insert("scope".into(), coding(CONSENT_SCOPE, "treatment"));
    r.insert(
        "category".into(),
        json!([{ "coding": [{ "system": CONSENT_CATEGORY, "code": "59284-0", "display": "Consent Document" }] }]),
    );
    r.insert(
        "patient".into(),
        reference(ResourceType::Patient, c.patient),
    );
    r.insert("dateTime".into(), json!(instant(c.signed_at)));
    r.insert(
        "performer".into(),
        json!([reference(ResourceType::Patient, c.patient)]),
    );
    r.insert(
        "policy".into(),
        json!([{
            "uri": format!(
                "{SYSTEM_BASE}/consent-text/{}/{}/{}",
                c.procedure, c.locale, c.template_version
            ),
        }]),
    );
    let mut provision = Map::new();
    provision.insert("type".into(), json!("permit"));
    let mut period = Map::new();
    period.insert("start".into(), json!(instant(c.signed_at)));
    if let Some(withdrawn) = c.withdrawn_at {
        period.insert("end".into(), json!(instant(withdrawn)));
    }
    provision.insert("period".into(), Value::Object(period));
    r.insert("provision".into(), Value::Object(provision));
    Mapped {
        resource_type: ResourceType::Consent,
        id: c.id.clone(),
        patient: Some(c.patient),
        identifiers: Vec::new(),
        date: Some(instant_period(c.signed_at)),
        status: Some((CONSENT_STATUS.into(), status.into())),
        last_updated: updated,
        resource: Value::Object(r),
    }
}

/// A treatment plan with its sessions and follow-up visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarePlanRecord {
    pub id: String,
    pub patient: PatientId,
    pub status: PlanStatus,
    /// The plan's codes: indication, target site, side, cell source.
    pub indication: String,
    pub target_site: String,
    pub side: String,
    pub cell_source: String,
    pub planned_sessions: u32,
    pub study_id: Option<String>,
    /// The Appointments of its sessions and visits.
    pub appointments: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A treatment plan as a CarePlan: a draft until the physician decides,
/// then active (approved) or revoked (declined).
pub fn care_plan(p: &CarePlanRecord) -> Mapped {
    let mut r = base(ResourceType::CarePlan, &p.id, p.updated_at);
    let status = match p.status {
        PlanStatus::Draft => "draft",
        PlanStatus::Approved => "active",
        PlanStatus::Declined => "revoked",
    };
    r.insert("status".into(), json!(status));
    r.insert("intent".into(), json!("plan"));
    let concept = |name: &str, code: &str| json!({ "coding": [{ "system": format!("{SYSTEM_BASE}/CodeSystem/{name}"), "code": code }] });
    r.insert(
        "category".into(),
        json!([
            concept("indication", &p.indication),
            concept("target-site", &p.target_site),
            concept("side", &p.side),
            concept("cell-source", &p.cell_source),
        ]),
    );
    let mut description = format!(
        "{} sessions planned ({}, {} {}, {})",
        p.planned_sessions, p.indication, p.target_site, p.side, p.cell_source
    );
    if let Some(study) = present(&p.study_id) {
        description.push_str(&format!("; study {study}"));
    }
    r.insert("description".into(), json!(description));
    r.insert(
        "subject".into(),
        reference(ResourceType::Patient, p.patient),
    );
    r.insert("period".into(), json!({ "start": instant(p.created_at) }));
    r.insert("created".into(), json!(instant(p.created_at)));
    let activities: Vec<Value> = p
        .appointments
        .iter()
        .map(|a| json!({ "reference": reference(ResourceType::Appointment, a) }))
        .collect();
    if !activities.is_empty() {
        r.insert("activity".into(), Value::Array(activities));
    }
    Mapped {
        resource_type: ResourceType::CarePlan,
        id: p.id.clone(),
        patient: Some(p.patient),
        identifiers: Vec::new(),
        date: Some(instant_period(p.created_at)),
        status: Some((CARE_PLAN_STATUS.into(), status.into())),
        last_updated: p.updated_at,
        resource: Value::Object(r),
    }
}

/// An alert of the triage queue: a red flag in a patient's symptom diary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: String,
    pub patient: PatientId,
    /// The red-flag rule's code.
    pub rule: String,
    /// `urgent` or `high`.
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    /// Who took it.
    pub owner: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closing_note: Option<String>,
}

/// A triage alert as a Task: requested until someone takes it, in
/// progress while they work on it, completed once closed.
pub fn task(t: &TaskRecord) -> Mapped {
    let updated = t.closed_at.unwrap_or(t.opened_at);
    let mut r = base(ResourceType::Task, &t.id, updated);
    let status = match (t.closed_at, t.owner) {
        (Some(_), _) => "completed",
        (None, Some(_)) => "in-progress",
        (None, None) => "requested",
    };
    r.insert("status".into(), json!(status));
    r.insert("intent".into(), json!("order"));
    let priority = if t.severity == "urgent" {
        "urgent"
    } else {
        "asap"
    };
    r.insert("priority".into(), json!(priority));
    r.insert(
        "code".into(),
        json!({
            "coding": [{ "system": format!("{SYSTEM_BASE}/CodeSystem/red-flag-rule"), "code": t.rule }],
            "text": "Triage a red flag in the symptom diary",
        }),
    );
    r.insert("for".into(), reference(ResourceType::Patient, t.patient));
    r.insert("authoredOn".into(), json!(instant(t.opened_at)));
    r.insert("lastModified".into(), json!(instant(updated)));
    let mut period = Map::new();
    period.insert("start".into(), json!(instant(t.opened_at)));
    if let Some(closed) = t.closed_at {
        period.insert("end".into(), json!(instant(closed)));
    }
    r.insert("executionPeriod".into(), Value::Object(period));
    if let Some(owner) = t.owner {
        r.insert(
            "owner".into(),
            json!({ "reference": format!("Practitioner/{owner}") }),
        );
    }
    if let Some(note) = present(&t.closing_note) {
        r.insert("note".into(), json!([{ "text": note }]));
    }
    Mapped {
        resource_type: ResourceType::Task,
        id: t.id.clone(),
        patient: Some(t.patient),
        identifiers: Vec::new(),
        date: Some(instant_period(t.opened_at)),
        status: Some((TASK_STATUS.into(), status.into())),
        last_updated: updated,
        resource: Value::Object(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn session() -> AppointmentRecord {
        let physician = UserId::new();
        AppointmentRecord {
            id: "0190-session".into(),
            patient: PatientId::new(),
            site: SiteId::new(),
            kind: AppointmentKind::Session { number: 2 },
            status: AppointmentStatus::Booked,
            start: Some(at("2026-12-01T08:00:00Z")),
            end: Some(at("2026-12-01T11:30:00Z")),
            holdings: vec![
                Holding {
                    resource_id: "room-1".into(),
                    name: "Procedure room".into(),
                    practitioner: None,
                    starts_at: at("2026-12-01T08:30:00Z"),
                    ends_at: at("2026-12-01T10:00:00Z"),
                },
                Holding {
                    resource_id: "dr".into(),
                    name: "Dr Amal".into(),
                    practitioner: Some(physician),
                    starts_at: at("2026-12-01T08:30:00Z"),
                    ends_at: at("2026-12-01T09:00:00Z"),
                },
                Holding {
                    resource_id: "dr".into(),
                    name: "Dr Amal".into(),
                    practitioner: Some(physician),
                    starts_at: at("2026-12-01T09:30:00Z"),
                    ends_at: at("2026-12-01T10:00:00Z"),
                },
            ],
            created_at: at("2026-11-20T10:00:00Z"),
            updated_at: at("2026-11-21T10:00:00Z"),
        }
    }

    #[test]
    fn an_appointment_names_its_patient_each_resource_once_and_its_slots() {
        let a = session();
        let mapped = appointment(&a);
        let r = &mapped.resource;
        assert_eq!(r["status"], "booked");
        assert_eq!(r["start"], "2026-12-01T08:00:00.000Z");
        assert_eq!(r["end"], "2026-12-01T11:30:00.000Z");
        assert_eq!(r["minutesDuration"], 210);
        let actors: Vec<String> = r["participant"]
            .as_array()
            .expect("participants")
            .iter()
            .map(|p| {
                p["actor"]["reference"]
                    .as_str()
                    .or(p["actor"]["display"].as_str())
                    .expect("actor")
                    .split('/')
                    .next()
                    .expect("type")
                    .to_string()
            })
            .collect();
        assert_eq!(
            actors,
            ["Patient", "Procedure room", "Practitioner", "Location"]
        );
        let slot_ids: Vec<String> = slots(&a).into_iter().map(|s| s.id).collect();
        let referenced: Vec<String> = r["slot"]
            .as_array()
            .expect("slots")
            .iter()
            .map(|s| {
                s["reference"]
                    .as_str()
                    .expect("reference")
                    .trim_start_matches("Slot/")
                    .to_string()
            })
            .collect();
        assert_eq!(slot_ids, referenced);
        assert_eq!(slot_ids.len(), 3, "{slot_ids:?}");
        assert!(slot_ids.iter().all(|id| id.len() <= 64));
        let slot = &slots(&a)[1].resource;
        assert_eq!(slot["schedule"]["reference"], "Schedule/dr");
        assert_eq!(slot["status"], "busy");
        assert_eq!(slot["end"], "2026-12-01T09:00:00.000Z");
        assert_eq!(slots(&a)[1].patient, None, "a slot names no patient");
    }

    #[test]
    fn a_visit_waiting_for_a_time_is_proposed_without_times_but_searchable_by_its_day() {
        let mut a = session();
        a.kind = AppointmentKind::FollowUp { offset_days: 7 };
        a.status = AppointmentStatus::Proposed;
        a.start = Some(at("2026-12-08T00:00:00Z"));
        a.end = None;
        a.holdings.clear();
        let mapped = appointment(&a);
        assert_eq!(mapped.resource["status"], "proposed");
        assert!(mapped.resource.get("start").is_none() && mapped.resource.get("end").is_none());
        assert!(mapped.resource.get("slot").is_none());
        assert_eq!(mapped.date.expect("date").start, at("2026-12-08T00:00:00Z"));
        assert_eq!(mapped.date.expect("date").end, at("2026-12-09T00:00:00Z"));
    }

    #[test]
    fn a_withdrawn_consent_is_inactive_and_its_permission_ends_at_the_withdrawal() {
        let mut c = ConsentRecord {
            id: "c1".into(),
            patient: PatientId::new(),
            site: SiteId::new(),
            procedure: "bone_marrow".into(),
            locale: "ar".into(),
            template_version: 3,
            signed_at: at("2026-11-01T09:00:00Z"),
            withdrawn_at: None,
        };
        let signed = consent(&c).resource;
        assert_eq!(signed["status"], "active");
        assert_eq!(
            signed["policy"][0]["uri"],
            format!("{SYSTEM_BASE}/consent-text/bone_marrow/ar/3")
        );
        assert!(signed["provision"]["period"].get("end").is_none());
        c.withdrawn_at = Some(at("2026-11-03T09:00:00Z"));
        let withdrawn = consent(&c);
        assert_eq!(withdrawn.resource["status"], "inactive");
        assert_eq!(
            withdrawn.resource["provision"]["period"]["end"],
            "2026-11-03T09:00:00.000Z"
        );
        assert_eq!(withdrawn.last_updated, at("2026-11-03T09:00:00Z"));
    }

    #[test]
    fn plans_and_alerts_take_the_status_of_where_they_stand() {
        let mut p = CarePlanRecord {
            id: "p1".into(),
            patient: PatientId::new(),
            status: PlanStatus::Draft,
            indication: "osteoarthritis".into(),
            target_site: "knee".into(),
            side: "right".into(),
            cell_source: "bone_marrow".into(),
            planned_sessions: 2,
            study_id: Some("  ".into()),
            appointments: vec!["s1".into(), "v1".into()],
            created_at: at("2026-11-01T09:00:00Z"),
            updated_at: at("2026-11-02T09:00:00Z"),
        };
        let statuses: Vec<String> = [
            PlanStatus::Draft,
            PlanStatus::Approved,
            PlanStatus::Declined,
        ]
        .into_iter()
        .map(|s| {
            p.status = s;
            care_plan(&p).resource["status"]
                .as_str()
                .expect("status")
                .to_string()
        })
        .collect();
        assert_eq!(statuses, ["draft", "active", "revoked"]);
        let plan = care_plan(&p).resource;
        assert_eq!(
            plan["activity"][1]["reference"]["reference"],
            "Appointment/v1"
        );
        assert!(
            !plan["description"]
                .as_str()
                .expect("text")
                .contains("study"),
            "a blank study is left out"
        );

        let mut t = TaskRecord {
            id: "a1".into(),
            patient: PatientId::new(),
            rule: "fever-urgent".into(),
            severity: "urgent".into(),
            opened_at: at("2026-11-05T09:00:00Z"),
            owner: None,
            closed_at: None,
            closing_note: None,
        };
        assert_eq!(task(&t).resource["status"], "requested");
        assert_eq!(task(&t).resource["priority"], "urgent");
        t.owner = Some(UserId::new());
        assert_eq!(task(&t).resource["status"], "in-progress");
        t.closed_at = Some(at("2026-11-05T09:40:00Z"));
        t.closing_note = Some("Called back; seen the same day".into());
        let closed = task(&t);
        assert_eq!(closed.resource["status"], "completed");
        assert_eq!(
            closed.resource["executionPeriod"]["end"],
            "2026-11-05T09:40:00.000Z"
        );
        assert_eq!(closed.last_updated, at("2026-11-05T09:40:00Z"));
    }
}
