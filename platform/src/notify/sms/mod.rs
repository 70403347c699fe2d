//! SMS providers: a generic JSON-over-HTTP gateway ([`gateway`]) and Aliyun
//! SMS ([`aliyun`]), both over reqwest, chosen by `[sms] provider`.

pub mod aliyun;
pub mod gateway;

use std::{sync::Arc, time::Duration};

use anyhow::Context;

use super::{Provider, SendOutcome};
use crate::config::SmsConfig;

/// The configured SMS provider, if any.
pub fn from_config(cfg: &SmsConfig) -> anyhow::Result<Option<Arc<dyn Provider>>> {
    Ok(match cfg.provider.as_str() {
        "gateway" => Some(Arc::new(gateway::GatewaySms::new(cfg)?)),
        "aliyun" => Some(Arc::new(aliyun::AliyunSms::new(cfg)?)),
        _ => None,
    })
}

/// The HTTP client of a provider (rustls, the request timeout of `[sms]`).
pub(crate) fn http_client(cfg: &SmsConfig) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(cfg.timeout_seconds))
        .connect_timeout(Duration::from_secs(cfg.timeout_seconds.min(5)))
        .build()
        .context("failed to build the SMS HTTP client")
}

/// A failed request: never sent (no connection) is transient; anything
/// after the request may have left (timeout, reset, cut-off answer) is ambiguous.
pub(crate) fn transport_error(err: &reqwest::Error) -> SendOutcome {
    let response = format!("transport error: {err}");
    if err.is_connect() {
        SendOutcome::Transient { response }
    } else {
        SendOutcome::Ambiguous { response }
    }
}

/// At most `max` characters of a provider's answer, for the attempt log.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(2000).collect()
}
