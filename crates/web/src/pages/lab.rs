//! Pages of the lab and the day board: receiving by scan, processing, quality
//! control, release by a second person, donor lots, and the wall screen of
//! the day's patients.

use super::plans::SiteLink;
use super::{
    Ctx, FieldSpec, FormState, PageForm, app_error, chosen_site, field, label, parse_id, render,
    render_status, require,
};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{has_key, issue_message, tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use cellpath_app::lab::{DonorLotDraft, ProcessingDraft, QcDraft};
use cellpath_app::session_day::{BoardRow, SessionDayView};
use cellpath_app::{Actor, AppError, ChainEventRow, UnitRow, decode_fields};
use cellpath_domain::cells::{ProductType, UnitKind, UnitStatus};
use cellpath_domain::donation::DonationId;
use cellpath_domain::session_day::{Alert, DayStep, StepState};
use cellpath_domain::{Action, Issues, Locale, SessionId, SiteId};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// How often the day board reloads itself, in seconds.
const BOARD_REFRESH_SECONDS: u32 = 30;

/// The lab's and the board's own rules; the CSP allows stylesheets from
/// 'self' only, so they are served rather than inlined.
const LAB_CSS: &str = r#"
.donation-id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: .04em; white-space: nowrap; }
.check-char { display: inline-block; border: 2px solid currentColor; border-radius: 2px; padding: 0 .15em; margin-inline-start: .15em; font-weight: 700; line-height: 1.1; }
.scan-form { display: grid; gap: .5rem; max-inline-size: 40rem; }
.scan-form input { font-size: 1.4rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.refusals { background: var(--warn-bg, #fff4e0); border: 2px solid #e08a00; border-radius: .5rem; padding: 1rem; margin-block-end: 1rem; }
.refusals h2 { color: #7a4a00; }
.received-note { background: #e3f4e8; color: #145c2c; border-inline-start: 4px solid #2e8b57; padding: .75rem 1rem; border-radius: .25rem; }
.expired { color: var(--danger, #b3261e); font-weight: 700; }
.unit-status { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; background: #eef0f3; }
.unit-status.released { background: #e3f4e8; color: #145c2c; }
.unit-status.rejected { background: #fde8e6; color: var(--danger, #b3261e); }
.unit-status.quarantined, .unit-status.awaiting_release { background: var(--warn-bg, #fff4e0); color: #7a4a00; }
.criteria { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; gap: .35rem; }
.criteria .met::before { content: "✓ "; color: #145c2c; font-weight: 700; }
.criteria .missed { color: var(--danger, #b3261e); font-weight: 600; }
.criteria .missed::before { content: "✗ "; }
.criteria .pending::before { content: "… "; }
.history .refused { color: var(--danger, #b3261e); }
.lab-forms { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }

html:has(> body.board) { background: #0b1320; }
body.board { background: #0b1320; color: #f5f7fa; min-block-size: 100vh; font-size: clamp(1rem, min(1.8vw, 3vh), 3rem); }
body.board a { color: #9fd0ff; }
.board-main { padding: .5em 1em; max-inline-size: none; }
.board-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25em 1.5em; padding: .5em 1em 0; }
.board-head h1 { font-size: 1.6em; margin: 0; }
.board-updated { font-size: .9em; color: #c9d3e0; margin: 0; }
.board-tools { display: flex; flex-wrap: wrap; gap: .25em 1em; font-size: .7em; list-style: none; margin: 0; padding: 0; }
.board-table { inline-size: 100%; border-collapse: collapse; }
.board-table th { text-align: start; font-size: .75em; color: #c9d3e0; font-weight: 600; padding: .3em .5em; border-block-end: 2px solid #3a4658; }
.board-table td { padding: .45em .5em; border-block-end: 1px solid #2a3442; vertical-align: middle; }
.board-table tr.alerting td:first-child { border-inline-start: .35em solid #ff5252; }
.board-name { font-weight: 700; }
.board-record { display: block; font-size: .7em; color: #c9d3e0; }
.board-source { display: inline-block; font-size: .7em; padding: .05em .5em; border-radius: 1em; border: 2px solid #9fd0ff; }
.board-source.allogeneic { border-color: #e1b5ff; color: #e1b5ff; }
.board-step { font-weight: 700; }
.board-step-state { display: block; font-size: .7em; color: #c9d3e0; }
.board-time { font-variant-numeric: tabular-nums; font-weight: 700; white-space: nowrap; }
.board-time.near { color: #111; background: #ffb300; padding: .05em .35em; border-radius: .2em; }
.board-time.over { color: #fff; background: #d50000; padding: .05em .35em; border-radius: .2em; }
.board-alerts { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25em; }
.board-alerts li { font-size: .75em; font-weight: 700; padding: .05em .45em; border-radius: .25em; background: #ffb300; color: #111; }
.board-alerts li.failed_check, .board-alerts li.overrun, .board-alerts li.limit_missed { background: #d50000; color: #fff; }
.board-empty { font-size: 1.2em; color: #c9d3e0; }
@media (max-width: 40rem) {
  .board-table thead { display: none; }
  .board-table tr { display: block; border-block-end: 2px solid #3a4658; padding-block: .5em; }
  .board-table td { display: block; border: none; padding: .15em .5em; }
  .board-table td.empty { display: none; }
  .board-table td[data-label]::before { content: attr(data-label) ": "; color: #c9d3e0; font-size: .8em; }
}
"#;

/// What the lab's pages show of a unit.
struct Unit {
    id: Uuid,
    /// The 13 characters of the identifier, without the check character.
    body: String,
    kind: UnitKind,
    status: UnitStatus,
    product_type: ProductType,
    site_id: SiteId,
    session_id: Option<SessionId>,
    supplier_lot: Option<String>,
    collected_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    processed_by: Option<String>,
    released_by: Option<String>,
    fields: Vec<(String, String)>,
    created_at: DateTime<Utc>,
}

impl From<&UnitRow> for Unit {
    fn from(row: &UnitRow) -> Unit {
        Unit {
            id: row.id,
            body: row.donation_id.clone(),
            kind: row.kind,
            status: row.status,
            product_type: row.product_type,
            site_id: row.site_id,
            session_id: row.session_id,
            supplier_lot: row.supplier_lot.clone(),
            collected_at: row.collected_at,
            expires_at: row.expires_at,
            processed_by: row.processed_by.clone(),
            released_by: row.released_by.clone(),
            fields: decode_fields(&row.fields),
            created_at: row.created_at,
        }
    }
}

/// A scan or change of the chain of identity.
struct ChainEvent {
    kind: String,
    passed: bool,
    code: Option<String>,
    scanned: Option<String>,
    fields: Vec<(String, String)>,
    display_name: String,
    at: DateTime<Utc>,
}

impl From<&ChainEventRow> for ChainEvent {
    fn from(row: &ChainEventRow) -> ChainEvent {
        ChainEvent {
            kind: row.kind.clone(),
            passed: row.passed,
            code: row.code.clone(),
            scanned: row.scanned.clone(),
            fields: decode_fields(&row.fields),
            display_name: row.display_name.clone(),
            at: row.at,
        }
    }
}

impl Unit {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn qc_recorded(&self) -> bool {
        self.field("qc_at").is_some()
    }

    /// The release criteria its quality control missed, by field.
    fn qc_misses(&self) -> Vec<&str> {
        self.field("qc_misses")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect()
    }
}

/// A unit as a line of a list or the head of its page.
pub struct UnitLine {
    pub id: String,
    pub href: String,
    pub body: String,
    pub check: String,
    pub printed: String,
    pub kind: String,
    pub product_type: String,
    pub status: String,
    pub status_code: &'static str,
    /// Collected (specimens and products) or received (donor lots).
    pub when: String,
    pub expires: String,
    pub expired: bool,
    /// Where it stands beyond its status (quality control, supplier lot).
    pub note: String,
}

fn check_character(body: &str) -> String {
    DonationId::from_body(body)
        .map(|id| id.check_character().to_string())
        .unwrap_or_default()
}

fn when(locale: Locale, at: Option<DateTime<Utc>>) -> String {
    at.map(|at| locale.date_time(at)).unwrap_or_default()
}

fn criterion_label(locale: Locale, field: &str) -> String {
    match field {
        "volume_ml" => tr(locale, "lab-qc-volume"),
        "cells_millions" => tr(locale, "lab-qc-cells"),
        "viability_percent" => tr(locale, "lab-qc-viability"),
        other => other.to_string(),
    }
}

fn unit_note(locale: Locale, unit: &Unit) -> String {
    match (unit.kind, unit.status) {
        (UnitKind::Product, UnitStatus::AwaitingRelease) if !unit.qc_recorded() => {
            tr(locale, "lab-note-awaiting-qc")
        }
        (UnitKind::Product, UnitStatus::AwaitingRelease) => {
            let misses = unit.qc_misses();
            if misses.is_empty() {
                tr(locale, "lab-note-awaiting-release")
            } else {
                let names: Vec<String> =
                    misses.iter().map(|m| criterion_label(locale, m)).collect();
                tr_args(
                    locale,
                    "lab-note-misses",
                    &[("criteria", names.join(list_separator(locale)))],
                )
            }
        }
        (UnitKind::DonorLot, _) => tr_args(
            locale,
            "lab-note-supplier-lot",
            &[("lot", unit.supplier_lot.clone().unwrap_or_default())],
        ),
        _ => String::new(),
    }
}

fn list_separator(locale: Locale) -> &'static str {
    if locale == Locale::Ar { "، " } else { ", " }
}

fn unit_line(locale: Locale, now: DateTime<Utc>, unit: &Unit) -> UnitLine {
    let check = check_character(&unit.body);
    UnitLine {
        id: unit.id.to_string(),
        href: format!("/lab/units/{}", unit.id),
        printed: format!("{}{}", unit.body, check),
        body: unit.body.clone(),
        check,
        kind: label(locale, "lab-kind", unit.kind.code()),
        product_type: label(locale, "lab-product-type", unit.product_type.code()),
        status: label(locale, "lab-status", unit.status.code()),
        status_code: unit.status.code(),
        when: when(locale, unit.collected_at.or(Some(unit.created_at))),
        expires: when(locale, unit.expires_at),
        expired: unit.expires_at.is_some_and(|e| e <= now)
            && !matches!(
                unit.status,
                UnitStatus::Administered | UnitStatus::Rejected | UnitStatus::Processed
            ),
        note: unit_note(locale, unit),
    }
}

/// A refused scan of the day.
pub struct RefusalLine {
    pub scanned: String,
    pub why: String,
    pub station: String,
    pub who: String,
    pub at: String,
}

/// The message of a refusal's code: an issue code, or a bedside check's
/// failure that has no issue code of its own.
fn refusal_message(locale: Locale, code: &str) -> String {
    let code_key = code.replace('_', "-");
    [
        format!("issue-{code_key}"),
        format!("lab-refusal-{code_key}"),
    ]
    .into_iter()
    .find(|key| has_key(locale, key))
    .map(|key| tr_args(locale, &key, &[("limit", String::new())]))
    .unwrap_or_else(|| code.to_string())
}

fn refusal_line(locale: Locale, event: &ChainEvent) -> RefusalLine {
    RefusalLine {
        scanned: event.scanned.clone().unwrap_or_default(),
        why: event
            .code
            .as_deref()
            .map(|c| refusal_message(locale, c))
            .unwrap_or_default(),
        station: label(locale, "lab-event", &event.kind),
        who: event.display_name.clone(),
        at: locale.date_time(event.at),
    }
}

/// A form of the lab's pages: what was typed, the problems by input, and
/// those that belong to none of its inputs (the step, the status).
#[derive(Default)]
pub struct LabForm {
    pub state: FormState,
    pub other: Vec<String>,
}

impl LabForm {
    fn refused(
        locale: Locale,
        values: HashMap<String, String>,
        issues: &Issues,
        inputs: &[&str],
    ) -> LabForm {
        let other = issues
            .0
            .iter()
            .filter(|i| !inputs.contains(&i.field.as_str()))
            .map(|i| issue_message(locale, i))
            .collect();
        LabForm {
            state: FormState::from_values(values).with_issues(locale, issues),
            other,
        }
    }
}

#[derive(serde::Deserialize)]
struct SiteQuery {
    site: Option<String>,
    received: Option<String>,
}

fn site_links(
    sites: &[cellpath_app::SiteRow],
    actor: &Actor,
    current: SiteId,
    path: &str,
) -> Vec<SiteLink> {
    actor
        .sites
        .iter()
        .map(|id| SiteLink {
            href: format!("{path}?site={id}"),
            label: site_name(sites, *id),
            current: *id == current,
        })
        .collect()
}

fn site_name(sites: &[cellpath_app::SiteRow], id: SiteId) -> String {
    sites
        .iter()
        .find(|s| s.id == id.as_uuid())
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- the queue

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    ctx: Ctx,
    site: String,
    site_name: String,
    sites: Vec<SiteLink>,
    may_record: bool,
    facility_missing: bool,
    scan: LabForm,
    /// What the refused scan was, shown beside the message (the input is
    /// left empty for the next scan).
    scanned: String,
    received_note: Option<String>,
    awaiting_receipt: Vec<UnitLine>,
    received: Vec<UnitLine>,
    awaiting_release: Vec<UnitLine>,
    released: Vec<UnitLine>,
    refusals: Vec<RefusalLine>,
}

#[allow(clippy::too_many_arguments)]
async fn lab_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    scan: LabForm,
    scanned: String,
    received: Option<&str>,
) -> Result<LabPage, PageError> {
    let locale = viewer.locale;
    let queue = state
        .app
        .lab_queue(actor, site)
        .await
        .map_err(app_error(locale))?;
    let sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let now = state.app.now();
    let units: Vec<Unit> = queue.units.iter().map(Unit::from).collect();
    let lines = |keep: &dyn Fn(&Unit) -> bool| -> Vec<UnitLine> {
        units
            .iter()
            .filter(|u| keep(u))
            .map(|u| unit_line(locale, now, u))
            .collect()
    };
    let received_note = received.and_then(|id| {
        units.iter().find(|u| u.id.to_string() == id).map(|u| {
            tr_args(
                locale,
                "lab-received-note",
                &[("id", format!("{}{}", u.body, check_character(&u.body)))],
            )
        })
    });
    let refusals = queue
        .refusals
        .iter()
        .rev()
        .map(|e| refusal_line(locale, &ChainEvent::from(e)))
        .collect();
    Ok(LabPage {
        site: site.to_string(),
        site_name: site_name(&sites, site),
        sites: site_links(&sites, actor, site, "/lab"),
        may_record: actor.may(Action::RecordLab),
        facility_missing: queue.site.facility_code.is_none(),
        scan,
        scanned,
        received_note,
        awaiting_receipt: lines(&|u| {
            u.kind == UnitKind::Specimen && u.status == UnitStatus::Collected
        }),
        received: lines(&|u| u.kind == UnitKind::Specimen && u.status == UnitStatus::Received),
        awaiting_release: lines(&|u| {
            u.kind == UnitKind::Product && u.status == UnitStatus::AwaitingRelease
        }),
        released: lines(&|u| u.status == UnitStatus::Released),
        refusals,
        ctx: Ctx::new(viewer),
    })
}

async fn show_lab(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SiteQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSessionDay)?;
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let page = lab_page(
        &state,
        &viewer,
        actor,
        site,
        LabForm::default(),
        String::new(),
        query.received.as_deref(),
    )
    .await?;
    render(viewer.locale, &page)
}

async fn receive(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::RecordLab)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let scan = form.get("scan");
    match state.app.receive_specimen(actor, site, &scan).await {
        Ok(unit) => {
            Ok(Redirect::to(&format!("/lab?site={site}&received={}", unit.id)).into_response())
        }
        Err(AppError::Invalid(issues)) => {
            let refused = LabForm::refused(locale, HashMap::new(), &issues, &["scan"]);
            let page = lab_page(
                &state,
                &viewer,
                actor,
                site,
                refused,
                scan.trim().to_string(),
                None,
            )
            .await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ---------------------------------------------------------------- a unit

/// One value of a unit's records.
pub struct RecordLine {
    pub label: String,
    pub value: String,
}

/// One event of a unit's history.
pub struct EventLine {
    pub at: String,
    pub what: String,
    pub passed: bool,
    pub why: String,
    pub scanned: String,
    pub who: String,
    pub details: String,
}

/// A release criterion against the product's quality control.
pub struct CriterionLine {
    pub label: String,
    pub required: String,
    pub value: String,
    /// `met`, `missed` or `pending` (no quality control yet).
    pub state: &'static str,
}

pub struct PatientLine {
    pub name: String,
    pub record_number: String,
    pub session_href: String,
}

/// The forms of a unit's page; a refused one comes back with its problems.
#[derive(Default)]
pub struct UnitForms {
    pub start: LabForm,
    pub processing: LabForm,
    pub qc: LabForm,
    pub release: LabForm,
    pub finish: LabForm,
    pub reject: LabForm,
    pub release_lot: LabForm,
}

/// Which forms a unit's page offers.
#[derive(Default)]
pub struct Offers {
    pub start: bool,
    pub processing: bool,
    pub qc: bool,
    pub release: bool,
    pub finish: bool,
    pub reject: bool,
    pub release_lot: bool,
}

#[derive(Template)]
#[template(path = "lab_unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit: UnitLine,
    site: String,
    session: String,
    patient: Option<PatientLine>,
    parent: Option<UnitLine>,
    children: Vec<UnitLine>,
    processed_by: String,
    released_by: String,
    records: Vec<RecordLine>,
    history: Vec<EventLine>,
    criteria: Vec<CriterionLine>,
    awaiting_receipt: bool,
    offers: Offers,
    forms: UnitForms,
    processing_fields: Vec<FieldSpec>,
    qc_fields: Vec<FieldSpec>,
}

fn processing_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "lab-field-method", "method", "text", true),
        field(
            locale,
            "lab-field-centrifuge-programme",
            "centrifuge_programme",
            "text",
            true,
        ),
        field(locale, "lab-field-cabinet", "cabinet", "text", true),
        field(locale, "lab-field-kit-lots", "kit_lots", "text", true),
    ]
}

fn qc_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "lab-qc-volume", "volume_ml", "text", true),
        field(locale, "lab-qc-cells", "cells_millions", "text", true),
        field(
            locale,
            "lab-qc-viability",
            "viability_percent",
            "text",
            true,
        ),
    ]
}

/// A stored value as people read it: times in the locale, codes by name.
fn record_value(locale: Locale, key: &str, value: &str) -> String {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return locale.date_time(at.with_timezone(&Utc));
    }
    let coded = match key {
        "source" => Some(format!("cell-source-{}", value.replace('_', "-"))),
        "side" => Some(format!("side-{}", value.replace('_', "-"))),
        _ => None,
    };
    if let Some(coded) = coded.filter(|k| has_key(locale, k)) {
        return tr(locale, &coded);
    }
    if key == "qc_misses" {
        let names: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| criterion_label(locale, m))
            .collect();
        return if names.is_empty() {
            tr(locale, "lab-none")
        } else {
            names.join(list_separator(locale))
        };
    }
    value.to_string()
}

fn record_label(locale: Locale, key: &str) -> String {
    let coded = format!("lab-record-{}", key.replace('_', "-"));
    if has_key(locale, &coded) {
        tr(locale, &coded)
    } else {
        key.to_string()
    }
}

/// The order a unit's records read in: as they happened, harvest (or
/// receipt) first, then processing, then quality control.
const RECORD_ORDER: [&str; 23] = [
    "source",
    "source_site",
    "side",
    "volume_ml",
    "anaesthetic",
    "dose",
    "supplier",
    "description",
    "received_by",
    "derived_from",
    "method",
    "centrifuge_programme",
    "cabinet",
    "kit_lots",
    "operator",
    "started_at",
    "finished_at",
    "qc_volume_ml",
    "qc_cells_millions",
    "qc_viability_percent",
    "qc_misses",
    "qc_by",
    "qc_at",
];

fn records(locale: Locale, fields: &[(String, String)]) -> Vec<RecordLine> {
    let mut ordered: Vec<&(String, String)> = fields.iter().collect();
    ordered.sort_by_key(|(k, _)| {
        RECORD_ORDER
            .iter()
            .position(|known| known == k)
            .unwrap_or(RECORD_ORDER.len())
    });
    ordered
        .into_iter()
        .map(|(k, v)| RecordLine {
            label: record_label(locale, k),
            value: record_value(locale, k, v),
        })
        .collect()
}

fn event_line(locale: Locale, event: &ChainEvent) -> EventLine {
    EventLine {
        at: locale.date_time(event.at),
        what: label(locale, "lab-event", &event.kind),
        passed: event.passed,
        why: event
            .code
            .as_deref()
            .map(|c| refusal_message(locale, c))
            .unwrap_or_default(),
        scanned: event.scanned.clone().unwrap_or_default(),
        who: event.display_name.clone(),
        details: event
            .fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}: {}",
                    record_label(locale, k),
                    record_value(locale, k, v)
                )
            })
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

fn criteria(locale: Locale, unit: &Unit, view: &SessionDayView) -> Vec<CriterionLine> {
    let protocol = &view.protocol;
    let misses = unit.qc_misses();
    let recorded = unit.qc_recorded();
    [
        (
            "volume_ml",
            "qc_volume_ml",
            protocol.release_min_volume_ml,
            "lab-unit-ml",
        ),
        (
            "cells_millions",
            "qc_cells_millions",
            protocol.release_min_cells_millions,
            "lab-unit-millions",
        ),
        (
            "viability_percent",
            "qc_viability_percent",
            protocol.release_min_viability_percent,
            "lab-unit-percent",
        ),
    ]
    .into_iter()
    .map(|(name, stored, minimum, unit_key)| CriterionLine {
        label: criterion_label(locale, name),
        required: tr_args(
            locale,
            "lab-criterion-at-least",
            &[
                ("value", locale.number(i64::from(minimum))),
                ("unit", tr(locale, unit_key)),
            ],
        ),
        value: unit.field(stored).unwrap_or_default().to_string(),
        state: if !recorded {
            "pending"
        } else if misses.contains(&name) {
            "missed"
        } else {
            "met"
        },
    })
    .collect()
}

async fn unit_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    forms: UnitForms,
) -> Result<UnitPage, PageError> {
    let locale = viewer.locale;
    let view = state
        .app
        .unit_view(actor, id)
        .await
        .map_err(app_error(locale))?;
    let now = state.app.now();
    let unit = Unit::from(&view.unit);
    let day = match unit.session_id {
        Some(session) => Some(
            state
                .app
                .session_day(actor, session)
                .await
                .map_err(app_error(locale))?,
        ),
        None => None,
    };
    let may_record = actor.may(Action::RecordLab);
    let processing = day
        .as_ref()
        .and_then(|d| d.day.state(DayStep::Processing).cloned());
    let running = matches!(processing, Some(StepState::Running { .. }));
    let waiting = matches!(processing, Some(StepState::Waiting));
    let (kind, status) = (unit.kind, unit.status);
    let offers = Offers {
        start: may_record
            && kind == UnitKind::Specimen
            && status == UnitStatus::Received
            && waiting,
        processing: may_record
            && kind == UnitKind::Specimen
            && status == UnitStatus::Received
            && running,
        qc: may_record && kind == UnitKind::Product && status == UnitStatus::AwaitingRelease,
        release: may_record
            && kind == UnitKind::Product
            && status == UnitStatus::AwaitingRelease
            && unit.qc_recorded(),
        finish: may_record
            && kind == UnitKind::Product
            && status == UnitStatus::Released
            && running,
        reject: may_record
            && kind != UnitKind::Specimen
            && matches!(
                status,
                UnitStatus::AwaitingRelease | UnitStatus::Quarantined | UnitStatus::Released
            ),
        release_lot: may_record && kind == UnitKind::DonorLot && status == UnitStatus::Quarantined,
    };
    let mut forms = forms;
    if offers.qc && forms.qc.state.values.is_empty() {
        forms.qc.state = FormState::from_values(
            [
                ("volume_ml", "qc_volume_ml"),
                ("cells_millions", "qc_cells_millions"),
                ("viability_percent", "qc_viability_percent"),
            ]
            .into_iter()
            .filter_map(|(name, stored)| {
                unit.field(stored)
                    .map(|v| (name.to_string(), v.to_string()))
            })
            .collect(),
        );
    }
    let criteria = match (&day, unit.kind) {
        (Some(day), UnitKind::Product) => criteria(locale, &unit, day),
        _ => Vec::new(),
    };
    let patient = day.as_ref().map(|d| PatientLine {
        name: d.patient.full_name(),
        record_number: d.patient.record_number.as_str().to_string(),
        session_href: format!("/sessions/{}/day", d.session.id),
    });
    let parent = view
        .parent
        .as_ref()
        .map(|p| unit_line(locale, now, &Unit::from(p)));
    let children = view
        .children
        .iter()
        .map(|c| unit_line(locale, now, &Unit::from(c)))
        .collect();
    let history = view
        .events
        .iter()
        .map(|e| event_line(locale, &ChainEvent::from(e)))
        .collect();
    Ok(UnitPage {
        unit: unit_line(locale, now, &unit),
        site: unit.site_id.to_string(),
        session: unit.session_id.map(|s| s.to_string()).unwrap_or_default(),
        patient,
        parent,
        children,
        processed_by: unit.processed_by.clone().unwrap_or_default(),
        released_by: unit.released_by.clone().unwrap_or_default(),
        records: records(locale, &unit.fields),
        history,
        criteria,
        awaiting_receipt: kind == UnitKind::Specimen && status == UnitStatus::Collected,
        offers,
        forms,
        processing_fields: processing_fields(locale),
        qc_fields: qc_fields(locale),
        ctx: Ctx::new(viewer),
    })
}

async fn show_unit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSessionDay)?;
    let id: Uuid = parse_id(viewer.locale, &id)?;
    let page = unit_page(&state, &viewer, actor, id, UnitForms::default()).await?;
    render(viewer.locale, &page)
}

/// What a form of a unit's page asks for.
#[derive(Clone, Copy)]
enum UnitAction {
    StartProcessing,
    Processing,
    Qc,
    Release,
    FinishProcessing,
    Reject,
    ReleaseLot,
}

impl UnitAction {
    /// The inputs of its form.
    fn inputs(self) -> &'static [&'static str] {
        match self {
            UnitAction::StartProcessing | UnitAction::FinishProcessing | UnitAction::Reject => {
                &["reason"]
            }
            UnitAction::Processing => &["method", "centrifuge_programme", "cabinet", "kit_lots"],
            UnitAction::Qc => &["volume_ml", "cells_millions", "viability_percent"],
            UnitAction::Release | UnitAction::ReleaseLot => &[],
        }
    }
}

/// Calls the action's use case; the unit to show next.
async fn run_action(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    form: &PageForm,
    action: UnitAction,
) -> Result<Uuid, AppError> {
    let app = &state.app;
    let session = || -> Result<SessionId, AppError> {
        form.get("session").parse().map_err(|_| AppError::NotFound)
    };
    match action {
        UnitAction::StartProcessing => app
            .start_step(actor, session()?, "processing", &form.get("reason"))
            .await
            .map(|()| id),
        UnitAction::FinishProcessing => app
            .finish_step(actor, session()?, "processing", &form.get("reason"))
            .await
            .map(|()| id),
        UnitAction::Processing => {
            let draft = ProcessingDraft {
                method: form.get("method"),
                centrifuge_programme: form.get("centrifuge_programme"),
                cabinet: form.get("cabinet"),
                kit_lots: form.get("kit_lots"),
            };
            app.record_processing(actor, id, &draft)
                .await
                .map(|product| product.id)
        }
        UnitAction::Qc => {
            let draft = QcDraft {
                volume_ml: form.get("volume_ml"),
                cells_millions: form.get("cells_millions"),
                viability_percent: form.get("viability_percent"),
            };
            app.record_qc(actor, id, &draft).await.map(|_| id)
        }
        UnitAction::Release => app.release_product(actor, id).await.map(|_| id),
        UnitAction::Reject => app
            .reject_unit(actor, id, &form.get("reason"))
            .await
            .map(|_| id),
        UnitAction::ReleaseLot => app.release_donor_lot(actor, id).await.map(|_| id),
    }
}

async fn act(
    state: AppState,
    viewer: Viewer,
    id: String,
    form: PageForm,
    action: UnitAction,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::RecordLab)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let id: Uuid = parse_id(locale, &id)?;
    match run_action(&state, actor, id, &form, action).await {
        Ok(next) => Ok(Redirect::to(&format!("/lab/units/{next}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let mut values = form.0;
            values.remove("csrf");
            let refused = LabForm::refused(locale, values, &issues, action.inputs());
            let mut forms = UnitForms::default();
            match action {
                UnitAction::StartProcessing => forms.start = refused,
                UnitAction::Processing => forms.processing = refused,
                UnitAction::Qc => forms.qc = refused,
                UnitAction::Release => forms.release = refused,
                UnitAction::FinishProcessing => forms.finish = refused,
                UnitAction::Reject => forms.reject = refused,
                UnitAction::ReleaseLot => forms.release_lot = refused,
            }
            let page = unit_page(&state, &viewer, actor, id, forms).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

/// The route of one unit action's form: extract, then [`act`].
fn unit_action(action: UnitAction) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>,
              viewer: Viewer,
              Path(id): Path<String>,
              form: PageForm| act(state, viewer, id, form, action),
    )
}

// ---------------------------------------------------------------- donor lots

/// A donor lot in the list.
pub struct LotLine {
    pub unit: UnitLine,
    pub supplier: String,
    pub supplier_lot: String,
    pub description: String,
    pub volume: String,
}

/// The lots of one status.
pub struct LotGroup {
    pub status: String,
    pub status_code: &'static str,
    pub lots: Vec<LotLine>,
}

#[derive(Template)]
#[template(path = "lab_donor_lots.html")]
struct DonorLotsPage {
    ctx: Ctx,
    site: String,
    site_name: String,
    sites: Vec<SiteLink>,
    may_record: bool,
    fields: Vec<FieldSpec>,
    form: FormState,
    groups: Vec<LotGroup>,
}

fn lot_fields(locale: Locale) -> Vec<FieldSpec> {
    vec![
        field(locale, "lab-field-supplier", "supplier", "text", true),
        field(
            locale,
            "lab-field-supplier-lot",
            "supplier_lot",
            "text",
            true,
        ),
        field(locale, "lab-field-description", "description", "text", true),
        field(locale, "lab-field-volume", "volume_ml", "text", true),
    ]
}

async fn donor_lots_page(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    site: SiteId,
    form: FormState,
) -> Result<DonorLotsPage, PageError> {
    let locale = viewer.locale;
    let queue = state
        .app
        .lab_queue(actor, site)
        .await
        .map_err(app_error(locale))?;
    let sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let now = state.app.now();
    let lots: Vec<Unit> = queue
        .units
        .iter()
        .map(Unit::from)
        .filter(|u| u.kind == UnitKind::DonorLot)
        .collect();
    let groups = [
        UnitStatus::Quarantined,
        UnitStatus::Released,
        UnitStatus::Administered,
        UnitStatus::Rejected,
    ]
    .into_iter()
    .filter_map(|status| {
        let in_status: Vec<LotLine> = lots
            .iter()
            .filter(|u| u.status == status)
            .map(|u| LotLine {
                unit: unit_line(locale, now, u),
                supplier: u.field("supplier").unwrap_or_default().to_string(),
                supplier_lot: u.supplier_lot.clone().unwrap_or_default(),
                description: u.field("description").unwrap_or_default().to_string(),
                volume: u.field("volume_ml").unwrap_or_default().to_string(),
            })
            .collect();
        (!in_status.is_empty()).then(|| LotGroup {
            status: label(locale, "lab-status", status.code()),
            status_code: status.code(),
            lots: in_status,
        })
    })
    .collect();
    Ok(DonorLotsPage {
        site: site.to_string(),
        site_name: site_name(&sites, site),
        sites: site_links(&sites, actor, site, "/lab/donor-lots"),
        may_record: actor.may(Action::RecordLab),
        fields: lot_fields(locale),
        form,
        groups,
        ctx: Ctx::new(viewer),
    })
}

async fn show_donor_lots(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SiteQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSessionDay)?;
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let page = donor_lots_page(&state, &viewer, actor, site, FormState::default()).await?;
    render(viewer.locale, &page)
}

async fn receive_donor_lot(
    State(state): State<AppState>,
    viewer: Viewer,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::RecordLab)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let draft = DonorLotDraft {
        supplier: form.get("supplier"),
        supplier_lot: form.get("supplier_lot"),
        description: form.get("description"),
        volume_ml: form.get("volume_ml"),
        expires_at: form.get("expires_at"),
    };
    match state.app.receive_donor_lot(actor, site, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/lab/donor-lots?site={site}")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let mut values = form.0;
            values.remove("csrf");
            let failed = FormState::from_values(values).with_issues(locale, &issues);
            let page = donor_lots_page(&state, &viewer, actor, site, failed).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ---------------------------------------------------------------- the board

/// An alert of a board row.
pub struct AlertLine {
    pub code: &'static str,
    pub text: String,
}

/// One patient on the board.
pub struct BoardLine {
    pub href: String,
    /// Given name and the family name's initial (a shared screen shows no more).
    pub name: String,
    pub record_number: String,
    pub source: String,
    pub source_code: &'static str,
    pub step: String,
    pub step_state: String,
    pub time: String,
    /// `ok`, `near` (the last fifth of the step's maximum), `over` or `idle`.
    pub time_class: &'static str,
    pub alerts: Vec<AlertLine>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    ctx: Ctx,
    refresh: u32,
    refresh_note: String,
    heading: String,
    updated: String,
    updated_iso: String,
    sites: Vec<SiteLink>,
    prev_href: String,
    next_href: String,
    today_href: String,
    rows: Vec<BoardLine>,
}

#[derive(serde::Deserialize)]
struct BoardQuery {
    site: Option<String>,
    date: Option<String>,
}

/// `Fatimah Haddad` as `Fatimah H.`: the given name and the family name's
/// initial, so that a wall screen does not show whole names. An Arabic
/// family name's article (`الحداد`) is passed over for its initial.
fn short_name(given: &str, family: &str) -> String {
    let given = given.trim();
    let family = family.trim();
    let family = match family.strip_prefix("ال") {
        Some(rest) if !rest.is_empty() => rest,
        _ => family,
    };
    match family.chars().next() {
        Some(initial) => format!("{given} {initial}."),
        None => given.to_string(),
    }
}

fn step_label(locale: Locale, step: DayStep) -> String {
    label(locale, "lab-step", step.code())
}

fn alert_line(locale: Locale, alert: &Alert) -> AlertLine {
    let text = match alert {
        Alert::Overrun(step) => tr_args(
            locale,
            "dayboard-alert-overrun",
            &[("step", step_label(locale, *step))],
        ),
        Alert::LimitMissed(step) => tr_args(
            locale,
            "dayboard-alert-limit-missed",
            &[("step", step_label(locale, *step))],
        ),
        Alert::FailedCheck => tr(locale, "dayboard-alert-failed-check"),
        Alert::Deviations(count) => tr_args(
            locale,
            "dayboard-alert-deviations",
            &[(
                "count",
                locale.number(i64::try_from(*count).unwrap_or(i64::MAX)),
            )],
        ),
    };
    AlertLine {
        code: alert.code(),
        text,
    }
}

fn board_line(locale: Locale, row: &BoardRow) -> BoardLine {
    use cellpath_domain::plan::SessionStatus;
    let cancelled = row.session.status == SessionStatus::Cancelled;
    let (step, step_state) = match (row.step, cancelled) {
        (_, true) => (tr(locale, "dayboard-cancelled"), String::new()),
        (None, false) => (tr(locale, "dayboard-discharged"), String::new()),
        (Some(step), false) => (
            step_label(locale, step),
            tr(
                locale,
                if row.running {
                    "dayboard-in-progress"
                } else {
                    "dayboard-next"
                },
            ),
        ),
    };
    let (time, time_class) = match (row.minutes, row.max_minutes, row.running) {
        (Some(minutes), Some(max), true) => {
            let max = i64::from(max);
            let class = if minutes > max {
                "over"
            } else if minutes * 5 >= max * 4 {
                "near"
            } else {
                "ok"
            };
            (
                tr_args(
                    locale,
                    "dayboard-minutes-of",
                    &[
                        ("minutes", locale.number(minutes)),
                        ("max", locale.number(max)),
                    ],
                ),
                class,
            )
        }
        (Some(minutes), None, true) => (
            tr_args(
                locale,
                "dayboard-minutes",
                &[("minutes", locale.number(minutes))],
            ),
            "ok",
        ),
        (Some(minutes), _, false) if !cancelled && row.step.is_some() => (
            tr_args(
                locale,
                "dayboard-waiting",
                &[("minutes", locale.number(minutes))],
            ),
            "idle",
        ),
        _ => (String::new(), "idle"),
    };
    BoardLine {
        href: format!("/sessions/{}/day", row.session.id),
        name: short_name(&row.given_name, &row.family_name),
        record_number: row.record_number.clone(),
        source: tr(
            locale,
            if row.autologous {
                "dayboard-autologous"
            } else {
                "dayboard-allogeneic"
            },
        ),
        source_code: if row.autologous {
            "autologous"
        } else {
            "allogeneic"
        },
        step,
        step_state,
        time,
        time_class,
        alerts: row.alerts.iter().map(|a| alert_line(locale, a)).collect(),
    }
}

async fn show_board(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSessionDay)?;
    let locale = viewer.locale;
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let now = state.app.now();
    let today = now.date_naive();
    let date = match query.date.as_deref().filter(|d| !d.is_empty()) {
        Some(raw) => {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| PageError::BadRequest(locale))?
        }
        None => today,
    };
    let rows = state
        .app
        .day_board(actor, site, date)
        .await
        .map_err(app_error(locale))?;
    let sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let href = |d: NaiveDate| format!("/board?site={site}&date={d}");
    let minute = i64::from(now.hour() * 60 + now.minute());
    let page = BoardPage {
        refresh: BOARD_REFRESH_SECONDS,
        refresh_note: tr_args(
            locale,
            "dayboard-refresh-note",
            &[("seconds", locale.number(i64::from(BOARD_REFRESH_SECONDS)))],
        ),
        heading: tr_args(
            locale,
            "dayboard-heading",
            &[
                ("site", site_name(&sites, site)),
                ("date", locale.date(date)),
            ],
        ),
        updated: tr_args(
            locale,
            "dayboard-updated",
            &[("time", locale.clock(minute))],
        ),
        updated_iso: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        sites: actor
            .sites
            .iter()
            .map(|id| SiteLink {
                href: format!("/board?site={id}&date={date}"),
                label: site_name(&sites, *id),
                current: *id == site,
            })
            .collect(),
        prev_href: date.pred_opt().map(href).unwrap_or_default(),
        next_href: date.succ_opt().map(href).unwrap_or_default(),
        today_href: format!("/board?site={site}"),
        rows: rows.iter().map(|r| board_line(locale, r)).collect(),
        ctx: Ctx::new(&viewer),
    };
    render(locale, &page)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        LAB_CSS,
    )
        .into_response()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/lab.css", get(stylesheet))
        .route("/lab", get(show_lab))
        .route("/lab/receive", post(receive))
        .route("/lab/units/{id}", get(show_unit))
        .route(
            "/lab/units/{id}/start-processing",
            unit_action(UnitAction::StartProcessing),
        )
        .route(
            "/lab/units/{id}/processing",
            unit_action(UnitAction::Processing),
        )
        .route("/lab/units/{id}/qc", unit_action(UnitAction::Qc))
        .route("/lab/units/{id}/release", unit_action(UnitAction::Release))
        .route(
            "/lab/units/{id}/finish-processing",
            unit_action(UnitAction::FinishProcessing),
        )
        .route("/lab/units/{id}/reject", unit_action(UnitAction::Reject))
        .route(
            "/lab/units/{id}/release-lot",
            unit_action(UnitAction::ReleaseLot),
        )
        .route(
            "/lab/donor-lots",
            get(show_donor_lots).post(receive_donor_lot),
        )
        .route("/board", get(show_board))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_screen_shows_the_given_name_and_the_family_initial() {
        assert_eq!(short_name("Fatimah", "Haddad"), "Fatimah H.");
        assert_eq!(short_name("Abdul Rahman", "Khalil"), "Abdul Rahman K.");
        assert_eq!(short_name("Mary", "van Dyke"), "Mary v.");
        assert_eq!(short_name("فاطمة", "الحداد"), "فاطمة ح.");
        assert_eq!(short_name("فاطمة", "حداد"), "فاطمة ح.");
        assert_eq!(short_name("Mononym", " "), "Mononym");
    }

    #[test]
    fn the_check_character_of_the_published_vector() {
        assert_eq!(check_character("G123498654321"), "H");
    }
}
