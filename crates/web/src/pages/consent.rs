//! Consent and "what to expect": the patient signs the exact text shown in
//! their portal, or on a staff device with a witness; either may record a
//! withdrawal; the admin edits the consent texts and the clinic's answers in
//! both languages; the patient reads their own session day and recovery.
//!
//! Handlers read the form, call the use case and render. Codes become
//! catalogue keys (`consent-state-outdated`, `step-harvest`,
//! `recovery-no-nsaids`, `question-does-it-hurt`).

use super::{
    Ctx, FieldSpec, FormState, PageForm, app_error, chosen_site, field, label, parse_id,
    plan_heading, render, render_status, require, require_staff,
};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{issue_message, tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::consent::{ConsentText, PlanConsent};
use cellpath_app::expectations::{Answer, Expectation};
use cellpath_app::{Actor, AppError};
use cellpath_domain::consent::{ConsentState, SignatureDraft, TemplateDraft};
use cellpath_domain::plan::PlanStatus;
use cellpath_domain::protocol::MinuteRange;
use cellpath_domain::{Action, IssueCode, Issues, Locale, PlanId, Role, SiteId};
use uuid::Uuid;

/// A text's paragraphs as written (blank lines between them).
fn paragraphs(body: &str) -> Vec<String> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

// ---- a plan's consent, in the portal and on a staff device ----

/// Where the page is seen: the patient's portal or a staff device.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Device {
    Portal,
    Staff,
}

impl Device {
    fn base(self, plan_id: PlanId) -> String {
        match self {
            Device::Portal => format!("/portal/plans/{plan_id}/consent"),
            Device::Staff => format!("/plans/{plan_id}/consent"),
        }
    }
}

pub struct SignatureLine {
    pub id: String,
    pub signed: String,
    pub witness: Option<String>,
    pub interpreter: Option<String>,
    pub withdrawn: Option<String>,
    pub pdf_href: String,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    ctx: Ctx,
    patient: Option<String>,
    plan: String,
    state_code: &'static str,
    state: String,
    state_help: String,
    title: String,
    paragraphs: Vec<String>,
    version: String,
    text_hash: String,
    /// The signature in force, when consent is valid.
    valid: Option<SignatureLine>,
    signatures: Vec<SignatureLine>,
    action: String,
    /// The signing form, when consent is not valid and the viewer may sign.
    sign: Option<FormState>,
    /// The withdrawal form, when consent is valid and the viewer may record it.
    withdraw: Option<FormState>,
    fields: Vec<FieldSpec>,
    reason: FieldSpec,
    back_href: String,
    back_label: String,
}

/// Which form of the consent page failed.
enum Failed {
    Sign(FormState),
    Withdraw(FormState),
}

fn signature_fields(locale: Locale, device: Device) -> Vec<FieldSpec> {
    let mut fields = vec![field(
        locale,
        "field-typed-name",
        "typed_name",
        "text",
        true,
    )];
    if device == Device::Staff {
        fields.extend([
            field(locale, "field-witness-name", "witness_name", "text", true),
            field(
                locale,
                "field-interpreter-name",
                "interpreter_name",
                "text",
                false,
            ),
            field(
                locale,
                "field-interpreter-language",
                "interpreter_language",
                "text",
                false,
            ),
        ]);
    }
    fields
}

