//! Stage 7, the session day at the bedside: check-in with its checklist and
//! wristband, the steps started and finished by named people and timed
//! against the protocol (a deviation needs a reason), the harvest that
//! creates the specimen, the bedside check by two people, the injection,
//! monitoring and discharge; and the day board.
//!
//! Each session's events are appended in order under a unique sequence, so
//! two people acting on one session at once cannot both record from the
//! same state: the later one is told to look again. Refusals of the chain
//! of identity (a failed bedside check) are committed before the refusal is
//! returned, so a mix-up is never lost with the request that found it.

use crate::plans::protocol_in_force;
use crate::scheduling::site_in_scope;
use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::cells::{
    self, BedsideContext, BedsideScan, ProductType, UnitFacts, UnitKind, UnitStatus, WristbandCode,
};
use cellpath_domain::consent::ConsentState;
use cellpath_domain::donation::{DonationId, FacilityCode};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::{CellSource, SessionStatus, TreatmentPlan, TreatmentSession};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::session_day::{
    Alert, ChecklistItem, DayEvent, DayStep, Deviation, DeviationKind, DischargeCriterion, Facts,
    SessionDay, Signed, StepState, TimingFinding, required_discharge_criteria,
};
use cellpath_domain::{
    Action, Issue, IssueCode, Issues, PatientId, SessionId, SiteId, search, text,
};
use cellpath_store::{
    ChainEventRow, DayEventRow, SiteLabelRow, StoreError, Tx, UnitRow, decode_fields, encode_fields,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// Everything a session day's page shows.
#[derive(Debug, Clone)]
pub struct SessionDayView {
    pub session: TreatmentSession,
    pub plan: TreatmentPlan,
    pub patient: Patient,
    pub protocol: Protocol,
    pub day: SessionDay,
    pub facts: Facts,
    pub events: Vec<DayEventRow>,
    /// The session's specimen and product, or its assigned donor lot.
    pub units: Vec<UnitRow>,
    /// Scans and changes of the chain, bedside checks included.
    pub chain: Vec<ChainEventRow>,
    pub wristband: Option<WristbandCode>,
    pub consent: ConsentState,
    /// The number the site's patients call (blank until the admin sets it).
    pub site_phone: String,
}

impl SessionDayView {
    /// The values of every record of a kind (`harvest`, `vitals`,
    /// `injection`, `monitoring`), oldest first, with who and when.
    pub fn records(&self, kind: &str) -> Vec<(&DayEventRow, Vec<(String, String)>)> {
        self.events
            .iter()
            .filter(|e| e.kind == "record" && e.code.as_deref() == Some(kind))
            .map(|e| (e, decode_fields(&e.fields)))
            .collect()
    }

    /// The latest record of a kind.
    pub fn latest(&self, kind: &str) -> Option<Vec<(String, String)>> {
        self.records(kind).pop().map(|(_, fields)| fields)
    }

    pub fn specimen(&self) -> Option<&UnitRow> {
        self.units.iter().find(|u| u.kind == UnitKind::Specimen)
    }

    /// The product to give: the processed product, or the donor lot.
    pub fn product(&self) -> Option<&UnitRow> {
        self.units
            .iter()
            .rev()
            .find(|u| u.kind != UnitKind::Specimen)
    }

    pub fn autologous(&self) -> bool {
        self.plan.plan.cell_source.is_autologous()
    }
}

/// What a nurse types for a check-in item. Only the fields of that item
/// are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckDraft {
    /// Identity: what the patient states.
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub vitals: VitalsDraft,
    pub note: String,
}

/// Vital signs as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VitalsDraft {
    pub systolic: String,
    pub diastolic: String,
    pub pulse: String,
    /// °C, one decimal.
    pub temperature: String,
    pub spo2: String,
}

/// The harvest record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HarvestDraft {
    /// Where it was drawn: `posterior iliac crest`, `abdomen`...
    pub source_site: String,
    pub side: String,
    pub volume_ml: String,
    pub anaesthetic: String,
    pub dose: String,
}

/// The bedside check: each person's scans, and the second person's
/// co-signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BedsideDraft {
    pub wristband: String,
    pub product: String,
    pub second_username: String,
    pub second_password: String,
    pub second_wristband: String,
    pub second_product: String,
}

/// The injection record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InjectionDraft {
    pub guidance: String,
    pub target_site: String,
    pub side: String,
    pub volume_ml: String,
    pub note: String,
}

/// A monitoring round: vitals, pain, and the discharge criteria ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringDraft {
    pub vitals: VitalsDraft,
    pub pain: String,
    /// Codes of `DischargeCriterion` that hold.
    pub criteria: Vec<String>,
}

/// One row of the day board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub session: TreatmentSession,
    pub patient_name: String,
    /// The parts of the name, for the wall board's short form.
    pub given_name: String,
    pub family_name: String,
    pub record_number: String,
    pub autologous: bool,
    /// The step under way or next; `None` once discharged.
    pub step: Option<DayStep>,
    pub running: bool,
    /// Minutes in the step (or waiting for it), and its protocol maximum.
    pub minutes: Option<i64>,
    pub max_minutes: Option<u32>,
    pub alerts: Vec<Alert>,
}

