//! The schedule as timelines: a site's day per resource and per patient,
//! its week as booked and available minutes, and each staff member's
//! secret calendar feed. Bars are inline SVG drawn at computed positions
//! (the CSP allows no inline styles); in Arabic time runs from the right,
//! so the positions are mirrored here rather than in the stylesheet.

use super::{Choice, Ctx, PageForm, app_error, chosen_site, render, require};
use crate::AppState;
use crate::calendar_feed::{FeedText, feed};
use crate::ctx::Viewer;
use crate::error::PageError;
use crate::i18n::{tr, tr_args};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cellpath_app::scheduling::{CalendarEntry, DaySchedule, minute_of};
use cellpath_domain::scheduling::{BusyReason, ResourceKind, StepCode};
use cellpath_domain::{Action, Locale, SiteId};
use chrono::{Datelike, Duration, NaiveDate};

/// Height of one row's track, in pixels.
const ROW_HEIGHT: i64 = 44;

/// One drawn thing on a track: a booked step, an absence, a conflict, a wait.
pub struct Shape {
    /// CSS classes of the group.
    pub class: String,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// Accessible name and tooltip.
    pub title: String,
    /// Text drawn on the shape (may be empty).
    pub text: String,
    pub text_x: i64,
    pub text_y: i64,
    pub anchor: &'static str,
}

/// One row of a timeline: a resource or a patient's session.
pub struct Row {
    /// The heading of the group this row starts (a kind of resource).
    pub group: Option<String>,
    pub label: String,
    pub detail: String,
    pub shapes: Vec<Shape>,
}

/// A labelled tick of the hour axis.
pub struct Tick {
    pub x: i64,
    pub label: String,
    pub label_x: i64,
}

/// Minutes of the day to pixels, mirrored in Arabic.
struct Scale {
    from: i64,
    to: i64,
    px_per_minute: i64,
    rtl: bool,
}

impl Scale {
    fn width(&self) -> i64 {
        (self.to - self.from) * self.px_per_minute
    }

    fn clamp(&self, minute: i64) -> i64 {
        minute.clamp(self.from, self.to)
    }

    /// The x and width of `[a, b)` minutes of the day.
    fn span(&self, a: i64, b: i64) -> (i64, i64) {
        let (a, b) = (self.clamp(a), self.clamp(b));
        let width = (b - a) * self.px_per_minute;
        let start = (a - self.from) * self.px_per_minute;
        if self.rtl {
            (self.width() - start - width, width)
        } else {
            (start, width)
        }
    }

    fn x(&self, minute: i64) -> i64 {
        self.span(minute, minute).0
    }

    /// Where text starting at the shape's beginning (in reading order) goes.
    fn text_at(&self, x: i64, width: i64) -> (i64, &'static str) {
        if self.rtl {
            (x + width - 4, "end")
        } else {
            (x + 4, "start")
        }
    }
}

fn step_label(locale: Locale, step: StepCode) -> String {
    tr(locale, &super::code_key("slot-step", step.code()))
}

/// Text that fits in `width` pixels at about six pixels a character.
fn fit(text: &str, width: i64) -> String {
    let room = usize::try_from((width - 8) / 6).unwrap_or(0);
    if text.chars().count() <= room {
        text.to_string()
    } else if room < 2 {
        String::new()
    } else {
        let mut cut: String = text.chars().take(room - 1).collect();
        cut.push('…');
        cut
    }
}

#[allow(clippy::too_many_arguments)]
fn shape(
    scale: &Scale,
    class: String,
    from: i64,
    to: i64,
    y: i64,
    height: i64,
    title: String,
    text: &str,
) -> Shape {
    let (x, width) = scale.span(from, to);
    let (text_x, anchor) = scale.text_at(x, width);
    Shape {
        class,
        x,
        y,
        width,
        height,
        text: fit(text, width),
        title,
        text_x,
        text_y: y + height / 2 + 4,
        anchor,
    }
}

fn busy_key(reason: &BusyReason) -> &'static str {
    match reason {
        BusyReason::Booked(_) => "busy-booked",
        BusyReason::OffDuty => "busy-off-duty",
        BusyReason::Break => "busy-break",
        BusyReason::Leave => "busy-leave",
    }
}

fn busy_class(reason: &BusyReason) -> &'static str {
    match reason {
        BusyReason::Booked(_) => "tl-away",
        BusyReason::OffDuty => "tl-away tl-off-duty",
        BusyReason::Break => "tl-away tl-break",
        BusyReason::Leave => "tl-away tl-leave",
    }
}