fn consent_page(
    viewer: &Viewer,
    actor: &Actor,
    device: Device,
    consent: &PlanConsent,
    patient: Option<String>,
    failed: Option<Failed>,
) -> ConsentPage {
    let locale = viewer.locale;
    let plan_id = consent.plan.id;
    let base = device.base(plan_id);
    let text: &ConsentText = &consent.text;
    let lines: Vec<SignatureLine> = consent
        .signatures
        .iter()
        .map(|row| {
            let via = label(locale, "signed-via", &row.signed_via);
            SignatureLine {
                id: row.id.to_string(),
                signed: tr_args(
                    locale,
                    "consent-signed",
                    &[
                        ("name", row.typed_name.clone()),
                        ("who", row.signed_by.clone()),
                        ("date", locale.date_time(row.signed_at)),
                        ("version", locale.number(row.template_version)),
                        ("via", via),
                    ],
                ),
                witness: row
                    .witness_name
                    .as_ref()
                    .map(|w| tr_args(locale, "consent-witness", &[("name", w.clone())])),
                interpreter: row.interpreter_name.as_ref().map(|name| {
                    tr_args(
                        locale,
                        "consent-interpreter",
                        &[
                            ("name", name.clone()),
                            (
                                "language",
                                row.interpreter_language.clone().unwrap_or_default(),
                            ),
                        ],
                    )
                }),
                withdrawn: row.withdrawn_at.map(|at| {
                    let line = tr_args(
                        locale,
                        "consent-withdrawn-line",
                        &[
                            ("date", locale.date_time(at)),
                            ("who", row.withdrawn_by.clone().unwrap_or_default()),
                        ],
                    );
                    match &row.withdrawal_reason {
                        Some(reason) => format!(
                            "{line} {}",
                            tr_args(
                                locale,
                                "consent-withdrawn-reason",
                                &[("reason", reason.clone())]
                            )
                        ),
                        None => line,
                    }
                }),
                pdf_href: format!("{base}/{}/pdf", row.id),
            }
        })
        .collect();
    let latest_idx = consent
        .signatures
        .iter()
        .enumerate()
        .max_by_key(|(_, row)| row.signed_at)
        .map(|(idx, _)| idx);
    let valid = match (consent.state, latest_idx) {
        (ConsentState::Valid, Some(idx)) => lines.get(idx).map(|line| SignatureLine {
            id: line.id.clone(),
            signed: line.signed.clone(),
            witness: line.witness.clone(),
            interpreter: line.interpreter.clone(),
            withdrawn: None,
            pdf_href: line.pdf_href.clone(),
        }),
        _ => None,
    };
    let may_act = match device {
        Device::Portal => actor.may(Action::GiveOwnConsent),
        Device::Staff => actor.may(Action::TakeConsent),
    };
    let (sign_failed, withdraw_failed) = match failed {
        Some(Failed::Sign(form)) => (Some(form), None),
        Some(Failed::Withdraw(form)) => (None, Some(form)),
        None => (None, None),
    };
    let state_code = consent.state.code();
    ConsentPage {
        patient,
        plan: plan_heading(locale, &consent.plan.plan),
        state_code,
        state: label(locale, "consent-state", state_code),
        state_help: label(locale, "consent-state-help", state_code),
        title: text.title.clone(),
        paragraphs: paragraphs(&text.body),
        version: tr_args(
            locale,
            "consent-text-version",
            &[("version", locale.number(text.version))],
        ),
        text_hash: text.hash.clone(),
        sign: (may_act && consent.state != ConsentState::Valid)
            .then(|| sign_failed.unwrap_or_default()),
        withdraw: (may_act && valid.is_some()).then(|| withdraw_failed.unwrap_or_default()),
        valid,
        signatures: lines,
        action: base,
        fields: signature_fields(locale, device),
        reason: field(
            locale,
            "field-withdrawal-reason",
            "reason",
            "textarea",
            false,
        ),
        back_href: match device {
            Device::Portal => "/portal/consent".to_string(),
            Device::Staff => format!("/patients/{}/plans#plan-{plan_id}", consent.plan.patient_id),
        },
        back_label: match device {
            Device::Portal => tr(locale, "back-to-my-consents"),
            Device::Staff => tr(locale, "back-to-plans"),
        },
        ctx: Ctx::new(viewer),
    }
}

/// Loads the plan's consent (and the patient's name on a staff device) and renders it.
async fn show_consent_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    device: Device,
    plan_id: PlanId,
    failed: Option<Failed>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let consent = state
        .app
        .plan_consent(actor, plan_id, locale)
        .await
        .map_err(app_error(locale))?;
    let patient = match device {
        Device::Portal => None,
        Device::Staff => Some(
            state
                .app
                .patient_chart(actor, consent.plan.patient_id)
                .await
                .map_err(app_error(locale))?
                .patient
                .full_name(),
        ),
    };
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = consent_page(viewer, actor, device, &consent, patient, failed);
    render_status(locale, status, &page)
}

