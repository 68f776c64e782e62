//! Pages of the session day at the bedside: check-in with its checklist and
//! wristband, the steps started and finished by named people, the harvest,
//! the donor lot, the bedside check by two people, the injection,
//! monitoring and deviations; the labels of the wristband and of every
//! unit (SVG, PDF, PNG), and the discharge instructions as a PDF in the
//! patient's language.
//!
//! Only the forms that make sense at the current step are shown; the app
//! decides what is allowed, and a refusal comes back next to its field.

use super::{
    Choice, Ctx, FieldSpec, FormState, PageForm, choices, field, label, parse_id, plan_heading,
    render, render_status, require_staff, select,
};
use crate::AppState;
use crate::ctx::Viewer;
use crate::documents::direction;
use crate::error::PageError;
use crate::i18n::{has_key, issue_message, tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::session_day::{
    BedsideDraft, CheckDraft, HarvestDraft, InjectionDraft, MonitoringDraft, SessionDayView,
    UnitLabel, VitalsDraft, WristbandLabel,
};
use cellpath_app::{Actor, AppError, decode_fields};
use cellpath_documents::{
    Block, Cell, Document, DocumentError, Label, Section, render_label_pdf, render_label_png,
    render_label_svg, render_pdf,
};
use cellpath_domain::donation::DonationId;
use cellpath_domain::expectations::session_timeline;
use cellpath_domain::plan::{Guidance, Side, TargetSite};
use cellpath_domain::session_day::{
    ChecklistItem, DayStep, DeviationKind, DischargeCriterion, Signed, StepState,
    required_checklist, required_discharge_criteria,
};
use cellpath_domain::{Action, Issue, IssueCode, Issues, Locale, SessionId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Dots per millimetre of a label's PNG: about 300 dpi, what label printers print.
const LABEL_DOTS_PER_MM: f32 = 12.0;

/// The fields of the five vital signs, as the forms and records name them.
const VITALS: [&str; 5] = ["systolic", "diastolic", "pulse", "temperature", "spo2"];

/// Record values that read left to right (numbers, identifiers).
const LTR_FIELDS: [&str; 10] = [
    "volume_ml",
    "dose",
    "systolic",
    "diastolic",
    "pulse",
    "temperature",
    "spo2",
    "pain",
    "donation_id",
    "product",
];

/// The order a record's values are shown in (the stored order is not kept).
const FIELD_ORDER: [&str; 22] = [
    "donation_id",
    "product",
    "source",
    "source_site",
    "guidance",
    "target_site",
    "side",
    "volume_ml",
    "anaesthetic",
    "dose",
    "systolic",
    "diastolic",
    "pulse",
    "temperature",
    "spo2",
    "pain",
    "criteria",
    "criteria_met",
    "operator",
    "started_at",
    "finished_at",
    "note",
];

/// One step of the step bar.
pub struct StepLine {
    pub code: &'static str,
    pub name: String,
    /// `waiting`, `running` or `done`.
    pub state_code: &'static str,
    pub state: String,
    pub current: bool,
    pub started: Option<String>,
    pub finished: Option<String>,
    /// Minutes in the step (so far, or in all).
    pub minutes: Option<String>,
    /// The protocol's range, if it has one.
    pub range: Option<String>,
    /// The time in step is outside the protocol's range.
    pub outside: bool,
}

/// One item of the check-in checklist.
pub struct CheckLine {
    pub code: &'static str,
    pub name: String,
    pub hint: String,
    /// `identity`, `wristband`, `consent`, `vitals` or `confirm`.
    pub form: &'static str,
    /// The form's name on the page (`check-identity`).
    pub form_name: String,
    pub button: String,
    pub done: bool,
    pub signed: Option<String>,
    pub detail: Option<String>,
    pub note: Option<String>,
}

/// The start or finish button of the current step.
pub struct StepAction {
    pub step: &'static str,
    /// `start` or `finish`.
    pub action: &'static str,
    pub button: String,
    /// The timing is outside the protocol right now: a reason is needed.
    pub reason_needed_now: bool,
}

/// A record of a step (harvest, vitals, injection, monitoring).
pub struct RecordLine {
    pub title: String,
    pub signed: String,
    pub values: Vec<ValueLine>,
}

pub struct ValueLine {
    pub label: String,
    pub value: String,
    pub ltr: bool,
}

pub struct DeviationLine {
    pub kind: String,
    pub kind_code: &'static str,
    pub step: String,
    pub reason: String,
    pub signed: String,
}

pub struct UnitLine {
    pub id: String,
    pub kind: String,
    pub printed: String,
    pub product_type: String,
    pub status: String,
    pub status_code: &'static str,
    pub expires: String,
}

pub struct ChainLine {
    pub kind: String,
    pub passed: bool,
    pub refusal: String,
    pub scanned: String,
    pub signed: String,
}

/// An input of the bedside check.
pub struct ScanField {
    pub name: &'static str,
    pub label: String,
    /// `text` for a scan or the username, `password`.
    pub input: &'static str,
    /// The first person's (signed in) scans; else the second person's.
    pub first: bool,
    /// The first input still empty: where the scanner types next.
    pub focus: bool,
}

/// The bedside check's inputs in the order a scanner fills them: each scan
/// ends with Enter, which posts the form; an incomplete form comes back
/// with what was scanned and the next input focused. The second person's
/// password comes last because it is never sent back to the page.
const BEDSIDE_INPUTS: [(&str, &str, bool); 6] = [
    ("wristband", "text", true),
    ("product", "text", true),
    ("second_wristband", "text", false),
    ("second_product", "text", false),
    ("second_username", "text", false),
    ("second_password", "password", false),
];

/// The monitoring form: vitals, pain and the discharge criteria to tick.
pub struct MonitoringForm {
    pub vitals: Vec<FieldSpec>,
    pub pain: FieldSpec,
    pub criteria: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "session_day.html")]
struct DayPage {
    ctx: Ctx,
    id: String,
    patient_name: String,
    date_of_birth: String,
    record_number: String,
    patient_href: String,
    plan_heading: String,
    plan_facts: Vec<ValueLine>,
    consent_href: String,
    session_when: String,
    steps: Vec<StepLine>,
    discharged: bool,
    /// Check-in is open: its forms are shown.
    checkin_open: bool,
    may_record: bool,
    missing: Vec<String>,
    checks: Vec<CheckLine>,
    consent_code: &'static str,
    consent_state: String,
    wristband: Option<String>,
    identity_fields: Vec<FieldSpec>,
    vitals_fields: Vec<FieldSpec>,
    step_action: Option<StepAction>,
    harvest_fields: Option<Vec<FieldSpec>>,
    donor_lot: bool,
    bedside: bool,
    bedside_scans: Vec<ScanField>,
    /// The latest bedside check failed: why (it cannot be overridden).
    bedside_failure: Option<String>,
    /// The latest bedside check passed: by whom and when.
    bedside_passed: Option<String>,
    injection_fields: Option<Vec<FieldSpec>>,
    monitoring: Option<MonitoringForm>,
    deviation_fields: Option<Vec<FieldSpec>>,
    deviations: Vec<DeviationLine>,
    records: Vec<RecordLine>,
    units: Vec<UnitLine>,
    chain: Vec<ChainLine>,
    forms: HashMap<String, FormState>,
    empty: FormState,
    /// A refusal of a form the page no longer shows (the day moved on).
    unshown_refusal: Option<String>,
}

impl DayPage {
    /// The state of one form: what was typed and its problems, after a refusal.
    fn form(&self, name: &str) -> &FormState {
        self.forms.get(name).unwrap_or(&self.empty)
    }
}

/// A refused form: its name on the page and what was typed.
struct Failed {
    name: String,
    form: FormState,
}

fn signed_text(locale: Locale, signed: &Signed) -> String {
    tr_args(
        locale,
        "day-signed",
        &[
            ("name", signed.name.clone()),
            ("at", locale.date_time(signed.at)),
        ],
    )
}

fn signed_by(locale: Locale, name: &str, at: DateTime<Utc>) -> String {
    tr_args(
        locale,
        "day-signed",
        &[("name", name.to_string()), ("at", locale.date_time(at))],
    )
}

fn minutes_text(locale: Locale, minutes: i64) -> String {
    tr_args(locale, "day-minutes", &[("n", locale.number(minutes))])
}

/// The protocol's range of a step's duration: minimum and maximum (if any).
fn step_range(view: &SessionDayView, step: DayStep) -> Option<(u32, Option<u32>)> {
    let protocol = &view.protocol;
    match step {
        DayStep::Harvest => Some((
            protocol.harvest_minutes.min,
            Some(protocol.harvest_minutes.max),
        )),
        DayStep::Processing => Some((
            protocol.processing_minutes.min,
            Some(protocol.processing_minutes.max),
        )),
        DayStep::Injection => Some((
            protocol.injection_minutes.min,
            Some(protocol.injection_minutes.max),
        )),
        DayStep::Monitoring => Some((
            if view.day.sedation {
                protocol.monitoring_sedation_minutes
            } else {
                protocol.monitoring_minutes
            },
            None,
        )),
        _ => None,
    }
}

fn step_lines(locale: Locale, view: &SessionDayView, now: DateTime<Utc>) -> Vec<StepLine> {
    let current = view.day.current().map(|(step, _)| step);
    view.day
        .steps
        .iter()
        .map(|(step, state)| {
            let (state_code, minutes) = match state {
                StepState::Waiting => ("waiting", None),
                StepState::Running { started } => {
                    ("running", Some((now - started.at).num_minutes()))
                }
                StepState::Done { started, finished } => {
                    ("done", Some((finished.at - started.at).num_minutes()))
                }
            };
            let range = step_range(view, *step);
            let outside = match (minutes, range) {
                (Some(m), Some((min, max))) => {
                    let long = max.is_some_and(|max| m > i64::from(max));
                    let short = state_code == "done" && m < i64::from(min);
                    long || short
                }
                _ => false,
            };
            StepLine {
                code: step.code(),
                name: label(locale, "day-step", step.code()),
                state_code,
                state: label(locale, "day-state", state_code),
                current: current == Some(*step),
                started: state.started().map(|s| signed_text(locale, s)),
                finished: state.finished().map(|s| signed_text(locale, s)),
                minutes: minutes.map(|m| minutes_text(locale, m)),
                range: range.map(|(min, max)| match max {
                    Some(max) => tr_args(
                        locale,
                        "day-range",
                        &[
                            ("min", locale.number(i64::from(min))),
                            ("max", locale.number(i64::from(max))),
                        ],
                    ),
                    None => tr_args(
                        locale,
                        "day-range-min",
                        &[("min", locale.number(i64::from(min)))],
                    ),
                }),
                outside,
            }
        })
        .collect()
}

fn value_of<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// "120/80 mmHg · pulse 72 · 36.8 °C · SpO₂ 98 %" from recorded vitals.
fn vitals_text(locale: Locale, fields: &[(String, String)]) -> Option<String> {
    let get = |name: &str| value_of(fields, name).map(str::to_string);
    Some(tr_args(
        locale,
        "day-vitals-line",
        &[
            ("systolic", get("systolic")?),
            ("diastolic", get("diastolic")?),
            ("pulse", get("pulse")?),
            ("temperature", get("temperature")?),
            ("spo2", get("spo2")?),
        ],
    ))
}

/// A recorded value as the page shows it: codes translated, times local.
fn shown_value(locale: Locale, name: &str, value: &str) -> String {
    match name {
        "side" => label(locale, "side", value),
        "guidance" => label(locale, "guidance", value),
        "target_site" => label(locale, "target-site", value),
        "source" => label(locale, "cell-source", value),
        "started_at" | "finished_at" => DateTime::parse_from_rfc3339(value)
            .map(|at| locale.date_time(at.with_timezone(&Utc)))
            .unwrap_or_else(|_| value.to_string()),
        "criteria" => value
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| label(locale, "day-criterion", c))
            .collect::<Vec<_>>()
            .join(if locale == Locale::Ar { "، " } else { ", " }),
        "criteria_met" => tr(
            locale,
            if value == "true" {
                "day-criteria-met"
            } else {
                "day-criteria-not-met"
            },
        ),
        _ => value.to_string(),
    }
}

