//! Rounding of money: half-up (四舍五入) to the fen.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds an exact amount half-up to 0.01.
pub fn round_money(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Whether an amount is a whole number of fen (at most 2 significant decimal places).
pub(crate) fn is_whole_fen(amount: Decimal) -> bool {
    amount.normalize().scale() <= 2
}
