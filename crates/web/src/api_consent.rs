//! The JSON API of consent and reminders, under `/api/v1`: the admin's
//! versioned consent texts, a plan's consent (the text to sign, its state,
//! the signatures and their PDFs), signing and withdrawal by the patient or
//! at a staff device, and the delivery status of outgoing messages.

use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Problem, path_id, required};
use crate::ctx::ApiActor;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cellpath_app::AppError;
use cellpath_app::consent::{ConsentText, PlanConsent};
use cellpath_app::outbox::Delivery;
use cellpath_domain::consent::{SignatureDraft, TemplateDraft};
use cellpath_domain::plan::CellSource;
use cellpath_domain::{Issue, IssueCode, Issues, Locale, PatientId, PlanId, Role, SiteId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A consent text in force at a site. Version 0 is the shipped starting text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentTextOut {
    /// The procedure (cell source): `bone_marrow`, `adipose` or `allogeneic`.
    pub procedure: String,
    /// `en` or `ar`.
    pub locale: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// SHA-256 (hex) of the text exactly as shown: send it back when signing.
    pub hash: String,
    pub changed_by: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

impl From<&ConsentText> for ConsentTextOut {
    fn from(t: &ConsentText) -> Self {
        ConsentTextOut {
            procedure: t.procedure.code().to_string(),
            locale: t.locale.code().to_string(),
            version: t.version,
            title: t.title.clone(),
            body: t.body.clone(),
            hash: t.hash.clone(),
            changed_by: t.changed_by.clone(),
            changed_at: t.changed_at,
        }
    }
}

/// A new version of a consent text.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentTextIn {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

/// A signature on a plan's consent. The drawn signature image is never
/// sent back; the exact text signed only with `?full=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureOut {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub template_version: i64,
    /// The language of the text signed, `en` or `ar`.
    pub locale: String,
    /// SHA-256 (hex) of the text signed.
    pub text_hash: String,
    /// The exact text signed (title and body), with `?full=true` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_shown: Option<String>,
    pub typed_name: String,
    /// Whether a drawn signature was given (the image itself is in the PDF).
    pub has_drawn_signature: bool,
    pub witness_name: Option<String>,
    pub interpreter_name: Option<String>,
    pub interpreter_language: Option<String>,
    /// `portal` or `staff_device`.
    pub signed_via: String,
    /// The user who submitted the signature.
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

/// A `SignatureOut` from a stored signature. A macro, not a function, because
/// the app crate does not re-export the store's row type for web to name.
macro_rules! signature_out {
    ($row:expr, $full:expr) => {{
        let row = $row;
        SignatureOut {
            id: row.id,
            plan_id: row.plan_id,
            template_version: row.template_version,
            locale: row.locale.clone(),
            text_hash: row.text_hash.clone(),
            text_shown: $full.then(|| row.text_shown.clone()),
            typed_name: row.typed_name.clone(),
            has_drawn_signature: row.drawn_signature.is_some(),
            witness_name: row.witness_name.clone(),
            interpreter_name: row.interpreter_name.clone(),
            interpreter_language: row.interpreter_language.clone(),
            signed_via: row.signed_via.clone(),
            signed_by: row.signed_by.clone(),
            signed_at: row.signed_at,
            withdrawn_at: row.withdrawn_at,
            withdrawal_reason: row.withdrawal_reason.clone(),
        }
    }};
}

/// The text to sign now, in the language asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TextToSignOut {
    /// `en` or `ar`.
    pub locale: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// SHA-256 (hex) of the text as shown: send it back as `text_hash` when signing.
    pub hash: String,
}

/// A plan's consent: the text to sign, where consent stands, and every signature.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanConsentOut {
    pub plan_id: Uuid,
    /// `valid`, `missing`, `outdated` (signed on an earlier text) or `withdrawn`.
    pub state: String,
    pub text: TextToSignOut,
    /// Oldest first.
    pub signatures: Vec<SignatureOut>,
}

