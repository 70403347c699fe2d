//! Chinese resident identity card number (居民身份证号码, GB 11643-1999).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{today_in_china, IdentifierError};

const FIELD: &str = "id_card_number";
const CODE: &str = "invalid_id_card";
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// A valid 18-character resident ID number; the check character is always upper case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNumber {
    value: String,
    birth_date: NaiveDate,
}

/// The holder's sex as encoded in the 17th character (odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl IdCardNumber {
    /// Parses an ID number, checking birth dates against today's date in China (UTC+8).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        Self::parse_as_of(input, today_in_china())
    }

    /// Parses an ID number whose birth date must not be after `today` (pure variant of `parse`).
    pub fn parse_as_of(input: &str, today: NaiveDate) -> Result<Self, IdentifierError> {
        let s = input.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 18 || !s.is_ascii() {
            return Err(invalid("must be 18 characters"));
        }
        let (body, check) = bytes.split_at(17);
        if !body.iter().all(u8::is_ascii_digit) {
            return Err(invalid("the first 17 characters must be digits"));
        }
        let check = check[0].to_ascii_uppercase();
        if !(check.is_ascii_digit() || check == b'X') {
            return Err(invalid("the last character must be a digit or X"));
        }
        if !(b'1'..=b'8').contains(&body[0]) {
            return Err(invalid("the region code must start with 1 to 8"));
        }
        let birth_date = birth_date_of(&body[6..14])
            .ok_or_else(|| invalid("the birth date is not a valid date"))?;
        if birth_date.year() < 1900 {
            return Err(invalid("the birth date is before 1900"));
        }
        if birth_date > today {
            return Err(invalid("the birth date is in the future"));
        }
        if check_char(body) != check {
            return Err(invalid("the check character does not match"));
        }
        let mut value = String::with_capacity(18);
        value.push_str(&s[..17]);
        value.push(char::from(check));
        Ok(Self { value, birth_date })
    }

    /// The normalised number (upper-case X).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The 6-digit administrative region code of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.value[..6]
    }

    /// The holder's date of birth.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The holder's sex (17th character odd = male).
    pub fn sex(&self) -> Sex {
        let digit = self.value.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number with its middle eight characters hidden, e.g. `110101********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.value[..6], &self.value[14..])
    }
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits.
fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn birth_date_of(digits: &[u8]) -> Option<NaiveDate> {
    let n = |r: std::ops::Range<usize>| {
        digits[r]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(n(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, n(4..6), n(6..8))
}

fn invalid(message: &str) -> IdentifierError {
    IdentifierError::new(FIELD, CODE, message)
}

impl fmt::Display for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// Debug output is masked so that logs never carry a full ID number.
impl fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

impl AsRef<str> for IdCardNumber {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

impl std::str::FromStr for IdCardNumber {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IdCardNumber {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IdCardNumber> for String {
    fn from(id: IdCardNumber) -> Self {
        id.value
    }
}
