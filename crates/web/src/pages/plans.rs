//! Pages before the session: the admin's protocol settings, a patient's
//! treatment plans with their live screening and the physician's signed
//! decision, scheduling, the coordinator's preparation board, and the
//! preparation checklists for staff and for the patient in the portal.
//!
//! Handlers read the form, call the use case and render; everything shown
//! here is a catalogue key, codes included (`indication-osteoarthritis`,
//! `finding-nsaid-pause`, `task-stop-nsaids`, `readiness-at-risk`).

use super::{
    Choice, Ctx, FieldSpec, FormState, PageForm, app_error, choices, chosen_site, code_key, field,
    label, parse_id, plan_heading, render, render_status, require, require_staff, select,
};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::plans::{PlanView, Preparation, ProtocolInForce};
use cellpath_app::{Actor, AppError, Current};
use cellpath_domain::plan::{
    Anaesthesia, CellSource, Guidance, Indication, PlanDraft, PlanStatus, Side, TargetSite,
    TreatmentSession,
};
use cellpath_domain::preparation::{Completion, ReadinessReason, Task, TaskCode};
use cellpath_domain::protocol::SETTING_NAMES;
use cellpath_domain::screening::{FindingCode, Severity};
use cellpath_domain::{Action, Issue, IssueCode, Issues, Locale, PatientId, PlanId, Role, SiteId};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// How far ahead the coordinator's board looks.
const BOARD_DAYS: i64 = 14;

/// Names as a list in the user's language.
fn name_list(locale: Locale, names: &[String]) -> String {
    let separator = if locale == Locale::Ar { "، " } else { ", " };
    names.join(separator)
}

fn not_found<T, E>(locale: Locale) -> impl Fn(E) -> Result<T, PageError> {
    move |_| Err(PageError::NotFound(locale))
}

// ---- the protocol (admin) ----

pub struct SiteLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

pub struct SettingField {
    pub spec: FieldSpec,
    pub hint: Option<String>,
}

pub struct HistoryRow {
    pub version: String,
    pub who: String,
    pub when: String,
    pub note: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "protocol.html")]
struct ProtocolPage {
    ctx: Ctx,
    site: String,
    site_name: String,
    sites: Vec<SiteLink>,
    in_force: String,
    note: Option<String>,
    settings: Vec<SettingField>,
    note_field: FieldSpec,
    form: FormState,
    history: Vec<HistoryRow>,
}

#[derive(serde::Deserialize)]
struct SiteQuery {
    site: Option<String>,
}

fn setting_fields(locale: Locale) -> Vec<SettingField> {
    SETTING_NAMES
        .iter()
        .filter(|name| **name != "version_note")
        .map(|name| {
            let key = code_key("setting", name);
            let list = matches!(*name, "follow_up_days" | "follow_up_seen_by");
            SettingField {
                spec: field(
                    locale,
                    &key,
                    name,
                    if list { "text" } else { "number" },
                    true,
                ),
                hint: list.then(|| tr(locale, &format!("{key}-hint"))),
            }
        })
        .collect()
}

fn history_rows(locale: Locale, history: &[ProtocolInForce]) -> Vec<HistoryRow> {
    history
        .iter()
        .enumerate()
        .map(|(idx, version)| {
            let changes = match history.get(idx + 1) {
                Some(older) => {
                    let before = older.protocol.fields();
                    version
                        .protocol
                        .fields()
                        .into_iter()
                        .zip(before)
                        .filter(|((_, after), (_, before))| after != before)
                        .map(|((name, after), (_, before))| {
                            tr_args(
                                locale,
                                "protocol-change",
                                &[
                                    ("setting", label(locale, "setting", name)),
                                    ("before", locale.digits(&before)),
                                    ("after", locale.digits(&after)),
                                ],
                            )
                        })
                        .collect()
                }
                None => vec![tr(locale, "protocol-defaults-row")],
            };
            HistoryRow {
                version: locale.number(version.version),
                who: version.changed_by.clone().unwrap_or_default(),
                when: version
                    .changed_at
                    .map(|at| locale.date_time(at))
                    .unwrap_or_default(),
                note: version.note.clone().unwrap_or_default(),
                changes,
            }
        })
        .collect()
}