/// A label to print for a unit.
#[derive(Debug, Clone)]
pub struct UnitLabel {
    pub unit: UnitRow,
    pub donation_id: DonationId,
    pub site: SiteLabelRow,
}

impl UnitLabel {
    /// Autologous cells carry "FOR AUTOLOGOUS USE ONLY".
    pub fn autologous_only(&self) -> bool {
        self.unit.kind != UnitKind::DonorLot
    }
}

/// A patient's wristband for one session day.
#[derive(Debug, Clone)]
pub struct WristbandLabel {
    pub code: WristbandCode,
    pub patient: Patient,
    pub site: SiteLabelRow,
}

/// A session day as loaded, before the actor's view of it.
pub(crate) struct Loaded {
    pub view: SessionDayView,
}

fn signed_of(event: &DayEventRow) -> Signed {
    Signed {
        username: event.username.clone(),
        name: event.display_name.clone(),
        at: event.at,
    }
}

/// The domain's events among the stored ones (records are not state).
pub(crate) fn day_events(rows: &[DayEventRow]) -> Vec<DayEvent> {
    rows.iter()
        .filter_map(|row| {
            let step = row
                .step
                .as_deref()
                .and_then(|s| DayStep::parse("step", s).ok());
            let code = row.code.as_deref().unwrap_or_default();
            match row.kind.as_str() {
                "checked" => {
                    ChecklistItem::parse("item", code)
                        .ok()
                        .map(|item| DayEvent::Checked {
                            item,
                            signed: signed_of(row),
                        })
                }
                "started" => step.map(|step| DayEvent::Started {
                    step,
                    signed: signed_of(row),
                }),
                "finished" => step.map(|step| DayEvent::Finished {
                    step,
                    signed: signed_of(row),
                }),
                "deviation" => DeviationKind::parse("kind", code).ok().map(|kind| {
                    DayEvent::Deviation(Deviation {
                        step,
                        kind,
                        reason: row.note.clone().unwrap_or_default(),
                        signed: signed_of(row),
                    })
                }),
                _ => None,
            }
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The facts of a day that its own state does not hold.
fn facts_of(events: &[DayEventRow], units: &[UnitRow], chain: &[ChainEventRow]) -> Facts {
    let recorded = |kind: &str| {
        events
            .iter()
            .any(|e| e.kind == "record" && e.code.as_deref() == Some(kind))
    };
    let monitoring_ok = events
        .iter()
        .rev()
        .find(|e| e.kind == "record" && e.code.as_deref() == Some("monitoring"))
        .is_some_and(|e| field(&decode_fields(&e.fields), "criteria_met") == Some("true"));
    let given = |u: &&UnitRow| matches!(u.status, UnitStatus::Released | UnitStatus::Administered);
    Facts {
        harvest_recorded: recorded("harvest"),
        specimen_received: units.iter().any(|u| {
            u.kind == UnitKind::Specimen
                && matches!(u.status, UnitStatus::Received | UnitStatus::Processed)
        }),
        product_released: units
            .iter()
            .filter(|u| u.kind != UnitKind::Specimen)
            .any(|u| given(&u)),
        bedside_passed: chain
            .iter()
            .rev()
            .find(|e| e.kind == "bedside_check")
            .is_some_and(|e| e.passed),
        injection_recorded: recorded("injection"),
        discharge_criteria_met: monitoring_ok,
    }
}

pub(crate) fn unit_facts(unit: &UnitRow) -> Result<UnitFacts> {
    let donation_id = donation_id_of(unit)
        .ok_or_else(|| AppError::Internal(format!("unit {}: unreadable identifier", unit.id)))?;
    Ok(UnitFacts {
        donation_id,
        kind: unit.kind,
        status: unit.status,
        site_id: unit.site_id,
        owner: unit.owner_patient_id,
        assigned_to: unit.assigned_patient_id,
        expires_at: unit.expires_at,
        processed_by: unit.processed_by.clone(),
    })
}

/// The identifier a stored unit carries.
pub fn donation_id_of(unit: &UnitRow) -> Option<DonationId> {
    DonationId::from_body(&unit.donation_id)
}

/// Loads a session day without checking who asks.
pub(crate) async fn load_day(tx: &mut Tx, session_id: SessionId) -> Result<Loaded> {
    let session = tx.treatment_session(session_id).await?;
    let plan = tx.plan(session.plan_id).await?;
    let patient = tx.patient(session.patient_id).await?;
    let protocol = protocol_in_force(tx, session.site_id, Some(session.protocol_version))
        .await?
        .protocol;
    let events = tx.day_events(session_id).await?;
    let mut units = tx.units_of_session(session_id).await?;
    units.retain(|u| {
        u.owner_patient_id == Some(session.patient_id)
            || u.assigned_patient_id == Some(session.patient_id)
    });
    let chain = tx.chain_events_of_session(session_id).await?;
    let day = SessionDay::replay(
        plan.plan.cell_source.is_autologous(),
        plan.plan.with_sedation(),
        &day_events(&events),
    );
    let facts = facts_of(&events, &units, &chain);
    let wristband = events
        .iter()
        .rev()
        .find(|e| e.kind == "checked" && e.code.as_deref() == Some("wristband"))
        .and_then(|e| field(&decode_fields(&e.fields), "wristband").and_then(WristbandCode::parse));
    let consent = crate::consent::plan_consent_state(tx, &plan).await?;
    let site_phone = tx.site_phone(session.site_id).await?;
    Ok(Loaded {
        view: SessionDayView {
            session,
            plan,
            patient,
            protocol,
            day,
            facts,
            events,
            units,
            chain,
            wristband,
            consent,
            site_phone,
        },
    })
}

/// A new day event by `actor` at `at`. (One argument per column: a
/// struct here would only restate the row.)
#[allow(clippy::too_many_arguments)]
pub(crate) fn day_event(
    session: &TreatmentSession,
    actor: &Actor,
    at: DateTime<Utc>,
    kind: &str,
    step: Option<DayStep>,
    code: Option<&str>,
    note: Option<&str>,
    fields: &[(&str, String)],
) -> DayEventRow {
    DayEventRow {
        id: Uuid::now_v7(),
        session_id: session.id.as_uuid(),
        seq: 0,
        kind: kind.into(),
        step: step.map(|s| s.code().to_string()),
        code: code.map(str::to_string),
        note: note.map(str::to_string),
        fields: encode_fields(fields),
        username: actor.username.clone(),
        display_name: actor.display_name.clone(),
        at,
    }
}

/// Appends an event to a session's day. Someone who recorded on the same
/// day first (the same place in its sequence) makes this a conflict: look
/// at the session again.
pub(crate) async fn append(
    tx: &mut Tx,
    session: &TreatmentSession,
    event: &DayEventRow,
) -> Result<()> {
    match tx.append_day_event(event).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(AppError::Conflict(Current::Session(Box::new(
            session.clone(),
        )))),
        Err(other) => Err(other.into()),
    }
}

/// Writes a unit's change; a change someone else made first is a conflict
/// that returns the unit as it is now.
pub(crate) async fn update_unit(tx: &mut Tx, unit: &UnitRow) -> Result<i64> {
    match tx.update_unit(unit).await {
        Ok(version) => Ok(version),
        Err(StoreError::Conflict { .. }) => Err(AppError::Conflict(Current::Unit(Box::new(
            tx.unit(unit.id).await?,
        )))),
        Err(other) => Err(other.into()),
    }
}

/// A new chain event by `actor` at `at`. (One argument per column.)
#[allow(clippy::too_many_arguments)]
pub(crate) fn chain_event(
    site: SiteId,
    unit: Option<&UnitRow>,
    session: Option<SessionId>,
    actor: &Actor,
    at: DateTime<Utc>,
    kind: &str,
    refusal: Option<&str>,
    scanned: Option<&str>,
    fields: &[(&str, String)],
) -> ChainEventRow {
    ChainEventRow {
        id: Uuid::now_v7(),
        site_id: site.as_uuid(),
        unit_id: unit.map(|u| u.id),
        session_id: session.map(|s| s.as_uuid()),
        kind: kind.into(),
        passed: refusal.is_none(),
        code: refusal.map(str::to_string),
        scanned: scanned.map(str::to_string),
        fields: encode_fields(fields),
        username: actor.username.clone(),
        display_name: actor.display_name.clone(),
        at,
    }
}

/// The audit entry of a change to a session day.
fn audited<'a>(
    view: &SessionDayView,
    action: AuditAction,
    after: Vec<(&'static str, String)>,
) -> Audited<'a> {
    Audited {
        action,
        entity: "session_day",
        entity_id: view.session.id.to_string(),
        patient_id: Some(view.session.patient_id),
        site_id: Some(view.session.site_id),
        before: vec![],
        after,
    }
}

/// Allocates the next donation identifier of a site, atomically in the
/// database; refused until the admin sets the site's facility code.
pub(crate) async fn next_donation_id(
    tx: &mut Tx,
    site: SiteId,
    now: DateTime<Utc>,
) -> Result<DonationId> {
    let labels = tx.site_labels(site).await?;
    let facility = labels
        .facility_code
        .as_deref()
        .and_then(|code| FacilityCode::parse("facility_code", code).ok())
        .ok_or_else(|| invalid("facility_code", IssueCode::Required))?;
    let year = now.year();
    let sequence = tx
        .next_counter(
            &format!("donation:{}", facility.as_str()),
            &year.to_string(),
        )
        .await?;
    let sequence =
        u32::try_from(sequence).map_err(|_| invalid("sequence", IssueCode::OutOfRange))?;
    DonationId::new(facility, year, sequence)
        .map_err(|_| invalid("sequence", IssueCode::OutOfRange))
}

/// A number with at most one decimal, in `min..=max`, as tenths.
pub(crate) fn parse_tenths(
    field: &str,
    raw: &str,
    min: u32,
    max: u32,
) -> std::result::Result<u32, Issue> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, "0"));
    let valid = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() == 1
        && fraction.bytes().all(|b| b.is_ascii_digit());
    let value = if valid {
        whole.parse::<u32>().ok().and_then(|w| {
            w.checked_mul(10)
                .and_then(|w| w.checked_add(u32::from(fraction.as_bytes()[0] - b'0')))
        })
    } else {
        None
    };
    match value {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        Some(_) => Err(Issue {
            field: field.into(),
            code: IssueCode::OutOfRange,
            limit: Some(max / 10),
        }),
        None => Err(Issue::new(field, IssueCode::InvalidFormat)),
    }
}

