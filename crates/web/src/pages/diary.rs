//! The symptom diary of the two weeks after a session (the patient in the
//! portal, or a clinician for them) and the clinic's triage queue.
//!
//! An entry that raises a red flag tells the patient at once to call the
//! clinic, with the site's number; its alerts wait in the triage queue
//! until a clinician takes and closes them with a note.

use super::{
    Choice, Ctx, FieldSpec, FormState, PageForm, choices, field, label, parse_id, render,
    render_status, require, select,
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
use cellpath_app::diary::{DiaryLine, DiaryView, TriageItem};
use cellpath_app::{Actor, AppError};
use cellpath_domain::symptoms::{DiaryDraft, Level, RedFlag, Severity, expected_on};
use cellpath_domain::{Action, Issue, Issues, Locale, SessionId, SiteId};
use std::collections::HashMap;
use uuid::Uuid;

/// The yes-or-no questions of an entry, as the form names them.
const YES_NO: [&str; 6] = [
    "chills",
    "pus_or_discharge",
    "bleeding_not_stopping",
    "swelling_growing",
    "cannot_move_or_bear_weight",
    "new_numbness_or_weakness",
];

/// The levels asked for, as the form names them.
const LEVELS: [&str; 4] = ["swelling", "redness", "fatigue", "bruising"];

/// Where pain is asked for: where the cells went in, and where they were
/// drawn when they were the patient's own.
fn pain_sites(autologous: bool) -> &'static [&'static str] {
    if autologous {
        &["injection", "harvest"]
    } else {
        &["injection"]
    }
}

fn level_codes() -> Vec<&'static str> {
    Level::ALL.iter().map(|l| l.code()).collect()
}

fn flag_text(locale: Locale, flag: &RedFlag) -> String {
    tr(locale, &format!("flag-{}", flag.code))
}

fn severity_text(locale: Locale, severity: Severity) -> String {
    tr(locale, &format!("severity-{}", severity.code()))
}

