//! Patients and their intake: register, read the chart (audited), edit with
//! conflict detection, search, and the four intake lists.

use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::intake::{IntakeDraft, IntakeEntry, IntakeItem, IntakeKind};
use cellpath_domain::patient::{Patient, PatientDraft, RecordNumber};
use cellpath_domain::search::SearchQuery;
use cellpath_domain::{Action, Issue, IssueCode, Issues, ItemId, PatientId, Role, SiteId};
use cellpath_store::{StoreError, Tx};

/// A patient's chart: demographics and the intake lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub patient: Patient,
    pub conditions: Vec<IntakeEntry>,
    pub medications: Vec<IntakeEntry>,
    pub allergies: Vec<IntakeEntry>,
    pub imaging: Vec<IntakeEntry>,
    pub results: Vec<IntakeEntry>,
}

impl Chart {
    pub fn list(&self, kind: IntakeKind) -> &[IntakeEntry] {
        match kind {
            IntakeKind::Condition => &self.conditions,
            IntakeKind::Medication => &self.medications,
            IntakeKind::Allergy => &self.allergies,
            IntakeKind::Imaging => &self.imaging,
            IntakeKind::Result => &self.results,
        }
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub patients: Vec<Patient>,
    pub has_more: bool,
}

/// Largest page of search results.
pub const PAGE_MAX: i64 = 100;

impl App {
    /// Reads a patient the actor may reach: staff at the patient's site with
    /// `ViewPatient`, or the patient themself. Anything else is "not found",
    /// so that guessing ids tells nothing.
    pub(crate) async fn patient_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: PatientId,
    ) -> Result<Patient> {
        let patient = match tx.patient(id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let reachable = if actor.role == Role::Patient {
            actor.patient_id == Some(id)
        } else {
            actor.sites.contains(&patient.site_id)
        };
        if reachable {
            Ok(patient)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Registers a patient at `site` (or the actor's first site).
    pub async fn register_patient(
        &self,
        actor: &Actor,
        site: Option<SiteId>,
        draft: &PatientDraft,
    ) -> Result<Patient> {
        authorize(actor, Action::RegisterPatient)?;
        let now = self.now();
        let demographics = draft.validate(now.date_naive())?;
        let site_id = match site {
            Some(site) if actor.sites.contains(&site) => site,
            Some(_) => return Err(Issues(vec![Issue::new("site", IssueCode::UnknownCode)]).into()),
            None => *actor
                .sites
                .first()
                .ok_or(AppError::Forbidden(Action::RegisterPatient))?,
        };
        let mut tx = self.begin().await?;
        let record_number = match demographics.record_number {
            Some(number) => number,
            None => {
                let site_row = tx.site(site_id.as_uuid()).await?;
                let n = tx
                    .next_counter(&site_id.to_string(), "record_number")
                    .await?;
                RecordNumber::generated(&site_row.record_prefix, n)
            }
        };
        let patient = Patient {
            id: PatientId::new(),
            site_id,
            record_number,
            given_name: demographics.given_name,
            family_name: demographics.family_name,
            other_script_name: demographics.other_script_name,
            date_of_birth: demographics.date_of_birth,
            sex: demographics.sex,
            phone: demographics.phone,
            email: demographics.email,
            address: demographics.address,
            preferred_language: demographics.preferred_language,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_patient(&patient).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "patient",
                entity_id: patient.id.to_string(),
                patient_id: Some(patient.id),
                site_id: Some(site_id),
                before: vec![],
                after: patient.audit_fields(),
            },
        )
        .await?;
        Ok(patient)
    }

    /// A patient's own chart, for the portal.
    pub async fn my_record(&self, actor: &Actor) -> Result<Chart> {
        authorize(actor, Action::ViewOwnRecord)?;
        let id = actor.patient_id.ok_or(AppError::NotFound)?;
        self.chart(actor, id).await
    }

    /// Opens a chart; the view is written to the audit trail.
    pub async fn patient_chart(&self, actor: &Actor, id: PatientId) -> Result<Chart> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPatient
        };
        authorize(actor, action)?;
        self.chart(actor, id).await
    }

    async fn chart(&self, actor: &Actor, id: PatientId) -> Result<Chart> {
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, id).await?;
        let chart = Chart {
            conditions: tx.intake_list(IntakeKind::Condition, id).await?,
            medications: tx.intake_list(IntakeKind::Medication, id).await?,
            allergies: tx.intake_list(IntakeKind::Allergy, id).await?,
            imaging: tx.intake_list(IntakeKind::Imaging, id).await?,
            results: tx.intake_list(IntakeKind::Result, id).await?,
            patient,
        };
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::View,
                entity: "patient",
                entity_id: id.to_string(),
                patient_id: Some(id),
                site_id: Some(chart.patient.site_id),
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(chart)
    }

