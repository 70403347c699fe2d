//! Messages to people outside the platform (borrowers' reminders, sign-up
//! and invitation emails). One trait, [`Provider`], for every channel: SMS
//! providers live in [`sms`]; [`email`] is the SMTP mailer, which serves
//! reminders through the same trait ([`email::EmailProvider`]).
//!
//! Exactly once: every message has a stable id (its outbox row's) that the
//! provider receives as its idempotency key. A provider that de-duplicates
//! by it can be sent the same message again harmlessly; for one that does
//! not, an uncertain send ([`SendOutcome::Ambiguous`]) is resolved through
//! [`Provider::status`] when the provider has a status query, and otherwise
//! left for people to decide — never resent blindly.

pub mod email;
pub mod sms;

use std::{collections::BTreeMap, sync::Arc};

use uuid::Uuid;

use crate::config::Config;

/// How a message reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 2] = [Channel::Sms, Channel::Email];

    /// `sms` or `email`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// Parses `sms` or `email`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// Stable id: the provider's idempotency key (and Aliyun's OutId, the
    /// email's Message-ID).
    pub id: Uuid,
    pub channel: Channel,
    /// Mobile number (11 digits) or email address.
    pub to: String,
    pub to_name: Option<String>,
    /// Email subject.
    pub subject: Option<String>,
    /// The full text the person reads (for SMS including the 【signature】).
    pub text: String,
    /// SMS signature (Aliyun SignName).
    pub sign_name: Option<String>,
    /// The provider's registered template (Aliyun TemplateCode).
    pub template_code: Option<String>,
    /// The template's variables (Aliyun TemplateParam).
    pub template_params: BTreeMap<String, String>,
}

/// What a send attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The provider took the message.
    Accepted {
        provider_message_id: Option<String>,
        response: String,
    },
    /// Not taken; worth retrying later (provider down, throttled).
    Transient { response: String },
    /// Refused for good (invalid number, unknown template, bad credentials).
    Permanent { response: String },
    /// Perhaps taken: the request went out but no clear answer came back.
    Ambiguous { response: String },
}

/// What a status query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The provider has the message (accepted or delivered).
    Received {
        provider_message_id: Option<String>,
        response: String,
    },
    /// The provider never got it: sending it is safe.
    NotReceived { response: String },
    /// The query failed; ask again later.
    Unknown { response: String },
}

/// A way to deliver messages of one channel.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Name recorded on outbox rows and used in rate-limit keys.
    fn name(&self) -> &str;
    /// The channel it serves.
    fn channel(&self) -> Channel;
    /// Messages per second across all instances, if limited.
    fn rate_per_second(&self) -> Option<u64> {
        None
    }
    /// Whether [`Provider::status`] can tell if a message was received.
    fn has_status_query(&self) -> bool {
        false
    }
    /// Sends one message, its id as the idempotency key.
    async fn send(&self, message: &OutgoingMessage) -> SendOutcome;
    /// Asks whether the provider received a message.
    async fn status(&self, _message: &OutgoingMessage) -> StatusOutcome {
        StatusOutcome::Unknown {
            response: "this provider has no status query".into(),
        }
    }
}

/// The provider of each channel, where one is configured.
#[derive(Clone, Default)]
pub struct Providers {
    pub sms: Option<Arc<dyn Provider>>,
    pub email: Option<Arc<dyn Provider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("sms", &self.sms.as_ref().map(|p| p.name().to_string()))
            .field("email", &self.email.as_ref().map(|p| p.name().to_string()))
            .finish()
    }
}

impl Providers {
    /// The providers the configuration names (`[sms]`, and `[smtp]` for email).
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        Ok(Self {
            sms: sms::from_config(&config.sms)?,
            email: Some(Arc::new(email::EmailProvider::new(email::Mailer::new(
                &config.smtp,
            )?))),
        })
    }

    /// The provider of a channel.
    pub fn for_channel(&self, channel: Channel) -> Option<&Arc<dyn Provider>> {
        match channel {
            Channel::Sms => self.sms.as_ref(),
            Channel::Email => self.email.as_ref(),
        }
    }
}
