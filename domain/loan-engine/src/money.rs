//! Money and rate helpers: half-up rounding to the fen, strict parsing of plain decimals, fixed-decimal formatting.
//!
//! Every amount is the exact value of its formula rounded once, half-up (四舍五入), to 0.01.
//! Formulas multiply before they divide (`B·R/12`, never `B·(R/12)`) so that, with a 28-digit
//! decimal, the value rounded is the exact one.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{EngineError, EngineResult};

/// Builds a small non-negative decimal constant `n / 10^scale` at compile time.
pub(crate) const fn dec(n: u32, scale: u32) -> Decimal {
    Decimal::from_parts(n, 0, 0, false, scale)
}

/// 12, the months of a year (monthly period rate `R/12`).
pub(crate) const TWELVE: Decimal = dec(12, 0);
/// 30, days of a month on the APR time axis (`days/30` months).
pub(crate) const THIRTY: Decimal = dec(30, 0);

/// Largest amount the product stores (`NUMERIC(18,2)`): 9,999,999,999,999,999.99.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_808_348_671, 232_830_643, 0, false, 2);

/// Rounds an exact amount half-up (away from zero at the midpoint) to 0.01; never returns a negative zero.
pub fn round_fen(x: Decimal) -> Decimal {
    let r = x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        Decimal::ZERO
    } else {
        r
    }
}

/// Rounds a rate half-up to 4 decimals (how APRs and ratios are reported).
pub fn round_rate4(x: Decimal) -> Decimal {
    let r = x.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        Decimal::ZERO
    } else {
        r
    }
}

/// True when `x` has at most `dp` decimal places by value (`1.200` has two).
pub fn has_at_most_dp(x: Decimal, dp: u32) -> bool {
    x.normalize().scale() <= dp
}

/// `round(a·b·multiplier/divisor)` half-up to 0.01, exactly: the product is formed in 128-bit
/// integers and divided once ("multiply before divide"), so no digit of the exact value is lost.
///
/// Falls back to 28-digit decimal arithmetic only if the integers would overflow (amounts far
/// beyond `NUMERIC(18,2)`).
pub fn round_fen_of(a: Decimal, b: Decimal, multiplier: i64, divisor: i64) -> Decimal {
    exact_round_fen(a, b, multiplier, divisor)
        .unwrap_or_else(|| round_fen(a * b * Decimal::from(multiplier) / Decimal::from(divisor)))
}

fn exact_round_fen(a: Decimal, b: Decimal, multiplier: i64, divisor: i64) -> Option<Decimal> {
    if divisor <= 0 {
        return None;
    }
    // value = num / (divisor · 10^scale); fen = value · 100.
    let num = a
        .mantissa()
        .checked_mul(b.mantissa())?
        .checked_mul(i128::from(multiplier))?;
    let scale = a.scale() + b.scale();
    let (num, den) = if scale >= 2 {
        (
            num,
            i128::from(divisor).checked_mul(10i128.checked_pow(scale - 2)?)?,
        )
    } else {
        (
            num.checked_mul(10i128.checked_pow(2 - scale)?)?,
            i128::from(divisor),
        )
    };
    let magnitude = num.unsigned_abs();
    let den = den.unsigned_abs();
    // Half-up (away from zero): floor(|num|/den + 1/2).
    let q = magnitude.checked_mul(2)?.checked_add(den)? / den.checked_mul(2)?;
    let q = i128::try_from(q).ok()?;
    let fen = Decimal::try_from_i128_with_scale(if num < 0 { -q } else { q }, 2).ok()?;
    Some(if fen.is_zero() { Decimal::ZERO } else { fen })
}

/// `round(B·R·months/12)`: interest on `balance` for a whole number of months.
pub fn interest_for_months(balance: Decimal, annual_rate: Decimal, months: u32) -> Decimal {
    round_fen_of(balance, annual_rate, i64::from(months), 12)
}

/// `round(B·R·days/360)`: interest on `balance` for actual days (算头不算尾).
pub fn interest_for_days(balance: Decimal, annual_rate: Decimal, days: i64) -> Decimal {
    round_fen_of(balance, annual_rate, days, 360)
}

/// Why a string is not an acceptable plain decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainError {
    NotPlain,
    TooManyDecimals,
    TooLarge,
}

/// Parses `-?digits(.digits)?` with at most `max_dp` decimals and 16 integer digits; rejects exponents, `+`, spaces, `.5`, `5.`.
fn parse_plain(s: &str, max_dp: usize) -> Result<Decimal, PlainError> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part) || frac_part.is_some_and(|f| !digits(f)) {
        return Err(PlainError::NotPlain);
    }
    if frac_part.is_some_and(|f| f.len() > max_dp) {
        return Err(PlainError::TooManyDecimals);
    }
    if int_part.trim_start_matches('0').len() > 16 {
        return Err(PlainError::TooLarge);
    }
    s.parse::<Decimal>().map_err(|_| PlainError::NotPlain)
}

/// Parses a money string: a plain decimal with at most 2 decimals (`"1000"`, `"1000.5"`, `"-3.20"`); refuses `"1e5"`, `"1.005"`, `" 1"`.
pub fn parse_amount(s: &str, field: &'static str, code: &'static str) -> EngineResult<Decimal> {
    parse_plain(s, 2).map_err(|e| {
        let why = match e {
            PlainError::NotPlain => "must be a plain decimal number such as 10000 or 10000.50",
            PlainError::TooManyDecimals => "may have at most 2 decimal places",
            PlainError::TooLarge => "is too large (at most 16 integer digits)",
        };
        EngineError::new(field, code, format!("{field} {why} (got {s:?})"))
    })
}