fn value_lines(locale: Locale, fields: &[(String, String)]) -> Vec<ValueLine> {
    let mut fields: Vec<&(String, String)> = fields.iter().collect();
    fields.sort_by_key(|(name, _)| {
        FIELD_ORDER
            .iter()
            .position(|known| known == name)
            .unwrap_or(FIELD_ORDER.len())
    });
    fields
        .into_iter()
        .map(|(name, value)| {
            let key = format!("day-field-{}", name.replace('_', "-"));
            ValueLine {
                label: if has_key(locale, &key) {
                    tr(locale, &key)
                } else {
                    name.clone()
                },
                value: shown_value(locale, name, value),
                ltr: LTR_FIELDS.contains(&name.as_str()),
            }
        })
        .collect()
}

fn may_move(actor: &Actor, step: DayStep) -> bool {
    match step {
        DayStep::Processing => actor.may(Action::RecordLab),
        DayStep::DonorPreparation => {
            actor.may(Action::RecordLab) || actor.may(Action::RecordSessionDay)
        }
        _ => actor.may(Action::RecordSessionDay),
    }
}

fn vitals_fields(locale: Locale) -> Vec<FieldSpec> {
    VITALS
        .iter()
        .map(|name| field(locale, &format!("day-field-{name}"), name, "text", true))
        .collect()
}