/// The form again with its problems; a changed text says so above the new text.
fn failed_signature(locale: Locale, form: PageForm, issues: &Issues) -> Failed {
    let mut state = FormState::from_values(form.0);
    if let Some(outdated) = issues
        .0
        .iter()
        .find(|i| i.field == "text_hash" || i.code == IssueCode::Outdated)
    {
        state.banner = Some(issue_message(locale, outdated));
        state.values.remove("confirmed");
    }
    Failed::Sign(state.with_issues(locale, issues))
}

pub(super) fn signature_draft(form: &PageForm) -> SignatureDraft {
    SignatureDraft {
        typed_name: form.get("typed_name"),
        drawn_signature: form.get("drawn_signature"),
        witness_name: form.get("witness_name"),
        interpreter_name: form.get("interpreter_name"),
        interpreter_language: form.get("interpreter_language"),
        confirmed: matches!(form.get("confirmed").as_str(), "true" | "on" | "yes"),
    }
}

async fn my_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let plan_id = parse_id(viewer.locale, &plan)?;
    if actor.role != Role::Patient {
        return Ok(Redirect::to(&Device::Staff.base(plan_id)).into_response());
    }
    show_consent_page(&state, &viewer, actor, Device::Portal, plan_id, None).await
}

async fn staff_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?;
    let plan_id = parse_id(viewer.locale, &plan)?;
    show_consent_page(&state, &viewer, actor, Device::Staff, plan_id, None).await
}

async fn sign(
    state: AppState,
    viewer: Viewer,
    actor: &Actor,
    device: Device,
    plan: String,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let plan_id = parse_id(locale, &plan)?;
    let draft = signature_draft(&form);
    let hash = form.get("text_hash");
    let result = match device {
        Device::Portal => {
            state
                .app
                .sign_own_consent(actor, plan_id, locale, &hash, &draft)
                .await
        }
        Device::Staff => {
            state
                .app
                .take_consent(actor, plan_id, locale, &hash, &draft)
                .await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&device.base(plan_id)).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = failed_signature(locale, form, &issues);
            show_consent_page(&state, &viewer, actor, device, plan_id, Some(failed)).await
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn sign_my_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?.clone();
    if actor.role != Role::Patient {
        return Err(PageError::NotFound(viewer.locale));
    }
    sign(state, viewer, &actor, Device::Portal, plan, form).await
}

async fn take_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?.clone();
    sign(state, viewer, &actor, Device::Staff, plan, form).await
}

async fn withdraw(
    state: AppState,
    viewer: Viewer,
    actor: &Actor,
    device: Device,
    plan: String,
    form: PageForm,
) -> Result<Response, PageError> {
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let plan_id = parse_id(locale, &plan)?;
    let reason = form.get("reason");
    let result = match device {
        Device::Portal => {
            state
                .app
                .withdraw_own_consent(actor, plan_id, &reason)
                .await
        }
        Device::Staff => state.app.record_withdrawal(actor, plan_id, &reason).await,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&device.base(plan_id)).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            show_consent_page(
                &state,
                &viewer,
                actor,
                device,
                plan_id,
                Some(Failed::Withdraw(failed)),
            )
            .await
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn withdraw_my_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?.clone();
    if actor.role != Role::Patient {
        return Err(PageError::NotFound(viewer.locale));
    }
    withdraw(state, viewer, &actor, Device::Portal, plan, form).await
}

async fn record_withdrawal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require_staff(&viewer)?.clone();
    withdraw(state, viewer, &actor, Device::Staff, plan, form).await
}

