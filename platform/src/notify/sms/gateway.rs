//! The generic SMS gateway: JSON over HTTP.
//!
//! Send: `POST <url>/messages` with headers `Idempotency-Key: <message id>`
//! and the configured credential header, body
//! `{"id","to","text","sign_name","template_code","template_params"}`.
//! The gateway must de-duplicate by `Idempotency-Key`: a repeated key is
//! answered like the first request and sends nothing. A 2xx answer
//! (`{"id": "...", "status": "accepted"}`) means accepted; 408, 429 and 5xx
//! are transient; other 4xx permanent.
//!
//! Status: `GET <url>/messages/<message id>`: 200 when the gateway has the
//! message, 404 when it never received it.

use reqwest::StatusCode;
use serde_json::json;

use super::{clip, http_client, transport_error};
use crate::{
    config::{Secret, SmsConfig},
    notify::{Channel, OutgoingMessage, Provider, SendOutcome, StatusOutcome},
};

/// The generic gateway provider.
pub struct GatewaySms {
    name: String,
    base: String,
    auth_header: String,
    auth_value: Secret,
    rate_per_second: u64,
    client: reqwest::Client,
}

impl GatewaySms {
    /// A gateway from `[sms]` / `[sms.gateway]`.
    pub fn new(cfg: &SmsConfig) -> anyhow::Result<Self> {
        Ok(Self {
            name: cfg.gateway.name.clone(),
            base: cfg.gateway.url.trim_end_matches('/').to_string(),
            auth_header: cfg.gateway.auth_header.clone(),
            auth_value: cfg.gateway.auth_value.clone(),
            rate_per_second: cfg.rate_per_second,
            client: http_client(cfg)?,
        })
    }

    fn authorised(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.auth_value.expose().is_empty() {
            req
        } else {
            req.header(self.auth_header.as_str(), self.auth_value.expose())
        }
    }
}

fn provider_id(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string))
}

#[async_trait::async_trait]
impl Provider for GatewaySms {
    fn name(&self) -> &str {
        &self.name
    }
    fn channel(&self) -> Channel {
        Channel::Sms
    }
    fn rate_per_second(&self) -> Option<u64> {
        Some(self.rate_per_second)
    }
    fn has_status_query(&self) -> bool {
        true
    }

    async fn send(&self, message: &OutgoingMessage) -> SendOutcome {
        let body = json!({
            "id": message.id,
            "to": message.to,
            "text": message.text,
            "sign_name": message.sign_name,
            "template_code": message.template_code,
            "template_params": message.template_params,
        });
        let req = self
            .client
            .post(format!("{}/messages", self.base))
            .header("Idempotency-Key", message.id.to_string())
            .json(&body);
        let resp = match self.authorised(req).send().await {
            Ok(resp) => resp,
            Err(err) => return transport_error(&err),
        };
        let status = resp.status();
        let text = match resp.text().await {
            Ok(text) => text,
            // The status line came back but the body was cut off.
            Err(err) if status.is_success() => return transport_error(&err),
            Err(err) => format!("(unreadable body: {err})"),
        };
        let response = clip(&format!("{} {}", status.as_u16(), text));
        if status.is_success() {
            SendOutcome::Accepted {
                provider_message_id: provider_id(&text),
                response,
            }
        } else if status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
            || status.is_server_error()
        {
            SendOutcome::Transient { response }
        } else {
            SendOutcome::Permanent { response }
        }
    }

    async fn status(&self, message: &OutgoingMessage) -> StatusOutcome {
        let req = self
            .client
            .get(format!("{}/messages/{}", self.base, message.id));
        let resp = match self.authorised(req).send().await {
            Ok(resp) => resp,
            Err(err) => {
                return StatusOutcome::Unknown {
                    response: format!("transport error: {err}"),
                }
            }
        };
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let response = clip(&format!("{} {}", status.as_u16(), text));
        if status.is_success() {
            StatusOutcome::Received {
                provider_message_id: provider_id(&text),
                response,
            }
        } else if status == StatusCode::NOT_FOUND {
            StatusOutcome::NotReceived { response }
        } else {
            StatusOutcome::Unknown { response }
        }
    }
}
