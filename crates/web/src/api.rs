//! The JSON API under `/api/v1`: patients and their intake lists, for
//! integrations holding a bearer token from `cellpath token create`.

use crate::AppState;
use crate::ctx::{ApiActor, api_locale};
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use cellpath_app::AppError;
use cellpath_domain::intake::{IntakeDraft, IntakeEntry, IntakeItem, IntakeKind};
use cellpath_domain::patient::{Patient, PatientDraft};
use cellpath_domain::{ItemId, Locale, PatientId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A JSON body, refused as a problem naming the field when it cannot be read.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let locale = api_locale(&parts);
        let is_json = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::malformed(
                locale,
                "content-type",
                "send the body as application/json",
            ));
        }
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(|_| {
                    ApiError::malformed(locale, "body", "the body could not be read (too large?)")
                })?;
        let mut json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::malformed(locale, "body", e.to_string()))?;
        integral_numbers(&mut json);
        let value: T = serde_path_to_error::deserialize(json).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "body".to_string()
            } else {
                path
            };
            ApiError::malformed(locale, field, e.inner().to_string())
        })?;
        Ok(ApiJson(value))
    }
}

/// JSON has one number type: `3.0` is the integer 3 (JSON Schema's
/// `integer` admits it), so a whole number written with a fraction is read
/// as the integer it is.
fn integral_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                // Exactly representable: |f| < 2^63.
                if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18 {
                    *value = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// A query string, refused as a problem when it cannot be read.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let locale = api_locale(parts);
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::malformed(locale, "query", e.body_text()))
    }
}

/// A problem report (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:cellpath:problem:CODE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary in the caller's language (`Accept-Language`).
    pub title: String,
    pub status: u16,
    /// Stable code: `invalid`, `malformed`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `locked`, `internal`.
    pub code: String,
    pub detail: Option<String>,
    /// Every problem with the input, each naming its field.
    pub errors: Option<Vec<FieldProblem>>,
    /// On `conflict`: the record as it is now.
    pub current: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Demographics to register a patient. Dates are `YYYY-MM-DD`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientIn {
    /// Leave out to have the site give the next number.
    #[serde(default)]
    pub record_number: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    /// The name in the other script (Arabic or Latin).
    #[serde(default)]
    pub other_script_name: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// `female`, `male`, `other` or `unknown`.
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// `en` or `ar`; English when left out.
    #[serde(default)]
    pub preferred_language: Option<String>,
    /// The site to register at (a site of the caller); the caller's first site when left out.
    #[serde(default)]
    pub site_id: Option<Uuid>,
    /// Required on update: the version the change was made from.
    #[serde(default)]
    pub version: Option<i64>,
}

