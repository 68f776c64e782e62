//! Stage 8, recovery: the symptom diary of the two weeks after a session
//! and the clinic's triage queue.
//!
//! An entry is checked against the red-flag rules of `domain::symptoms`
//! with the session's earlier entries; every flag it raises opens exactly
//! one alert (`UNIQUE (entry_id, rule)`), written in the entry's own
//! transaction so that no red flag is ever stored without its alert. An
//! alert is taken by a clinician and closed with a note; both name the
//! version they started from.

use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::plan::{SessionStatus, TargetSite, TreatmentSession};
use cellpath_domain::symptoms::{
    DIARY_DAYS, DiaryDay, DiaryDraft, DiaryEntry, RedFlag, Severity, TriageContext, expected_on,
    red_flags, rule,
};
use cellpath_domain::text::{self, LONG_MAX};
use cellpath_domain::{Action, Issue, IssueCode, Issues, Role, SessionId, SiteId};
use cellpath_store::{AlertRow, DiaryEntryRow, StoreError, Tx, decode_fields, encode_fields};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// A stored diary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: Uuid,
    pub session_id: SessionId,
    pub entry: DiaryEntry,
    /// The user who wrote it: the patient's portal account, or staff.
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
}

/// What writing an entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryOutcome {
    pub entry: StoredEntry,
    /// The red flags it raised, most severe first; each opened an alert.
    pub flags: Vec<RedFlag>,
    /// Any flag: the patient is told to call the clinic now.
    pub call_clinic_now: bool,
}

/// One entry of a session's diary, as the diary page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryLine {
    pub stored: StoredEntry,
    /// The flags it raised, from its stored alerts, most severe first.
    pub flags: Vec<RedFlag>,
    /// Its alerts, open or closed.
    pub alerts: Vec<AlertRow>,
    /// Catalogue key of what is expected on its day.
    pub expected: &'static str,
}

/// A session's diary.
#[derive(Debug, Clone)]
pub struct DiaryView {
    pub session: TreatmentSession,
    pub patient_name: String,
    /// Cells were drawn from the patient: the harvest site is a pain site too.
    pub autologous: bool,
    /// Today's day of the diary (1 to 14), `None` before or after it.
    pub today: Option<DiaryDay>,
    /// The number the patient calls (the site's; blank until set).
    pub phone: String,
    /// Oldest first, in the order written.
    pub lines: Vec<DiaryLine>,
}

/// One open alert of the triage queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageItem {
    pub alert: AlertRow,
    pub severity: Severity,
    /// Who took it; none while nobody has.
    pub owner_name: Option<String>,
    /// Minutes since it opened, by the app's clock.
    pub minutes_open: i64,
    pub patient_name: String,
    pub record_number: String,
}

/// The diary entry's answers as stored: the same fields a draft has, so
/// that reading it back is validating it again.
fn entry_fields(entry: &DiaryEntry) -> String {
    let mut fields: Vec<(String, String)> = vec![("day".into(), entry.day.get().to_string())];
    for (site, pain) in &entry.pain {
        fields.push((format!("pain.{site}"), pain.get().to_string()));
    }
    fields.extend([
        ("swelling".into(), entry.swelling.code().to_string()),
        ("redness".into(), entry.redness.code().to_string()),
        ("fatigue".into(), entry.fatigue.code().to_string()),
        ("bruising".into(), entry.bruising.code().to_string()),
        (
            "temperature".into(),
            entry.temperature.map(|t| t.to_string()).unwrap_or_default(),
        ),
        ("chills".into(), entry.chills.to_string()),
        (
            "pus_or_discharge".into(),
            entry.pus_or_discharge.to_string(),
        ),
        (
            "bleeding_not_stopping".into(),
            entry.bleeding_not_stopping.to_string(),
        ),
        (
            "swelling_growing".into(),
            entry.swelling_growing.to_string(),
        ),
        (
            "cannot_move_or_bear_weight".into(),
            entry.cannot_move_or_bear_weight.to_string(),
        ),
        (
            "new_numbness_or_weakness".into(),
            entry.new_numbness_or_weakness.to_string(),
        ),
        ("note".into(), entry.note.clone().unwrap_or_default()),
    ]);
    let borrowed: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    encode_fields(&borrowed)
}

