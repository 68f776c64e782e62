//! The clinic's reports at `/reports` (step durations against the
//! protocol, deviations by kind, the adverse-event rate, follow-up
//! completion) for a site and a period chosen in a GET form, and each table
//! as CSV at `/reports/clinic.csv?table=...` for a spreadsheet.
//!
//! The CSV is UTF-8 with a byte-order mark (so spreadsheets read Arabic
//! headers), comma-separated, CRLF lines, fields quoted when they hold a
//! comma, quote or line break; numbers in ASCII digits whatever the
//! language, with each code beside its label. A text cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is prefixed
//! with an apostrophe.

use super::{Choice, Ctx, FormState, app_error, label, render, render_status, require};
use crate::AppState;
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cellpath_app::AppError;
use cellpath_app::reports::ClinicReport;
use cellpath_domain::issue::{IssueCode, Issues};
use cellpath_domain::reports::{StepDuration, VisitState, per_hundred_tenths};
use cellpath_domain::{Action, Locale, SiteId};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

/// The default period: the last 90 days up to today.
const DEFAULT_DAYS: i64 = 90;

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    table: Option<String>,
}

/// The tables a CSV can hold.
const TABLES: [&str; 4] = ["steps", "deviations", "adverse_events", "follow_ups"];

/// One row of a table as the page shows it (cells already in the user's
/// language and digits).
struct Line {
    cells: Vec<String>,
}

struct Table {
    id: &'static str,
    title: String,
    headers: Vec<String>,
    lines: Vec<Line>,
    csv_href: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    ctx: Ctx,
    form: FormState,
    sites: Vec<Choice>,
    /// The two date fields (name and label).
    dates: Vec<Choice>,
    summary: String,
    tables: Vec<Table>,
    follow_ups_empty: bool,
}

/// The period and site asked for, or the form's problems.
struct Asked {
    site: SiteId,
    from: NaiveDate,
    to: NaiveDate,
}

fn read_query(
    actor: &cellpath_app::Actor,
    today: NaiveDate,
    query: &ReportQuery,
) -> Result<Asked, Issues> {
    let mut issues = Issues::default();
    let date = |name: &str, raw: Option<&str>, default: NaiveDate, issues: &mut Issues| match raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => Some(default),
        Some(raw) => {
            let parsed = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
            if parsed.is_none() {
                issues.add(name, IssueCode::InvalidDate);
            }
            parsed
        }
    };
    let to = date("to", query.to.as_deref(), today, &mut issues);
    let from = date(
        "from",
        query.from.as_deref(),
        to.unwrap_or(today) - Duration::days(DEFAULT_DAYS - 1),
        &mut issues,
    );
    let site = match query.site.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => raw.parse().ok(),
        None => actor.sites.first().copied(),
    };
    if site.is_none() {
        issues.add("site", IssueCode::UnknownCode);
    }
    match (site, from, to, issues.is_empty()) {
        (Some(site), Some(from), Some(to), true) => Ok(Asked { site, from, to }),
        _ => Err(issues),
    }
}

fn minutes(locale: Locale, m: Option<i64>) -> String {
    match m {
        Some(m) => tr_args(locale, "reports-minutes", &[("minutes", locale.number(m))]),
        None => tr(locale, "reports-none"),
    }
}

fn step_label(locale: Locale, row: &StepDuration) -> String {
    match row.step {
        Some(step) => label(locale, "day-step", step.code()),
        None => tr(locale, "reports-whole-session"),
    }
}

fn protocol_text(locale: Locale, row: &StepDuration) -> String {
    match row.protocol {
        None => tr(locale, "reports-none"),
        Some(r) if r.max == u32::MAX => tr_args(
            locale,
            "reports-at-least",
            &[("min", locale.number(i64::from(r.min)))],
        ),
        Some(r) => tr_args(
            locale,
            "reports-range",
            &[
                ("min", locale.number(i64::from(r.min))),
                ("max", locale.number(i64::from(r.max))),
            ],
        ),
    }
}

