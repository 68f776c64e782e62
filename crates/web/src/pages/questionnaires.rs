//! Follow-up questionnaires and outcomes: a patient's answered
//! questionnaires with their scores and outcome charts (staff at
//! `/patients/{id}/questionnaires`, the patient at `/portal/questionnaires`),
//! the form that answers one (its items as radios, in the user's language,
//! each refusal next to its item), and the cohort report at
//! `/reports/outcomes`.
//!
//! The charts are SVG drawn here, on the server: each score over the days
//! since the first treatment session (or since baseline), the baseline as a
//! line inside a band of plus or minus the minimal important change, every
//! session marked, every point labelled; mirrored right to left in Arabic.

use super::{Choice, Ctx, FormState, PageForm, label, parse_id, render, render_status, require};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cellpath_app::questionnaires::{CohortRow, PatientOutcomes};
use cellpath_app::{Actor, AppError};
use cellpath_domain::outcomes::{Course, Timepoint, courses};
use cellpath_domain::questionnaire::{Answers, Definition, Method, ScoreRule};
use cellpath_domain::{Action, Locale, PatientId, Role};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A score with one decimal, in the locale's digits and decimal separator.
fn decimal(locale: Locale, value: f64) -> String {
    let text = format!("{value:.1}");
    match locale {
        Locale::En => text,
        Locale::Ar => locale.digits(&text).replace('.', "\u{066B}"),
    }
}

fn timepoint_label(locale: Locale, timepoint: Timepoint) -> String {
    tr(locale, &format!("timepoint-{}", timepoint.code()))
}

fn timepoint_choices(locale: Locale) -> Vec<Choice> {
    Timepoint::ALL
        .iter()
        .map(|tp| Choice {
            value: tp.code().to_string(),
            label: timepoint_label(locale, *tp),
        })
        .collect()
}

/// Where a patient's questionnaire pages live: under the chart for staff,
/// in the portal for the patient.
struct Paths {
    list: String,
    portal: bool,
}

impl Paths {
    fn of(actor: &Actor, patient: PatientId) -> Paths {
        if actor.role == Role::Patient {
            Paths {
                list: "/portal/questionnaires".into(),
                portal: true,
            }
        } else {
            Paths {
                list: format!("/patients/{patient}/questionnaires"),
                portal: false,
            }
        }
    }

    fn form(&self, code: &str) -> String {
        if self.portal {
            format!("{}/{code}", self.list)
        } else {
            format!("{}/{code}/new", self.list)
        }
    }
}

// ------------------------------------------------------------ the chart

/// The highest value a score can take, for the chart's scale.
fn score_max(definition: &Definition, rule: &ScoreRule) -> f64 {
    let item_max = |code: &String| {
        definition
            .item(code)
            .and_then(|item| item.answers.bounds())
            .map(|(_, max)| max as f64)
            .unwrap_or(0.0)
    };
    match rule.method {
        Method::Sum => rule.items.iter().map(item_max).sum(),
        Method::Mean => rule.items.iter().map(item_max).fold(0.0, f64::max),
        Method::PercentOfMaximum | Method::InvertedPercentOfMaximum => 100.0,
    }
}

/// Escapes text for SVG (XML) content and attributes.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
/// Room for the axis labels on the start side, and at the bottom.
const PAD_START: f64 = 56.0;
const PAD_END: f64 = 24.0;
const PAD_TOP: f64 = 24.0;
const PAD_BOTTOM: f64 = 48.0;

/// What one chart shows.
pub struct ChartInput<'a> {
    pub locale: Locale,
    /// The chart's id, unique on the page.
    pub id: String,
    pub title: String,
    pub course: &'a Course,
    /// The scale's top (its bottom is 0).
    pub max: f64,
    /// Each session's day on the x axis and number.
    pub sessions: &'a [(i64, usize)],
    /// The x axis counts from the first session (else from baseline).
    pub from_session: bool,
}

