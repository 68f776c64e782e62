//! "Optimise this day": the proposal beside the plan in force, applied or
//! discarded by the coordinator. The proposal travels in the apply form
//! and is checked again, whole, when applied.

use super::{Ctx, PageForm, app_error, chosen_site, render, render_status, require};
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
use cellpath_app::AppError;
use cellpath_app::optimise::{
    DAY_TIME_LIMIT, DayMetrics, DayProposal, decode_proposal, encode_proposal,
};
use cellpath_domain::{Action, Locale, SiteId};
use chrono::NaiveDate;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/optimise/{date}", get(show))
        .route("/optimise/{date}/apply", post(apply))
}

/// One measure, before and after.
pub struct MetricLine {
    pub label: String,
    pub before: String,
    pub after: String,
    pub better: bool,
}

/// One session that may move.
pub struct MoveLine {
    pub record_number: String,
    pub patient: String,
    pub before: String,
    pub after: String,
    pub waiting_before: String,
    pub waiting_after: String,
    pub moved: bool,
}

#[derive(Template)]
#[template(path = "optimise.html")]
pub struct OptimisePage {
    pub ctx: Ctx,
    pub date: String,
    pub date_label: String,
    pub site: String,
    pub metrics: Vec<MetricLine>,
    pub moves: Vec<MoveLine>,
    pub started: String,
    pub not_placed: usize,
    pub changes: bool,
    pub proposal: String,
    pub banner: Option<String>,
}

/// `HH:MM` of an epoch minute.
fn hhmm(locale: Locale, minute: i64) -> String {
    locale.clock(minute.rem_euclid(1440))
}

fn minutes(locale: Locale, n: i64) -> String {
    tr_args(
        locale,
        "optimise-minutes",
        &[("n", locale.digits(&n.to_string()))],
    )
}

fn metric_lines(locale: Locale, before: &DayMetrics, after: &DayMetrics) -> Vec<MetricLine> {
    let last = |m: &DayMetrics| {
        m.last_end
            .map(|e| hhmm(locale, e))
            .unwrap_or_else(|| "–".into())
    };
    vec![
        MetricLine {
            label: tr(locale, "optimise-waiting"),
            before: minutes(locale, before.waiting_minutes),
            after: minutes(locale, after.waiting_minutes),
            better: after.waiting_minutes < before.waiting_minutes,
        },
        MetricLine {
            label: tr(locale, "optimise-in-clinic"),
            before: minutes(locale, before.minutes_in_clinic),
            after: minutes(locale, after.minutes_in_clinic),
            better: after.minutes_in_clinic < before.minutes_in_clinic,
        },
        MetricLine {
            label: tr(locale, "optimise-overtime"),
            before: minutes(locale, before.overtime_minutes),
            after: minutes(locale, after.overtime_minutes),
            better: after.overtime_minutes < before.overtime_minutes,
        },
        MetricLine {
            label: tr(locale, "optimise-last-end"),
            before: last(before),
            after: last(after),
            better: after.last_end < before.last_end,
        },
    ]
}

fn page(
    viewer: &Viewer,
    site: SiteId,
    proposal: &DayProposal,
    banner: Option<String>,
) -> OptimisePage {
    let locale = viewer.locale;
    let moves = proposal
        .sessions
        .iter()
        .map(|(current, proposed)| {
            let before = current
                .steps
                .first()
                .map(|s| s.starts_min)
                .unwrap_or_default();
            let after = proposed.steps.first().map(|s| s.from).unwrap_or_default();
            let span = proposed.steps.last().map(|s| s.to).unwrap_or_default() - after;
            MoveLine {
                record_number: current.record_number.clone(),
                patient: current.patient_name.clone(),
                before: hhmm(locale, before),
                after: hhmm(locale, after),
                waiting_before: minutes(locale, current.waiting()),
                waiting_after: minutes(locale, (span - current.minutes_without_waiting()).max(0)),
                moved: proposed
                    .steps
                    .iter()
                    .zip(&current.steps)
                    .any(|(p, c)| p.from != c.starts_min),
            }
        })
        .collect();
    OptimisePage {
        ctx: Ctx::new(viewer),
        date: proposal.date.to_string(),
        date_label: locale.date(proposal.date),
        site: site.to_string(),
        metrics: metric_lines(locale, &proposal.before, &proposal.after),
        moves,
        started: locale.digits(&proposal.started.to_string()),
        not_placed: proposal.not_placed.len(),
        changes: proposal.changes(),
        proposal: encode_proposal(
            &proposal
                .sessions
                .iter()
                .map(|(_, p)| p.clone())
                .collect::<Vec<_>>(),
        ),
        banner,
    }
}

fn parse_date(locale: Locale, raw: &str) -> Result<NaiveDate, PageError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| PageError::NotFound(locale))
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(date): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ScheduleSession)?;
    let locale = viewer.locale;
    let date = parse_date(locale, &date)?;
    let site = chosen_site(&viewer, actor, query.get("site").map(String::as_str))?;
    let proposal = state
        .app
        .propose_day(actor, site, date, DAY_TIME_LIMIT)
        .await
        .map_err(app_error(locale))?;
    render(locale, &page(&viewer, site, &proposal, None))
}

async fn apply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(date): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ScheduleSession)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let date = parse_date(locale, &date)?;
    let site = chosen_site(&viewer, actor, Some(&form.get("site")))?;
    let proposal = decode_proposal(&form.get("proposal")).ok_or(PageError::BadRequest(locale))?;
    match state.app.apply_day(actor, site, &proposal).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/schedule/{date}?site={site}&applied=1")).into_response())
        }
        Err(AppError::Conflict(_) | AppError::Unavailable(_) | AppError::Invalid(_)) => {
            // The day changed since the proposal: propose again from what is booked now.
            let fresh = state
                .app
                .propose_day(actor, site, date, DAY_TIME_LIMIT)
                .await
                .map_err(app_error(locale))?;
            render_status(
                locale,
                StatusCode::CONFLICT,
                &page(&viewer, site, &fresh, Some(tr(locale, "optimise-stale"))),
            )
        }
        Err(other) => Err(app_error(locale)(other)),
    }
}
