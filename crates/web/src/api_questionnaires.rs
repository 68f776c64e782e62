//! Questionnaire scoring as a service: `POST /api/v1/questionnaires/{code}/score`
//! with the instruments' standard item codes, for the clinic's pages and for
//! other systems; and the list of shipped questionnaires.

use crate::AppState;
use crate::api::{ApiJson, Problem, path_id};
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use cellpath_app::AppError;
use cellpath_domain::questionnaire::Definition;
use cellpath_domain::{IssueCode, Issues, PatientId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Answers keyed by the instrument's item codes. KOOS: `S1`-`S7`, `P1`-`P9`,
/// `A1`-`A17`, `SP1`-`SP5`, `Q1`-`Q4`, each 0-4; ODI: sections `1`-`10`,
/// each 0-5; NRS: `pain`, 0-10. An item left out or `null` is unanswered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreIn {
    #[schema(value_type = BTreeMap<String, Option<i64>>, example = json!({"pain": 4}))]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// Each score of the questionnaire; `null` where too few items were answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreOut {
    pub questionnaire: String,
    /// KOOS: `symptoms`, `pain`, `adl`, `sport`, `qol` (0-100, 100 is no
    /// problem); ODI: `odi` (percent, 0 is no disability); NRS: `pain` (0-10).
    /// Rounded to one decimal.
    #[schema(value_type = Object, example = json!({"pain": 4.0}))]
    pub scores: BTreeMap<String, Option<f64>>,
    /// How many items were answered.
    pub answered: usize,
}

/// One item of a questionnaire: its code and the answers it takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    pub code: String,
    pub min: i64,
    pub max: i64,
    pub required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireOut {
    /// `nrs-pain`, `koos` or `odi`.
    pub code: String,
    pub title_en: String,
    pub title_ar: String,
    pub items: Vec<ItemOut>,
    /// The scores it gives, in order.
    pub scores: Vec<String>,
}

impl From<&Definition> for QuestionnaireOut {
    fn from(d: &Definition) -> Self {
        QuestionnaireOut {
            code: d.code().to_string(),
            title_en: d.title().en.clone(),
            title_ar: d.title().ar.clone(),
            items: d
                .items()
                .iter()
                .map(|item| {
                    let (min, max) = item.answers.bounds().unwrap_or_default();
                    ItemOut {
                        code: item.code.clone(),
                        min,
                        max,
                        required: item.required,
                    }
                })
                .collect(),
            scores: d.scores().iter().map(|s| s.code.clone()).collect(),
        }
    }
}

/// The questionnaires the clinic gives, with their items and scores.
#[utoipa::path(get, path = "/api/v1/questionnaires", security(("bearer" = [])),
    responses((status = 200, body = Vec<QuestionnaireOut>), (status = 401, body = Problem)))]
pub async fn list_questionnaires(
    State(state): State<AppState>,
    api: ApiActor,
) -> Json<Vec<QuestionnaireOut>> {
    Json(
        state
            .app
            .questionnaires(&api.actor)
            .iter()
            .map(QuestionnaireOut::from)
            .collect(),
    )
}

/// Scores answers to `nrs-pain`, `koos` or `odi`. An unknown item, an
/// answer out of range or a value that is not a whole number is a 422
/// problem naming each item (`answers.ITEM`); nothing is stored.
#[utoipa::path(post, path = "/api/v1/questionnaires/{code}/score",
    params(("code" = String, Path, description = "`nrs-pain`, `koos` or `odi`")),
    request_body = ScoreIn, security(("bearer" = [])),
    responses((status = 200, body = ScoreOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn score(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<ScoreIn>,
) -> Result<Json<ScoreOut>, ApiError> {
    let mut unreadable = Issues::default();
    let mut answers = BTreeMap::new();
    for (item, value) in input.answers {
        match (&value, value.as_i64()) {
            (serde_json::Value::Null, _) => {}
            (_, Some(whole)) => {
                answers.insert(item, whole);
            }
            (_, None) => unreadable.add(&format!("answers.{item}"), IssueCode::InvalidFormat),
        }
    }
    let scored = state.app.score_questionnaire(&api.actor, &code, &answers);
    let refused = |mut issues: Issues| {
        issues.0.extend(unreadable.0.iter().cloned());
        ApiError::new(api.locale, AppError::Invalid(issues))
    };
    match scored {
        Ok(_) if !unreadable.0.is_empty() => Err(refused(Issues::default())),
        Ok(scores) => Ok(Json(ScoreOut {
            questionnaire: code,
            scores: scores.0.into_iter().map(|s| (s.code, s.value)).collect(),
            answered: answers.len(),
        })),
        Err(AppError::Invalid(issues)) => Err(refused(issues)),
        Err(other) => Err(ApiError::new(api.locale, other)),
    }
}

/// One answered questionnaire of a patient, as stored: the answers as
/// given and the scores they gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseOut {
    pub id: Uuid,
    /// `nrs-pain`, `koos` or `odi`.
    pub questionnaire: String,
    /// `baseline`, `1w`, `6w`, `3m`, `6m`, `12m` or `other`.
    pub timepoint: String,
    pub plan_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub answered_at: DateTime<Utc>,
    #[schema(value_type = Object, example = json!({"pain": 4}))]
    pub answers: BTreeMap<String, i64>,
    /// As `ScoreOut.scores`: `null` where too few items were answered.
    #[schema(value_type = Object, example = json!({"pain": 4.0}))]
    pub scores: BTreeMap<String, Option<f64>>,
}

/// A patient's answered questionnaires, oldest first: clinicians of the
/// patient's site, or the patient their own. An audited read.
#[utoipa::path(get, path = "/api/v1/patients/{id}/questionnaire-responses",
    params(("id" = String, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<ResponseOut>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn responses_of_patient(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ResponseOut>>, ApiError> {
    let patient: PatientId = path_id(api.locale, &id)?;
    let outcomes = state
        .app
        .responses_of_patient(&api.actor, patient)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(
        outcomes
            .responses
            .iter()
            .map(|r| ResponseOut {
                id: r.id,
                questionnaire: r.code.clone(),
                timepoint: r.timepoint.code().to_string(),
                plan_id: r.plan_id.map(|p| p.as_uuid()),
                session_id: r.session_id.map(|s| s.as_uuid()),
                answered_at: r.answered_at,
                answers: r.answers.clone(),
                scores: r
                    .scores
                    .0
                    .iter()
                    .map(|s| (s.code.clone(), s.value))
                    .collect(),
            })
            .collect(),
    ))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/questionnaires", get(list_questionnaires))
        .route(
            "/api/v1/patients/{id}/questionnaire-responses",
            get(responses_of_patient),
        )
        .route("/api/v1/questionnaires/{code}/score", post(score))
}
