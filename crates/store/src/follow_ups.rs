//! Follow-up visits booked after a discharge. `UNIQUE (session_id,
//! offset_days)` keeps one visit per session and offset however often the
//! discharge is recorded. A booked visit's two holdings (who sees the
//! patient, a room) are read by the booking queries of `scheduling` beside
//! the session bookings, so the clash checks see them.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use cellpath_domain::{PatientId, SessionId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// One follow-up visit: booked (with its time and resources) or waiting
/// for the coordinator when nothing was free.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FollowUpRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    /// Days after the session, as the protocol set it.
    pub offset_days: i64,
    /// The day the protocol asks for.
    pub due_date: NaiveDate,
    /// `booked` or `unbooked`.
    pub status: String,
    pub starts_min: Option<i64>,
    pub ends_min: Option<i64>,
    /// The need the person seeing the patient fills (`physician`, `nurse`).
    pub seen_by_need: Option<String>,
    pub seen_by_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// `attended` or `missed` once someone recorded it.
    pub attendance: Option<String>,
    pub version: i64,
}

const INSERTED: &str = "id, session_id, patient_id, site_id, offset_days, due_date, status, \
     starts_min, ends_min, seen_by_need, seen_by_id, room_id, created_at";
const COLUMNS: &str = "id, session_id, patient_id, site_id, offset_days, due_date, status, \
     starts_min, ends_min, seen_by_need, seen_by_id, room_id, created_at, attendance, version";

/// Every booking of resources, the session steps' and the booked
/// follow-ups' alike, with the columns of `resource_bookings`.
pub(crate) const ALL_BOOKINGS: &str = "(SELECT session_id, step, need, resource_id, site_id, \
     starts_min, ends_min FROM resource_bookings \
     UNION ALL SELECT session_id, 'follow_up', seen_by_need, seen_by_id, site_id, starts_min, \
     ends_min FROM follow_ups WHERE status = 'booked' \
     UNION ALL SELECT session_id, 'follow_up', 'room', room_id, site_id, starts_min, ends_min \
     FROM follow_ups WHERE status = 'booked')";

impl Tx {
    /// Saves a follow-up; a second one of the same session and offset is a
    /// `Duplicate` of `offset_days`.
    pub async fn insert_follow_up(&mut self, row: &FollowUpRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO follow_ups ({INSERTED}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            row.id,
            row.session_id,
            row.patient_id,
            row.site_id,
            row.offset_days,
            row.due_date,
            &row.status,
            row.starts_min,
            row.ends_min,
            &row.seen_by_need,
            row.seen_by_id,
            row.room_id,
            row.created_at
        )
        .map_err(unique_as("offset_days"))?;
        Ok(())
    }

    /// A session's follow-ups, earliest first.
    pub async fn follow_ups_of_session(&mut self, session: SessionId) -> Result<Vec<FollowUpRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM follow_ups WHERE session_id = $1 ORDER BY offset_days, id"
        );
        Ok(fetch_all!(
            self,
            FollowUpRow,
            sqlx::AssertSqlSafe(sql),
            session.as_uuid()
        )?)
    }

    /// A patient's follow-ups of every session, by the day they are due.
    pub async fn follow_ups_of_patient(&mut self, patient: PatientId) -> Result<Vec<FollowUpRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM follow_ups WHERE patient_id = $1 ORDER BY due_date, offset_days, id"
        );
        Ok(fetch_all!(
            self,
            FollowUpRow,
            sqlx::AssertSqlSafe(sql),
            patient.as_uuid()
        )?)
    }

    pub async fn follow_up(&mut self, id: Uuid) -> Result<FollowUpRow> {
        let sql = format!("SELECT {COLUMNS} FROM follow_ups WHERE id = $1");
        fetch_optional!(self, FollowUpRow, sqlx::AssertSqlSafe(sql), id)?
            .ok_or(StoreError::NotFound)
    }

    /// Writes a visit's booking, status and attendance if it is still at
    /// `row.version`; returns the new version. Someone else's change first
    /// is a `Conflict`.
    pub async fn update_follow_up(&mut self, row: &FollowUpRow) -> Result<i64> {
        let changed = execute!(
            self,
            "UPDATE follow_ups SET status = $1, starts_min = $2, ends_min = $3, \
             seen_by_need = $4, seen_by_id = $5, room_id = $6, attendance = $7, \
             version = version + 1 WHERE id = $8 AND version = $9",
            &row.status,
            row.starts_min,
            row.ends_min,
            &row.seen_by_need,
            row.seen_by_id,
            row.room_id,
            &row.attendance,
            row.id,
            row.version
        )?;
        if changed == 0 {
            let current = fetch_optional!(
                self,
                (i64,),
                "SELECT version FROM follow_ups WHERE id = $1",
                row.id
            )?;
            return Err(match current {
                Some((current_version,)) => StoreError::Conflict { current_version },
                None => StoreError::NotFound,
            });
        }
        Ok(row.version + 1)
    }

    /// A site's follow-ups due in `[from, to)`, by due day.
    pub async fn follow_ups_of_site_due(
        &mut self,
        site: SiteId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<FollowUpRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM follow_ups WHERE site_id = $1 AND due_date >= $2 \
             AND due_date < $3 ORDER BY due_date, offset_days, id"
        );
        Ok(fetch_all!(
            self,
            FollowUpRow,
            sqlx::AssertSqlSafe(sql),
            site.as_uuid(),
            from,
            to
        )?)
    }
}