/// The rows of the resource view, grouped by kind.
fn resource_rows(day: &DaySchedule, scale: &Scale, locale: Locale) -> Vec<Row> {
    let midnight = day.midnight;
    let record_of = |session| {
        day.sessions
            .iter()
            .find(|s| s.session.id == session)
            .map(|s| s.record_number.clone())
            .unwrap_or_default()
    };
    let mut all = Vec::new();
    for kind in ResourceKind::ALL {
        let mut rows: Vec<Row> = day
            .resources
            .iter()
            .filter(|r| r.active && r.kind == *kind)
            .map(|resource| {
                let mut shapes = Vec::new();
                for (_, busy) in day.unavailable.iter().filter(|(id, _)| *id == resource.id) {
                    let (a, b) = (busy.from - midnight, busy.to - midnight);
                    if b <= scale.from || a >= scale.to {
                        continue;
                    }
                    let reason = tr(locale, busy_key(&busy.reason));
                    let title = tr_args(
                        locale,
                        "timeline-away",
                        &[
                            ("resource", resource.name.clone()),
                            ("reason", reason.clone()),
                            ("from", locale.clock(a)),
                            ("to", locale.clock(b)),
                        ],
                    );
                    shapes.push(shape(
                        scale,
                        busy_class(&busy.reason).into(),
                        a,
                        b,
                        0,
                        ROW_HEIGHT,
                        title,
                        &reason,
                    ));
                }
                for booking in day.bookings.iter().filter(|b| b.resource_id == resource.id) {
                    let (a, b) = (booking.starts_min - midnight, booking.ends_min - midnight);
                    let step = step_label(locale, booking.step);
                    let record = record_of(booking.session_id);
                    let title = tr_args(
                        locale,
                        "timeline-booked",
                        &[
                            ("step", step.clone()),
                            ("record", record.clone()),
                            ("from", locale.clock(a)),
                            ("to", locale.clock(b)),
                        ],
                    );
                    shapes.push(shape(
                        scale,
                        format!("tl-bar tl-step-{}", booking.step.code()),
                        a,
                        b,
                        6,
                        ROW_HEIGHT - 12,
                        title,
                        &format!("{step} · {record}"),
                    ));
                }
                for overlap in day.overlaps.iter().filter(|o| o.resource_id == resource.id) {
                    let (a, b) = (overlap.from - midnight, overlap.to - midnight);
                    let title = tr_args(
                        locale,
                        "timeline-clash",
                        &[("from", locale.clock(a)), ("to", locale.clock(b))],
                    );
                    shapes.push(shape(
                        scale,
                        "tl-clash".into(),
                        a,
                        b,
                        2,
                        ROW_HEIGHT - 4,
                        title,
                        "",
                    ));
                }
                Row {
                    group: None,
                    label: resource.name.clone(),
                    detail: String::new(),
                    shapes,
                }
            })
            .collect();
        if let Some(first) = rows.first_mut() {
            first.group = Some(tr(locale, &super::code_key("timeline-kind", kind.code())));
        }
        all.extend(rows);
    }
    all
}

