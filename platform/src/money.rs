//! Money and rate types of the API. On the wire both are JSON strings
//! ("1234.50", "0.120000"); a JSON number is refused, so no client can lose a
//! fen to binary floating point. In the database: NUMERIC(18,2) / NUMERIC(10,6).

use std::{borrow::Cow, fmt, str::FromStr};

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type},
};
use rust_decimal::Decimal;
use serde_json::Value;

/// The largest magnitude NUMERIC(18,2) holds.
fn money_limit() -> Decimal {
    Decimal::new(10_000_000_000_000_000, 0)
}

/// An amount of CNY with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Money(Decimal);

/// An annual rate as a decimal fraction (0.12 = 12 %), at most six decimals, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Rate(Decimal);

/// Why a money or rate string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("expected a decimal string such as \"1234.50\"")]
    NotADecimal,
    #[error("at most {0} decimal places")]
    TooManyDecimals(u32),
    #[error("out of range")]
    OutOfRange,
}

fn parse_plain_decimal(s: &str) -> Result<Decimal, AmountError> {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let valid = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.');
    if !valid || t != s {
        return Err(AmountError::NotADecimal);
    }
    Decimal::from_str(t).map_err(|_| AmountError::NotADecimal)
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(Decimal::ZERO);
    /// Accepts a decimal with at most two places within NUMERIC(18,2).
    pub fn new(value: Decimal) -> Result<Self, AmountError> {
        if value.normalize().scale() > 2 {
            return Err(AmountError::TooManyDecimals(2));
        }
        if value.abs() >= money_limit() {
            return Err(AmountError::OutOfRange);
        }
        let mut v = value;
        v.rescale(2);
        Ok(Money(v))
    }
    /// The amount.
    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl FromStr for Money {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::new(parse_plain_decimal(s)?)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = self.0;
        v.rescale(2);
        write!(f, "{v}")
    }
}

impl Rate {
    /// Accepts a rate from 0 to 1 with at most six places.
    pub fn new(value: Decimal) -> Result<Self, AmountError> {
        if value.normalize().scale() > 6 {
            return Err(AmountError::TooManyDecimals(6));
        }
        if value.is_sign_negative() && !value.is_zero() || value > Decimal::ONE {
            return Err(AmountError::OutOfRange);
        }
        Ok(Rate(value.normalize()))
    }
    /// The rate as a fraction.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Rate {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::new(parse_plain_decimal(s)?)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = self.0;
        v.rescale(6);
        write!(f, "{v}")
    }
}

macro_rules! string_decimal_type {
    ($ty:ident, $name:literal, $format:literal, $example:literal) => {
        impl Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;
            fn name() -> Cow<'static, str> {
                $name.into()
            }
            fn schema_ref() -> MetaSchemaRef {
                let mut schema = MetaSchema::new_with_format("string", $format);
                schema.example = Some(Value::String($example.into()));
                MetaSchemaRef::Inline(Box::new(schema))
            }
            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }
            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromJSON for $ty {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(s)) => s
                        .parse()
                        .map_err(|e: AmountError| ParseError::custom(e.to_string())),
                    Some(Value::Number(_)) => Err(ParseError::custom(concat!(
                        "a JSON number is not accepted; send the ",
                        $name,
                        " as a string such as \"",
                        $example,
                        "\""
                    ))),
                    other => Err(ParseError::expected_type(other.unwrap_or_default())),
                }
            }
        }

        impl ParseFromParameter for $ty {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                value
                    .parse()
                    .map_err(|e: AmountError| ParseError::custom(e.to_string()))
            }
        }

        impl ToJSON for $ty {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.to_string()))
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_decimal_type!(Money, "money", "decimal", "1234.50");
string_decimal_type!(Rate, "rate", "decimal", "0.120000");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_accepts_plain_strings_with_two_places() {
        assert_eq!("1234.5".parse::<Money>().unwrap().to_string(), "1234.50");
        assert_eq!("0.01".parse::<Money>().unwrap().to_string(), "0.01");
        assert_eq!("1.230".parse::<Money>().unwrap().to_string(), "1.23");
    }

    #[test]
    fn money_refuses_everything_else() {
        for bad in ["1.234", "1e5", "", " 1", "abc", "1.", ".5", "1,000", "+1"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
        assert_eq!(
            "10000000000000000".parse::<Money>(),
            Err(AmountError::OutOfRange)
        );
        assert!(Money::parse_from_json(Some(serde_json::json!(12.5))).is_err());
        assert!(Money::parse_from_json(Some(serde_json::json!("12.50"))).is_ok());
    }

    #[test]
    fn rate_is_a_fraction_from_zero_to_one() {
        assert_eq!("0.12".parse::<Rate>().unwrap().to_string(), "0.120000");
        assert!("1.5".parse::<Rate>().is_err());
        assert!("-0.1".parse::<Rate>().is_err());
        assert!("0.1234567".parse::<Rate>().is_err());
    }
}

/// A decimal sent as a JSON string and passed on unparsed, for inputs whose
/// validation (with the field named) happens in the domain code; a JSON number
/// is refused like for [`Money`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalText(pub String);

impl Type for DecimalText {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;
    fn name() -> Cow<'static, str> {
        "decimal_text".into()
    }
    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("string", "decimal");
        schema.example = Some(Value::String("1000.00".into()));
        MetaSchemaRef::Inline(Box::new(schema))
    }
    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for DecimalText {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(DecimalText(s)),
            Some(Value::Number(_)) => Err(ParseError::custom(
                "a JSON number is not accepted; send the decimal as a string such as \"1000.00\"",
            )),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for DecimalText {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}