/// One score's outcome chart as an SVG element.
pub fn outcome_svg(input: &ChartInput<'_>) -> String {
    let locale = input.locale;
    let rtl = locale == Locale::Ar;
    let course = input.course;
    let days = course
        .points
        .iter()
        .map(|p| p.day)
        .chain(input.sessions.iter().map(|(day, _)| *day));
    let (mut first, mut last) = days.fold((0_i64, 0_i64), |(lo, hi), d| (lo.min(d), hi.max(d)));
    if last - first < 7 {
        last = first + 7;
    }
    first = first.min(0);
    let span = (last - first) as f64;
    let plot_w = WIDTH - PAD_START - PAD_END;
    let plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM;
    // In Arabic time runs right to left and the value axis is on the right.
    let x = |day: i64| {
        let along = (day - first) as f64 / span * plot_w;
        if rtl {
            WIDTH - PAD_START - along
        } else {
            PAD_START + along
        }
    };
    let max = if input.max > 0.0 { input.max } else { 1.0 };
    let y = |value: f64| PAD_TOP + (1.0 - value.clamp(0.0, max) / max) * plot_h;
    let (axis_x, label_x, anchor) = if rtl {
        (WIDTH - PAD_START, WIDTH - PAD_START + 8.0, "start")
    } else {
        (PAD_START, PAD_START - 8.0, "end")
    };
    let (x_lo, x_hi) = (x(first).min(x(last)), x(first).max(x(last)));

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"outcome-chart\" id=\"{id}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title\" \
         direction=\"{dir}\"><title id=\"{id}-title\">{title}</title>",
        id = xml(&input.id),
        dir = locale.dir(),
        title = xml(&input.title),
    );
    // The band of the minimal important change around the baseline, and the baseline.
    if let Some(baseline) = course.baseline {
        let top = y(baseline + course.mic);
        let bottom = y(baseline - course.mic);
        let _ = write!(
            svg,
            "<rect class=\"mic-band\" x=\"{x_lo:.1}\" y=\"{top:.1}\" width=\"{w:.1}\" \
             height=\"{h:.1}\" fill=\"#dbeafe\" fill-opacity=\"0.6\"/>",
            w = x_hi - x_lo,
            h = (bottom - top).max(0.0),
        );
        let line_y = y(baseline);
        let _ = write!(
            svg,
            "<line class=\"baseline\" x1=\"{x_lo:.1}\" x2=\"{x_hi:.1}\" y1=\"{line_y:.1}\" \
             y2=\"{line_y:.1}\" stroke=\"#1d4ed8\" stroke-dasharray=\"6 4\"/>\
             <text class=\"baseline-label\" x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" \
             font-size=\"11\">{label}</text>",
            tx = if rtl { x_lo + 4.0 } else { x_hi - 4.0 },
            ty = line_y - 4.0,
            label = xml(&tr_args(
                locale,
                "outcome-baseline-label",
                &[
                    ("value", decimal(locale, baseline)),
                    ("mic", decimal(locale, course.mic))
                ]
            )),
        );
    }
    // Axes, with the scale's bottom, middle and top.
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{axis_x:.1}\" x2=\"{axis_x:.1}\" y1=\"{PAD_TOP}\" \
         y2=\"{b:.1}\" stroke=\"#555\"/><line class=\"axis\" x1=\"{x_lo:.1}\" x2=\"{x_hi:.1}\" \
         y1=\"{b:.1}\" y2=\"{b:.1}\" stroke=\"#555\"/>",
        b = HEIGHT - PAD_BOTTOM,
    );
    for value in [0.0, max / 2.0, max] {
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{label_x:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\" \
             font-size=\"11\">{label}</text>",
            ty = y(value) + 4.0,
            label = xml(&locale.number(value.round() as i64)),
        );
    }
    for day in [first, (first + last) / 2, last] {
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" \
             font-size=\"11\">{label}</text>",
            tx = x(day),
            ty = HEIGHT - PAD_BOTTOM + 16.0,
            label = xml(&locale.number(day)),
        );
    }
    let _ = write!(
        svg,
        "<text class=\"axis-label\" x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" \
         font-size=\"12\">{label}</text>",
        tx = (x_lo + x_hi) / 2.0,
        ty = HEIGHT - 8.0,
        label = xml(&tr(
            locale,
            if input.from_session {
                "outcome-axis-days-session"
            } else {
                "outcome-axis-days-baseline"
            }
        )),
    );
    // Each session, marked.
    for (day, number) in input.sessions {
        let sx = x(*day);
        let _ = write!(
            svg,
            "<line class=\"session-mark\" x1=\"{sx:.1}\" x2=\"{sx:.1}\" y1=\"{PAD_TOP}\" \
             y2=\"{b:.1}\" stroke=\"#b45309\" stroke-dasharray=\"2 3\"/>\
             <text class=\"session-label\" x=\"{sx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" \
             font-size=\"11\">{label}</text>",
            b = HEIGHT - PAD_BOTTOM,
            ty = PAD_TOP - 8.0,
            label = xml(&tr_args(
                locale,
                "outcome-session-label",
                &[("number", locale.number(*number as i64))]
            )),
        );
    }
    // The course, and each point with its value.
    if course.points.len() > 1 {
        let points: Vec<String> = course
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.day), y(p.value)))
            .collect();
        let _ = write!(
            svg,
            "<polyline class=\"course\" fill=\"none\" stroke=\"#111\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    for point in &course.points {
        let (px, py) = (x(point.day), y(point.value));
        let _ = write!(
            svg,
            "<circle class=\"point{base}\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"4\" fill=\"#111\" \
             data-day=\"{day}\" data-value=\"{value}\"><title>{tip}</title></circle>\
             <text class=\"point-label\" x=\"{px:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" \
             font-size=\"11\">{label}</text>",
            base = if point.is_baseline {
                " is-baseline"
            } else {
                ""
            },
            day = point.day,
            value = point.value,
            tip = xml(&timepoint_label(locale, point.timepoint)),
            ty = py - 8.0,
            label = xml(&decimal(locale, point.value)),
        );
    }
    svg.push_str("</svg>");
    svg
}

