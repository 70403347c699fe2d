//! An e-mail address, checked the practical way (no quoted local parts, no IP literals).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::IdentifierError;

const FIELD: &str = "email";
const CODE: &str = "invalid_email";
const LOCAL_SPECIALS: &[u8] = b"!#$%&'*+/=?^_`{|}~.-";

/// An ASCII e-mail address `local@domain.tld`; the domain is stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address: one `@`, a dot-atom local part of at most 64 characters, a domain of
    /// at least two labels with an alphabetic top-level label, 254 characters in all.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = input.trim();
        if s.is_empty() || s.len() > 254 || !s.is_ascii() {
            return Err(invalid("must be 1 to 254 ASCII characters"));
        }
        let (local, domain) = match s.split_once('@') {
            Some((l, d)) if !d.contains('@') => (l, d),
            _ => return Err(invalid("must contain exactly one @")),
        };
        if !valid_local(local) {
            return Err(invalid("the part before @ is not valid"));
        }
        let domain = domain.to_ascii_lowercase();
        if !valid_domain(&domain) {
            return Err(invalid("the domain is not valid"));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The address, domain in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part (after the `@`).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

fn valid_local(local: &str) -> bool {
    let b = local.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()));
    labels.len() >= 2
        && tld_ok
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

fn invalid(message: &str) -> IdentifierError {
    IdentifierError::new(FIELD, CODE, message)
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> Self {
        e.0
    }
}
