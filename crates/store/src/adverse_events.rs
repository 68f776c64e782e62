//! Adverse events' storage, changed in place under a version, and the
//! reads a lookback needs: a site's products and what a specimen became.

use crate::session_day::{RawUnit, UNIT_COLUMNS};
use crate::{Result, StoreError, Tx, UnitRow, execute, fetch_all, fetch_optional};
use cellpath_domain::cells::UnitKind;
use cellpath_domain::{PatientId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One adverse event, as stored; its values were checked by the domain.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdverseEventRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub site_id: Uuid,
    pub session_id: Uuid,
    /// The product or donor lot the patient received, when known.
    pub unit_id: Option<Uuid>,
    pub what: String,
    pub onset_at: DateTime<Utc>,
    /// 1 to 5.
    pub grade: i64,
    pub serious: bool,
    /// A `Relatedness` code.
    pub relatedness: String,
    /// An `Outcome` code.
    pub outcome: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const COLUMNS: &str = "id, patient_id, site_id, session_id, unit_id, what, onset_at, grade, \
     serious, relatedness, outcome, recorded_by, recorded_at, updated_by, updated_at, version";

impl Tx {
    pub async fn insert_adverse_event(&mut self, row: &AdverseEventRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO adverse_events ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            row.id,
            row.patient_id,
            row.site_id,
            row.session_id,
            row.unit_id,
            &row.what,
            row.onset_at,
            row.grade,
            row.serious,
            &row.relatedness,
            &row.outcome,
            &row.recorded_by,
            row.recorded_at,
            &row.updated_by,
            row.updated_at,
            row.version
        )?;
        Ok(())
    }

    /// Writes an event's values if it is still at `row.version`; the stored
    /// version moves on. Someone else's change first is a `Conflict`.
    pub async fn update_adverse_event(&mut self, row: &AdverseEventRow) -> Result<i64> {
        let changed = execute!(
            self,
            "UPDATE adverse_events SET unit_id = $1, what = $2, onset_at = $3, grade = $4, \
             serious = $5, relatedness = $6, outcome = $7, updated_by = $8, updated_at = $9, \
             version = version + 1 WHERE id = $10 AND version = $11",
            row.unit_id,
            &row.what,
            row.onset_at,
            row.grade,
            row.serious,
            &row.relatedness,
            &row.outcome,
            &row.updated_by,
            row.updated_at,
            row.id,
            row.version
        )?;
        if changed == 0 {
            let current = fetch_optional!(
                self,
                (i64,),
                "SELECT version FROM adverse_events WHERE id = $1",
                row.id
            )?;
            return Err(match current {
                Some((current_version,)) => StoreError::Conflict { current_version },
                None => StoreError::NotFound,
            });
        }
        Ok(row.version + 1)
    }

    pub async fn adverse_event(&mut self, id: Uuid) -> Result<AdverseEventRow> {
        let sql = format!("SELECT {COLUMNS} FROM adverse_events WHERE id = $1");
        fetch_optional!(self, AdverseEventRow, sqlx::AssertSqlSafe(sql), id)?
            .ok_or(StoreError::NotFound)
    }

    /// A patient's adverse events, by onset.
    pub async fn adverse_events_of_patient(
        &mut self,
        patient_id: PatientId,
    ) -> Result<Vec<AdverseEventRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM adverse_events WHERE patient_id = $1 ORDER BY onset_at, id"
        );
        Ok(fetch_all!(
            self,
            AdverseEventRow,
            sqlx::AssertSqlSafe(sql),
            patient_id.as_uuid()
        )?)
    }

    /// The adverse events of a site's sessions that start in `[from, to)`.
    pub async fn adverse_events_of_site(
        &mut self,
        site_id: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AdverseEventRow>> {
        let columns = COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM adverse_events a JOIN treatment_sessions s ON s.id = a.session_id \
             WHERE s.site_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 ORDER BY a.onset_at, a.id"
        );
        Ok(fetch_all!(
            self,
            AdverseEventRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            from,
            to
        )?)
    }

    /// A site's units of one kind, oldest first (a kit lot lookback reads
    /// every product's processing record).
    pub async fn units_of_kind_at_site(
        &mut self,
        site_id: SiteId,
        kind: UnitKind,
    ) -> Result<Vec<UnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM cell_units WHERE site_id = $1 AND kind = $2 \
             ORDER BY created_at, id"
        );
        fetch_all!(
            self,
            RawUnit,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            kind.code()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// What processing made of a unit (a specimen's products).
    pub async fn units_derived_from(&mut self, parent_id: Uuid) -> Result<Vec<UnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM cell_units WHERE parent_id = $1 ORDER BY created_at, id"
        );
        fetch_all!(self, RawUnit, sqlx::AssertSqlSafe(sql), parent_id)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}
