//! The outbox's channels: email over SMTP, text messages through a gateway,
//! and the iCalendar files attached to session reminders.
//!
//! Everything here implements `cellpath_app::outbox::Deliver`; the outbox
//! decides when to send and retry, this crate only how. Failure reasons and
//! log lines carry the message id and the kind of failure, never the
//! recipient or the text (health data).

pub mod calendar;
pub mod email;
pub mod reminders;
pub mod sms;

pub use calendar::session_calendar;
pub use email::{SmtpConfig, SmtpEmail, TlsMode};
pub use sms::{LogOnlySms, SmsGateway, WebhookSms};

use cellpath_app::outbox::{Deliver, Outbound};
use cellpath_domain::outbox::Channel;
use std::future::Future;
use std::pin::Pin;

/// A channel's configuration that cannot be used. The messages never quote
/// a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("not a URL")]
    Url,
    #[error("unsupported URL scheme {0:?}")]
    Scheme(String),
    #[error("the URL names no host")]
    MissingHost,
    #[error("the URL has no from= sender address")]
    MissingFrom,
    #[error("the sender {0:?} is not an email address")]
    From(String),
    #[error("tls must be none, starttls or tls, not {0:?}")]
    TlsMode(String),
    #[error("the timeout must be a positive number of seconds, not {0:?}")]
    Timeout(String),
    #[error("unknown URL parameter {0:?}")]
    Parameter(String),
    #[error("a password was given without a user name")]
    PasswordWithoutUser,
    #[error("TLS could not be set up")]
    Tls,
}

impl ConfigError {
    /// A stable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Url => "url",
            ConfigError::Scheme(_) => "scheme",
            ConfigError::MissingHost => "missing_host",
            ConfigError::MissingFrom => "missing_from",
            ConfigError::From(_) => "from",
            ConfigError::TlsMode(_) => "tls_mode",
            ConfigError::Timeout(_) => "timeout",
            ConfigError::Parameter(_) => "parameter",
            ConfigError::PasswordWithoutUser => "password_without_user",
            ConfigError::Tls => "tls",
        }
    }
}

/// Routes each message to the sender of its channel.
#[derive(Debug, Clone)]
pub struct Channels<E = SmtpEmail, S = SmsGateway> {
    pub email: E,
    pub sms: S,
}

impl<E: Deliver, S: Deliver> Deliver for Channels<E, S> {
    fn deliver<'a>(
        &'a self,
        message: &'a Outbound,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        match message.channel {
            Channel::Email => self.email.deliver(message),
            Channel::Sms => self.sms.deliver(message),
        }
    }
}