async fn protocol_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    form: Option<FormState>,
) -> Result<ProtocolPage, PageError> {
    let locale = viewer.locale;
    let history = state
        .app
        .protocol_history(actor, site)
        .await
        .map_err(app_error(locale))?;
    let sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let in_force = history.first().ok_or(PageError::Internal(locale))?;
    let form = form.unwrap_or_else(|| {
        FormState::from_values(
            in_force
                .protocol
                .fields()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    });
    let site_name = |id: SiteId| {
        sites
            .iter()
            .find(|s| s.id == id.as_uuid())
            .map(|s| format!("{} ({})", s.name, s.code))
            .unwrap_or_default()
    };
    Ok(ProtocolPage {
        site: site.to_string(),
        site_name: site_name(site),
        sites: actor
            .sites
            .iter()
            .map(|id| SiteLink {
                href: format!("/admin/protocol?site={id}"),
                label: site_name(*id),
                current: *id == site,
            })
            .collect(),
        in_force: match (&in_force.changed_by, in_force.changed_at) {
            (Some(who), Some(at)) => tr_args(
                locale,
                "protocol-in-force",
                &[
                    ("version", locale.number(in_force.version)),
                    ("who", who.clone()),
                    ("date", locale.date_time(at)),
                ],
            ),
            _ => tr(locale, "protocol-defaults"),
        },
        note: in_force.note.clone(),
        settings: setting_fields(locale),
        note_field: field(
            locale,
            "setting-version-note",
            "version_note",
            "textarea",
            false,
        ),
        form,
        history: history_rows(locale, &history),
        ctx: Ctx::new(viewer),
    })
}

async fn show_protocol(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<SiteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::EditProtocol)?;
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(viewer.locale));
    };
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let page = protocol_page(&state, &viewer, actor, site, None).await?;
    render(viewer.locale, &page)
}

async fn update_protocol(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::EditProtocol)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let changes: Vec<(String, String)> = SETTING_NAMES
        .iter()
        .filter(|name| **name != "version_note" && form.0.contains_key(**name))
        .map(|name| (name.to_string(), form.get(name)))
        .collect();
    match state
        .app
        .update_protocol(actor, site, &changes, &form.get("version_note"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/protocol?site={site}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            let page = protocol_page(&state, &viewer, actor, site, Some(failed)).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ---- a patient's treatment plans ----

pub struct Fact {
    pub label: String,
    pub value: String,
}

pub struct FindingLine {
    pub severity_code: &'static str,
    pub severity: String,
    pub text: String,
}

pub struct DecisionView {
    pub signed: String,
    pub justification: Option<String>,
    pub findings: Vec<String>,
}

pub struct SessionLine {
    pub text: String,
    pub status: String,
    pub protocol_version: String,
    pub href: String,
    pub id: String,
    pub version: i64,
    /// Move and cancel forms: a planned session not begun, for a role that schedules.
    pub changeable: bool,
    /// Each booked step with its times and resources.
    pub steps: Vec<String>,
}

/// A plan, its screening, decision and sessions, with the forms that act on it.
pub struct PlanCard {
    pub id: String,
    pub version: i64,
    pub heading: String,
    pub status_code: &'static str,
    pub status: String,
    pub facts: Vec<Fact>,
    pub written: String,
    pub repeats: Option<String>,
    pub outcome_code: &'static str,
    pub outcome: String,
    pub findings: Vec<FindingLine>,
    pub decision: Option<DecisionView>,
    pub sessions: Vec<SessionLine>,
    /// The decision form, on a draft plan for a physician.
    pub decide: Option<FormState>,
    /// The scheduling form, on an approved plan with sessions left.
    pub schedule: Option<FormState>,
    pub justification: FieldSpec,
    pub starts_at: FieldSpec,
    pub decision_choices: Vec<Choice>,
    /// Why the last booking was refused: every clash in words.
    pub clashes: Vec<String>,
    /// The free-times search, next to the scheduling form.
    pub free: super::booking::FreeTimes,
}

#[derive(Template)]
#[template(path = "plans.html")]
pub(super) struct PlansPage {
    ctx: Ctx,
    patient_id: String,
    name: String,
    banner: Option<String>,
    pub(super) plans: Vec<PlanCard>,
    may_write: bool,
    plan_fields: Vec<FieldSpec>,
    new_plan: FormState,
    follow_ups: Vec<FollowUpLine>,
}

/// Which form of the plans page failed, to show its problems in place.
pub(super) enum FailedForm {
    NewPlan,
    Decision(PlanId),
    Schedule(PlanId),
    /// A booking refused because resources were taken: every clash in words.
    Clash(PlanId, Vec<String>),
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|c| code(*c)).collect()
}

fn plan_fields(locale: Locale, plans: &[PlanView]) -> Vec<FieldSpec> {
    let previous = FieldSpec {
        choices: plans
            .iter()
            .map(|v| Choice {
                value: v.plan.id.to_string(),
                label: format!(
                    "{} ({})",
                    plan_heading(locale, &v.plan.plan),
                    locale.date(v.plan.created_at.date_naive())
                ),
            })
            .collect(),
        ..field(
            locale,
            "field-plan-previous",
            "previous_plan_id",
            "select",
            false,
        )
    };
    vec![
        select(
            locale,
            "field-plan-indication",
            "indication",
            "indication",
            &codes(Indication::ALL, Indication::code),
            true,
        ),
        select(
            locale,
            "field-plan-target-site",
            "target_site",
            "target-site",
            &codes(TargetSite::ALL, TargetSite::code),
            true,
        ),
        select(
            locale,
            "field-plan-side",
            "side",
            "side",
            &codes(Side::ALL, Side::code),
            true,
        ),
        field(
            locale,
            "field-plan-spinal-level",
            "spinal_level",
            "text",
            false,
        ),
        select(
            locale,
            "field-plan-cell-source",
            "cell_source",
            "cell-source",
            &codes(CellSource::ALL, CellSource::code),
            true,
        ),
        select(
            locale,
            "field-plan-guidance",
            "guidance",
            "guidance",
            &codes(Guidance::ALL, Guidance::code),
            true,
        ),
        select(
            locale,
            "field-plan-anaesthesia",
            "anaesthesia",
            "anaesthesia",
            &codes(Anaesthesia::ALL, Anaesthesia::code),
            true,
        ),
        field(
            locale,
            "field-plan-planned-sessions",
            "planned_sessions",
            "number",
            true,
        ),
        field(locale, "field-plan-study-id", "study_id", "text", false),
        previous,
    ]
}

/// A screening finding in words, naming what caused it.
fn finding_text(
    locale: Locale,
    code: FindingCode,
    names: &[String],
    date: Option<NaiveDate>,
) -> String {
    let names = ("names", name_list(locale, names));
    match (code, date) {
        (FindingCode::NsaidPause, Some(date)) => tr_args(
            locale,
            "finding-nsaid-pause-dated",
            &[names, ("date", locale.date(date))],
        ),
        (FindingCode::ImagingStale, Some(date)) => tr_args(
            locale,
            "finding-imaging-stale",
            &[("date", locale.date(date))],
        ),
        (FindingCode::ImagingStale, None) => {
            tr_args(locale, "finding-imaging-stale", &[("date", String::new())])
        }
        _ => tr_args(locale, &code_key("finding", code.code()), &[names]),
    }
}

fn severity_code(severity: Severity) -> &'static str {
    match severity {
        Severity::Action => "action",
        Severity::Review => "review",
        Severity::Exclusion => "exclusion",
    }
}

