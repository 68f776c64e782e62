//! The symptom diary's storage: every entry a patient (or the clinic for
//! them) writes in the two weeks after a session, and the triage alerts
//! its red flags open. `UNIQUE (entry_id, rule)` keeps one alert per entry
//! and rule; taking and closing an alert are version-checked.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use cellpath_domain::{SessionId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One diary entry; its answers are `encode_fields` pairs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DiaryEntryRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    /// 1..=14, the day after the session being day 1.
    pub day: i64,
    pub fields: String,
    /// The user who wrote it (the patient's portal account, or staff).
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
}

/// One alert of the triage queue: a red-flag rule an entry raised.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub patient_id: Uuid,
    pub session_id: Uuid,
    pub entry_id: Uuid,
    /// The rule's code (`fever-urgent`).
    pub rule: String,
    /// `urgent` or `high`.
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    /// Who took it; none while nobody has.
    pub owner_id: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closing_note: Option<String>,
    pub closed_by: Option<Uuid>,
    pub version: i64,
}

const ENTRY_COLUMNS: &str =
    "id, session_id, patient_id, site_id, day, fields, entered_by, entered_at";
const ALERT_COLUMNS: &str = "id, site_id, patient_id, session_id, entry_id, rule, severity, \
     opened_at, owner_id, closed_at, closing_note, closed_by, version";

impl Tx {
    pub async fn insert_diary_entry(&mut self, entry: &DiaryEntryRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO diary_entries ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            entry.id,
            entry.session_id,
            entry.patient_id,
            entry.site_id,
            entry.day,
            &entry.fields,
            entry.entered_by,
            entry.entered_at
        )?;
        Ok(())
    }

    /// A session's entries in the order they were written.
    pub async fn diary_entries(&mut self, session_id: SessionId) -> Result<Vec<DiaryEntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE session_id = $1 ORDER BY entered_at, id"
        );
        Ok(fetch_all!(
            self,
            DiaryEntryRow,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?)
    }

    /// Opens an alert; a second alert of the same entry and rule is a
    /// `Duplicate` of `rule`.
    pub async fn insert_alert(&mut self, alert: &AlertRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO triage_alerts ({ALERT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            alert.id,
            alert.site_id,
            alert.patient_id,
            alert.session_id,
            alert.entry_id,
            &alert.rule,
            &alert.severity,
            alert.opened_at,
            alert.owner_id,
            alert.closed_at,
            &alert.closing_note,
            alert.closed_by,
            alert.version
        )
        .map_err(unique_as("rule"))?;
        Ok(())
    }

    /// A site's open alerts: urgent first, then the longest open first.
    pub async fn open_alerts(&mut self, site_id: SiteId) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM triage_alerts WHERE site_id = $1 AND closed_at IS NULL \
             ORDER BY CASE severity WHEN 'urgent' THEN 0 ELSE 1 END, opened_at, id"
        );
        Ok(fetch_all!(
            self,
            AlertRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid()
        )?)
    }

    /// Every alert of a session, open or closed, in the order opened.
    pub async fn alerts_of_session(&mut self, session_id: SessionId) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM triage_alerts WHERE session_id = $1 ORDER BY opened_at, id"
        );
        Ok(fetch_all!(
            self,
            AlertRow,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?)
    }

    pub async fn alert(&mut self, id: Uuid) -> Result<AlertRow> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM triage_alerts WHERE id = $1");
        fetch_optional!(self, AlertRow, sqlx::AssertSqlSafe(sql), id)?.ok_or(StoreError::NotFound)
    }

    /// Writes an alert's owner and closing, if it is still at
    /// `alert.version`; returns the new version.
    pub async fn update_alert(&mut self, alert: &AlertRow) -> Result<i64> {
        let changed = execute!(
            self,
            "UPDATE triage_alerts SET owner_id = $1, closed_at = $2, closing_note = $3, \
             closed_by = $4, version = version + 1 WHERE id = $5 AND version = $6",
            alert.owner_id,
            alert.closed_at,
            &alert.closing_note,
            alert.closed_by,
            alert.id,
            alert.version
        )?;
        if changed == 0 {
            let current = fetch_optional!(
                self,
                (i64,),
                "SELECT version FROM triage_alerts WHERE id = $1",
                alert.id
            )?;
            return Err(match current {
                Some((current_version,)) => StoreError::Conflict { current_version },
                None => StoreError::NotFound,
            });
        }
        Ok(alert.version + 1)
    }
}
