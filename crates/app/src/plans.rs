//! Before the session: the site's protocol settings (versioned), treatment
//! plans, suitability screening and the physician's signed decision,
//! planned sessions, and their preparation checklists.

use crate::{Actor, App, AppError, Audited, Current, Result, authorize, commit_audited, invalid};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::consent::ConsentState;
use cellpath_domain::intake::{IntakeItem, IntakeKind};
use cellpath_domain::plan::{
    Decision, PlanDraft, PlanStatus, SessionStatus, TreatmentPlan, TreatmentSession, check_decision,
};
use cellpath_domain::preparation::{
    self, Completion, ReadinessReason, ReadinessReport, Task, TaskCode, TaskState,
};
use cellpath_domain::protocol::Protocol;
use cellpath_domain::screening::{self, Proposal, Screening};
use cellpath_domain::{Action, IssueCode, Issues, PatientId, PlanId, Role, SessionId, SiteId};
use cellpath_store::{StoreError, Tx};
use chrono::{DateTime, Duration, Utc};

/// A site's protocol as in force: its version (0 is the built-in defaults,
/// before the admin changes anything) and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolInForce {
    pub site_id: SiteId,
    pub version: i64,
    pub protocol: Protocol,
    pub note: Option<String>,
    pub changed_by: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// A plan with its live screening.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: TreatmentPlan,
    pub screening: Screening,
    pub sessions: Vec<TreatmentSession>,
}

/// A session's preparation: the dated tasks, what is done, and readiness.
#[derive(Debug, Clone)]
pub struct Preparation {
    pub session: TreatmentSession,
    pub plan: TreatmentPlan,
    pub tasks: Vec<Task>,
    pub states: Vec<TaskState>,
    pub readiness: ReadinessReport,
}

/// One line of the coordinator's board.
#[derive(Debug, Clone)]
pub struct BoardLine {
    pub patient_name: String,
    pub preparation: Preparation,
}

