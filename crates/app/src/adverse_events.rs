//! Stage 8, adverse events: recorded against a session by a clinician,
//! linked to the product or donor lot the patient received (the session's
//! administered one when the clinician names none) and through it to the
//! processing record; changed in place under a version as the outcome moves
//! on; and the lookback: from a kit lot, a product or donor lot, or a
//! processing run (the product it made, or the specimen it processed),
//! every patient who received an affected product, with their events.
//!
//! A lookback reads patient records, so each patient it finds is an audited
//! read, and it only looks at the actor's sites. Lab technicians may run it
//! as well as clinicians: a kit recall starts in the lab.

use crate::scheduling::site_in_scope;
use crate::session_day::{donation_id_of, unit_patient};
use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited, invalid};
use cellpath_domain::adverse_events::{
    AdverseEvent, AdverseEventDraft, kit_lot_matches, parse_unit,
};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::cells::{UnitKind, UnitStatus};
use cellpath_domain::plan::TreatmentSession;
use cellpath_domain::{Action, IssueCode, Issues, PatientId, SessionId, SiteId, text};
use cellpath_store::{AdverseEventRow, StoreError, Tx, UnitRow, decode_fields};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What a lookback starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookbackQuery {
    /// A kit lot number as a processing record lists it.
    KitLot(String),
    /// A product, donor lot or specimen identifier, printed or barcode form.
    /// A specimen stands for its processing run: the products it made.
    Unit(String),
}

impl LookbackQuery {
    fn describe(&self) -> (&'static str, String) {
        match self {
            LookbackQuery::KitLot(lot) => ("kit_lot", lot.trim().to_string()),
            LookbackQuery::Unit(unit) => ("unit", unit.trim().to_string()),
        }
    }
}

/// One patient who received (or is to receive) an affected product.
#[derive(Debug, Clone)]
pub struct LookbackRow {
    pub patient_id: PatientId,
    pub patient_name: String,
    pub record_number: String,
    pub session_id: Option<SessionId>,
    /// The affected product or donor lot.
    pub unit: UnitRow,
    /// Its identifier as printed.
    pub product: String,
    /// The kit lots of its processing record (none for a donor lot).
    pub kit_lots: Vec<String>,
    /// When it was given; `None` while it has not been (then it can
    /// still be stopped).
    pub administered_at: Option<DateTime<Utc>>,
    /// The patient's adverse events of that session or naming that unit.
    pub adverse_events: Vec<AdverseEventRow>,
}

/// Every patient a lookback found, in the order the products were made.
#[derive(Debug, Clone)]
pub struct Lookback {
    pub query: LookbackQuery,
    pub rows: Vec<LookbackRow>,
}

/// The kit lots a product's processing record lists.
pub fn kit_lots_of(unit: &UnitRow) -> Vec<String> {
    decode_fields(&unit.fields)
        .into_iter()
        .find(|(k, _)| k == "kit_lots")
        .map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn row_fields(row: &AdverseEventRow) -> Vec<(&'static str, String)> {
    vec![
        ("what", row.what.clone()),
        ("onset_at", row.onset_at.to_rfc3339()),
        ("grade", row.grade.to_string()),
        ("serious", row.serious.to_string()),
        ("relatedness", row.relatedness.clone()),
        ("outcome", row.outcome.clone()),
        (
            "unit_id",
            row.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        ),
    ]
}

fn audited_event<'a>(
    row: &AdverseEventRow,
    action: AuditAction,
    before: Vec<(&'static str, String)>,
) -> Audited<'a> {
    Audited {
        action,
        entity: "adverse_event",
        entity_id: row.id.to_string(),
        patient_id: Some(PatientId::from_uuid(row.patient_id)),
        site_id: Some(SiteId::from_uuid(row.site_id)),
        before,
        after: row_fields(row),
    }
}

