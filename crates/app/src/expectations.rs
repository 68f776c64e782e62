//! What to expect: the patient's session timeline and the clinic's answers
//! to common questions, which the admin edits in both languages.

use crate::{Actor, App, AppError, Audited, Result, authorize, commit_audited};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::expectations::{QUESTIONS, Timeline, session_timeline, starting_answer};
use cellpath_domain::plan::{PlanStatus, TreatmentPlan, TreatmentSession};
use cellpath_domain::text::{self, LONG_MAX, SHORT_MAX};
use cellpath_domain::{Action, Issue, IssueCode, Issues, Locale, Role, SiteId};
use cellpath_store::AnswerRow;
use chrono::{DateTime, Utc};

/// One answer as shown: the clinic's, or the starting text (version 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub question: &'static str,
    pub locale: Locale,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A patient's upcoming session with its timeline.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub plan: TreatmentPlan,
    pub session: Option<TreatmentSession>,
    pub timeline: Timeline,
}

/// What the portal's "what to expect" page shows.
#[derive(Debug, Clone)]
pub struct WhatToExpect {
    pub sessions: Vec<Expectation>,
    pub answers: Vec<Answer>,
}

async fn answers_of(
    tx: &mut cellpath_store::Tx,
    site: SiteId,
    locale: Locale,
) -> Result<Vec<Answer>> {
    let stored = tx.answers(site.as_uuid(), locale.code()).await?;
    Ok(QUESTIONS
        .iter()
        .filter_map(|q| match stored.iter().find(|a| a.question == *q) {
            Some(a) => Some(Answer {
                question: q,
                locale,
                title: a.title.clone(),
                body: a.body.clone(),
                version: a.version,
                updated_by: Some(a.updated_by.clone()),
                updated_at: Some(a.updated_at),
            }),
            None => starting_answer(q, locale).map(|(title, body)| Answer {
                question: q,
                locale,
                title: title.into(),
                body: body.into(),
                version: 0,
                updated_by: None,
                updated_at: None,
            }),
        })
        .collect())
}

impl App {
    /// The answers of a site in a language (staff of the site).
    pub async fn answers(
        &self,
        actor: &Actor,
        site: SiteId,
        locale: Locale,
    ) -> Result<Vec<Answer>> {
        authorize(actor, Action::ViewProtocol)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.begin().await?;
        answers_of(&mut tx, site, locale).await
    }

    /// The admin rewrites an answer in one language.
    pub async fn save_answer(
        &self,
        actor: &Actor,
        site: SiteId,
        question: &str,
        locale: Locale,
        title: &str,
        body: &str,
    ) -> Result<Answer> {
        authorize(actor, Action::ManagePatientTexts)?;
        if !actor.sites.contains(&site) {
            return Err(AppError::NotFound);
        }
        let mut issues = Issues::default();
        let question = QUESTIONS.iter().find(|q| **q == question).copied();
        if question.is_none() {
            issues.push(Issue::new("question", IssueCode::UnknownCode));
        }
        let title = issues.check(text::required("title", title, SHORT_MAX));
        let body = issues.check(text::required("body", body, LONG_MAX));
        let (Some(question), Some(title), Some(body)) = (question, title, body) else {
            return Err(AppError::Invalid(issues));
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let row = AnswerRow {
            site_id: site.as_uuid(),
            question: question.to_string(),
            locale: locale.code().to_string(),
            title: title.clone(),
            body: body.clone(),
            version: 0,
            updated_by: actor.username.clone(),
            updated_at: now,
        };
        let version = tx.save_answer(&row).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Update,
                entity: "answer",
                entity_id: format!("{site}/{question}/{}", locale.code()),
                patient_id: None,
                site_id: Some(site),
                before: vec![],
                after: vec![("title", title.clone()), ("version", version.to_string())],
            },
        )
        .await?;
        Ok(Answer {
            question,
            locale,
            title,
            body,
            version,
            updated_by: Some(actor.username.clone()),
            updated_at: Some(now),
        })
    }

    /// The patient's own "what to expect": each approved plan's next session
    /// with its timeline, and the clinic's answers in their language.
    pub async fn what_to_expect(&self, actor: &Actor, locale: Locale) -> Result<WhatToExpect> {
        authorize(actor, Action::ViewOwnRecord)?;
        if actor.role != Role::Patient {
            return Err(AppError::Forbidden(Action::ViewOwnRecord));
        }
        let patient_id = actor.patient_id.ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = tx.patient(patient_id).await?;
        let sessions = tx.sessions_of_patient(patient_id).await?;
        let mut out = Vec::new();
        for plan in tx.plans_of_patient(patient_id).await? {
            if plan.status != PlanStatus::Approved {
                continue;
            }
            let session = sessions
                .iter()
                .filter(|s| s.plan_id == plan.id && s.starts_at >= now)
                .min_by_key(|s| s.starts_at)
                .cloned();
            let version = session.as_ref().map(|s| s.protocol_version);
            let protocol = crate::plans::protocol_for(&mut tx, plan.site_id, version).await?;
            out.push(Expectation {
                timeline: session_timeline(&plan.plan, &protocol),
                plan,
                session,
            });
        }
        let answers = answers_of(&mut tx, patient.site_id, locale).await?;
        Ok(WhatToExpect {
            sessions: out,
            answers,
        })
    }
}