fn note_field(locale: Locale) -> FieldSpec {
    field(locale, "day-field-note", "note", "text", false)
}

fn identity_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "field-given-name", "given_name", "text", true),
        field(locale, "field-family-name", "family_name", "text", true),
        field(locale, "field-date-of-birth", "date_of_birth", "date", true),
    ]
}

fn harvest_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "day-field-source-site", "source_site", "text", true),
        select(
            locale,
            "day-field-side",
            "side",
            "side",
            &["left", "right", "both", "midline"],
            true,
        ),
        field(locale, "day-field-volume-ml", "volume_ml", "text", true),
        field(locale, "day-field-anaesthetic", "anaesthetic", "text", true),
        field(locale, "day-field-dose", "dose", "text", true),
    ]
}

fn injection_fields(locale: Locale) -> Vec<FieldSpec> {
    fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|c| code(*c)).collect()
    }
    vec![
        select(
            locale,
            "day-field-guidance",
            "guidance",
            "guidance",
            &codes(Guidance::ALL, Guidance::code),
            true,
        ),
        select(
            locale,
            "day-field-target-site",
            "target_site",
            "target-site",
            &codes(TargetSite::ALL, TargetSite::code),
            true,
        ),
        select(
            locale,
            "day-field-side",
            "side",
            "side",
            &codes(Side::ALL, Side::code),
            true,
        ),
        field(locale, "day-field-volume-ml", "volume_ml", "text", true),
        note_field(locale),
    ]
}

fn deviation_fields(locale: Locale, steps: &[DayStep]) -> Vec<FieldSpec> {
    let step_codes: Vec<&str> = steps.iter().map(|s| s.code()).collect();
    vec![
        select(
            locale,
            "day-field-deviation-kind",
            "kind",
            "day-deviation-kind",
            &[
                DeviationKind::SterileBreach.code(),
                DeviationKind::Other.code(),
            ],
            true,
        ),
        select(
            locale,
            "day-field-deviation-step",
            "step",
            "day-step",
            &step_codes,
            false,
        ),
        field(locale, "day-field-reason", "reason", "text", true),
    ]
}

/// The names of the inputs each form shows: a problem with any other field
/// is told in the form's banner.
fn form_inputs(name: &str) -> &'static [&'static str] {
    match name {
        "check-identity" => &["given_name", "family_name", "date_of_birth", "note"],
        "check-vitals" => &[
            "systolic",
            "diastolic",
            "pulse",
            "temperature",
            "spo2",
            "note",
        ],
        "step" | "deviation" => &["reason", "kind", "step"],
        "harvest" => &["source_site", "side", "volume_ml", "anaesthetic", "dose"],
        "donor-lot" => &["scan"],
        "bedside" => &[
            "wristband",
            "product",
            "second_username",
            "second_password",
            "second_wristband",
            "second_product",
        ],
        "injection" => &["guidance", "target_site", "side", "volume_ml", "note"],
        "monitoring" => &[
            "systolic",
            "diastolic",
            "pulse",
            "temperature",
            "spo2",
            "pain",
            "criteria",
        ],
        _ => &["note"],
    }
}

/// A problem in the user's language, named by its item or step when its
/// field is one ("Time-out: a check-in item is missing").
fn issue_text(locale: Locale, issue: &Issue) -> String {
    let message = issue_message(locale, issue);
    let named = if ChecklistItem::parse("item", &issue.field).is_ok() {
        Some(label(locale, "day-check", &issue.field))
    } else if DayStep::parse("step", &issue.field).is_ok() {
        Some(label(locale, "day-step", &issue.field))
    } else {
        None
    };
    match named {
        Some(name) => format!("{name}: {message}"),
        None => message,
    }
}

/// The form as typed, with each problem next to its field and the others
/// in its banner.
fn failed_form(
    locale: Locale,
    name: &str,
    values: HashMap<String, String>,
    issues: &Issues,
) -> FormState {
    let mut form = FormState::from_values(values).with_issues(locale, issues);
    let inputs = form_inputs(name);
    let others: Vec<String> = issues
        .0
        .iter()
        .filter(|issue| !inputs.contains(&issue.field.as_str()))
        .map(|issue| issue_text(locale, issue))
        .collect();
    if !others.is_empty() {
        form.banner = Some(others.join(" · "));
    }
    form
}