/// The stored PDF of a signature (the same for the portal and staff).
async fn consent_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, consent)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let plan_id = parse_id(locale, &plan)?;
    let consent_id: Uuid = consent.parse().map_err(|_| PageError::NotFound(locale))?;
    let pdf = state
        .app
        .consent_document(actor, plan_id, consent_id)
        .await
        .map_err(app_error(locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"consent-{consent_id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

// ---- the patient's consents (portal index) ----

pub struct PlanLink {
    pub heading: String,
    pub status: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "consent_list.html")]
struct MyConsentsPage {
    ctx: Ctx,
    plans: Vec<PlanLink>,
}

async fn my_consents(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let Some(patient_id) = actor.patient_id.filter(|_| actor.role == Role::Patient) else {
        return Ok(Redirect::to("/home").into_response());
    };
    let views = state
        .app
        .plans_of_patient(actor, patient_id)
        .await
        .map_err(app_error(locale))?;
    let plans = views
        .iter()
        .filter(|v| v.plan.status != PlanStatus::Declined)
        .map(|v| PlanLink {
            heading: plan_heading(locale, &v.plan.plan),
            status: label(locale, "plan-status", v.plan.status.code()),
            href: Device::Portal.base(v.plan.id),
        })
        .collect();
    render(
        locale,
        &MyConsentsPage {
            ctx: Ctx::new(&viewer),
            plans,
        },
    )
}

// ---- what to expect (portal) ----

pub struct StepLine {
    pub code: &'static str,
    pub label: String,
    pub duration: Option<String>,
}

pub struct ExpectCard {
    pub id: String,
    pub heading: String,
    pub next_session: String,
    pub anaesthesia: String,
    pub steps: Vec<StepLine>,
    pub total: String,
    pub fasting: Option<String>,
    pub ride: Option<String>,
    pub recovery: Vec<String>,
    pub consent_href: String,
}

pub struct AnswerView {
    pub question: &'static str,
    pub title: String,
    pub paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "expect.html")]
struct ExpectPage {
    ctx: Ctx,
    cards: Vec<ExpectCard>,
    answers: Vec<AnswerView>,
}

fn minutes(locale: Locale, range: MinuteRange) -> String {
    let (min, max) = (
        locale.number(range.min.into()),
        locale.number(range.max.into()),
    );
    if range.min == range.max {
        tr_args(locale, "minutes-exact", &[("minutes", min)])
    } else {
        tr_args(locale, "minutes-range", &[("min", min), ("max", max)])
    }
}

fn expect_card(locale: Locale, expectation: &Expectation) -> ExpectCard {
    let plan = &expectation.plan;
    let timeline = &expectation.timeline;
    ExpectCard {
        id: plan.id.to_string(),
        heading: plan_heading(locale, &plan.plan),
        next_session: match &expectation.session {
            Some(session) => tr_args(
                locale,
                "expect-next-session",
                &[
                    ("number", locale.number(session.number)),
                    ("date", locale.date_time(session.starts_at)),
                ],
            ),
            None => tr(locale, "expect-no-session"),
        },
        anaesthesia: label(locale, "anaesthesia", plan.plan.anaesthesia.code()),
        steps: timeline
            .steps
            .iter()
            .map(|step| StepLine {
                code: step.code.code(),
                label: label(locale, "step", step.code.code()),
                duration: (step.minutes.max > 0).then(|| minutes(locale, step.minutes)),
            })
            .collect(),
        total: tr_args(
            locale,
            "expect-total",
            &[("duration", minutes(locale, timeline.total))],
        ),
        fasting: timeline.fasting_hours.map(|(solids, liquids)| {
            tr_args(
                locale,
                "expect-fasting",
                &[
                    ("solids", locale.number(solids.into())),
                    ("liquids", locale.number(liquids.into())),
                ],
            )
        }),
        ride: timeline.needs_ride.then(|| tr(locale, "expect-ride")),
        recovery: timeline
            .recovery
            .iter()
            .map(|code| label(locale, "recovery", code))
            .collect(),
        consent_href: Device::Portal.base(plan.id),
    }
}

