//! Who is asking and in which language: the `Viewer` extractor reads the
//! session cookie, the language cookie and `Accept-Language`; `ApiActor`
//! reads a bearer token.

use crate::AppState;
use crate::error::{ApiError, PageError};
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION};
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use cellpath_app::Actor;
use cellpath_app::auth::SessionInfo;
use cellpath_domain::Locale;

pub const SESSION_COOKIE: &str = "cellpath_session";
pub const LANG_COOKIE: &str = "cellpath_lang";
pub const CSRF_COOKIE: &str = "cellpath_csrf";

/// The anonymous form token that the CSRF middleware put on this request.
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

/// The person looking at a page: their language, and their session when signed in.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub locale: Locale,
    pub session: Option<SessionInfo>,
    pub session_token: Option<String>,
    anon_csrf: String,
    /// Path and query of this request, for the language switch to return to.
    pub here: String,
}

impl Viewer {
    pub fn actor(&self) -> Option<&Actor> {
        self.session.as_ref().map(|s| &s.actor)
    }

    /// The signed-in actor, or a redirect to the sign-in page.
    pub fn require(&self) -> Result<&Actor, PageError> {
        self.actor().ok_or(PageError::SignIn)
    }

    /// The token every form of this viewer carries.
    pub fn csrf_token(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf_token,
            None => &self.anon_csrf,
        }
    }

    /// Refuses a form whose token does not match this viewer's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        let expected = self.csrf_token().as_bytes();
        let submitted = submitted.as_bytes();
        let same = expected.len() == submitted.len()
            && !expected.is_empty()
            && expected
                .iter()
                .zip(submitted)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(PageError::Csrf(self.locale))
        }
    }
}

/// The locale chosen by cookie, else by `Accept-Language`, else English.
pub fn locale_of(parts: &Parts, jar: &CookieJar) -> Locale {
    jar.get(LANG_COOKIE)
        .and_then(|c| Locale::parse(c.value()))
        .or_else(|| {
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let locale = locale_of(parts, &jar);
        let session_token = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| t.len() == 64);
        let session = match &session_token {
            Some(token) => state
                .app
                .session(token)
                .await
                .map_err(|e| PageError::from_app(locale, e))?,
            None => None,
        };
        // A form posted to a route whose gate refuses the role is refused
        // before its fields are read.
        let unsafe_method = !matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
        );
        if let Some(session) = &session
            && unsafe_method
            && crate::access::refused(parts, session.actor.role).is_some()
        {
            // Staff pages are not the patient's: "not found", as for the chart.
            return Err(if session.actor.role.is_staff() {
                PageError::Forbidden(locale)
            } else {
                PageError::NotFound(locale)
            });
        }
        let anon_csrf = parts
            .extensions
            .get::<AnonCsrf>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Viewer {
            locale,
            session_token: session.as_ref().and(session_token),
            session,
            anon_csrf,
            here,
        })
    }
}

/// The token of an `Authorization: Bearer TOKEN` header, when it has a
/// plausible one (the API and the FHIR interface both read it).
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// An API caller, identified by `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct ApiActor {
    pub actor: Actor,
    pub locale: Locale,
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let locale = api_locale(parts);
        let Some(bearer) = bearer_token(parts) else {
            return Err(ApiError::new(
                locale,
                cellpath_app::AppError::Unauthenticated,
            ));
        };
        match state.app.token_actor(bearer).await {
            Ok(Some(actor)) => match crate::access::refused(parts, actor.role) {
                Some(action) => Err(ApiError::new(
                    locale,
                    cellpath_app::AppError::Forbidden(action),
                )),
                None => Ok(ApiActor { actor, locale }),
            },
            Ok(None) => Err(ApiError::new(
                locale,
                cellpath_app::AppError::Unauthenticated,
            )),
            Err(e) => Err(ApiError::new(locale, e)),
        }
    }
}

/// The language of API messages: `Accept-Language`, else English.
pub fn api_locale(parts: &Parts) -> Locale {
    parts
        .headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default()
}

/// The language of an API request, without requiring a token.
pub struct ApiLocale(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for ApiLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ApiLocale(api_locale(parts)))
    }
}
