//! Email over SMTP (lettre): STARTTLS, implicit TLS, or plain for a local
//! relay, with optional login. One [`Mailer`] per process, shared; each
//! message carries a stable Message-ID made from the caller's id, so a
//! message sent twice (a retry after a lost reply) is recognisably the same.
//! [`EmailProvider`] serves the reminders' outbox through [`super::Provider`].

use std::time::Duration;

use anyhow::Context;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{Channel, OutgoingMessage, Provider, SendOutcome};
use crate::config::{SmtpConfig, SmtpTls};

/// One message to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Stable id of this message from the caller (e.g. `signup-42-verify`);
    /// becomes the Message-ID `<id@sender-domain>`.
    pub id: String,
    /// Recipient address.
    pub to: identifiers::EmailAddress,
    /// Recipient's name, if known.
    pub to_name: Option<String>,
    pub subject: String,
    /// Plain-text body (always sent).
    pub text: String,
    /// HTML body, sent as the alternative to the text when given.
    pub html: Option<String>,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message itself is malformed (a bug or bad data), not worth retrying.
    #[error("failed to build the message: {0}")]
    Build(String),
    /// The server refused the message for good (5xx).
    #[error("the mail server refused the message: {0}")]
    Rejected(String),
    /// Connection or temporary failure: retrying later may work.
    #[error("the mail server could not be reached or failed temporarily: {0}")]
    Unavailable(String),
}

/// Sends email through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for the `[smtp]` settings (connects lazily, on the first
    /// send; must be made inside the Tokio runtime, which runs its pool).
    pub fn new(cfg: &SmtpConfig) -> anyhow::Result<Self> {
        let mut builder = match cfg.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .context("failed to set up STARTTLS for smtp.host")?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .context("failed to set up TLS for smtp.host")?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        }
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(cfg.timeout_seconds.max(1))));
        if let (Some(user), Some(pass)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(
                user.expose().to_string(),
                pass.expose().to_string(),
            ));
        }
        let address = identifiers::EmailAddress::parse(&cfg.from_address)
            .map_err(|e| anyhow::anyhow!("smtp.from_address: {}", e.message))?;
        let from = Mailbox::new(
            Some(cfg.sender_name.clone()).filter(|n| !n.is_empty()),
            address
                .as_str()
                .parse()
                .context("failed to parse smtp.from_address")?,
        );
        Ok(Self {
            transport: builder.build(),
            from,
            domain: address.domain().to_string(),
        })
    }

    /// The Message-ID a caller's id becomes: `<id@sender-domain>`, with
    /// characters outside `A-Za-z0-9.-_` replaced by `-`.
    pub fn message_id(&self, id: &str) -> String {
        let clean: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("<{clean}@{}>", self.domain)
    }

    /// Builds the MIME message (exposed for inspection in tests).
    pub fn build(&self, email: &Email) -> Result<Message, SendError> {
        let to = Mailbox::new(
            email.to_name.clone().filter(|n| !n.is_empty()),
            email
                .to
                .as_str()
                .parse()
                .map_err(|e| SendError::Build(format!("recipient: {e}")))?,
        );
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(self.message_id(&email.id)));
        let built = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.text.clone()),
            ),
        };
        built.map_err(|e| SendError::Build(e.to_string()))
    }

    /// Sends one message and waits for the server to accept it.
    pub async fn send(&self, email: &Email) -> Result<(), SendError> {
        self.send_classified(email).await.map_err(|(err, _)| err)
    }

    /// Sends, and on failure also tells whether the server may have taken
    /// the message anyway (the connection failed after it was under way).
    async fn send_classified(&self, email: &Email) -> Result<(), (SendError, bool)> {
        let message = self.build(email).map_err(|e| (e, false))?;
        match self.transport.send(message).await {
            Ok(_) => {
                tracing::info!(message_id = %self.message_id(&email.id), "email sent");
                Ok(())
            }
            Err(err) if err.is_permanent() => Err((SendError::Rejected(err.to_string()), false)),
            Err(err) => {
                tracing::warn!(message_id = %self.message_id(&email.id), "email not sent: {err}");
                // A 4xx reply, or no connection at all, means not taken;
                // anything else (timeout, dropped connection) may be either.
                let in_doubt = !err.is_transient() && !connection_refused(&err);
                Err((SendError::Unavailable(err.to_string()), in_doubt))
            }
        }
    }
}

/// Whether an error comes from a refused connection (nothing was sent).
fn connection_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        source = e.source();
    }
    false
}

/// The reminders' email channel: an outbox message sent through the
/// [`Mailer`], its id as the Message-ID.
#[derive(Debug, Clone)]
pub struct EmailProvider {
    mailer: Mailer,
}

impl EmailProvider {
    /// A provider over a mailer.
    pub fn new(mailer: Mailer) -> Self {
        Self { mailer }
    }
}

#[async_trait::async_trait]
impl Provider for EmailProvider {
    fn name(&self) -> &str {
        "smtp"
    }

    fn channel(&self) -> Channel {
        Channel::Email
    }

    async fn send(&self, message: &OutgoingMessage) -> SendOutcome {
        let to = match identifiers::EmailAddress::parse(&message.to) {
            Ok(to) => to,
            Err(e) => {
                return SendOutcome::Permanent {
                    response: format!("recipient: {}", e.message),
                }
            }
        };
        let email = Email {
            id: message.id.to_string(),
            to,
            to_name: message.to_name.clone(),
            subject: message.subject.clone().unwrap_or_default(),
            text: message.text.clone(),
            html: None,
        };
        match self.mailer.send_classified(&email).await {
            Ok(()) => SendOutcome::Accepted {
                provider_message_id: Some(self.mailer.message_id(&email.id)),
                response: "250 accepted".into(),
            },
            Err((SendError::Build(e) | SendError::Rejected(e), _)) => {
                SendOutcome::Permanent { response: e }
            }
            Err((SendError::Unavailable(e), true)) => SendOutcome::Ambiguous { response: e },
            Err((SendError::Unavailable(e), false)) => SendOutcome::Transient { response: e },
        }
    }
}

/// Escapes text for inclusion in an HTML body.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn message_ids_are_stable_and_safe() {
        let cfg = crate::config::Config::from_sources(None, &[]).unwrap().smtp;
        let mailer = Mailer::new(&cfg).unwrap();
        assert_eq!(
            mailer.message_id("signup-42/verify"),
            "<signup-42-verify@xiaodai.localhost>"
        );
        assert_eq!(
            escape_html("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
