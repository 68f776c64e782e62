//! Consent texts (versioned) and signed consents with the exact text shown.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use cellpath_domain::{PatientId, PlanId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One version of a consent text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateRow {
    pub site_id: Uuid,
    pub procedure: String,
    pub locale: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A signed consent (the PDF is read separately: it is large).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsentRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    pub procedure: String,
    pub locale: String,
    pub template_version: i64,
    pub text_shown: String,
    pub text_hash: String,
    pub typed_name: String,
    pub drawn_signature: Option<String>,
    pub witness_name: Option<String>,
    pub interpreter_name: Option<String>,
    pub interpreter_language: Option<String>,
    pub signed_via: String,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
}

const TEMPLATE_COLUMNS: &str =
    "site_id, procedure, locale, version, title, body, created_by, created_at";
const CONSENT_COLUMNS: &str = "id, plan_id, patient_id, site_id, procedure, locale, template_version, text_shown, \
     text_hash, typed_name, drawn_signature, witness_name, interpreter_name, interpreter_language, signed_via, \
     signed_by, signed_at, withdrawn_at, withdrawn_by, withdrawal_reason";

impl Tx {
    /// Stores the next version of a consent text and returns its number.
    pub async fn insert_consent_template(&mut self, row: &TemplateRow) -> Result<i64> {
        let current: Option<i64> = crate::on_tx!(self, |conn| {
            sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(version) FROM consent_templates WHERE site_id = $1 AND procedure = $2 AND locale = $3"
        )
        .bind(row.site_id)
        .bind(&row.procedure)
        .bind(&row.locale)
        .fetch_one(conn)
        .await
        })?;
        let version = current.unwrap_or(0) + 1;
        execute!(
            self,
            "INSERT INTO consent_templates (id, site_id, procedure, locale, version, title, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            Uuid::now_v7(),
            row.site_id,
            &row.procedure,
            &row.locale,
            version,
            &row.title,
            &row.body,
            &row.created_by,
            row.created_at
        )
        .map_err(unique_as("version"))?;
        Ok(version)
    }

    /// The current version of a consent text, if the clinic wrote one.
    pub async fn current_consent_template(
        &mut self,
        site: SiteId,
        procedure: &str,
        locale: &str,
    ) -> Result<Option<TemplateRow>> {
        let sql = format!(
            "SELECT {TEMPLATE_COLUMNS} FROM consent_templates WHERE site_id = $1 AND procedure = $2 AND locale = $3 \
             ORDER BY version DESC LIMIT 1"
        );
        Ok(fetch_optional!(
            self,
            TemplateRow,
            sqlx::AssertSqlSafe(sql),
            site.as_uuid(),
            procedure,
            locale
        )?)
    }

    pub async fn consent_templates(&mut self, site: SiteId) -> Result<Vec<TemplateRow>> {
        let sql = format!(
            "SELECT {TEMPLATE_COLUMNS} FROM consent_templates WHERE site_id = $1 ORDER BY procedure, locale, version DESC"
        );
        Ok(fetch_all!(
            self,
            TemplateRow,
            sqlx::AssertSqlSafe(sql),
            site.as_uuid()
        )?)
    }

    pub async fn insert_consent(&mut self, c: &ConsentRow, pdf: Option<&[u8]>) -> Result<()> {
        execute!(
            self,
            "INSERT INTO consents (id, plan_id, patient_id, site_id, procedure, locale, template_version, text_shown, \
             text_hash, typed_name, drawn_signature, witness_name, interpreter_name, interpreter_language, signed_via, \
             signed_by, signed_at, withdrawn_at, withdrawn_by, withdrawal_reason, pdf) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, NULL, NULL, NULL, $18)",
            c.id,
            c.plan_id,
            c.patient_id,
            c.site_id,
            &c.procedure,
            &c.locale,
            c.template_version,
            &c.text_shown,
            &c.text_hash,
            &c.typed_name,
            &c.drawn_signature,
            &c.witness_name,
            &c.interpreter_name,
            &c.interpreter_language,
            &c.signed_via,
            &c.signed_by,
            c.signed_at,
            pdf
        )?;
        Ok(())
    }

    pub async fn consents_of_plan(&mut self, plan: PlanId) -> Result<Vec<ConsentRow>> {
        let sql = format!(
            "SELECT {CONSENT_COLUMNS} FROM consents WHERE plan_id = $1 ORDER BY signed_at, id"
        );
        Ok(fetch_all!(
            self,
            ConsentRow,
            sqlx::AssertSqlSafe(sql),
            plan.as_uuid()
        )?)
    }

    pub async fn consents_of_patient(&mut self, patient: PatientId) -> Result<Vec<ConsentRow>> {
        let sql = format!(
            "SELECT {CONSENT_COLUMNS} FROM consents WHERE patient_id = $1 ORDER BY signed_at, id"
        );
        Ok(fetch_all!(
            self,
            ConsentRow,
            sqlx::AssertSqlSafe(sql),
            patient.as_uuid()
        )?)
    }

    pub async fn consent(&mut self, id: Uuid) -> Result<ConsentRow> {
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE id = $1");
        fetch_optional!(self, ConsentRow, sqlx::AssertSqlSafe(sql), id)?.ok_or(StoreError::NotFound)
    }

    /// The stored PDF of a signed consent.
    pub async fn consent_pdf(&mut self, id: Uuid) -> Result<Option<Vec<u8>>> {
        Ok(
            crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Option<Vec<u8>>>(
                "SELECT pdf FROM consents WHERE id = $1"
            )
            .bind(id)
            .fetch_optional(conn)
            .await)?
            .flatten(),
        )
    }

    /// Records the withdrawal of a consent not yet withdrawn; false when it already was.
    pub async fn withdraw_consent(
        &mut self,
        id: Uuid,
        by: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = execute!(
            self,
            "UPDATE consents SET withdrawn_at = $2, withdrawn_by = $3, withdrawal_reason = $4 \
             WHERE id = $1 AND withdrawn_at IS NULL",
            id,
            now,
            by,
            reason
        )?;
        Ok(changed == 1)
    }
}