impl PlanConsentOut {
    fn of(c: &PlanConsent, full: bool) -> PlanConsentOut {
        PlanConsentOut {
            plan_id: c.plan.id.as_uuid(),
            state: c.state.code().to_string(),
            text: TextToSignOut {
                locale: c.text.locale.code().to_string(),
                version: c.text.version,
                title: c.text.title.clone(),
                body: c.text.body.clone(),
                hash: c.text.hash.clone(),
            },
            signatures: c
                .signatures
                .iter()
                .map(|row| signature_out!(row, full))
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsentParams {
    /// `en` or `ar`; the `Accept-Language` of the request when left out.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(en|ar)$")]
    pub lang: Option<String>,
    /// Include the exact text of each signature (`text_shown`).
    #[serde(default)]
    pub full: Option<bool>,
}

/// A signature. A patient token signs in their own portal; a staff token
/// records a signature given on a staff device, where `witness_name` is required.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureIn {
    /// The language of the text shown, `en` or `ar`; the `Accept-Language` when left out.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(en|ar)$")]
    pub lang: Option<String>,
    /// The `hash` of the text shown: a text changed since is refused (`outdated`).
    #[serde(default)]
    pub text_hash: Option<String>,
    /// The patient's full name, typed.
    #[serde(default)]
    pub typed_name: Option<String>,
    /// Optional, a `data:image/png;base64,...` URL.
    #[serde(default)]
    pub drawn_signature: Option<String>,
    #[serde(default)]
    pub witness_name: Option<String>,
    #[serde(default)]
    pub interpreter_name: Option<String>,
    /// Required with `interpreter_name`.
    #[serde(default)]
    pub interpreter_language: Option<String>,
    /// The patient read and understood the text: must be `true`.
    #[serde(default)]
    pub confirmed: Option<bool>,
}

impl SignatureIn {
    fn draft(&self) -> SignatureDraft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        SignatureDraft {
            typed_name: s(&self.typed_name),
            drawn_signature: s(&self.drawn_signature),
            witness_name: s(&self.witness_name),
            interpreter_name: s(&self.interpreter_name),
            interpreter_language: s(&self.interpreter_language),
            confirmed: self.confirmed.unwrap_or(false),
        }
    }
}

/// A withdrawal of consent.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalIn {
    /// Why, in the patient's words (optional).
    #[serde(default)]
    pub reason: Option<String>,
}

