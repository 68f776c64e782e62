//! Each site's schedulable resources, their leave, and the bookings of
//! session steps on them. Bookings are made under a lock on the site's
//! resource rows (`lock_site_resources`) so two coordinators booking at
//! the same moment are serialised by the database, not by the process.

use crate::follow_ups::ALL_BOOKINGS;
use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use cellpath_domain::scheduling::{NeedKey, ResourceKind, StepCode, WorkingHours};
use cellpath_domain::{ResourceId, SessionId, SiteId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A room, a member of staff or a piece of equipment of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow {
    pub id: ResourceId,
    pub site_id: SiteId,
    pub kind: ResourceKind,
    pub name: String,
    /// A procedure room with fluoroscopy.
    pub fluoroscopy: bool,
    /// The staff account this resource is (for the calendar feed).
    pub user_id: Option<UserId>,
    pub hours: WorkingHours,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RawResource {
    id: Uuid,
    site_id: Uuid,
    kind: String,
    name: String,
    fluoroscopy: bool,
    user_id: Option<Uuid>,
    work_days: String,
    work_start: i64,
    work_end: i64,
    break_start: Option<i64>,
    break_end: Option<i64>,
    active: bool,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const RESOURCE_COLUMNS: &str = "id, site_id, kind, name, fluoroscopy, user_id, work_days, work_start, work_end, \
     break_start, break_end, active, version, created_at, updated_at";

fn minute(raw: i64, what: &str) -> Result<u32> {
    u32::try_from(raw).map_err(|_| StoreError::Corrupt(format!("resource {what}")))
}

impl TryFrom<RawResource> for ResourceRow {
    type Error = StoreError;
    fn try_from(row: RawResource) -> Result<ResourceRow> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("resource {}: {what}", row.id));
        let break_time = match (row.break_start, row.break_end) {
            (Some(a), Some(b)) => Some((minute(a, "break")?, minute(b, "break")?)),
            _ => None,
        };
        Ok(ResourceRow {
            id: ResourceId::from_uuid(row.id),
            site_id: SiteId::from_uuid(row.site_id),
            kind: ResourceKind::parse("kind", &row.kind).map_err(|_| corrupt("kind"))?,
            name: row.name,
            fluoroscopy: row.fluoroscopy,
            user_id: row.user_id.map(UserId::from_uuid),
            hours: WorkingHours {
                days: WorkingHours::parse_days("work_days", &row.work_days)
                    .map_err(|_| corrupt("work_days"))?,
                start: minute(row.work_start, "hours")?,
                end: minute(row.work_end, "hours")?,
                break_time,
            },
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A day or days a resource is away (leave, maintenance), inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRow {
    pub id: Uuid,
    pub resource_id: ResourceId,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RawLeave {
    id: Uuid,
    resource_id: Uuid,
    first_day: NaiveDate,
    last_day: NaiveDate,
    reason: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl From<RawLeave> for LeaveRow {
    fn from(row: RawLeave) -> LeaveRow {
        LeaveRow {
            id: row.id,
            resource_id: ResourceId::from_uuid(row.resource_id),
            first_day: row.first_day,
            last_day: row.last_day,
            reason: row.reason,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

/// One step of a booked session, in epoch minutes, with the times it
/// actually started and finished once the session day records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub session_id: SessionId,
    pub step: StepCode,
    pub position: i64,
    pub starts_min: i64,
    pub ends_min: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct RawStep {
    session_id: Uuid,
    step: String,
    position: i64,
    starts_min: i64,
    ends_min: i64,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<RawStep> for StepRow {
    type Error = StoreError;
    fn try_from(row: RawStep) -> Result<StepRow> {
        Ok(StepRow {
            session_id: SessionId::from_uuid(row.session_id),
            step: StepCode::parse("step", &row.step)
                .map_err(|_| StoreError::Corrupt(format!("session {}: step", row.session_id)))?,
            position: row.position,
            starts_min: row.starts_min,
            ends_min: row.ends_min,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }
}

/// A resource held by one need of one step of a session over `[starts_min, ends_min)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRow {
    pub session_id: SessionId,
    pub step: StepCode,
    pub need: NeedKey,
    pub resource_id: ResourceId,
    pub site_id: SiteId,
    pub starts_min: i64,
    pub ends_min: i64,
}

#[derive(sqlx::FromRow)]
struct RawBooking {
    session_id: Uuid,
    step: String,
    need: String,
    resource_id: Uuid,
    site_id: Uuid,
    starts_min: i64,
    ends_min: i64,
}

impl TryFrom<RawBooking> for BookingRow {
    type Error = StoreError;
    fn try_from(row: RawBooking) -> Result<BookingRow> {
        let corrupt = || StoreError::Corrupt(format!("booking of session {}", row.session_id));
        Ok(BookingRow {
            session_id: SessionId::from_uuid(row.session_id),
            step: StepCode::parse("step", &row.step).map_err(|_| corrupt())?,
            need: NeedKey::parse("need", &row.need).map_err(|_| corrupt())?,
            resource_id: ResourceId::from_uuid(row.resource_id),
            site_id: SiteId::from_uuid(row.site_id),
            starts_min: row.starts_min,
            ends_min: row.ends_min,
        })
    }
}

const BOOKING_COLUMNS: &str =
    "b.session_id, b.step, b.need, b.resource_id, b.site_id, b.starts_min, b.ends_min";

impl Tx {
    pub async fn insert_resource(&mut self, r: &ResourceRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO resources (id, site_id, kind, name, fluoroscopy, user_id, work_days, work_start, work_end, \
             break_start, break_end, active, lock_seq, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $14, $15)",
            r.id.as_uuid(),
            r.site_id.as_uuid(),
            r.kind.code(),
            &r.name,
            r.fluoroscopy,
            r.user_id.map(|u| u.as_uuid()),
            r.hours.days_code(),
            i64::from(r.hours.start),
            i64::from(r.hours.end),
            r.hours.break_time.map(|(a, _)| i64::from(a)),
            r.hours.break_time.map(|(_, b)| i64::from(b)),
            r.active,
            r.version,
            r.created_at,
            r.updated_at
        )
        .map_err(unique_as("name"))?;
        Ok(())
    }

    /// Saves a changed resource if it is still at `expected_version`.
    pub async fn update_resource(&mut self, r: &ResourceRow, expected_version: i64) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE resources SET kind = $1, name = $2, fluoroscopy = $3, user_id = $4, work_days = $5, \
             work_start = $6, work_end = $7, break_start = $8, break_end = $9, active = $10, version = $11, \
             updated_at = $12 WHERE id = $13 AND version = $14",
            r.kind.code(),
            &r.name,
            r.fluoroscopy,
            r.user_id.map(|u| u.as_uuid()),
            r.hours.days_code(),
            i64::from(r.hours.start),
            i64::from(r.hours.end),
            r.hours.break_time.map(|(a, _)| i64::from(a)),
            r.hours.break_time.map(|(_, b)| i64::from(b)),
            r.active,
            r.version,
            r.updated_at,
            r.id.as_uuid(),
            expected_version
        )
        .map_err(unique_as("name"))?;
        if changed == 0 {
            let current = self.resource(r.id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }

    pub async fn resource(&mut self, id: ResourceId) -> Result<ResourceRow> {
        let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1");
        fetch_optional!(self, RawResource, sqlx::AssertSqlSafe(sql), id.as_uuid())?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// A site's resources, by kind and name.
    pub async fn resources_of_site(&mut self, site_id: SiteId) -> Result<Vec<ResourceRow>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE site_id = $1 ORDER BY kind, name, id"
        );
        fetch_all!(
            self,
            RawResource,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The resources that are this staff member, at any site.
    pub async fn resources_of_user(&mut self, user_id: UserId) -> Result<Vec<ResourceRow>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE user_id = $1 ORDER BY site_id, name"
        );
        fetch_all!(
            self,
            RawResource,
            sqlx::AssertSqlSafe(sql),
            user_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Takes the site's booking lock: every booking, move and cancellation
    /// at a site holds it until its transaction ends, so the check for free
    /// resources and the insert that follows are never interleaved.
    pub async fn lock_site_resources(&mut self, site_id: SiteId) -> Result<()> {
        execute!(
            self,
            "UPDATE resources SET lock_seq = lock_seq + 1 WHERE site_id = $1",
            site_id.as_uuid()
        )?;
        Ok(())
    }

    pub async fn insert_leave(&mut self, l: &LeaveRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO resource_leave (id, resource_id, first_day, last_day, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            l.id,
            l.resource_id.as_uuid(),
            l.first_day,
            l.last_day,
            l.reason.as_deref(),
            &l.created_by,
            l.created_at
        )?;
        Ok(())
    }

    /// Deletes a leave entry; false when there was none.
    pub async fn delete_leave(&mut self, id: Uuid) -> Result<Option<LeaveRow>> {
        let row = fetch_optional!(
            self,
            RawLeave,
            "SELECT id, resource_id, first_day, last_day, reason, created_by, created_at \
             FROM resource_leave WHERE id = $1",
            id
        )?;
        execute!(self, "DELETE FROM resource_leave WHERE id = $1", id)?;
        Ok(row.map(Into::into))
    }

    /// Leave of a site's resources that overlaps `from..=to`.
    pub async fn leave_of_site(
        &mut self,
        site_id: SiteId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LeaveRow>> {
        Ok(fetch_all!(
            self,
            RawLeave,
            "SELECT l.id, l.resource_id, l.first_day, l.last_day, l.reason, l.created_by, l.created_at \
             FROM resource_leave l JOIN resources r ON r.id = l.resource_id \
             WHERE r.site_id = $1 AND l.first_day <= $2 AND l.last_day >= $3 ORDER BY l.first_day, l.id",
            site_id.as_uuid(),
            to,
            from
        )?
        .into_iter()
        .map(Into::into)
        .collect())
    }

    pub async fn insert_step(&mut self, s: &StepRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO session_steps (session_id, step, position, starts_min, ends_min, started_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            s.session_id.as_uuid(),
            s.step.code(),
            s.position,
            s.starts_min,
            s.ends_min,
            s.started_at,
            s.finished_at
        )?;
        Ok(())
    }

    pub async fn insert_booking(&mut self, b: &BookingRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO resource_bookings (session_id, step, need, resource_id, site_id, starts_min, ends_min) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            b.session_id.as_uuid(),
            b.step.code(),
            b.need.code(),
            b.resource_id.as_uuid(),
            b.site_id.as_uuid(),
            b.starts_min,
            b.ends_min
        )?;
        Ok(())
    }

    /// Frees a session's resources and forgets its planned steps.
    pub async fn delete_session_booking(&mut self, session_id: SessionId) -> Result<()> {
        execute!(
            self,
            "DELETE FROM resource_bookings WHERE session_id = $1",
            session_id.as_uuid()
        )?;
        execute!(
            self,
            "DELETE FROM session_steps WHERE session_id = $1",
            session_id.as_uuid()
        )?;
        Ok(())
    }

    pub async fn steps_of_session(&mut self, session_id: SessionId) -> Result<Vec<StepRow>> {
        fetch_all!(
            self,
            RawStep,
            "SELECT session_id, step, position, starts_min, ends_min, started_at, finished_at \
             FROM session_steps WHERE session_id = $1 ORDER BY position",
            session_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Steps of a site's planned sessions that overlap `[from, to)` (epoch minutes).
    pub async fn steps_of_site(
        &mut self,
        site_id: SiteId,
        from: i64,
        to: i64,
    ) -> Result<Vec<StepRow>> {
        fetch_all!(
            self,
            RawStep,
            "SELECT s.session_id, s.step, s.position, s.starts_min, s.ends_min, s.started_at, s.finished_at \
             FROM session_steps s JOIN treatment_sessions t ON t.id = s.session_id \
             WHERE t.site_id = $1 AND t.status = 'planned' AND s.starts_min < $2 AND s.ends_min > $3 \
             ORDER BY s.starts_min, s.session_id, s.position",
            site_id.as_uuid(),
            to,
            from
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Bookings at a site that overlap `[from, to)` (epoch minutes), the
    /// booked follow-up visits' included.
    pub async fn bookings_of_site(
        &mut self,
        site_id: SiteId,
        from: i64,
        to: i64,
    ) -> Result<Vec<BookingRow>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM {ALL_BOOKINGS} b \
             WHERE b.site_id = $1 AND b.starts_min < $2 AND b.ends_min > $3 ORDER BY b.starts_min, b.resource_id"
        );
        fetch_all!(
            self,
            RawBooking,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            to,
            from
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// A session's bookings.
    pub async fn bookings_of_session(&mut self, session_id: SessionId) -> Result<Vec<BookingRow>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM resource_bookings b WHERE b.session_id = $1 ORDER BY b.starts_min, b.need"
        );
        fetch_all!(
            self,
            RawBooking,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Bookings of some resources from `from` on (epoch minutes), for calendar feeds.
    pub async fn bookings_of_resource(
        &mut self,
        resource_id: ResourceId,
        from: i64,
    ) -> Result<Vec<BookingRow>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM {ALL_BOOKINGS} b \
             WHERE b.resource_id = $1 AND b.ends_min > $2 ORDER BY b.starts_min"
        );
        fetch_all!(
            self,
            RawBooking,
            sqlx::AssertSqlSafe(sql),
            resource_id.as_uuid(),
            from
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Moves a session to a new start if it is still at `expected_version`.
    pub async fn move_treatment_session(
        &mut self,
        id: SessionId,
        starts_at: DateTime<Utc>,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE treatment_sessions SET starts_at = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND version = $4",
            starts_at,
            now,
            id.as_uuid(),
            expected_version
        )?;
        if changed == 0 {
            let current = self.treatment_session(id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }

    /// Cancels a session if it is still at `expected_version`.
    pub async fn cancel_treatment_session(
        &mut self,
        id: SessionId,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE treatment_sessions SET status = 'cancelled', version = version + 1, updated_at = $1 \
             WHERE id = $2 AND version = $3",
            now,
            id.as_uuid(),
            expected_version
        )?;
        if changed == 0 {
            let current = self.treatment_session(id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }
}
