//! Stage 6: a site's resources, their hours and leave; booking, moving and
//! cancelling sessions on them without conflicts; the possible starts of a
//! session; and the day as the timelines see it.
//!
//! Every booking takes the site's booking lock in the database before it
//! looks for free resources, so two coordinators booking at once are
//! serialised there and the later one sees the earlier one's booking.

use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::plan::{SessionStatus, TreatmentPlan, TreatmentSession};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::scheduling::{
    self, Busy, BusyReason, Calendar, Clash, NeedKey, PlacedStep, ResourceKind, SessionTemplate,
    StepCode, WorkingHours,
};
use cellpath_domain::text;
use cellpath_domain::{
    Action, Issue, IssueCode, Issues, PatientId, ResourceId, Role, SessionId, SiteId, UserId,
};
use cellpath_store::{BookingRow, LeaveRow, ResourceRow, StepRow, Tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub use cellpath_store::{BookingRow as Booking, LeaveRow as Leave, ResourceRow as Resource};

/// A resource as typed into the admin form or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceDraft {
    pub kind: String,
    pub name: String,
    /// `"true"` for a procedure room with fluoroscopy.
    pub fluoroscopy: bool,
    /// Username of the staff account this resource is (optional).
    pub username: String,
    /// Seven characters, Monday first: `1111100`.
    pub work_days: String,
    /// `HH:MM`.
    pub work_start: String,
    pub work_end: String,
    /// Both or neither.
    pub break_start: String,
    pub break_end: String,
    pub active: bool,
}

impl ResourceDraft {
    /// The form of an existing resource.
    pub fn of(resource: &ResourceRow, username: Option<String>) -> ResourceDraft {
        let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        ResourceDraft {
            kind: resource.kind.code().into(),
            name: resource.name.clone(),
            fluoroscopy: resource.fluoroscopy,
            username: username.unwrap_or_default(),
            work_days: resource.hours.days_code(),
            work_start: hhmm(resource.hours.start),
            work_end: hhmm(resource.hours.end),
            break_start: resource
                .hours
                .break_time
                .map(|(a, _)| hhmm(a))
                .unwrap_or_default(),
            break_end: resource
                .hours
                .break_time
                .map(|(_, b)| hhmm(b))
                .unwrap_or_default(),
            active: resource.active,
        }
    }
}

/// Parses `HH:MM` (or `24:00`) into minutes of the day.
pub fn parse_clock(field: &str, raw: &str) -> std::result::Result<u32, Issue> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    let (h, m) = raw
        .split_once(':')
        .ok_or_else(|| Issue::new(field, IssueCode::InvalidFormat))?;
    let (h, m): (u32, u32) = match (h.parse(), m.parse()) {
        (Ok(h), Ok(m)) if m < 60 && (h < 24 || (h == 24 && m == 0)) => (h, m),
        _ => return Err(Issue::new(field, IssueCode::InvalidFormat)),
    };
    Ok(h * 60 + m)
}

struct ParsedResource {
    kind: ResourceKind,
    name: String,
    fluoroscopy: bool,
    hours: WorkingHours,
    username: Option<String>,
}

fn parse_resource(draft: &ResourceDraft) -> std::result::Result<ParsedResource, Issues> {
    let mut issues = Issues::default();
    let kind = issues.check(ResourceKind::parse("kind", &draft.kind));
    let name = issues.check(text::required("name", &draft.name, 80));
    let days = issues.check(WorkingHours::parse_days("work_days", &draft.work_days));
    let start = issues.check(parse_clock("work_start", &draft.work_start));
    let end = issues.check(parse_clock("work_end", &draft.work_end));
    let break_time = match (draft.break_start.trim(), draft.break_end.trim()) {
        ("", "") => Some(None),
        _ => {
            let a = issues.check(parse_clock("break_start", &draft.break_start));
            let b = issues.check(parse_clock("break_end", &draft.break_end));
            a.zip(b).map(Some)
        }
    };
    if draft.fluoroscopy && kind.is_some_and(|k| k != ResourceKind::ProcedureRoom) {
        issues.add("fluoroscopy", IssueCode::OutOfRange);
    }
    let username = Some(draft.username.trim())
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    if let (Some(kind), Some(name), Some(days), Some(start), Some(end), Some(break_time)) =
        (kind, name, days, start, end, break_time)
    {
        let hours = WorkingHours {
            days,
            start,
            end,
            break_time,
        };
        if let Err(more) = hours.validate() {
            issues.0.extend(more.0);
        }
        if issues.is_empty() {
            return Ok(ParsedResource {
                kind,
                name,
                fluoroscopy: draft.fluoroscopy,
                hours,
                username,
            });
        }
    }
    Err(issues)
}

