//! Patient pages: search and list, register, the chart with its intake
//! lists, edits that detect a concurrent change, invitations, and the
//! patient's own portal.

use super::{Ctx, FieldSpec, FormState, PageForm, field, parse_id, render, render_status, select};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::tr;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cellpath_app::patients::Chart;
use cellpath_app::{Actor, AppError, Current};
use cellpath_domain::intake::{
    AllergySeverity, ConditionCategory, ConditionStatus, ImagingModality, IntakeDraft, IntakeEntry,
    IntakeItem, IntakeKind, MedicationClass, ResultKind,
};
use cellpath_domain::patient::{Patient, PatientDraft, Sex};
use cellpath_domain::{Action, ItemId, Locale, PatientId, Role};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 25;

fn patient_fields(locale: Locale) -> Vec<FieldSpec> {
    let sexes: Vec<&str> = Sex::ALL.iter().map(|s| s.code()).collect();
    vec![
        field(locale, "field-given-name", "given_name", "text", true),
        field(locale, "field-family-name", "family_name", "text", true),
        field(
            locale,
            "field-other-script-name",
            "other_script_name",
            "text",
            false,
        ),
        field(locale, "field-date-of-birth", "date_of_birth", "date", true),
        select(locale, "field-sex", "sex", "sex", &sexes, true),
        field(
            locale,
            "field-record-number",
            "record_number",
            "text",
            false,
        ),
        field(locale, "field-phone", "phone", "tel", false),
        field(locale, "field-email", "email", "email", false),
        field(locale, "field-address", "address", "textarea", false),
        select(
            locale,
            "field-preferred-language",
            "preferred_language",
            "language",
            &["en", "ar"],
            true,
        ),
    ]
}

/// The code prefix of the catalogue labels of a kind's coded field.
fn code_prefix(kind: IntakeKind) -> &'static str {
    match kind {
        IntakeKind::Condition => "condition-status",
        IntakeKind::Medication => "medication-class",
        IntakeKind::Allergy => "allergy-severity",
        IntakeKind::Imaging => "imaging-modality",
        IntakeKind::Result => "result-kind",
    }
}

fn kind_codes(kind: IntakeKind) -> Vec<&'static str> {
    match kind {
        IntakeKind::Condition => ConditionStatus::ALL.iter().map(|c| c.code()).collect(),
        IntakeKind::Medication => MedicationClass::ALL.iter().map(|c| c.code()).collect(),
        IntakeKind::Allergy => AllergySeverity::ALL.iter().map(|c| c.code()).collect(),
        IntakeKind::Imaging => ImagingModality::ALL.iter().map(|c| c.code()).collect(),
        IntakeKind::Result => ResultKind::ALL.iter().map(|c| c.code()).collect(),
    }
}

fn intake_fields(locale: Locale, kind: IntakeKind) -> Vec<FieldSpec> {
    let [name, code, detail, start, end, notes] = IntakeItem::field_names(kind);
    let key = |f: &str| format!("field-{}-{}", kind.slug(), f.replace('_', "-"));
    let mut fields = vec![
        field(locale, &key(name), name, "text", true),
        select(
            locale,
            &key(code),
            code,
            code_prefix(kind),
            &kind_codes(kind),
            true,
        ),
    ];
    if kind == IntakeKind::Condition {
        let categories: Vec<&str> = ConditionCategory::ALL.iter().map(|c| c.code()).collect();
        fields.push(select(
            locale,
            &key(detail),
            detail,
            "condition-category",
            &categories,
            false,
        ));
    } else if !detail.is_empty() {
        fields.push(field(
            locale,
            &key(detail),
            detail,
            "text",
            kind == IntakeKind::Result,
        ));
    }
    if !start.is_empty() {
        fields.push(field(
            locale,
            &key(start),
            start,
            "date",
            matches!(kind, IntakeKind::Imaging | IntakeKind::Result),
        ));
    }
    if !end.is_empty() {
        fields.push(field(locale, &key(end), end, "date", false));
    }
    if !notes.is_empty() {
        fields.push(field(locale, &key(notes), notes, "textarea", false));
    }
    fields
}

pub(super) fn intake_draft(kind: IntakeKind, form: &PageForm) -> IntakeDraft {
    let [name, code, detail, start, end, notes] = IntakeItem::field_names(kind);
    let get = |f: &str| {
        if f.is_empty() {
            String::new()
        } else {
            form.get(f)
        }
    };
    IntakeDraft {
        name: get(name),
        code: get(code),
        detail: get(detail),
        start_date: get(start),
        end_date: get(end),
        notes: get(notes),
    }
}

