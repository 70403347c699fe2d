//! Building a filing's rows: amounts rounded to the fen, ratios to six decimals, counts.

use ledger_rules::round_money;
use rust_decimal::{Decimal, RoundingStrategy};
use supervision_metrics::filing::FilingRow;

/// An amount as decimal text with two decimals.
pub fn amount(d: Decimal) -> Option<String> {
    let mut v = round_money(d);
    v.rescale(2);
    Some(v.to_string())
}

/// A ratio to six decimals (half away from zero); none when the denominator is not positive.
pub fn ratio(numerator: Decimal, denominator: Decimal) -> Option<String> {
    if denominator <= Decimal::ZERO {
        return None;
    }
    let mut v =
        (numerator / denominator).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
    v.rescale(6);
    Some(v.to_string())
}

/// A rate as stored, to six decimals.
pub fn rate(r: Decimal) -> Option<String> {
    let mut v = r.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
    v.rescale(6);
    Some(v.to_string())
}

/// A count.
pub fn count(n: i64) -> Option<String> {
    Some(n.to_string())
}

/// A row.
pub fn row(key: &str, label: &str, values: Vec<Option<String>>) -> FilingRow {
    FilingRow {
        key: key.to_string(),
        label: label.to_string(),
        values,
    }
}