fn session_line(locale: Locale, session: &TreatmentSession, href: String) -> SessionLine {
    SessionLine {
        text: tr_args(
            locale,
            "session-line",
            &[
                ("number", locale.number(session.number)),
                ("date", locale.date_time(session.starts_at)),
            ],
        ),
        status: label(locale, "session-status", session.status.code()),
        protocol_version: tr_args(
            locale,
            "session-protocol-version",
            &[("version", locale.number(session.protocol_version))],
        ),
        href,
        id: session.id.to_string(),
        version: session.version,
        changeable: false,
        steps: Vec::new(),
    }
}

fn plan_card(
    locale: Locale,
    actor: &Actor,
    view: &PlanView,
    all: &[PlanView],
    failed: &mut Option<(FailedForm, FormState)>,
) -> PlanCard {
    let record = &view.plan;
    let plan = &record.plan;
    let id = record.id;
    let clashes = match failed {
        Some((FailedForm::Clash(plan, messages), _)) if *plan == id => messages.clone(),
        _ => Vec::new(),
    };
    let mut take = |wanted: fn(&FailedForm) -> Option<PlanId>| match failed {
        Some((form, _)) if wanted(form) == Some(id) => failed.take().map(|(_, state)| state),
        _ => None,
    };
    let decide_failed = take(|f| match f {
        FailedForm::Decision(p) => Some(*p),
        _ => None,
    });
    let schedule_failed = take(|f| match f {
        FailedForm::Schedule(p) | FailedForm::Clash(p, _) => Some(*p),
        _ => None,
    });
    let fact = |key: &str, value: String| Fact {
        label: tr(locale, key),
        value,
    };
    let mut facts = vec![
        fact(
            "field-plan-indication",
            label(locale, "indication", plan.indication.code()),
        ),
        fact(
            "field-plan-target-site",
            label(locale, "target-site", plan.target_site.code()),
        ),
        fact("field-plan-side", label(locale, "side", plan.side.code())),
    ];
    if let Some(level) = &plan.spinal_level {
        facts.push(fact("field-plan-spinal-level", level.clone()));
    }
    facts.extend([
        fact(
            "field-plan-cell-source",
            label(locale, "cell-source", plan.cell_source.code()),
        ),
        fact(
            "field-plan-guidance",
            label(locale, "guidance", plan.guidance.code()),
        ),
        fact(
            "field-plan-anaesthesia",
            label(locale, "anaesthesia", plan.anaesthesia.code()),
        ),
        fact(
            "field-plan-planned-sessions",
            locale.number(i64::from(plan.planned_sessions)),
        ),
    ]);
    if let Some(study) = &plan.study_id {
        facts.push(fact("field-plan-study-id", study.clone()));
    }
    let decision = record.decision.as_ref().map(|d| DecisionView {
        signed: tr_args(
            locale,
            if d.proceed {
                "decision-signed-proceed"
            } else {
                "decision-signed-decline"
            },
            &[
                ("who", d.decided_by.clone()),
                ("date", locale.date_time(d.decided_at)),
            ],
        ),
        justification: d.justification.clone(),
        findings: d
            .findings
            .iter()
            .map(|(code, names)| finding_text(locale, *code, names, None))
            .collect(),
    });
    let live_sessions = view
        .sessions
        .iter()
        .filter(|s| s.status == cellpath_domain::plan::SessionStatus::Planned)
        .count();
    let sessions_left = live_sessions < plan.planned_sessions as usize;
    PlanCard {
        id: id.to_string(),
        version: record.version,
        heading: plan_heading(locale, plan),
        status_code: record.status.code(),
        status: label(locale, "plan-status", record.status.code()),
        facts,
        written: tr_args(
            locale,
            "plan-written",
            &[
                ("who", record.created_by.clone()),
                ("date", locale.date(record.created_at.date_naive())),
            ],
        ),
        repeats: record.previous_plan_id.and_then(|previous| {
            all.iter().find(|v| v.plan.id == previous).map(|v| {
                tr_args(
                    locale,
                    "plan-repeats",
                    &[("date", locale.date(v.plan.created_at.date_naive()))],
                )
            })
        }),
        outcome_code: view.screening.outcome.code(),
        outcome: label(locale, "outcome", view.screening.outcome.code()),
        findings: view
            .screening
            .findings
            .iter()
            .map(|f| FindingLine {
                severity_code: severity_code(f.severity),
                severity: label(locale, "severity", severity_code(f.severity)),
                text: finding_text(locale, f.code, &f.names, f.date),
            })
            .collect(),
        decision,
        sessions: view
            .sessions
            .iter()
            .map(|s| session_line(locale, s, format!("/sessions/{}/preparation", s.id)))
            .collect(),
        decide: (record.status == PlanStatus::Draft && actor.may(Action::DecideSuitability))
            .then(|| decide_failed.unwrap_or_default()),
        schedule: (record.status == PlanStatus::Approved
            && actor.may(Action::ScheduleSession)
            && sessions_left)
            .then(|| schedule_failed.unwrap_or_default()),
        justification: field(
            locale,
            "field-justification",
            "justification",
            "textarea",
            false,
        ),
        starts_at: field(
            locale,
            "field-starts-at",
            "starts_at",
            "datetime-local",
            true,
        ),
        decision_choices: choices(locale, "decision", &["proceed", "decline"]),
        clashes,
        free: super::booking::FreeTimes::new(),
    }
}

