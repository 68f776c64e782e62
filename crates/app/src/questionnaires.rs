//! Questionnaires: the shipped definitions (pain NRS, KOOS, Oswestry) and
//! their scoring, also offered to other systems as a service (scoring reads
//! and keeps no patient data, so it is not audited); a patient's answers
//! saved at follow-up timepoints, read back for the outcome chart, and the
//! cohort report of who improved.

use crate::{Actor, AppError, Audited, Result, authorize, commit_audited};
use cellpath_domain::audit::AuditAction;
use cellpath_domain::outcomes::{Answered, Timepoint, applicable, improved, origin};
use cellpath_domain::patient::Patient;
use cellpath_domain::plan::{
    CellSource, Indication, PlanStatus, SessionStatus, TargetSite, TreatmentPlan, TreatmentSession,
};
use cellpath_domain::questionnaire::{Definition, Score, Scores, definitions, read_answers, score};
use cellpath_domain::{Action, IssueCode, Issues, PatientId, PlanId, SessionId};
use cellpath_store::{ResponseRow, decode_fields, encode_fields};
use chrono::{DateTime, Utc};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

impl crate::App {
    /// The questionnaires the clinic can give, in a stable order.
    pub fn questionnaires(&self, _actor: &Actor) -> Vec<Definition> {
        definitions()
    }

    /// Scores `answers` (item code → value) to the questionnaire `code`:
    /// every score, `None` where too few items were answered; every
    /// unknown item or answer out of range is refused at once, by item.
    pub fn score_questionnaire(
        &self,
        _actor: &Actor,
        code: &str,
        answers: &BTreeMap<String, i64>,
    ) -> Result<Scores> {
        let definition = Definition::by_code(code).ok_or(AppError::NotFound)?;
        score(&definition, answers).map_err(AppError::Invalid)
    }
}

/// One answered questionnaire as stored, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub id: Uuid,
    pub code: String,
    pub plan_id: Option<PlanId>,
    pub session_id: Option<SessionId>,
    pub timepoint: Timepoint,
    /// Item code and answer, as given.
    pub answers: BTreeMap<String, i64>,
    pub scores: Scores,
    pub answered_by: Uuid,
    pub answered_at: DateTime<Utc>,
}

impl StoredResponse {
    /// As outcomes read it.
    pub fn answered(&self) -> Answered {
        Answered {
            timepoint: self.timepoint,
            answered_at: self.answered_at,
            scores: self.scores.clone(),
        }
    }
}

/// A patient's questionnaires: which apply, what was answered, and the
/// sessions the outcome chart marks.
#[derive(Debug, Clone)]
pub struct PatientOutcomes {
    pub patient: Patient,
    /// The questionnaires the patient's plans call for, NRS first.
    pub applicable: Vec<Definition>,
    /// Oldest first.
    pub responses: Vec<StoredResponse>,
    /// Every session that was not cancelled, in time order, across plans.
    pub sessions: Vec<TreatmentSession>,
}

impl PatientOutcomes {
    /// The day the chart's x axis starts.
    pub fn origin(&self) -> Option<chrono::NaiveDate> {
        let days: Vec<chrono::NaiveDate> = self
            .sessions
            .iter()
            .map(|s| s.starts_at.date_naive())
            .collect();
        let answered: Vec<Answered> = self
            .responses
            .iter()
            .map(StoredResponse::answered)
            .collect();
        origin(&days, &answered)
    }

    /// The responses to one questionnaire, as outcomes read them.
    pub fn answered(&self, code: &str) -> Vec<Answered> {
        self.responses
            .iter()
            .filter(|r| r.code == code)
            .map(StoredResponse::answered)
            .collect()
    }
}

/// A cohort's order: indication, cell source and questionnaire codes.
type CohortKey = (&'static str, &'static str, String);
/// A cohort: indication, cell source and questionnaire.
type Group = (Indication, CellSource, String);
/// Each patient's answers to one questionnaire.
type PatientsAnswers = BTreeMap<Uuid, Vec<Answered>>;

/// One row of the cohort report: a group of plans (indication and cell
/// source) and one score of one questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    pub indication: Indication,
    pub cell_source: CellSource,
    pub questionnaire: String,
    pub score: String,
    /// Patients with at least one value of the score.
    pub patients: usize,
    /// Patients with a baseline and a later value.
    pub compared: usize,
    /// Of those compared, the ones improved by the minimal important change.
    pub improved: usize,
}