/// Reads a stored entry back through the draft's validation.
fn stored_entry(row: &DiaryEntryRow) -> Result<StoredEntry> {
    let mut draft = DiaryDraft::default();
    for (key, value) in decode_fields(&row.fields) {
        let yes = value == "true";
        match key.as_str() {
            "day" => draft.day = value,
            "swelling" => draft.swelling = value,
            "redness" => draft.redness = value,
            "fatigue" => draft.fatigue = value,
            "bruising" => draft.bruising = value,
            "temperature" => draft.temperature = value,
            "chills" => draft.chills = yes,
            "pus_or_discharge" => draft.pus_or_discharge = yes,
            "bleeding_not_stopping" => draft.bleeding_not_stopping = yes,
            "swelling_growing" => draft.swelling_growing = yes,
            "cannot_move_or_bear_weight" => draft.cannot_move_or_bear_weight = yes,
            "new_numbness_or_weakness" => draft.new_numbness_or_weakness = yes,
            "note" => draft.note = value,
            other => {
                if let Some(site) = other.strip_prefix("pain.") {
                    draft.pain.push((site.to_string(), value));
                }
            }
        }
    }
    let entry = draft
        .validate()
        .map_err(|_| AppError::Internal(format!("diary entry {}: unreadable", row.id)))?;
    Ok(StoredEntry {
        id: row.id,
        session_id: SessionId::from_uuid(row.session_id),
        entry,
        entered_by: row.entered_by,
        entered_at: row.entered_at,
    })
}

/// A stored alert's flag, when its rule is still known.
fn flag_of(alert: &AlertRow) -> Option<RedFlag> {
    rule(&alert.rule).map(|rule| RedFlag {
        code: rule.code,
        severity: rule.severity,
    })
}

fn severity_of(alert: &AlertRow) -> Severity {
    match flag_of(alert) {
        Some(flag) => flag.severity,
        None if alert.severity == Severity::Urgent.code() => Severity::Urgent,
        None => Severity::High,
    }
}

/// What the diary alone cannot tell: where the session injected.
async fn triage_context(tx: &mut Tx, session: &TreatmentSession) -> Result<TriageContext> {
    let plan = tx.plan(session.plan_id).await?;
    Ok(TriageContext {
        spinal_injection: plan.plan.target_site == TargetSite::SpinalDisc,
    })
}

/// The diary day `now` falls on, when the diary is open.
fn diary_day(session: &TreatmentSession, now: DateTime<Utc>) -> Option<DiaryDay> {
    let elapsed = (now.date_naive() - session.starts_at.date_naive()).num_days();
    u8::try_from(elapsed).ok().and_then(DiaryDay::new)
}

fn out_of_range(limit: i64) -> AppError {
    AppError::Invalid(Issues(vec![Issue {
        field: "day".into(),
        code: IssueCode::OutOfRange,
        limit: u32::try_from(limit).ok(),
    }]))
}

fn audited_alert<'a>(
    alert: &AlertRow,
    action: AuditAction,
    after: Vec<(&'static str, String)>,
) -> Audited<'a> {
    Audited {
        action,
        entity: "triage_alert",
        entity_id: alert.id.to_string(),
        patient_id: Some(cellpath_domain::PatientId::from_uuid(alert.patient_id)),
        site_id: Some(SiteId::from_uuid(alert.site_id)),
        before: vec![],
        after,
    }
}