// ------------------------------------------------------------ the list

/// One answered questionnaire as the list shows it.
pub struct ResponseLine {
    pub id: String,
    pub when: String,
    pub title: String,
    pub timepoint: String,
    pub scores: Vec<(String, String)>,
}

/// One questionnaire the patient is asked, with its charts.
pub struct QuestionnaireBlock {
    pub code: String,
    pub title: String,
    pub answer_href: String,
    /// Score title and its chart's SVG.
    pub charts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "questionnaires.html")]
struct ListPage {
    ctx: Ctx,
    patient_name: String,
    chart_href: String,
    portal: bool,
    blocks: Vec<QuestionnaireBlock>,
    responses: Vec<ResponseLine>,
}

fn list_page(viewer: &Viewer, actor: &Actor, outcomes: &PatientOutcomes) -> ListPage {
    let locale = viewer.locale;
    let paths = Paths::of(actor, outcomes.patient.id);
    let origin = outcomes.origin();
    let first_session = outcomes.sessions.first().map(|s| s.starts_at.date_naive());
    let sessions: Vec<(i64, usize)> = match origin {
        Some(origin) => outcomes
            .sessions
            .iter()
            .enumerate()
            .map(|(idx, s)| ((s.starts_at.date_naive() - origin).num_days(), idx + 1))
            .collect(),
        None => Vec::new(),
    };
    let blocks = outcomes
        .applicable
        .iter()
        .map(|definition| {
            let answered = outcomes.answered(definition.code());
            let charts = match origin {
                Some(origin) if !answered.is_empty() => courses(definition, &answered, origin)
                    .iter()
                    .filter(|course| !course.points.is_empty())
                    .filter_map(|course| {
                        let rule = definition.score_rule(&course.score_code)?;
                        let title = format!(
                            "{} · {}",
                            definition.title().get(locale),
                            rule.title.get(locale)
                        );
                        let svg = outcome_svg(&ChartInput {
                            locale,
                            id: format!("chart-{}-{}", definition.code(), course.score_code),
                            title: title.clone(),
                            course,
                            max: score_max(definition, rule),
                            sessions: &sessions,
                            from_session: first_session.is_some(),
                        });
                        Some((title, svg))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            QuestionnaireBlock {
                code: definition.code().to_string(),
                title: definition.title().get(locale).to_string(),
                answer_href: paths.form(definition.code()),
                charts,
            }
        })
        .collect();
    let responses = outcomes
        .responses
        .iter()
        .rev()
        .map(|response| {
            let definition = Definition::by_code(&response.code);
            let title = definition
                .as_ref()
                .map(|d| d.title().get(locale).to_string())
                .unwrap_or_else(|| response.code.clone());
            let scores = response
                .scores
                .0
                .iter()
                .map(|s| {
                    let name = definition
                        .as_ref()
                        .and_then(|d| d.score_rule(&s.code))
                        .map(|r| r.title.get(locale).to_string())
                        .unwrap_or_else(|| s.code.clone());
                    let value = s
                        .value
                        .map(|v| decimal(locale, v))
                        .unwrap_or_else(|| tr(locale, "outcome-no-score"));
                    (name, value)
                })
                .collect();
            ResponseLine {
                id: response.id.to_string(),
                when: locale.date_time(response.answered_at),
                title,
                timepoint: timepoint_label(locale, response.timepoint),
                scores,
            }
        })
        .collect();
    ListPage {
        ctx: Ctx::new(viewer),
        patient_name: outcomes.patient.full_name(),
        chart_href: if paths.portal {
            "/portal".into()
        } else {
            format!("/patients/{}", outcomes.patient.id)
        },
        portal: paths.portal,
        blocks,
        responses,
    }
}

/// The patient a page is about: the one in the URL for staff (a patient
/// gets "not found" there), the signed-in patient in the portal.
fn staff_patient<'a>(viewer: &'a Viewer, raw: &str) -> Result<(&'a Actor, PatientId), PageError> {
    let actor = require(viewer, Action::AnswerQuestionnaires)?;
    if actor.role == Role::Patient {
        return Err(PageError::NotFound(viewer.locale));
    }
    Ok((actor, parse_id(viewer.locale, raw)?))
}

fn own_patient(viewer: &Viewer) -> Result<(&Actor, PatientId), PageError> {
    let actor = require(viewer, Action::AnswerQuestionnaires)?;
    match (actor.role, actor.patient_id) {
        (Role::Patient, Some(patient)) => Ok((actor, patient)),
        _ => Err(PageError::NotFound(viewer.locale)),
    }
}

async fn show_list(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    patient: PatientId,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let outcomes = state
        .app
        .responses_of_patient(actor, patient)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    render(locale, &list_page(viewer, actor, &outcomes))
}

async fn staff_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (actor, patient) = staff_patient(&viewer, &id)?;
    show_list(&state, &viewer, actor, patient).await
}

async fn portal_list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let (actor, patient) = own_patient(&viewer)?;
    show_list(&state, &viewer, actor, patient).await
}