/// One entry as the diary lists it.
pub struct EntryLine {
    pub id: String,
    pub day: String,
    pub written: String,
    pub answers: Vec<(String, String)>,
    pub note: String,
    pub flags: Vec<(&'static str, String)>,
    pub expected: String,
}

fn entry_line(locale: Locale, line: &DiaryLine) -> EntryLine {
    let entry = &line.stored.entry;
    let mut answers = Vec::new();
    for (site, pain) in &entry.pain {
        answers.push((
            tr(locale, &format!("diary-pain-{}", site.as_str())),
            format!("{}/10", locale.number(i64::from(pain.get()))),
        ));
    }
    for (name, level) in [
        ("swelling", entry.swelling),
        ("redness", entry.redness),
        ("fatigue", entry.fatigue),
        ("bruising", entry.bruising),
    ] {
        answers.push((
            tr(locale, &format!("diary-field-{name}")),
            label(locale, "diary-level", level.code()),
        ));
    }
    if let Some(t) = entry.temperature {
        answers.push((tr(locale, "diary-field-temperature"), format!("{t} °C")));
    }
    for (name, yes) in [
        ("chills", entry.chills),
        ("pus_or_discharge", entry.pus_or_discharge),
        ("bleeding_not_stopping", entry.bleeding_not_stopping),
        ("swelling_growing", entry.swelling_growing),
        (
            "cannot_move_or_bear_weight",
            entry.cannot_move_or_bear_weight,
        ),
        ("new_numbness_or_weakness", entry.new_numbness_or_weakness),
    ] {
        if yes {
            answers.push((label(locale, "diary", name), tr(locale, "diary-yes")));
        }
    }
    EntryLine {
        id: line.stored.id.to_string(),
        day: tr_args(
            locale,
            "diary-day",
            &[("day", locale.number(i64::from(entry.day.get())))],
        ),
        written: locale.date_time(line.stored.entered_at),
        answers,
        note: entry.note.clone().unwrap_or_default(),
        flags: line
            .flags
            .iter()
            .map(|f| (f.severity.code(), flag_text(locale, f)))
            .collect(),
        expected: tr(locale, line.expected),
    }
}

#[derive(Template)]
#[template(path = "diary.html")]
struct DiaryPage {
    ctx: Ctx,
    id: String,
    patient_name: String,
    today: Option<String>,
    expected: Option<String>,
    phone: String,
    /// The entry just saved: its flags tell the patient to call now.
    saved: Option<EntryLine>,
    form: FormState,
    days: Vec<Choice>,
    pains: Vec<FieldSpec>,
    levels: Vec<FieldSpec>,
    yes_no: Vec<Choice>,
    temperature: FieldSpec,
    note: FieldSpec,
    entries: Vec<EntryLine>,
}

fn diary_page(
    viewer: &Viewer,
    view: &DiaryView,
    saved: Option<&str>,
    form: FormState,
) -> DiaryPage {
    let locale = viewer.locale;
    let entries: Vec<EntryLine> = view.lines.iter().map(|l| entry_line(locale, l)).collect();
    let saved = saved.and_then(|id| {
        view.lines
            .iter()
            .find(|l| l.stored.id.to_string() == id)
            .map(|l| entry_line(locale, l))
    });
    let days = view
        .today
        .map(|today| {
            (1..=today.get())
                .rev()
                .map(|d| Choice {
                    value: d.to_string(),
                    label: tr_args(locale, "diary-day", &[("day", locale.number(i64::from(d)))]),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut form = form;
    if form.values.is_empty()
        && let Some(today) = view.today
    {
        form.values.insert("day".into(), today.get().to_string());
    }
    DiaryPage {
        ctx: Ctx::new(viewer),
        id: view.session.id.to_string(),
        patient_name: view.patient_name.clone(),
        today: view.today.map(|d| {
            tr_args(
                locale,
                "diary-day",
                &[("day", locale.number(i64::from(d.get())))],
            )
        }),
        expected: view.today.map(|d| tr(locale, expected_on(d).key())),
        phone: view.phone.clone(),
        saved,
        form,
        days,
        pains: pain_sites(view.autologous)
            .iter()
            .map(|site| FieldSpec {
                name: pain_field(site),
                label: tr(locale, &format!("diary-pain-{site}")),
                input: "number",
                required: false,
                choices: Vec::new(),
            })
            .collect(),
        levels: LEVELS
            .iter()
            .map(|name| {
                let mut spec = select(
                    locale,
                    &format!("diary-field-{name}"),
                    name,
                    "diary-level",
                    &level_codes(),
                    false,
                );
                // "None" is the first answer, not a blank one.
                spec.required = false;
                spec
            })
            .collect(),
        yes_no: choices(locale, "diary", &YES_NO),
        temperature: field(
            locale,
            "diary-field-temperature",
            "temperature",
            "text",
            false,
        ),
        note: field(locale, "diary-field-note", "note", "textarea", false),
        entries,
    }
}

fn pain_field(site: &str) -> &'static str {
    match site {
        "harvest" => "pain_harvest",
        _ => "pain_injection",
    }
}

#[derive(serde::Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show_diary(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::KeepDiary)?;
    let locale = viewer.locale;
    let id: SessionId = parse_id(locale, &id)?;
    let view = state
        .app
        .diary(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let page = diary_page(&viewer, &view, query.saved.as_deref(), FormState::default());
    render(locale, &page)
}

pub(super) fn draft_of(form: &PageForm) -> DiaryDraft {
    DiaryDraft {
        day: form.get("day"),
        pain: ["injection", "harvest"]
            .iter()
            .map(|site| (site.to_string(), form.get(pain_field(site))))
            .collect(),
        swelling: form.get("swelling"),
        redness: form.get("redness"),
        fatigue: form.get("fatigue"),
        bruising: form.get("bruising"),
        temperature: form.get("temperature"),
        chills: form.get("chills") == "true",
        pus_or_discharge: form.get("pus_or_discharge") == "true",
        bleeding_not_stopping: form.get("bleeding_not_stopping") == "true",
        swelling_growing: form.get("swelling_growing") == "true",
        cannot_move_or_bear_weight: form.get("cannot_move_or_bear_weight") == "true",
        new_numbness_or_weakness: form.get("new_numbness_or_weakness") == "true",
        note: form.get("note"),
    }
}

/// The form's names of the fields a refusal names (`pain.harvest` is `pain_harvest`).
fn on_form(issues: Issues) -> Issues {
    Issues(
        issues
            .0
            .into_iter()
            .map(|issue| Issue {
                field: issue.field.replacen("pain.", "pain_", 1),
                ..issue
            })
            .collect(),
    )
}

async fn save_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::KeepDiary)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id: SessionId = parse_id(locale, &id)?;
    match state
        .app
        .record_diary_entry(actor, id, &draft_of(&form))
        .await
    {
        Ok(outcome) => Ok(Redirect::to(&format!(
            "/sessions/{id}/diary?saved={}",
            outcome.entry.id
        ))
        .into_response()),
        Err(AppError::Invalid(issues)) => {
            let view = state
                .app
                .diary(actor, id)
                .await
                .map_err(|e| PageError::from_app(locale, e))?;
            let mut values: HashMap<String, String> = form.0;
            values.remove("csrf");
            let failed = FormState::from_values(values).with_issues(locale, &on_form(issues));
            let page = diary_page(&viewer, &view, None, failed);
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ------------------------------------------------------------ the triage queue

/// One open alert in the queue.
pub struct AlertLine {
    pub id: String,
    pub version: i64,
    pub severity_code: &'static str,
    pub severity: String,
    pub flag: String,
    pub patient: String,
    pub record_number: String,
    pub diary_href: String,
    pub open_for: String,
    pub owner: Option<String>,
    pub mine: bool,
    /// Why closing it was refused, just now.
    pub refusal: Option<String>,
}

#[derive(Template)]
#[template(path = "triage.html")]
struct TriagePage {
    ctx: Ctx,
    site: String,
    banner: Option<String>,
    alerts: Vec<AlertLine>,
}

fn alert_line(locale: Locale, actor: &Actor, item: &TriageItem) -> AlertLine {
    let flag = RedFlag {
        code: cellpath_domain::symptoms::rule(&item.alert.rule)
            .map(|r| r.code)
            .unwrap_or("unknown"),
        severity: item.severity,
    };
    AlertLine {
        id: item.alert.id.to_string(),
        version: item.alert.version,
        severity_code: item.severity.code(),
        severity: severity_text(locale, item.severity),
        flag: flag_text(locale, &flag),
        patient: item.patient_name.clone(),
        record_number: item.record_number.clone(),
        diary_href: format!("/sessions/{}/diary", item.alert.session_id),
        open_for: tr_args(
            locale,
            "triage-minutes",
            &[("minutes", locale.number(item.minutes_open))],
        ),
        owner: item.owner_name.clone(),
        mine: item.alert.owner_id == Some(actor.user_id.as_uuid()),
        refusal: None,
    }
}

#[derive(serde::Deserialize)]
struct SiteQuery {
    site: Option<String>,
}

async fn triage_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    banner: Option<String>,
    refused: Option<(String, String)>,
) -> Result<TriagePage, PageError> {
    let locale = viewer.locale;
    let queue = state
        .app
        .triage_queue(actor, site)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let mut alerts: Vec<AlertLine> = queue.iter().map(|i| alert_line(locale, actor, i)).collect();
    if let Some((id, message)) = refused {
        for alert in alerts.iter_mut().filter(|a| a.id == id) {
            alert.refusal = Some(message.clone());
        }
    }
    Ok(TriagePage {
        ctx: Ctx::new(viewer),
        site: site.to_string(),
        banner,
        alerts,
    })
}

async fn show_triage(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SiteQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::TriageAlerts)?;
    let site = super::chosen_site(&viewer, actor, query.site.as_deref())?;
    let page = triage_page(&state, &viewer, actor, site, None, None).await?;
    render(viewer.locale, &page)
}

async fn act_on_alert(
    state: AppState,
    viewer: Viewer,
    id: String,
    form: PageForm,
    close: bool,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::TriageAlerts)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let alert: Uuid = parse_id(locale, &id)?;
    let site = super::chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let version: i64 = form.get("version").trim().parse().unwrap_or_default();
    let result = if close {
        state
            .app
            .close_alert(actor, alert, version, &form.get("closing_note"))
            .await
    } else {
        state.app.take_alert(actor, alert, version).await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/triage?site={site}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let message = issues
                .0
                .first()
                .map(|issue| crate::i18n::issue_message(locale, issue))
                .unwrap_or_default();
            let page = triage_page(&state, &viewer, actor, site, None, Some((id, message))).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Conflict(_)) => {
            let page = triage_page(
                &state,
                &viewer,
                actor,
                site,
                Some(tr(locale, "triage-conflict")),
                None,
            )
            .await?;
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn take(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    act_on_alert(state, viewer, id, form, false).await
}

async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    act_on_alert(state, viewer, id, form, true).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/diary", get(show_diary).post(save_entry))
        .route("/triage", get(show_triage))
        .route("/triage/{id}/take", post(take))
        .route("/triage/{id}/close", post(close))
}