fn intake_values(item: &IntakeItem) -> HashMap<String, String> {
    item.audit_fields()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

pub(super) fn patient_draft(form: &PageForm) -> PatientDraft {
    PatientDraft {
        record_number: form.get("record_number"),
        given_name: form.get("given_name"),
        family_name: form.get("family_name"),
        other_script_name: form.get("other_script_name"),
        date_of_birth: form.get("date_of_birth"),
        sex: form.get("sex"),
        phone: form.get("phone"),
        email: form.get("email"),
        address: form.get("address"),
        preferred_language: form.get("preferred_language"),
    }
}

fn patient_values(patient: &Patient) -> HashMap<String, String> {
    patient
        .audit_fields()
        .into_iter()
        .filter(|(k, _)| *k != "version")
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A field whose stored value differs from what the user submitted.
pub struct ConflictRow {
    pub label: String,
    pub mine: String,
    pub theirs: String,
}

fn conflict_rows(
    fields: &[FieldSpec],
    mine: &FormState,
    current: &HashMap<String, String>,
) -> Vec<ConflictRow> {
    fields
        .iter()
        .filter_map(|f| {
            let theirs = current.get(f.name).cloned().unwrap_or_default();
            let my_value = mine.v(f.name).trim().to_string();
            (my_value != theirs).then(|| ConflictRow {
                label: f.label.clone(),
                mine: my_value,
                theirs,
            })
        })
        .collect()
}

/// The patient, list and entry named by an intake entry's URL.
fn entry_path(
    locale: Locale,
    id: &str,
    kind: &str,
    item: &str,
) -> Result<(PatientId, IntakeKind, ItemId), PageError> {
    let item: ItemId = item.parse().map_err(|_| PageError::NotFound(locale))?;
    Ok((parse_id(locale, id)?, parse_kind(locale, kind)?, item))
}

/// The version an edit form was filled from.
fn form_version(locale: Locale, form: &PageForm) -> Result<i64, PageError> {
    form.get("version")
        .parse()
        .map_err(|_| PageError::BadRequest(locale))
}

fn parse_kind(locale: Locale, raw: &str) -> Result<IntakeKind, PageError> {
    IntakeKind::from_slug(raw).ok_or(PageError::NotFound(locale))
}

// ---- search ----

pub struct PatientRow {
    pub id: String,
    pub name: String,
    pub other_name: String,
    pub record_number: String,
    pub date_of_birth: String,
    pub phone: String,
}

#[derive(Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    ctx: Ctx,
    q: String,
    rows: Vec<PatientRow>,
    searched: bool,
    prev_href: Option<String>,
    next_href: Option<String>,
    may_register: bool,
}

#[derive(serde::Deserialize)]
struct SearchForm {
    q: Option<String>,
    page: Option<i64>,
}

fn search_href(q: &str, page: i64) -> String {
    let mut encoded = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/patients?q={encoded}&page={page}")
}

async fn list_patients(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<SearchForm>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(viewer.locale));
    };
    let q = query.q.unwrap_or_default();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let result = state
        .app
        .search_patients(actor, &q, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await
        .map_err(|e| PageError::from_app(viewer.locale, e))?;
    let locale = viewer.locale;
    let rows = result
        .patients
        .iter()
        .map(|p| PatientRow {
            id: p.id.to_string(),
            name: p.full_name(),
            other_name: p.other_script_name.clone().unwrap_or_default(),
            record_number: p.record_number.as_str().to_string(),
            date_of_birth: locale.date(p.date_of_birth),
            phone: p.phone.clone().unwrap_or_default(),
        })
        .collect();
    let page_view = PatientsPage {
        searched: !q.trim().is_empty(),
        prev_href: (page > 1).then(|| search_href(&q, page - 1)),
        next_href: result.has_more.then(|| search_href(&q, page + 1)),
        may_register: actor.may(Action::RegisterPatient),
        q,
        rows,
        ctx: Ctx::new(&viewer),
    };
    render(locale, &page_view)
}

// ---- register and edit demographics ----

#[derive(Template)]
#[template(path = "patient_form.html")]
struct PatientFormPage {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    fields: Vec<FieldSpec>,
    form: FormState,
    version: Option<i64>,
    conflict: Vec<ConflictRow>,
}

