//! A lending company's short code on the platform; it names its schema and database role.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::IdentifierError;

const FIELD: &str = "tenant_code";
const RESERVED: &[&str] = &[
    "platform",
    "supervision",
    "public",
    "shared",
    "ops",
    "admin",
    "api",
    "www",
    "system",
    "root",
    "postgres",
    "information_schema",
    "demo_template",
];

/// A tenant code: 2–30 characters of `a-z`, `0-9` and `_`, starting with a letter, not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantCode(String);

impl TenantCode {
    /// Parses a tenant code; upper-case letters are refused, not folded.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = input.trim();
        let bytes = s.as_bytes();
        if !(2..=30).contains(&bytes.len()) {
            return Err(invalid("must be 2 to 30 characters"));
        }
        if !bytes[0].is_ascii_lowercase() {
            return Err(invalid("must start with a lower-case letter a-z"));
        }
        if !bytes
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        {
            return Err(invalid(
                "only lower-case letters a-z, digits and underscore are allowed",
            ));
        }
        if RESERVED.contains(&s) || s.starts_with("pg_") {
            return Err(IdentifierError::new(
                FIELD,
                "reserved_tenant_code",
                format!("`{s}` is reserved"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tenant's PostgreSQL schema name, `t_<code>`.
    pub fn schema_name(&self) -> String {
        format!("t_{}", self.0)
    }
}

fn invalid(message: &str) -> IdentifierError {
    IdentifierError::new(FIELD, "invalid_tenant_code", message)
}

impl fmt::Display for TenantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TenantCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for TenantCode {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TenantCode {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TenantCode> for String {
    fn from(code: TenantCode) -> Self {
        code.0
    }
}