/// Tenths of a percent (or of a rate per 100) as `12.3`, in the locale's digits.
fn tenths(locale: Locale, value: Option<u64>) -> String {
    match value {
        None => tr(locale, "reports-none"),
        Some(v) => {
            let text = format!("{}.{}", v / 10, v % 10);
            match locale {
                Locale::En => text,
                Locale::Ar => locale.digits(&text).replace('.', "\u{066B}"),
            }
        }
    }
}

fn n(locale: Locale, value: u32) -> String {
    locale.number(i64::from(value))
}

/// The report's tables with every cell in the user's language; the CSV
/// writes the same rows with codes and ASCII numbers (`csv_rows`).
fn tables(locale: Locale, report: &ClinicReport, query: &str) -> Vec<Table> {
    let href = |table: &str| format!("/reports/clinic.csv?{query}&table={table}");
    let t = |key: &str| tr(locale, key);
    let steps = Table {
        id: "steps",
        title: t("reports-steps-title"),
        headers: [
            "reports-col-step",
            "reports-col-sessions",
            "reports-col-median",
            "reports-col-shortest",
            "reports-col-longest",
            "reports-col-protocol",
            "reports-col-too-short",
            "reports-col-too-long",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        lines: report
            .steps
            .iter()
            .map(|row| Line {
                cells: vec![
                    step_label(locale, row),
                    n(locale, row.sessions),
                    minutes(locale, row.median),
                    minutes(locale, row.shortest),
                    minutes(locale, row.longest),
                    protocol_text(locale, row),
                    n(locale, row.too_short),
                    n(locale, row.too_long),
                ],
            })
            .collect(),
        csv_href: href("steps"),
    };
    let deviations = Table {
        id: "deviations",
        title: t("reports-deviations-title"),
        headers: [
            "reports-col-kind",
            "reports-col-deviations",
            "reports-col-sessions-touched",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        lines: report
            .deviations
            .iter()
            .map(|row| Line {
                cells: vec![
                    label(locale, "day-deviation-kind", row.kind.code()),
                    n(locale, row.deviations),
                    n(locale, row.sessions),
                ],
            })
            .collect(),
        csv_href: href("deviations"),
    };
    let ae = &report.adverse_events;
    let mut ae_lines = vec![
        (t("reports-ae-treated"), n(locale, ae.treated)),
        (t("reports-ae-events"), n(locale, ae.events)),
        (
            t("reports-ae-rate"),
            tenths(locale, ae.per_hundred_tenths()),
        ),
        (t("reports-ae-serious"), n(locale, ae.serious)),
        (t("reports-ae-related"), n(locale, ae.related)),
        (
            t("reports-ae-sessions-with"),
            n(locale, ae.sessions_with_event),
        ),
    ];
    for (i, count) in ae.by_grade.iter().enumerate() {
        let grade = i64::try_from(i + 1).unwrap_or_default();
        ae_lines.push((
            tr_args(
                locale,
                "reports-ae-grade",
                &[("grade", locale.number(grade))],
            ),
            n(locale, *count),
        ));
    }
    let adverse = Table {
        id: "adverse-events",
        title: t("reports-ae-title"),
        headers: Vec::new(),
        lines: ae_lines
            .into_iter()
            .map(|(k, v)| Line { cells: vec![k, v] })
            .collect(),
        csv_href: href("adverse_events"),
    };
    let mut fu_headers = vec![t("reports-col-visit"), t("reports-col-due")];
    fu_headers.extend(
        VisitState::ALL
            .iter()
            .map(|s| label(locale, "reports-fu-state", s.code())),
    );
    fu_headers.push(t("reports-col-completion"));
    let follow_ups = Table {
        id: "follow-ups",
        title: t("reports-fu-title"),
        headers: fu_headers,
        lines: report
            .follow_ups
            .iter()
            .map(|row| {
                let mut cells = vec![
                    tr_args(
                        locale,
                        "reports-fu-visit",
                        &[("days", locale.number(i64::from(row.offset_days)))],
                    ),
                    n(locale, row.due()),
                ];
                cells.extend(VisitState::ALL.iter().map(|s| n(locale, row.of(*s))));
                cells.push(match row.completion_tenths() {
                    None => t("reports-none"),
                    Some(v) => tr_args(
                        locale,
                        "outcome-percent",
                        &[("percent", tenths(locale, Some(v)))],
                    ),
                });
                Line { cells }
            })
            .collect(),
        csv_href: href("follow_ups"),
    };
    vec![steps, deviations, adverse, follow_ups]
}

fn query_string(asked: &Asked) -> String {
    format!("site={}&from={}&to={}", asked.site, asked.from, asked.to)
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewReports)?;
    let locale = viewer.locale;
    let today = state.app.now().date_naive();
    let all_sites = state.app.list_sites().await.map_err(app_error(locale))?;
    let sites = || -> Vec<Choice> {
        all_sites
            .iter()
            .filter(|s| actor.sites.iter().any(|a| a.as_uuid() == s.id))
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
            })
            .collect()
    };
    let mut values: HashMap<String, String> = HashMap::new();
    for (name, value) in [
        ("site", &query.site),
        ("from", &query.from),
        ("to", &query.to),
    ] {
        values.insert(name.into(), value.clone().unwrap_or_default());
    }
    let empty_page = |form: FormState| ReportsPage {
        ctx: Ctx::new(&viewer),
        form,
        sites: sites(),
        dates: ["from", "to"]
            .iter()
            .map(|name| Choice {
                value: (*name).to_string(),
                label: tr(locale, &format!("reports-{name}")),
            })
            .collect(),
        summary: String::new(),
        tables: Vec::new(),
        follow_ups_empty: false,
    };
    let asked = match read_query(actor, today, &query) {
        Ok(asked) => asked,
        Err(issues) => {
            let form = FormState::from_values(values).with_issues(locale, &issues);
            return render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &empty_page(form));
        }
    };
    values.insert("site".into(), asked.site.to_string());
    values.insert("from".into(), asked.from.to_string());
    values.insert("to".into(), asked.to.to_string());
    let report = match state
        .app
        .clinic_report(actor, asked.site, asked.from, asked.to)
        .await
    {
        Ok(report) => report,
        Err(AppError::Invalid(issues)) => {
            let form = FormState::from_values(values).with_issues(locale, &issues);
            return render_status(locale, StatusCode::UNPROCESSABLE_ENTITY, &empty_page(form));
        }
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let page = ReportsPage {
        summary: tr_args(
            locale,
            "reports-sessions",
            &[("count", n(locale, report.sessions))],
        ),
        tables: tables(locale, &report, &query_string(&asked)),
        follow_ups_empty: report.follow_ups.is_empty(),
        ..empty_page(FormState::from_values(values))
    };
    render(locale, &page)
}

