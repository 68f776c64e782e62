//! Stage 7 in the lab: specimens received by scan, processing records that
//! derive the product, quality control, release by a second person; donor
//! lots received into quarantine, released and assigned to a patient; the
//! labels of every unit; and each site's facility code and label size.
//!
//! A scan that is refused (unreadable, unknown, the wrong kind of unit, the
//! wrong site or step) is committed as a refused chain event before the
//! refusal is returned: a mix-up is recorded even when nothing else happens.

use crate::scheduling::site_in_scope;
use crate::session_day::{
    UnitLabel, append, chain_event, day_event, donation_id_of, load_day, next_donation_id,
    parse_tenths, parse_whole, tenths, unit_facts, unit_in_scope, unit_patient, update_unit,
};
use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::cells::{
    self, ProductType, QualityControl, UnitKind, UnitRefusal, UnitStatus,
};
use cellpath_domain::donation::{DonationId, FacilityCode};
use cellpath_domain::plan::CellSource;
use cellpath_domain::session_day::DayStep;
use cellpath_domain::{Action, Issue, IssueCode, Issues, SessionId, SiteId, text};
use cellpath_store::{
    ChainEventRow, SiteLabelRow, StoreError, Tx, UnitRow, decode_fields, encode_fields,
};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use uuid::Uuid;

/// Label sizes a site may print on, in millimetres.
pub const LABEL_SIZES: [(i64, i64); 3] = [(100, 100), (100, 50), (50, 25)];

/// The processing record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessingDraft {
    pub method: String,
    pub centrifuge_programme: String,
    /// The biosafety cabinet used.
    pub cabinet: String,
    /// Kit lot numbers, comma separated.
    pub kit_lots: String,
}

/// Quality control values as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QcDraft {
    /// mL, one decimal.
    pub volume_ml: String,
    /// Nucleated cells, millions.
    pub cells_millions: String,
    pub viability_percent: String,
}

/// A donor lot as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DonorLotDraft {
    pub supplier: String,
    pub supplier_lot: String,
    pub description: String,
    pub volume_ml: String,
    /// `YYYY-MM-DD HH:MM` (or with a `T`), the clinic's clock.
    pub expires_at: String,
}

/// A unit with its history.
#[derive(Debug, Clone)]
pub struct UnitView {
    pub unit: UnitRow,
    pub donation_id: Option<DonationId>,
    pub parent: Option<UnitRow>,
    pub children: Vec<UnitRow>,
    pub events: Vec<ChainEventRow>,
}

impl UnitView {
    pub fn fields(&self) -> Vec<(String, String)> {
        decode_fields(&self.unit.fields)
    }
}

/// A site's lab: the units still moving and the day's refused scans.
#[derive(Debug, Clone)]
pub struct LabQueue {
    pub site: SiteLabelRow,
    pub units: Vec<UnitRow>,
    pub refusals: Vec<ChainEventRow>,
}

fn one(issue: Issue) -> AppError {
    AppError::Invalid(Issues(vec![issue]))
}

/// Adds or replaces values in a unit's encoded records.
fn merged(encoded: &str, new: &[(&'static str, String)]) -> String {
    let mut fields = decode_fields(encoded);
    for (key, value) in new {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.clone(),
            None => fields.push(((*key).to_string(), value.clone())),
        }
    }
    let borrowed: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    encode_fields(&borrowed)
}

fn qc_of(unit: &UnitRow) -> Option<QualityControl> {
    let fields = decode_fields(&unit.fields);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Some(QualityControl {
        volume_tenth_ml: parse_tenths("volume_ml", &get("qc_volume_ml")?, 0, u32::MAX / 20).ok()?,
        cells_millions: get("qc_cells_millions")?.parse().ok()?,
        viability_percent: get("qc_viability_percent")?.parse().ok()?,
    })
}

fn audited_unit<'a>(
    unit: &UnitRow,
    action: AuditAction,
    after: Vec<(&'static str, String)>,
) -> Audited<'a> {
    Audited {
        action,
        entity: "cell_unit",
        entity_id: unit.id.to_string(),
        patient_id: unit_patient(unit),
        site_id: Some(unit.site_id),
        before: vec![],
        after,
    }
}