pub(crate) async fn protocol_in_force(
    tx: &mut Tx,
    site_id: SiteId,
    version: Option<i64>,
) -> Result<ProtocolInForce> {
    let stored = match version {
        Some(0) => None,
        Some(v) => Some(
            tx.protocol_version(site_id, v)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => tx.current_protocol(site_id).await?,
    };
    let Some(stored) = stored else {
        return Ok(ProtocolInForce {
            site_id,
            version: 0,
            protocol: Protocol::default(),
            note: None,
            changed_by: None,
            changed_at: None,
        });
    };
    let protocol = Protocol::from_fields(
        stored
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
    .map_err(|issues| AppError::Internal(format!("stored protocol unreadable: {issues}")))?;
    Ok(ProtocolInForce {
        site_id,
        version: stored.version,
        protocol,
        note: stored.note,
        changed_by: Some(stored.created_by),
        changed_at: Some(stored.created_at),
    })
}

async fn intake_of(tx: &mut Tx, patient: PatientId) -> Result<Vec<IntakeItem>> {
    let mut items = Vec::new();
    for kind in IntakeKind::ALL {
        items.extend(
            tx.intake_list(kind, patient)
                .await?
                .into_iter()
                .map(|e| e.item),
        );
    }
    Ok(items)
}

/// The protocol settings of a site at a version (`None`: in force now).
pub(crate) async fn protocol_for(
    tx: &mut Tx,
    site: SiteId,
    version: Option<i64>,
) -> Result<Protocol> {
    Ok(protocol_in_force(tx, site, version).await?.protocol)
}

fn proposal(plan: &TreatmentPlan, session_date: Option<DateTime<Utc>>) -> Proposal {
    Proposal {
        indication: plan.plan.indication,
        target_site: plan.plan.target_site,
        study_id: plan.plan.study_id.clone(),
        session_date: session_date.map(|d| d.date_naive()),
    }
}

fn site_of(actor: &Actor, site: SiteId) -> Result<SiteId> {
    if actor.sites.contains(&site) {
        Ok(site)
    } else {
        Err(AppError::NotFound)
    }
}

fn plan_conflict(err: StoreError, current: TreatmentPlan) -> AppError {
    match err {
        StoreError::Conflict { .. } => AppError::Conflict(Current::Plan(Box::new(current))),
        other => other.into(),
    }
}

impl App {
    /// The protocol in force at a site.
    pub async fn protocol(&self, actor: &Actor, site: SiteId) -> Result<ProtocolInForce> {
        authorize(actor, Action::ViewProtocol)?;
        let site = site_of(actor, site)?;
        let mut tx = self.begin().await?;
        protocol_in_force(&mut tx, site, None).await
    }

    /// Every version of a site's protocol, newest first (version 0, the defaults, last).
    pub async fn protocol_history(
        &self,
        actor: &Actor,
        site: SiteId,
    ) -> Result<Vec<ProtocolInForce>> {
        authorize(actor, Action::ViewProtocol)?;
        let site = site_of(actor, site)?;
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for stored in tx.protocol_history(site).await? {
            out.push(protocol_in_force(&mut tx, site, Some(stored.version)).await?);
        }
        out.push(protocol_in_force(&mut tx, site, Some(0)).await?);
        Ok(out)
    }

    /// Saves changed settings as the site's next protocol version. Settings
    /// not named keep their current value.
    pub async fn update_protocol(
        &self,
        actor: &Actor,
        site: SiteId,
        changes: &[(String, String)],
        note: &str,
    ) -> Result<ProtocolInForce> {
        authorize(actor, Action::EditProtocol)?;
        let site = site_of(actor, site)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = protocol_in_force(&mut tx, site, None).await?;
        let mut fields: Vec<(String, String)> = before
            .protocol
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for (name, value) in changes {
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value.clone(),
                None => fields.push((name.clone(), value.clone())),
            }
        }
        let protocol = Protocol::from_fields(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let note =
            cellpath_domain::text::optional("version_note", note, cellpath_domain::text::SHORT_MAX)
                .map_err(|issue| AppError::Invalid(Issues(vec![issue])))?;
        let after_fields = protocol.fields();
        let version = tx
            .insert_protocol_version(site, &after_fields, note.as_deref(), &actor.username, now)
            .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "protocol",
                entity_id: format!("{site}/{version}"),
                patient_id: None,
                site_id: Some(site),
                before: before.protocol.fields(),
                after: after_fields,
            },
        )
        .await?;
        Ok(ProtocolInForce {
            site_id: site,
            version,
            protocol,
            note,
            changed_by: Some(actor.username.clone()),
            changed_at: Some(now),
        })
    }

    /// Writes a plan for a patient (optionally repeating an earlier plan),
    /// refusing contradictions under the site's protocol.
    pub async fn create_plan(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        draft: &PlanDraft,
        previous: Option<PlanId>,
    ) -> Result<TreatmentPlan> {
        authorize(actor, Action::WritePlan)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let protocol = protocol_in_force(&mut tx, patient.site_id, None).await?;
        let plan = draft.validate(&protocol.protocol)?;
        if let Some(previous) = previous {
            let earlier = tx
                .plan(previous)
                .await
                .map_err(|_| invalid("previous_plan_id", IssueCode::UnknownCode))?;
            if earlier.patient_id != patient_id {
                return Err(invalid("previous_plan_id", IssueCode::UnknownCode));
            }
        }
        let record = TreatmentPlan {
            id: PlanId::new(),
            patient_id,
            site_id: patient.site_id,
            plan,
            previous_plan_id: previous,
            status: PlanStatus::Draft,
            decision: None,
            created_by: actor.username.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_plan(&record).await?;
        let mut after = record.plan.fields();
        after.push((
            "previous_plan_id",
            previous.map(|p| p.to_string()).unwrap_or_default(),
        ));
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "treatment_plan",
                entity_id: record.id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after,
            },
        )
        .await?;
        Ok(record)
    }

    /// Reads a plan the actor may reach (staff with `ViewPlans` at its site,
    /// or the patient it belongs to).
    pub(crate) async fn plan_in_scope(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: PlanId,
    ) -> Result<TreatmentPlan> {
        let plan = match tx.plan(id).await {
            Ok(plan) => plan,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        self.patient_in_scope(tx, actor, plan.patient_id).await?;
        Ok(plan)
    }

    fn may_view_plans(actor: &Actor) -> Result<()> {
        let action = if actor.role == Role::Patient {
            Action::ViewOwnRecord
        } else {
            Action::ViewPlans
        };
        authorize(actor, action)
    }

    /// A patient's plans, with their live screenings and sessions.
    pub async fn plans_of_patient(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> Result<Vec<PlanView>> {
        Self::may_view_plans(actor)?;
        let today = self.now().date_naive();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let intake = intake_of(&mut tx, patient_id).await?;
        let protocol = protocol_in_force(&mut tx, patient.site_id, None).await?;
        let sessions = tx.sessions_of_patient(patient_id).await?;
        let mut views = Vec::new();
        for plan in tx.plans_of_patient(patient_id).await? {
            let plan_sessions: Vec<TreatmentSession> = sessions
                .iter()
                .filter(|s| s.plan_id == plan.id)
                .cloned()
                .collect();
            let next = plan_sessions
                .iter()
                .find(|s| s.status == SessionStatus::Planned)
                .map(|s| s.starts_at);
            let screening =
                screening::screen(&proposal(&plan, next), &intake, &protocol.protocol, today);
            views.push(PlanView {
                plan,
                screening,
                sessions: plan_sessions,
            });
        }
        commit_audited(
            tx,
            Some(actor),
            self.now(),
            Audited {
                action: AuditAction::View,
                entity: "treatment_plan",
                entity_id: String::new(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![],
            },
        )
        .await?;
        Ok(views)
    }

    /// One plan with its live screening.
    pub async fn plan_view(&self, actor: &Actor, id: PlanId) -> Result<PlanView> {
        Self::may_view_plans(actor)?;
        let mut tx = self.begin().await?;
        let plan = self.plan_in_scope(&mut tx, actor, id).await?;
        drop(tx);
        self.plans_of_patient(actor, plan.patient_id)
            .await?
            .into_iter()
            .find(|v| v.plan.id == id)
            .ok_or(AppError::NotFound)
    }

    /// Signs the suitability decision of a draft plan. Going ahead over a
    /// finding for review needs a written justification; a plan that is not
    /// eligible cannot go ahead.
    pub async fn decide_plan(
        &self,
        actor: &Actor,
        id: PlanId,
        expected_version: i64,
        proceed: bool,
        justification: &str,
    ) -> Result<TreatmentPlan> {
        authorize(actor, Action::DecideSuitability)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.plan_in_scope(&mut tx, actor, id).await?;
        if before.version != expected_version || before.status != PlanStatus::Draft {
            return Err(AppError::Conflict(Current::Plan(Box::new(before))));
        }
        let intake = intake_of(&mut tx, before.patient_id).await?;
        let protocol = protocol_in_force(&mut tx, before.site_id, None).await?;
        let screening = screening::screen(
            &proposal(&before, None),
            &intake,
            &protocol.protocol,
            now.date_naive(),
        );
        let justification = check_decision(screening.outcome, proceed, justification)?;
        let after = TreatmentPlan {
            status: if proceed {
                PlanStatus::Approved
            } else {
                PlanStatus::Declined
            },
            decision: Some(Decision {
                proceed,
                outcome: screening.outcome,
                findings: screening
                    .findings
                    .iter()
                    .map(|f| (f.code, f.names.clone()))
                    .collect(),
                justification: justification.clone(),
                decided_by: actor.username.clone(),
                decided_at: now,
            }),
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        if let Err(err) = tx.decide_plan(&after, expected_version).await {
            let current = tx.plan(id).await?;
            return Err(plan_conflict(err, current));
        }
        let findings: Vec<String> = screening
            .findings
            .iter()
            .map(|f| f.code.code().to_string())
            .collect();
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "suitability_decision",
                entity_id: id.to_string(),
                patient_id: Some(before.patient_id),
                site_id: Some(before.site_id),
                before: vec![("status", before.status.code().to_string())],
                after: vec![
                    ("status", after.status.code().to_string()),
                    ("outcome", screening.outcome.code().to_string()),
                    ("findings", findings.join(",")),
                    ("justification", justification.unwrap_or_default()),
                ],
            },
        )
        .await?;
        Ok(after)
    }

    /// Puts the next session of an approved plan on a date and time, under
    /// the protocol version in force now.
    pub async fn schedule_session(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        starts_at: DateTime<Utc>,
    ) -> Result<TreatmentSession> {
        authorize(actor, Action::ScheduleSession)?;
        let now = self.now();
        if starts_at <= now {
            return Err(invalid("starts_at", IssueCode::OutOfRange));
        }
        let mut tx = self.begin().await?;
        let plan = self.plan_in_scope(&mut tx, actor, plan_id).await?;
        if plan.status != PlanStatus::Approved {
            return Err(invalid("plan", IssueCode::NotEligible));
        }
        if crate::consent::plan_consent_state(&mut tx, &plan).await? == ConsentState::Withdrawn {
            return Err(invalid("plan", IssueCode::ConsentWithdrawn));
        }
        let booked = tx
            .sessions_of_patient(plan.patient_id)
            .await?
            .iter()
            .filter(|s| s.plan_id == plan_id && s.status == SessionStatus::Planned)
            .count();
        if booked >= plan.plan.planned_sessions as usize {
            return Err(invalid("plan", IssueCode::OutOfRange));
        }
        let number = tx.next_session_number(plan_id).await?;
        let protocol = protocol_in_force(&mut tx, plan.site_id, None).await?;
        let template =
            cellpath_domain::scheduling::SessionTemplate::for_plan(&plan.plan, &protocol.protocol);
        let id = SessionId::new();
        let start = crate::scheduling::minute_of(starts_at);
        let session = TreatmentSession {
            id,
            plan_id,
            patient_id: plan.patient_id,
            site_id: plan.site_id,
            number,
            starts_at: crate::scheduling::at_minute(start),
            protocol_version: protocol.version,
            status: SessionStatus::Planned,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_treatment_session(&session).await?;
        let placed =
            crate::scheduling::book_steps(&mut tx, id, plan.site_id, &template, start).await?;
        if let Some(compose) = &self.reminders {
            let patient = tx.patient(plan.patient_id).await?;
            let intake = intake_of(&mut tx, plan.patient_id).await?;
            let site_name = tx.site(plan.site_id.as_uuid()).await?.name;
            let timeline =
                cellpath_domain::expectations::session_timeline(&plan.plan, &protocol.protocol);
            let notice = crate::outbox::BookingNotice {
                tasks: preparation::checklist(
                    &plan.plan,
                    &protocol.protocol,
                    session.starts_at,
                    &intake,
                ),
                visit_minutes: timeline.total.max,
                patient,
                session: session.clone(),
                plan: plan.clone(),
                site_name,
            };
            for message in compose(&notice) {
                crate::outbox::enqueue(&mut tx, message, now).await?;
            }
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "treatment_session",
                entity_id: session.id.to_string(),
                patient_id: Some(plan.patient_id),
                site_id: Some(plan.site_id),
                before: vec![],
                after: vec![
                    ("plan_id", plan_id.to_string()),
                    ("number", number.to_string()),
                    ("starts_at", session.starts_at.to_rfc3339()),
                    ("protocol_version", protocol.version.to_string()),
                    ("steps", crate::scheduling::describe(&placed)),
                ],
            },
        )
        .await?;
        Ok(session)
    }

    async fn preparation_in(&self, tx: &mut Tx, session: TreatmentSession) -> Result<Preparation> {
        let plan = tx.plan(session.plan_id).await?;
        let protocol =
            protocol_in_force(tx, session.site_id, Some(session.protocol_version)).await?;
        let intake = intake_of(tx, session.patient_id).await?;
        let mut tasks =
            preparation::checklist(&plan.plan, &protocol.protocol, session.starts_at, &intake);
        let ticks = tx.ticks(session.id).await?;
        let screening = screening::screen(
            &proposal(&plan, Some(session.starts_at)),
            &intake,
            &protocol.protocol,
            self.now().date_naive(),
        );
        let imaging_ok = !screening.findings.iter().any(|f| {
            matches!(
                f.code,
                screening::FindingCode::ImagingMissing | screening::FindingCode::ImagingStale
            )
        });
        let approved = plan.status == PlanStatus::Approved;
        tasks.sort_by_key(|t| t.due);
        let states: Vec<TaskState> = tasks
            .iter()
            .map(|t| TaskState {
                code: t.code,
                done: match (t.completion, t.code) {
                    (Completion::Auto, TaskCode::HistoryReview) => approved,
                    (Completion::Auto, TaskCode::ImagingOnFile) => imaging_ok,
                    (Completion::Auto, _) => true,
                    (Completion::PatientTicks, code) => {
                        ticks.iter().any(|tick| tick.task == code.code())
                    }
                },
            })
            .collect();
        let mut readiness = preparation::readiness(&tasks, &states, approved, self.now());
        match crate::consent::plan_consent_state(tx, &plan).await? {
            ConsentState::Valid => {}
            ConsentState::Missing => readiness.block(ReadinessReason::ConsentMissing),
            ConsentState::Outdated => readiness.block(ReadinessReason::ConsentOutdated),
            ConsentState::Withdrawn => readiness.block(ReadinessReason::ConsentWithdrawn),
        }
        Ok(Preparation {
            session,
            plan,
            tasks,
            states,
            readiness,
        })
    }

    /// A session's preparation checklist and readiness.
    pub async fn preparation(&self, actor: &Actor, session_id: SessionId) -> Result<Preparation> {
        if actor.role == Role::Patient {
            authorize(actor, Action::ViewOwnRecord)?;
        } else {
            authorize(actor, Action::ViewPlans)?;
        }
        let mut tx = self.begin().await?;
        let session = tx
            .treatment_session(session_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        self.patient_in_scope(&mut tx, actor, session.patient_id)
            .await?;
        self.preparation_in(&mut tx, session).await
    }

    /// A patient ticks (or unticks) one of their own preparation tasks.
    pub async fn tick_my_task(
        &self,
        actor: &Actor,
        session_id: SessionId,
        task: TaskCode,
        done: bool,
    ) -> Result<Preparation> {
        authorize(actor, Action::TickOwnPreparation)?;
        self.set_task(actor, session_id, task, done).await
    }

    /// Staff tracking preparation tick a task for the patient (who told them by phone, say).
    pub async fn tick_task_for_patient(
        &self,
        actor: &Actor,
        session_id: SessionId,
        task: TaskCode,
        done: bool,
    ) -> Result<Preparation> {
        authorize(actor, Action::TrackPreparation)?;
        self.set_task(actor, session_id, task, done).await
    }

    async fn set_task(
        &self,
        actor: &Actor,
        session_id: SessionId,
        task: TaskCode,
        done: bool,
    ) -> Result<Preparation> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let session = tx
            .treatment_session(session_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        self.patient_in_scope(&mut tx, actor, session.patient_id)
            .await?;
        let prep = self.preparation_in(&mut tx, session.clone()).await?;
        if !prep
            .tasks
            .iter()
            .any(|t| t.code == task && t.completion == Completion::PatientTicks)
        {
            return Err(invalid("task", IssueCode::UnknownCode));
        }
        tx.set_tick(session_id, task.code(), done, &actor.username, now)
            .await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "preparation_task",
                entity_id: format!("{session_id}/{}", task.code()),
                patient_id: Some(session.patient_id),
                site_id: Some(session.site_id),
                before: vec![],
                after: vec![("done", done.to_string())],
            },
        )
        .await?;
        let mut tx = self.begin().await?;
        self.preparation_in(&mut tx, session).await
    }

    /// The upcoming sessions of the actor's sites within `days`, each with its readiness.
    pub async fn preparation_board(&self, actor: &Actor, days: i64) -> Result<Vec<BoardLine>> {
        authorize(actor, Action::TrackPreparation)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut lines = Vec::new();
        for site in &actor.sites {
            for session in tx
                .sessions_of_site(*site, now, now + Duration::days(days.clamp(1, 90)))
                .await?
            {
                let patient = tx.patient(session.patient_id).await?;
                let preparation = self.preparation_in(&mut tx, session).await?;
                lines.push(BoardLine {
                    patient_name: patient.full_name(),
                    preparation,
                });
            }
        }
        Ok(lines)
    }

    /// A patient's own sessions and plans (portal).
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<TreatmentSession>> {
        authorize(actor, Action::ViewOwnRecord)?;
        let id = actor.patient_id.ok_or(AppError::NotFound)?;
        let mut tx = self.begin().await?;
        Ok(tx.sessions_of_patient(id).await?)
    }
}
