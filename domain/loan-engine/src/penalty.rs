//! Penalty interest (罚息) and compound interest (复利) over a payment history, by segments.
//!
//! The charge an installment owes as of date `t` (what a payment made on `t` must pay) is
//! `round(Σ_x unpaid(x) · rate / 360)` over the days `due ≤ x < t`, where `unpaid(x)` is what is
//! still unpaid after the payments made on or before day `x`. The sum of balance×days is exact and is
//! computed segment by segment between payment dates; it is rounded once, never day by day.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::dates::days_between;
use crate::fees::grace_expired_unpaid;
use crate::money::round_fen_of;

/// `Σ_{due ≤ x < as_of} (amount − paid on or before x)`, the exact balance×days of an overdue amount.
///
/// `payments` are (date, amount) pairs paying this amount, in non-decreasing date order; payments
/// on or after `as_of` do not count.
pub fn balance_days(
    due: NaiveDate,
    amount: Decimal,
    payments: &[(NaiveDate, Decimal)],
    as_of: NaiveDate,
) -> Decimal {
    if as_of <= due {
        return Decimal::ZERO;
    }
    let mut unpaid = amount;
    let mut cursor = due;
    let mut sum = Decimal::ZERO;
    for &(date, paid) in payments {
        if date >= as_of {
            break;
        }
        if date > cursor {
            sum += unpaid.max(Decimal::ZERO) * Decimal::from(days_between(cursor, date));
            cursor = date;
        }
        unpaid -= paid;
    }
    sum + unpaid.max(Decimal::ZERO) * Decimal::from(days_between(cursor, as_of))
}

/// `round(balance_days · annual_rate / 360)`: the one rounding of a penalty or compound interest.
pub fn charge_for_balance_days(balance_days: Decimal, annual_rate: Decimal) -> Decimal {
    round_fen_of(balance_days, annual_rate, 1, 360)
}

/// Penalty and compound interest of one installment as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OverdueCharges {
    /// Penalty interest on its overdue principal.
    pub penalty: Decimal,
    /// Compound interest on its overdue interest (zero when the product does not charge it).
    pub compound_interest: Decimal,
}

/// What one installment is charged for lateness as of `as_of`.
#[derive(Debug, Clone, Copy)]
pub struct OverdueInput<'a> {
    /// Its due date.
    pub due: NaiveDate,
    /// Its scheduled principal.
    pub principal: Decimal,
    /// Its scheduled interest.
    pub interest: Decimal,
    /// Payments of its principal, date order.
    pub principal_payments: &'a [(NaiveDate, Decimal)],
    /// Payments of its interest, date order.
    pub interest_payments: &'a [(NaiveDate, Decimal)],
    /// The date its principal and interest became fully paid, if they did.
    pub settled_on: Option<NaiveDate>,
}

/// Penalty and compound interest as of `as_of`: zero while within grace or when settled by `due + grace_days`, otherwise counted from the due date.
pub fn overdue_charges(
    input: &OverdueInput<'_>,
    penalty_rate: Decimal,
    grace_days: u32,
    compound: bool,
    as_of: NaiveDate,
) -> OverdueCharges {
    if !grace_expired_unpaid(input.due, grace_days, input.settled_on, as_of) {
        return OverdueCharges::default();
    }
    let penalty = charge_for_balance_days(
        balance_days(input.due, input.principal, input.principal_payments, as_of),
        penalty_rate,
    );
    let compound_interest = if compound {
        charge_for_balance_days(
            balance_days(input.due, input.interest, input.interest_payments, as_of),
            penalty_rate,
        )
    } else {
        Decimal::ZERO
    };
    OverdueCharges {
        penalty,
        compound_interest,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn loan_math_examples() {
        let due = d("2026-03-10");
        let rate = dec!(0.18);
        let full = [(d("2026-03-20"), dec!(10000))];
        let s = balance_days(due, dec!(10000), &full, d("2026-03-20"));
        assert_eq!(charge_for_balance_days(s, rate), dec!(50.00));
        let split = [(d("2026-03-15"), dec!(5000)), (d("2026-03-20"), dec!(5000))];
        let s = balance_days(due, dec!(10000), &split, d("2026-03-20"));
        assert_eq!(charge_for_balance_days(s, rate), dec!(37.50));
        // As of a later date nothing more accrues once paid.
        let s = balance_days(due, dec!(10000), &split, d("2026-04-20"));
        assert_eq!(charge_for_balance_days(s, rate), dec!(37.50));
    }

    #[test]
    fn payments_before_due_and_on_due() {
        let due = d("2026-03-10");
        let early = [(d("2026-03-01"), dec!(4000))];
        assert_eq!(
            balance_days(due, dec!(10000), &early, d("2026-03-12")),
            dec!(12000)
        );
        let on_due = [(d("2026-03-10"), dec!(10000))];
        assert_eq!(
            balance_days(due, dec!(10000), &on_due, d("2026-03-30")),
            dec!(0)
        );
        assert_eq!(
            balance_days(due, dec!(10000), &[], d("2026-03-10")),
            dec!(0)
        );
    }

    #[test]
    fn grace_then_from_due() {
        let input = OverdueInput {
            due: d("2026-03-10"),
            principal: dec!(10000),
            interest: dec!(100),
            principal_payments: &[],
            interest_payments: &[],
            settled_on: None,
        };
        // Within 3 grace days nothing is owed yet; after them, every day from the due date.
        let c = overdue_charges(&input, dec!(0.18), 3, true, d("2026-03-13"));
        assert_eq!(c, OverdueCharges::default());
        let c = overdue_charges(&input, dec!(0.18), 3, true, d("2026-03-14"));
        assert_eq!(c.penalty, dec!(20.00));
        assert_eq!(c.compound_interest, dec!(0.20));
    }
}
