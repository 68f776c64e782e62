//! Text messages through a gateway: an HTTP webhook (`{"to","text"}` POSTed
//! as JSON) for production, a log-only one for development.
//!
//! Neither logs nor returns the number or the text: a reason names the
//! gateway's status code or the kind of failure, a log line the message id.

use crate::ConfigError;
use cellpath_app::outbox::{Deliver, Outbound};
use cellpath_domain::outbox::Channel;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type DeliverFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Refuses anything but `Channel::Sms`, naming only the channel.
fn sms_only(message: &Outbound) -> Result<(), String> {
    if message.channel == Channel::Sms {
        Ok(())
    } else {
        Err(format!(
            "the sms gateway was given a {} message",
            message.channel.code()
        ))
    }
}

/// POSTs each text message as `{"to": ..., "text": ...}` to a gateway URL
/// (http or https; rustls on ring). The outbox id goes in an
/// `Idempotency-Key` header so a gateway can drop a retried duplicate. Any
/// status but 2xx, or no answer within the timeout, is a failed attempt.
#[derive(Clone)]
pub struct WebhookSms {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    url: Uri,
    authorization: Option<Arc<str>>,
    timeout: Duration,
}

impl fmt::Debug for WebhookSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSms")
            .field("url", &redacted_url(&self.url))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The URL without its query (where gateways like to put API keys).
fn redacted_url(url: &Uri) -> String {
    format!(
        "{}://{}{}",
        url.scheme_str().unwrap_or("?"),
        url.authority().map(|a| a.as_str()).unwrap_or(""),
        url.path()
    )
}

impl WebhookSms {
    /// A gateway at `url` (http or https) answering within `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<WebhookSms, ConfigError> {
        let uri: Uri = url.parse().map_err(|_| ConfigError::Url)?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(other) => return Err(ConfigError::Scheme(other.to_string())),
            None => return Err(ConfigError::Url),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(ConfigError::MissingHost);
        }
        if timeout.is_zero() {
            return Err(ConfigError::Timeout("0".into()));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|_| ConfigError::Tls)?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(WebhookSms {
            client: Client::builder(TokioExecutor::new()).build(connector),
            url: uri,
            authorization: None,
            timeout,
        })
    }

    /// Sends this `Authorization` header value (`Bearer ...`) with each request.
    pub fn with_authorization(mut self, value: &str) -> WebhookSms {
        self.authorization = Some(Arc::from(value));
        self
    }

    async fn post(&self, message: &Outbound) -> Result<(), String> {
        let payload = serde_json::json!({ "to": message.recipient, "text": message.body });
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header("content-type", "application/json")
            .header("idempotency-key", message.id.to_string());
        if let Some(value) = &self.authorization {
            request = request.header("authorization", value.as_ref());
        }
        let request = request
            .body(Full::new(Bytes::from(payload.to_string())))
            .map_err(|_| "the sms request could not be built".to_string())?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| describe_client_error(&e))?;
            let status = response.status();
            // Read the answer to the end so the connection can be reused;
            // its content is never kept (a gateway may echo the number).
            let _ = response.into_body().collect().await;
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("sms gateway answered {}", status.as_u16()))
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "sms gateway did not answer within {} s",
                self.timeout.as_secs_f32()
            )),
        }
    }
}

/// A client failure by kind, without hyper's text (which may quote the URL).
fn describe_client_error(error: &hyper_util::client::legacy::Error) -> String {
    if error.is_connect() {
        "sms gateway unreachable".to_string()
    } else {
        "sms gateway exchange failed".to_string()
    }
}

impl Deliver for WebhookSms {
    fn deliver<'a>(&'a self, message: &'a Outbound) -> DeliverFuture<'a> {
        Box::pin(async move {
            sms_only(message)?;
            let outcome = self.post(message).await;
            match &outcome {
                Ok(()) => tracing::info!(message_id = %message.id, "sms delivered"),
                Err(reason) => {
                    tracing::warn!(message_id = %message.id, %reason, "sms not delivered")
                }
            }
            outcome
        })
    }
}

/// Development only: "delivers" by logging the message id, never the number
/// or the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogOnlySms;

impl Deliver for LogOnlySms {
    fn deliver<'a>(&'a self, message: &'a Outbound) -> DeliverFuture<'a> {
        Box::pin(async move {
            sms_only(message)?;
            tracing::info!(message_id = %message.id, "sms delivered (log-only)");
            Ok(())
        })
    }
}

/// The SMS gateway chosen by configuration.
#[derive(Debug, Clone)]
pub enum SmsGateway {
    Webhook(Box<WebhookSms>),
    LogOnly(LogOnlySms),
}

impl SmsGateway {
    /// `log` for [`LogOnlySms`], an http(s) URL for [`WebhookSms`] with a
    /// ten-second timeout.
    pub fn parse(text: &str) -> Result<SmsGateway, ConfigError> {
        match text.trim() {
            "log" => Ok(SmsGateway::LogOnly(LogOnlySms)),
            url => Ok(SmsGateway::Webhook(Box::new(WebhookSms::new(
                url,
                Duration::from_secs(10),
            )?))),
        }
    }
}

impl Deliver for SmsGateway {
    fn deliver<'a>(&'a self, message: &'a Outbound) -> DeliverFuture<'a> {
        match self {
            SmsGateway::Webhook(gateway) => gateway.deliver(message),
            SmsGateway::LogOnly(gateway) => gateway.deliver(message),
        }
    }
}