fn encode_scores(scores: &Scores) -> String {
    let fields: Vec<(&str, String)> = scores
        .0
        .iter()
        .map(|s| {
            (
                s.code.as_str(),
                s.value.map(|v| v.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    encode_fields(&fields)
}

pub(crate) fn stored_response(row: &ResponseRow) -> Result<StoredResponse> {
    let corrupt = || AppError::Internal(format!("questionnaire response {}: unreadable", row.id));
    let timepoint = Timepoint::parse("timepoint", &row.timepoint).map_err(|_| corrupt())?;
    let mut answers = BTreeMap::new();
    for (item, value) in decode_fields(&row.answers) {
        answers.insert(item, value.parse::<i64>().map_err(|_| corrupt())?);
    }
    let mut scores = Vec::new();
    for (code, value) in decode_fields(&row.scores) {
        let value = if value.is_empty() {
            None
        } else {
            Some(value.parse::<f64>().map_err(|_| corrupt())?)
        };
        scores.push(Score { code, value });
    }
    // The stored object comes back with its keys sorted (jsonb, and
    // serde_json's map): put the scores back in the instrument's order.
    if let Some(definition) = Definition::by_code(&row.code) {
        let rank = |code: &str| {
            definition
                .scores()
                .iter()
                .position(|rule| rule.code == code)
                .unwrap_or(usize::MAX)
        };
        scores.sort_by_key(|score| rank(&score.code));
    }
    Ok(StoredResponse {
        id: row.id,
        code: row.code.clone(),
        plan_id: row.plan_id.map(PlanId::from_uuid),
        session_id: row.session_id.map(SessionId::from_uuid),
        timepoint,
        answers,
        scores: Scores(scores),
        answered_by: row.answered_by,
        answered_at: row.answered_at,
    })
}

/// Whether a plan is one a questionnaire follows up: any plan for the NRS,
/// a knee for KOOS, the spine for the ODI.
fn plan_fits(code: &str, plan: &TreatmentPlan) -> bool {
    applicable(&[plan.plan.target_site]).contains(&code)
}

fn target_sites(plans: &[TreatmentPlan]) -> Vec<TargetSite> {
    plans
        .iter()
        .filter(|p| p.status != PlanStatus::Declined)
        .map(|p| p.plan.target_site)
        .collect()
}

impl crate::App {
    /// Saves a patient's answers to questionnaire `code` at `timepoint`:
    /// staff (physician or nurse) for a patient of their sites, or the
    /// patient their own. The form's answers are read and scored by the
    /// domain; every problem is refused at once, by item (`answers.ITEM`),
    /// with `timepoint` and `code` (one the patient's plans do not call
    /// for is `NotApplicable`); nothing answered at all is `Required` on
    /// `answers`. The response is linked to the latest plan
    /// it follows up and that plan's latest session so far. Audited.
    pub async fn answer_questionnaire(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        code: &str,
        timepoint: &str,
        form: &[(String, String)],
    ) -> Result<StoredResponse> {
        authorize(actor, Action::AnswerQuestionnaires)?;
        let definition = Definition::by_code(code).ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let plans = tx.plans_of_patient(patient_id).await?;
        let mut issues = Issues::default();
        if !applicable(&target_sites(&plans)).contains(&definition.code()) {
            issues.add("code", IssueCode::NotApplicable);
        }
        let timepoint = issues.check(Timepoint::parse("timepoint", timepoint));
        let answers = match read_answers(&definition, form) {
            // Nothing answered is not a response, even where no single
            // item is required.
            Ok(answers) if answers.is_empty() => {
                issues.add("answers", IssueCode::Required);
                None
            }
            Ok(answers) => Some(answers),
            Err(problems) => {
                issues.0.extend(problems.0);
                None
            }
        };
        let (Some(timepoint), Some(answers)) = (timepoint, answers) else {
            return Err(AppError::Invalid(issues));
        };
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let scores = score(&definition, &answers)?;
        let plan = plans
            .iter()
            .rev()
            .find(|p| p.status != PlanStatus::Declined && plan_fits(definition.code(), p));
        let session = match plan {
            Some(plan) => tx
                .sessions_of_patient(patient_id)
                .await?
                .into_iter()
                .rfind(|s| {
                    s.plan_id == plan.id
                        && s.status != SessionStatus::Cancelled
                        && s.starts_at <= now
                }),
            None => None,
        };
        let answer_fields: Vec<(&str, String)> = answers
            .iter()
            .map(|(item, value)| (item.as_str(), value.to_string()))
            .collect();
        let row = ResponseRow {
            id: Uuid::now_v7(),
            patient_id: patient_id.as_uuid(),
            site_id: patient.site_id.as_uuid(),
            plan_id: plan.map(|p| p.id.as_uuid()),
            session_id: session.as_ref().map(|s| s.id.as_uuid()),
            code: definition.code().to_string(),
            timepoint: timepoint.code().to_string(),
            answers: encode_fields(&answer_fields),
            scores: encode_scores(&scores),
            answered_by: actor.user_id.as_uuid(),
            answered_at: now,
        };
        tx.insert_response(&row).await?;
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::Create,
                entity: "questionnaire_response",
                entity_id: row.id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![
                    ("code", row.code.clone()),
                    ("timepoint", row.timepoint.clone()),
                    ("scores", row.scores.clone()),
                ],
            },
        )
        .await?;
        stored_response(&row)
    }

    /// A patient's questionnaires: which apply, every response with its
    /// scores, and their sessions across plans (for the chart). Staff at
    /// the patient's site, or the patient. The read is audited.
    pub async fn responses_of_patient(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> Result<PatientOutcomes> {
        authorize(actor, Action::AnswerQuestionnaires)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let patient = self.patient_in_scope(&mut tx, actor, patient_id).await?;
        let plans = tx.plans_of_patient(patient_id).await?;
        let responses: Vec<StoredResponse> = tx
            .responses_of_patient(patient_id)
            .await?
            .iter()
            .map(stored_response)
            .collect::<Result<_>>()?;
        let sessions: Vec<TreatmentSession> = tx
            .sessions_of_patient(patient_id)
            .await?
            .into_iter()
            .filter(|s| s.status != SessionStatus::Cancelled)
            .collect();
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "questionnaire_responses",
                entity_id: patient_id.to_string(),
                patient_id: Some(patient_id),
                site_id: Some(patient.site_id),
                before: vec![],
                after: vec![("responses", responses.len().to_string())],
            },
        )
        .await?;
        Ok(PatientOutcomes {
            applicable: applicable(&target_sites(&plans))
                .into_iter()
                .filter_map(Definition::by_code)
                .collect(),
            patient,
            responses,
            sessions,
        })
    }

    /// The cohort report of the actor's sites: by indication and cell
    /// source, for each score, how many patients answered, how many have a
    /// baseline and a later value, and how many of those improved by the
    /// minimal important change (`Definition::improved`, latest against
    /// baseline). A response counts under the plan it is linked to, else
    /// under the patient's latest plan; patients without a plan are left
    /// out. The read is audited.
    pub async fn outcome_cohorts(&self, actor: &Actor) -> Result<Vec<CohortRow>> {
        authorize(actor, Action::ViewOutcomes)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        // (indication, cell source, questionnaire) -> patient -> responses,
        // ordered by the codes.
        let mut groups: BTreeMap<CohortKey, (Group, PatientsAnswers)> = BTreeMap::new();
        for site in &actor.sites {
            let rows = tx.responses_of_site(*site).await?;
            let mut plans_of: HashMap<Uuid, Vec<TreatmentPlan>> = HashMap::new();
            for row in &rows {
                if let Entry::Vacant(vacant) = plans_of.entry(row.patient_id) {
                    vacant.insert(
                        tx.plans_of_patient(PatientId::from_uuid(row.patient_id))
                            .await?,
                    );
                }
                let plans = &plans_of[&row.patient_id];
                let plan = row
                    .plan_id
                    .and_then(|id| plans.iter().find(|p| p.id.as_uuid() == id))
                    .or_else(|| {
                        plans
                            .iter()
                            .rev()
                            .find(|p| p.status != PlanStatus::Declined)
                    });
                let Some(plan) = plan else { continue };
                let response = stored_response(row)?;
                let (indication, source) = (plan.plan.indication, plan.plan.cell_source);
                groups
                    .entry((indication.code(), source.code(), row.code.clone()))
                    .or_insert_with(|| ((indication, source, row.code.clone()), BTreeMap::new()))
                    .1
                    .entry(row.patient_id)
                    .or_default()
                    .push(response.answered());
            }
        }
        let mut report = Vec::new();
        for ((indication, cell_source, code), patients) in groups.into_values() {
            let Some(definition) = Definition::by_code(&code) else {
                continue;
            };
            for rule in definition.scores() {
                let mut row = CohortRow {
                    indication,
                    cell_source,
                    questionnaire: code.clone(),
                    score: rule.code.clone(),
                    patients: 0,
                    compared: 0,
                    improved: 0,
                };
                for answered in patients.values() {
                    if answered.iter().any(|a| a.scores.get(&rule.code).is_some()) {
                        row.patients += 1;
                    }
                    match improved(&definition, answered, &rule.code) {
                        Some(true) => {
                            row.compared += 1;
                            row.improved += 1;
                        }
                        Some(false) => row.compared += 1,
                        None => {}
                    }
                }
                report.push(row);
            }
        }
        commit_audited(
            tx,
            Some(actor),
            now,
            Audited {
                action: AuditAction::View,
                entity: "outcome_cohorts",
                entity_id: actor
                    .sites
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                patient_id: None,
                site_id: actor.sites.first().copied(),
                before: vec![],
                after: vec![("rows", report.len().to_string())],
            },
        )
        .await?;
        Ok(report)
    }
}