/// What takes a resource when a session cannot have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub resource_id: ResourceId,
    pub resource_name: String,
    pub kind: ResourceKind,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: BusyReason,
}

/// Why a session cannot be booked at the time asked: one step's need that
/// no resource can serve then, with what takes each candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingClash {
    pub step: StepCode,
    pub need: NeedKey,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Empty when the site has no resource of the kind at all.
    pub taken: Vec<Taken>,
}

/// Epoch minutes as a time.
pub fn at_minute(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute * 60, 0).unwrap_or_default()
}

/// A time as epoch minutes (seconds dropped).
pub fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// A session as the day's timelines show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySession {
    pub session: TreatmentSession,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub record_number: String,
    pub steps: Vec<StepRow>,
    /// The chain of steps under the protocol version the session was booked with.
    pub template: SessionTemplate,
}

impl DaySession {
    /// Minutes from the first step's start to the last step's end.
    pub fn span(&self) -> i64 {
        match (self.steps.first(), self.steps.last()) {
            (Some(a), Some(b)) => b.ends_min - a.starts_min,
            _ => 0,
        }
    }

    /// Minutes the session would take with no waiting.
    pub fn minutes_without_waiting(&self) -> i64 {
        i64::from(self.template.minutes_without_waiting())
    }

    /// Minutes the patient waits between steps.
    pub fn waiting(&self) -> i64 {
        (self.span() - self.minutes_without_waiting()).max(0)
    }

    /// Whether any step has begun (or the first step's time has passed).
    pub fn started(&self, now_minute: i64) -> bool {
        self.steps
            .iter()
            .any(|s| s.started_at.is_some() || s.starts_min <= now_minute)
    }
}

/// A time a resource holds two things at once, or a booking outside its hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub resource_id: ResourceId,
    pub from: i64,
    pub to: i64,
}

/// One day of a site: its resources, when they are away, every booking, and
/// every session with its patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySchedule {
    pub site_id: SiteId,
    pub date: NaiveDate,
    /// Epoch minute of midnight.
    pub midnight: i64,
    pub resources: Vec<ResourceRow>,
    pub unavailable: Vec<(ResourceId, Busy)>,
    pub bookings: Vec<BookingRow>,
    pub sessions: Vec<DaySession>,
    pub overlaps: Vec<Overlap>,
    pub now_minute: i64,
}

impl DaySchedule {
    /// Minutes of the day from the earliest resource start to the latest end (07:00-19:00 when none).
    pub fn opening(&self) -> (i64, i64) {
        let from = self
            .resources
            .iter()
            .filter(|r| r.active)
            .map(|r| i64::from(r.hours.start))
            .min()
            .unwrap_or(420);
        let to = self
            .resources
            .iter()
            .filter(|r| r.active)
            .map(|r| i64::from(r.hours.end))
            .max()
            .unwrap_or(1140);
        let first = self
            .bookings
            .iter()
            .map(|b| b.starts_min - self.midnight)
            .min()
            .unwrap_or(from);
        let last = self
            .bookings
            .iter()
            .map(|b| b.ends_min - self.midnight)
            .max()
            .unwrap_or(to);
        (from.min(first).max(0), to.max(last).min(1440))
    }
}

/// One entry of a staff member's calendar feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub session_id: SessionId,
    pub step: StepCode,
    pub resource_name: String,
    pub site_name: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