/// One row per session: its steps, the waits between them, and the actual
/// times once the session day records them.
fn patient_rows(day: &DaySchedule, scale: &Scale, locale: Locale) -> Vec<Row> {
    let midnight = day.midnight;
    let now = day.now_minute - midnight;
    day.sessions
        .iter()
        .map(|session| {
            let mut shapes = Vec::new();
            for (i, step) in session.steps.iter().enumerate() {
                let (a, b) = (step.starts_min - midnight, step.ends_min - midnight);
                let label = step_label(locale, step.step);
                let title = tr_args(
                    locale,
                    "timeline-planned",
                    &[
                        ("step", label.clone()),
                        ("from", locale.clock(a)),
                        ("to", locale.clock(b)),
                    ],
                );
                shapes.push(shape(
                    scale,
                    format!("tl-bar tl-step-{}", step.step.code()),
                    a,
                    b,
                    4,
                    ROW_HEIGHT - 18,
                    title,
                    &label,
                ));
                if let Some(started) = step.started_at {
                    let a = minute_of(started) - midnight;
                    let (b, title) = match step.finished_at {
                        Some(finished) => {
                            let b = minute_of(finished) - midnight;
                            let title = tr_args(
                                locale,
                                "timeline-actual",
                                &[
                                    ("step", label.clone()),
                                    ("from", locale.clock(a)),
                                    ("to", locale.clock(b)),
                                ],
                            );
                            (b, title)
                        }
                        None => {
                            let title = tr_args(
                                locale,
                                "timeline-actual-running",
                                &[("step", label.clone()), ("from", locale.clock(a))],
                            );
                            (now.max(a + 1), title)
                        }
                    };
                    shapes.push(shape(
                        scale,
                        "tl-actual".into(),
                        a,
                        b,
                        ROW_HEIGHT - 12,
                        8,
                        title,
                        "",
                    ));
                }
                if let Some(next) = session.steps.get(i + 1) {
                    let wait = next.starts_min - step.ends_min;
                    if wait > 0 {
                        let (a, b) = (step.ends_min - midnight, next.starts_min - midnight);
                        let minutes = locale.number(wait);
                        let title = tr_args(
                            locale,
                            "timeline-waiting-gap",
                            &[
                                ("minutes", minutes.clone()),
                                ("from", locale.clock(a)),
                                ("to", locale.clock(b)),
                            ],
                        );
                        let text = tr_args(locale, "timeline-minutes", &[("minutes", minutes)]);
                        shapes.push(shape(
                            scale,
                            "tl-wait".into(),
                            a,
                            b,
                            ROW_HEIGHT / 2 - 9,
                            2,
                            title,
                            &text,
                        ));
                    }
                }
            }
            Row {
                group: None,
                label: format!("{} · {}", session.patient_name, session.record_number),
                detail: tr_args(
                    locale,
                    "timeline-waiting-total",
                    &[("minutes", locale.number(session.waiting()))],
                ),
                shapes,
            }
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct DayQuery {
    site: Option<String>,
    view: Option<String>,
}

/// The sites the actor works at, for the chooser.
async fn site_choices(
    state: &AppState,
    actor: &cellpath_app::Actor,
    locale: Locale,
) -> Result<Vec<Choice>, PageError> {
    Ok(state
        .app
        .list_sites()
        .await
        .map_err(app_error(locale))?
        .into_iter()
        .filter(|s| actor.sites.contains(&SiteId::from_uuid(s.id)))
        .map(|s| Choice {
            value: s.id.to_string(),
            label: s.name,
        })
        .collect())
}

fn site_name(sites: &[Choice], site: SiteId) -> String {
    sites
        .iter()
        .find(|c| c.value == site.to_string())
        .map(|c| c.label.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "timeline_day.html")]
struct DayPage {
    ctx: Ctx,
    heading: String,
    date: String,
    site: String,
    sites: Vec<Choice>,
    patients_view: bool,
    prev_href: String,
    next_href: String,
    today_href: String,
    week_href: String,
    /// "Optimise this day", for those who may book.
    optimise_href: Option<String>,
    resources_href: String,
    patients_href: String,
    width: i64,
    row_height: i64,
    ticks: Vec<Tick>,
    now_x: Option<i64>,
    now_title: String,
    rows: Vec<Row>,
}

fn parse_date(locale: Locale, raw: &str) -> Result<NaiveDate, PageError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| PageError::NotFound(locale))
}

async fn today(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    require(&viewer, Action::ViewSchedule)?;
    let date = state.app.now().date_naive();
    Ok(Redirect::to(&format!("/schedule/{date}")).into_response())
}

async fn day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_date): Path<String>,
    Query(query): Query<DayQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSchedule)?;
    let locale = viewer.locale;
    let date = parse_date(locale, &raw_date)?;
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let day = state
        .app
        .day_schedule(actor, site, date)
        .await
        .map_err(app_error(locale))?;
    let sites = site_choices(&state, actor, locale).await?;
    let (open, close) = day.opening();
    let from = open.div_euclid(60) * 60;
    let to = ((close + 59).div_euclid(60) * 60).clamp(from + 60, 1440);
    let scale = Scale {
        from,
        to,
        px_per_minute: if to - from > 720 { 1 } else { 2 },
        rtl: locale == Locale::Ar,
    };
    let ticks = (from / 60..=to / 60)
        .map(|hour| {
            let x = scale.x(hour * 60);
            Tick {
                x,
                label: locale.clock(hour * 60),
                label_x: if scale.rtl { x - 3 } else { x + 3 },
            }
        })
        .collect();
    let now = day.now_minute - day.midnight;
    let now_x = (0..1440)
        .contains(&now)
        .then(|| scale.x(now))
        .filter(|_| (from..=to).contains(&now));
    let patients_view = query.view.as_deref() == Some("patients");
    let view = if patients_view {
        "patients"
    } else {
        "resources"
    };
    let href = |d: NaiveDate, v: &str| format!("/schedule/{d}?site={site}&view={v}");
    let page = DayPage {
        heading: tr_args(
            locale,
            "timeline-heading",
            &[
                ("site", site_name(&sites, site)),
                ("date", locale.date(date)),
            ],
        ),
        date: date.to_string(),
        site: site.to_string(),
        sites,
        patients_view,
        prev_href: href(date - Duration::days(1), view),
        next_href: href(date + Duration::days(1), view),
        today_href: href(state.app.now().date_naive(), view),
        week_href: format!("/schedule/week/{date}?site={site}"),
        optimise_href: actor
            .may(Action::ScheduleSession)
            .then(|| format!("/optimise/{date}?site={site}")),
        resources_href: href(date, "resources"),
        patients_href: href(date, "patients"),
        width: scale.width(),
        row_height: ROW_HEIGHT,
        ticks,
        now_x,
        now_title: tr_args(locale, "timeline-now", &[("time", locale.clock(now))]),
        rows: if patients_view {
            patient_rows(&day, &scale, locale)
        } else {
            resource_rows(&day, &scale, locale)
        },
        ctx: Ctx::new(&viewer),
    };
    let mut response = render(locale, &page)?;
    // The day changes as sessions go on: the page reloads itself each minute.
    response
        .headers_mut()
        .insert(header::REFRESH, axum::http::HeaderValue::from_static("60"));
    Ok(response)
}

