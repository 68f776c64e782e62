//! The resources page of admins and coordinators: a site's rooms, staff and
//! equipment grouped by kind with their hours, an add form, an edit page
//! (with the version it started from) and each resource's leave.

use super::plans::SiteLink;
use super::{
    Ctx, FieldSpec, FormState, PageForm, app_error, chosen_site, field, label, parse_id, render,
    render_status, require, select,
};
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
use cellpath_app::scheduling::{Leave, Resource, ResourceDraft};
use cellpath_app::{Actor, AppError};
use cellpath_domain::{Action, Locale, ResourceId, SiteId};
use std::collections::HashMap;

/// Every kind of resource, in the order the page groups them.
const KINDS: [&str; 9] = [
    "procedure_room",
    "physician",
    "nurse",
    "lab_tech",
    "anaesthesia",
    "centrifuge",
    "ultrasound",
    "c_arm",
    "recovery_bay",
];

/// How far ahead the leave lists look.
const LEAVE_DAYS: i64 = 365;

pub struct ResourceLine {
    pub id: String,
    pub name: String,
    pub fluoroscopy: bool,
    pub hours: String,
    pub break_time: String,
    pub days: String,
    pub account: String,
    pub active: String,
    pub active_code: &'static str,
}

pub struct KindGroup {
    pub kind: String,
    pub resources: Vec<ResourceLine>,
}

pub struct LeaveLine {
    pub id: String,
    pub resource_id: String,
    pub resource: String,
    pub days: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "resources.html")]
struct ResourcesPage {
    ctx: Ctx,
    site: String,
    site_name: String,
    sites: Vec<SiteLink>,
    groups: Vec<KindGroup>,
    leave: Vec<LeaveLine>,
    fields: Vec<FieldSpec>,
    form: FormState,
}

#[derive(Template)]
#[template(path = "resource_edit.html")]
struct ResourcePage {
    ctx: Ctx,
    id: String,
    name: String,
    version: i64,
    fields: Vec<FieldSpec>,
    form: FormState,
    leave: Vec<LeaveLine>,
    leave_fields: Vec<FieldSpec>,
    leave_form: FormState,
}

#[derive(serde::Deserialize)]
struct SiteQuery {
    site: Option<String>,
}

fn days_text(locale: Locale, resource: &Resource) -> String {
    let days: Vec<String> = resource
        .hours
        .days
        .iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .map(|(i, _)| tr(locale, &format!("resource-day-{}", i + 1)))
        .collect();
    if days.len() == 7 {
        tr(locale, "resource-every-day")
    } else {
        days.join(if locale == Locale::Ar { "، " } else { ", " })
    }
}

fn resource_line(locale: Locale, r: &Resource, account: String) -> ResourceLine {
    ResourceLine {
        id: r.id.to_string(),
        name: r.name.clone(),
        fluoroscopy: r.fluoroscopy,
        hours: format!(
            "{}–{}",
            locale.clock(i64::from(r.hours.start)),
            locale.clock(i64::from(r.hours.end))
        ),
        break_time: r
            .hours
            .break_time
            .map(|(a, b)| {
                format!(
                    "{}–{}",
                    locale.clock(i64::from(a)),
                    locale.clock(i64::from(b))
                )
            })
            .unwrap_or_default(),
        days: days_text(locale, r),
        account,
        active: tr(
            locale,
            if r.active {
                "resource-active"
            } else {
                "resource-inactive"
            },
        ),
        active_code: if r.active { "active" } else { "inactive" },
    }
}

fn leave_lines(locale: Locale, leave: &[Leave], resources: &[Resource]) -> Vec<LeaveLine> {
    leave
        .iter()
        .map(|l| LeaveLine {
            id: l.id.to_string(),
            resource_id: l.resource_id.to_string(),
            resource: resources
                .iter()
                .find(|r| r.id == l.resource_id)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            days: if l.first_day == l.last_day {
                locale.date(l.first_day)
            } else {
                format!("{} – {}", locale.date(l.first_day), locale.date(l.last_day))
            },
            reason: l.reason.clone().unwrap_or_default(),
        })
        .collect()
}

