//! Versioned protocol settings, treatment plans with their decisions,
//! planned sessions and ticked preparation tasks.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, unique_as};
use cellpath_domain::plan::{
    Anaesthesia, CellSource, Decision, Guidance, Indication, Plan, PlanStatus, SessionStatus, Side,
    TargetSite, TreatmentPlan, TreatmentSession,
};
use cellpath_domain::screening::{FindingCode, Outcome};
use cellpath_domain::{PatientId, PlanId, SessionId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One stored version of a site's protocol: its settings as (name, value) pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProtocol {
    pub site_id: SiteId,
    pub version: i64,
    pub settings: Vec<(String, String)>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProtocolRow {
    site_id: Uuid,
    version: i64,
    settings: String,
    note: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<ProtocolRow> for StoredProtocol {
    type Error = StoreError;
    fn try_from(row: ProtocolRow) -> Result<StoredProtocol> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&row.settings)
                .map_err(|e| StoreError::Corrupt(format!("protocol settings: {e}")))?;
        let settings = map
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        Ok(StoredProtocol {
            site_id: SiteId::from_uuid(row.site_id),
            version: row.version,
            settings,
            note: row.note,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }
}

const PROTOCOL_COLUMNS: &str = "site_id, version, settings, note, created_by, created_at";

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: Uuid,
    patient_id: Uuid,
    site_id: Uuid,
    indication: String,
    target_site: String,
    side: String,
    spinal_level: Option<String>,
    cell_source: String,
    guidance: String,
    anaesthesia: String,
    planned_sessions: i64,
    study_id: Option<String>,
    previous_plan_id: Option<Uuid>,
    status: String,
    decision_outcome: Option<String>,
    decision_findings: Option<String>,
    decision_justification: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    created_by: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const PLAN_COLUMNS: &str = "id, patient_id, site_id, indication, target_site, side, spinal_level, cell_source, \
     guidance, anaesthesia, planned_sessions, study_id, previous_plan_id, status, decision_outcome, \
     decision_findings, decision_justification, decided_by, decided_at, created_by, version, created_at, updated_at";

fn outcome_of(code: &str) -> Option<Outcome> {
    [
        Outcome::Eligible,
        Outcome::NeedsReview,
        Outcome::NotEligible,
    ]
    .into_iter()
    .find(|o| o.code() == code)
}

fn encode_findings(findings: &[(FindingCode, Vec<String>)]) -> String {
    let list: Vec<serde_json::Value> = findings
        .iter()
        .map(|(code, names)| serde_json::json!({ "code": code.code(), "names": names }))
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn decode_findings(text: &str) -> Result<Vec<(FindingCode, Vec<String>)>> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("decision findings: {what}"));
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| corrupt(&e.to_string()))?;
    let list = value.as_array().ok_or_else(|| corrupt("not a list"))?;
    list.iter()
        .map(|f| {
            let code = f["code"]
                .as_str()
                .and_then(|c| FindingCode::parse("code", c).ok())
                .ok_or_else(|| corrupt("code"))?;
            let names = f["names"]
                .as_array()
                .map(|n| {
                    n.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Ok((code, names))
        })
        .collect()
}

impl TryFrom<PlanRow> for TreatmentPlan {
    type Error = StoreError;
    fn try_from(row: PlanRow) -> Result<TreatmentPlan> {
        let id = row.id;
        let corrupt = move |what: &str| StoreError::Corrupt(format!("plan {id}: {what}"));
        let plan = Plan {
            indication: Indication::parse("indication", &row.indication)
                .map_err(|_| corrupt("indication"))?,
            target_site: TargetSite::parse("target_site", &row.target_site)
                .map_err(|_| corrupt("target site"))?,
            side: Side::parse("side", &row.side).map_err(|_| corrupt("side"))?,
            spinal_level: row.spinal_level,
            cell_source: CellSource::parse("cell_source", &row.cell_source)
                .map_err(|_| corrupt("cell source"))?,
            guidance: Guidance::parse("guidance", &row.guidance)
                .map_err(|_| corrupt("guidance"))?,
            anaesthesia: Anaesthesia::parse("anaesthesia", &row.anaesthesia)
                .map_err(|_| corrupt("anaesthesia"))?,
            planned_sessions: u32::try_from(row.planned_sessions)
                .map_err(|_| corrupt("sessions"))?,
            study_id: row.study_id,
        };
        let status = PlanStatus::parse("status", &row.status).map_err(|_| corrupt("status"))?;
        let decision = match (row.decision_outcome, row.decided_by, row.decided_at) {
            (Some(outcome), Some(decided_by), Some(decided_at)) => Some(Decision {
                proceed: status == PlanStatus::Approved,
                outcome: outcome_of(&outcome).ok_or_else(|| corrupt("outcome"))?,
                findings: decode_findings(row.decision_findings.as_deref().unwrap_or("[]"))?,
                justification: row.decision_justification,
                decided_by,
                decided_at,
            }),
            _ => None,
        };
        Ok(TreatmentPlan {
            id: PlanId::from_uuid(row.id),
            patient_id: PatientId::from_uuid(row.patient_id),
            site_id: SiteId::from_uuid(row.site_id),
            plan,
            previous_plan_id: row.previous_plan_id.map(PlanId::from_uuid),
            status,
            decision,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    plan_id: Uuid,
    patient_id: Uuid,
    site_id: Uuid,
    session_number: i64,
    starts_at: DateTime<Utc>,
    protocol_version: i64,
    status: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const SESSION_COLUMNS: &str = "id, plan_id, patient_id, site_id, session_number, starts_at, protocol_version, status, \
     version, created_at, updated_at";

impl TryFrom<SessionRow> for TreatmentSession {
    type Error = StoreError;
    fn try_from(row: SessionRow) -> Result<TreatmentSession> {
        Ok(TreatmentSession {
            id: SessionId::from_uuid(row.id),
            plan_id: PlanId::from_uuid(row.plan_id),
            patient_id: PatientId::from_uuid(row.patient_id),
            site_id: SiteId::from_uuid(row.site_id),
            number: row.session_number,
            starts_at: row.starts_at,
            protocol_version: row.protocol_version,
            status: SessionStatus::parse("status", &row.status)
                .map_err(|_| StoreError::Corrupt(format!("session {}: status", row.id)))?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A ticked preparation task.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TickRow {
    pub task: String,
    pub ticked_at: DateTime<Utc>,
    pub ticked_by: String,
}

impl Tx {
    /// Stores the next version of a site's protocol and returns its number.
    pub async fn insert_protocol_version(
        &mut self,
        site_id: SiteId,
        settings: &[(&str, String)],
        note: Option<&str>,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let current: Option<i64> =
            crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MAX(version) FROM protocol_versions WHERE site_id = $1"
            )
            .bind(site_id.as_uuid())
            .fetch_one(conn)
            .await)?;
        let version = current.unwrap_or(0) + 1;
        execute!(
            self,
            "INSERT INTO protocol_versions (id, site_id, version, settings, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Uuid::now_v7(),
            site_id.as_uuid(),
            version,
            crate::encode_fields(settings),
            note,
            created_by,
            now
        )
        .map_err(unique_as("version"))?;
        Ok(version)
    }

    /// The version in force at a site now (`None`: the site runs on the defaults).
    pub async fn current_protocol(&mut self, site_id: SiteId) -> Result<Option<StoredProtocol>> {
        let sql = format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocol_versions WHERE site_id = $1 ORDER BY version DESC LIMIT 1"
        );
        fetch_optional!(
            self,
            ProtocolRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid()
        )?
        .map(TryInto::try_into)
        .transpose()
    }

    pub async fn protocol_version(
        &mut self,
        site_id: SiteId,
        version: i64,
    ) -> Result<Option<StoredProtocol>> {
        let sql = format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocol_versions WHERE site_id = $1 AND version = $2"
        );
        fetch_optional!(
            self,
            ProtocolRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            version
        )?
        .map(TryInto::try_into)
        .transpose()
    }

    pub async fn protocol_history(&mut self, site_id: SiteId) -> Result<Vec<StoredProtocol>> {
        let sql = format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocol_versions WHERE site_id = $1 ORDER BY version DESC"
        );
        fetch_all!(
            self,
            ProtocolRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    pub async fn insert_plan(&mut self, p: &TreatmentPlan) -> Result<()> {
        execute!(
            self,
            "INSERT INTO treatment_plans (id, patient_id, site_id, indication, target_site, side, spinal_level, \
             cell_source, guidance, anaesthesia, planned_sessions, study_id, previous_plan_id, status, \
             decision_outcome, decision_findings, decision_justification, decided_by, decided_at, created_by, \
             version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL, NULL, NULL, \
             $15, $16, $17, $18)",
            p.id.as_uuid(),
            p.patient_id.as_uuid(),
            p.site_id.as_uuid(),
            p.plan.indication.code(),
            p.plan.target_site.code(),
            p.plan.side.code(),
            &p.plan.spinal_level,
            p.plan.cell_source.code(),
            p.plan.guidance.code(),
            p.plan.anaesthesia.code(),
            i64::from(p.plan.planned_sessions),
            &p.plan.study_id,
            p.previous_plan_id.map(|id| id.as_uuid()),
            p.status.code(),
            &p.created_by,
            p.version,
            p.created_at,
            p.updated_at
        )?;
        Ok(())
    }

    pub async fn plan(&mut self, id: PlanId) -> Result<TreatmentPlan> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM treatment_plans WHERE id = $1");
        fetch_optional!(self, PlanRow, sqlx::AssertSqlSafe(sql), id.as_uuid())?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    pub async fn plans_of_patient(&mut self, patient_id: PatientId) -> Result<Vec<TreatmentPlan>> {
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM treatment_plans WHERE patient_id = $1 ORDER BY created_at, id"
        );
        fetch_all!(
            self,
            PlanRow,
            sqlx::AssertSqlSafe(sql),
            patient_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Records the decision of a plan still at `expected_version`.
    pub async fn decide_plan(&mut self, p: &TreatmentPlan, expected_version: i64) -> Result<()> {
        let decision = p
            .decision
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("a decision is required".into()))?;
        let changed = execute!(
            self,
            "UPDATE treatment_plans SET status = $3, decision_outcome = $4, decision_findings = $5, \
             decision_justification = $6, decided_by = $7, decided_at = $8, version = $9, updated_at = $10 \
             WHERE id = $1 AND version = $2",
            p.id.as_uuid(),
            expected_version,
            p.status.code(),
            decision.outcome.code(),
            encode_findings(&decision.findings),
            &decision.justification,
            &decision.decided_by,
            decision.decided_at,
            p.version,
            p.updated_at
        )?;
        if changed == 0 {
            let current = self.plan(p.id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }

    pub async fn insert_treatment_session(&mut self, s: &TreatmentSession) -> Result<()> {
        execute!(
            self,
            "INSERT INTO treatment_sessions (id, plan_id, patient_id, site_id, session_number, starts_at, \
             protocol_version, status, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            s.id.as_uuid(),
            s.plan_id.as_uuid(),
            s.patient_id.as_uuid(),
            s.site_id.as_uuid(),
            s.number,
            s.starts_at,
            s.protocol_version,
            s.status.code(),
            s.version,
            s.created_at,
            s.updated_at
        )
        .map_err(unique_as("session_number"))?;
        Ok(())
    }

    pub async fn treatment_session(&mut self, id: SessionId) -> Result<TreatmentSession> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM treatment_sessions WHERE id = $1");
        fetch_optional!(self, SessionRow, sqlx::AssertSqlSafe(sql), id.as_uuid())?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    pub async fn sessions_of_patient(
        &mut self,
        patient_id: PatientId,
    ) -> Result<Vec<TreatmentSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM treatment_sessions WHERE patient_id = $1 ORDER BY starts_at, id"
        );
        fetch_all!(
            self,
            SessionRow,
            sqlx::AssertSqlSafe(sql),
            patient_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Planned sessions of a site starting in `[from, to)`.
    pub async fn sessions_of_site(
        &mut self,
        site_id: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TreatmentSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM treatment_sessions WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3 \
             AND status = 'planned' ORDER BY starts_at, id"
        );
        fetch_all!(
            self,
            SessionRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            from,
            to
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The next session number of a plan.
    pub async fn next_session_number(&mut self, plan_id: PlanId) -> Result<i64> {
        let current: Option<i64> =
            crate::on_tx!(self, |conn| sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MAX(session_number) FROM treatment_sessions WHERE plan_id = $1"
            )
            .bind(plan_id.as_uuid())
            .fetch_one(conn)
            .await)?;
        Ok(current.unwrap_or(0) + 1)
    }

    /// Ticks (or unticks) a preparation task of a session.
    pub async fn set_tick(
        &mut self,
        session_id: SessionId,
        task: &str,
        done: bool,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if done {
            execute!(
                self,
                "INSERT INTO preparation_ticks (session_id, task, ticked_at, ticked_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (session_id, task) DO NOTHING",
                session_id.as_uuid(),
                task,
                now,
                by
            )?;
        } else {
            execute!(
                self,
                "DELETE FROM preparation_ticks WHERE session_id = $1 AND task = $2",
                session_id.as_uuid(),
                task
            )?;
        }
        Ok(())
    }

    pub async fn ticks(&mut self, session_id: SessionId) -> Result<Vec<TickRow>> {
        Ok(fetch_all!(
            self,
            TickRow,
            "SELECT task, ticked_at, ticked_by FROM preparation_ticks WHERE session_id = $1 ORDER BY task",
            session_id.as_uuid()
        )?)
    }
}