// ------------------------------------------------------------ the form

/// One answer of an item, as a radio.
pub struct OptionLine {
    pub value: String,
    pub label: String,
}

/// One item of the form.
pub struct ItemLine {
    /// The form field: `answers.CODE`, as refusals name it.
    pub name: String,
    pub number: String,
    pub text: String,
    pub required: bool,
    pub options: Vec<OptionLine>,
}

#[derive(Template)]
#[template(path = "questionnaire_form.html")]
struct FormPage {
    ctx: Ctx,
    patient_name: String,
    title: String,
    action: String,
    back: String,
    timepoints: Vec<Choice>,
    items: Vec<ItemLine>,
    form: FormState,
}

fn items_of(locale: Locale, definition: &Definition) -> Vec<ItemLine> {
    definition
        .items()
        .iter()
        .enumerate()
        .map(|(idx, item)| ItemLine {
            name: format!("answers.{}", item.code),
            number: locale.number(idx as i64 + 1),
            text: item.text.get(locale).to_string(),
            required: item.required,
            options: match &item.answers {
                Answers::Options(options) => options
                    .iter()
                    .map(|o| OptionLine {
                        value: o.value.to_string(),
                        label: o.label.get(locale).to_string(),
                    })
                    .collect(),
                Answers::Range { min, max } => (*min..=*max)
                    .map(|v| OptionLine {
                        value: v.to_string(),
                        label: locale.number(v),
                    })
                    .collect(),
            },
        })
        .collect()
}