pub(super) async fn plans_page(
    state: &AppState,
    viewer: &Viewer,
    patient_id: PatientId,
    failed: Option<(FailedForm, FormState)>,
    banner: Option<String>,
) -> Result<PlansPage, PageError> {
    let actor = require_staff(viewer)?;
    let locale = viewer.locale;
    let chart = state
        .app
        .patient_chart(actor, patient_id)
        .await
        .map_err(app_error(locale))?;
    let views = state
        .app
        .plans_of_patient(actor, patient_id)
        .await
        .map_err(app_error(locale))?;
    let mut failed = failed;
    let new_plan = match failed {
        Some((FailedForm::NewPlan, _)) => failed.take().map(|(_, form)| form),
        _ => None,
    }
    .unwrap_or_else(|| {
        FormState::from_values([("planned_sessions".to_string(), "1".to_string())].into())
    });
    let mut plans: Vec<PlanCard> = views
        .iter()
        .map(|view| plan_card(locale, actor, view, &views, &mut failed))
        .collect();
    for (card, view) in plans.iter_mut().zip(&views) {
        super::booking::add_bookings(state, actor, locale, &mut card.sessions, &view.sessions)
            .await?;
    }
    let follow_ups = state
        .app
        .follow_ups_of_patient(actor, patient_id)
        .await
        .map_err(app_error(locale))?;
    Ok(PlansPage {
        follow_ups: follow_up_lines(
            locale,
            &follow_ups,
            state.app.now().date_naive(),
            actor.may(Action::RecordFollowUps),
        ),
        patient_id: patient_id.to_string(),
        name: chart.patient.full_name(),
        banner,
        plans,
        may_write: actor.may(Action::WritePlan),
        plan_fields: plan_fields(locale, &views),
        new_plan,
        ctx: Ctx::new(viewer),
    })
}