async fn new_patient(viewer: Viewer) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    if !actor.may(Action::RegisterPatient) {
        return Err(PageError::Forbidden(viewer.locale));
    }
    let locale = viewer.locale;
    let mut form = FormState::default();
    form.values
        .insert("preferred_language".into(), locale.code().into());
    let page = PatientFormPage {
        title: tr(locale, "patient-new-title"),
        action: "/patients".into(),
        cancel: "/patients".into(),
        fields: patient_fields(locale),
        form,
        version: None,
        conflict: Vec::new(),
        ctx: Ctx::new(&viewer),
    };
    render(locale, &page)
}

async fn create_patient(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    match state
        .app
        .register_patient(actor, None, &patient_draft(&form))
        .await
    {
        Ok(patient) => Ok(Redirect::to(&format!("/patients/{}", patient.id)).into_response()),
        Err(AppError::Invalid(issues)) => {
            let page = PatientFormPage {
                title: tr(locale, "patient-new-title"),
                action: "/patients".into(),
                cancel: "/patients".into(),
                fields: patient_fields(locale),
                form: FormState::from_values(form.0).with_issues(locale, &issues),
                version: None,
                conflict: Vec::new(),
                ctx: Ctx::new(&viewer),
            };
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn edit_patient(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    if !actor.may(Action::EditDemographics) {
        return Err(PageError::Forbidden(locale));
    }
    let id = parse_id(locale, &id)?;
    let chart = state
        .app
        .patient_chart(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let page = PatientFormPage {
        title: tr(locale, "patient-edit-title"),
        action: format!("/patients/{id}/edit"),
        cancel: format!("/patients/{id}"),
        fields: patient_fields(locale),
        form: FormState::from_values(patient_values(&chart.patient)),
        version: Some(chart.patient.version),
        conflict: Vec::new(),
        ctx: Ctx::new(&viewer),
    };
    render(locale, &page)
}

async fn update_patient(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id = parse_id(locale, &id)?;
    let version = form_version(locale, &form)?;
    let result = state
        .app
        .update_patient(actor, id, version, &patient_draft(&form))
        .await;
    let fields = patient_fields(locale);
    let (state_form, version, conflict) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/patients/{id}")).into_response()),
        Err(AppError::Invalid(issues)) => (
            FormState::from_values(form.0).with_issues(locale, &issues),
            version,
            Vec::new(),
        ),
        Err(AppError::Conflict(Current::Patient(current))) => {
            let mut mine = FormState::from_values(form.0);
            mine.banner = Some(tr(locale, "conflict-banner"));
            let rows = conflict_rows(&fields, &mine, &patient_values(&current));
            (mine, current.version, rows)
        }
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let status = if conflict.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    let page = PatientFormPage {
        title: tr(locale, "patient-edit-title"),
        action: format!("/patients/{id}/edit"),
        cancel: format!("/patients/{id}"),
        fields,
        form: state_form,
        version: Some(version),
        conflict,
        ctx: Ctx::new(&viewer),
    };
    render_status(locale, status, &page)
}

// ---- the chart ----

pub struct EntryRow {
    pub id: String,
    pub cells: Vec<String>,
}

pub struct IntakeSection {
    pub slug: &'static str,
    /// Prefix of the form's element ids, unique on the chart page.
    pub id_prefix: String,
    pub title: String,
    pub empty: String,
    pub headers: Vec<String>,
    pub rows: Vec<EntryRow>,
    pub fields: Vec<FieldSpec>,
    pub form: FormState,
}

pub struct Demographic {
    pub label: String,
    pub value: String,
    /// Identifiers and numbers are isolated left to right inside Arabic text.
    pub ltr: bool,
}

fn demographics(locale: Locale, p: &Patient) -> Vec<Demographic> {
    let d = |key: &str, value: String, ltr: bool| Demographic {
        label: tr(locale, key),
        value,
        ltr,
    };
    vec![
        d(
            "field-record-number",
            p.record_number.as_str().to_string(),
            true,
        ),
        d(
            "field-other-script-name",
            p.other_script_name.clone().unwrap_or_default(),
            false,
        ),
        d("field-date-of-birth", locale.date(p.date_of_birth), false),
        d(
            "field-sex",
            tr(locale, &format!("sex-{}", p.sex.code())),
            false,
        ),
        d("field-phone", p.phone.clone().unwrap_or_default(), true),
        d("field-email", p.email.clone().unwrap_or_default(), true),
        d(
            "field-address",
            p.address.clone().unwrap_or_default(),
            false,
        ),
        d(
            "field-preferred-language",
            tr(locale, &format!("language-{}", p.preferred_language.code())),
            false,
        ),
    ]
}

fn cell(locale: Locale, kind: IntakeKind, field_name: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    let [_, code, _, start, end, _] = IntakeItem::field_names(kind);
    if field_name == code {
        tr(
            locale,
            &format!("{}-{}", code_prefix(kind), value.replace('_', "-")),
        )
    } else if kind == IntakeKind::Condition && field_name == "category" {
        tr(
            locale,
            &format!("condition-category-{}", value.replace('_', "-")),
        )
    } else if field_name == start || field_name == end {
        chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| locale.date(d))
            .unwrap_or_else(|_| value.into())
    } else {
        value.to_string()
    }
}

fn section(
    locale: Locale,
    kind: IntakeKind,
    entries: &[IntakeEntry],
    form: Option<FormState>,
) -> IntakeSection {
    let fields = intake_fields(locale, kind);
    let rows = entries
        .iter()
        .map(|e| {
            let values = intake_values(&e.item);
            EntryRow {
                id: e.id.to_string(),
                cells: fields
                    .iter()
                    .map(|f| {
                        cell(
                            locale,
                            kind,
                            f.name,
                            values.get(f.name).map(String::as_str).unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    IntakeSection {
        slug: kind.slug(),
        id_prefix: format!("{}-", kind.slug()),
        title: tr(locale, &format!("section-{}", kind.slug())),
        empty: tr(locale, &format!("empty-{}", kind.slug())),
        headers: fields.iter().map(|f| f.label.clone()).collect(),
        rows,
        fields,
        form: form.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "chart.html")]
struct ChartPage {
    ctx: Ctx,
    id: String,
    name: String,
    demographics: Vec<Demographic>,
    sections: Vec<IntakeSection>,
    may_edit_demographics: bool,
    may_questionnaires: bool,
    may_edit_intake: bool,
    may_invite: bool,
    portal: bool,
}

fn chart_page(
    viewer: &Viewer,
    actor: &Actor,
    chart: &Chart,
    failed: Option<(IntakeKind, FormState)>,
) -> ChartPage {
    let locale = viewer.locale;
    let mut failed = failed;
    let sections = IntakeKind::ALL
        .into_iter()
        .map(|kind| {
            let form = match &failed {
                Some((k, _)) if *k == kind => failed.take().map(|(_, f)| f),
                _ => None,
            };
            section(locale, kind, chart.list(kind), form)
        })
        .collect();
    ChartPage {
        id: chart.patient.id.to_string(),
        name: chart.patient.full_name(),
        demographics: demographics(locale, &chart.patient),
        sections,
        may_edit_demographics: actor.may(Action::EditDemographics),
        may_questionnaires: actor.may(Action::AnswerQuestionnaires),
        may_edit_intake: actor.may(Action::EditIntake),
        may_invite: actor.may(Action::InvitePatient),
        portal: actor.role == Role::Patient,
        ctx: Ctx::new(viewer),
    }
}

async fn show_chart(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    let id = parse_id(locale, &id)?;
    if actor.role == Role::Patient {
        return Err(PageError::NotFound(locale));
    }
    let chart = state
        .app
        .patient_chart(actor, id)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    render(locale, &chart_page(&viewer, actor, &chart, None))
}

async fn portal(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    if actor.role != Role::Patient {
        return Ok(Redirect::to("/home").into_response());
    }
    let chart = state
        .app
        .my_record(actor)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    render(locale, &chart_page(&viewer, actor, &chart, None))
}

async fn add_intake(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, kind)): Path<(String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id = parse_id(locale, &id)?;
    let kind = parse_kind(locale, &kind)?;
    match state
        .app
        .add_intake(actor, id, kind, &intake_draft(kind, &form))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}#{}", kind.slug())).into_response()),
        Err(AppError::Invalid(issues)) => {
            let chart = state
                .app
                .patient_chart(actor, id)
                .await
                .map_err(|e| PageError::from_app(locale, e))?;
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            render_status(
                locale,
                StatusCode::UNPROCESSABLE_ENTITY,
                &chart_page(&viewer, actor, &chart, Some((kind, failed))),
            )
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

#[derive(Template)]
#[template(path = "intake_edit.html")]
struct IntakeEditPage {
    ctx: Ctx,
    title: String,
    action: String,
    delete_action: String,
    cancel: String,
    fields: Vec<FieldSpec>,
    form: FormState,
    version: i64,
    conflict: Vec<ConflictRow>,
}

async fn edit_intake(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, kind, item)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    let locale = viewer.locale;
    if !actor.may(Action::EditIntake) {
        return Err(PageError::Forbidden(locale));
    }
    let (id, kind, item) = entry_path(locale, &id, &kind, &item)?;
    let list = state
        .app
        .intake_list(actor, id, kind)
        .await
        .map_err(|e| PageError::from_app(locale, e))?;
    let entry = list
        .iter()
        .find(|e| e.id == item)
        .ok_or(PageError::NotFound(locale))?;
    render(
        locale,
        &intake_edit_page(
            &viewer,
            id,
            kind,
            entry.id,
            FormState::from_values(intake_values(&entry.item)),
            entry.version,
            Vec::new(),
        ),
    )
}

fn intake_edit_page(
    viewer: &Viewer,
    id: PatientId,
    kind: IntakeKind,
    item: ItemId,
    form: FormState,
    version: i64,
    conflict: Vec<ConflictRow>,
) -> IntakeEditPage {
    let locale = viewer.locale;
    IntakeEditPage {
        title: tr(locale, &format!("edit-{}", kind.slug())),
        action: format!("/patients/{id}/intake/{}/{item}/edit", kind.slug()),
        delete_action: format!("/patients/{id}/intake/{}/{item}/delete", kind.slug()),
        cancel: format!("/patients/{id}#{}", kind.slug()),
        fields: intake_fields(locale, kind),
        form,
        version,
        conflict,
        ctx: Ctx::new(viewer),
    }
}

async fn update_intake(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, kind, item)): Path<(String, String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let (id, kind, item) = entry_path(locale, &id, &kind, &item)?;
    let version = form_version(locale, &form)?;
    let draft = intake_draft(kind, &form);
    match state
        .app
        .update_intake(actor, id, kind, item, version, &draft)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}#{}", kind.slug())).into_response()),
        Err(AppError::Invalid(issues)) => {
            let page = intake_edit_page(
                &viewer,
                id,
                kind,
                item,
                FormState::from_values(form.0).with_issues(locale, &issues),
                version,
                Vec::new(),
            );
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Conflict(Current::Intake(current))) => {
            let mut mine = FormState::from_values(form.0);
            mine.banner = Some(tr(locale, "conflict-banner"));
            let rows = conflict_rows(
                &intake_fields(locale, kind),
                &mine,
                &intake_values(&current.item),
            );
            let page = intake_edit_page(&viewer, id, kind, item, mine, current.version, rows);
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn delete_intake(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, kind, item)): Path<(String, String, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let (id, kind, item) = entry_path(locale, &id, &kind, &item)?;
    let version = form_version(locale, &form)?;
    match state
        .app
        .delete_intake(actor, id, kind, item, version)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{id}#{}", kind.slug())).into_response()),
        Err(AppError::Conflict(Current::Intake(current))) => {
            let mut mine = FormState::from_values(intake_values(&current.item));
            mine.banner = Some(tr(locale, "conflict-banner"));
            let page = intake_edit_page(&viewer, id, kind, item, mine, current.version, Vec::new());
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    ctx: Ctx,
    link: String,
    expires: String,
    back: String,
    error: Option<String>,
}

async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = viewer.require()?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id = parse_id(locale, &id)?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let (link, expires, error) = match state.app.invite_patient(actor, id).await {
        Ok((token, expires)) => (
            format!("{scheme}://{host}/invite/{token}"),
            locale.date_time(expires),
            None,
        ),
        Err(AppError::Invalid(_)) => (
            String::new(),
            String::new(),
            Some(tr(locale, "invite-already")),
        ),
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let page = InvitationPage {
        ctx: Ctx::new(&viewer),
        link,
        expires,
        back: format!("/patients/{id}"),
        error,
    };
    render(locale, &page)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients", get(list_patients).post(create_patient))
        .route("/patients/new", get(new_patient))
        .route("/patients/{id}", get(show_chart))
        .route(
            "/patients/{id}/edit",
            get(edit_patient).post(update_patient),
        )
        .route("/patients/{id}/invite", post(invite))
        .route("/patients/{id}/intake/{kind}", post(add_intake))
        .route(
            "/patients/{id}/intake/{kind}/{item}/edit",
            get(edit_intake).post(update_intake),
        )
        .route(
            "/patients/{id}/intake/{kind}/{item}/delete",
            post(delete_intake),
        )
        .route("/portal", get(portal))
}