    /// Saves new demographics if the record is still at `expected_version`;
    /// otherwise `Conflict` with the record as it is now.
    pub async fn update_patient(
        &self,
        actor: &Actor,
        id: PatientId,
        expected_version: i64,
        draft: &PatientDraft,
    ) -> Result<Patient> {
        authorize(actor, Action::EditDemographics)?;
        let now = self.now();
        let demographics = draft.validate(now.date_naive())?;
        let mut tx = self.begin().await?;
        let before = self.patient_in_scope(&mut tx, actor, id).await?;
        if before.version != expected_version {
            return Err(AppError::Conflict(Current::Patient(Box::new(before))));
        }
        let after = Patient {
            record_number: demographics
                .record_number
                .unwrap_or_else(|| before.record_number.clone()),
            given_name: demographics.given_name,
            family_name: demographics.family_name,
            other_script_name: demographics.other_script_name,
            date_of_birth: demographics.date_of_birth,
            sex: demographics.sex,
            phone: demographics.phone,
            email: demographics.email,
            address: demographics.address,
            preferred_language: demographics.preferred_language,
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        match tx.update_patient(&after, expected_version).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                let latest = tx.patient(id).await?;
                return Err(AppError::Conflict(Current::Patient(Box::new(latest))));
            }
            Err(other) => return Err(other.into()),
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "patient",
                entity_id: id.to_string(),
                patient_id: Some(id),
                site_id: Some(after.site_id),
                before: before.audit_fields(),
                after: after.audit_fields(),
            },
        )
        .await?;
        Ok(after)
    }

    /// Patients of the actor's sites matching `text`; the search is audited.
    pub async fn search_patients(
        &self,
        actor: &Actor,
        text: &str,
        limit: i64,
        offset: i64,
    ) -> Result<SearchPage> {
        authorize(actor, Action::SearchPatients)?;
        let mut issues = Issues::default();
        if text.chars().count() > 200 {
            issues.push(Issue {
                field: "q".into(),
                code: IssueCode::TooLong,
                limit: Some(200),
            });
        }
        if !(1..=PAGE_MAX).contains(&limit) {
            issues.push(Issue {
                field: "limit".into(),
                code: IssueCode::OutOfRange,
                limit: Some(PAGE_MAX as u32),
            });
        }
        if offset < 0 {
            issues.add("offset", IssueCode::OutOfRange);
        }
        if !issues.is_empty() {
            return Err(issues.into());
        }
        let query = SearchQuery::parse(text);
        let mut tx = self.begin().await?;
        let mut patients = tx
            .search_patients(&actor.sites, &query, limit + 1, offset)
            .await?;
        let has_more = patients.len() as i64 > limit;
        patients.truncate(usize::try_from(limit).unwrap_or(0));
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::View,
                entity: "patient_search",
                entity_id: String::new(),
                patient_id: None,
                site_id: actor.sites.first().copied(),
                before: vec![],
                after: vec![
                    ("query", text.to_string()),
                    ("results", patients.len().to_string()),
                ],
            },
        )
        .await?;
        Ok(SearchPage { patients, has_more })
    }

    /// One intake list of a patient; the view is audited.
    pub async fn intake_list(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        kind: IntakeKind,
    ) -> Result<Vec<IntakeEntry>> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPatient
        };
        authorize(actor, action)?;
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let list = tx.intake_list(kind, patient_id).await?;
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::View,
                entity: intake_entity(kind),
                entity_id: String::new(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(list)
    }

    pub async fn add_intake(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        kind: IntakeKind,
        draft: &IntakeDraft,
    ) -> Result<IntakeEntry> {
        authorize(actor, Action::EditIntake)?;
        let now = self.now();
        let item = IntakeItem::validate(kind, draft, now.date_naive())?;
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let entry = IntakeEntry {
            id: ItemId::new(),
            patient_id,
            site_id: patient.site_id,
            item,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_intake(&entry).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: intake_entity(kind),
                entity_id: entry.id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: entry.item.audit_fields(),
            },
        )
        .await?;
        Ok(entry)
    }

    /// Reads one entry the actor may reach.
    async fn entry_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        patient_id: PatientId,
        kind: IntakeKind,
        id: ItemId,
    ) -> Result<IntakeEntry> {
        self.patient_in_scope(tx, actor, patient_id).await?;
        let entry = tx.intake_entry(kind, id).await?;
        if entry.patient_id != patient_id {
            return Err(AppError::NotFound);
        }
        Ok(entry)
    }

    pub async fn update_intake(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        kind: IntakeKind,
        id: ItemId,
        expected_version: i64,
        draft: &IntakeDraft,
    ) -> Result<IntakeEntry> {
        authorize(actor, Action::EditIntake)?;
        let now = self.now();
        let item = IntakeItem::validate(kind, draft, now.date_naive())?;
        let mut tx = self.begin().await?;
        let before = self
            .entry_in_scope(&mut tx, actor, patient_id, kind, id)
            .await?;
        if before.version != expected_version {
            return Err(AppError::Conflict(Current::Intake(Box::new(before))));
        }
        let after = IntakeEntry {
            item,
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        match tx.update_intake(&after, expected_version).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                let latest = tx.intake_entry(kind, id).await?;
                return Err(AppError::Conflict(Current::Intake(Box::new(latest))));
            }
            Err(other) => return Err(other.into()),
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: intake_entity(kind),
                entity_id: id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(after.site_id),
                before: before.item.audit_fields(),
                after: after.item.audit_fields(),
            },
        )
        .await?;
        Ok(after)
    }

    pub async fn delete_intake(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        kind: IntakeKind,
        id: ItemId,
        expected_version: i64,
    ) -> Result<()> {
        authorize(actor, Action::EditIntake)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self
            .entry_in_scope(&mut tx, actor, patient_id, kind, id)
            .await?;
        if before.version != expected_version {
            return Err(AppError::Conflict(Current::Intake(Box::new(before))));
        }
        tx.delete_intake(kind, id, expected_version).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Delete,
                entity: intake_entity(kind),
                entity_id: id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(before.site_id),
                before: before.item.audit_fields(),
                after: vec![],
            },
        )
        .await?;
        Ok(())
    }
}

/// The audit trail's name for an intake entry's kind.
pub(crate) fn intake_entity(kind: IntakeKind) -> &'static str {
    match kind {
        IntakeKind::Condition => "condition",
        IntakeKind::Medication => "medication",
        IntakeKind::Allergy => "allergy",
        IntakeKind::Imaging => "imaging_report",
        IntakeKind::Result => "result",
    }
}
