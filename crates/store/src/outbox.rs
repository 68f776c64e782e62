//! The outbox: messages enqueued with the change that causes them, claimed
//! by a delivery worker, and marked sent or retried later.

use crate::{Result, Tx, execute, fetch_all};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub patient_id: Option<Uuid>,
    /// The same key is enqueued only once: enqueuing is idempotent.
    pub dedup_key: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar file to attach, when there is one.
    pub calendar: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, site_id, patient_id, dedup_key, channel, recipient, subject, body, calendar, status, \
     attempts, next_attempt_at, last_error, created_at, sent_at";

impl Tx {
    /// Enqueues a message unless one with its key already exists; true when enqueued.
    pub async fn enqueue(&mut self, m: &OutboxRow) -> Result<bool> {
        let inserted = execute!(
            self,
            "INSERT INTO outbox (id, site_id, patient_id, dedup_key, channel, recipient, subject, body, calendar, \
             status, attempts, next_attempt_at, last_error, created_at, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, NULL) \
             ON CONFLICT (dedup_key) DO NOTHING",
            m.id,
            m.site_id,
            m.patient_id,
            &m.dedup_key,
            &m.channel,
            &m.recipient,
            &m.subject,
            &m.body,
            &m.calendar,
            &m.status,
            m.attempts,
            m.next_attempt_at,
            m.created_at
        )?;
        Ok(inserted == 1)
    }

    /// Pending messages due at `now`, oldest first.
    pub async fn due_messages(&mut self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(fetch_all!(self, OutboxRow, sqlx::AssertSqlSafe(sql), now)?)
    }

    /// Claims a message for one delivery attempt by moving its next attempt
    /// to `lease_until`; false when another worker claimed it first.
    pub async fn claim_message(
        &mut self,
        id: Uuid,
        seen_next: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = execute!(
            self,
            "UPDATE outbox SET next_attempt_at = $3 WHERE id = $1 AND status = 'pending' AND next_attempt_at = $2",
            id,
            seen_next,
            lease_until
        )?;
        Ok(changed == 1)
    }

    pub async fn mark_sent(&mut self, id: Uuid, attempts: i64, now: DateTime<Utc>) -> Result<()> {
        execute!(
            self,
            "UPDATE outbox SET status = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1",
            id,
            attempts,
            now
        )?;
        Ok(())
    }

    /// Records a failed attempt: retried at `next`, or given up on (`None`).
    pub async fn mark_attempt_failed(
        &mut self,
        id: Uuid,
        attempts: i64,
        next: Option<DateTime<Utc>>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (status, next) = match next {
            Some(next) => ("pending", next),
            None => ("failed", now),
        };
        execute!(
            self,
            "UPDATE outbox SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5 WHERE id = $1",
            id,
            status,
            attempts,
            next,
            error
        )?;
        Ok(())
    }

    pub async fn messages_of_patient(&mut self, patient: Uuid) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE patient_id = $1 ORDER BY created_at DESC, id"
        );
        Ok(fetch_all!(
            self,
            OutboxRow,
            sqlx::AssertSqlSafe(sql),
            patient
        )?)
    }

    pub async fn messages_of_site(&mut self, site: Uuid, limit: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE site_id = $1 ORDER BY created_at DESC, id LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(fetch_all!(self, OutboxRow, sqlx::AssertSqlSafe(sql), site)?)
    }
}