/// `YYYY-MM-DD HH:MM` on the clinic's clock.
fn parse_moment(field: &str, raw: &str) -> std::result::Result<DateTime<Utc>, Issue> {
    let raw = raw.trim().replace('T', " ");
    if raw.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M")
        .map(|t| t.and_utc())
        .map_err(|_| Issue::new(field, IssueCode::InvalidDate))
}

impl App {
    async fn unit_for(&self, tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<UnitRow> {
        let unit = match tx.unit(id).await {
            Ok(unit) => unit,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        unit_in_scope(actor, &unit)?;
        Ok(unit)
    }

    /// Commits a refused scan; the refusal to return.
    #[allow(clippy::too_many_arguments)]
    async fn refuse_scan(
        &self,
        mut tx: Tx,
        actor: &Actor,
        site: SiteId,
        unit: Option<&UnitRow>,
        kind: &str,
        scanned: &str,
        issue: Issue,
    ) -> AppError {
        let now = self.now();
        let code = issue.code.as_str();
        let event = chain_event(
            site,
            unit,
            unit.and_then(|u| u.session_id),
            actor,
            now,
            kind,
            Some(code),
            Some(scanned),
            &[],
        );
        if let Err(err) = tx.append_chain_event(&event).await {
            return err.into();
        }
        let audited = Audited {
            action: AuditAction::Create,
            entity: "chain_event",
            entity_id: event.id.to_string(),
            patient_id: unit.and_then(unit_patient),
            site_id: Some(site),
            before: vec![],
            after: vec![("refused", kind.to_string()), ("code", code.to_string())],
        };
        match commit_audited(tx, Some(actor), now, audited).await {
            Ok(()) => one(issue),
            Err(err) => err,
        }
    }

    /// Finds the unit a scan names, or commits the refusal of the scan.
    async fn scanned_unit(
        &self,
        mut tx: Tx,
        actor: &Actor,
        site: SiteId,
        kind: &str,
        scan: &str,
    ) -> Result<(Tx, UnitRow)> {
        let scanned = scan.trim();
        if scanned.is_empty() {
            return Err(invalid("scan", IssueCode::Required));
        }
        if scanned.len() > 100 {
            return Err(invalid("scan", IssueCode::TooLong));
        }
        let Ok(id) = DonationId::parse(scanned) else {
            let issue = Issue::new("scan", IssueCode::WrongCheckCharacter);
            return Err(self
                .refuse_scan(tx, actor, site, None, kind, scanned, issue)
                .await);
        };
        match tx.unit_by_donation_id(&id.body()).await? {
            Some(unit) => Ok((tx, unit)),
            None => {
                let issue = Issue::new("scan", IssueCode::UnknownIdentifier);
                Err(self
                    .refuse_scan(tx, actor, site, None, kind, scanned, issue)
                    .await)
            }
        }
    }

    /// The lab receives a specimen by scanning its label.
    pub async fn receive_specimen(
        &self,
        actor: &Actor,
        site: SiteId,
        scan: &str,
    ) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        site_in_scope(actor, site)?;
        let now = self.now();
        let tx = self.begin().await?;
        let (mut tx, mut unit) = self.scanned_unit(tx, actor, site, "received", scan).await?;
        let facts = unit_facts(&unit)?;
        if let Err(refusal) = cells::receive_specimen(&facts, site) {
            let issue = refusal.issue("scan");
            return Err(self
                .refuse_scan(tx, actor, site, Some(&unit), "received", scan.trim(), issue)
                .await);
        }
        unit.status = UnitStatus::Received;
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            site,
            Some(&unit),
            unit.session_id,
            actor,
            now,
            "received",
            None,
            Some(scan.trim()),
            &[],
        ))
        .await?;
        let after = vec![("status", unit.status.code().to_string())];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, after),
        )
        .await?;
        Ok(unit)
    }

    /// The processing record of a received specimen: it derives the
    /// product, which waits for quality control and a second person's release.
    pub async fn record_processing(
        &self,
        actor: &Actor,
        specimen_id: Uuid,
        draft: &ProcessingDraft,
    ) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut specimen = self.unit_for(&mut tx, actor, specimen_id).await?;
        let mut issues = Issues::default();
        let method = issues.check(text::required("method", &draft.method, text::SHORT_MAX));
        let programme = issues.check(text::required(
            "centrifuge_programme",
            &draft.centrifuge_programme,
            text::SHORT_MAX,
        ));
        let cabinet = issues.check(text::required("cabinet", &draft.cabinet, text::SHORT_MAX));
        let kit_lots = issues.check(text::required("kit_lots", &draft.kit_lots, text::SHORT_MAX));
        let (Some(method), Some(programme), Some(cabinet), Some(kit_lots)) =
            (method, programme, cabinet, kit_lots)
        else {
            return Err(AppError::Invalid(issues));
        };
        let facts = unit_facts(&specimen)?;
        cells::process_specimen(&facts, specimen.site_id).map_err(|r| one(r.issue("specimen")))?;
        let session_id = specimen
            .session_id
            .ok_or_else(|| invalid("specimen", IssueCode::WrongStation))?;
        let view = load_day(&mut tx, session_id).await?.view;
        let started = view
            .day
            .running(DayStep::Processing)
            .map_err(|r| AppError::Invalid(r.issues()))?
            .at;
        let kit_lots: Vec<String> = kit_lots
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let donation_id = next_donation_id(&mut tx, specimen.site_id, now).await?;
        let record = vec![
            ("method", method),
            ("centrifuge_programme", programme),
            ("cabinet", cabinet),
            ("kit_lots", kit_lots.join(", ")),
            ("operator", actor.display_name.clone()),
            ("started_at", started.to_rfc3339()),
            ("finished_at", now.to_rfc3339()),
            (
                "derived_from",
                donation_id_of(&specimen)
                    .map(|d| d.printed())
                    .unwrap_or_default(),
            ),
        ];
        let product = UnitRow {
            id: Uuid::now_v7(),
            donation_id: donation_id.body(),
            kind: UnitKind::Product,
            status: UnitStatus::AwaitingRelease,
            product_type: if view.plan.plan.cell_source == CellSource::Adipose {
                ProductType::StromalVascularFraction
            } else {
                ProductType::BoneMarrowConcentrate
            },
            site_id: specimen.site_id,
            owner_patient_id: specimen.owner_patient_id,
            assigned_patient_id: None,
            session_id: specimen.session_id,
            parent_id: Some(specimen.id),
            supplier_lot: None,
            collected_at: specimen.collected_at,
            expires_at: Some(
                now + Duration::minutes(i64::from(
                    view.protocol.processing_to_injection_max_minutes,
                )),
            ),
            processed_by: Some(actor.username.clone()),
            released_by: None,
            fields: encode_fields(&record),
            version: 1,
            created_by: actor.username.clone(),
            created_at: now,
            updated_at: now,
        };
        tx.insert_unit(&product).await?;
        specimen.status = UnitStatus::Processed;
        specimen.processed_by = Some(actor.username.clone());
        specimen.updated_at = now;
        update_unit(&mut tx, &specimen).await?;
        tx.append_chain_event(&chain_event(
            specimen.site_id,
            Some(&specimen),
            specimen.session_id,
            actor,
            now,
            "processed",
            None,
            None,
            &[("product", donation_id.printed())],
        ))
        .await?;
        tx.append_chain_event(&chain_event(
            product.site_id,
            Some(&product),
            product.session_id,
            actor,
            now,
            "derived",
            None,
            None,
            &record,
        ))
        .await?;
        append(
            &mut tx,
            &view.session,
            &day_event(
                &view.session,
                actor,
                now,
                "record",
                Some(DayStep::Processing),
                Some("processing"),
                None,
                &record,
            ),
        )
        .await?;
        let mut after = record;
        after.push(("product", donation_id.printed()));
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&product, AuditAction::Create, after),
        )
        .await?;
        Ok(product)
    }

    /// Quality control of a product; says which release criteria it misses.
    pub async fn record_qc(
        &self,
        actor: &Actor,
        product_id: Uuid,
        draft: &QcDraft,
    ) -> Result<(UnitRow, Vec<&'static str>)> {
        authorize(actor, Action::RecordLab)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut unit = self.unit_for(&mut tx, actor, product_id).await?;
        if unit.kind != UnitKind::Product {
            return Err(invalid("product", IssueCode::WrongStation));
        }
        if unit.status != UnitStatus::AwaitingRelease {
            return Err(invalid("product", IssueCode::AlreadyFinished));
        }
        let mut issues = Issues::default();
        let volume = issues.check(parse_tenths("volume_ml", &draft.volume_ml, 0, 10_000));
        let cells_millions = issues.check(parse_whole(
            "cells_millions",
            &draft.cells_millions,
            0,
            10_000_000,
        ));
        let viability = issues.check(parse_whole(
            "viability_percent",
            &draft.viability_percent,
            0,
            100,
        ));
        let (Some(volume), Some(cells_millions), Some(viability)) =
            (volume, cells_millions, viability)
        else {
            return Err(AppError::Invalid(issues));
        };
        let qc = QualityControl {
            volume_tenth_ml: volume,
            cells_millions,
            viability_percent: viability,
        };
        let session = unit
            .session_id
            .ok_or_else(|| invalid("product", IssueCode::WrongStation))?;
        let protocol = load_day(&mut tx, session).await?.view.protocol;
        let misses = qc.misses(&protocol);
        let values = vec![
            ("qc_volume_ml", tenths(volume)),
            ("qc_cells_millions", cells_millions.to_string()),
            ("qc_viability_percent", viability.to_string()),
            ("qc_by", actor.display_name.clone()),
            ("qc_at", now.to_rfc3339()),
            ("qc_misses", misses.join(",")),
        ];
        unit.fields = merged(&unit.fields, &values);
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            unit.site_id,
            Some(&unit),
            unit.session_id,
            actor,
            now,
            "qc",
            None,
            None,
            &values,
        ))
        .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, values),
        )
        .await?;
        Ok((unit, misses))
    }

    /// A second person (not the one who processed it) releases a product
    /// whose quality control meets the protocol's criteria.
    pub async fn release_product(&self, actor: &Actor, product_id: Uuid) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut unit = self.unit_for(&mut tx, actor, product_id).await?;
        let session = unit
            .session_id
            .ok_or_else(|| invalid("product", IssueCode::WrongStation))?;
        let protocol = load_day(&mut tx, session).await?.view.protocol;
        let facts = unit_facts(&unit)?;
        let qc = qc_of(&unit);
        unit.status = cells::release_product(&facts, qc.as_ref(), &protocol, &actor.username)
            .map_err(|r| {
                let field = if r == UnitRefusal::CriteriaNotMet {
                    "qc"
                } else {
                    "product"
                };
                one(r.issue(field))
            })?;
        unit.released_by = Some(actor.username.clone());
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            unit.site_id,
            Some(&unit),
            unit.session_id,
            actor,
            now,
            "released",
            None,
            None,
            &[],
        ))
        .await?;
        let after = vec![
            ("status", unit.status.code().to_string()),
            ("released_by", actor.username.clone()),
        ];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, after),
        )
        .await?;
        Ok(unit)
    }

    /// Rejects a product or a donor lot, with the reason; it can never be given.
    pub async fn reject_unit(&self, actor: &Actor, unit_id: Uuid, reason: &str) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        let reason = text::required("reason", reason, text::LONG_MAX).map_err(one)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut unit = self.unit_for(&mut tx, actor, unit_id).await?;
        if !matches!(
            unit.status,
            UnitStatus::AwaitingRelease | UnitStatus::Quarantined | UnitStatus::Released
        ) || unit.kind == UnitKind::Specimen
        {
            return Err(invalid("status", IssueCode::WrongStation));
        }
        unit.status = UnitStatus::Rejected;
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            unit.site_id,
            Some(&unit),
            unit.session_id,
            actor,
            now,
            "rejected",
            None,
            None,
            &[("reason", reason.clone())],
        ))
        .await?;
        let after = vec![("status", "rejected".to_string()), ("reason", reason)];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, after),
        )
        .await?;
        Ok(unit)
    }

    /// A donor lot arrives: it gets the site's own identifier and waits in quarantine.
    pub async fn receive_donor_lot(
        &self,
        actor: &Actor,
        site: SiteId,
        draft: &DonorLotDraft,
    ) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        site_in_scope(actor, site)?;
        let now = self.now();
        let mut issues = Issues::default();
        let supplier = issues.check(text::required("supplier", &draft.supplier, text::SHORT_MAX));
        let supplier_lot = issues.check(text::required("supplier_lot", &draft.supplier_lot, 80));
        let description = issues.check(text::required(
            "description",
            &draft.description,
            text::SHORT_MAX,
        ));
        let volume = issues.check(parse_tenths("volume_ml", &draft.volume_ml, 1, 10_000));
        let expires_at = issues.check(parse_moment("expires_at", &draft.expires_at));
        if let Some(expires) = expires_at
            && expires <= now
        {
            issues.add("expires_at", IssueCode::Expired);
        }
        let (
            Some(supplier),
            Some(supplier_lot),
            Some(description),
            Some(volume),
            Some(expires_at),
            true,
        ) = (
            supplier,
            supplier_lot,
            description,
            volume,
            expires_at,
            issues.is_empty(),
        )
        else {
            return Err(AppError::Invalid(issues));
        };
        let mut tx = self.begin().await?;
        let donation_id = next_donation_id(&mut tx, site, now).await?;
        let fields = vec![
            ("supplier", supplier),
            ("description", description),
            ("volume_ml", tenths(volume)),
            ("received_by", actor.display_name.clone()),
        ];
        let unit = UnitRow {
            id: Uuid::now_v7(),
            donation_id: donation_id.body(),
            kind: UnitKind::DonorLot,
            status: UnitStatus::Quarantined,
            product_type: ProductType::DonorCells,
            site_id: site,
            owner_patient_id: None,
            assigned_patient_id: None,
            session_id: None,
            parent_id: None,
            supplier_lot: Some(supplier_lot.clone()),
            collected_at: None,
            expires_at: Some(expires_at),
            processed_by: None,
            released_by: None,
            fields: encode_fields(&fields),
            version: 1,
            created_by: actor.username.clone(),
            created_at: now,
            updated_at: now,
        };
        tx.insert_unit(&unit).await?;
        tx.append_chain_event(&chain_event(
            site,
            Some(&unit),
            None,
            actor,
            now,
            "quarantined",
            None,
            None,
            &[("supplier_lot", supplier_lot)],
        ))
        .await?;
        let mut after = fields;
        after.push(("donation_id", donation_id.printed()));
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Create, after),
        )
        .await?;
        Ok(unit)
    }

    /// A donor lot leaves quarantine.
    pub async fn release_donor_lot(&self, actor: &Actor, unit_id: Uuid) -> Result<UnitRow> {
        authorize(actor, Action::RecordLab)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut unit = self.unit_for(&mut tx, actor, unit_id).await?;
        let facts = unit_facts(&unit)?;
        unit.status = cells::release_donor_lot(&facts, now).map_err(|r| one(r.issue("unit")))?;
        unit.released_by = Some(actor.username.clone());
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            unit.site_id,
            Some(&unit),
            None,
            actor,
            now,
            "released",
            None,
            None,
            &[],
        ))
        .await?;
        let after = vec![("status", "released".to_string())];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, after),
        )
        .await?;
        Ok(unit)
    }

    /// Assigns a released donor lot (found by scan) to an allogeneic session's patient.
    pub async fn assign_donor_lot(
        &self,
        actor: &Actor,
        session_id: SessionId,
        scan: &str,
    ) -> Result<UnitRow> {
        if !(actor.may(Action::RecordLab) || actor.may(Action::RecordSessionDay)) {
            return Err(AppError::Forbidden(Action::RecordLab));
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = match tx.treatment_session(session_id).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        site_in_scope(actor, session.site_id)?;
        let view = load_day(&mut tx, session_id).await?.view;
        if view.autologous() {
            return Err(invalid("session", IssueCode::NotApplicable));
        }
        let (mut tx, mut unit) = self
            .scanned_unit(tx, actor, session.site_id, "assigned", scan)
            .await?;
        let facts = unit_facts(&unit)?;
        let assigned_elsewhere = unit.session_id.is_some_and(|s| s != session_id);
        let outcome =
            match cells::assign_donor_lot(&facts, session.patient_id, session.site_id, now) {
                Ok(()) if assigned_elsewhere => Err(UnitRefusal::AssignedElsewhere),
                other => other,
            };
        if let Err(refusal) = outcome {
            let issue = refusal.issue("scan");
            return Err(self
                .refuse_scan(
                    tx,
                    actor,
                    session.site_id,
                    Some(&unit),
                    "assigned",
                    scan.trim(),
                    issue,
                )
                .await);
        }
        unit.assigned_patient_id = Some(session.patient_id);
        unit.session_id = Some(session_id);
        unit.updated_at = now;
        unit.version = update_unit(&mut tx, &unit).await?;
        tx.append_chain_event(&chain_event(
            session.site_id,
            Some(&unit),
            Some(session_id),
            actor,
            now,
            "assigned",
            None,
            Some(scan.trim()),
            &[],
        ))
        .await?;
        let after = vec![
            ("assigned_to", session.patient_id.to_string()),
            ("session", session_id.to_string()),
        ];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::Update, after),
        )
        .await?;
        Ok(unit)
    }

    /// A site's lab queue: units still moving and the day's refused scans.
    pub async fn lab_queue(&self, actor: &Actor, site: SiteId) -> Result<LabQueue> {
        authorize(actor, Action::ViewSessionDay)?;
        site_in_scope(actor, site)?;
        let now = self.now();
        let from = now - Duration::hours(24);
        let mut tx = self.begin().await?;
        let site_row = tx.site_labels(site).await?;
        let units = tx
            .units_of_site(site, from, now + Duration::minutes(1))
            .await?;
        let mut refusals = tx
            .chain_events_of_site(site, from, now + Duration::minutes(1))
            .await?;
        refusals.retain(|e| !e.passed);
        let audited = Audited {
            action: AuditAction::View,
            entity: "lab_queue",
            entity_id: site.to_string(),
            patient_id: None,
            site_id: Some(site),
            before: vec![],
            after: vec![("units", units.len().to_string())],
        };
        commit_audited(tx, Some(actor), now, audited).await?;
        Ok(LabQueue {
            site: site_row,
            units,
            refusals,
        })
    }

    /// A unit with its derivation and history.
    pub async fn unit_view(&self, actor: &Actor, unit_id: Uuid) -> Result<UnitView> {
        authorize(actor, Action::ViewSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let unit = self.unit_for(&mut tx, actor, unit_id).await?;
        let parent = match unit.parent_id {
            Some(parent) => Some(tx.unit(parent).await?),
            None => None,
        };
        let children = match unit.session_id {
            Some(session) => tx
                .units_of_session(session)
                .await?
                .into_iter()
                .filter(|u| u.parent_id == Some(unit.id))
                .collect(),
            None => Vec::new(),
        };
        let events = tx.chain_events_of_unit(unit.id).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(&unit, AuditAction::View, vec![]),
        )
        .await?;
        Ok(UnitView {
            donation_id: donation_id_of(&unit),
            unit,
            parent,
            children,
            events,
        })
    }

    /// The label of a unit, by its identifier as printed or scanned, or by its id.
    pub async fn unit_label(&self, actor: &Actor, id: &str) -> Result<UnitLabel> {
        authorize(actor, Action::ViewSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let label = label_of(&mut tx, id).await?;
        unit_in_scope(actor, &label.unit)?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_unit(
                &label.unit,
                AuditAction::View,
                vec![("label", "printed".into())],
            ),
        )
        .await?;
        Ok(label)
    }

    /// The label of a unit for the operator's command line (no signed-in
    /// user: the print is audited as the system's).
    pub async fn unit_label_for_operator(&self, id: &str) -> Result<UnitLabel> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let label = label_of(&mut tx, id).await?;
        commit_audited(
            tx,
            None,
            now,
            audited_unit(
                &label.unit,
                AuditAction::View,
                vec![("label", "printed".into())],
            ),
        )
        .await?;
        Ok(label)
    }

    /// A site's facility code and label size.
    pub async fn site_labels(&self, actor: &Actor, site: SiteId) -> Result<SiteLabelRow> {
        if !(actor.may(Action::ManageSites) || actor.may(Action::ViewSessionDay)) {
            return Err(AppError::Forbidden(Action::ManageSites));
        }
        site_in_scope(actor, site)?;
        let mut tx = self.begin().await?;
        Ok(tx.site_labels(site).await?)
    }

    /// The admin sets a site's facility code (as licensed) and label size.
    pub async fn set_site_labels(
        &self,
        actor: &Actor,
        site: SiteId,
        facility_code: &str,
        size: &str,
    ) -> Result<()> {
        authorize(actor, Action::ManageSites)?;
        site_in_scope(actor, site)?;
        let mut issues = Issues::default();
        let facility = issues.check(FacilityCode::parse("facility_code", facility_code));
        let size = LABEL_SIZES
            .iter()
            .find(|(w, h)| format!("{w}x{h}") == size.trim())
            .copied();
        if size.is_none() {
            issues.add("label_size", IssueCode::UnknownCode);
        }
        let (Some(facility), Some((width, height))) = (facility, size) else {
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = tx.site_labels(site).await?;
        tx.set_site_labels(site, facility.as_str(), width, height)
            .await?;
        let audited = Audited {
            action: AuditAction::Update,
            entity: "site",
            entity_id: site.to_string(),
            patient_id: None,
            site_id: Some(site),
            before: vec![
                ("facility_code", before.facility_code.unwrap_or_default()),
                (
                    "label_size",
                    format!("{}x{}", before.label_width_mm, before.label_height_mm),
                ),
            ],
            after: vec![
                ("facility_code", facility.as_str().to_string()),
                ("label_size", format!("{width}x{height}")),
            ],
        };
        commit_audited(tx, Some(actor), now, audited).await
    }
}

/// Finds a unit by its printed or scanned identifier, or its id.
async fn label_of(tx: &mut Tx, id: &str) -> Result<UnitLabel> {
    let unit = match Uuid::parse_str(id.trim()) {
        Ok(uuid) => match tx.unit(uuid).await {
            Ok(unit) => unit,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        },
        Err(_) => {
            let donation =
                DonationId::parse(id).map_err(|_| invalid("id", IssueCode::WrongCheckCharacter))?;
            tx.unit_by_donation_id(&donation.body())
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    let donation_id = donation_id_of(&unit)
        .ok_or_else(|| AppError::Internal("unreadable stored identifier".into()))?;
    let site = tx.site_labels(unit.site_id).await?;
    Ok(UnitLabel {
        unit,
        donation_id,
        site,
    })
}