async fn day_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    id: SessionId,
    failed: Option<Failed>,
) -> Result<DayPage, PageError> {
    let locale = viewer.locale;
    let view = state
        .app
        .session_day(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let now = state.app.now();
    let may_record = actor.may(Action::RecordSessionDay);
    let day = &view.day;
    let checkin_open = !matches!(day.state(DayStep::CheckIn), Some(StepState::Done { .. }));
    let checks = required_checklist(day.sedation)
        .into_iter()
        .map(|item| {
            let done = day.checked.iter().find(|(done, _)| *done == item);
            let fields = view
                .events
                .iter()
                .rev()
                .find(|e| e.kind == "checked" && e.code.as_deref() == Some(item.code()))
                .map(|e| decode_fields(&e.fields))
                .unwrap_or_default();
            let detail = match item {
                ChecklistItem::Vitals => vitals_text(locale, &fields),
                _ => None,
            };
            let form = match item {
                ChecklistItem::Identity => "identity",
                ChecklistItem::Wristband => "wristband",
                ChecklistItem::Consent => "consent",
                ChecklistItem::Vitals => "vitals",
                _ => "confirm",
            };
            let button = match (form, done.is_some()) {
                (form, true) => tr(locale, &format!("day-button-{form}-again")),
                (form, false) => tr(locale, &format!("day-button-{form}")),
            };
            CheckLine {
                code: item.code(),
                name: label(locale, "day-check", item.code()),
                hint: label(locale, "day-check-hint", item.code()),
                form,
                form_name: format!("check-{}", item.code()),
                button,
                done: done.is_some(),
                signed: done.map(|(_, s)| signed_text(locale, s)),
                detail,
                note: value_of(&fields, "note").map(str::to_string),
            }
        })
        .collect();
    let missing = day
        .missing_items()
        .iter()
        .map(|item| label(locale, "day-check", item.code()))
        .collect();
    let step_action = match day.current() {
        Some((step, StepState::Waiting)) if step != DayStep::CheckIn && may_move(actor, step) => {
            Some(StepAction {
                step: step.code(),
                action: "start",
                button: tr_args(
                    locale,
                    "day-start-step",
                    &[("step", label(locale, "day-step", step.code()))],
                ),
                reason_needed_now: !day.timing_at_start(step, now, &view.protocol).is_empty(),
            })
        }
        Some((step, StepState::Running { .. })) if may_move(actor, step) => Some(StepAction {
            step: step.code(),
            action: "finish",
            button: tr_args(
                locale,
                "day-finish-step",
                &[("step", label(locale, "day-step", step.code()))],
            ),
            reason_needed_now: !day.timing_at_finish(step, now, &view.protocol).is_empty(),
        }),
        _ => None,
    };
    let running = |step: DayStep| matches!(day.state(step), Some(StepState::Running { .. }));
    let harvest_fields = (may_record && running(DayStep::Harvest) && !view.facts.harvest_recorded)
        .then(|| harvest_fields(locale));
    let donor_lot = !view.autologous()
        && !checkin_open
        && view.product().is_none()
        && !matches!(
            day.state(DayStep::DonorPreparation),
            Some(StepState::Done { .. })
        )
        && (may_record || actor.may(Action::RecordLab));
    let bedside = may_record
        && matches!(
            day.current(),
            Some((DayStep::Injection, StepState::Waiting))
        );
    let last_check = view.chain.iter().rev().find(|e| e.kind == "bedside_check");
    let bedside_failure = last_check.filter(|e| !e.passed).map(|e| {
        let code = e.code.clone().unwrap_or_default();
        tr(
            locale,
            &format!("day-bedside-failure-{}", code.replace('_', "-")),
        )
    });
    let bedside_passed = last_check.filter(|e| e.passed).map(|e| {
        let fields = decode_fields(&e.fields);
        tr_args(
            locale,
            "day-bedside-passed",
            &[
                (
                    "first",
                    value_of(&fields, "first").unwrap_or_default().to_string(),
                ),
                (
                    "second",
                    value_of(&fields, "second").unwrap_or_default().to_string(),
                ),
                ("at", locale.date_time(e.at)),
            ],
        )
    });
    let injection_fields =
        (may_record && running(DayStep::Injection) && !view.facts.injection_recorded)
            .then(|| injection_fields(locale));
    let monitoring = (may_record && running(DayStep::Monitoring)).then(|| MonitoringForm {
        vitals: vitals_fields(locale),
        pain: field(locale, "day-field-pain", "pain", "number", true),
        criteria: choices(
            locale,
            "day-criterion",
            &required_discharge_criteria(day.sedation)
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>(),
        ),
    });
    let path: Vec<DayStep> = day.steps.iter().map(|(step, _)| *step).collect();
    let deviation_fields = (!day.is_discharged() && (may_record || actor.may(Action::RecordLab)))
        .then(|| deviation_fields(locale, &path));
    let deviations = day
        .deviations
        .iter()
        .map(|d| DeviationLine {
            kind: label(locale, "day-deviation-kind", d.kind.code()),
            kind_code: d.kind.code(),
            step: d
                .step
                .map(|s| label(locale, "day-step", s.code()))
                .unwrap_or_else(|| tr(locale, "day-whole-session")),
            reason: if d.kind == DeviationKind::FailedCheck {
                tr(
                    locale,
                    &format!("day-bedside-failure-{}", d.reason.replace('_', "-")),
                )
            } else {
                d.reason.clone()
            },
            signed: signed_text(locale, &d.signed),
        })
        .collect();
    let records = ["vitals", "harvest", "injection", "monitoring"]
        .iter()
        .flat_map(|kind| {
            view.records(kind)
                .into_iter()
                .map(|(event, fields)| RecordLine {
                    title: label(locale, "day-record", kind),
                    signed: signed_by(locale, &event.display_name, event.at),
                    values: value_lines(locale, &fields),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let units = view
        .units
        .iter()
        .map(|u| UnitLine {
            id: u.id.to_string(),
            kind: label(locale, "day-unit-kind", u.kind.code()),
            printed: DonationId::from_body(&u.donation_id)
                .map(|d| d.printed())
                .unwrap_or_else(|| u.donation_id.clone()),
            product_type: label(locale, "day-product-type", u.product_type.code()),
            status: label(locale, "day-unit-status", u.status.code()),
            status_code: u.status.code(),
            expires: u
                .expires_at
                .map(|at| locale.date_time(at))
                .unwrap_or_default(),
        })
        .collect();
    let chain = view
        .chain
        .iter()
        .map(|e| {
            let code = e.code.clone().unwrap_or_default();
            let refusal = if e.passed {
                String::new()
            } else if e.kind == "bedside_check" {
                tr(
                    locale,
                    &format!("day-bedside-failure-{}", code.replace('_', "-")),
                )
            } else {
                let key = format!("issue-{}", code.replace('_', "-"));
                if has_key(locale, &key) {
                    tr(locale, &key)
                } else {
                    code
                }
            };
            let kind_key = format!("day-chain-{}", e.kind.replace('_', "-"));
            ChainLine {
                kind: if has_key(locale, &kind_key) {
                    tr(locale, &kind_key)
                } else {
                    e.kind.clone()
                },
                passed: e.passed,
                refusal,
                scanned: e.scanned.clone().unwrap_or_default(),
                signed: signed_by(locale, &e.display_name, e.at),
            }
        })
        .collect();
    let plan = &view.plan.plan;
    let plan_facts = vec![
        ValueLine {
            label: tr(locale, "day-field-source"),
            value: label(locale, "cell-source", plan.cell_source.code()),
            ltr: false,
        },
        ValueLine {
            label: tr(locale, "day-field-side"),
            value: label(locale, "side", plan.side.code()),
            ltr: false,
        },
        ValueLine {
            label: tr(locale, "day-field-guidance"),
            value: label(locale, "guidance", plan.guidance.code()),
            ltr: false,
        },
        ValueLine {
            label: tr(locale, "day-field-anaesthesia"),
            value: label(locale, "anaesthesia", plan.anaesthesia.code()),
            ltr: false,
        },
    ];
    let mut forms: HashMap<String, FormState> = HashMap::new();
    if may_record && running(DayStep::Injection) {
        let defaults = [
            ("guidance", plan.guidance.code()),
            ("target_site", plan.target_site.code()),
            ("side", plan.side.code()),
        ];
        forms.insert(
            "injection".into(),
            FormState::from_values(
                defaults
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
            ),
        );
    }
    let mut unshown_refusal = None;
    if let Some(failed) = failed {
        let shown = match failed.name.as_str() {
            "step" => true,
            "harvest" => harvest_fields.is_some(),
            "donor-lot" => donor_lot,
            "bedside" => bedside,
            "injection" => injection_fields.is_some(),
            "monitoring" => monitoring.is_some(),
            "deviation" => deviation_fields.is_some(),
            _ => checkin_open && may_record,
        };
        if !shown {
            let mut messages: Vec<String> = failed.form.banner.iter().cloned().collect();
            messages.extend(failed.form.errors.values().cloned());
            unshown_refusal = Some(messages.join(" · "));
        }
        forms.insert(failed.name, failed.form);
    }
    let typed = forms.get("bedside");
    let next_input = BEDSIDE_INPUTS
        .iter()
        .map(|(name, _, _)| *name)
        .find(|name| typed.is_none_or(|form| form.v(name).trim().is_empty()));
    let bedside_scans = BEDSIDE_INPUTS
        .iter()
        .map(|(name, input, first)| ScanField {
            name,
            label: tr(locale, &format!("day-scan-{}", name.replace('_', "-"))),
            input,
            first: *first,
            focus: next_input == Some(*name),
        })
        .collect();
    let mut ctx = Ctx::new(viewer);
    ctx.switch_href = format!("/lang/{}?next=/sessions/{id}/day", ctx.switch_lang);
    Ok(DayPage {
        id: id.to_string(),
        patient_name: view.patient.full_name(),
        date_of_birth: locale.date(view.patient.date_of_birth),
        record_number: view.patient.record_number.as_str().to_string(),
        patient_href: format!("/patients/{}", view.patient.id),
        plan_heading: plan_heading(locale, &view.plan.plan),
        plan_facts,
        consent_href: format!("/plans/{}/consent", view.plan.id),
        session_when: tr_args(
            locale,
            "day-session-when",
            &[
                ("number", locale.number(view.session.number)),
                ("at", locale.date_time(view.session.starts_at)),
            ],
        ),
        steps: step_lines(locale, &view, now),
        discharged: day.is_discharged(),
        checkin_open,
        may_record,
        missing,
        checks,
        consent_code: view.consent.code(),
        consent_state: label(locale, "consent-state", view.consent.code()),
        wristband: view.wristband.as_ref().map(|w| w.to_string()),
        identity_fields: identity_fields(locale),
        vitals_fields: vitals_fields(locale),
        step_action,
        harvest_fields,
        donor_lot,
        bedside,
        bedside_scans,
        bedside_failure,
        bedside_passed,
        injection_fields,
        monitoring,
        deviation_fields,
        deviations,
        records,
        units,
        chain,
        forms,
        empty: FormState::default(),
        unshown_refusal,
        ctx,
    })
}

/// The viewer, if they are staff who may see session days.
fn staff(viewer: &Viewer) -> Result<&Actor, PageError> {
    let actor = require_staff(viewer)?;
    if actor.may(Action::ViewSessionDay) {
        Ok(actor)
    } else {
        Err(PageError::Forbidden(viewer.locale))
    }
}

async fn show_day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id: SessionId = parse_id(viewer.locale, &id)?;
    let page = day_page(&state, &viewer, actor, id, None).await?;
    render(viewer.locale, &page)
}

/// After a change: back to the day, at the part that changed.
fn back(id: SessionId, anchor: &str) -> Response {
    Redirect::to(&format!("/sessions/{id}/day#{anchor}")).into_response()
}

/// The day again with why a form was refused; anything but a refusal of
/// the input (or two people recording at once) is an error page.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    id: SessionId,
    name: &str,
    mut values: HashMap<String, String>,
    err: AppError,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    values.remove("csrf");
    values.remove("second_password");
    let (status, form) = match err {
        AppError::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            failed_form(locale, name, values, &issues),
        ),
        AppError::Conflict(_) => {
            let mut form = FormState::from_values(values);
            form.banner = Some(tr(locale, "day-conflict"));
            (StatusCode::CONFLICT, form)
        }
        other => return Err(PageError::from_app(locale, other)),
    };
    let failed = Failed {
        name: name.to_string(),
        form,
    };
    let page = day_page(state, viewer, actor, id, Some(failed)).await?;
    render_status(locale, status, &page)
}

/// Reads the session id, checks the form token and who may record.
fn posted(viewer: &Viewer, raw_id: &str, form: &PageForm) -> Result<SessionId, PageError> {
    viewer.check_csrf(form.csrf())?;
    parse_id(viewer.locale, raw_id)
}

fn vitals_of(form: &PageForm) -> VitalsDraft {
    VitalsDraft {
        systolic: form.get("systolic"),
        diastolic: form.get("diastolic"),
        pulse: form.get("pulse"),
        temperature: form.get("temperature"),
        spo2: form.get("spo2"),
    }
}

async fn record_check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, item)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let item =
        ChecklistItem::parse("item", &item).map_err(|_| PageError::NotFound(viewer.locale))?;
    let draft = CheckDraft {
        given_name: form.get("given_name"),
        family_name: form.get("family_name"),
        date_of_birth: form.get("date_of_birth"),
        vitals: vitals_of(&form),
        note: form.get("note"),
    };
    let name = format!("check-{}", item.code());
    match state.app.record_check(actor, id, item.code(), &draft).await {
        Ok(()) => Ok(back(id, &format!("check-{}", item.code()))),
        Err(err) => refused(&state, &viewer, actor, id, &name, form.0, err).await,
    }
}

