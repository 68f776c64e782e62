//! The JSON API of "what to expect": the clinic's answers to common
//! questions (read by staff, edited by the admin) and a patient's own
//! session timeline.

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id};
use crate::api_consent::language;
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use cellpath_app::expectations::{Answer, WhatToExpect};
use cellpath_domain::SiteId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The clinic's answer to a common question. Version 0 is the shipped starting text.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    /// `what_to_wear`, `will_i_be_asleep`, `does_it_hurt`, `when_can_i_work`, `how_many_sessions`, `who_to_call`.
    pub question: String,
    pub locale: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<&Answer> for AnswerOut {
    fn from(a: &Answer) -> Self {
        AnswerOut {
            question: a.question.to_string(),
            locale: a.locale.code().to_string(),
            title: a.title.clone(),
            body: a.body.clone(),
            version: a.version,
            updated_by: a.updated_by.clone(),
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParams {
    /// `en` or `ar`; the caller's `Accept-Language` when left out.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(en|ar)$")]
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    /// `check_in`, `harvest`, `donor_preparation`, `processing`, `injection`, `monitoring`, `go_home`.
    pub step: String,
    pub minutes_min: u32,
    pub minutes_max: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpectationOut {
    pub plan_id: String,
    /// The next session of the plan, when one is booked.
    pub session_starts_at: Option<DateTime<Utc>>,
    pub steps: Vec<StepOut>,
    pub total_minutes_min: u32,
    pub total_minutes_max: u32,
    pub sedation: bool,
    pub fasting_solids_hours: Option<u32>,
    pub fasting_clear_liquids_hours: Option<u32>,
    pub needs_ride: bool,
    /// Recovery advice codes, in the order they apply.
    pub recovery: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WhatToExpectOut {
    pub sessions: Vec<ExpectationOut>,
    pub answers: Vec<AnswerOut>,
}

impl From<&WhatToExpect> for WhatToExpectOut {
    fn from(w: &WhatToExpect) -> Self {
        WhatToExpectOut {
            sessions: w
                .sessions
                .iter()
                .map(|e| ExpectationOut {
                    plan_id: e.plan.id.to_string(),
                    session_starts_at: e.session.as_ref().map(|s| s.starts_at),
                    steps: e
                        .timeline
                        .steps
                        .iter()
                        .map(|s| StepOut {
                            step: s.code.code().to_string(),
                            minutes_min: s.minutes.min,
                            minutes_max: s.minutes.max,
                        })
                        .collect(),
                    total_minutes_min: e.timeline.total.min,
                    total_minutes_max: e.timeline.total.max,
                    sedation: e.timeline.sedation,
                    fasting_solids_hours: e.timeline.fasting_hours.map(|f| f.0),
                    fasting_clear_liquids_hours: e.timeline.fasting_hours.map(|f| f.1),
                    needs_ride: e.timeline.needs_ride,
                    recovery: e.timeline.recovery.iter().map(|r| r.to_string()).collect(),
                })
                .collect(),
            answers: w.answers.iter().map(AnswerOut::from).collect(),
        }
    }
}

/// The clinic's answers at a site in one language (staff).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/answers",
    params(("site_id" = String, Path, description = "Site id"), LangParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AnswerOut>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answers(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiQuery(params): ApiQuery<LangParams>,
) -> Result<Json<Vec<AnswerOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let locale = language(&api, "lang", params.lang.as_deref())?;
    let answers = state
        .app
        .answers(&api.actor, site, locale)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(answers.iter().map(AnswerOut::from).collect()))
}

/// The admin rewrites an answer in one language.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/answers/{question}/{locale}",
    params(("site_id" = String, Path, description = "Site id"),
           ("question" = String, Path, description = "The question's code"),
           ("locale" = String, Path, description = "`en` or `ar`")),
    request_body = AnswerIn, security(("bearer" = [])),
    responses((status = 200, body = AnswerOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn save_answer(
    State(state): State<AppState>,
    api: ApiActor,
    Path((site_id, question, locale)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<AnswerIn>,
) -> Result<Json<AnswerOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let locale = cellpath_domain::Locale::parse(&locale)
        .filter(|l| l.code() == locale)
        .ok_or_else(|| ApiError::new(api.locale, cellpath_app::AppError::NotFound))?;
    let answer = state
        .app
        .save_answer(
            &api.actor,
            site,
            &question,
            locale,
            &input.title,
            &input.body,
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(AnswerOut::from(&answer)))
}

/// A patient's own "what to expect": each approved plan's next session with its timeline, and the clinic's answers.
#[utoipa::path(get, path = "/api/v1/me/what-to-expect", params(LangParams), security(("bearer" = [])),
    responses((status = 200, body = WhatToExpectOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn what_to_expect(
    State(state): State<AppState>,
    api: ApiActor,
    ApiQuery(params): ApiQuery<LangParams>,
) -> Result<Json<WhatToExpectOut>, ApiError> {
    let locale = language(&api, "lang", params.lang.as_deref())?;
    let view = state
        .app
        .what_to_expect(&api.actor, locale)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(WhatToExpectOut::from(&view)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sites/{site_id}/answers", get(answers))
        .route(
            "/api/v1/sites/{site_id}/answers/{question}/{locale}",
            put(save_answer),
        )
        .route("/api/v1/me/what-to-expect", get(what_to_expect))
}
