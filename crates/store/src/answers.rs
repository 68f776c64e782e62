//! The clinic's answers to common questions.

use crate::{Result, Tx, execute, fetch_all};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerRow {
    pub site_id: Uuid,
    pub question: String,
    pub locale: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Tx {
    pub async fn answers(&mut self, site: Uuid, locale: &str) -> Result<Vec<AnswerRow>> {
        Ok(fetch_all!(
            self,
            AnswerRow,
            "SELECT site_id, question, locale, title, body, version, updated_by, updated_at FROM answers \
             WHERE site_id = $1 AND locale = $2 ORDER BY question",
            site,
            locale
        )?)
    }

    /// Saves an answer, one version after the one stored (1 for the first edit).
    pub async fn save_answer(&mut self, a: &AnswerRow) -> Result<i64> {
        let current: Option<i64> = crate::on_tx!(self, |conn| sqlx::query_scalar::<_, i64>(
            "SELECT version FROM answers WHERE site_id = $1 AND question = $2 AND locale = $3"
        )
        .bind(a.site_id)
        .bind(&a.question)
        .bind(&a.locale)
        .fetch_optional(conn)
        .await)?;
        let version = current.unwrap_or(0) + 1;
        execute!(
            self,
            "INSERT INTO answers (site_id, question, locale, title, body, version, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (site_id, question, locale) DO UPDATE SET title = $4, body = $5, version = $6, \
             updated_by = $7, updated_at = $8",
            a.site_id,
            &a.question,
            &a.locale,
            &a.title,
            &a.body,
            version,
            &a.updated_by,
            a.updated_at
        )?;
        Ok(version)
    }
}