fn invalid(field: &str, code: IssueCode) -> Issues {
    Issues(vec![Issue::new(field, code)])
}

/// The plans page again, with one form's problems at its fields.
async fn failed_plans_page(
    state: &AppState,
    viewer: &Viewer,
    patient_id: PatientId,
    which: FailedForm,
    form: PageForm,
    issues: &Issues,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let failed = FormState::from_values(form.0).with_issues(locale, issues);
    let page = plans_page(state, viewer, patient_id, Some((which, failed)), None).await?;
    render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn show_plans(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let patient_id = parse_id(viewer.locale, &id)?;
    let page = plans_page(&state, &viewer, patient_id, None, None).await?;
    render(viewer.locale, &page)
}

pub(super) fn plan_draft(form: &PageForm) -> PlanDraft {
    PlanDraft {
        indication: form.get("indication"),
        target_site: form.get("target_site"),
        side: form.get("side"),
        spinal_level: form.get("spinal_level"),
        cell_source: form.get("cell_source"),
        guidance: form.get("guidance"),
        anaesthesia: form.get("anaesthesia"),
        planned_sessions: form.get("planned_sessions"),
        study_id: form.get("study_id"),
    }
}

async fn create_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let patient_id = parse_id(locale, &id)?;
    let previous = form.get("previous_plan_id");
    let result = match previous.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<PlanId>()
            .map(Some)
            .map_err(|_| AppError::Invalid(invalid("previous_plan_id", IssueCode::UnknownCode))),
    };
    let result = match result {
        Ok(previous) => {
            state
                .app
                .create_plan(actor, patient_id, &plan_draft(&form), previous)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(plan) => Ok(
            Redirect::to(&format!("/patients/{patient_id}/plans#plan-{}", plan.id)).into_response(),
        ),
        Err(AppError::Invalid(issues)) => {
            failed_plans_page(
                &state,
                &viewer,
                patient_id,
                FailedForm::NewPlan,
                form,
                &issues,
            )
            .await
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn decide_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, plan)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let patient_id = parse_id(locale, &id)?;
    let plan_id = parse_id(locale, &plan)?;
    let version: i64 = form
        .get("version")
        .parse()
        .map_err(|_| PageError::BadRequest(locale))?;
    let result = match form.get("proceed").as_str() {
        "proceed" => Ok(true),
        "decline" => Ok(false),
        "" => Err(AppError::Invalid(invalid("proceed", IssueCode::Required))),
        _ => Err(AppError::Invalid(invalid(
            "proceed",
            IssueCode::UnknownCode,
        ))),
    };
    let result = match result {
        Ok(proceed) => {
            state
                .app
                .decide_plan(actor, plan_id, version, proceed, &form.get("justification"))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/patients/{patient_id}/plans#plan-{plan_id}")).into_response(),
        ),
        Err(AppError::Invalid(issues)) => {
            failed_plans_page(
                &state,
                &viewer,
                patient_id,
                FailedForm::Decision(plan_id),
                form,
                &issues,
            )
            .await
        }
        Err(AppError::Conflict(Current::Plan(current))) => {
            let page = plans_page(
                &state,
                &viewer,
                current.patient_id,
                None,
                Some(tr(locale, "plan-changed")),
            )
            .await?;
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

/// A `datetime-local` value, read as UTC (the hint says so).
pub(super) fn parse_starts_at(raw: &str) -> Result<DateTime<Utc>, Issues> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(invalid("starts_at", IssueCode::Required));
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map(|at| at.and_utc())
        .map_err(|_| invalid("starts_at", IssueCode::InvalidFormat))
}

async fn schedule_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, plan)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let patient_id = parse_id(locale, &id)?;
    let plan_id = parse_id(locale, &plan)?;
    let result = match parse_starts_at(&form.get("starts_at")) {
        Ok(starts_at) => state.app.schedule_session(actor, plan_id, starts_at).await,
        Err(issues) => Err(AppError::Invalid(issues)),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/patients/{patient_id}/plans#plan-{plan_id}")).into_response(),
        ),
        Err(AppError::Invalid(issues)) => {
            failed_plans_page(
                &state,
                &viewer,
                patient_id,
                FailedForm::Schedule(plan_id),
                form,
                &issues,
            )
            .await
        }
        Err(AppError::Unavailable(clashes)) => {
            let messages = clashes
                .iter()
                .map(|c| crate::api_schedule::clash_message(locale, c))
                .collect();
            let mut failed = FormState::from_values(form.0);
            failed.banner = Some(tr(locale, "schedule-unavailable"));
            let page = plans_page(
                &state,
                &viewer,
                patient_id,
                Some((FailedForm::Clash(plan_id, messages), failed)),
                None,
            )
            .await?;
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ---- preparation: the board and the checklists ----

/// A task's label, naming the patient's own NSAIDs for that task.
fn task_label(locale: Locale, code: TaskCode, tasks: &[Task]) -> String {
    let names = tasks
        .iter()
        .find(|t| t.code == code)
        .map(|t| name_list(locale, &t.names))
        .unwrap_or_default();
    tr_args(locale, &code_key("task", code.code()), &[("names", names)])
}

fn reason_text(
    locale: Locale,
    reason: ReadinessReason,
    task: Option<TaskCode>,
    tasks: &[Task],
) -> String {
    let task = match (reason, task) {
        (ReadinessReason::TaskOverdue | ReadinessReason::TaskDueSoon, Some(code)) => {
            task_label(locale, code, tasks)
        }
        _ => String::new(),
    };
    tr_args(
        locale,
        &code_key("readiness-reason", reason.code()),
        &[("task", task)],
    )
}

pub struct ReadinessView {
    pub code: &'static str,
    pub label: String,
    pub reasons: Vec<String>,
    pub done: String,
}

fn readiness_view(locale: Locale, prep: &Preparation) -> ReadinessView {
    let code = prep.readiness.readiness.code();
    let done = prep.states.iter().filter(|s| s.done).count();
    ReadinessView {
        code,
        label: label(locale, "readiness", code),
        reasons: prep
            .readiness
            .reasons
            .iter()
            .map(|(reason, task)| reason_text(locale, *reason, *task, &prep.tasks))
            .collect(),
        done: tr_args(
            locale,
            "tasks-done",
            &[
                ("done", locale.number(done as i64)),
                ("total", locale.number(prep.tasks.len() as i64)),
            ],
        ),
    }
}

pub struct BoardRow {
    pub href: String,
    pub patient: String,
    pub session: String,
    pub readiness: ReadinessView,
}

#[derive(Template)]
#[template(path = "preparation_board.html")]
struct BoardPage {
    ctx: Ctx,
    rows: Vec<BoardRow>,
}

async fn board(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::TrackPreparation)?;
    let locale = viewer.locale;
    let mut lines = state
        .app
        .preparation_board(actor, BOARD_DAYS)
        .await
        .map_err(app_error(locale))?;
    lines.sort_by_key(|l| l.preparation.session.starts_at);
    let rows = lines
        .iter()
        .map(|line| {
            let session = &line.preparation.session;
            BoardRow {
                href: format!("/sessions/{}/preparation", session.id),
                patient: line.patient_name.clone(),
                session: session_line(locale, session, String::new()).text,
                readiness: readiness_view(locale, &line.preparation),
            }
        })
        .collect();
    render(
        locale,
        &BoardPage {
            ctx: Ctx::new(&viewer),
            rows,
        },
    )
}

pub struct TaskRow {
    pub code: &'static str,
    pub label: String,
    pub detail: Option<String>,
    pub due: String,
    pub done: bool,
    pub auto: bool,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    ctx: Ctx,
    patient: Option<String>,
    session: String,
    plan: String,
    readiness: Option<ReadinessView>,
    tasks: Vec<TaskRow>,
    /// Where each task's tick form posts (`{base}/{task code}`), when the viewer may tick.
    tick_base: Option<String>,
    back_href: String,
    back_label: String,
    /// The printable preparation sheet of this session.
    sheet_href: String,
    /// Reminders sent to the patient, with their delivery state (staff only).
    messages: Vec<MessageRow>,
}

/// One reminder as staff follow it.
pub struct MessageRow {
    pub channel: String,
    pub subject: String,
    pub status: &'static str,
    pub status_label: String,
    pub attempts: String,
    pub when: String,
    pub last_error: String,
}

fn message_rows(locale: Locale, deliveries: &[cellpath_app::outbox::Delivery]) -> Vec<MessageRow> {
    deliveries
        .iter()
        .map(|d| MessageRow {
            channel: tr(locale, &format!("channel-{}", d.message.channel.code())),
            subject: if d.message.subject.is_empty() {
                d.message.body.chars().take(60).collect()
            } else {
                d.message.subject.clone()
            },
            status: d.status.code(),
            status_label: tr(locale, &format!("message-status-{}", d.status.code())),
            attempts: locale.number(d.attempts),
            when: locale.date_time(d.sent_at.unwrap_or(d.created_at)),
            last_error: d.last_error.clone().unwrap_or_default(),
        })
        .collect()
}

fn task_rows(locale: Locale, prep: &Preparation) -> Vec<TaskRow> {
    prep.tasks
        .iter()
        .map(|task| TaskRow {
            code: task.code.code(),
            label: task_label(locale, task.code, &prep.tasks),
            detail: task.last_day.map(|day| {
                tr_args(
                    locale,
                    "task-stop-nsaids-last-day",
                    &[("date", locale.date(day))],
                )
            }),
            due: locale.date_time(task.due),
            done: prep.states.iter().any(|s| s.code == task.code && s.done),
            auto: task.completion == Completion::Auto,
        })
        .collect()
}

fn checklist_page(
    viewer: &Viewer,
    prep: &Preparation,
    patient: Option<String>,
    staff: bool,
    may_tick: bool,
) -> ChecklistPage {
    let locale = viewer.locale;
    let session = &prep.session;
    let sheet_href = if staff {
        format!("/sessions/{}/preparation.pdf", session.id)
    } else {
        format!("/portal/sessions/{}/preparation.pdf", session.id)
    };
    let (tick_base, back_href, back_label) = if staff {
        (
            format!("/sessions/{}/preparation", session.id),
            format!("/patients/{}/plans", prep.plan.patient_id),
            tr(locale, "back-to-plans"),
        )
    } else {
        (
            format!("/portal/sessions/{}", session.id),
            "/portal/sessions".to_string(),
            tr(locale, "back-to-my-sessions"),
        )
    };
    ChecklistPage {
        patient,
        session: tr_args(
            locale,
            "checklist-session",
            &[
                ("number", locale.number(session.number)),
                ("date", locale.date_time(session.starts_at)),
            ],
        ),
        plan: plan_heading(locale, &prep.plan.plan),
        readiness: staff.then(|| readiness_view(locale, prep)),
        tasks: task_rows(locale, prep),
        tick_base: may_tick.then_some(tick_base),
        back_href,
        back_label,
        sheet_href,
        messages: Vec::new(),
        ctx: Ctx::new(viewer),
    }
}

async fn staff_checklist(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    let prep = state
        .app
        .preparation(actor, session_id)
        .await
        .map_err(app_error(locale))?;
    let chart = state
        .app
        .patient_chart(actor, prep.plan.patient_id)
        .await
        .map_err(app_error(locale))?;
    let mut page = checklist_page(
        &viewer,
        &prep,
        Some(chart.patient.full_name()),
        true,
        actor.may(Action::TrackPreparation),
    );
    if actor.may(Action::TrackPreparation) {
        let deliveries = state
            .app
            .deliveries_of_patient(actor, prep.plan.patient_id)
            .await
            .map_err(app_error(locale))?;
        page.messages = message_rows(locale, &deliveries);
    }
    render(locale, &page)
}

/// The task and the state a tick form asks for.
fn tick_of(locale: Locale, task: &str, form: &PageForm) -> Result<(TaskCode, bool), PageError> {
    let task = TaskCode::parse("task", task).or_else(not_found(locale))?;
    match form.get("done").as_str() {
        "true" => Ok((task, true)),
        "false" => Ok((task, false)),
        _ => Err(PageError::BadRequest(locale)),
    }
}

async fn staff_tick(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, task)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    let (task, done) = tick_of(locale, &task, &form)?;
    state
        .app
        .tick_task_for_patient(actor, session_id, task, done)
        .await
        .map_err(app_error(locale))?;
    Ok(Redirect::to(&format!(
        "/sessions/{session_id}/preparation#task-{}",
        task.code()
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "my_sessions.html")]
struct MySessionsPage {
    ctx: Ctx,
    sessions: Vec<SessionLine>,
    follow_ups: Vec<FollowUpLine>,
}

/// One follow-up visit as the plans page and the portal list it.
pub(super) struct FollowUpLine {
    id: String,
    days: String,
    /// When, or that it waits for the clinic's call.
    when: String,
    booked: bool,
    with: String,
    room: String,
    /// Attended or missed once recorded; blank before.
    attendance: String,
    /// Whether the viewer may record it now (staff who may, its day has come).
    may_record: bool,
    version: i64,
    patient_id: String,
}

/// `today` and `may_record` (the viewer may record attendance) decide
/// whether a visit offers the "came" and "did not come" buttons.
pub(super) fn follow_up_lines(
    locale: Locale,
    visits: &[cellpath_app::follow_ups::FollowUp],
    today: chrono::NaiveDate,
    may_record: bool,
) -> Vec<FollowUpLine> {
    visits
        .iter()
        .map(|f| FollowUpLine {
            attendance: match f.attended {
                Some(true) => tr(locale, "follow-up-attended"),
                Some(false) => tr(locale, "follow-up-missed"),
                None => String::new(),
            },
            may_record: may_record
                && f.due_date <= today
                && f.booked
                    .as_ref()
                    .is_none_or(|b| b.from.date_naive() <= today),
            version: f.version,
            patient_id: f.patient_id.to_string(),
            id: f.id.to_string(),
            days: locale.number(i64::from(f.offset_days)),
            when: match &f.booked {
                Some(b) => locale.date_time(b.from),
                None => tr_args(
                    locale,
                    "follow-up-unbooked",
                    &[("date", locale.date(f.due_date))],
                ),
            },
            booked: f.booked.is_some(),
            with: f
                .booked
                .as_ref()
                .map(|b| b.seen_by_name.clone())
                .unwrap_or_default(),
            room: f
                .booked
                .as_ref()
                .map(|b| b.room_name.clone())
                .unwrap_or_default(),
        })
        .collect()
}

async fn my_sessions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    if actor.role != Role::Patient {
        return Ok(Redirect::to("/home").into_response());
    }
    let sessions = state
        .app
        .my_sessions(actor)
        .await
        .map_err(app_error(locale))?;
    let sessions = sessions
        .iter()
        .map(|s| session_line(locale, s, format!("/portal/sessions/{}", s.id)))
        .collect();
    let follow_ups = state
        .app
        .my_follow_ups(actor)
        .await
        .map_err(app_error(locale))?;
    render(
        locale,
        &MySessionsPage {
            ctx: Ctx::new(&viewer),
            sessions,
            follow_ups: follow_up_lines(locale, &follow_ups, state.app.now().date_naive(), false),
        },
    )
}

async fn my_checklist(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    if actor.role != Role::Patient {
        return Ok(Redirect::to(&format!("/sessions/{session_id}/preparation")).into_response());
    }
    let prep = state
        .app
        .preparation(actor, session_id)
        .await
        .map_err(app_error(locale))?;
    let page = checklist_page(
        &viewer,
        &prep,
        None,
        false,
        actor.may(Action::TickOwnPreparation),
    );
    render(locale, &page)
}

async fn my_tick(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, task)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let session_id = parse_id(locale, &id)?;
    let (task, done) = tick_of(locale, &task, &form)?;
    state
        .app
        .tick_my_task(actor, session_id, task, done)
        .await
        .map_err(app_error(locale))?;
    Ok(Redirect::to(&format!(
        "/portal/sessions/{session_id}#task-{}",
        task.code()
    ))
    .into_response())
}

/// A clinician records from the plans page whether the patient came to a
/// follow-up visit; a refusal or a stale version shows the plans page again
/// with the reason.
async fn record_attendance(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::RecordFollowUps)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let visit: uuid::Uuid = parse_id(locale, &id)?;
    let patient: PatientId = parse_id(locale, &form.get("patient"))?;
    let version: i64 = form.get("version").trim().parse().unwrap_or_default();
    let attended = match form.get("attended").as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(PageError::BadRequest(locale)),
    };
    let (status, banner) = match state
        .app
        .record_follow_up_attendance(actor, visit, version, attended)
        .await
    {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/patients/{patient}/plans#follow-ups")).into_response(),
            );
        }
        Err(AppError::Invalid(issues)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues
                .0
                .first()
                .map(|issue| crate::i18n::issue_message(locale, issue))
                .unwrap_or_default(),
        ),
        Err(AppError::Conflict(_)) => (StatusCode::CONFLICT, tr(locale, "conflict-banner")),
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let page = plans_page(&state, &viewer, patient, None, Some(banner)).await?;
    render_status(locale, status, &page)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/protocol", get(show_protocol).post(update_protocol))
        .route("/patients/{id}/plans", get(show_plans).post(create_plan))
        .route("/patients/{id}/plans/{plan}/decision", post(decide_plan))
        .route(
            "/patients/{id}/plans/{plan}/sessions",
            post(schedule_session),
        )
        .route("/preparation", get(board))
        .route("/sessions/{id}/preparation", get(staff_checklist))
        .route("/sessions/{id}/preparation/{task}", post(staff_tick))
        .route("/follow-ups/{id}/attendance", post(record_attendance))
        .route("/portal/sessions", get(my_sessions))
        .route("/portal/sessions/{id}", get(my_checklist))
        .route("/portal/sessions/{id}/{task}", post(my_tick))
}
