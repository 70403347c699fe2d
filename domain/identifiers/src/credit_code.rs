//! Unified social credit code of an organisation (统一社会信用代码, GB 32100-2015).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::IdentifierError;

const FIELD: &str = "credit_code";
const CODE: &str = "invalid_credit_code";
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const AUTHORITIES: &[u8] = b"123456789ANY";

/// A valid 18-character unified social credit code, stored in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code; lower-case letters are accepted and upper-cased.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let s = input.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 18 || !s.is_ascii() {
            return Err(invalid("must be 18 characters"));
        }
        let mut values = [0u32; 18];
        for (value, c) in values.iter_mut().zip(bytes) {
            *value = value_of(*c).ok_or_else(|| {
                invalid("only digits and the letters A-Y without I, O, Z, S, V are allowed")
            })?;
        }
        if !AUTHORITIES.contains(&bytes[0]) {
            return Err(invalid("unknown registration authority code"));
        }
        if !(b'1'..=b'9').contains(&bytes[1]) {
            return Err(invalid("the organisation type code must be a digit 1-9"));
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(invalid("the region code (characters 3-8) must be digits"));
        }
        if check_value(&values[..17]) != values[17] {
            return Err(invalid("the check character does not match"));
        }
        Ok(Self(s))
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority code (登记管理部门代码), e.g. `'9'` for market regulation.
    pub fn authority_code(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// The organisation type code (机构类别代码) within its authority, e.g. `'1'` for an enterprise.
    pub fn type_code(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// The 6-digit administrative region code (characters 3-8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The 9-character organisation code (characters 9-17).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|a| *a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check value: 31 − (Σ value·weight mod 31), with 31 written as 0.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

fn invalid(message: &str) -> IdentifierError {
    IdentifierError::new(FIELD, CODE, message)
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for CreditCode {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}