/// An outgoing message and how its delivery went; the message text is not shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    pub patient_id: Option<Uuid>,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed` (given up after the last retry).
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&Delivery> for DeliveryOut {
    fn from(d: &Delivery) -> Self {
        DeliveryOut {
            id: d.message.id,
            patient_id: d.patient_id.map(|p| p.as_uuid()),
            channel: d.message.channel.code().to_string(),
            recipient: d.message.recipient.clone(),
            subject: d.message.subject.clone(),
            status: d.status.code().to_string(),
            attempts: d.attempts,
            last_error: d.last_error.clone(),
            created_at: d.created_at,
            sent_at: d.sent_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesParams {
    /// The latest N messages, 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The language asked for in `field`, else the caller's `Accept-Language`.
pub(crate) fn language(api: &ApiActor, field: &str, raw: Option<&str>) -> Result<Locale, ApiError> {
    match raw {
        None => Ok(api.locale),
        // Exactly a documented code (`en`, `ar`), not whatever a header may say.
        Some(code) => Locale::parse(code)
            .filter(|l| l.code() == code)
            .ok_or_else(|| {
                ApiError::new(
                    api.locale,
                    AppError::Invalid(Issues(vec![Issue::new(field, IssueCode::UnknownCode)])),
                )
            }),
    }
}

/// Every consent text in force at a site, each procedure in each language (admin).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/consent-texts",
    params(("site_id" = String, Path, description = "Site id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<ConsentTextOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn consent_texts(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
) -> Result<Json<Vec<ConsentTextOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let texts = state
        .app
        .consent_texts(&api.actor, site)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(texts.iter().map(ConsentTextOut::from).collect()))
}

/// Save a new version of a consent text (admin). Consent signed on an
/// earlier version becomes `outdated` and must be given again.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/consent-texts/{procedure}/{locale}",
    params(("site_id" = String, Path, description = "Site id"),
           ("procedure" = String, Path, description = "Cell source: `bone_marrow`, `adipose` or `allogeneic`"),
           ("locale" = String, Path, description = "`en` or `ar`")),
    request_body = ConsentTextIn, security(("bearer" = [])),
    responses((status = 200, body = ConsentTextOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn save_consent_text(
    State(state): State<AppState>,
    api: ApiActor,
    Path((site_id, procedure, locale)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<ConsentTextIn>,
) -> Result<Json<ConsentTextOut>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let procedure = CellSource::parse("procedure", &procedure)
        .map_err(|_| ApiError::new(api.locale, AppError::NotFound))?;
    let locale = Locale::parse(&locale)
        .filter(|l| l.code() == locale)
        .ok_or_else(|| ApiError::new(api.locale, AppError::NotFound))?;
    let draft = TemplateDraft {
        procedure: procedure.code().to_string(),
        locale: locale.code().to_string(),
        title: input.title.unwrap_or_default(),
        body: input.body.unwrap_or_default(),
    };
    let text = state
        .app
        .save_consent_text(&api.actor, site, &draft)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(ConsentTextOut::from(&text)))
}

/// A plan's consent: the text to sign in `lang`, the state (`valid`,
/// `missing`, `outdated`, `withdrawn`) and the signatures.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/consent",
    params(("plan_id" = String, Path, description = "Plan id"), ConsentParams), security(("bearer" = [])),
    responses((status = 200, body = PlanConsentOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_consent(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiQuery(params): ApiQuery<ConsentParams>,
) -> Result<Json<PlanConsentOut>, ApiError> {
    let id: PlanId = path_id(api.locale, &plan_id)?;
    let locale = language(&api, "lang", params.lang.as_deref())?;
    let consent = state
        .app
        .plan_consent(&api.actor, id, locale)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(PlanConsentOut::of(
        &consent,
        params.full.unwrap_or(false),
    )))
}

/// Sign the text shown: a patient in their portal, or staff recording a
/// signature on their device (with a witness). A text changed since it was
/// shown is 422 on `text_hash` (`outdated`).
#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/consent",
    params(("plan_id" = String, Path, description = "Plan id")), request_body = SignatureIn,
    security(("bearer" = [])),
    responses((status = 201, body = SignatureOut), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_consent(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiJson(input): ApiJson<SignatureIn>,
) -> Result<Response, ApiError> {
    let id: PlanId = path_id(api.locale, &plan_id)?;
    let locale = language(&api, "lang", input.lang.as_deref())?;
    let shown_hash = required(api.locale, "text_hash", input.text_hash.as_deref())?;
    let draft = input.draft();
    let row = if api.actor.role == Role::Patient {
        state
            .app
            .sign_own_consent(&api.actor, id, locale, shown_hash, &draft)
            .await
    } else {
        state
            .app
            .take_consent(&api.actor, id, locale, shown_hash, &draft)
            .await
    }
    .map_err(|e| ApiError::new(api.locale, e))?;
    Ok((StatusCode::CREATED, Json(signature_out!(&row, false))).into_response())
}

/// Withdraw the plan's consent: the patient in their portal, or staff
/// recording a withdrawal given in person or by phone. Nothing that follows
/// may go ahead until consent is given again.
#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/consent/withdrawal",
    params(("plan_id" = String, Path, description = "Plan id")), request_body = WithdrawalIn,
    security(("bearer" = [])),
    responses((status = 204, description = "withdrawn"), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    api: ApiActor,
    Path(plan_id): Path<String>,
    ApiJson(input): ApiJson<WithdrawalIn>,
) -> Result<StatusCode, ApiError> {
    let id: PlanId = path_id(api.locale, &plan_id)?;
    let reason = input.reason.unwrap_or_default();
    if api.actor.role == Role::Patient {
        state
            .app
            .withdraw_own_consent(&api.actor, id, &reason)
            .await
    } else {
        state.app.record_withdrawal(&api.actor, id, &reason).await
    }
    .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The printable record of a signature, as stored when it was signed
/// (404 when no PDF was made).
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/consent/{consent_id}/pdf",
    params(("plan_id" = String, Path, description = "Plan id"),
           ("consent_id" = String, Path, description = "Signature id")),
    security(("bearer" = [])),
    responses((status = 200, description = "the signed consent", content_type = "application/pdf"),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn consent_pdf(
    State(state): State<AppState>,
    api: ApiActor,
    Path((plan_id, consent_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let plan: PlanId = path_id(api.locale, &plan_id)?;
    let consent: Uuid = path_id(api.locale, &consent_id)?;
    let pdf = state
        .app
        .consent_document(&api.actor, plan, consent)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    let disposition = format!("inline; filename=\"consent-{consent}.pdf\"");
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_string()),
            (CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// The messages sent or queued for a patient, newest first, with their delivery status.
#[utoipa::path(get, path = "/api/v1/patients/{id}/messages",
    params(("id" = String, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = Vec<DeliveryOut>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn patient_messages(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryOut>>, ApiError> {
    let id: PatientId = path_id(api.locale, &id)?;
    let deliveries = state
        .app
        .deliveries_of_patient(&api.actor, id)
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(deliveries.iter().map(DeliveryOut::from).collect()))
}

/// The latest messages of a site, newest first, with their delivery status.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/messages",
    params(("site_id" = String, Path, description = "Site id"), MessagesParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<DeliveryOut>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn site_messages(
    State(state): State<AppState>,
    api: ApiActor,
    Path(site_id): Path<String>,
    ApiQuery(params): ApiQuery<MessagesParams>,
) -> Result<Json<Vec<DeliveryOut>>, ApiError> {
    let site: SiteId = path_id(api.locale, &site_id)?;
    let deliveries = state
        .app
        .deliveries_of_site(&api.actor, site, params.limit.unwrap_or(100))
        .await
        .map_err(|e| ApiError::new(api.locale, e))?;
    Ok(Json(deliveries.iter().map(DeliveryOut::from).collect()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sites/{site_id}/consent-texts", get(consent_texts))
        .route(
            "/api/v1/sites/{site_id}/consent-texts/{procedure}/{locale}",
            put(save_consent_text),
        )
        .route(
            "/api/v1/plans/{plan_id}/consent",
            get(get_consent).post(sign_consent),
        )
        .route(
            "/api/v1/plans/{plan_id}/consent/withdrawal",
            post(withdraw_consent),
        )
        .route(
            "/api/v1/plans/{plan_id}/consent/{consent_id}/pdf",
            get(consent_pdf),
        )
        .route("/api/v1/patients/{id}/messages", get(patient_messages))
        .route("/api/v1/sites/{site_id}/messages", get(site_messages))
}
