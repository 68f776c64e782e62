//! Follow-up visits booked by the protocol when a session is discharged
//! (one week, six weeks, three, six and twelve months by default): each on
//! the first free time of its day, or of the next days, for who sees the
//! patient and a room, under the site's booking lock with the same clash
//! checks as sessions; stored once per session and offset, audited, and
//! announced to the patient through the outbox.

use crate::outbox::{NewMessage, enqueue};
use crate::plans::protocol_in_force;
use crate::scheduling::site_in_scope;
use crate::scheduling::{at_minute, calendars_of, minute_of};
use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::follow_ups::{self, SEARCH_DAYS};
use cellpath_domain::issue::{IssueCode, Issues};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::TreatmentSession;
use cellpath_domain::scheduling::{NeedKey, day_start};
use cellpath_domain::{Action, PatientId, ResourceId, Role, SessionId, SiteId};
use cellpath_store::{FollowUpRow, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A follow-up visit as the chart, the portal and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub id: Uuid,
    pub session_id: SessionId,
    pub patient_id: PatientId,
    pub site_id: SiteId,
    /// Days after the session, as the protocol set it.
    pub offset_days: u32,
    /// The day the protocol asks for (the visit may fall a few days later).
    pub due_date: NaiveDate,
    /// When and with whom; none while it waits for the coordinator.
    pub booked: Option<BookedVisit>,
    /// Whether the patient came, once a clinician recorded it.
    pub attended: Option<bool>,
    /// The version a change names.
    pub version: i64,
}

/// The time and resources of a booked follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedVisit {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `physician` or `nurse`.
    pub seen_by_need: NeedKey,
    pub seen_by: ResourceId,
    pub seen_by_name: String,
    pub room: ResourceId,
    pub room_name: String,
}

/// What a booked follow-up tells the reminder composer.
#[derive(Debug, Clone)]
pub struct FollowUpNotice {
    pub patient: Patient,
    pub follow_up_id: Uuid,
    pub site_id: SiteId,
    pub site_name: String,
    pub offset_days: u32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When it was booked (the confirmation goes out from then).
    pub booked_at: DateTime<Utc>,
}

/// Turns a booked follow-up into its messages (a confirmation and a
/// reminder the day before, in the patient's language); wired in by the binary.
pub type FollowUpReminderComposer =
    std::sync::Arc<dyn Fn(&FollowUpNotice) -> Vec<NewMessage> + Send + Sync>;

const BOOKED: &str = "booked";
const UNBOOKED: &str = "unbooked";
const ATTENDED: &str = "attended";
const MISSED: &str = "missed";