/// A whole number in `min..=max`.
pub(crate) fn parse_whole(
    field: &str,
    raw: &str,
    min: u32,
    max: u32,
) -> std::result::Result<u32, Issue> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    match raw.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        Ok(_) => Err(Issue {
            field: field.into(),
            code: IssueCode::OutOfRange,
            limit: Some(max),
        }),
        Err(_) => Err(Issue::new(field, IssueCode::InvalidFormat)),
    }
}

/// Tenths as `12.5`.
pub fn tenths(value: u32) -> String {
    format!("{}.{}", value / 10, value % 10)
}

fn parse_vitals(draft: &VitalsDraft, issues: &mut Issues) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    let values = [
        (
            "systolic",
            parse_whole("systolic", &draft.systolic, 50, 260),
        ),
        (
            "diastolic",
            parse_whole("diastolic", &draft.diastolic, 20, 160),
        ),
        ("pulse", parse_whole("pulse", &draft.pulse, 20, 220)),
        ("spo2", parse_whole("spo2", &draft.spo2, 50, 100)),
    ];
    for (name, value) in values {
        if let Some(v) = issues.check(value) {
            fields.push((name, v.to_string()));
        }
    }
    if let Some(t) = issues.check(parse_tenths("temperature", &draft.temperature, 320, 440)) {
        fields.push(("temperature", tenths(t)));
    }
    fields
}