/// One cell of the week: a resource on a day.
pub struct Usage {
    pub text: String,
    pub title: String,
    /// `tl-usage-0` (nothing booked) to `tl-usage-4` (fully booked), `tl-usage-off`.
    pub class: String,
}

pub struct WeekRow {
    pub name: String,
    pub cells: Vec<Usage>,
}

pub struct WeekDay {
    pub label: String,
    pub href: String,
    pub sessions: String,
}

#[derive(Template)]
#[template(path = "timeline_week.html")]
struct WeekPage {
    ctx: Ctx,
    heading: String,
    site: String,
    sites: Vec<Choice>,
    prev_href: String,
    next_href: String,
    days: Vec<WeekDay>,
    rows: Vec<WeekRow>,
}

/// Minutes covered by the union of `[from, to)` spans clipped to `[lo, hi)`.
fn covered(mut spans: Vec<(i64, i64)>, lo: i64, hi: i64) -> i64 {
    spans.sort();
    let mut total = 0;
    let mut reached = lo;
    for (a, b) in spans {
        let (a, b) = (a.max(reached), b.min(hi));
        if b > a {
            total += b - a;
            reached = b;
        }
    }
    total
}

async fn week(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_date): Path<String>,
    Query(query): Query<DayQuery>,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSchedule)?;
    let locale = viewer.locale;
    let date = parse_date(locale, &raw_date)?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let site = chosen_site(&viewer, actor, query.site.as_deref())?;
    let sites = site_choices(&state, actor, locale).await?;
    let mut schedules = Vec::new();
    for offset in 0..7 {
        schedules.push(
            state
                .app
                .day_schedule(actor, site, monday + Duration::days(offset))
                .await
                .map_err(app_error(locale))?,
        );
    }
    let days = schedules
        .iter()
        .map(|d| WeekDay {
            label: locale.date(d.date),
            href: format!("/schedule/{}?site={site}", d.date),
            sessions: locale.number(d.sessions.len() as i64),
        })
        .collect();
    let mut resources = schedules
        .first()
        .map(|d| d.resources.clone())
        .unwrap_or_default();
    resources.retain(|r| r.active);
    resources.sort_by_key(|r| {
        (
            ResourceKind::ALL.iter().position(|k| *k == r.kind),
            r.name.clone(),
        )
    });
    let rows = resources
        .iter()
        .map(|resource| WeekRow {
            name: resource.name.clone(),
            cells: schedules
                .iter()
                .map(|d| {
                    let (lo, hi) = (d.midnight, d.midnight + 1440);
                    let away = covered(
                        d.unavailable
                            .iter()
                            .filter(|(id, _)| *id == resource.id)
                            .map(|(_, b)| (b.from, b.to))
                            .collect(),
                        lo,
                        hi,
                    );
                    let booked = covered(
                        d.bookings
                            .iter()
                            .filter(|b| b.resource_id == resource.id)
                            .map(|b| (b.starts_min, b.ends_min))
                            .collect(),
                        lo,
                        hi,
                    );
                    let available = 1440 - away;
                    let args = [
                        ("booked", locale.number(booked)),
                        ("available", locale.number(available)),
                    ];
                    let class = if available <= 0 {
                        "tl-usage-off".to_string()
                    } else {
                        format!("tl-usage-{}", (booked * 4 / available).clamp(0, 4))
                    };
                    Usage {
                        text: if available <= 0 && booked == 0 {
                            tr(locale, "timeline-off")
                        } else {
                            tr_args(locale, "timeline-usage", &args)
                        },
                        title: tr_args(
                            locale,
                            "timeline-usage-title",
                            &[
                                ("resource", resource.name.clone()),
                                ("date", locale.date(d.date)),
                                args[0].clone(),
                                args[1].clone(),
                            ],
                        ),
                        class,
                    }
                })
                .collect(),
        })
        .collect();
    let page = WeekPage {
        heading: tr_args(
            locale,
            "timeline-week-heading",
            &[
                ("site", site_name(&sites, site)),
                ("date", locale.date(monday)),
            ],
        ),
        site: site.to_string(),
        sites,
        prev_href: format!("/schedule/week/{}?site={site}", monday - Duration::days(7)),
        next_href: format!("/schedule/week/{}?site={site}", monday + Duration::days(7)),
        days,
        rows,
        ctx: Ctx::new(&viewer),
    };
    render(locale, &page)
}