fn answer_view(answer: &Answer) -> AnswerView {
    AnswerView {
        question: answer.question,
        title: answer.title.clone(),
        paragraphs: paragraphs(&answer.body),
    }
}

async fn what_to_expect(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    if actor.role != Role::Patient {
        return Ok(Redirect::to("/home").into_response());
    }
    let expect = state
        .app
        .what_to_expect(actor, locale)
        .await
        .map_err(app_error(locale))?;
    render(
        locale,
        &ExpectPage {
            ctx: Ctx::new(&viewer),
            cards: expect
                .sessions
                .iter()
                .map(|e| expect_card(locale, e))
                .collect(),
            answers: expect.answers.iter().map(answer_view).collect(),
        },
    )
}

// ---- the admin's consent texts and answers ----

#[derive(serde::Deserialize)]
struct SiteQuery {
    site: Option<String>,
}

fn in_force(
    locale: Locale,
    version: i64,
    who: Option<&String>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match (who, at) {
        (Some(who), Some(at)) => tr_args(
            locale,
            "text-in-force",
            &[
                ("version", locale.number(version)),
                ("who", who.clone()),
                ("date", locale.date_time(at)),
            ],
        ),
        _ => tr(locale, "text-starting"),
    }
}

/// One editable text (a consent text or an answer) in one language.
pub struct TextForm {
    /// The form's id and field prefix (`bone_marrow-ar`, `does_it_hurt-en`).
    pub key: String,
    /// The procedure or the question the text is about.
    pub subject: &'static str,
    pub heading: String,
    pub lang: &'static str,
    pub dir: &'static str,
    pub locale: &'static str,
    pub in_force: String,
    pub form: FormState,
}

#[derive(Template)]
#[template(path = "consent_texts.html")]
struct ConsentTextsPage {
    ctx: Ctx,
    site: String,
    texts: Vec<TextForm>,
    title_field: FieldSpec,
    body_field: FieldSpec,
}

#[derive(Template)]
#[template(path = "answers_admin.html")]
struct AnswersPage {
    ctx: Ctx,
    site: String,
    questions: Vec<(String, Vec<TextForm>)>,
    title_field: FieldSpec,
    body_field: FieldSpec,
}

fn text_form(
    subject: &'static str,
    text_locale: Locale,
    heading: String,
    in_force: String,
    values: [(&str, &str); 2],
    failed: &mut Option<(String, FormState)>,
) -> TextForm {
    let key = format!("{subject}-{}", text_locale.code());
    let form = match failed {
        Some((failed_key, _)) if *failed_key == key => failed.take().map(|(_, form)| form),
        _ => None,
    }
    .unwrap_or_else(|| {
        FormState::from_values(
            values
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        )
    });
    TextForm {
        key,
        subject,
        heading,
        lang: text_locale.code(),
        dir: text_locale.dir(),
        locale: text_locale.code(),
        in_force,
        form,
    }
}

async fn consent_texts_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    mut failed: Option<(String, FormState)>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let texts = state
        .app
        .consent_texts(actor, site)
        .await
        .map_err(app_error(locale))?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let texts = texts
        .iter()
        .map(|text| {
            text_form(
                text.procedure.code(),
                text.locale,
                format!(
                    "{} · {}",
                    label(locale, "cell-source", text.procedure.code()),
                    label(locale, "language", text.locale.code())
                ),
                in_force(
                    locale,
                    text.version,
                    text.changed_by.as_ref(),
                    text.changed_at,
                ),
                [("title", &text.title), ("body", &text.body)],
                &mut failed,
            )
        })
        .collect();
    let page = ConsentTextsPage {
        site: site.to_string(),
        texts,
        title_field: field(locale, "field-text-title", "title", "text", true),
        body_field: field(locale, "field-text-body", "body", "textarea", true),
        ctx: Ctx::new(viewer),
    };
    render_status(locale, status, &page)
}

async fn show_consent_texts(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<SiteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManagePatientTexts)?;
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(viewer.locale));
    };
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    consent_texts_page(&state, &viewer, actor, site, None).await
}