async fn start_step(
    state: State<AppState>,
    viewer: Viewer,
    path: Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    move_step(state, viewer, path, form, true).await
}

async fn finish_step(
    state: State<AppState>,
    viewer: Viewer,
    path: Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    move_step(state, viewer, path, form, false).await
}

async fn move_step(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, step)): Path<(String, String)>,
    form: PageForm,
    start: bool,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let step = DayStep::parse("step", &step).map_err(|_| PageError::NotFound(viewer.locale))?;
    let reason = form.get("reason");
    let result = if start {
        state.app.start_step(actor, id, step.code(), &reason).await
    } else {
        state.app.finish_step(actor, id, step.code(), &reason).await
    };
    match result {
        // No fragment: the step bar is at the top, and a page opened at a
        // fragment does not give the next scan field (donor lot, bedside
        // check) its autofocus, which a scanner at the bedside needs.
        Ok(()) => Ok(Redirect::to(&format!("/sessions/{id}/day")).into_response()),
        Err(err) => refused(&state, &viewer, actor, id, "step", form.0, err).await,
    }
}

async fn record_harvest(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let draft = HarvestDraft {
        source_site: form.get("source_site"),
        side: form.get("side"),
        volume_ml: form.get("volume_ml"),
        anaesthetic: form.get("anaesthetic"),
        dose: form.get("dose"),
    };
    match state.app.record_harvest(actor, id, &draft).await {
        Ok(_) => Ok(back(id, "units")),
        Err(err) => refused(&state, &viewer, actor, id, "harvest", form.0, err).await,
    }
}

