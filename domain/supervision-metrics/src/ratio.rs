//! A ratio together with the figures it comes from.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Numerator, denominator and their quotient, half-up to 6 decimals; no value when the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    /// The numerator.
    pub numerator: Decimal,
    /// The denominator.
    pub denominator: Decimal,
    /// numerator ÷ denominator, 6 decimals half-up; `None` when the denominator is zero.
    pub value: Option<Decimal>,
}

impl Ratio {
    /// The ratio of two figures.
    pub fn of(numerator: Decimal, denominator: Decimal) -> Self {
        let value = (!denominator.is_zero()).then(|| {
            (numerator / denominator)
                .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
        });
        Self {
            numerator,
            denominator,
            value,
        }
    }
}