impl App {
    /// A session the actor may keep the diary of: a patient their own,
    /// staff their sites'. Anything else is "not found".
    async fn diary_session(
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
        let reachable = if actor.role == Role::Patient {
            actor.patient_id == Some(session.patient_id)
        } else {
            actor.sites.contains(&session.site_id)
        };
        if reachable {
            Ok(session)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Writes a diary entry for a session: the patient their own, or a
    /// clinician for a patient of their site. The diary is open from the
    /// day after the session (day 1) to day 14, and an entry is about a
    /// day that has come; otherwise `OutOfRange` on `day`. The entry, an
    /// alert for each red flag it raises and the audit entries are one
    /// transaction.
    pub async fn record_diary_entry(
        &self,
        actor: &Actor,
        session_id: SessionId,
        draft: &DiaryDraft,
    ) -> Result<DiaryOutcome> {
        authorize(actor, Action::KeepDiary)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = self.diary_session(&mut tx, actor, session_id).await?;
        if session.status == SessionStatus::Cancelled {
            return Err(invalid("session", IssueCode::NotApplicable));
        }
        let entry = draft.validate()?;
        let elapsed = (now.date_naive() - session.starts_at.date_naive()).num_days();
        if !(1..=i64::from(DIARY_DAYS)).contains(&elapsed) {
            return Err(out_of_range(i64::from(DIARY_DAYS)));
        }
        if i64::from(entry.day.get()) > elapsed {
            return Err(out_of_range(elapsed));
        }
        let context = triage_context(&mut tx, &session).await?;
        let earlier: Vec<DiaryEntry> = tx
            .diary_entries(session_id)
            .await?
            .iter()
            .map(|row| stored_entry(row).map(|s| s.entry))
            .collect::<Result<_>>()?;
        let flags = red_flags(&entry, &earlier, &context);
        let row = DiaryEntryRow {
            id: Uuid::now_v7(),
            session_id: session.id.as_uuid(),
            patient_id: session.patient_id.as_uuid(),
            site_id: session.site_id.as_uuid(),
            day: i64::from(entry.day.get()),
            fields: entry_fields(&entry),
            entered_by: actor.user_id.as_uuid(),
            entered_at: now,
        };
        tx.insert_diary_entry(&row).await?;
        for flag in &flags {
            let alert = AlertRow {
                id: Uuid::now_v7(),
                site_id: row.site_id,
                patient_id: row.patient_id,
                session_id: row.session_id,
                entry_id: row.id,
                rule: flag.code.to_string(),
                severity: flag.severity.code().to_string(),
                opened_at: now,
                owner_id: None,
                closed_at: None,
                closing_note: None,
                closed_by: None,
                version: 1,
            };
            tx.insert_alert(&alert).await?;
            let record = audited_alert(
                &alert,
                AuditAction::Create,
                vec![
                    ("rule", alert.rule.clone()),
                    ("severity", alert.severity.clone()),
                    ("entry", row.id.to_string()),
                ],
            )
            .record(Some(actor), now);
            tx.append_audit(&record).await?;
        }
        let codes: Vec<&str> = flags.iter().map(|f| f.code).collect();
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "diary_entry",
                entity_id: row.id.to_string(),
                patient_id: Some(session.patient_id),
                site_id: Some(session.site_id),
                before: vec![],
                after: vec![
                    ("session", session.id.to_string()),
                    ("day", row.day.to_string()),
                    ("flags", codes.join(" ")),
                ],
            },
        )
        .await?;
        Ok(DiaryOutcome {
            entry: StoredEntry {
                id: row.id,
                session_id,
                entry,
                entered_by: row.entered_by,
                entered_at: now,
            },
            call_clinic_now: !flags.is_empty(),
            flags,
        })
    }

