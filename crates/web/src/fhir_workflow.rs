//! The clinic's workflow records (sessions and visits, bookable resources,
//! consents, plans, triage alerts) as the FHIR mapping's records: Appointment,
//! Slot, Schedule, Consent, CarePlan and Task.

use cellpath_app::fhir::BookedSession;
use cellpath_app::{AlertRow, ConsentRow, FollowUpRow, ResourceRow};
use cellpath_domain::plan::{SessionStatus, TreatmentPlan, TreatmentSession};
use cellpath_domain::{PatientId, SiteId, UserId};
use cellpath_fhir::workflow::{
    self, AppointmentKind, AppointmentRecord, AppointmentStatus, CarePlanRecord, ConsentRecord,
    Holding, ScheduleRecord, TaskRecord,
};
use cellpath_fhir::{Mapped, ResourceType};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An epoch minute as an instant.
fn at_minute(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute.saturating_mul(60), 0).unwrap_or(DateTime::UNIX_EPOCH)
}

fn holding(resources: &[ResourceRow], id: Uuid, starts_min: i64, ends_min: i64) -> Holding {
    let resource = resources.iter().find(|r| r.id.as_uuid() == id);
    Holding {
        resource_id: id.to_string(),
        name: resource.map_or_else(|| id.to_string(), |r| r.name.clone()),
        practitioner: resource.and_then(|r| r.user_id),
        starts_at: at_minute(starts_min),
        ends_at: at_minute(ends_min),
    }
}

fn session_appointment(booked: &BookedSession, resources: &[ResourceRow]) -> AppointmentRecord {
    let session = &booked.session;
    let discharged = booked
        .events
        .iter()
        .any(|e| e.kind == "finished" && e.step.as_deref() == Some("discharge"));
    let status = if session.status == SessionStatus::Cancelled {
        AppointmentStatus::Cancelled
    } else if discharged {
        AppointmentStatus::Fulfilled
    } else if !booked.events.is_empty() {
        AppointmentStatus::CheckedIn
    } else {
        AppointmentStatus::Booked
    };
    let start = booked.steps.iter().map(|s| s.starts_min).min();
    let end = booked.steps.iter().map(|s| s.ends_min).max();
    AppointmentRecord {
        id: session.id.to_string(),
        patient: session.patient_id,
        site: session.site_id,
        kind: AppointmentKind::Session {
            number: session.number,
        },
        status,
        start: Some(start.map_or(session.starts_at, at_minute)),
        end: end.map(at_minute),
        holdings: booked
            .bookings
            .iter()
            .map(|b| holding(resources, b.resource_id.as_uuid(), b.starts_min, b.ends_min))
            .collect(),
        created_at: session.created_at,
        updated_at: session.updated_at,
    }
}

fn visit_appointment(visit: &FollowUpRow, resources: &[ResourceRow]) -> AppointmentRecord {
    let times = visit.starts_min.zip(visit.ends_min);
    let status = match (visit.status.as_str(), visit.attendance.as_deref()) {
        (_, Some("attended")) => AppointmentStatus::Fulfilled,
        (_, Some("missed")) => AppointmentStatus::NoShow,
        ("booked", _) if times.is_some() => AppointmentStatus::Booked,
        _ => AppointmentStatus::Proposed,
    };
    let mut holdings = Vec::new();
    if let Some((from, to)) = times {
        for id in [visit.seen_by_id, visit.room_id].into_iter().flatten() {
            holdings.push(holding(resources, id, from, to));
        }
    }
    let due = visit
        .due_date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(visit.created_at);
    AppointmentRecord {
        id: visit.id.to_string(),
        patient: PatientId::from_uuid(visit.patient_id),
        site: SiteId::from_uuid(visit.site_id),
        kind: AppointmentKind::FollowUp {
            offset_days: visit.offset_days,
        },
        status,
        start: Some(times.map_or(due, |(from, _)| at_minute(from))),
        end: times.map(|(_, to)| at_minute(to)),
        holdings,
        created_at: visit.created_at,
        updated_at: visit.created_at,
    }
}

/// Sessions and visits as Appointments, or their holdings as Slots.
pub fn appointments(
    resource_type: ResourceType,
    sessions: &[BookedSession],
    follow_ups: &[FollowUpRow],
    resources: &[ResourceRow],
) -> Vec<Mapped> {
    let records = sessions
        .iter()
        .map(|s| session_appointment(s, resources))
        .chain(follow_ups.iter().map(|v| visit_appointment(v, resources)));
    if resource_type == ResourceType::Slot {
        let mut slots: Vec<Mapped> = records.flat_map(|a| workflow::slots(&a)).collect();
        slots.sort_by(|a, b| a.id.cmp(&b.id));
        slots.dedup_by(|a, b| a.id == b.id);
        slots
    } else {
        records.map(|a| workflow::appointment(&a)).collect()
    }
}

pub fn schedules(resources: &[ResourceRow]) -> Vec<Mapped> {
    resources
        .iter()
        .map(|r| {
            workflow::schedule(&ScheduleRecord {
                id: r.id.to_string(),
                site: r.site_id,
                name: r.name.clone(),
                kind: r.kind.code().to_string(),
                practitioner: r.user_id,
                active: r.active,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub fn consents(rows: &[ConsentRow]) -> Vec<Mapped> {
    rows.iter()
        .map(|c| {
            workflow::consent(&ConsentRecord {
                id: c.id.to_string(),
                patient: PatientId::from_uuid(c.patient_id),
                site: SiteId::from_uuid(c.site_id),
                procedure: c.procedure.clone(),
                locale: c.locale.clone(),
                template_version: c.template_version,
                signed_at: c.signed_at,
                withdrawn_at: c.withdrawn_at,
            })
        })
        .collect()
}

pub fn care_plans(
    plans: &[TreatmentPlan],
    sessions: &[TreatmentSession],
    follow_ups: &[FollowUpRow],
) -> Vec<Mapped> {
    plans
        .iter()
        .map(|p| {
            let mut appointments = Vec::new();
            for session in sessions.iter().filter(|s| s.plan_id == p.id) {
                appointments.push(session.id.to_string());
                appointments.extend(
                    follow_ups
                        .iter()
                        .filter(|v| v.session_id == session.id.as_uuid())
                        .map(|v| v.id.to_string()),
                );
            }
            workflow::care_plan(&CarePlanRecord {
                id: p.id.to_string(),
                patient: p.patient_id,
                status: p.status,
                indication: p.plan.indication.code().to_string(),
                target_site: p.plan.target_site.code().to_string(),
                side: p.plan.side.code().to_string(),
                cell_source: p.plan.cell_source.code().to_string(),
                planned_sessions: p.plan.planned_sessions,
                study_id: p.plan.study_id.clone(),
                appointments,
                created_at: p.created_at,
                updated_at: p.updated_at,
            })
        })
        .collect()
}

pub fn tasks(alerts: &[AlertRow]) -> Vec<Mapped> {
    alerts
        .iter()
        .map(|a| {
            workflow::task(&TaskRecord {
                id: a.id.to_string(),
                patient: PatientId::from_uuid(a.patient_id),
                rule: a.rule.clone(),
                severity: a.severity.clone(),
                opened_at: a.opened_at,
                owner: a.owner_id.map(UserId::from_uuid),
                closed_at: a.closed_at,
                closing_note: a.closing_note.clone(),
            })
        })
        .collect()
}
