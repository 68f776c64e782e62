//! The five intake lists. Each kind has its own table with its own column
//! names; one table description per kind maps them onto the six slots of
//! `IntakeDraft` so that one set of queries serves all five.

use crate::{Result, StoreError, Tx, execute, fetch_all, fetch_optional};
use cellpath_domain::intake::{
    AllergySeverity, ConditionCategory, ConditionStatus, ImagingModality, IntakeEntry, IntakeItem,
    IntakeKind, MedicationClass, ResultKind,
};
use cellpath_domain::{ItemId, PatientId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A kind's table and the column behind each slot (`None`: the kind has no such field).
struct Table {
    name: &'static str,
    name_col: &'static str,
    code_col: &'static str,
    detail_col: Option<&'static str>,
    start_col: Option<&'static str>,
    end_col: Option<&'static str>,
    notes_col: Option<&'static str>,
}

fn table(kind: IntakeKind) -> Table {
    match kind {
        IntakeKind::Condition => Table {
            name: "conditions",
            name_col: "name",
            code_col: "status",
            detail_col: Some("category"),
            start_col: Some("onset_date"),
            end_col: None,
            notes_col: Some("notes"),
        },
        IntakeKind::Medication => Table {
            name: "medications",
            name_col: "name",
            code_col: "class",
            detail_col: Some("dose"),
            start_col: Some("started_on"),
            end_col: Some("stopped_on"),
            notes_col: None,
        },
        IntakeKind::Allergy => Table {
            name: "allergies",
            name_col: "substance",
            code_col: "severity",
            detail_col: Some("reaction"),
            start_col: None,
            end_col: None,
            notes_col: None,
        },
        IntakeKind::Imaging => Table {
            name: "imaging_reports",
            name_col: "region",
            code_col: "modality",
            detail_col: None,
            start_col: Some("performed_on"),
            end_col: None,
            notes_col: Some("findings"),
        },
        IntakeKind::Result => Table {
            name: "results",
            name_col: "test",
            code_col: "kind",
            detail_col: Some("value"),
            start_col: Some("taken_on"),
            end_col: None,
            notes_col: Some("notes"),
        },
    }
}

impl Table {
    fn select(&self) -> String {
        let text = |c: Option<&str>| c.unwrap_or("CAST(NULL AS TEXT)").to_string();
        let date = |c: Option<&str>| c.unwrap_or("CAST(NULL AS DATE)").to_string();
        format!(
            "SELECT id, patient_id, site_id, {} AS name, {} AS code, {} AS detail, {} AS start_date, \
             {} AS end_date, {} AS notes, version, created_at, updated_at FROM {}",
            self.name_col,
            self.code_col,
            text(self.detail_col),
            date(self.start_col),
            date(self.end_col),
            text(self.notes_col),
            self.name
        )
    }

    /// The columns this kind stores, in slot order, with their placeholders from `$first`.
    fn slot_columns(&self) -> Vec<&'static str> {
        [
            Some(self.name_col),
            Some(self.code_col),
            self.detail_col,
            self.start_col,
            self.end_col,
            self.notes_col,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[derive(Debug, sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    patient_id: Uuid,
    site_id: Uuid,
    name: String,
    code: String,
    detail: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    notes: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl EntryRow {
    fn into_entry(self, kind: IntakeKind) -> Result<IntakeEntry> {
        let corrupt = |_| StoreError::Corrupt(format!("{} {}: unknown code", kind.slug(), self.id));
        let item = match kind {
            IntakeKind::Condition => IntakeItem::Condition {
                name: self.name,
                status: ConditionStatus::parse("status", &self.code).map_err(corrupt)?,
                category: ConditionCategory::parse(
                    "category",
                    self.detail.as_deref().unwrap_or("other"),
                )
                .map_err(corrupt)?,
                onset: self.start_date,
                notes: self.notes,
            },
            IntakeKind::Medication => IntakeItem::Medication {
                name: self.name,
                class: MedicationClass::parse("class", &self.code).map_err(corrupt)?,
                dose: self.detail,
                started: self.start_date,
                stopped: self.end_date,
            },
            IntakeKind::Allergy => IntakeItem::Allergy {
                substance: self.name,
                reaction: self.detail,
                severity: AllergySeverity::parse("severity", &self.code).map_err(corrupt)?,
            },
            IntakeKind::Imaging => IntakeItem::Imaging {
                modality: ImagingModality::parse("modality", &self.code).map_err(corrupt)?,
                region: self.name,
                performed_on: self.start_date.ok_or_else(|| {
                    StoreError::Corrupt(format!("imaging report {} has no date", self.id))
                })?,
                findings: self.notes,
            },
            IntakeKind::Result => IntakeItem::Result {
                kind: ResultKind::parse("kind", &self.code).map_err(corrupt)?,
                test: self.name,
                value: self.detail.unwrap_or_default(),
                taken_on: self.start_date.ok_or_else(|| {
                    StoreError::Corrupt(format!("result {} has no date", self.id))
                })?,
                notes: self.notes,
            },
        };
        Ok(IntakeEntry {
            id: ItemId::from_uuid(self.id),
            patient_id: PatientId::from_uuid(self.patient_id),
            site_id: SiteId::from_uuid(self.site_id),
            item,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The slot values of an item, in slot order, only for the slots its kind stores.
enum Slot {
    Text(Option<String>),
    Date(Option<NaiveDate>),
}

fn slots(item: &IntakeItem) -> Vec<Slot> {
    let t = |s: &str| Slot::Text(Some(s.to_string()));
    let ot = |s: &Option<String>| Slot::Text(s.clone());
    match item {
        IntakeItem::Condition {
            name,
            status,
            category,
            onset,
            notes,
        } => {
            vec![
                t(name),
                t(status.code()),
                t(category.code()),
                Slot::Date(*onset),
                ot(notes),
            ]
        }
        IntakeItem::Medication {
            name,
            class,
            dose,
            started,
            stopped,
        } => {
            vec![
                t(name),
                t(class.code()),
                ot(dose),
                Slot::Date(*started),
                Slot::Date(*stopped),
            ]
        }
        IntakeItem::Allergy {
            substance,
            reaction,
            severity,
        } => vec![t(substance), t(severity.code()), ot(reaction)],
        IntakeItem::Imaging {
            modality,
            region,
            performed_on,
            findings,
        } => {
            vec![
                t(region),
                t(modality.code()),
                Slot::Date(Some(*performed_on)),
                ot(findings),
            ]
        }
        IntakeItem::Result {
            test,
            kind,
            value,
            taken_on,
            notes,
        } => vec![
            t(test),
            t(kind.code()),
            t(value),
            Slot::Date(Some(*taken_on)),
            ot(notes),
        ],
    }
}

/// Binds leading values, then the item's slots, then trailing values.
macro_rules! bind_slots {
    ($q:expr, [$($pre:expr),*], $slots:expr, [$($post:expr),*]) => {{
        let mut q = $q$(.bind($pre))*;
        for slot in $slots {
            q = match slot {
                Slot::Text(t) => q.bind(t),
                Slot::Date(d) => q.bind(d),
            };
        }
        q$(.bind($post))*
    }};
}

impl Tx {
    pub async fn insert_intake(&mut self, entry: &IntakeEntry) -> Result<()> {
        let t = table(entry.item.kind());
        let cols = t.slot_columns();
        let n = cols.len();
        let placeholders: Vec<String> = (1..=n + 6).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} (id, patient_id, site_id, {}, version, created_at, updated_at) VALUES ({})",
            t.name,
            cols.join(", "),
            placeholders.join(", ")
        );
        let slots = slots(&entry.item);
        crate::on_tx!(self, |conn| bind_slots!(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            [
                entry.id.as_uuid(),
                entry.patient_id.as_uuid(),
                entry.site_id.as_uuid()
            ],
            slots,
            [entry.version, entry.created_at, entry.updated_at]
        )
        .execute(conn)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn intake_entry(&mut self, kind: IntakeKind, id: ItemId) -> Result<IntakeEntry> {
        let sql = format!("{} WHERE id = $1", table(kind).select());
        fetch_optional!(self, EntryRow, sqlx::AssertSqlSafe(sql), id.as_uuid())?
            .ok_or(StoreError::NotFound)?
            .into_entry(kind)
    }

    pub async fn intake_list(
        &mut self,
        kind: IntakeKind,
        patient: PatientId,
    ) -> Result<Vec<IntakeEntry>> {
        let sql = format!(
            "{} WHERE patient_id = $1 ORDER BY created_at, id",
            table(kind).select()
        );
        fetch_all!(self, EntryRow, sqlx::AssertSqlSafe(sql), patient.as_uuid())?
            .into_iter()
            .map(|row| row.into_entry(kind))
            .collect()
    }

    /// Writes `entry` over the stored one if it is still at `expected_version`.
    pub async fn update_intake(
        &mut self,
        entry: &IntakeEntry,
        expected_version: i64,
    ) -> Result<()> {
        let kind = entry.item.kind();
        let t = table(kind);
        let sets: Vec<String> = t
            .slot_columns()
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 3))
            .collect();
        let n = sets.len();
        let sql = format!(
            "UPDATE {} SET {}, version = ${}, updated_at = ${} WHERE id = $1 AND version = $2",
            t.name,
            sets.join(", "),
            n + 3,
            n + 4
        );
        let slots = slots(&entry.item);
        let changed = crate::on_tx!(self, |conn| bind_slots!(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            [entry.id.as_uuid(), expected_version],
            slots,
            [entry.version, entry.updated_at]
        )
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        if changed == 0 {
            let current = self.intake_entry(kind, entry.id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }

    /// Deletes an entry if it is still at `expected_version`.
    pub async fn delete_intake(
        &mut self,
        kind: IntakeKind,
        id: ItemId,
        expected_version: i64,
    ) -> Result<()> {
        let sql = format!(
            "DELETE FROM {} WHERE id = $1 AND version = $2",
            table(kind).name
        );
        let changed = execute!(
            self,
            sqlx::AssertSqlSafe(sql),
            id.as_uuid(),
            expected_version
        )?;
        if changed == 0 {
            let current = self.intake_entry(kind, id).await?;
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        Ok(())
    }
}