#[derive(Template)]
#[template(path = "my_calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    /// The feed address, right after it was made (it is not stored in clear).
    url: Option<String>,
    /// When the current feed was made.
    created: Option<String>,
}

async fn my_calendar(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSchedule)?;
    let locale = viewer.locale;
    let created = state
        .app
        .feed_created(actor)
        .await
        .map_err(app_error(locale))?;
    render(
        locale,
        &CalendarPage {
            ctx: Ctx::new(&viewer),
            url: None,
            created: created
                .map(|at| tr_args(locale, "calendar-exists", &[("date", locale.date_time(at))])),
        },
    )
}

async fn create_calendar(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    form: PageForm,
) -> Result<Response, PageError> {
    let actor = require(&viewer, Action::ViewSchedule)?;
    viewer.check_csrf(form.csrf())?;
    let locale = viewer.locale;
    let token = state
        .app
        .create_feed_token(actor)
        .await
        .map_err(app_error(locale))?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let lang = if locale == Locale::Ar { "?lang=ar" } else { "" };
    render(
        locale,
        &CalendarPage {
            ctx: Ctx::new(&viewer),
            url: Some(format!("{scheme}://{host}/calendar/{token}.ics{lang}")),
            created: None,
        },
    )
}

#[derive(serde::Deserialize)]
struct FeedQuery {
    lang: Option<String>,
}

/// The feed itself: no cookie, the secret in the path; anything else is 404.
async fn calendar_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
) -> Response {
    let locale = query
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or_default();
    let Some(token) = file
        .strip_suffix(".ics")
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = match state.app.feed_user(token).await {
        Ok(Some(user)) => user,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return PageError::from_app(locale, e).into_response(),
    };
    let entries = match state.app.staff_calendar(user).await {
        Ok(entries) => entries,
        Err(e) => return PageError::from_app(locale, e).into_response(),
    };
    let name = tr_args(
        locale,
        "calendar-name",
        &[("name", tr(locale, "timeline-title"))],
    );
    let summary = |entry: &CalendarEntry| {
        tr_args(
            locale,
            "calendar-summary",
            &[
                ("step", step_label(locale, entry.step)),
                ("resource", entry.resource_name.clone()),
            ],
        )
    };
    let body = feed(
        &entries,
        &FeedText {
            name: &without_marks(&name),
            summary: &|e| without_marks(&summary(e)),
        },
        state.app.now(),
    );
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"cellpath.ics\"",
            ),
        ],
        body,
    )
        .into_response()
}

/// Fluent's isolation marks mean nothing to a calendar app.
fn without_marks(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/schedule", get(today))
        .route("/schedule/{date}", get(day))
        .route("/schedule/week/{date}", get(week))
        .route("/me/calendar", get(my_calendar).post(create_calendar))
        .route("/calendar/{file}", get(calendar_feed))
}