fn note_of(raw: &str) -> Result<Option<String>> {
    text::optional("note", raw, text::LONG_MAX).map_err(|i| AppError::Invalid(Issues(vec![i])))
}

impl App {
    async fn day_in_scope(&self, tx: &mut Tx, actor: &Actor, id: SessionId) -> Result<Loaded> {
        let session = match tx.treatment_session(id).await {
            Ok(session) => session,
            Err(cellpath_store::StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        site_in_scope(actor, session.site_id)?;
        load_day(tx, id).await
    }

    /// A session day as its page shows it. The read is audited.
    pub async fn session_day(&self, actor: &Actor, id: SessionId) -> Result<SessionDayView> {
        authorize(actor, Action::ViewSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let loaded = self.day_in_scope(&mut tx, actor, id).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&loaded.view, AuditAction::View, vec![]),
        )
        .await?;
        Ok(loaded.view)
    }

    /// Records one check-in item. The first item starts check-in.
    pub async fn record_check(
        &self,
        actor: &Actor,
        id: SessionId,
        item: &str,
        draft: &CheckDraft,
    ) -> Result<()> {
        authorize(actor, Action::RecordSessionDay)?;
        let item =
            ChecklistItem::parse("item", item).map_err(|i| AppError::Invalid(Issues(vec![i])))?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        if view.session.status == SessionStatus::Cancelled {
            return Err(invalid("session", IssueCode::NotApplicable));
        }
        view.day
            .may_check(item)
            .map_err(|r| AppError::Invalid(r.issues()))?;
        let note = note_of(&draft.note)?;
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        match item {
            ChecklistItem::Identity => {
                let mut issues = Issues::default();
                let given = issues.check(text::required(
                    "given_name",
                    &draft.given_name,
                    text::SHORT_MAX,
                ));
                let family = issues.check(text::required(
                    "family_name",
                    &draft.family_name,
                    text::SHORT_MAX,
                ));
                let born = issues.check(parse_date("date_of_birth", &draft.date_of_birth));
                if let (Some(given), Some(family), Some(born)) = (given, family, born) {
                    let patient = &view.patient;
                    if search::fold(&given) != search::fold(&patient.given_name)
                        || search::fold(&family) != search::fold(&patient.family_name)
                    {
                        issues.add("family_name", IssueCode::WrongPatient);
                    }
                    if born != patient.date_of_birth {
                        issues.add("date_of_birth", IssueCode::WrongPatient);
                    }
                }
                if !issues.is_empty() {
                    return Err(AppError::Invalid(issues));
                }
                fields.push(("identifiers", "name, date_of_birth".into()));
            }
            ChecklistItem::Wristband => {
                let code = match &view.wristband {
                    Some(code) => code.clone(),
                    None => {
                        let year = now.year();
                        let sequence = tx.next_counter("wristband", &year.to_string()).await?;
                        u32::try_from(sequence)
                            .ok()
                            .and_then(|s| WristbandCode::new(year, s))
                            .ok_or_else(|| invalid("wristband", IssueCode::OutOfRange))?
                    }
                };
                fields.push(("wristband", code.to_string()));
            }
            ChecklistItem::Consent => match view.consent {
                ConsentState::Valid => fields.push(("consent", "valid".into())),
                ConsentState::Withdrawn => {
                    return Err(invalid("consent", IssueCode::ConsentWithdrawn));
                }
                ConsentState::Outdated => return Err(invalid("consent", IssueCode::Outdated)),
                ConsentState::Missing => return Err(invalid("consent", IssueCode::Required)),
            },
            ChecklistItem::Vitals => {
                let mut issues = Issues::default();
                fields = parse_vitals(&draft.vitals, &mut issues);
                if !issues.is_empty() {
                    return Err(AppError::Invalid(issues));
                }
            }
            _ => {}
        }
        if let Some(note) = &note {
            fields.push(("note", note.clone()));
        }
        if matches!(view.day.state(DayStep::CheckIn), Some(StepState::Waiting)) {
            append(
                &mut tx,
                &view.session,
                &day_event(
                    &view.session,
                    actor,
                    now,
                    "started",
                    Some(DayStep::CheckIn),
                    None,
                    None,
                    &[],
                ),
            )
            .await?;
        }
        append(
            &mut tx,
            &view.session,
            &day_event(
                &view.session,
                actor,
                now,
                "checked",
                None,
                Some(item.code()),
                None,
                &fields,
            ),
        )
        .await?;
        if item == ChecklistItem::Vitals {
            append(
                &mut tx,
                &view.session,
                &day_event(
                    &view.session,
                    actor,
                    now,
                    "record",
                    None,
                    Some("vitals"),
                    None,
                    &fields,
                ),
            )
            .await?;
        }
        let mut after = vec![("item", item.code().to_string())];
        after.extend(fields);
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, after),
        )
        .await
    }

    /// Starts a step; a timing outside the protocol needs `reason` and is
    /// recorded as a deviation.
    pub async fn start_step(
        &self,
        actor: &Actor,
        id: SessionId,
        step: &str,
        reason: &str,
    ) -> Result<()> {
        self.move_step(actor, id, step, reason, true).await
    }

    /// Finishes a step; a timing outside the protocol needs `reason` and is
    /// recorded as a deviation.
    pub async fn finish_step(
        &self,
        actor: &Actor,
        id: SessionId,
        step: &str,
        reason: &str,
    ) -> Result<()> {
        self.move_step(actor, id, step, reason, false).await
    }

    async fn move_step(
        &self,
        actor: &Actor,
        id: SessionId,
        step: &str,
        reason: &str,
        start: bool,
    ) -> Result<()> {
        let step = DayStep::parse("step", step).map_err(|i| AppError::Invalid(Issues(vec![i])))?;
        let action = match step {
            DayStep::Processing => Action::RecordLab,
            DayStep::DonorPreparation if actor.may(Action::RecordLab) => Action::RecordLab,
            _ => Action::RecordSessionDay,
        };
        authorize(actor, action)?;
        let reason = text::optional("reason", reason, text::LONG_MAX)
            .map_err(|i| AppError::Invalid(Issues(vec![i])))?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        if view.session.status == SessionStatus::Cancelled {
            return Err(invalid("session", IssueCode::NotApplicable));
        }
        let (allowed, findings) = if start {
            (
                view.day.may_start(step, &view.facts),
                view.day.timing_at_start(step, now, &view.protocol),
            )
        } else {
            (
                view.day.may_finish(step, &view.facts),
                view.day.timing_at_finish(step, now, &view.protocol),
            )
        };
        allowed.map_err(|r| AppError::Invalid(r.issues()))?;
        if !findings.is_empty() && reason.is_none() {
            return Err(invalid("reason", IssueCode::DeviationReasonRequired));
        }
        let kind = if start { "started" } else { "finished" };
        append(
            &mut tx,
            &view.session,
            &day_event(&view.session, actor, now, kind, Some(step), None, None, &[]),
        )
        .await?;
        for finding in &findings {
            append(
                &mut tx,
                &view.session,
                &deviation_event(
                    &view.session,
                    actor,
                    now,
                    finding,
                    reason.as_deref().unwrap_or_default(),
                ),
            )
            .await?;
        }
        // Discharged: the diary's daily reminders go out from tomorrow.
        if step == DayStep::Discharge
            && !start
            && let Some(compose) = self.diary_reminders()
        {
            let notice = crate::outbox::DiaryNotice {
                patient: view.patient.clone(),
                session: view.session.clone(),
                site_name: tx.site(view.session.site_id.as_uuid()).await?.name,
                site_phone: view.site_phone.clone(),
            };
            for message in compose(&notice) {
                crate::outbox::enqueue(&mut tx, message, now).await?;
            }
        }
        // Discharged: the protocol's follow-up visits are booked (once).
        if step == DayStep::Discharge && !start {
            self.book_follow_ups(&mut tx, actor, &view.session, &view.patient, now)
                .await?;
        }
        let mut after = vec![
            ("step", step.code().to_string()),
            ("event", kind.to_string()),
        ];
        if let Some(reason) = reason.filter(|_| !findings.is_empty()) {
            after.push(("deviation_reason", reason));
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, after),
        )
        .await
    }

    /// Records a deviation that timing cannot see: a sterile breach, or another.
    pub async fn record_deviation(
        &self,
        actor: &Actor,
        id: SessionId,
        step: &str,
        kind: &str,
        reason: &str,
    ) -> Result<()> {
        if !(actor.may(Action::RecordSessionDay) || actor.may(Action::RecordLab)) {
            return Err(AppError::Forbidden(Action::RecordSessionDay));
        }
        let mut issues = Issues::default();
        let step = match step.trim() {
            "" => Some(None),
            raw => issues.check(DayStep::parse("step", raw)).map(Some),
        };
        let kind = issues.check(DeviationKind::parse("kind", kind));
        let reason = issues.check(text::required("reason", reason, text::LONG_MAX));
        let (Some(step), Some(kind), Some(reason)) = (step, kind, reason) else {
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        append(
            &mut tx,
            &view.session,
            &day_event(
                &view.session,
                actor,
                now,
                "deviation",
                step,
                Some(kind.code()),
                Some(&reason),
                &[],
            ),
        )
        .await?;
        let after = vec![("deviation", kind.code().to_string()), ("reason", reason)];
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, after),
        )
        .await
    }

    /// The harvest record: it creates the specimen with its identifier.
    pub async fn record_harvest(
        &self,
        actor: &Actor,
        id: SessionId,
        draft: &HarvestDraft,
    ) -> Result<UnitRow> {
        authorize(actor, Action::RecordSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        let started = view
            .day
            .running(DayStep::Harvest)
            .map_err(|r| AppError::Invalid(r.issues()))?
            .at;
        if view.facts.harvest_recorded {
            return Err(invalid("harvest", IssueCode::Duplicate));
        }
        let mut issues = Issues::default();
        let source_site = issues.check(text::required(
            "source_site",
            &draft.source_site,
            text::SHORT_MAX,
        ));
        let side = issues.check(cellpath_domain::plan::Side::parse("side", &draft.side));
        let volume = issues.check(parse_tenths("volume_ml", &draft.volume_ml, 1, 5000));
        let anaesthetic = issues.check(text::required(
            "anaesthetic",
            &draft.anaesthetic,
            text::SHORT_MAX,
        ));
        let dose = issues.check(text::required("dose", &draft.dose, text::SHORT_MAX));
        let (Some(source_site), Some(side), Some(volume), Some(anaesthetic), Some(dose)) =
            (source_site, side, volume, anaesthetic, dose)
        else {
            return Err(AppError::Invalid(issues));
        };
        let donation_id = next_donation_id(&mut tx, view.session.site_id, now).await?;
        let fields = vec![
            ("source", view.plan.plan.cell_source.code().to_string()),
            ("source_site", source_site),
            ("side", side.code().to_string()),
            ("volume_ml", tenths(volume)),
            ("anaesthetic", anaesthetic),
            ("dose", dose),
            ("operator", actor.display_name.clone()),
            ("started_at", started.to_rfc3339()),
            ("finished_at", now.to_rfc3339()),
        ];
        let unit = UnitRow {
            id: Uuid::now_v7(),
            donation_id: donation_id.body(),
            kind: UnitKind::Specimen,
            status: UnitStatus::Collected,
            product_type: if view.plan.plan.cell_source == CellSource::Adipose {
                ProductType::Lipoaspirate
            } else {
                ProductType::BoneMarrowAspirate
            },
            site_id: view.session.site_id,
            owner_patient_id: Some(view.session.patient_id),
            assigned_patient_id: None,
            session_id: Some(view.session.id),
            parent_id: None,
            supplier_lot: None,
            collected_at: Some(now),
            expires_at: Some(
                now + Duration::minutes(i64::from(view.protocol.harvest_to_processing_max_minutes)),
            ),
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
            view.session.site_id,
            Some(&unit),
            Some(view.session.id),
            actor,
            now,
            "collected",
            None,
            None,
            &[("donation_id", donation_id.printed())],
        ))
        .await?;
        let mut record = fields.clone();
        record.push(("donation_id", donation_id.printed()));
        append(
            &mut tx,
            &view.session,
            &day_event(
                &view.session,
                actor,
                now,
                "record",
                Some(DayStep::Harvest),
                Some("harvest"),
                None,
                &record,
            ),
        )
        .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Create, record),
        )
        .await?;
        Ok(unit)
    }

    /// The bedside check by two qualified people. A failure blocks the
    /// injection, is recorded (as a refused check and a deviation) and
    /// cannot be overridden: only a new check that passes unblocks it.
    pub async fn bedside_check(
        &self,
        actor: &Actor,
        id: SessionId,
        draft: &BedsideDraft,
    ) -> Result<UnitRow> {
        authorize(actor, Action::RecordSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        let ready = match view.day.current() {
            Some((DayStep::Injection, StepState::Waiting)) => Ok(()),
            Some((DayStep::Injection, _)) => {
                Err(invalid("bedside_check", IssueCode::AlreadyStarted))
            }
            _ => Err(invalid("bedside_check", IssueCode::StepOrder)),
        };
        ready?;
        let mut issues = Issues::default();
        for (name, value) in [
            ("wristband", &draft.wristband),
            ("product", &draft.product),
            ("second_username", &draft.second_username),
            ("second_password", &draft.second_password),
            ("second_wristband", &draft.second_wristband),
            ("second_product", &draft.second_product),
        ] {
            if value.trim().is_empty() {
                issues.add(name, IssueCode::Required);
            } else if value.len() > 200 {
                issues.add(name, IssueCode::TooLong);
            }
        }
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let second = self
            .co_signer(&mut tx, &draft.second_username, &draft.second_password)
            .await?;
        let Some(second) = second else {
            tx.commit().await?;
            return Err(invalid("second_password", IssueCode::NotQualified));
        };
        let second_role = if second.sites.contains(&view.session.site_id) {
            second.role
        } else {
            cellpath_domain::Role::Patient
        };
        let context = BedsideContext {
            patient: view.session.patient_id,
            site: view.session.site_id,
            wristband: view.wristband.clone(),
            autologous: view.autologous(),
            now,
        };
        let first_scan = BedsideScan {
            username: actor.username.clone(),
            role: actor.role,
            wristband: draft.wristband.clone(),
            product: draft.product.clone(),
        };
        let second_scan = BedsideScan {
            username: second.username.clone(),
            role: second_role,
            wristband: draft.second_wristband.clone(),
            product: draft.second_product.clone(),
        };
        let scanned = match DonationId::parse(&draft.product) {
            Ok(id) => tx.unit_by_donation_id(&id.body()).await?,
            Err(_) => None,
        };
        let found = scanned.as_ref().map(unit_facts).transpose()?;
        let outcome = cells::bedside_check(&context, &first_scan, &second_scan, |wanted| {
            found.clone().filter(|f| f.donation_id == *wanted)
        });
        let refusal = outcome.as_ref().err().map(|f| f.code());
        let fields = [
            ("wristband", draft.wristband.trim().to_string()),
            ("product", draft.product.trim().to_string()),
            ("first", actor.username.clone()),
            ("second", second.username.clone()),
        ];
        tx.append_chain_event(&chain_event(
            view.session.site_id,
            scanned.as_ref(),
            Some(view.session.id),
            actor,
            now,
            "bedside_check",
            refusal,
            Some(draft.product.trim()),
            &fields,
        ))
        .await?;
        if let Some(code) = refusal {
            append(
                &mut tx,
                &view.session,
                &day_event(
                    &view.session,
                    actor,
                    now,
                    "deviation",
                    Some(DayStep::Injection),
                    Some(DeviationKind::FailedCheck.code()),
                    Some(code),
                    &[],
                ),
            )
            .await?;
        }
        let mut after = vec![
            ("bedside_check", refusal.unwrap_or("passed").to_string()),
            ("second", second.username.clone()),
        ];
        after.push(("product", draft.product.trim().to_string()));
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, after),
        )
        .await?;
        match (outcome, scanned) {
            (Ok(_), Some(unit)) => Ok(unit),
            (Err(failure), _) => Err(AppError::Invalid(Issues(vec![failure.issue()]))),
            (Ok(_), None) => Err(invalid("product", IssueCode::UnknownIdentifier)),
        }
    }

    /// The injection record; the product is marked as given.
    pub async fn record_injection(
        &self,
        actor: &Actor,
        id: SessionId,
        draft: &InjectionDraft,
    ) -> Result<()> {
        authorize(actor, Action::RecordSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        let started = view
            .day
            .running(DayStep::Injection)
            .map_err(|r| AppError::Invalid(r.issues()))?
            .at;
        if view.facts.injection_recorded {
            return Err(invalid("injection", IssueCode::Duplicate));
        }
        let mut issues = Issues::default();
        let guidance = issues.check(cellpath_domain::plan::Guidance::parse(
            "guidance",
            &draft.guidance,
        ));
        let target = issues.check(cellpath_domain::plan::TargetSite::parse(
            "target_site",
            &draft.target_site,
        ));
        let side = issues.check(cellpath_domain::plan::Side::parse("side", &draft.side));
        let volume = issues.check(parse_tenths("volume_ml", &draft.volume_ml, 1, 1000));
        let note = issues.check(text::optional("note", &draft.note, text::LONG_MAX));
        let (Some(guidance), Some(target), Some(side), Some(volume), Some(note)) =
            (guidance, target, side, volume, note)
        else {
            return Err(AppError::Invalid(issues));
        };
        let passed = view
            .chain
            .iter()
            .rev()
            .find(|e| e.kind == "bedside_check" && e.passed)
            .and_then(|e| e.unit_id);
        let Some(mut product) = view.units.iter().find(|u| Some(u.id) == passed).cloned() else {
            return Err(invalid("bedside_check", IssueCode::BedsideCheckRequired));
        };
        let mut fields = vec![
            ("guidance", guidance.code().to_string()),
            ("target_site", target.code().to_string()),
            ("side", side.code().to_string()),
            ("volume_ml", tenths(volume)),
            ("operator", actor.display_name.clone()),
            ("started_at", started.to_rfc3339()),
            ("finished_at", now.to_rfc3339()),
            (
                "product",
                donation_id_of(&product)
                    .map(|d| d.printed())
                    .unwrap_or_default(),
            ),
        ];
        if let Some(note) = note {
            fields.push(("note", note));
        }
        product.status = UnitStatus::Administered;
        product.updated_at = now;
        update_unit(&mut tx, &product).await?;
        tx.append_chain_event(&chain_event(
            view.session.site_id,
            Some(&product),
            Some(view.session.id),
            actor,
            now,
            "administered",
            None,
            None,
            &[("patient_id", view.session.patient_id.to_string())],
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
                Some(DayStep::Injection),
                Some("injection"),
                None,
                &fields,
            ),
        )
        .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, fields),
        )
        .await
    }

    /// A monitoring round; says whether the discharge criteria are met.
    pub async fn record_monitoring(
        &self,
        actor: &Actor,
        id: SessionId,
        draft: &MonitoringDraft,
    ) -> Result<bool> {
        authorize(actor, Action::RecordSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        view.day
            .running(DayStep::Monitoring)
            .map_err(|r| AppError::Invalid(r.issues()))?;
        let mut issues = Issues::default();
        let mut fields = parse_vitals(&draft.vitals, &mut issues);
        if let Some(pain) = issues.check(parse_whole("pain", &draft.pain, 0, 10)) {
            fields.push(("pain", pain.to_string()));
        }
        let mut ticked = Vec::new();
        for code in &draft.criteria {
            if let Some(c) = issues.check(DischargeCriterion::parse("criteria", code)) {
                ticked.push(c);
            }
        }
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let met = required_discharge_criteria(view.day.sedation)
            .iter()
            .all(|c| ticked.contains(c));
        fields.push((
            "criteria",
            ticked
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(","),
        ));
        fields.push(("criteria_met", met.to_string()));
        append(
            &mut tx,
            &view.session,
            &day_event(
                &view.session,
                actor,
                now,
                "record",
                Some(DayStep::Monitoring),
                Some("monitoring"),
                None,
                &fields,
            ),
        )
        .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(&view, AuditAction::Update, fields),
        )
        .await?;
        Ok(met)
    }

    /// Every session of a site's day with its current step, time in step
    /// and alerts. The read is audited once.
    pub async fn day_board(
        &self,
        actor: &Actor,
        site: SiteId,
        date: NaiveDate,
    ) -> Result<Vec<BoardRow>> {
        authorize(actor, Action::ViewSessionDay)?;
        site_in_scope(actor, site)?;
        let now = self.now();
        let from = date
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .ok_or(AppError::NotFound)?;
        let to = from + Duration::days(1);
        let mut tx = self.begin().await?;
        let sessions = tx.sessions_of_site(site, from, to).await?;
        let mut rows = Vec::new();
        for session in sessions {
            let view = load_day(&mut tx, session.id).await?.view;
            let (step, running) = match view.day.current() {
                Some((step, StepState::Running { .. })) => (Some(step), true),
                Some((step, _)) => (Some(step), false),
                None => (None, false),
            };
            let timing = view.day.time_in_step(now, &view.protocol);
            rows.push(BoardRow {
                patient_name: view.patient.full_name(),
                given_name: view.patient.given_name.clone(),
                family_name: view.patient.family_name.clone(),
                record_number: view.patient.record_number.as_str().to_string(),
                autologous: view.autologous(),
                step,
                running,
                minutes: timing.map(|(m, _)| m),
                max_minutes: timing.and_then(|(_, max)| max),
                alerts: view.day.alerts(now, &view.protocol),
                session: view.session,
            });
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "day_board",
                entity_id: date.to_string(),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![("sessions", rows.len().to_string())],
            },
        )
        .await?;
        Ok(rows)
    }

    /// The wristband label of a session day (after check-in printed it).
    pub async fn wristband_label(&self, actor: &Actor, id: SessionId) -> Result<WristbandLabel> {
        authorize(actor, Action::ViewSessionDay)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let view = self.day_in_scope(&mut tx, actor, id).await?.view;
        let code = view
            .wristband
            .clone()
            .ok_or_else(|| invalid("wristband", IssueCode::ChecklistMissing))?;
        let site = tx.site_labels(view.session.site_id).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            audited(
                &view,
                AuditAction::View,
                vec![("label", "wristband".into())],
            ),
        )
        .await?;
        Ok(WristbandLabel {
            code,
            patient: view.patient,
            site,
        })
    }
}

fn deviation_event(
    session: &TreatmentSession,
    actor: &Actor,
    at: DateTime<Utc>,
    finding: &TimingFinding,
    reason: &str,
) -> DayEventRow {
    day_event(
        session,
        actor,
        at,
        "deviation",
        finding.step,
        Some(finding.kind.code()),
        Some(reason),
        &[
            ("minutes", finding.minutes.to_string()),
            ("limit", finding.limit.to_string()),
        ],
    )
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(field: &str, raw: &str) -> std::result::Result<NaiveDate, Issue> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Issue::new(field, IssueCode::Required));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| Issue::new(field, IssueCode::InvalidDate))
}

/// Who may see a patient's units: staff of its site.
pub(crate) fn unit_in_scope(actor: &Actor, unit: &UnitRow) -> Result<()> {
    site_in_scope(actor, unit.site_id)
}

/// The patient a unit's cells belong to or are assigned to.
pub(crate) fn unit_patient(unit: &UnitRow) -> Option<PatientId> {
    unit.owner_patient_id.or(unit.assigned_patient_id)
}