fn form_page(
    viewer: &Viewer,
    actor: &Actor,
    outcomes: &PatientOutcomes,
    definition: &Definition,
    form: FormState,
) -> FormPage {
    let locale = viewer.locale;
    let paths = Paths::of(actor, outcomes.patient.id);
    let mut form = form;
    if form.values.is_empty() {
        let default = if outcomes
            .responses
            .iter()
            .any(|r| r.code == definition.code())
        {
            Timepoint::Other
        } else {
            Timepoint::Baseline
        };
        form.values
            .insert("timepoint".into(), default.code().to_string());
    }
    FormPage {
        ctx: Ctx::new(viewer),
        patient_name: outcomes.patient.full_name(),
        title: definition.title().get(locale).to_string(),
        action: paths.form(definition.code()),
        back: paths.list.clone(),
        timepoints: timepoint_choices(locale),
        items: items_of(locale, definition),
        form,
    }
}

/// A questionnaire the patient is asked; another is "not found".
fn applicable_definition(
    locale: Locale,
    outcomes: &PatientOutcomes,
    code: &str,
) -> Result<Definition, PageError> {
    outcomes
        .applicable
        .iter()
        .find(|d| d.code() == code)
        .cloned()
        .ok_or(PageError::NotFound(locale))
}

async fn show_form(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    patient: PatientId,
    code: &str,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let outcomes = state
        .app
        .responses_of_patient(actor, patient)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let definition = applicable_definition(locale, &outcomes, code)?;
    let page = form_page(viewer, actor, &outcomes, &definition, FormState::default());
    render(locale, &page)
}

async fn save_form(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    patient: PatientId,
    code: &str,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let answers: Vec<(String, String)> = form
        .0
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("answers.")
                .map(|item| (item.to_string(), value.clone()))
        })
        .collect();
    let saved = state
        .app
        .answer_questionnaire(actor, patient, code, &form.get("timepoint"), &answers)
        .await;
    let paths = Paths::of(actor, patient);
    match saved {
        Ok(response) => {
            Ok(Redirect::to(&format!("{}#response-{}", paths.list, response.id)).into_response())
        }
        Err(AppError::Invalid(issues)) => {
            let outcomes = state
                .app
                .responses_of_patient(actor, patient)
                .await
                .map_err(|e| PageError::from_app(locale, e))?;
            let definition = applicable_definition(locale, &outcomes, code)?;
            let mut values: HashMap<String, String> = form.0;
            values.remove("csrf");
            let failed = FormState::from_values(values).with_issues(locale, &issues);
            let page = form_page(viewer, actor, &outcomes, &definition, failed);
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn staff_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (actor, patient) = staff_patient(&viewer, &id)?;
    show_form(&state, &viewer, actor, patient, &code).await
}

async fn staff_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, code)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let (actor, patient) = staff_patient(&viewer, &id)?;
    save_form(&state, &viewer, actor, patient, &code, form).await
}

async fn portal_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (actor, patient) = own_patient(&viewer)?;
    show_form(&state, &viewer, actor, patient, &code).await
}

async fn portal_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let (actor, patient) = own_patient(&viewer)?;
    save_form(&state, &viewer, actor, patient, &code, form).await
}

