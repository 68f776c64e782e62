//! The session day's storage: each site's facility code and label size; the
//! append-only events of every session day, numbered per session (a unique
//! `(session_id, seq)` makes two writers that read the same state conflict
//! instead of both recording); the labelled units of the cells' chain of
//! identity and every scan and change of them, refused ones included.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional, fetch_scalar, unique_as};
use cellpath_domain::cells::{ProductType, UnitKind, UnitStatus};
use cellpath_domain::{PatientId, SessionId, SiteId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Decodes the fields that `encode_fields` wrote, in their order.
pub fn decode_fields(encoded: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(encoded) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A site's labelling settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteLabelRow {
    pub id: Uuid,
    pub name: String,
    /// The facility code identifiers start with; none until the admin sets it.
    pub facility_code: Option<String>,
    pub label_width_mm: i64,
    pub label_height_mm: i64,
}

/// One event of a session day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayEventRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub seq: i64,
    /// `checked`, `started`, `finished`, `deviation` or `record`.
    pub kind: String,
    pub step: Option<String>,
    /// The checklist item, the deviation kind or the record's kind.
    pub code: Option<String>,
    /// A deviation's reason.
    pub note: Option<String>,
    /// A record's values (`encode_fields`).
    pub fields: String,
    pub username: String,
    pub display_name: String,
    pub at: DateTime<Utc>,
}

