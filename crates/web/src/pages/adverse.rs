//! Adverse events after a session (recorded by a physician or nurse, linked
//! to the product given) and the lookback: from a kit lot, a product or a
//! processing run to every patient affected, one click from the day page,
//! the lab's unit page or an event.

use super::{
    Ctx, FieldSpec, FormState, PageForm, field, label, parse_id, render, render_status, require,
    select,
};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::tr_args;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cellpath_app::adverse_events::{LookbackQuery, LookbackRow};
use cellpath_app::{AdverseEventRow, AppError};
use cellpath_domain::adverse_events::{AdverseEventDraft, GRADE_MAX, Grade, Outcome, Relatedness};
use cellpath_domain::donation::DonationId;
use cellpath_domain::{Action, Locale, SessionId};
use std::collections::HashMap;

/// An event as the pages list it.
pub struct EventLine {
    pub id: String,
    pub what: String,
    pub onset: String,
    pub grade: String,
    pub serious: bool,
    pub relatedness: String,
    pub outcome: String,
    pub signed: String,
    /// The product given, as printed, with its lookback link.
    pub product: Option<(String, String)>,
}

fn event_line(
    locale: Locale,
    event: &AdverseEventRow,
    products: &HashMap<uuid::Uuid, String>,
) -> EventLine {
    let grade = u8::try_from(event.grade).ok().and_then(Grade::new);
    EventLine {
        id: event.id.to_string(),
        what: event.what.clone(),
        onset: locale.date_time(event.onset_at),
        grade: match grade {
            Some(g) => tr_args(
                locale,
                "ae-grade-line",
                &[
                    ("grade", locale.number(i64::from(g.get()))),
                    ("label", label(locale, "ae-grade", g.label())),
                ],
            ),
            None => event.grade.to_string(),
        },
        serious: event.serious,
        relatedness: label(locale, "ae-relatedness", &event.relatedness),
        outcome: label(locale, "ae-outcome", &event.outcome),
        signed: tr_args(
            locale,
            "ae-signed",
            &[
                ("who", event.updated_by.clone()),
                ("when", locale.date_time(event.updated_at)),
            ],
        ),
        product: event
            .unit_id
            .and_then(|u| products.get(&u))
            .map(|printed| (printed.clone(), lookback_unit_href(printed))),
    }
}

pub fn lookback_unit_href(printed: &str) -> String {
    format!("/lookback?unit={printed}")
}

pub fn lookback_lot_href(lot: &str) -> String {
    let encoded: String = lot
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/lookback?kit_lot={encoded}")
}

fn event_fields(locale: Locale) -> Vec<FieldSpec> {
    let grades: Vec<String> = (1..=GRADE_MAX).map(|g| g.to_string()).collect();
    let mut grade = select(
        locale,
        "ae-field-grade",
        "grade",
        "ae-grade",
        &grades.iter().map(String::as_str).collect::<Vec<_>>(),
        true,
    );
    for choice in &mut grade.choices {
        if let Some(g) = choice.value.parse().ok().and_then(Grade::new) {
            choice.label = tr_args(
                locale,
                "ae-grade-line",
                &[
                    ("grade", locale.number(i64::from(g.get()))),
                    ("label", label(locale, "ae-grade", g.label())),
                ],
            );
        }
    }
    vec![
        field(locale, "ae-field-what", "what", "textarea", true),
        field(locale, "ae-field-onset", "onset_at", "text", true),
        grade,
        select(
            locale,
            "ae-field-relatedness",
            "relatedness",
            "ae-relatedness",
            &Relatedness::ALL
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>(),
            true,
        ),
        select(
            locale,
            "ae-field-outcome",
            "outcome",
            "ae-outcome",
            &Outcome::ALL.iter().map(|o| o.code()).collect::<Vec<_>>(),
            true,
        ),
    ]
}

#[derive(Template)]
#[template(path = "adverse_events.html")]
struct EventsPage {
    ctx: Ctx,
    id: String,
    patient_name: String,
    patient_href: String,
    events: Vec<EventLine>,
    fields: Vec<FieldSpec>,
    form: FormState,
    /// The session's products and donor lots: (printed, lookback link).
    units: Vec<(String, String)>,
}

async fn events_page(
    state: &AppState,
    viewer: &Viewer,
    session: SessionId,
    form: FormState,
) -> Result<EventsPage, PageError> {
    let actor = require(viewer, Action::RecordAdverseEvents)?;
    let locale = viewer.locale;
    let app_error = |e| PageError::from_app(locale, e);
    let day = state
        .app
        .session_day(actor, session)
        .await
        .map_err(app_error)?;
    let events = state
        .app
        .adverse_events_of_patient(actor, day.patient.id)
        .await
        .map_err(app_error)?;
    let products: HashMap<uuid::Uuid, String> = day
        .units
        .iter()
        .filter_map(|u| DonationId::from_body(&u.donation_id).map(|d| (u.id, d.printed())))
        .collect();
    let mut form = form;
    if form.values.is_empty() {
        form.values.insert(
            "onset_at".into(),
            state.app.now().format("%Y-%m-%d %H:%M").to_string(),
        );
    }
    Ok(EventsPage {
        ctx: Ctx::new(viewer),
        id: session.to_string(),
        patient_name: day.patient.full_name(),
        patient_href: format!("/patients/{}", day.patient.id),
        events: events
            .iter()
            .filter(|e| e.session_id == session.as_uuid())
            .map(|e| event_line(locale, e, &products))
            .collect(),
        fields: event_fields(locale),
        form,
        units: day
            .units
            .iter()
            .filter(|u| u.kind != cellpath_domain::cells::UnitKind::Specimen)
            .filter_map(|u| products.get(&u.id))
            .map(|p| (p.clone(), lookback_unit_href(p)))
            .collect(),
    })
}