pub(crate) fn site_in_scope(actor: &Actor, site: SiteId) -> Result<()> {
    if actor.role == Role::Admin || actor.sites.contains(&site) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The resources of a site as the placement sees them over the days around
/// `[from, to)`, with the bookings of every session but `except`.
async fn calendars(
    tx: &mut Tx,
    site: SiteId,
    from: i64,
    to: i64,
    except: Option<SessionId>,
) -> Result<(Vec<ResourceRow>, Vec<Calendar<ResourceId>>)> {
    let resources: Vec<ResourceRow> = tx
        .resources_of_site(site)
        .await?
        .into_iter()
        .filter(|r| r.active)
        .collect();
    let first_day = at_minute(from).date_naive();
    let last_day = at_minute(to).date_naive();
    let leave = tx.leave_of_site(site, first_day, last_day).await?;
    let bookings = tx.bookings_of_site(site, from, to).await?;
    let calendars = resources
        .iter()
        .map(|r| {
            let away: Vec<(NaiveDate, NaiveDate)> = leave
                .iter()
                .filter(|l| l.resource_id == r.id)
                .map(|l| (l.first_day, l.last_day))
                .collect();
            let mut busy = scheduling::unavailable(&r.hours, &away, first_day, last_day);
            busy.extend(
                bookings
                    .iter()
                    .filter(|b| b.resource_id == r.id && Some(b.session_id) != except)
                    .map(|b| Busy {
                        from: b.starts_min,
                        to: b.ends_min,
                        reason: BusyReason::Booked(b.session_id),
                    }),
            );
            busy.sort_by_key(|b| (b.from, b.to));
            Calendar {
                key: r.id,
                kind: r.kind,
                fluoroscopy: r.fluoroscopy,
                busy,
            }
        })
        .collect();
    Ok((resources, calendars))
}

pub(crate) fn explain(resources: &[ResourceRow], clashes: Vec<Clash<ResourceId>>) -> AppError {
    AppError::Unavailable(
        clashes
            .into_iter()
            .map(|c| BookingClash {
                step: c.step,
                need: c.need,
                from: at_minute(c.from),
                to: at_minute(c.to),
                taken: c
                    .taken
                    .into_iter()
                    .filter_map(|(id, busy)| {
                        resources.iter().find(|r| r.id == id).map(|r| Taken {
                            resource_id: id,
                            resource_name: r.name.clone(),
                            kind: r.kind,
                            from: at_minute(busy.from),
                            to: at_minute(busy.to),
                            reason: busy.reason,
                        })
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// The site's calendars over `[from, to)` with every booking.
pub(crate) async fn calendars_of(
    tx: &mut Tx,
    site: SiteId,
    from: i64,
    to: i64,
) -> Result<(Vec<ResourceRow>, Vec<Calendar<ResourceId>>)> {
    calendars(tx, site, from, to, None).await
}

/// Books the steps of `session` from `start` on the site's resources, in
/// the caller's transaction, under the site's booking lock.
pub(crate) async fn book_steps(
    tx: &mut Tx,
    session: SessionId,
    site: SiteId,
    template: &SessionTemplate,
    start: i64,
) -> Result<Vec<PlacedStep<ResourceId>>> {
    tx.lock_site_resources(site).await?;
    let span = i64::from(template.minutes_without_waiting()) + 6 * 60;
    let (resources, calendars) =
        calendars(tx, site, start - 1440, start + span, Some(session)).await?;
    tx.delete_session_booking(session).await?;
    let placed =
        scheduling::place(template, &calendars, start).map_err(|c| explain(&resources, c))?;
    write_steps(tx, session, site, &placed).await?;
    Ok(placed)
}

pub(crate) async fn write_steps(
    tx: &mut Tx,
    session: SessionId,
    site: SiteId,
    placed: &[PlacedStep<ResourceId>],
) -> Result<()> {
    for (position, step) in placed.iter().enumerate() {
        tx.insert_step(&StepRow {
            session_id: session,
            step: step.step,
            position: position as i64,
            starts_min: step.from,
            ends_min: step.to,
            started_at: None,
            finished_at: None,
        })
        .await?;
        for (need, resource) in &step.resources {
            tx.insert_booking(&BookingRow {
                session_id: session,
                step: step.step,
                need: *need,
                resource_id: *resource,
                site_id: site,
                starts_min: step.from,
                ends_min: step.to,
            })
            .await?;
        }
    }
    Ok(())
}

pub(crate) fn describe(placed: &[PlacedStep<ResourceId>]) -> String {
    placed
        .iter()
        .map(|p| {
            format!(
                "{}@{}-{}:{}",
                p.step.code(),
                p.from,
                p.to,
                p.resources
                    .iter()
                    .map(|(k, r)| format!("{}={r}", k.code()))
                    .collect::<Vec<_>>()
                    .join("+")
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl App {
    async fn resource_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: ResourceId,
    ) -> Result<ResourceRow> {
        let resource = tx.resource(id).await?;
        site_in_scope(actor, resource.site_id)?;
        Ok(resource)
    }

    async fn user_by_name(&self, tx: &mut Tx, username: Option<&str>) -> Result<Option<UserId>> {
        let Some(username) = username else {
            return Ok(None);
        };
        match tx.user_by_username(username).await? {
            Some(user) if Role::parse(&user.role).is_some_and(Role::is_staff) => {
                Ok(Some(UserId::from_uuid(user.id)))
            }
            _ => Err(invalid("username", IssueCode::UnknownCode)),
        }
    }

    /// A site's resources (to manage them, or to read the timelines).
    pub async fn resources(&self, actor: &Actor, site: SiteId) -> Result<Vec<ResourceRow>> {
        if !actor.may(Action::ManageResources) {
            authorize(actor, Action::ViewSchedule)?;
        }
        site_in_scope(actor, site)?;
        let mut tx = self.begin().await?;
        Ok(tx.resources_of_site(site).await?)
    }

    /// One resource, with the username of the staff account it is.
    pub async fn resource(
        &self,
        actor: &Actor,
        id: ResourceId,
    ) -> Result<(ResourceRow, Option<String>)> {
        authorize(actor, Action::ManageResources)?;
        let mut tx = self.begin().await?;
        let resource = self.resource_in_scope(&mut tx, actor, id).await?;
        let username = match resource.user_id {
            Some(user) => Some(tx.user(user.as_uuid()).await?.username),
            None => None,
        };
        Ok((resource, username))
    }

    /// Adds a room, a member of staff or a piece of equipment to a site.
    pub async fn add_resource(
        &self,
        actor: &Actor,
        site: SiteId,
        draft: &ResourceDraft,
    ) -> Result<ResourceRow> {
        authorize(actor, Action::ManageResources)?;
        site_in_scope(actor, site)?;
        let parsed = parse_resource(draft)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        tx.site(site.as_uuid()).await?;
        let user_id = self
            .user_by_name(&mut tx, parsed.username.as_deref())
            .await?;
        let resource = ResourceRow {
            id: ResourceId::new(),
            site_id: site,
            kind: parsed.kind,
            name: parsed.name,
            fluoroscopy: parsed.fluoroscopy,
            user_id,
            hours: parsed.hours,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_resource(&resource).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "resource",
                entity_id: resource.id.to_string(),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: resource_fields(&resource),
            },
        )
        .await?;
        Ok(resource)
    }

    /// Changes a resource's name, kind, hours or link to a staff account;
    /// refused if someone else changed it since `version`.
    pub async fn update_resource(
        &self,
        actor: &Actor,
        id: ResourceId,
        version: i64,
        draft: &ResourceDraft,
    ) -> Result<ResourceRow> {
        authorize(actor, Action::ManageResources)?;
        let parsed = parse_resource(draft)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.resource_in_scope(&mut tx, actor, id).await?;
        if before.version != version {
            return Err(AppError::Conflict(crate::Current::Resource(Box::new(
                before,
            ))));
        }
        let user_id = self
            .user_by_name(&mut tx, parsed.username.as_deref())
            .await?;
        let after = ResourceRow {
            kind: parsed.kind,
            name: parsed.name,
            fluoroscopy: parsed.fluoroscopy,
            user_id,
            hours: parsed.hours,
            active: draft.active,
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        tx.update_resource(&after, version).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "resource",
                entity_id: id.to_string(),
                patient_id: None,
                site_id: Some(after.site_id),
                before: resource_fields(&before),
                after: resource_fields(&after),
            },
        )
        .await?;
        Ok(after)
    }

    /// Records days a resource is away (leave, maintenance), first and last day included.
    pub async fn add_leave(
        &self,
        actor: &Actor,
        resource: ResourceId,
        first_day: &str,
        last_day: &str,
        reason: &str,
    ) -> Result<LeaveRow> {
        authorize(actor, Action::ManageResources)?;
        let mut issues = Issues::default();
        let today = self.now().date_naive();
        let first = issues.check(text::date("first_day", first_day, today, false));
        let last = issues.check(text::date("last_day", last_day, today, false));
        let reason = issues.check(text::optional("reason", reason, 200));
        if let (Some(a), Some(b)) = (first, last)
            && b < a
        {
            issues.add("last_day", IssueCode::DateOrder);
        }
        let (Some(first_day), Some(last_day), Some(reason), true) =
            (first, last, reason, issues.is_empty())
        else {
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let resource = self.resource_in_scope(&mut tx, actor, resource).await?;
        let leave = LeaveRow {
            id: uuid::Uuid::now_v7(),
            resource_id: resource.id,
            first_day,
            last_day,
            reason,
            created_by: actor.username.clone(),
            created_at: now,
        };
        tx.insert_leave(&leave).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "resource_leave",
                entity_id: leave.id.to_string(),
                patient_id: None,
                site_id: Some(resource.site_id),
                before: vec![],
                after: vec![
                    ("resource_id", resource.id.to_string()),
                    ("first_day", first_day.to_string()),
                    ("last_day", last_day.to_string()),
                ],
            },
        )
        .await?;
        Ok(leave)
    }

    /// Removes a leave entry.
    pub async fn remove_leave(&self, actor: &Actor, id: uuid::Uuid) -> Result<()> {
        authorize(actor, Action::ManageResources)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let leave = tx.delete_leave(id).await?.ok_or(AppError::NotFound)?;
        let resource = self
            .resource_in_scope(&mut tx, actor, leave.resource_id)
            .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Delete,
                entity: "resource_leave",
                entity_id: id.to_string(),
                patient_id: None,
                site_id: Some(resource.site_id),
                before: vec![
                    ("resource_id", resource.id.to_string()),
                    ("first_day", leave.first_day.to_string()),
                    ("last_day", leave.last_day.to_string()),
                ],
                after: vec![],
            },
        )
        .await?;
        Ok(())
    }

    /// Leave at a site from `from` on, for the admin page.
    pub async fn leave_of_site(
        &self,
        actor: &Actor,
        site: SiteId,
        from: NaiveDate,
        days: i64,
    ) -> Result<Vec<LeaveRow>> {
        authorize(actor, Action::ManageResources)?;
        site_in_scope(actor, site)?;
        let mut tx = self.begin().await?;
        Ok(tx
            .leave_of_site(site, from, from + Duration::days(days.clamp(1, 730)))
            .await?)
    }

    /// The chain of steps a plan's next session needs under the protocol in force.
    pub(crate) async fn template_of(
        &self,
        tx: &mut Tx,
        plan: &TreatmentPlan,
        protocol_version: Option<i64>,
    ) -> Result<(SessionTemplate, Protocol)> {
        let protocol = crate::plans::protocol_in_force(tx, plan.site_id, protocol_version).await?;
        Ok((
            SessionTemplate::for_plan(&plan.plan, &protocol.protocol),
            protocol.protocol,
        ))
    }

    /// Every start (five-minute grid) from `from` through `to` (dates, at
    /// most 31 days) at which the plan's next session fits, after now.
    pub async fn possible_starts(
        &self,
        actor: &Actor,
        plan_id: cellpath_domain::PlanId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateTime<Utc>>> {
        authorize(actor, Action::ScheduleSession)?;
        if to < from {
            return Err(invalid("to", IssueCode::DateOrder));
        }
        if (to - from).num_days() > 31 {
            return Err(invalid("to", IssueCode::OutOfRange));
        }
        let mut tx = self.begin().await?;
        let plan = self.plan_in_scope(&mut tx, actor, plan_id).await?;
        let (template, _) = self.template_of(&mut tx, &plan, None).await?;
        let first = scheduling::day_start(from);
        let last = scheduling::day_start(to) + 1440;
        let (_, calendars) = calendars(&mut tx, plan.site_id, first, last + 1440, None).await?;
        let now = minute_of(self.now()) + 1;
        Ok(
            scheduling::possible_starts(&template, &calendars, first.max(now), last)
                .into_iter()
                .map(at_minute)
                .collect(),
        )
    }

    async fn session_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: SessionId,
    ) -> Result<TreatmentSession> {
        let session = tx.treatment_session(id).await?;
        site_in_scope(actor, session.site_id)?;
        if actor.role == Role::Admin {
            return Err(AppError::NotFound);
        }
        Ok(session)
    }

    /// Moves a session that has not started to a new start, re-booking its
    /// resources; refused with every clash when they are not free then.
    pub async fn move_session(
        &self,
        actor: &Actor,
        id: SessionId,
        version: i64,
        starts_at: DateTime<Utc>,
    ) -> Result<TreatmentSession> {
        authorize(actor, Action::ScheduleSession)?;
        let now = self.now();
        if starts_at <= now {
            return Err(invalid("starts_at", IssueCode::OutOfRange));
        }
        let mut tx = self.begin().await?;
        let session = self.session_in_scope(&mut tx, actor, id).await?;
        self.refuse_if_started_in(&mut tx, &session, now).await?;
        if session.version != version {
            return Err(AppError::Conflict(crate::Current::Session(Box::new(
                session,
            ))));
        }
        let plan = tx.plan(session.plan_id).await?;
        let (template, _) = self
            .template_of(&mut tx, &plan, Some(session.protocol_version))
            .await?;
        let start = minute_of(starts_at);
        let placed = book_steps(&mut tx, id, session.site_id, &template, start).await?;
        let starts_at = at_minute(start);
        tx.move_treatment_session(id, starts_at, version, now)
            .await?;
        let after = TreatmentSession {
            starts_at,
            version: version + 1,
            updated_at: now,
            ..session.clone()
        };
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "treatment_session",
                entity_id: id.to_string(),
                patient_id: Some(session.patient_id),
                site_id: Some(session.site_id),
                before: vec![("starts_at", session.starts_at.to_rfc3339())],
                after: vec![
                    ("starts_at", starts_at.to_rfc3339()),
                    ("steps", describe(&placed)),
                ],
            },
        )
        .await?;
        Ok(after)
    }

    pub(crate) async fn refuse_if_started_in(
        &self,
        tx: &mut Tx,
        session: &TreatmentSession,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if session.status != SessionStatus::Planned {
            return Err(invalid("session", IssueCode::NotEligible));
        }
        let steps = tx.steps_of_session(session.id).await?;
        let now_minute = minute_of(now);
        let started = session.starts_at <= now
            || steps
                .iter()
                .any(|s| s.started_at.is_some() || s.starts_min <= now_minute);
        if started {
            return Err(invalid("session", IssueCode::AlreadyStarted));
        }
        Ok(())
    }

    /// Cancels a session that has not started and frees its resources.
    pub async fn cancel_session(
        &self,
        actor: &Actor,
        id: SessionId,
        version: i64,
    ) -> Result<TreatmentSession> {
        authorize(actor, Action::ScheduleSession)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = self.session_in_scope(&mut tx, actor, id).await?;
        self.refuse_if_started_in(&mut tx, &session, now).await?;
        if session.version != version {
            return Err(AppError::Conflict(crate::Current::Session(Box::new(
                session,
            ))));
        }
        tx.lock_site_resources(session.site_id).await?;
        tx.delete_session_booking(id).await?;
        tx.cancel_treatment_session(id, version, now).await?;
        let after = TreatmentSession {
            status: SessionStatus::Cancelled,
            version: version + 1,
            updated_at: now,
            ..session.clone()
        };
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "treatment_session",
                entity_id: id.to_string(),
                patient_id: Some(session.patient_id),
                site_id: Some(session.site_id),
                before: vec![("status", "planned".into())],
                after: vec![("status", "cancelled".into())],
            },
        )
        .await?;
        Ok(after)
    }

    /// A session's booked steps and the resources each holds.
    pub async fn session_booking(
        &self,
        actor: &Actor,
        id: SessionId,
    ) -> Result<(TreatmentSession, Vec<StepRow>, Vec<(BookingRow, String)>)> {
        authorize(actor, Action::ViewSchedule)?;
        let mut tx = self.begin().await?;
        let session = self.session_in_scope(&mut tx, actor, id).await?;
        let steps = tx.steps_of_session(id).await?;
        let resources = tx.resources_of_site(session.site_id).await?;
        let bookings = tx
            .bookings_of_session(id)
            .await?
            .into_iter()
            .map(|b| {
                let name = resources
                    .iter()
                    .find(|r| r.id == b.resource_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                (b, name)
            })
            .collect();
        Ok((session, steps, bookings))
    }

    /// One day of a site for the timelines. Reading it is audited once,
    /// naming every patient shown.
    pub async fn day_schedule(
        &self,
        actor: &Actor,
        site: SiteId,
        date: NaiveDate,
    ) -> Result<DaySchedule> {
        authorize(actor, Action::ViewSchedule)?;
        site_in_scope(actor, site)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let midnight = scheduling::day_start(date);
        let resources = tx.resources_of_site(site).await?;
        let leave = tx.leave_of_site(site, date, date).await?;
        let unavailable: Vec<(ResourceId, Busy)> = resources
            .iter()
            .filter(|r| r.active)
            .flat_map(|r| {
                let away: Vec<(NaiveDate, NaiveDate)> = leave
                    .iter()
                    .filter(|l| l.resource_id == r.id)
                    .map(|l| (l.first_day, l.last_day))
                    .collect();
                scheduling::unavailable(&r.hours, &away, date, date)
                    .into_iter()
                    .map(|b| (r.id, b))
                    .collect::<Vec<_>>()
            })
            .collect();
        let bookings = tx.bookings_of_site(site, midnight, midnight + 1440).await?;
        let steps = tx.steps_of_site(site, midnight, midnight + 1440).await?;
        // Steps come ordered by start, so each session's first appearance orders the sessions.
        let mut session_ids: Vec<SessionId> = Vec::new();
        for step in &steps {
            if !session_ids.contains(&step.session_id) {
                session_ids.push(step.session_id);
            }
        }
        let mut sessions = Vec::new();
        for id in session_ids {
            let session = tx.treatment_session(id).await?;
            let patient = tx.patient(session.patient_id).await?;
            let plan = tx.plan(session.plan_id).await?;
            let (template, _) = self
                .template_of(&mut tx, &plan, Some(session.protocol_version))
                .await?;
            sessions.push(DaySession {
                patient_id: patient.id,
                patient_name: patient.full_name(),
                record_number: patient.record_number.as_str().to_string(),
                steps: tx.steps_of_session(id).await?,
                template,
                session,
            });
        }
        let overlaps = find_overlaps(&bookings, &unavailable);
        let patients: Vec<String> = sessions.iter().map(|s| s.patient_id.to_string()).collect();
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "day_schedule",
                entity_id: format!("{site}/{date}"),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![("patients", patients.join(","))],
            },
        )
        .await?;
        Ok(DaySchedule {
            site_id: site,
            date,
            midnight,
            resources,
            unavailable,
            bookings,
            sessions,
            overlaps,
            now_minute: minute_of(now),
        })
    }

    /// The bookings of every resource that is this user, from a week ago on.
    pub async fn staff_calendar(&self, user: UserId) -> Result<Vec<CalendarEntry>> {
        let mut tx = self.begin().await?;
        let from = minute_of(self.now()) - 7 * 1440;
        let mut entries = Vec::new();
        for resource in tx.resources_of_user(user).await? {
            let site_name = tx.site(resource.site_id.as_uuid()).await?.name;
            for booking in tx.bookings_of_resource(resource.id, from).await? {
                entries.push(CalendarEntry {
                    session_id: booking.session_id,
                    step: booking.step,
                    resource_name: resource.name.clone(),
                    site_name: site_name.clone(),
                    from: at_minute(booking.starts_min),
                    to: at_minute(booking.ends_min),
                });
            }
        }
        entries.sort_by_key(|e| (e.from, e.session_id));
        Ok(entries)
    }
}