    /// A session's diary: every entry with the flags it raised and what is
    /// expected on its day. The read is audited.
    pub async fn diary(&self, actor: &Actor, session_id: SessionId) -> Result<DiaryView> {
        authorize(actor, Action::KeepDiary)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = self.diary_session(&mut tx, actor, session_id).await?;
        let rows = tx.diary_entries(session_id).await?;
        let patient = tx.patient(session.patient_id).await?;
        let plan = tx.plan(session.plan_id).await?;
        let phone = tx.site_phone(session.site_id).await?;
        let mut alerts: HashMap<Uuid, Vec<AlertRow>> = HashMap::new();
        for alert in tx.alerts_of_session(session_id).await? {
            alerts.entry(alert.entry_id).or_default().push(alert);
        }
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let stored = stored_entry(row)?;
            let alerts = alerts.remove(&row.id).unwrap_or_default();
            let mut flags: Vec<RedFlag> = alerts.iter().filter_map(flag_of).collect();
            flags.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
            lines.push(DiaryLine {
                expected: expected_on(stored.entry.day).key(),
                stored,
                flags,
                alerts,
            });
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "diary",
                entity_id: session.id.to_string(),
                patient_id: Some(session.patient_id),
                site_id: Some(session.site_id),
                before: vec![],
                after: vec![("entries", lines.len().to_string())],
            },
        )
        .await?;
        Ok(DiaryView {
            patient_name: patient.full_name(),
            autologous: plan.plan.cell_source.is_autologous(),
            today: diary_day(&session, now),
            phone,
            session,
            lines,
        })
    }

    /// A site's open alerts, urgent first then the longest open, with who
    /// took each and the patient. The read is audited.
    pub async fn triage_queue(&self, actor: &Actor, site: SiteId) -> Result<Vec<TriageItem>> {
        authorize(actor, Action::TriageAlerts)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let alerts = tx.open_alerts(site).await?;
        let mut patients = HashMap::new();
        let mut owners: HashMap<Uuid, String> = HashMap::new();
        let mut items = Vec::with_capacity(alerts.len());
        for alert in alerts {
            let patient_id = cellpath_domain::PatientId::from_uuid(alert.patient_id);
            if let Entry::Vacant(vacant) = patients.entry(patient_id) {
                vacant.insert(tx.patient(patient_id).await?);
            }
            let patient = &patients[&patient_id];
            let owner_name = match alert.owner_id {
                Some(owner) => {
                    if let Entry::Vacant(vacant) = owners.entry(owner) {
                        vacant.insert(tx.user(owner).await?.display_name);
                    }
                    owners.get(&owner).cloned()
                }
                None => None,
            };
            items.push(TriageItem {
                severity: severity_of(&alert),
                owner_name,
                minutes_open: (now - alert.opened_at).num_minutes(),
                patient_name: patient.full_name(),
                record_number: patient.record_number.as_str().to_string(),
                alert,
            });
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "triage_queue",
                entity_id: site.to_string(),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![("open", items.len().to_string())],
            },
        )
        .await?;
        Ok(items)
    }

    /// An alert the actor may triage, at the version they saw; a later
    /// version is a conflict with the alert as it is now.
    async fn alert_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: Uuid,
        version: i64,
    ) -> Result<AlertRow> {
        let alert = match tx.alert(id).await {
            Ok(alert) => alert,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if !actor.sites.contains(&SiteId::from_uuid(alert.site_id)) {
            return Err(AppError::NotFound);
        }
        if alert.version != version {
            return Err(AppError::Conflict(Current::Alert(Box::new(alert))));
        }
        if alert.closed_at.is_some() {
            return Err(invalid("alert", IssueCode::AlreadyFinished));
        }
        Ok(alert)
    }

    async fn write_alert(
        &self,
        mut tx: Tx,
        actor: &Actor,
        now: DateTime<Utc>,
        mut alert: AlertRow,
        after: Vec<(&'static str, String)>,
    ) -> Result<AlertRow> {
        match tx.update_alert(&alert).await {
            Ok(version) => alert.version = version,
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict(Current::Alert(Box::new(
                    tx.alert(alert.id).await?,
                ))));
            }
            Err(other) => return Err(other.into()),
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            audited_alert(&alert, AuditAction::Update, after),
        )
        .await?;
        Ok(alert)
    }

    /// A clinician takes an open alert: they own the call back.
    pub async fn take_alert(&self, actor: &Actor, id: Uuid, version: i64) -> Result<AlertRow> {
        authorize(actor, Action::TriageAlerts)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut alert = self.alert_in_scope(&mut tx, actor, id, version).await?;
        alert.owner_id = Some(actor.user_id.as_uuid());
        self.write_alert(
            tx,
            actor,
            now,
            alert,
            vec![("owner", actor.username.clone())],
        )
        .await
    }

    /// A clinician closes an open alert with a note of what was done; it
    /// leaves the queue. Whoever closes an alert nobody took owns it.
    pub async fn close_alert(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        note: &str,
    ) -> Result<AlertRow> {
        authorize(actor, Action::TriageAlerts)?;
        let note = text::required("closing_note", note, LONG_MAX)
            .map_err(|issue| AppError::Invalid(Issues(vec![issue])))?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut alert = self.alert_in_scope(&mut tx, actor, id, version).await?;
        let closer = actor.user_id.as_uuid();
        alert.owner_id = alert.owner_id.or(Some(closer));
        alert.closed_at = Some(now);
        alert.closed_by = Some(closer);
        alert.closing_note = Some(note.clone());
        self.write_alert(
            tx,
            actor,
            now,
            alert,
            vec![("closed_by", actor.username.clone()), ("note", note)],
        )
        .await
    }
}