impl PatientIn {
    fn draft(&self) -> PatientDraft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        PatientDraft {
            record_number: s(&self.record_number),
            given_name: s(&self.given_name),
            family_name: s(&self.family_name),
            other_script_name: s(&self.other_script_name),
            date_of_birth: s(&self.date_of_birth),
            sex: s(&self.sex),
            phone: s(&self.phone),
            email: s(&self.email),
            address: s(&self.address),
            preferred_language: s(&self.preferred_language),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatientOut {
    pub id: Uuid,
    pub site_id: Uuid,
    pub record_number: String,
    pub given_name: String,
    pub family_name: String,
    pub other_script_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_language: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Patient> for PatientOut {
    fn from(p: &Patient) -> Self {
        PatientOut {
            id: p.id.as_uuid(),
            site_id: p.site_id.as_uuid(),
            record_number: p.record_number.as_str().to_string(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            other_script_name: p.other_script_name.clone(),
            date_of_birth: p.date_of_birth,
            sex: p.sex.code().to_string(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            address: p.address.clone(),
            preferred_language: p.preferred_language.code().to_string(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatientList {
    pub items: Vec<PatientOut>,
    /// Whether another page follows (ask again with a larger `offset`).
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name (Latin or Arabic, any word's beginning), record number, phone digits, or birth date `YYYY-MM-DD`.
    #[serde(default)]
    pub q: Option<String>,
    /// 1 to 100, default 25.
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[serde(default)]
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// An intake entry. Which fields apply depends on the list:
/// conditions (`name`, `status`, `category`, `onset`, `notes`), medications (`name`,
/// `class`, `dose`, `started`, `stopped`), allergies (`substance`,
/// `severity`, `reaction`), imaging reports (`region`, `modality`,
/// `performed_on`, `findings`).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Condition status: `active`, `inactive`, `remission`, `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Condition category for screening: `other` (default), `infection`, `malignancy`, `pregnancy`,
    /// `breastfeeding`, `bleeding_disorder`, `uncontrolled_diabetes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Medication class: `nsaid`, `anticoagulant`, `antiplatelet`, `systemic_steroid`, `glp1_agonist`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substance: Option<String>,
    /// Allergy severity: `mild`, `moderate`, `severe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Imaging modality: `xray`, `mri`, `ultrasound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    /// Test result: the test's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// Test result kind: `platelets`, `haemoglobin`, `leukocytes`, `inr`, `hba1c`,
    /// `body_weight`, `body_height`, `bmi`, `temperature`, `pain_score`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Test result: the value with its unit (`152 10*3/uL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_on: Option<String>,
    /// Required on update: the version the change was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl IntakeIn {
    /// The value of a field by its API name.
    fn field(&self, name: &str) -> String {
        let v = match name {
            "name" => &self.name,
            "status" => &self.status,
            "category" => &self.category,
            "onset" => &self.onset,
            "notes" => &self.notes,
            "class" => &self.class,
            "dose" => &self.dose,
            "started" => &self.started,
            "stopped" => &self.stopped,
            "substance" => &self.substance,
            "severity" => &self.severity,
            "reaction" => &self.reaction,
            "region" => &self.region,
            "modality" => &self.modality,
            "performed_on" => &self.performed_on,
            "findings" => &self.findings,
            "test" => &self.test,
            "kind" => &self.kind,
            "value" => &self.value,
            "taken_on" => &self.taken_on,
            _ => &None,
        };
        v.clone().unwrap_or_default()
    }

    fn draft(&self, kind: IntakeKind) -> IntakeDraft {
        let [name, code, detail, start, end, notes] = IntakeItem::field_names(kind);
        IntakeDraft {
            name: self.field(name),
            code: self.field(code),
            detail: self.field(detail),
            start_date: self.field(start),
            end_date: self.field(end),
            notes: self.field(notes),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeOut {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// `conditions`, `medications`, `allergies`, `imaging-reports` or `results`.
    pub list: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The entry's own fields, as in `IntakeIn`.
    #[serde(flatten)]
    pub fields: IntakeIn,
}

impl From<&IntakeEntry> for IntakeOut {
    fn from(e: &IntakeEntry) -> Self {
        let mut fields = IntakeIn::default();
        for (name, value) in e.item.audit_fields() {
            if value.is_empty() {
                continue;
            }
            let slot = match name {
                "name" => &mut fields.name,
                "status" => &mut fields.status,
                "category" => &mut fields.category,
                "onset" => &mut fields.onset,
                "notes" => &mut fields.notes,
                "class" => &mut fields.class,
                "dose" => &mut fields.dose,
                "started" => &mut fields.started,
                "stopped" => &mut fields.stopped,
                "substance" => &mut fields.substance,
                "severity" => &mut fields.severity,
                "reaction" => &mut fields.reaction,
                "region" => &mut fields.region,
                "modality" => &mut fields.modality,
                "performed_on" => &mut fields.performed_on,
                "test" => &mut fields.test,
                "kind" => &mut fields.kind,
                "value" => &mut fields.value,
                "taken_on" => &mut fields.taken_on,
                _ => &mut fields.findings,
            };
            *slot = Some(value);
        }
        IntakeOut {
            id: e.id.as_uuid(),
            patient_id: e.patient_id.as_uuid(),
            list: e.item.kind().slug().to_string(),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
            fields,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    /// The version the deletion was decided on.
    pub version: i64,
}

/// A path id that does not parse names nothing that exists: 404.
pub(crate) fn path_id<T: std::str::FromStr>(locale: Locale, raw: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(locale, AppError::NotFound))
}

/// A value the body must carry: 422 `required` on its field when missing.
pub(crate) fn required<T>(locale: Locale, field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        ApiError::new(
            locale,
            AppError::Invalid(cellpath_domain::Issues(vec![cellpath_domain::Issue::new(
                field,
                cellpath_domain::IssueCode::Required,
            )])),
        )
    })
}

fn patient_id(locale: Locale, raw: &str) -> Result<PatientId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(locale, AppError::NotFound))
}

fn kind_of(locale: Locale, raw: &str) -> Result<IntakeKind, ApiError> {
    IntakeKind::from_slug(raw).ok_or_else(|| ApiError::new(locale, AppError::NotFound))
}

fn version_required(locale: Locale, version: Option<i64>) -> Result<i64, ApiError> {
    required(locale, "version", version)
}

/// Search and list the patients of the caller's sites.
#[utoipa::path(get, path = "/api/v1/patients", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = PatientList), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_patients(
    State(state): State<AppState>,
    api: ApiActor,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<PatientList>, ApiError> {
    let page = state
        .app
        .search_patients(
            &api.actor,
            params.q.as_deref().unwrap_or_default(),
            params.limit.unwrap_or(25),
            params.offset.unwrap_or(0),
        )
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PatientList {
        items: page.patients.iter().map(PatientOut::from).collect(),
        has_more: page.has_more,
    }))
}

/// Register a patient.
#[utoipa::path(post, path = "/api/v1/patients", request_body = PatientIn, security(("bearer" = [])),
    responses((status = 201, body = PatientOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_patient(
    State(state): State<AppState>,
    api: ApiActor,
    ApiJson(input): ApiJson<PatientIn>,
) -> Result<Response, ApiError> {
    let site = input.site_id.map(cellpath_domain::SiteId::from_uuid);
    let patient = state
        .app
        .register_patient(&api.actor, site, &input.draft())
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    let mut response = (StatusCode::CREATED, Json(PatientOut::from(&patient))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/patients/{}", patient.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// Read a patient's demographics (the read is audited).
#[utoipa::path(get, path = "/api/v1/patients/{id}", params(("id" = String, Path, description = "Patient id")),
    security(("bearer" = [])),
    responses((status = 200, body = PatientOut), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get_patient(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<PatientOut>, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let chart = state
        .app
        .patient_chart(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PatientOut::from(&chart.patient)))
}

/// Change a patient's demographics; `version` must be the one read, or the answer is 409 with the current record.
#[utoipa::path(put, path = "/api/v1/patients/{id}", params(("id" = String, Path, description = "Patient id")),
    request_body = PatientIn, security(("bearer" = [])),
    responses((status = 200, body = PatientOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_patient(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PatientIn>,
) -> Result<Json<PatientOut>, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let version = version_required(api.locale, input.version)?;
    let patient = state
        .app
        .update_patient(&api.actor, id, version, &input.draft())
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PatientOut::from(&patient)))
}

/// One intake list of a patient.
#[utoipa::path(get, path = "/api/v1/patients/{id}/{list}",
    params(("id" = String, Path, description = "Patient id"),
           ("list" = String, Path, description = "`conditions`, `medications`, `allergies`, `imaging-reports` or `results`")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<IntakeOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn list_intake(
    State(state): State<AppState>,
    api: ApiActor,
    Path((id, list)): Path<(String, String)>,
) -> Result<Json<Vec<IntakeOut>>, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let kind = kind_of(api.locale, &list)?;
    let entries = state
        .app
        .intake_list(&api.actor, id, kind)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(entries.iter().map(IntakeOut::from).collect()))
}

/// Add an entry to an intake list.
#[utoipa::path(post, path = "/api/v1/patients/{id}/{list}",
    params(("id" = String, Path, description = "Patient id"),
           ("list" = String, Path, description = "`conditions`, `medications`, `allergies`, `imaging-reports` or `results`")),
    request_body = IntakeIn, security(("bearer" = [])),
    responses((status = 201, body = IntakeOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_intake(
    State(state): State<AppState>,
    api: ApiActor,
    Path((id, list)): Path<(String, String)>,
    ApiJson(input): ApiJson<IntakeIn>,
) -> Result<Response, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let kind = kind_of(api.locale, &list)?;
    let entry = state
        .app
        .add_intake(&api.actor, id, kind, &input.draft(kind))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok((StatusCode::CREATED, Json(IntakeOut::from(&entry))).into_response())
}

/// Change an intake entry; `version` must be the one read, or the answer is 409 with the current entry.
#[utoipa::path(put, path = "/api/v1/patients/{id}/{list}/{item_id}",
    params(("id" = String, Path, description = "Patient id"),
           ("list" = String, Path, description = "`conditions`, `medications`, `allergies`, `imaging-reports` or `results`"),
           ("item_id" = String, Path, description = "Entry id")),
    request_body = IntakeIn, security(("bearer" = [])),
    responses((status = 200, body = IntakeOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_intake(
    State(state): State<AppState>,
    api: ApiActor,
    Path((id, list, item)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<IntakeIn>,
) -> Result<Json<IntakeOut>, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let kind = kind_of(api.locale, &list)?;
    let item: ItemId = item
        .parse()
        .map_err(|_| ApiError::new(api.locale, AppError::NotFound))?;
    let version = version_required(api.locale, input.version)?;
    let entry = state
        .app
        .update_intake(&api.actor, id, kind, item, version, &input.draft(kind))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(IntakeOut::from(&entry)))
}

/// Remove an intake entry entered in error (the audit trail keeps what it said).
#[utoipa::path(delete, path = "/api/v1/patients/{id}/{list}/{item_id}",
    params(("id" = String, Path, description = "Patient id"),
           ("list" = String, Path, description = "`conditions`, `medications`, `allergies`, `imaging-reports` or `results`"),
           ("item_id" = String, Path, description = "Entry id"), VersionParam),
    security(("bearer" = [])),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_intake(
    State(state): State<AppState>,
    api: ApiActor,
    Path((id, list, item)): Path<(String, String, String)>,
    ApiQuery(params): ApiQuery<VersionParam>,
) -> Result<StatusCode, ApiError> {
    let id = patient_id(api.locale, &id)?;
    let kind = kind_of(api.locale, &list)?;
    let item: ItemId = item
        .parse()
        .map_err(|_| ApiError::new(api.locale, AppError::NotFound))?;
    state
        .app
        .delete_intake(&api.actor, id, kind, item, params.version)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/patients", get(list_patients).post(create_patient))
        .route(
            "/api/v1/patients/{id}",
            get(get_patient).put(update_patient),
        )
        .route(
            "/api/v1/patients/{id}/{list}",
            get(list_intake).post(add_intake),
        )
        .route(
            "/api/v1/patients/{id}/{list}/{item_id}",
            axum::routing::put(update_intake).delete(delete_intake),
        )
}
