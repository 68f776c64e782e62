//! Answered questionnaires: the answers as given and the scores computed
//! when they were saved, kept per patient and site for the outcome charts
//! and the cohort report. Responses are append-only.

use crate::{Result, Tx, execute, fetch_all};
use cellpath_domain::{PatientId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One answered questionnaire; `answers` and `scores` are `encode_fields`
/// pairs (item code and value; score code and value, blank when too few
/// items were answered).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The questionnaire's code (`koos`).
    pub code: String,
    /// `baseline`, `1w`, `6w`, `3m`, `6m`, `12m` or `other`.
    pub timepoint: String,
    pub answers: String,
    pub scores: String,
    /// The user who saved it: the patient's portal account, or staff.
    pub answered_by: Uuid,
    pub answered_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, patient_id, site_id, plan_id, session_id, code, timepoint, answers, \
     scores, answered_by, answered_at";

impl Tx {
    pub async fn insert_response(&mut self, row: &ResponseRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO questionnaire_responses ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            row.id,
            row.patient_id,
            row.site_id,
            row.plan_id,
            row.session_id,
            &row.code,
            &row.timepoint,
            &row.answers,
            &row.scores,
            row.answered_by,
            row.answered_at
        )?;
        Ok(())
    }

    /// A patient's responses, oldest first.
    pub async fn responses_of_patient(
        &mut self,
        patient_id: PatientId,
    ) -> Result<Vec<ResponseRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM questionnaire_responses WHERE patient_id = $1 \
             ORDER BY answered_at, id"
        );
        Ok(fetch_all!(
            self,
            ResponseRow,
            sqlx::AssertSqlSafe(sql),
            patient_id.as_uuid()
        )?)
    }

    /// A site's responses, by patient then oldest first.
    pub async fn responses_of_site(&mut self, site_id: SiteId) -> Result<Vec<ResponseRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM questionnaire_responses WHERE site_id = $1 \
             ORDER BY patient_id, answered_at, id"
        );
        Ok(fetch_all!(
            self,
            ResponseRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid()
        )?)
    }
}
