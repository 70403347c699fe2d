//! Aliyun SMS (dysmsapi `SendSms`, API version 2017-05-25), RPC style with
//! the documented V1 signature: the parameters (common and operation ones,
//! without `Signature`) sorted by name, names and values percent-encoded
//! per RFC 3986 (unreserved `A-Z a-z 0-9 - _ . ~` kept, space as `%20`),
//! joined as `k=v` with `&` into the canonicalized query string; then
//! `StringToSign = METHOD & percentEncode("/") & percentEncode(canonicalized)`
//! and `Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))`.
//! The unit tests reproduce the signatures of Aliyun's documented examples.
//!
//! Each message needs the tenant template's provider template code
//! (TemplateCode, registered with Aliyun) and signature (SignName); the
//! template's variables go as TemplateParam JSON. The message id is sent as
//! OutId. Aliyun does not de-duplicate by it and this client has no status
//! query, so an uncertain send (timeout, cut connection, system error) is
//! reported ambiguous and the dispatcher leaves it in doubt for staff.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

use super::{clip, http_client, transport_error};
use crate::{
    config::{Secret, SmsConfig},
    notify::{Channel, OutgoingMessage, Provider, SendOutcome},
};

/// RFC 3986 unreserved characters stay; everything else is `%XY`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Aliyun's percent-encoding of a name or value.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The canonicalized query string of sorted, encoded parameters.
pub fn canonicalized_query(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&<encoded canonicalized query>`.
pub fn string_to_sign(method: &str, params: &BTreeMap<String, String>) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonicalized_query(params))
    )
}

/// Base64 of HMAC-SHA1 keyed with `secret&`.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(format!("{access_key_secret}&").as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The Aliyun SMS provider.
pub struct AliyunSms {
    endpoint: String,
    access_key_id: String,
    access_key_secret: Secret,
    region_id: String,
    rate_per_second: u64,
    client: reqwest::Client,
}

impl AliyunSms {
    /// A client from `[sms]` / `[sms.aliyun]`.
    pub fn new(cfg: &SmsConfig) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: cfg.aliyun.endpoint.clone(),
            access_key_id: cfg.aliyun.access_key_id.clone(),
            access_key_secret: cfg.aliyun.access_key_secret.clone(),
            region_id: cfg.aliyun.region_id.clone(),
            rate_per_second: cfg.rate_per_second,
            client: http_client(cfg)?,
        })
    }

    /// The signed form parameters of a `SendSms` request.
    pub fn send_sms_params(
        &self,
        message: &OutgoingMessage,
        template_code: &str,
        sign_name: &str,
        nonce: &str,
        at: DateTime<Utc>,
    ) -> BTreeMap<String, String> {
        let template_param =
            serde_json::to_string(&message.template_params).unwrap_or_else(|_| "{}".into());
        let mut params: BTreeMap<String, String> = [
            ("AccessKeyId", self.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("RegionId", self.region_id.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("Version", "2017-05-25"),
            ("PhoneNumbers", message.to.as_str()),
            ("SignName", sign_name),
            ("TemplateCode", template_code),
            ("TemplateParam", template_param.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        params.insert(
            "Timestamp".into(),
            at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        params.insert("OutId".into(), message.id.to_string());
        let sig = signature(
            self.access_key_secret.expose(),
            &string_to_sign("POST", &params),
        );
        params.insert("Signature".into(), sig);
        params
    }
}

/// Aliyun's answer codes: OK; throttling (retry later); system errors
/// (may or may not have been sent); everything else is a refusal.
fn classify(code: &str, biz_id: Option<String>, response: String) -> SendOutcome {
    if code == "OK" {
        SendOutcome::Accepted {
            provider_message_id: biz_id,
            response,
        }
    } else if code.starts_with("Throttling")
        || code == "isv.BUSINESS_LIMIT_CONTROL"
        || code == "ServiceUnavailable"
    {
        SendOutcome::Transient { response }
    } else if code.starts_with("isp.") || code == "InternalError" {
        SendOutcome::Ambiguous { response }
    } else {
        SendOutcome::Permanent { response }
    }
}

#[async_trait::async_trait]
impl Provider for AliyunSms {
    fn name(&self) -> &str {
        "aliyun"
    }
    fn channel(&self) -> Channel {
        Channel::Sms
    }
    fn rate_per_second(&self) -> Option<u64> {
        Some(self.rate_per_second)
    }

    async fn send(&self, message: &OutgoingMessage) -> SendOutcome {
        let Some(template_code) = message.template_code.as_deref() else {
            return SendOutcome::Permanent {
                response: "the template has no Aliyun TemplateCode (provider_template_code)".into(),
            };
        };
        let Some(sign_name) = message.sign_name.as_deref() else {
            return SendOutcome::Permanent {
                response: "no SMS signature (SignName)".into(),
            };
        };
        let nonce = uuid::Uuid::new_v4().to_string();
        let params = self.send_sms_params(message, template_code, sign_name, &nonce, Utc::now());
        let form = canonicalized_query(&params);
        let resp = self
            .client
            .post(&self.endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await;
        let resp = match resp {
            Ok(resp) => resp,
            Err(err) => return transport_error(&err),
        };
        let status = resp.status();
        let text = match resp.text().await {
            Ok(text) => text,
            Err(err) => return transport_error(&err),
        };
        let response = clip(&format!("{} {}", status.as_u16(), text));
        let body: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let code = body
            .as_ref()
            .and_then(|b| b.get("Code"))
            .and_then(|c| c.as_str());
        match code {
            Some(code) => {
                let biz_id = body
                    .as_ref()
                    .and_then(|b| b.get("BizId"))
                    .and_then(|c| c.as_str())
                    .map(str::to_string);
                classify(code, biz_id, response)
            }
            // No Aliyun answer: something in front of it spoke.
            None if status == reqwest::StatusCode::SERVICE_UNAVAILABLE
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS =>
            {
                SendOutcome::Transient { response }
            }
            None if status.is_server_error() || status.is_success() => {
                SendOutcome::Ambiguous { response }
            }
            None => SendOutcome::Permanent { response },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Aliyun's SMS documentation example (签名机制, SendSms with testId / testSecret).
    #[test]
    fn reproduces_the_documented_send_sms_signature() {
        let p = params(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(
            canonicalized_query(&p),
            "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001\
             &RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8\
             &SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0\
             &TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D\
             &Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
        );
        let sts = string_to_sign("GET", &p);
        assert!(
            sts.starts_with("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26"),
            "{sts}"
        );
        assert!(
            sts.ends_with("%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"),
            "{sts}"
        );
        assert_eq!(
            signature("testSecret", &sts),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
    }

    /// The RPC signature mechanism's example (DescribeRegions, testid / testsecret).
    #[test]
    fn reproduces_the_documented_rpc_signature() {
        let p = params(&[
            ("TimeStamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            signature("testsecret", &string_to_sign("GET", &p)),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
    }

    #[test]
    fn encoding_follows_rfc_3986_not_forms() {
        assert_eq!(percent_encode("a b*c~d+e/"), "a%20b%2Ac~d%2Be%2F");
    }

    #[test]
    fn answer_codes_are_classified() {
        let r = || "x".to_string();
        assert!(matches!(
            classify("OK", Some("b".into()), r()),
            SendOutcome::Accepted { .. }
        ));
        assert!(matches!(
            classify("isv.BUSINESS_LIMIT_CONTROL", None, r()),
            SendOutcome::Transient { .. }
        ));
        assert!(matches!(
            classify("Throttling.User", None, r()),
            SendOutcome::Transient { .. }
        ));
        assert!(matches!(
            classify("isp.SYSTEM_ERROR", None, r()),
            SendOutcome::Ambiguous { .. }
        ));
        assert!(matches!(
            classify("isv.MOBILE_NUMBER_ILLEGAL", None, r()),
            SendOutcome::Permanent { .. }
        ));
    }
}