async fn save_consent_text(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManagePatientTexts)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let draft = TemplateDraft {
        procedure: form.get("procedure"),
        locale: form.get("locale"),
        title: form.get("title"),
        body: form.get("body"),
    };
    match state.app.save_consent_text(actor, site, &draft).await {
        Ok(text) => Ok(Redirect::to(&format!(
            "/admin/consent-texts?site={site}#text-{}-{}",
            text.procedure.code(),
            text.locale.code()
        ))
        .into_response()),
        Err(AppError::Invalid(issues)) => {
            let key = format!("{}-{}", draft.procedure, draft.locale);
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            consent_texts_page(&state, &viewer, actor, site, Some((key, failed))).await
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn answers_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    mut failed: Option<(String, FormState)>,
) -> Result<Response, PageError> {
    let locale = viewer.locale;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut by_locale = Vec::new();
    for text_locale in Locale::ALL {
        let answers = state
            .app
            .answers(actor, site, text_locale)
            .await
            .map_err(app_error(locale))?;
        by_locale.push((text_locale, answers));
    }
    let questions = cellpath_domain::expectations::QUESTIONS
        .iter()
        .map(|question| {
            let forms = by_locale
                .iter()
                .filter_map(|(text_locale, answers)| {
                    let answer = answers.iter().find(|a| a.question == *question)?;
                    Some(text_form(
                        question,
                        *text_locale,
                        label(locale, "language", text_locale.code()),
                        in_force(
                            locale,
                            answer.version,
                            answer.updated_by.as_ref(),
                            answer.updated_at,
                        ),
                        [("title", &answer.title), ("body", &answer.body)],
                        &mut failed,
                    ))
                })
                .collect();
            (label(locale, "question", question), forms)
        })
        .collect();
    let page = AnswersPage {
        site: site.to_string(),
        questions,
        title_field: field(locale, "field-answer-title", "title", "text", true),
        body_field: field(locale, "field-answer-body", "body", "textarea", true),
        ctx: Ctx::new(viewer),
    };
    render_status(locale, status, &page)
}

async fn show_answers(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<SiteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManagePatientTexts)?;
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(viewer.locale));
    };
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    answers_page(&state, &viewer, actor, site, None).await
}

async fn save_answer(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManagePatientTexts)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let question = form.get("question");
    let raw_locale = form.get("locale");
    let Some(text_locale) = Locale::parse(&raw_locale).filter(|l| l.code() == raw_locale) else {
        return Err(PageError::BadRequest(locale));
    };
    match state
        .app
        .save_answer(
            actor,
            site,
            &question,
            text_locale,
            &form.get("title"),
            &form.get("body"),
        )
        .await
    {
        Ok(answer) => Ok(Redirect::to(&format!(
            "/admin/answers?site={site}#answer-{}-{}",
            answer.question,
            text_locale.code()
        ))
        .into_response()),
        Err(AppError::Invalid(issues)) => {
            let key = format!("{question}-{}", text_locale.code());
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            answers_page(&state, &viewer, actor, site, Some((key, failed))).await
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/consent", get(my_consents))
        .route(
            "/portal/plans/{plan}/consent",
            get(my_consent).post(sign_my_consent),
        )
        .route(
            "/portal/plans/{plan}/consent/withdrawal",
            post(withdraw_my_consent),
        )
        .route(
            "/portal/plans/{plan}/consent/{consent}/pdf",
            get(consent_pdf),
        )
        .route(
            "/plans/{plan}/consent",
            get(staff_consent).post(take_consent),
        )
        .route("/plans/{plan}/consent/withdrawal", post(record_withdrawal))
        .route("/plans/{plan}/consent/{consent}/pdf", get(consent_pdf))
        .route("/portal/expect", get(what_to_expect))
        .route(
            "/admin/consent-texts",
            get(show_consent_texts).post(save_consent_text),
        )
        .route("/admin/answers", get(show_answers).post(save_answer))
}