/// A labelled unit: a specimen, a product or a donor lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: Uuid,
    /// The 13 characters of the donation identifier, without the check character.
    pub donation_id: String,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub product_type: ProductType,
    pub site_id: SiteId,
    pub owner_patient_id: Option<PatientId>,
    pub assigned_patient_id: Option<PatientId>,
    pub session_id: Option<SessionId>,
    pub parent_id: Option<Uuid>,
    pub supplier_lot: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub processed_by: Option<String>,
    pub released_by: Option<String>,
    /// The unit's records (harvest, processing, quality control, donor details).
    pub fields: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RawUnit {
    id: Uuid,
    donation_id: String,
    kind: String,
    status: String,
    product_type: String,
    site_id: Uuid,
    owner_patient_id: Option<Uuid>,
    assigned_patient_id: Option<Uuid>,
    session_id: Option<Uuid>,
    parent_id: Option<Uuid>,
    supplier_lot: Option<String>,
    collected_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    processed_by: Option<String>,
    released_by: Option<String>,
    fields: String,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(crate) const UNIT_COLUMNS: &str = "id, donation_id, kind, status, product_type, site_id, owner_patient_id, \
     assigned_patient_id, session_id, parent_id, supplier_lot, collected_at, expires_at, \
     processed_by, released_by, fields, version, created_by, created_at, updated_at";

impl TryFrom<RawUnit> for UnitRow {
    type Error = StoreError;
    fn try_from(row: RawUnit) -> Result<UnitRow> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("unit {}: {what}", row.id));
        Ok(UnitRow {
            id: row.id,
            kind: UnitKind::parse("kind", &row.kind).map_err(|_| corrupt("kind"))?,
            status: UnitStatus::parse("status", &row.status).map_err(|_| corrupt("status"))?,
            product_type: ProductType::parse("product_type", &row.product_type)
                .map_err(|_| corrupt("product_type"))?,
            donation_id: row.donation_id,
            site_id: SiteId::from_uuid(row.site_id),
            owner_patient_id: row.owner_patient_id.map(PatientId::from_uuid),
            assigned_patient_id: row.assigned_patient_id.map(PatientId::from_uuid),
            session_id: row.session_id.map(SessionId::from_uuid),
            parent_id: row.parent_id,
            supplier_lot: row.supplier_lot,
            collected_at: row.collected_at,
            expires_at: row.expires_at,
            processed_by: row.processed_by,
            released_by: row.released_by,
            fields: row.fields,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A scan or change in the chain of identity; `passed` is false for a
/// refusal (a wrong scan, a failed bedside check), which is kept too.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainEventRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// `collected`, `received`, `processed`, `qc`, `released`, `rejected`,
    /// `quarantined`, `assigned`, `bedside_check`, `administered`.
    pub kind: String,
    pub passed: bool,
    /// Why it was refused.
    pub code: Option<String>,
    /// What was scanned, as typed.
    pub scanned: Option<String>,
    pub fields: String,
    pub username: String,
    pub display_name: String,
    pub at: DateTime<Utc>,
}

const CHAIN_COLUMNS: &str = "id, site_id, unit_id, session_id, kind, passed, code, scanned, fields, username, display_name, at";
const DAY_COLUMNS: &str =
    "id, session_id, seq, kind, step, code, note, fields, username, display_name, at";

impl Tx {
    pub async fn site_labels(&mut self, site_id: SiteId) -> Result<SiteLabelRow> {
        fetch_optional!(
            self,
            SiteLabelRow,
            "SELECT id, name, facility_code, label_width_mm, label_height_mm FROM sites WHERE id = $1",
            site_id.as_uuid()
        )?
        .ok_or(StoreError::NotFound)
    }

    /// Sets a site's facility code and label size; a code another site
    /// uses is a `Duplicate` of `facility_code`.
    pub async fn set_site_labels(
        &mut self,
        site_id: SiteId,
        facility_code: &str,
        width_mm: i64,
        height_mm: i64,
    ) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE sites SET facility_code = $1, label_width_mm = $2, label_height_mm = $3 WHERE id = $4",
            facility_code,
            width_mm,
            height_mm,
            site_id.as_uuid()
        )
        .map_err(unique_as("facility_code"))?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The number a site's patients call; blank until the admin sets it.
    pub async fn site_phone(&mut self, site_id: SiteId) -> Result<String> {
        fetch_optional!(
            self,
            (String,),
            "SELECT phone FROM sites WHERE id = $1",
            site_id.as_uuid()
        )?
        .map(|(phone,)| phone)
        .ok_or(StoreError::NotFound)
    }

    pub async fn set_site_phone(&mut self, site_id: SiteId, phone: &str) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE sites SET phone = $1 WHERE id = $2",
            phone,
            site_id.as_uuid()
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Appends an event as the session's next; fails with `Conflict` when
    /// another writer took that place first.
    pub async fn append_day_event(&mut self, event: &DayEventRow) -> Result<i64> {
        let seq = fetch_scalar!(
            self,
            i64,
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM day_events WHERE session_id = $1",
            event.session_id
        )?;
        execute!(
            self,
            "INSERT INTO day_events (id, session_id, seq, kind, step, code, note, fields, username, display_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            event.id,
            event.session_id,
            seq,
            &event.kind,
            &event.step,
            &event.code,
            &event.note,
            &event.fields,
            &event.username,
            &event.display_name,
            event.at
        )
        .map_err(|err| match unique_as("seq")(err) {
            StoreError::Duplicate { .. } => StoreError::Conflict { current_version: seq },
            other => other,
        })?;
        Ok(seq)
    }

    pub async fn day_events(&mut self, session_id: SessionId) -> Result<Vec<DayEventRow>> {
        let sql =
            format!("SELECT {DAY_COLUMNS} FROM day_events WHERE session_id = $1 ORDER BY seq");
        Ok(fetch_all!(
            self,
            DayEventRow,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?)
    }

    /// The events of a site's sessions that start in `[from, to)`.
    pub async fn day_events_of_site(
        &mut self,
        site_id: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DayEventRow>> {
        let sql = format!(
            "SELECT {} FROM day_events e JOIN treatment_sessions s ON s.id = e.session_id \
             WHERE s.site_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 ORDER BY e.session_id, e.seq",
            DAY_COLUMNS
                .split(", ")
                .map(|c| format!("e.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(fetch_all!(
            self,
            DayEventRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            from,
            to
        )?)
    }

    pub async fn insert_unit(&mut self, unit: &UnitRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO cell_units ({UNIT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            unit.id,
            &unit.donation_id,
            unit.kind.code(),
            unit.status.code(),
            unit.product_type.code(),
            unit.site_id.as_uuid(),
            unit.owner_patient_id.map(|p| p.as_uuid()),
            unit.assigned_patient_id.map(|p| p.as_uuid()),
            unit.session_id.map(|s| s.as_uuid()),
            unit.parent_id,
            &unit.supplier_lot,
            unit.collected_at,
            unit.expires_at,
            &unit.processed_by,
            &unit.released_by,
            &unit.fields,
            unit.version,
            &unit.created_by,
            unit.created_at,
            unit.updated_at
        )
        .map_err(unique_as("donation_id"))?;
        Ok(())
    }

    /// Writes a unit's changed status, people, assignment, expiry and
    /// records, if it is still at `unit.version`; the stored version moves on.
    pub async fn update_unit(&mut self, unit: &UnitRow) -> Result<i64> {
        let changed = execute!(
            self,
            "UPDATE cell_units SET status = $1, assigned_patient_id = $2, expires_at = $3, \
             processed_by = $4, released_by = $5, fields = $6, updated_at = $7, session_id = $10, \
             version = version + 1 WHERE id = $8 AND version = $9",
            unit.status.code(),
            unit.assigned_patient_id.map(|p| p.as_uuid()),
            unit.expires_at,
            &unit.processed_by,
            &unit.released_by,
            &unit.fields,
            unit.updated_at,
            unit.id,
            unit.version,
            unit.session_id.map(|s| s.as_uuid())
        )?;
        if changed == 0 {
            let current = fetch_optional!(
                self,
                (i64,),
                "SELECT version FROM cell_units WHERE id = $1",
                unit.id
            )?;
            return Err(match current {
                Some((current_version,)) => StoreError::Conflict { current_version },
                None => StoreError::NotFound,
            });
        }
        Ok(unit.version + 1)
    }

    pub async fn unit(&mut self, id: Uuid) -> Result<UnitRow> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM cell_units WHERE id = $1");
        fetch_optional!(self, RawUnit, sqlx::AssertSqlSafe(sql), id)?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// The unit with this donation identifier (13 characters, no check character).
    pub async fn unit_by_donation_id(&mut self, donation_id: &str) -> Result<Option<UnitRow>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM cell_units WHERE donation_id = $1");
        fetch_optional!(self, RawUnit, sqlx::AssertSqlSafe(sql), donation_id)?
            .map(TryInto::try_into)
            .transpose()
    }

    pub async fn units_of_session(&mut self, session_id: SessionId) -> Result<Vec<UnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM cell_units WHERE session_id = $1 ORDER BY created_at, id"
        );
        fetch_all!(
            self,
            RawUnit,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// A site's units that are still moving (not administered, rejected or
    /// processed), and every unit created in `[from, to)`.
    pub async fn units_of_site(
        &mut self,
        site_id: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<UnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM cell_units WHERE site_id = $1 AND \
             (status NOT IN ('administered', 'rejected', 'processed') OR (created_at >= $2 AND created_at < $3)) \
             ORDER BY created_at, id"
        );
        fetch_all!(
            self,
            RawUnit,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            from,
            to
        )?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    pub async fn append_chain_event(&mut self, event: &ChainEventRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO chain_events ({CHAIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            event.id,
            event.site_id,
            event.unit_id,
            event.session_id,
            &event.kind,
            event.passed,
            &event.code,
            &event.scanned,
            &event.fields,
            &event.username,
            &event.display_name,
            event.at
        )?;
        Ok(())
    }

    pub async fn chain_events_of_unit(&mut self, unit_id: Uuid) -> Result<Vec<ChainEventRow>> {
        let sql =
            format!("SELECT {CHAIN_COLUMNS} FROM chain_events WHERE unit_id = $1 ORDER BY at, id");
        Ok(fetch_all!(
            self,
            ChainEventRow,
            sqlx::AssertSqlSafe(sql),
            unit_id
        )?)
    }

    pub async fn chain_events_of_session(
        &mut self,
        session_id: SessionId,
    ) -> Result<Vec<ChainEventRow>> {
        let sql = format!(
            "SELECT {CHAIN_COLUMNS} FROM chain_events WHERE session_id = $1 ORDER BY at, id"
        );
        Ok(fetch_all!(
            self,
            ChainEventRow,
            sqlx::AssertSqlSafe(sql),
            session_id.as_uuid()
        )?)
    }

    /// A site's chain events in `[from, to)`, refusals included.
    pub async fn chain_events_of_site(
        &mut self,
        site_id: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChainEventRow>> {
        let sql = format!(
            "SELECT {CHAIN_COLUMNS} FROM chain_events WHERE site_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id"
        );
        Ok(fetch_all!(
            self,
            ChainEventRow,
            sqlx::AssertSqlSafe(sql),
            site_id.as_uuid(),
            from,
            to
        )?)
    }
}
