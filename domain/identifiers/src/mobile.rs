//! Mainland China mobile phone number (11 digits, 1[3-9]xxxxxxxxx).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::IdentifierError;

const FIELD: &str = "mobile";
const CODE: &str = "invalid_mobile";

/// A mainland mobile number, stored as its 11 digits without country code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    /// Parses a mobile number; a leading `+86` or `0086` (optionally followed by a space or hyphen) is dropped.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = input.trim();
        let s = s
            .strip_prefix("+86")
            .or_else(|| s.strip_prefix("0086"))
            .map(|rest| rest.strip_prefix([' ', '-']).unwrap_or(rest))
            .unwrap_or(s);
        let bytes = s.as_bytes();
        if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(invalid("must be 11 digits"));
        }
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(invalid("must start with 13 to 19"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle four digits hidden, e.g. `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

fn invalid(message: &str) -> IdentifierError {
    IdentifierError::new(FIELD, CODE, message)
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug output is masked so that logs never carry a full phone number.
impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

impl AsRef<str> for MobileNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for MobileNumber {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for MobileNumber {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<MobileNumber> for String {
    fn from(m: MobileNumber) -> Self {
        m.0
    }
}
