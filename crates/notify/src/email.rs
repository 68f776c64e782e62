//! Email over real SMTP (lettre, rustls on ring): the reminder text as UTF-8
//! plain text, the session's calendar file attached.
//!
//! A failed attempt's reason is built from the SMTP status code and the
//! kind of failure only, never from the server's text: servers quote the
//! recipient back ("550 <patient@...>: unknown user"), and the reason is
//! stored and shown to staff.

use crate::ConfigError;
use cellpath_app::outbox::{Deliver, Outbound};
use cellpath_domain::outbox::Channel;
use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The media type of the attached calendar file.
pub const CALENDAR_CONTENT_TYPE: &str = "text/calendar; method=PUBLISH; charset=UTF-8";

/// The attached calendar file's name.
pub const CALENDAR_FILE_NAME: &str = "session.ics";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text: only for a relay on the same host or in tests.
    None,
    /// STARTTLS, required (the message is never sent in the clear).
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(text: &str) -> Result<TlsMode, ConfigError> {
        match text {
            "none" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Tls),
            other => Err(ConfigError::TlsMode(other.to_string())),
        }
    }

    /// The usual port of the mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// Where and how to send email.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: Mailbox,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
    /// How long one SMTP exchange may take before the attempt fails.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.email.to_string())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpConfig {
    /// Parses `smtp://user:pass@host:587?tls=starttls&from=clinic@example.org`.
    ///
    /// `tls` is `none`, `starttls` (the default for `smtp://`) or `tls` (the
    /// default for `smtps://`); the port defaults to the mode's usual one;
    /// user name and password are percent-decoded; `from` is required and may
    /// carry a display name (`Clinic <clinic@example.org>`, percent-encoded);
    /// `timeout` is in seconds (30 by default).
    pub fn parse(text: &str) -> Result<SmtpConfig, ConfigError> {
        let url = url::Url::parse(text).map_err(|_| ConfigError::Url)?;
        let mut tls = match url.scheme() {
            "smtp" => TlsMode::StartTls,
            "smtps" => TlsMode::Tls,
            other => return Err(ConfigError::Scheme(other.to_string())),
        };
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host.to_string(),
            _ => return Err(ConfigError::MissingHost),
        };
        let mut from = None;
        let mut timeout = Duration::from_secs(30);
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "tls" => tls = TlsMode::parse(&value)?,
                "from" => {
                    from = Some(
                        value
                            .parse::<Mailbox>()
                            .map_err(|_| ConfigError::From(value.to_string()))?,
                    )
                }
                "timeout" => {
                    let seconds: u64 = value
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| ConfigError::Timeout(value.to_string()))?;
                    timeout = Duration::from_secs(seconds);
                }
                other => return Err(ConfigError::Parameter(other.to_string())),
            }
        }
        let username = Some(url.username())
            .filter(|u| !u.is_empty())
            .map(percent_decode);
        let password = url.password().map(percent_decode);
        if password.is_some() && username.is_none() {
            return Err(ConfigError::PasswordWithoutUser);
        }
        Ok(SmtpConfig {
            port: url.port().unwrap_or(tls.default_port()),
            host,
            from: from.ok_or(ConfigError::MissingFrom)?,
            username,
            password,
            tls,
            timeout,
        })
    }
}

/// Decodes `%xx` escapes (user names and passwords in the URL); `+` stays.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `Channel::Email` messages through one SMTP server.
#[derive(Clone)]
pub struct SmtpEmail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for SmtpEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpEmail")
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpEmail {
    /// A sender for the configured server; nothing is connected until the
    /// first message.
    pub fn new(config: &SmtpConfig) -> Result<SmtpEmail, ConfigError> {
        let tls_parameters =
            || TlsParameters::new(config.host.clone()).map_err(|_| ConfigError::Tls);
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters()?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(username) = &config.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(SmtpEmail {
            transport: builder.build(),
            from: config.from.clone(),
        })
    }

    /// The message as it goes on the wire: UTF-8 plain text, and the
    /// calendar file as a `session.ics` attachment when there is one. Its
    /// Message-ID is made from the outbox id, so a retried message keeps it.
    pub fn compose(&self, message: &Outbound) -> Result<Message, String> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|_| "the recipient is not a valid email address".to_string())?;
        let domain = self.from.email.domain();
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(MessageId::from(format!("<{}@{domain}>", message.id)));
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone());
        let built = match &message.calendar {
            None => builder.singlepart(text),
            Some(calendar) => {
                let calendar_type = ContentType::parse(CALENDAR_CONTENT_TYPE)
                    .map_err(|_| "the calendar media type does not parse".to_string())?;
                builder.multipart(
                    MultiPart::mixed().singlepart(text).singlepart(
                        Attachment::new(CALENDAR_FILE_NAME.to_string())
                            .body(calendar.clone(), calendar_type),
                    ),
                )
            }
        };
        built.map_err(|e| format!("the message could not be built: {}", build_error_kind(&e)))
    }
}