/// Times a resource is booked twice, or booked while away.
pub fn find_overlaps(bookings: &[BookingRow], unavailable: &[(ResourceId, Busy)]) -> Vec<Overlap> {
    let mut overlaps = Vec::new();
    for (i, a) in bookings.iter().enumerate() {
        for b in &bookings[i + 1..] {
            if a.resource_id == b.resource_id
                && a.session_id != b.session_id
                && a.starts_min < b.ends_min
                && b.starts_min < a.ends_min
            {
                overlaps.push(Overlap {
                    resource_id: a.resource_id,
                    from: a.starts_min.max(b.starts_min),
                    to: a.ends_min.min(b.ends_min),
                });
            }
        }
        for (resource, busy) in unavailable {
            if *resource == a.resource_id && a.starts_min < busy.to && busy.from < a.ends_min {
                overlaps.push(Overlap {
                    resource_id: a.resource_id,
                    from: a.starts_min.max(busy.from),
                    to: a.ends_min.min(busy.to),
                });
            }
        }
    }
    overlaps
}

fn resource_fields(r: &ResourceRow) -> Vec<(&'static str, String)> {
    vec![
        ("kind", r.kind.code().to_string()),
        ("name", r.name.clone()),
        ("fluoroscopy", r.fluoroscopy.to_string()),
        (
            "user_id",
            r.user_id.map(|u| u.to_string()).unwrap_or_default(),
        ),
        ("work_days", r.hours.days_code()),
        (
            "hours",
            format!(
                "{}-{}{}",
                r.hours.start,
                r.hours.end,
                r.hours
                    .break_time
                    .map(|(a, b)| format!(" break {a}-{b}"))
                    .unwrap_or_default()
            ),
        ),
        ("active", r.active.to_string()),
    ]
}
