//! Signed, expiring links sent by email (sign-up verification, regulators'
//! invitations): `<subject>.<expiry>.<signature>`, the signature an
//! HMAC-SHA256 over purpose, subject and expiry with the configured key
//! (`subscription.link_secret`). A link proves who it was issued for and
//! until when; whether it was already used is the caller's record to check.

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks links with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner([redacted])")
    }
}

/// A link that checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedLink {
    /// The record the link is for (a sign-up id, an invitation id ...).
    pub subject: i64,
    pub expires_at: DateTime<Utc>,
}

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Malformed, forged, or for another purpose.
    #[error("the link is not valid")]
    Invalid,
    /// Genuine but past its expiry.
    #[error("the link has expired")]
    Expired(SignedLink),
}

impl LinkSigner {
    /// A signer with the configured key; an empty key gets a random one
    /// shared by the whole process (links then die with it — fine for
    /// development only).
    pub fn new(secret: &Secret) -> Self {
        let key = if secret.expose().is_empty() {
            static PROCESS_KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            PROCESS_KEY
                .get_or_init(|| {
                    tracing::warn!("subscription.link_secret is not set: emailed links will not survive a restart or work across instances");
                    let mut key = vec![0u8; 32];
                    rand::thread_rng().fill_bytes(&mut key);
                    key
                })
                .clone()
        } else {
            secret.expose().as_bytes().to_vec()
        };
        Self { key }
    }

    fn mac(&self, purpose: &str, subject: i64, expires: i64) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("xiaodai-link-v1\n{purpose}\n{subject}\n{expires}").as_bytes());
        mac
    }

    /// A token for `subject`, valid for `purpose` until `expires_at`.
    pub fn sign(&self, purpose: &str, subject: i64, expires_at: DateTime<Utc>) -> String {
        let expires = expires_at.timestamp();
        let signature = self.mac(purpose, subject, expires).finalize().into_bytes();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature);
        format!("{subject}.{expires}.{signature}")
    }

    /// Checks a token's signature (in constant time), then its expiry.
    pub fn verify(&self, purpose: &str, token: &str) -> Result<SignedLink, LinkError> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(subject), Some(expires), Some(signature)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let subject: i64 = subject.parse().map_err(|_| LinkError::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| LinkError::Invalid)?;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkError::Invalid)?;
        self.mac(purpose, subject, expires)
            .verify_slice(&signature)
            .map_err(|_| LinkError::Invalid)?;
        let expires_at = Utc
            .timestamp_opt(expires, 0)
            .single()
            .ok_or(LinkError::Invalid)?;
        let link = SignedLink {
            subject,
            expires_at,
        };
        if expires_at <= Utc::now() {
            return Err(LinkError::Expired(link));
        }
        Ok(link)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn signer() -> LinkSigner {
        LinkSigner::new(&Secret::new("k".repeat(40)))
    }

    #[test]
    fn a_signed_link_verifies_for_its_purpose_only() {
        let s = signer();
        let exp = Utc::now() + chrono::Duration::hours(1);
        let token = s.sign("signup", 42, exp);
        let link = s.verify("signup", &token).unwrap();
        assert_eq!(link.subject, 42);
        assert_eq!(link.expires_at.timestamp(), exp.timestamp());
        assert_eq!(s.verify("invite", &token), Err(LinkError::Invalid));
        let other = LinkSigner::new(&Secret::new("x".repeat(40)));
        assert_eq!(other.verify("signup", &token), Err(LinkError::Invalid));
    }

    #[test]
    fn tampered_or_expired_links_are_refused() {
        let s = signer();
        let token = s.sign("signup", 7, Utc::now() + chrono::Duration::hours(1));
        let tampered = token.replacen('7', "8", 1);
        assert_eq!(s.verify("signup", &tampered), Err(LinkError::Invalid));
        assert_eq!(s.verify("signup", "garbage"), Err(LinkError::Invalid));
        let old = s.sign("signup", 7, Utc::now() - chrono::Duration::seconds(1));
        assert!(matches!(
            s.verify("signup", &old),
            Err(LinkError::Expired(SignedLink { subject: 7, .. }))
        ));
    }
}