/// A CSV field, quoted when needed, a formula-looking text defused.
fn csv_field(value: &str, text: bool) -> String {
    let value = if text && value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A table's rows for the CSV: codes, labels in the user's language and
/// ASCII numbers. The first row is the header.
fn csv_rows(locale: Locale, report: &ClinicReport, table: &str) -> Vec<Vec<(String, bool)>> {
    let text = |s: String| (s, true);
    let num = |v: u32| (v.to_string(), false);
    let opt = |v: Option<i64>| (v.map(|m| m.to_string()).unwrap_or_default(), false);
    let t = |key: &str| (tr(locale, key), true);
    let mut rows = Vec::new();
    match table {
        "steps" => {
            rows.push(vec![
                text("code".into()),
                t("reports-col-step"),
                t("reports-col-sessions"),
                t("reports-col-median"),
                t("reports-col-shortest"),
                t("reports-col-longest"),
                text("protocol_min".into()),
                text("protocol_max".into()),
                t("reports-col-too-short"),
                t("reports-col-too-long"),
            ]);
            for row in &report.steps {
                let range = row.protocol;
                rows.push(vec![
                    text(row.step.map_or("session", |s| s.code()).to_string()),
                    text(step_label(locale, row)),
                    num(row.sessions),
                    opt(row.median),
                    opt(row.shortest),
                    opt(row.longest),
                    opt(range.map(|r| i64::from(r.min))),
                    opt(range
                        .filter(|r| r.max != u32::MAX)
                        .map(|r| i64::from(r.max))),
                    num(row.too_short),
                    num(row.too_long),
                ]);
            }
        }
        "deviations" => {
            rows.push(vec![
                text("code".into()),
                t("reports-col-kind"),
                t("reports-col-deviations"),
                t("reports-col-sessions-touched"),
            ]);
            for row in &report.deviations {
                rows.push(vec![
                    text(row.kind.code().to_string()),
                    text(label(locale, "day-deviation-kind", row.kind.code())),
                    num(row.deviations),
                    num(row.sessions),
                ]);
            }
        }
        "adverse_events" => {
            let ae = &report.adverse_events;
            rows.push(vec![
                t("reports-ae-treated"),
                t("reports-ae-events"),
                text("events_per_100".into()),
                t("reports-ae-serious"),
                t("reports-ae-related"),
                t("reports-ae-sessions-with"),
                text("grade_1".into()),
                text("grade_2".into()),
                text("grade_3".into()),
                text("grade_4".into()),
                text("grade_5".into()),
            ]);
            let mut row = vec![
                num(ae.treated),
                num(ae.events),
                (
                    ae.per_hundred_tenths()
                        .map(|v| format!("{}.{}", v / 10, v % 10))
                        .unwrap_or_default(),
                    false,
                ),
                num(ae.serious),
                num(ae.related),
                num(ae.sessions_with_event),
            ];
            row.extend(ae.by_grade.iter().map(|g| num(*g)));
            rows.push(row);
        }
        _ => {
            let mut header = vec![text("offset_days".into()), t("reports-col-due")];
            header.extend(VisitState::ALL.iter().map(|s| text(s.code().to_string())));
            header.push(text("kept_percent".into()));
            rows.push(header);
            for row in &report.follow_ups {
                let mut line = vec![num(row.offset_days), num(row.due())];
                line.extend(VisitState::ALL.iter().map(|s| num(row.of(*s))));
                line.push((
                    per_hundred_tenths(row.of(VisitState::Attended), row.due())
                        .map(|v| format!("{}.{}", v / 10, v % 10))
                        .unwrap_or_default(),
                    false,
                ));
                rows.push(line);
            }
        }
    }
    rows
}

/// The CSV text of one table (with the byte-order mark).
fn csv_text(rows: &[Vec<(String, bool)>]) -> String {
    let mut out = String::from("\u{FEFF}");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|(v, text)| csv_field(v, *text)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewReports)?;
    let locale = viewer.locale;
    let today = state.app.now().date_naive();
    let table = query.table.as_deref().unwrap_or_default();
    if !TABLES.contains(&table) {
        return Err(PageError::BadRequest(locale));
    }
    let asked = read_query(actor, today, &query).map_err(|_| PageError::BadRequest(locale))?;
    let report = match state
        .app
        .clinic_report(actor, asked.site, asked.from, asked.to)
        .await
    {
        Ok(report) => report,
        Err(AppError::Invalid(_)) => return Err(PageError::BadRequest(locale)),
        Err(other) => return Err(PageError::from_app(locale, other)),
    };
    let body = csv_text(&csv_rows(locale, &report, table));
    let filename = format!(
        "cellpath-{}-{}-{}.csv",
        table.replace('_', "-"),
        asked.from,
        asked.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(show))
        .route("/reports/clinic.csv", get(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain", true), "plain");
        assert_eq!(csv_field("a,b", true), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", true), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)", true), "'=SUM(A1)");
        assert_eq!(csv_field("-3", false), "-3");
        assert_eq!(
            csv_text(&[vec![("a".into(), true), ("1".into(), false)]]),
            "\u{FEFF}a,1\r\n"
        );
    }

    #[test]
    fn tenths_read_in_each_locale() {
        assert_eq!(tenths(Locale::En, Some(333)), "33.3");
        assert_eq!(tenths(Locale::Ar, Some(1000)), "١٠٠٫٠");
        assert_eq!(tenths(Locale::En, None), tr(Locale::En, "reports-none"));
    }
}
