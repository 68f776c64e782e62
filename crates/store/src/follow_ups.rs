//! Follow-up visits booked after a discharge. `UNIQUE (session_id,
//! offset_days)` keeps one visit per session and offset however often the
//! discharge is recorded. A booked visit's two holdings (who sees the
//! patient, a room) are read by the booking queries of `scheduling` beside
//! the session bookings, so the clash checks see them.

use crate::{Result, Tx, execute, fetch_all, unique_as};
use cellpath_domain::{PatientId, SessionId};
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
}

const COLUMNS: &str = "id, session_id, patient_id, site_id, offset_days, due_date, status, \
     starts_min, ends_min, seen_by_need, seen_by_id, room_id, created_at";

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
            "INSERT INTO follow_ups ({COLUMNS}) VALUES \
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
}