fn resource_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        select(
            locale,
            "field-resource-kind",
            "kind",
            "resource-kind",
            &KINDS,
            true,
        ),
        field(locale, "field-resource-name", "name", "text", true),
        field(locale, "field-resource-username", "username", "text", false),
        field(
            locale,
            "field-resource-work-days",
            "work_days",
            "text",
            true,
        ),
        field(
            locale,
            "field-resource-work-start",
            "work_start",
            "time",
            true,
        ),
        field(locale, "field-resource-work-end", "work_end", "time", true),
        field(
            locale,
            "field-resource-break-start",
            "break_start",
            "time",
            false,
        ),
        field(
            locale,
            "field-resource-break-end",
            "break_end",
            "time",
            false,
        ),
    ]
}

fn leave_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "field-leave-first-day", "first_day", "date", true),
        field(locale, "field-leave-last-day", "last_day", "date", true),
        field(locale, "field-leave-reason", "reason", "text", false),
    ]
}

pub(super) fn draft_of(form: &PageForm) -> ResourceDraft {
    ResourceDraft {
        kind: form.get("kind"),
        name: form.get("name"),
        fluoroscopy: form.get("fluoroscopy") == "true",
        username: form.get("username"),
        work_days: form.get("work_days"),
        work_start: form.get("work_start"),
        work_end: form.get("work_end"),
        break_start: form.get("break_start"),
        break_end: form.get("break_end"),
        active: form.get("active") == "true",
    }
}