async fn show_events(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let session: SessionId = parse_id(viewer.locale, &id)?;
    let page = events_page(&state, &viewer, session, FormState::default()).await?;
    render(viewer.locale, &page)
}

pub(super) fn event_draft(form: &PageForm) -> AdverseEventDraft {
    AdverseEventDraft {
        what: form.get("what"),
        onset_at: form.get("onset_at"),
        grade: form.get("grade"),
        serious: form.get("serious") == "true",
        relatedness: form.get("relatedness"),
        outcome: form.get("outcome"),
        unit: form.get("unit"),
    }
}

async fn record_event(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::RecordAdverseEvents)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let session: SessionId = parse_id(locale, &id)?;
    let draft = event_draft(&form);
    match state.app.record_adverse_event(actor, session, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{session}/adverse-events")).into_response()),
        Err(AppError::Invalid(issues)) => {
            let mut values = form.0;
            values.remove("csrf");
            let failed = FormState::from_values(values).with_issues(locale, &issues);
            let page = events_page(&state, &viewer, session, failed).await?;
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

// ------------------------------------------------------------------ lookback

/// One patient a lookback found.
pub struct FoundLine {
    pub patient: String,
    pub patient_href: String,
    pub record_number: String,
    pub product: String,
    pub unit_href: String,
    pub kit_lots: Vec<(String, String)>,
    pub given: Option<String>,
    pub events: Vec<EventLine>,
}

fn found_line(locale: Locale, row: &LookbackRow) -> FoundLine {
    let products: HashMap<uuid::Uuid, String> = [(row.unit.id, row.product.clone())].into();
    FoundLine {
        patient: row.patient_name.clone(),
        patient_href: format!("/patients/{}", row.patient_id),
        record_number: row.record_number.clone(),
        product: row.product.clone(),
        unit_href: format!("/lab/units/{}", row.unit.id),
        kit_lots: row
            .kit_lots
            .iter()
            .map(|lot| (lot.clone(), lookback_lot_href(lot)))
            .collect(),
        given: row.administered_at.map(|at| locale.date_time(at)),
        events: row
            .adverse_events
            .iter()
            .map(|e| event_line(locale, e, &products))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "lookback.html")]
struct LookbackPage {
    ctx: Ctx,
    form: FormState,
    /// What was looked back from, when something was.
    heading: Option<String>,
    rows: Vec<FoundLine>,
}

#[derive(serde::Deserialize)]
struct LookbackParams {
    kit_lot: Option<String>,
    unit: Option<String>,
}

async fn lookback(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<LookbackParams>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::Lookback)?;
    let locale = viewer.locale;
    let kit_lot = params.kit_lot.unwrap_or_default();
    let unit = params.unit.unwrap_or_default();
    let values: HashMap<String, String> = [
        ("kit_lot".to_string(), kit_lot.clone()),
        ("unit".to_string(), unit.clone()),
    ]
    .into();
    let query = match (kit_lot.trim().is_empty(), unit.trim().is_empty()) {
        (false, _) => Some(LookbackQuery::KitLot(kit_lot.clone())),
        (true, false) => Some(LookbackQuery::Unit(unit.clone())),
        (true, true) => None,
    };
    let Some(query) = query else {
        let page = LookbackPage {
            ctx: Ctx::new(&viewer),
            form: FormState::from_values(values),
            heading: None,
            rows: Vec::new(),
        };
        return render(locale, &page);
    };
    match state.app.lookback(actor, &query).await {
        Ok(found) => {
            let heading = match &query {
                LookbackQuery::KitLot(lot) => tr_args(
                    locale,
                    "lookback-from-kit-lot",
                    &[("lot", lot.trim().to_string())],
                ),
                LookbackQuery::Unit(unit) => tr_args(
                    locale,
                    "lookback-from-unit",
                    &[("unit", unit.trim().to_string())],
                ),
            };
            let page = LookbackPage {
                ctx: Ctx::new(&viewer),
                form: FormState::from_values(values),
                heading: Some(tr_args(
                    locale,
                    "lookback-found",
                    &[
                        ("from", heading),
                        (
                            "count",
                            locale.number(i64::try_from(found.rows.len()).unwrap_or(i64::MAX)),
                        ),
                    ],
                )),
                rows: found.rows.iter().map(|r| found_line(locale, r)).collect(),
            };
            render(locale, &page)
        }
        Err(AppError::Invalid(issues)) => {
            let page = LookbackPage {
                ctx: Ctx::new(&viewer),
                form: FormState::from_values(values).with_issues(locale, &issues),
                heading: None,
                rows: Vec::new(),
            };
            render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(PageError::from_app(locale, other)),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sessions/{id}/adverse-events",
            get(show_events).post(record_event),
        )
        .route("/lookback", get(lookback))
}