/// The unit an event is linked to: the one the clinician named (it must be
/// this patient's own or assigned product or donor lot), else the
/// session's administered product or donor lot, else none.
async fn linked_unit(
    tx: &mut Tx,
    session: &TreatmentSession,
    event: &AdverseEvent,
) -> Result<Option<Uuid>> {
    if let Some(named) = &event.unit {
        let Some(unit) = tx.unit_by_donation_id(&named.body()).await? else {
            return Err(invalid("unit", IssueCode::UnknownIdentifier));
        };
        if unit.kind == UnitKind::Specimen || unit.site_id != session.site_id {
            return Err(invalid("unit", IssueCode::UnknownIdentifier));
        }
        if unit_patient(&unit) != Some(session.patient_id) {
            return Err(invalid("unit", IssueCode::OtherPatientsCells));
        }
        return Ok(Some(unit.id));
    }
    Ok(tx
        .units_of_session(session.id)
        .await?
        .into_iter()
        .rev()
        .find(|u| {
            u.kind != UnitKind::Specimen
                && u.status == UnitStatus::Administered
                && unit_patient(u) == Some(session.patient_id)
        })
        .map(|u| u.id))
}

impl App {
    async fn adverse_event_session(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: SessionId,
    ) -> Result<TreatmentSession> {
        let session = match tx.treatment_session(id).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        site_in_scope(actor, session.site_id)?;
        Ok(session)
    }