fn values_of(draft: &ResourceDraft) -> HashMap<String, String> {
    let flag = |b: bool| if b { "true" } else { "" }.to_string();
    [
        ("kind", draft.kind.clone()),
        ("name", draft.name.clone()),
        ("fluoroscopy", flag(draft.fluoroscopy)),
        ("username", draft.username.clone()),
        ("work_days", draft.work_days.clone()),
        ("work_start", draft.work_start.clone()),
        ("work_end", draft.work_end.clone()),
        ("break_start", draft.break_start.clone()),
        ("break_end", draft.break_end.clone()),
        ("active", flag(draft.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn resources_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    form: Option<FormState>,
) -> Result<ResourcesPage, PageError> {
    let locale = viewer.locale;
    let resources = state
        .app
        .resources(actor, site)
        .await
        .map_err(app_error(locale))?;
    let today = state.app.now().date_naive();
    let leave = state
        .app
        .leave_of_site(actor, site, today, LEAVE_DAYS)
        .await
        .map_err(app_error(locale))?;
    let mut accounts: HashMap<ResourceId, String> = HashMap::new();
    for r in resources.iter().filter(|r| r.user_id.is_some()) {
        let (_, username) = state
            .app
            .resource(actor, r.id)
            .await
            .map_err(app_error(locale))?;
        accounts.insert(r.id, username.unwrap_or_default());
    }
    let account = |r: &Resource| accounts.get(&r.id).cloned().unwrap_or_default();
    let groups = KINDS
        .iter()
        .filter_map(|kind| {
            let lines: Vec<ResourceLine> = resources
                .iter()
                .filter(|r| r.kind.code() == *kind)
                .map(|r| resource_line(locale, r, account(r)))
                .collect();
            (!lines.is_empty()).then(|| KindGroup {
                kind: label(locale, "resource-kind", kind),
                resources: lines,
            })
        })
        .collect();
    let sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let site_name = |id: SiteId| {
        sites
            .iter()
            .find(|s| s.id == id.as_uuid())
            .map(|s| format!("{} ({})", s.name, s.code))
            .unwrap_or_default()
    };
    let form = form.unwrap_or_else(|| {
        FormState::from_values(
            [
                ("work_days", "1111100"),
                ("work_start", "08:00"),
                ("work_end", "17:00"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        )
    });
    Ok(ResourcesPage {
        site: site.to_string(),
        site_name: site_name(site),
        sites: actor
            .sites
            .iter()
            .map(|id| SiteLink {
                href: format!("/admin/resources?site={id}"),
                label: site_name(*id),
                current: *id == site,
            })
            .collect(),
        groups,
        leave: leave_lines(locale, &leave, &resources),
        fields: resource_fields(locale),
        form,
        ctx: Ctx::new(viewer),
    })
}

async fn show_resources(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SiteQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let page = resources_page(&state, &viewer, actor, site, None).await?;
    render(viewer.locale, &page)
}

async fn add_resource(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    match state.app.add_resource(actor, site, &draft_of(&form)).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/resources?site={site}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            let page = resources_page(&state, &viewer, actor, site, Some(failed)).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn resource_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    id: ResourceId,
    form: Option<(FormState, i64)>,
    leave_form: Option<FormState>,
) -> Result<ResourcePage, PageError> {
    let locale = viewer.locale;
    let (resource, username) = state
        .app
        .resource(actor, id)
        .await
        .map_err(app_error(locale))?;
    let today = state.app.now().date_naive();
    let leave: Vec<Leave> = state
        .app
        .leave_of_site(actor, resource.site_id, today, LEAVE_DAYS)
        .await
        .map_err(app_error(locale))?
        .into_iter()
        .filter(|l| l.resource_id == id)
        .collect();
    let (form, version) = form.unwrap_or_else(|| {
        (
            FormState::from_values(values_of(&ResourceDraft::of(&resource, username))),
            resource.version,
        )
    });
    Ok(ResourcePage {
        id: id.to_string(),
        name: resource.name.clone(),
        version,
        fields: resource_fields(locale),
        form,
        leave: leave_lines(locale, &leave, std::slice::from_ref(&resource)),
        leave_fields: leave_fields(locale),
        leave_form: leave_form.unwrap_or_default(),
        ctx: Ctx::new(viewer),
    })
}

async fn show_resource(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    let id = parse_id(viewer.locale, &id)?;
    let page = resource_page(&state, &viewer, actor, id, None, None).await?;
    render(viewer.locale, &page)
}

async fn update_resource(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id: ResourceId = parse_id(locale, &id)?;
    let version: i64 = form
        .get("version")
        .parse()
        .map_err(|_| PageError::BadRequest(locale))?;
    match state
        .app
        .update_resource(actor, id, version, &draft_of(&form))
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/admin/resources?site={}", r.site_id)).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            let page =
                resource_page(&state, &viewer, actor, id, Some((failed, version)), None).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(AppError::Conflict(current)) => {
            let current_version = match current {
                cellpath_app::Current::Resource(r) => r.version,
                _ => version,
            };
            let mut failed = FormState::from_values(form.0);
            failed.banner = Some(tr(locale, "resource-conflict"));
            let page = resource_page(
                &state,
                &viewer,
                actor,
                id,
                Some((failed, current_version)),
                None,
            )
            .await?;
            render_status(locale, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn add_leave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id: ResourceId = parse_id(locale, &id)?;
    match state
        .app
        .add_leave(
            actor,
            id,
            &form.get("first_day"),
            &form.get("last_day"),
            &form.get("reason"),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/resources/{id}#leave")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let failed = FormState::from_values(form.0).with_issues(locale, &issues);
            let page = resource_page(&state, &viewer, actor, id, None, Some(failed)).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

async fn remove_leave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ManageResources)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id: uuid::Uuid = parse_id(locale, &id)?;
    state
        .app
        .remove_leave(actor, id)
        .await
        .map_err(app_error(locale))?;
    let back = match form.get("resource").parse::<ResourceId>() {
        Ok(resource) => format!("/admin/resources/{resource}#leave"),
        Err(_) => "/admin/resources".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/resources", get(show_resources).post(add_resource))
        .route(
            "/admin/resources/{id}",
            get(show_resource).post(update_resource),
        )
        .route("/admin/resources/{id}/leave", post(add_leave))
        .route("/admin/leave/{id}/remove", post(remove_leave))
}
