//! What other systems call the records Cellpath made of their resources
//! (FHIR import): one row per (entity, system, value), so an import run
//! twice finds what the first made.

use crate::{Result, Tx, execute, fetch_optional, unique_as};
use cellpath_domain::SiteId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One external identifier and the record it names.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExternalIdRow {
    /// `patient`, `condition`, `medication`, `allergy`, `organization` or `practitioner`.
    pub entity: String,
    pub system: String,
    pub value: String,
    pub entity_id: Uuid,
    pub site_id: Option<Uuid>,
    /// A directory entry's name; blank for records kept elsewhere.
    pub label: String,
    pub created_at: DateTime<Utc>,
}

impl Tx {
    /// The record an external identifier names, if it was imported before.
    pub async fn external_id(
        &mut self,
        entity: &str,
        system: &str,
        value: &str,
    ) -> Result<Option<ExternalIdRow>> {
        Ok(fetch_optional!(
            self,
            ExternalIdRow,
            "SELECT entity, system, value, entity_id, site_id, label, created_at FROM external_ids \
             WHERE entity = $1 AND system = $2 AND value = $3",
            entity,
            system,
            value
        )?)
    }

    /// Records an external identifier; one already there is a `Duplicate` of `value`.
    pub async fn insert_external_id(&mut self, row: &ExternalIdRow) -> Result<()> {
        execute!(
            self,
            "INSERT INTO external_ids (entity, system, value, entity_id, site_id, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &row.entity,
            &row.system,
            &row.value,
            row.entity_id,
            row.site_id,
            &row.label,
            row.created_at
        )
        .map_err(unique_as("value"))?;
        Ok(())
    }

    /// How many external identifiers of an entity a site holds (directory
    /// entries have no site: `None` counts those).
    pub async fn external_ids_count(&mut self, entity: &str, site: Option<SiteId>) -> Result<i64> {
        let row: Option<(i64,)> = match site {
            Some(site) => fetch_optional!(
                self,
                (i64,),
                "SELECT COUNT(*) FROM external_ids WHERE entity = $1 AND site_id = $2",
                entity,
                site.as_uuid()
            )?,
            None => fetch_optional!(
                self,
                (i64,),
                "SELECT COUNT(*) FROM external_ids WHERE entity = $1 AND site_id IS NULL",
                entity
            )?,
        };
        Ok(row.map_or(0, |(n,)| n))
    }
}