/// A message-building failure named without the addresses it concerns.
fn build_error_kind(error: &lettre::error::Error) -> &'static str {
    match error {
        lettre::error::Error::MissingFrom => "no sender",
        lettre::error::Error::MissingTo => "no recipient",
        lettre::error::Error::TooManyFrom => "several senders",
        lettre::error::Error::EmailMissingAt
        | lettre::error::Error::EmailMissingLocalPart
        | lettre::error::Error::EmailMissingDomain
        | lettre::error::Error::CannotParseFilename
        | lettre::error::Error::Io(_)
        | lettre::error::Error::NonAsciiChars => "invalid content",
    }
}

/// An SMTP failure as a reason fit to store: the kind and the status code,
/// none of the server's words.
fn smtp_failure(error: &lettre::transport::smtp::Error) -> String {
    let code = error
        .status()
        .map(|code| format!(" {code}"))
        .unwrap_or_default();
    let kind = if error.is_transient() {
        "transient error"
    } else if error.is_permanent() {
        "permanent error"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_tls() {
        "TLS failure"
    } else if error.is_response() {
        "unreadable response"
    } else if error.is_client() {
        "client error"
    } else if error.is_transport_shutdown() {
        "transport shut down"
    } else {
        "connection failed"
    };
    format!("smtp {kind}{code}")
}

impl Deliver for SmtpEmail {
    fn deliver<'a>(
        &'a self,
        message: &'a Outbound,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            if message.channel != Channel::Email {
                return Err(format!(
                    "the email sender was given a {} message",
                    message.channel.code()
                ));
            }
            let email = self.compose(message)?;
            match self.transport.send(email).await {
                Ok(_) => {
                    tracing::info!(message_id = %message.id, "email delivered");
                    Ok(())
                }
                Err(error) => {
                    let reason = smtp_failure(&error);
                    tracing::warn!(message_id = %message.id, %reason, "email not delivered");
                    Err(reason)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_gives_every_setting() {
        let config = SmtpConfig::parse(
            "smtp://mail%40user:p%3Ass@smtp.example.org:2525?tls=starttls&from=clinic@example.org",
        )
        .expect("parses");
        assert_eq!(config.host, "smtp.example.org");
        assert_eq!(config.port, 2525);
        assert_eq!(config.username.as_deref(), Some("mail@user"));
        assert_eq!(config.password.as_deref(), Some("p:ss"));
        assert_eq!(config.tls, TlsMode::StartTls);
        assert_eq!(config.from.email.to_string(), "clinic@example.org");
        assert!(!format!("{config:?}").contains("p:ss"), "password redacted");
    }

    #[test]
    fn defaults_follow_the_tls_mode() {
        let plain = SmtpConfig::parse("smtp://localhost?tls=none&from=a@b.org").expect("parses");
        assert_eq!(
            (plain.tls, plain.port, plain.username),
            (TlsMode::None, 25, None)
        );
        let wrapped = SmtpConfig::parse("smtps://mail.example.org?from=a@b.org").expect("parses");
        assert_eq!((wrapped.tls, wrapped.port), (TlsMode::Tls, 465));
        let named =
            SmtpConfig::parse("smtp://h?from=Clinic%20%3Cclinic@example.org%3E").expect("parses");
        assert_eq!(named.from.name.as_deref(), Some("Clinic"));
        assert_eq!(named.port, 587);
    }

    #[test]
    fn bad_urls_are_refused_with_their_reason() {
        let cases = [
            ("not a url", "url"),
            ("http://h?from=a@b.org", "scheme"),
            ("smtp://h", "missing_from"),
            ("smtp://h?from=nobody", "from"),
            ("smtp://h?from=a@b.org&tls=ssl", "tls_mode"),
            ("smtp://h?from=a@b.org&timeout=0", "timeout"),
            ("smtp://h?from=a@b.org&pool=1", "parameter"),
            ("smtp://:secret@h?from=a@b.org", "password_without_user"),
        ];
        for (url, code) in cases {
            let error = SmtpConfig::parse(url).expect_err(url);
            assert_eq!(error.code(), code, "{url}");
            assert!(!error.to_string().contains("secret"));
        }
    }
}