async fn assign_donor_lot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    match state
        .app
        .assign_donor_lot(actor, id, &form.get("scan"))
        .await
    {
        Ok(_) => Ok(back(id, "units")),
        Err(err) => refused(&state, &viewer, actor, id, "donor-lot", form.0, err).await,
    }
}

async fn bedside_check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let draft = BedsideDraft {
        wristband: form.get("wristband"),
        product: form.get("product"),
        second_username: form.get("second_username"),
        second_password: form.get("second_password"),
        second_wristband: form.get("second_wristband"),
        second_product: form.get("second_product"),
    };
    match state.app.bedside_check(actor, id, &draft).await {
        Ok(_) => Ok(back(id, "bedside")),
        // Not all scanned yet (a scan's Enter posts the form): nothing was
        // checked or recorded; the form comes back for the next scan.
        Err(AppError::Invalid(issues))
            if !issues.0.is_empty() && issues.0.iter().all(|i| i.code == IssueCode::Required) =>
        {
            let values = form
                .0
                .into_iter()
                .filter(|(k, _)| k != "csrf" && k != "second_password")
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect();
            let failed = Failed {
                name: "bedside".into(),
                form: FormState::from_values(values),
            };
            let page = day_page(&state, &viewer, actor, id, Some(failed)).await?;
            render_status(viewer.locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(err) => {
            // The scans are made again, never carried over from a refusal.
            let kept: HashMap<String, String> = form
                .0
                .into_iter()
                .filter(|(k, _)| k == "second_username")
                .collect();
            refused(&state, &viewer, actor, id, "bedside", kept, err).await
        }
    }
}

async fn record_injection(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let draft = InjectionDraft {
        guidance: form.get("guidance"),
        target_site: form.get("target_site"),
        side: form.get("side"),
        volume_ml: form.get("volume_ml"),
        note: form.get("note"),
    };
    match state.app.record_injection(actor, id, &draft).await {
        Ok(()) => Ok(back(id, "records")),
        Err(err) => refused(&state, &viewer, actor, id, "injection", form.0, err).await,
    }
}

async fn record_monitoring(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    let draft = MonitoringDraft {
        vitals: vitals_of(&form),
        pain: form.get("pain"),
        criteria: DischargeCriterion::ALL
            .iter()
            .filter(|c| form.get(&format!("criterion_{}", c.code())) == "true")
            .map(|c| c.code().to_string())
            .collect(),
    };
    match state.app.record_monitoring(actor, id, &draft).await {
        Ok(_) => Ok(back(id, "records")),
        Err(err) => refused(&state, &viewer, actor, id, "monitoring", form.0, err).await,
    }
}

async fn record_deviation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let id = posted(&viewer, &id, &form)?;
    match state
        .app
        .record_deviation(
            actor,
            id,
            &form.get("step"),
            &form.get("kind"),
            &form.get("reason"),
        )
        .await
    {
        Ok(()) => Ok(back(id, "deviations")),
        Err(err) => refused(&state, &viewer, actor, id, "deviation", form.0, err).await,
    }
}

/// The three ways a label is served or saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelFormat {
    Svg,
    Pdf,
    Png,
}

