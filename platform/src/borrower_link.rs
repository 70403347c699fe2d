//! Signed, expiring links to a borrower's read-only page, `/b/{token}`.
//!
//! A token names a tenant and a loan and says until when it works; it is
//! short enough for an SMS (about 50 characters for a 10-character tenant
//! code). Layout, base64url without padding:
//!
//! ```text
//! version (1 byte, = 1) | expires_at (u32 seconds since 1970, big-endian)
//! | loan_id (u64 big-endian) | tenant code (UTF-8, 2–30 bytes) | tag (16 bytes)
//! ```
//!
//! `tag` is the first 16 bytes of HMAC-SHA256 over the domain string
//! `xiaodai/borrower-link/v1` followed by every byte before the tag, keyed
//! with `borrower_link.secret`. The token carries no personal data; the page
//! shows only the borrower's masked name and the loan's figures. Any change
//! to a byte, a wrong key, or an expired time makes [`BorrowerLinks::verify`]
//! refuse it; the route answers 404 `link_invalid` either way (no hint which).

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::BorrowerLinkConfig;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const DOMAIN: &[u8] = b"xiaodai/borrower-link/v1";
const TAG_LEN: usize = 16;
const HEAD_LEN: usize = 1 + 4 + 8;

/// Issues and checks borrower links with one key.
#[derive(Clone)]
pub struct BorrowerLinks {
    key: Vec<u8>,
}

impl std::fmt::Debug for BorrowerLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BorrowerLinks([redacted])")
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BorrowerLink {
    pub tenant: String,
    pub loan_id: i64,
    pub expires_at: DateTime<Utc>,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Malformed, forged or signed with another key.
    #[error("the link is not valid")]
    Invalid,
    /// Genuine but past its expiry.
    #[error("the link has expired")]
    Expired,
}

impl BorrowerLinks {
    /// Links signed with `key`.
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// The configured key, or when none is set a random key shared by the
    /// whole process (links then die with it).
    pub fn from_config(cfg: &BorrowerLinkConfig) -> Self {
        let secret = cfg.secret.expose();
        if secret.is_empty() {
            // One random key per process, shared by every caller in it (the
            // route that checks links and close of business that issues them).
            static PROCESS_KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let key = PROCESS_KEY.get_or_init(|| {
                tracing::warn!(
                    "borrower_link.secret is not set: borrower links work only until this process stops"
                );
                let mut key = vec![0u8; 32];
                rand::thread_rng().fill_bytes(&mut key);
                key
            });
            Self { key: key.clone() }
        } else {
            Self::new(secret.as_bytes())
        }
    }

    fn tag(&self, signed: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(DOMAIN);
        mac.update(signed);
        mac
    }

    /// A token for a tenant's loan, valid until `expires_at` (clamped to
    /// what 32 bits of seconds can hold).
    pub fn issue(&self, tenant: &str, loan_id: i64, expires_at: DateTime<Utc>) -> String {
        let expiry = u32::try_from(expires_at.timestamp().max(0)).unwrap_or(u32::MAX);
        let mut bytes = Vec::with_capacity(HEAD_LEN + tenant.len() + TAG_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&expiry.to_be_bytes());
        bytes.extend_from_slice(&loan_id.to_be_bytes());
        bytes.extend_from_slice(tenant.as_bytes());
        let tag = self.tag(&bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Checks a token now.
    pub fn verify(&self, token: &str) -> Result<BorrowerLink, LinkError> {
        self.verify_at(token, Utc::now())
    }

    /// Checks a token at a given moment.
    pub fn verify_at(&self, token: &str, now: DateTime<Utc>) -> Result<BorrowerLink, LinkError> {
        if token.len() > 200 {
            return Err(LinkError::Invalid);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| LinkError::Invalid)?;
        if bytes.len() < HEAD_LEN + 2 + TAG_LEN || bytes[0] != VERSION {
            return Err(LinkError::Invalid);
        }
        let (signed, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        self.tag(signed)
            .verify_truncated_left(tag)
            .map_err(|_| LinkError::Invalid)?;
        let expiry = u32::from_be_bytes(signed[1..5].try_into().map_err(|_| LinkError::Invalid)?);
        let loan_id = i64::from_be_bytes(signed[5..13].try_into().map_err(|_| LinkError::Invalid)?);
        let tenant = std::str::from_utf8(&signed[HEAD_LEN..]).map_err(|_| LinkError::Invalid)?;
        let expires_at = Utc
            .timestamp_opt(i64::from(expiry), 0)
            .single()
            .ok_or(LinkError::Invalid)?;
        if expires_at <= now {
            return Err(LinkError::Expired);
        }
        Ok(BorrowerLink {
            tenant: tenant.to_string(),
            loan_id,
            expires_at,
        })
    }

    /// The full URL of a token under the public base URL.
    pub fn url(&self, public_url: &str, token: &str) -> String {
        format!("{}/b/{token}", public_url.trim_end_matches('/'))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let links = BorrowerLinks::new(b"0123456789abcdef0123456789abcdef");
        let token = links.issue("demo_firm", 42, at(2_000_000_000));
        assert!(token.len() < 70, "{token} is too long for an SMS");
        let link = links.verify_at(&token, at(1_999_999_999)).unwrap();
        assert_eq!(
            link,
            BorrowerLink {
                tenant: "demo_firm".into(),
                loan_id: 42,
                expires_at: at(2_000_000_000)
            }
        );
        assert_eq!(
            links.verify_at(&token, at(2_000_000_000)),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn tampered_or_foreign_tokens_are_invalid() {
        let links = BorrowerLinks::new(b"0123456789abcdef0123456789abcdef");
        let other = BorrowerLinks::new(b"another key, also long enough!!!");
        let token = links.issue("demo", 7, at(2_000_000_000));
        let now = at(1_000_000_000);
        assert_eq!(other.verify_at(&token, now), Err(LinkError::Invalid));
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&token)
            .unwrap();
        bytes[8] ^= 1; // another loan id
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(links.verify_at(&forged, now), Err(LinkError::Invalid));
        for junk in ["", "abc", "!!!!", &"A".repeat(300)] {
            assert_eq!(
                links.verify_at(junk, now),
                Err(LinkError::Invalid),
                "{junk}"
            );
        }
    }
}