// ------------------------------------------------------------ the cohort report

/// One row of the cohort report.
pub struct CohortLine {
    pub indication: String,
    pub cell_source: String,
    pub questionnaire: String,
    pub score: String,
    pub patients: String,
    pub compared: String,
    pub improved: String,
    /// Percent of those compared; blank when none were.
    pub share: String,
}

#[derive(Template)]
#[template(path = "outcomes_report.html")]
struct ReportPage {
    ctx: Ctx,
    rows: Vec<CohortLine>,
}

fn cohort_line(locale: Locale, row: &CohortRow) -> CohortLine {
    let definition = Definition::by_code(&row.questionnaire);
    CohortLine {
        indication: label(locale, "indication", row.indication.code()),
        cell_source: label(locale, "cell-source", row.cell_source.code()),
        questionnaire: definition
            .as_ref()
            .map(|d| d.title().get(locale).to_string())
            .unwrap_or_else(|| row.questionnaire.clone()),
        score: definition
            .as_ref()
            .and_then(|d| d.score_rule(&row.score))
            .map(|r| r.title.get(locale).to_string())
            .unwrap_or_else(|| row.score.clone()),
        patients: locale.number(row.patients as i64),
        compared: locale.number(row.compared as i64),
        improved: locale.number(row.improved as i64),
        share: if row.compared == 0 {
            String::new()
        } else {
            let percent = (row.improved as f64 / row.compared as f64 * 100.0).round() as i64;
            tr_args(
                locale,
                "outcome-percent",
                &[("percent", locale.number(percent))],
            )
        },
    }
}

async fn report(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewOutcomes)?;
    let locale = viewer.locale;
    let rows = state
        .app
        .outcome_cohorts(actor)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let page = ReportPage {
        ctx: Ctx::new(&viewer),
        rows: rows.iter().map(|r| cohort_line(locale, r)).collect(),
    };
    render(locale, &page)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/questionnaires", get(staff_list))
        .route(
            "/patients/{id}/questionnaires/{code}/new",
            get(staff_form).post(staff_save),
        )
        .route("/portal/questionnaires", get(portal_list))
        .route(
            "/portal/questionnaires/{code}",
            get(portal_form).post(portal_save),
        )
        .route("/reports/outcomes", get(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cellpath_domain::outcomes::Point;

    fn course() -> Course {
        Course {
            score_code: "pain".into(),
            baseline: Some(7.0),
            mic: 2.0,
            points: vec![
                Point {
                    day: -3,
                    value: 7.0,
                    timepoint: Timepoint::Baseline,
                    is_baseline: true,
                },
                Point {
                    day: 42,
                    value: 3.0,
                    timepoint: Timepoint::Week6,
                    is_baseline: false,
                },
            ],
        }
    }

    #[test]
    fn the_chart_is_mirrored_in_arabic() {
        let course = course();
        let sessions = [(0, 1)];
        let chart = |locale| {
            outcome_svg(&ChartInput {
                locale,
                id: "c".into(),
                title: "Pain <NRS>".into(),
                course: &course,
                max: 10.0,
                sessions: &sessions,
                from_session: true,
            })
        };
        let (en, ar) = (chart(Locale::En), chart(Locale::Ar));
        assert!(en.contains("Pain &lt;NRS&gt;"), "text is escaped");
        let first_x = |svg: &str| -> f64 {
            svg.split("class=\"point is-baseline\" cx=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|x| x.parse().ok())
                .expect("the baseline point")
        };
        // The baseline is the earliest point: at the start side of each.
        assert!(first_x(&en) < WIDTH / 2.0);
        assert!(first_x(&ar) > WIDTH / 2.0);
        assert!(en.contains(">7.0</text>") && en.contains(">3.0</text>"));
        assert!(ar.contains(">٧٫٠</text>") && ar.contains(">٣٫٠</text>"));
        assert_eq!(en.matches("class=\"session-mark\"").count(), 1);
    }
}