impl LabelFormat {
    /// The format of a file extension (`svg`, `pdf`, `png`), any case.
    pub fn parse(extension: &str) -> Option<LabelFormat> {
        match extension.to_ascii_lowercase().as_str() {
            "svg" => Some(LabelFormat::Svg),
            "pdf" => Some(LabelFormat::Pdf),
            "png" => Some(LabelFormat::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            LabelFormat::Svg => "svg",
            LabelFormat::Pdf => "pdf",
            LabelFormat::Png => "png",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            LabelFormat::Svg => "image/svg+xml",
            LabelFormat::Pdf => "application/pdf",
            LabelFormat::Png => "image/png",
        }
    }
}

/// A label's size from the site's settings, in millimetres.
fn label_mm(value: i64) -> u32 {
    u32::try_from(value).unwrap_or_default()
}

/// A time on a label: the same digits and order in every language, as
/// the scanner-side of the lab reads them.
fn label_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// A unit's label in the viewer's language: identifier with its check
/// character, product type, collection and expiry, and the autologous warning.
fn unit_label_of(locale: Locale, unit: &UnitLabel) -> Label {
    let mut fields = Vec::new();
    if let Some(at) = unit.unit.collected_at {
        fields.push((tr(locale, "day-label-collected"), label_time(at)));
    }
    if let Some(at) = unit.unit.expires_at {
        fields.push((tr(locale, "day-label-expires"), label_time(at)));
    }
    if let Some(lot) = &unit.unit.supplier_lot {
        fields.push((tr(locale, "day-label-supplier-lot"), lot.clone()));
    }
    Label {
        lang: locale.code().to_string(),
        direction: direction(locale),
        width_mm: label_mm(unit.site.label_width_mm),
        height_mm: label_mm(unit.site.label_height_mm),
        heading: unit.site.name.clone(),
        identifier: unit.donation_id.body(),
        check_character: Some(unit.donation_id.check_character()),
        barcode_data: unit.donation_id.barcode_data(),
        product_type: label(locale, "day-product-type", unit.unit.product_type.code()),
        fields,
        warning: unit
            .autologous_only()
            .then(|| tr(locale, "day-label-autologous-only")),
    }
}

/// The wristband: its code as barcodes, the patient's name and date of
/// birth as text (never the record number).
fn wristband_label_of(locale: Locale, band: &WristbandLabel) -> Label {
    Label {
        lang: locale.code().to_string(),
        direction: direction(locale),
        width_mm: label_mm(band.site.label_width_mm),
        height_mm: label_mm(band.site.label_height_mm),
        heading: tr_args(
            locale,
            "day-wristband-heading",
            &[("site", band.site.name.clone())],
        ),
        identifier: band.code.to_string(),
        check_character: None,
        barcode_data: band.code.to_string(),
        product_type: band.patient.full_name(),
        fields: vec![(
            tr(locale, "field-date-of-birth"),
            band.patient.date_of_birth.format("%Y-%m-%d").to_string(),
        )],
        warning: None,
    }
}

/// A label rendered in `format`; a PNG at label printers' resolution.
fn render_label(label: &Label, format: LabelFormat) -> Result<Vec<u8>, DocumentError> {
    match format {
        LabelFormat::Svg => render_label_svg(label).map(String::into_bytes),
        LabelFormat::Pdf => render_label_pdf(label),
        LabelFormat::Png => render_label_png(label, LABEL_DOTS_PER_MM),
    }
}

/// A unit's label in `locale` and `format`, as the pages serve it (for
/// `cellpath label`, which prints the same label without a browser).
pub fn render_unit_label(
    locale: Locale,
    unit: &UnitLabel,
    format: LabelFormat,
) -> Result<Vec<u8>, DocumentError> {
    render_label(&unit_label_of(locale, unit), format)
}

fn label_response(
    locale: Locale,
    label: &Label,
    format: LabelFormat,
    name: &str,
) -> Result<Response, PageError> {
    let bytes = render_label(label, format).map_err(|e| {
        tracing::error!(code = e.code(), "label not rendered");
        PageError::Internal(locale)
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn wristband(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    format: LabelFormat,
) -> Result<Response, PageError> {
    let actor = staff(viewer)?;
    let locale = viewer.locale;
    let id: SessionId = parse_id(locale, id)?;
    let band = match state.app.wristband_label(actor, id).await {
        Ok(band) => band,
        // No wristband yet: there is nothing to print.
        Err(AppError::Invalid(_)) => return Err(PageError::NotFound(locale)),
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let name = format!("wristband-{}", band.code);
    label_response(locale, &wristband_label_of(locale, &band), format, &name)
}

async fn wristband_svg(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    wristband(&state, &viewer, &id, LabelFormat::Svg).await
}

async fn wristband_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    wristband(&state, &viewer, &id, LabelFormat::Pdf).await
}

async fn wristband_png(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    wristband(&state, &viewer, &id, LabelFormat::Png).await
}

/// `GET /labels/{id}.svg|.pdf|.png`: a unit's label by its uuid or its
/// identifier as printed or scanned.
async fn unit_label(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let locale = viewer.locale;
    let (id, extension) = file.rsplit_once('.').ok_or(PageError::NotFound(locale))?;
    let format = LabelFormat::parse(extension).ok_or(PageError::NotFound(locale))?;
    let unit = match state.app.unit_label(actor, id).await {
        Ok(unit) => unit,
        // An identifier that does not read names no unit.
        Err(AppError::Invalid(_)) => return Err(PageError::NotFound(locale)),
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let name = format!("label-{}", unit.donation_id.printed());
    label_response(locale, &unit_label_of(locale, &unit), format, &name)
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The discharge instructions in `locale`: who and what was done, the
/// monitoring, the clinic's starting-point advice and when to call.
fn discharge_document(locale: Locale, view: &SessionDayView) -> Document {
    let t = |key: &str| tr(locale, key);
    let patient = &view.patient;
    let plan = &view.plan.plan;
    let mut sections = vec![Section {
        heading: t("day-discharge-patient"),
        blocks: vec![Block::KeyValues(vec![
            (t("day-discharge-name"), Cell::Text(patient.full_name())),
            (
                t("field-date-of-birth"),
                Cell::Text(locale.date(patient.date_of_birth)),
            ),
            (
                t("field-record-number"),
                Cell::Ltr(patient.record_number.as_str().to_string()),
            ),
            (
                t("day-discharge-session"),
                Cell::Text(locale.date_time(view.session.starts_at)),
            ),
            (
                t("day-discharge-treatment"),
                Cell::Text(plan_heading(locale, &view.plan.plan)),
            ),
        ])],
    }];
    let done = match view.latest("injection") {
        Some(fields) => {
            let get = |name: &str| value_of(&fields, name).unwrap_or_default().to_string();
            let mut rows = vec![
                (
                    t("day-discharge-injection-site"),
                    Cell::Text(format!(
                        "{} · {}",
                        label(locale, "target-site", &get("target_site")),
                        label(locale, "side", &get("side"))
                    )),
                ),
                (
                    t("day-field-guidance"),
                    Cell::Text(label(locale, "guidance", &get("guidance"))),
                ),
                (
                    t("day-discharge-volume"),
                    Cell::Ltr(format!("{} mL", get("volume_ml"))),
                ),
                (t("day-field-product"), Cell::Ltr(get("product"))),
            ];
            if view.autologous() {
                rows.push((
                    t("day-field-source"),
                    Cell::Text(label(locale, "cell-source", plan.cell_source.code())),
                ));
            }
            if let Some(at) = DateTime::parse_from_rfc3339(&get("finished_at"))
                .ok()
                .map(|at| at.with_timezone(&Utc))
            {
                rows.push((
                    t("day-discharge-injected-at"),
                    Cell::Text(locale.date_time(at)),
                ));
            }
            vec![Block::KeyValues(rows)]
        }
        None => vec![Block::Paragraph(t("day-discharge-not-recorded"))],
    };
    sections.push(Section {
        heading: t("day-discharge-done"),
        blocks: done,
    });
    let monitoring = match view.latest("monitoring") {
        Some(fields) => {
            let get = |name: &str| value_of(&fields, name).unwrap_or_default().to_string();
            let mut rows = vec![
                (
                    t("day-discharge-blood-pressure"),
                    Cell::Ltr(format!("{}/{} mmHg", get("systolic"), get("diastolic"))),
                ),
                (
                    t("day-discharge-pulse"),
                    Cell::Ltr(format!("{} /min", get("pulse"))),
                ),
                (
                    t("day-discharge-temperature"),
                    Cell::Ltr(format!("{} °C", get("temperature"))),
                ),
                (
                    t("day-discharge-spo2"),
                    Cell::Ltr(format!("{} %", get("spo2"))),
                ),
                (
                    t("day-discharge-pain"),
                    Cell::Ltr(format!("{}/10", get("pain"))),
                ),
                (
                    t("day-field-criteria-met"),
                    Cell::Text(shown_value(locale, "criteria_met", &get("criteria_met"))),
                ),
            ];
            if let Some(out) = view
                .day
                .state(DayStep::Discharge)
                .and_then(StepState::finished)
            {
                rows.push((
                    t("day-discharge-discharged-at"),
                    Cell::Text(locale.date_time(out.at)),
                ));
            }
            vec![Block::KeyValues(rows)]
        }
        None => vec![Block::Paragraph(t("day-discharge-not-recorded"))],
    };
    sections.push(Section {
        heading: t("day-discharge-monitoring"),
        blocks: monitoring,
    });
    sections.push(Section {
        heading: t("day-discharge-at-home"),
        // The injection site, then the recovery plan the portal shows
        // (from the plan and the protocol), so both say the same.
        blocks: ["day-discharge-clean-dry", "day-discharge-rest"]
            .iter()
            .map(|key| t(key))
            .chain(
                session_timeline(plan, &view.protocol)
                    .recovery
                    .iter()
                    .map(|code| label(locale, "recovery", code)),
            )
            .map(Block::Paragraph)
            .collect(),
    });
    let mut call = vec![
        Block::Paragraph(t("day-discharge-call-intro")),
        Block::KeyValues(vec![(
            t("day-discharge-fever"),
            Cell::Ltr("38.0 °C".to_string()),
        )]),
    ];
    call.extend(
        [
            "day-discharge-call-pain",
            "day-discharge-call-discharge",
            "day-discharge-call-bleeding",
            "day-discharge-call-numbness",
        ]
        .iter()
        .map(|key| Block::Paragraph(t(key))),
    );
    call.push(Block::Paragraph(t("day-discharge-contact")));
    if !view.site_phone.is_empty() {
        call.push(Block::KeyValues(vec![(
            t("diary-phone"),
            Cell::Ltr(view.site_phone.clone()),
        )]));
    }
    sections.push(Section {
        heading: t("day-discharge-call"),
        blocks: call,
    });
    Document {
        lang: locale.code().to_string(),
        direction: direction(locale),
        title: t("day-discharge-title"),
        subtitle: Some(patient.full_name()),
        sections,
        footer: Some(t("pdf-footer")),
    }
}

/// `GET /sessions/{id}/discharge.pdf?lang=en|ar`: in the patient's
/// preferred language unless another is asked for.
async fn discharge_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Result<Response, PageError> {
    let actor = staff(&viewer)?;
    let locale = viewer.locale;
    let id: SessionId = parse_id(locale, &id)?;
    let asked = match query.lang.as_deref().filter(|l| !l.is_empty()) {
        Some(code) => Some(Locale::parse(code).ok_or(PageError::BadRequest(locale))?),
        None => None,
    };
    let view = state
        .app
        .session_day(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let language = asked.unwrap_or(view.patient.preferred_language);
    let pdf = render_pdf(&discharge_document(language, &view)).map_err(|e| {
        tracing::error!(code = e.code(), "discharge instructions not rendered");
        PageError::Internal(locale)
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"discharge-{}.pdf\"", language.code()),
            ),
        ],
        pdf,
    )
        .into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/day", get(show_day))
        .route("/sessions/{id}/day/checks/{item}", post(record_check))
        .route("/sessions/{id}/day/steps/{step}/start", post(start_step))
        .route("/sessions/{id}/day/steps/{step}/finish", post(finish_step))
        .route("/sessions/{id}/day/harvest", post(record_harvest))
        .route("/sessions/{id}/day/donor-lot", post(assign_donor_lot))
        .route("/sessions/{id}/day/bedside-check", post(bedside_check))
        .route("/sessions/{id}/day/injection", post(record_injection))
        .route("/sessions/{id}/day/monitoring", post(record_monitoring))
        .route("/sessions/{id}/day/deviations", post(record_deviation))
        .route("/sessions/{id}/wristband.svg", get(wristband_svg))
        .route("/sessions/{id}/wristband.pdf", get(wristband_pdf))
        .route("/sessions/{id}/wristband.png", get(wristband_png))
        .route("/sessions/{id}/discharge.pdf", get(discharge_pdf))
        .route("/labels/{file}", get(unit_label))
}