    /// Records an adverse event after a session (physician or nurse).
    pub async fn record_adverse_event(
        &self,
        actor: &Actor,
        session_id: SessionId,
        draft: &AdverseEventDraft,
    ) -> Result<AdverseEventRow> {
        authorize(actor, Action::RecordAdverseEvents)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = self
            .adverse_event_session(&mut tx, actor, session_id)
            .await?;
        let event = draft.validate(now)?;
        let unit_id = linked_unit(&mut tx, &session, &event).await?;
        let row = AdverseEventRow {
            id: Uuid::now_v7(),
            patient_id: session.patient_id.as_uuid(),
            site_id: session.site_id.as_uuid(),
            session_id: session.id.as_uuid(),
            unit_id,
            what: event.what,
            onset_at: event.onset_at,
            grade: i64::from(event.grade.get()),
            serious: event.serious,
            relatedness: event.relatedness.code().to_string(),
            outcome: event.outcome.code().to_string(),
            recorded_by: actor.username.clone(),
            recorded_at: now,
            updated_by: actor.username.clone(),
            updated_at: now,
            version: 1,
        };
        tx.insert_adverse_event(&row).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_event(&row, AuditAction::Create, vec![]),
        )
        .await?;
        Ok(row)
    }

    /// Changes an adverse event (its outcome moved on, a grade was
    /// revised) if it is still at `version`; otherwise a conflict with the
    /// event as it is now.
    pub async fn update_adverse_event(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        draft: &AdverseEventDraft,
    ) -> Result<AdverseEventRow> {
        authorize(actor, Action::RecordAdverseEvents)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = match tx.adverse_event(id).await {
            Ok(row) => row,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        site_in_scope(actor, SiteId::from_uuid(before.site_id))?;
        let event = draft.validate(now)?;
        if before.version != version {
            return Err(AppError::Conflict(Current::AdverseEvent(Box::new(before))));
        }
        let session = tx
            .treatment_session(SessionId::from_uuid(before.session_id))
            .await?;
        let unit_id = linked_unit(&mut tx, &session, &event).await?;
        let mut row = AdverseEventRow {
            unit_id,
            what: event.what,
            onset_at: event.onset_at,
            grade: i64::from(event.grade.get()),
            serious: event.serious,
            relatedness: event.relatedness.code().to_string(),
            outcome: event.outcome.code().to_string(),
            updated_by: actor.username.clone(),
            updated_at: now,
            ..before.clone()
        };
        row.version = match tx.update_adverse_event(&row).await {
            Ok(version) => version,
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict(Current::AdverseEvent(Box::new(
                    tx.adverse_event(id).await?,
                ))));
            }
            Err(other) => return Err(other.into()),
        };
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_event(&row, AuditAction::Update, row_fields(&before)),
        )
        .await?;
        Ok(row)
    }

    /// A patient's adverse events, by onset. The read is audited.
    pub async fn adverse_events_of_patient(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> Result<Vec<AdverseEventRow>> {
        authorize(actor, Action::RecordAdverseEvents)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let rows = tx.adverse_events_of_patient(patient_id).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "adverse_events",
                entity_id: patient_id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(rows)
    }

    /// Every patient who received a product affected by a kit lot, a
    /// product or donor lot, or a processing run, at the actor's sites.
    /// Each patient found is an audited read; so is the lookback itself.
    pub async fn lookback(&self, actor: &Actor, query: &LookbackQuery) -> Result<Lookback> {
        authorize(actor, Action::Lookback)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let units = match query {
            LookbackQuery::KitLot(raw) => {
                let lot = text::required("kit_lot", raw, text::SHORT_MAX)
                    .map_err(|i| AppError::Invalid(Issues(vec![i])))?;
                let mut found = Vec::new();
                for site in &actor.sites {
                    for unit in tx.units_of_kind_at_site(*site, UnitKind::Product).await? {
                        let lots = decode_fields(&unit.fields)
                            .into_iter()
                            .find(|(k, _)| k == "kit_lots")
                            .map(|(_, v)| v)
                            .unwrap_or_default();
                        if kit_lot_matches(&lots, &lot) {
                            found.push(unit);
                        }
                    }
                }
                found
            }
            LookbackQuery::Unit(raw) => {
                let id = parse_unit("unit", raw)
                    .map_err(|i| AppError::Invalid(Issues(vec![i])))?
                    .ok_or_else(|| invalid("unit", IssueCode::Required))?;
                let unit = tx
                    .unit_by_donation_id(&id.body())
                    .await?
                    .filter(|u| actor.sites.contains(&u.site_id))
                    .ok_or_else(|| invalid("unit", IssueCode::UnknownIdentifier))?;
                if unit.kind == UnitKind::Specimen {
                    tx.units_derived_from(unit.id).await?
                } else {
                    vec![unit]
                }
            }
        };
        let mut rows = Vec::new();
        for unit in units {
            let Some(patient_id) = unit_patient(&unit) else {
                continue;
            };
            let patient = tx.patient(patient_id).await?;
            let administered_at = tx
                .chain_events_of_unit(unit.id)
                .await?
                .into_iter()
                .find(|e| e.kind == "administered" && e.passed)
                .map(|e| e.at);
            let session_id = unit.session_id;
            let adverse_events = tx
                .adverse_events_of_patient(patient_id)
                .await?
                .into_iter()
                .filter(|e| {
                    e.unit_id == Some(unit.id)
                        || session_id.is_some_and(|s| s.as_uuid() == e.session_id)
                })
                .collect();
            rows.push(LookbackRow {
                patient_id,
                patient_name: patient.full_name(),
                record_number: patient.record_number.as_str().to_string(),
                session_id,
                product: donation_id_of(&unit)
                    .map(|d| d.printed())
                    .unwrap_or_default(),
                kit_lots: kit_lots_of(&unit),
                administered_at,
                adverse_events,
                unit,
            });
        }
        let (kind, value) = query.describe();
        for row in &rows {
            let entry = Audited {
                action: AuditAction::View,
                entity: "lookback",
                entity_id: row.unit.id.to_string(),
                patient_id: Some(row.patient_id),
                site_id: Some(row.unit.site_id),
                before: vec![],
                after: vec![(kind, value.clone())],
            };
            tx.append_audit(&entry.record(Some(actor), now)).await?;
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "lookback",
                entity_id: kind.to_string(),
                patient_id: None,
                site_id: None,
                before: vec![],
                after: vec![(kind, value), ("patients", rows.len().to_string())],
            },
        )
        .await?;
        Ok(Lookback {
            query: query.clone(),
            rows,
        })
    }
}