fn follow_up(row: &FollowUpRow, names: &[(ResourceId, String)]) -> Result<FollowUp> {
    let corrupt = || AppError::Internal(format!("follow-up {} unreadable", row.id));
    let name_of = |id: ResourceId| {
        names
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let booked = match (
        row.status.as_str(),
        row.starts_min,
        row.ends_min,
        row.seen_by_need.as_deref(),
        row.seen_by_id,
        row.room_id,
    ) {
        (BOOKED, Some(from), Some(to), Some(need), Some(seen_by), Some(room)) => {
            let seen_by = ResourceId::from_uuid(seen_by);
            let room = ResourceId::from_uuid(room);
            Some(BookedVisit {
                from: at_minute(from),
                to: at_minute(to),
                seen_by_need: NeedKey::parse("need", need).map_err(|_| corrupt())?,
                seen_by,
                seen_by_name: name_of(seen_by),
                room,
                room_name: name_of(room),
            })
        }
        (UNBOOKED, ..) => None,
        _ => return Err(corrupt()),
    };
    Ok(FollowUp {
        id: row.id,
        session_id: SessionId::from_uuid(row.session_id),
        patient_id: PatientId::from_uuid(row.patient_id),
        site_id: SiteId::from_uuid(row.site_id),
        offset_days: u32::try_from(row.offset_days).map_err(|_| corrupt())?,
        due_date: row.due_date,
        booked,
        attended: match row.attendance.as_deref() {
            None => None,
            Some(ATTENDED) => Some(true),
            Some(MISSED) => Some(false),
            Some(_) => return Err(corrupt()),
        },
        version: row.version,
    })
}

impl App {
    /// Wires in the composer of follow-up confirmations and reminders.
    pub fn with_follow_up_reminders(mut self, composer: FollowUpReminderComposer) -> App {
        self.follow_up_reminders = Some(composer);
        self
    }

    /// Books the follow-ups of a discharged session that are not booked
    /// yet, in the discharge's transaction: each on the first free time of
    /// its day or the `SEARCH_DAYS` after, the treating physician first;
    /// kept unbooked when nothing is free. Each is audited and its
    /// reminders enqueued. Returns how many were added.
    pub(crate) async fn book_follow_ups(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        session: &TreatmentSession,
        patient: &Patient,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let site = session.site_id;
        let protocol = protocol_in_force(tx, site, Some(session.protocol_version))
            .await?
            .protocol;
        let existing: Vec<i64> = tx
            .follow_ups_of_session(session.id)
            .await?
            .iter()
            .map(|f| f.offset_days)
            .collect();
        let due: Vec<_> = follow_ups::due_dates(session.starts_at.date_naive(), &protocol)
            .into_iter()
            .filter(|d| !existing.contains(&i64::from(d.offset_days)))
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        tx.lock_site_resources(site).await?;
        let treating = tx
            .bookings_of_session(session.id)
            .await?
            .into_iter()
            .find(|b| b.need == NeedKey::Physician)
            .map(|b| b.resource_id);
        let site_name = tx.site(site.as_uuid()).await?.name;
        let template = follow_ups::template(&protocol);
        let mut added = 0;
        for visit in due {
            let midnight = day_start(visit.date);
            let (resources, calendars) = calendars_of(
                tx,
                site,
                midnight - 1440,
                midnight + i64::from(SEARCH_DAYS + 2) * 1440,
            )
            .await?;
            let placed = follow_ups::first_free(
                &template,
                &calendars,
                visit.date,
                minute_of(now) + 1,
                treating.as_ref(),
            );
            let seen_by_need = follow_ups::seen_by_need(&protocol);
            let holder = |need: NeedKey| {
                placed.as_ref().and_then(|p| {
                    p.resources
                        .iter()
                        .find(|(k, _)| *k == need)
                        .map(|(_, r)| *r)
                })
            };
            let row = FollowUpRow {
                id: Uuid::now_v7(),
                session_id: session.id.as_uuid(),
                patient_id: patient.id.as_uuid(),
                site_id: site.as_uuid(),
                offset_days: i64::from(visit.offset_days),
                due_date: visit.date,
                status: if placed.is_some() { BOOKED } else { UNBOOKED }.into(),
                starts_min: placed.as_ref().map(|p| p.from),
                ends_min: placed.as_ref().map(|p| p.to),
                seen_by_need: placed.as_ref().map(|_| seen_by_need.code().to_string()),
                seen_by_id: holder(seen_by_need).map(|r| r.as_uuid()),
                room_id: holder(NeedKey::Room).map(|r| r.as_uuid()),
                created_at: now,
                attendance: None,
                version: 1,
            };
            tx.insert_follow_up(&row).await?;
            let name_of = |id: Option<ResourceId>| {
                id.and_then(|id| resources.iter().find(|r| r.id == id))
                    .map(|r| r.name.clone())
                    .unwrap_or_default()
            };
            let mut after = vec![
                ("session_id", session.id.to_string()),
                ("offset_days", visit.offset_days.to_string()),
                ("due_date", visit.date.to_string()),
                ("status", row.status.clone()),
            ];
            if let Some(p) = &placed {
                after.push(("from", at_minute(p.from).to_rfc3339()));
                after.push(("to", at_minute(p.to).to_rfc3339()));
                after.push((seen_by_need.code(), name_of(holder(seen_by_need))));
                after.push(("room", name_of(holder(NeedKey::Room))));
            }
            tx.append_audit(
                &Audited {
                    action: AuditAction::Create,
                    entity: "follow_up",
                    entity_id: row.id.to_string(),
                    patient_id: Some(patient.id),
                    site_id: Some(site),
                    before: vec![],
                    after,
                }
                .record(Some(actor), now),
            )
            .await?;
            if let (Some(p), Some(compose)) = (&placed, &self.follow_up_reminders) {
                let notice = FollowUpNotice {
                    patient: patient.clone(),
                    follow_up_id: row.id,
                    site_id: site,
                    site_name: site_name.clone(),
                    offset_days: visit.offset_days,
                    from: at_minute(p.from),
                    to: at_minute(p.to),
                    booked_at: now,
                };
                for message in compose(&notice) {
                    enqueue(tx, message, now).await?;
                }
            }
            added += 1;
        }
        Ok(added)
    }

    /// A patient's follow-up visits, by the day they are due: staff at the
    /// patient's site, or the patient their own. Audited as a read.
    pub async fn follow_ups_of_patient(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> Result<Vec<FollowUp>> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPlans
        };
        authorize(actor, action)?;
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let rows = tx.follow_ups_of_patient(patient_id).await?;
        let names: Vec<(ResourceId, String)> = tx
            .resources_of_site(patient.site_id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        let visits = rows
            .iter()
            .map(|row| follow_up(row, &names))
            .collect::<Result<Vec<_>>>()?;
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::View,
                entity: "follow_up",
                entity_id: String::new(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(visits)
    }

    /// The signed-in patient's own follow-up visits (portal).
    pub async fn my_follow_ups(&self, actor: &Actor) -> Result<Vec<FollowUp>> {
        let id = actor.patient_id.ok_or(AppError::NotFound)?;
        self.follow_ups_of_patient(actor, id).await
    }

    /// A clinician records whether the patient came to a follow-up visit
    /// (or corrects it), naming the version they saw. A visit whose day has
    /// not come cannot be recorded. Audited with the value before and after.
    pub async fn record_follow_up_attendance(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        attended: bool,
    ) -> Result<FollowUp> {
        authorize(actor, Action::RecordFollowUps)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = match tx.follow_up(id).await {
            Ok(row) => row,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let site = SiteId::from_uuid(before.site_id);
        site_in_scope(actor, site)?;
        if before.version != version {
            return Err(AppError::Conflict(Current::FollowUp(Box::new(before))));
        }
        let starts = before.starts_min.map(at_minute);
        if before.due_date > now.date_naive() || starts.is_some_and(|s| s > now) {
            let mut issues = Issues::default();
            issues.add("attended", IssueCode::DateInFuture);
            return Err(AppError::Invalid(issues));
        }
        let mut row = FollowUpRow {
            attendance: Some(if attended { ATTENDED } else { MISSED }.into()),
            ..before.clone()
        };
        row.version = match tx.update_follow_up(&row).await {
            Ok(version) => version,
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict(Current::FollowUp(Box::new(
                    tx.follow_up(id).await?,
                ))));
            }
            Err(other) => return Err(other.into()),
        };
        let names: Vec<(ResourceId, String)> = tx
            .resources_of_site(site)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        let visit = follow_up(&row, &names)?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "follow_up",
                entity_id: id.to_string(),
                patient_id: Some(PatientId::from_uuid(row.patient_id)),
                site_id: Some(site),
                before: vec![("attendance", before.attendance.clone().unwrap_or_default())],
                after: vec![("attendance", row.attendance.clone().unwrap_or_default())],
            },
        )
        .await?;
        Ok(visit)
    }
}
