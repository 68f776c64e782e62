//! Importing other systems' records (a FHIR Bundle read by `cellpath-fhir`):
//! each patient registered at a site with their conditions, medications
//! and allergies, and the Organizations and Practitioners they mention kept
//! as directory entries; one transaction per Bundle, every record audited.
//! What was imported before (the same external identifier) is found again,
//! not made twice, so an import can be run again safely.

use crate::patients::intake_entity;
use crate::{Actor, App, AppError, Audited, Result, authorize};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::intake::IntakeEntry;
use cellpath_domain::patient::{Patient, RecordNumber};
use cellpath_domain::{Action, ItemId, PatientId, SiteId};
use cellpath_fhir::import::{BundleImport, ExternalId, kind_name};
use cellpath_store::{ExternalIdRow, StoreError, Tx};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What one import did, by resource type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Records made now.
    pub created: BTreeMap<String, u32>,
    /// Records an earlier import had made (found by identifier).
    pub existing: BTreeMap<String, u32>,
    /// Resources not kept, by type.
    pub unmapped: BTreeMap<String, u32>,
    /// Fields of kept resources Cellpath does not hold, with how often.
    pub dropped_fields: BTreeMap<String, u32>,
}

impl ImportReport {
    /// Adds another Bundle's report to this one.
    pub fn add(&mut self, other: &ImportReport) {
        for (mine, theirs) in [
            (&mut self.created, &other.created),
            (&mut self.existing, &other.existing),
            (&mut self.unmapped, &other.unmapped),
            (&mut self.dropped_fields, &other.dropped_fields),
        ] {
            for (k, v) in theirs {
                *mine.entry(k.clone()).or_default() += v;
            }
        }
    }
}

async fn known(tx: &mut Tx, entity: &str, key: &ExternalId) -> Result<Option<ExternalIdRow>> {
    Ok(tx.external_id(entity, &key.system, &key.value).await?)
}

async fn remember(
    tx: &mut Tx,
    entity: &str,
    key: &ExternalId,
    id: Uuid,
    site: Option<SiteId>,
    label: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.insert_external_id(&ExternalIdRow {
        entity: entity.to_string(),
        system: key.system.clone(),
        value: key.value.clone(),
        entity_id: id,
        site_id: site.map(|s| s.as_uuid()),
        label: label.to_string(),
        created_at: now,
    })
    .await
    .map_err(|e| match e {
        StoreError::Duplicate { .. } => AppError::Internal("an external identifier twice".into()),
        other => other.into(),
    })
}

impl App {
    /// Imports a read Bundle at `site`, as `actor` (physicians and nurses
    /// of the site) or, for `None`, as the system (the `cellpath import`
    /// command run by whoever runs the server). All of it or nothing.
    pub async fn import_fhir(
        &self,
        actor: Option<&Actor>,
        site: SiteId,
        import: &BundleImport,
    ) -> Result<ImportReport> {
        if let Some(actor) = actor {
            authorize(actor, Action::ImportFhir)?;
            if !actor.sites.contains(&site) {
                return Err(AppError::NotFound);
            }
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let site_row = tx.site(site.as_uuid()).await?;
        let mut report = ImportReport {
            unmapped: import.unmapped.clone(),
            dropped_fields: import.dropped_fields.clone(),
            ..ImportReport::default()
        };
        let count = |map: &mut BTreeMap<String, u32>, kind: &str| {
            *map.entry(kind.to_string()).or_default() += 1;
        };
        for entry in &import.directory {
            let entity = entry.resource_type.to_lowercase();
            if known(&mut tx, &entity, &entry.key).await?.is_some() {
                count(&mut report.existing, &entry.resource_type);
                continue;
            }
            let id = Uuid::now_v7();
            remember(&mut tx, &entity, &entry.key, id, None, &entry.name, now).await?;
            let audited = Audited {
                action: AuditAction::Create,
                entity: "fhir_directory",
                entity_id: id.to_string(),
                patient_id: None,
                site_id: None,
                before: vec![],
                after: vec![
                    ("resource_type", entry.resource_type.clone()),
                    ("name", entry.name.clone()),
                ],
            };
            tx.append_audit(&audited.record(actor, now)).await?;
            count(&mut report.created, &entry.resource_type);
        }
        for incoming in &import.patients {
            let mut found = None;
            for key in &incoming.identifiers {
                if let Some(row) = known(&mut tx, "patient", key).await? {
                    found = Some(row);
                    break;
                }
            }
            let patient_id = match found {
                Some(row) => {
                    count(&mut report.existing, "Patient");
                    let patient_id = PatientId::from_uuid(row.entity_id);
                    // Identifiers this Bundle adds find the patient next time.
                    for key in &incoming.identifiers {
                        if known(&mut tx, "patient", key).await?.is_none() {
                            let site = row.site_id.map(SiteId::from_uuid);
                            remember(&mut tx, "patient", key, row.entity_id, site, "", now).await?;
                        }
                    }
                    patient_id
                }
                None => {
                    let d = &incoming.demographics;
                    let record_number = match &d.record_number {
                        Some(number) => number.clone(),
                        None => {
                            let n = tx.next_counter(&site.to_string(), "record_number").await?;
                            RecordNumber::generated(&site_row.record_prefix, n)
                        }
                    };
                    let patient = Patient {
                        id: PatientId::new(),
                        site_id: site,
                        record_number,
                        given_name: d.given_name.clone(),
                        family_name: d.family_name.clone(),
                        other_script_name: d.other_script_name.clone(),
                        date_of_birth: d.date_of_birth,
                        sex: d.sex,
                        phone: d.phone.clone(),
                        email: d.email.clone(),
                        address: d.address.clone(),
                        preferred_language: d.preferred_language,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    tx.insert_patient(&patient).await?;
                    for key in &incoming.identifiers {
                        remember(
                            &mut tx,
                            "patient",
                            key,
                            patient.id.as_uuid(),
                            Some(site),
                            "",
                            now,
                        )
                        .await?;
                    }
                    let audited = Audited {
                        action: AuditAction::Create,
                        entity: "patient",
                        entity_id: patient.id.to_string(),
                        patient_id: Some(patient.id),
                        site_id: Some(site),
                        before: vec![],
                        after: patient.audit_fields(),
                    };
                    tx.append_audit(&audited.record(actor, now)).await?;
                    count(&mut report.created, "Patient");
                    patient.id
                }
            };
            let patient_site = tx.patient(patient_id).await?.site_id;
            for item in &incoming.items {
                let entity = intake_entity(item.kind);
                if known(&mut tx, entity, &item.key).await?.is_some() {
                    count(&mut report.existing, kind_name(item.kind));
                    continue;
                }
                let entry = IntakeEntry {
                    id: ItemId::new(),
                    patient_id,
                    site_id: patient_site,
                    item: item.item.clone(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                tx.insert_intake(&entry).await?;
                remember(
                    &mut tx,
                    entity,
                    &item.key,
                    entry.id.as_uuid(),
                    Some(patient_site),
                    "",
                    now,
                )
                .await?;
                let audited = Audited {
                    action: AuditAction::Create,
                    entity,
                    entity_id: entry.id.to_string(),
                    patient_id: Some(patient_id),
                    site_id: Some(patient_site),
                    before: vec![],
                    after: entry.item.audit_fields(),
                };
                tx.append_audit(&audited.record(actor, now)).await?;
                count(&mut report.created, kind_name(item.kind));
            }
        }
        tx.commit().await?;
        Ok(report)
    }
}
