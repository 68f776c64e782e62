//! Cellpath over HTTP: the axum router with server-rendered pages in
//! English and Arabic, the JSON API with its OpenAPI document, sign-in and
//! the security middleware. Handlers are thin: extract, call one use case,
//! render.

pub mod access;
pub mod api;
pub mod api_adverse_events;
pub mod api_consent;
pub mod api_diary;
pub mod api_expect;
pub mod api_follow_ups;
pub mod api_plans;
pub mod api_questionnaires;
pub mod api_resources;
pub mod api_schedule;
pub mod api_session_day;
pub mod calendar_feed;
pub mod ctx;
pub mod documents;
pub mod error;
pub mod fhir;
pub mod fhir_import;
mod fhir_workflow;
pub mod i18n;
pub mod openapi;
pub mod openapi_fhir;
pub mod pages;
pub mod tls;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use cellpath_app::App;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on when served over HTTPS or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security`: on when this process terminates
    /// TLS itself (behind a proxy, the proxy sends it).
    pub strict_transport_security: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive", content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "database reachable", content_type = "text/plain"), (status = 503, description = "database unreachable", content_type = "text/plain")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.ready().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi::document())
}

/// Nothing inline: no `<script>` blocks, no `style=""`, no event handler
/// attributes; everything the pages load comes from the server itself.
/// `default-src 'none'` is stricter than `'self'`: the pages fetch nothing
/// (no XHR, fonts or frames), so nothing else is allowed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// `Strict-Transport-Security` under TLS: a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Security headers on every response, and refusal of cross-site form posts
/// (Fetch Metadata) before any handler runs.
async fn security(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let mut response = if unsafe_method && cross_site {
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.config.strict_transport_security {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(api_plans::routes())
        .merge(documents::routes())
        .merge(api_expect::routes())
        .merge(api_questionnaires::routes())
        .merge(api_diary::routes())
        .merge(api_consent::routes())
        .merge(api_resources::routes())
        .merge(api_session_day::routes())
        .merge(api_adverse_events::routes())
        .merge(api_follow_ups::routes())
        .merge(fhir::routes())
        .merge(fhir_import::routes())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi_json))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::anon_csrf,
        ))
        // Every extractor reads at most 1 MiB (a route may allow more, as
        // the FHIR import does); nothing reads past the hard cap.
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .layer(RequestBodyLimitLayer::new(fhir_import::MAX_BUNDLE_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outside the body limit and the timeout, so that their refusals
        // carry the security headers too.
        .layer(middleware::from_fn_with_state(state.clone(), security))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            // Only the route template is logged: never ids, names or query strings.
            TraceLayer::new_for_http()
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(tower_http::LatencyUnit::Millis))
                .make_span_with(|request: &Request| {
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "unmatched".into());
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), route, request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

pub use tls::{serve_tls, server_config as tls_server_config};

/// Serves the application on `listener` until `shutdown` completes, then
/// lets open requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