/// Parses an annual rate string: a plain decimal fraction with at most 6 decimals (`"0.12"` = 12 %), as stored in `NUMERIC(10,6)`.
pub fn parse_rate(s: &str, field: &'static str, code: &'static str) -> EngineResult<Decimal> {
    parse_plain(s, 6).map_err(|e| {
        let why = match e {
            PlainError::NotPlain => "must be a plain decimal fraction such as 0.12 for 12 % a year",
            PlainError::TooManyDecimals => "may have at most 6 decimal places",
            PlainError::TooLarge => "is too large",
        };
        EngineError::new(field, code, format!("{field} {why} (got {s:?})"))
    })
}

/// Formats an amount with exactly two decimals (`"1234.50"`), rounding half-up first.
pub fn format_amount(x: Decimal) -> String {
    let mut r = round_fen(x);
    r.rescale(2);
    r.to_string()
}

/// Formats a rate with exactly four decimals (`"0.0490"`), rounding half-up first.
pub fn format_rate(x: Decimal) -> String {
    let mut r = round_rate4(x);
    r.rescale(4);
    r.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn multiply_before_divide_gives_the_exact_value() {
        // LOAN-MATH: B = 100,000.20, R = 10 %: B·R/12 = 833.335 exactly → 833.34.
        assert_eq!(
            interest_for_months(dec!(100000.20), dec!(0.10), 1),
            dec!(833.34)
        );
        // The other order loses the exact midpoint.
        assert_eq!(
            round_fen(dec!(100000.20) * (dec!(0.10) / dec!(12))),
            dec!(833.33)
        );
    }

    #[test]
    fn integer_rounding_matches_decimal_rounding() {
        let cases = [
            (dec!(100000.20), dec!(0.10), 1, 12),
            (dec!(10000), dec!(0.18), 10, 360),
            (dec!(0.01), dec!(0.000001), 1, 360),
            (dec!(9999999999999999.99), dec!(1), 3650, 360),
            (dec!(-2.5), dec!(0.01), 1, 1),
            (dec!(1234.5), dec!(1), 1, 1),
            (dec!(0.005), dec!(1), 1, 1),
            (dec!(2), dec!(1), 1, 3),
        ];
        for (a, b, m, d) in cases {
            let exact = exact_round_fen(a, b, m, d).unwrap();
            assert_eq!(
                exact,
                round_fen(a * b * Decimal::from(m) / Decimal::from(d)),
                "{a}·{b}·{m}/{d}"
            );
        }
        assert_eq!(round_fen_of(dec!(2), dec!(1), 1, 3), dec!(0.67));
        assert_eq!(round_fen_of(dec!(-0.004), dec!(1), 1, 1).to_string(), "0");
    }

    #[test]
    fn half_up_rounding() {
        assert_eq!(round_fen(dec!(0.005)), dec!(0.01));
        assert_eq!(round_fen(dec!(0.0049999)), dec!(0.00));
        assert_eq!(round_fen(dec!(-0.005)), dec!(-0.01));
        assert_eq!(round_fen(dec!(-0.001)).to_string(), "0");
        assert_eq!(round_rate4(dec!(0.04905)), dec!(0.0491));
    }

    #[test]
    fn max_amount_is_numeric_18_2() {
        assert_eq!(MAX_AMOUNT, dec!(9999999999999999.99));
    }

    #[test]
    fn plain_amounts_only() {
        let ok = |s: &str| parse_amount(s, "principal", "invalid_principal");
        assert_eq!(ok("100000").unwrap(), dec!(100000));
        assert_eq!(ok("100000.5").unwrap(), dec!(100000.5));
        assert_eq!(ok("-3.20").unwrap(), dec!(-3.20));
        assert_eq!(ok("0.01").unwrap(), dec!(0.01));
        for bad in [
            "1e5", "1.005", "", " 1", "1 ", "+1", ".5", "5.", "1,000", "0x10", "--1", "1.2.3",
            "NaN",
        ] {
            let e = ok(bad).unwrap_err();
            assert_eq!(e.field, Some("principal"), "{bad}");
            assert_eq!(e.code, "invalid_principal", "{bad}");
        }
        assert!(ok("12345678901234567").is_err());
        assert_eq!(ok("0001").unwrap(), dec!(1));
    }

    #[test]
    fn plain_rates_only() {
        let ok = |s: &str| parse_rate(s, "rate", "invalid_rate");
        assert_eq!(ok("0.049").unwrap(), dec!(0.049));
        assert_eq!(ok("0.123456").unwrap(), dec!(0.123456));
        assert!(ok("0.1234567").is_err());
        assert!(ok("4.9%").is_err());
        assert!(ok("4.9e-2").is_err());
    }

    #[test]
    fn fixed_decimal_formatting() {
        assert_eq!(format_amount(dec!(5307.27)), "5307.27");
        assert_eq!(format_amount(dec!(1)), "1.00");
        assert_eq!(format_amount(dec!(0)), "0.00");
        assert_eq!(format_amount(dec!(2.345)), "2.35");
        assert_eq!(format_rate(dec!(0.049)), "0.0490");
        assert_eq!(format_rate(dec!(0)), "0.0000");
    }
}
