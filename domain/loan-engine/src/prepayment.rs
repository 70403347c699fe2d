//! Prepayment (提前还款): the payoff quote at a date, and partial prepayment with a new remaining schedule.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::PaymentAllocation;
use crate::dates::days_between;
use crate::error::{EngineError, EngineResult};
use crate::fees::{installment_fee, prepayment_fee};
use crate::method::Method;
use crate::money::{has_at_most_dp, interest_for_days, round_fen, round_fen_of};
use crate::position::{loan_position, Amounts, LoanPosition};
use crate::rules::ServicingRules;
use crate::schedule::{
    amortise, annuity_payment, Installment, InterestBasis, InterestCalc, LoanTerms, PrincipalPlan,
    Schedule, Slot,
};

/// What a partial prepayment keeps (product setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrepaymentMode {
    /// The same number of remaining installments, re-priced on the new balance (default).
    #[default]
    KeepTerm,
    /// `equal_installment` keeps A, `equal_principal` its principal part, and the loan ends earlier; interest-only methods behave as `keep_term`.
    KeepInstallment,
}

/// A payoff quote (提前结清) as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoffQuote {
    /// The payoff date.
    pub as_of: NaiveDate,
    /// Everything due as of the date and unpaid (installments with `due ≤ t`, fees incl. late fees, penalty, compound interest, interest, principal).
    pub overdue: Amounts,
    /// Unpaid principal of the installments due after the date.
    pub future_principal: Decimal,
    /// The current period's interest to the date, `round(B·R·days/360)`.
    pub current_interest: Decimal,
    /// Interest already paid on installments due after the date (credited).
    pub interest_paid_ahead: Decimal,
    /// The prepayment fee on `future_principal`.
    pub prepayment_fee: Decimal,
    /// Unearned upfront interest refunded (`interest_upfront` only).
    pub upfront_interest_refund: Decimal,
    /// The amount that settles the loan: overdue + future principal + current interest − interest paid ahead + fee − refund (negative: owed to the borrower).
    pub total: Decimal,
}

/// Current period's interest to `t`: `round(B·R·days/360)` with B the scheduled balance at the period's start.
///
/// The period is that of the first installment due after `t`; days run from its start (the last due
/// date on or before `t`, the value date, or the date of a partial prepayment) to `t`. Where LOAN-MATH
/// is silent: the amount is capped at that installment's scheduled interest, so a payoff never costs
/// more interest than waiting for the due date (matters for quarterly, bullet and custom periods
/// longer than their 360-day-year equivalent). `interest_upfront` has none.
fn current_interest(terms: &LoanTerms, schedule: &Schedule, as_of: NaiveDate) -> Decimal {
    if terms.method == Method::InterestUpfront {
        return Decimal::ZERO;
    }
    schedule
        .installments
        .iter()
        .find(|i| i.due_date > as_of)
        .map_or(Decimal::ZERO, |cur| {
            let days = days_between(cur.period_start, as_of).max(0);
            interest_for_days(cur.balance_before(), terms.annual_rate, days).min(cur.interest)
        })
}

fn check_date(schedule: &Schedule, as_of: NaiveDate) -> EngineResult<()> {
    if as_of < schedule.value_date {
        return Err(EngineError::new(
            "date",
            "invalid_date",
            format!("{as_of} is before the value date {}", schedule.value_date),
        ));
    }
    Ok(())
}

fn future_paid(position: &LoanPosition) -> Amounts {
    position
        .installments
        .iter()
        .filter(|i| !i.is_due(position.as_of))
        .fold(Amounts::default(), |a, i| a.plus(&i.paid))
}

/// Quotes the payoff at `as_of` after the payments in `history`.
///
/// Where LOAN-MATH is silent: per-installment fees of installments due after `t` are not charged and
/// fees paid on them ahead are not refunded (only interest paid ahead is credited); the
/// `interest_upfront` refund applies only to a payoff before maturity.
pub fn payoff_quote(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    history: &[PaymentAllocation],
    as_of: NaiveDate,
) -> EngineResult<PayoffQuote> {
    check_date(schedule, as_of)?;
    let position = loan_position(terms, schedule, rules, history, as_of)?;
    let overdue = position.due_outstanding();
    let future_principal = position.future_outstanding().principal;
    let interest_paid_ahead = future_paid(&position).interest;
    let current = current_interest(terms, schedule, as_of);
    let fee = prepayment_fee(&terms.fees, future_principal);
    let refund = if terms.method == Method::InterestUpfront
        && rules.refund_unearned_upfront_interest
        && as_of < schedule.maturity()
    {
        let upfront = schedule
            .installment(0)
            .map_or(Decimal::ZERO, |i| i.interest);
        let earned = interest_for_days(
            terms.principal,
            terms.annual_rate,
            days_between(schedule.value_date, as_of),
        );
        (upfront - earned).max(Decimal::ZERO)
    } else {
        Decimal::ZERO
    };
    let total = overdue.total() + future_principal + current - interest_paid_ahead + fee - refund;
    Ok(PayoffQuote {
        as_of,
        overdue,
        future_principal,
        current_interest: current,
        interest_paid_ahead,
        prepayment_fee: fee,
        upfront_interest_refund: refund,
        total,
    })
}

/// The outcome of a partial prepayment: what to collect and the new remaining schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialPrepayment {
    /// The prepayment date.
    pub as_of: NaiveDate,
    /// The principal prepaid, X.
    pub principal: Decimal,
    /// Everything due as of the date and unpaid, collected first.
    pub overdue: Amounts,
    /// The current period's interest to the date (as in the payoff).
    pub current_interest: Decimal,
    /// Interest and fees already paid on the replaced installments, credited (the new ones start unpaid).
    pub paid_ahead_credit: Decimal,
    /// The prepayment fee on X.
    pub prepayment_fee: Decimal,
    /// To collect: overdue + current interest + fee + X − credit.
    pub total: Decimal,
    /// The principal balance after the prepayment.
    pub new_balance: Decimal,
    /// The installments that replace every installment due after the date (same numbers and due dates, possibly fewer).
    pub remaining: Vec<Installment>,
    /// The whole schedule afterwards: installments due on or before the date unchanged, then `remaining`.
    pub schedule: Schedule,
}

/// Prepays principal `x` on `as_of` and re-prices the rest of the schedule (`mode` is normally `rules.prepayment_mode`).
///
/// The next installment's interest runs from `as_of` on the new balance by days and its principal
/// part is a regular period's; later installments are regular. Where LOAN-MATH is silent:
/// `interest_upfront` refuses a partial prepayment (its interest was collected for the full
/// principal; settle it by payoff); for `custom`, `keep_term` scales the remaining principal parts
/// proportionally (cumulative rounding, so they stay ≥ 0 and sum exactly) and `keep_installment`
/// takes X off the last parts first.
pub fn partial_prepayment(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    history: &[PaymentAllocation],
    as_of: NaiveDate,
    x: Decimal,
    mode: PrepaymentMode,
) -> EngineResult<PartialPrepayment> {
    check_date(schedule, as_of)?;
    if terms.method == Method::InterestUpfront {
        return Err(EngineError::new(
            "method",
            "prepayment_not_supported",
            "interest_upfront collected the whole term's interest at payout; settle it with a payoff instead",
        ));
    }
    if x <= Decimal::ZERO || !has_at_most_dp(x, 2) {
        return Err(EngineError::new(
            "principal",
            "invalid_prepayment",
            "the principal to prepay must be positive with at most 2 decimal places",
        ));
    }
    let position = loan_position(terms, schedule, rules, history, as_of)?;
    let Some(cur) = schedule
        .installments
        .iter()
        .position(|i| i.due_date > as_of)
    else {
        return Err(EngineError::new(
            "date",
            "invalid_prepayment",
            "no installment is due after this date; collect what is due instead",
        ));
    };
    let unpaid: Vec<Decimal> = position.installments[cur..]
        .iter()
        .map(|i| i.outstanding.principal)
        .collect();
    let remaining_principal: Decimal = unpaid.iter().copied().sum();
    if x >= remaining_principal {
        return Err(EngineError::new(
            "principal",
            "invalid_prepayment",
            format!(
                "prepaying {x} would repay all remaining principal ({remaining_principal}); use a payoff quote"
            ),
        ));
    }
    let new_balance = remaining_principal - x;
    let future = &schedule.installments[cur..];
    let future_periods = &schedule.periods[cur..];
    let n = u32::try_from(future.len()).unwrap_or(u32::MAX);
    let r = terms.annual_rate;
    let slots: Vec<Slot> = future
        .iter()
        .zip(future_periods)
        .enumerate()
        .map(|(k, (inst, period))| {
            let calc = match (k, period.basis) {
                (0, _) | (_, InterestBasis::Days) | (_, InterestBasis::Prepaid) => {
                    InterestCalc::Days
                }
                (_, InterestBasis::Months(m)) => InterestCalc::Months(m),
            };
            Slot {
                start: if k == 0 { as_of } else { inst.period_start },
                due: inst.due_date,
                calc,
                apr_time: period.apr_time_30ths,
            }
        })
        .collect();
    let keep_installment = mode == PrepaymentMode::KeepInstallment;
    let (plan, regular_amount) = match terms.method {
        Method::EqualInstallment => {
            let a = if keep_installment {
                schedule
                    .regular_amount
                    .unwrap_or_else(|| annuity_payment(new_balance, r, n))
            } else {
                annuity_payment(new_balance, r, n)
            };
            (PrincipalPlan::Annuity(a), Some(a))
        }
        Method::EqualPrincipal => {
            let part = if keep_installment {
                schedule
                    .regular_amount
                    .unwrap_or_else(|| round_fen_of(new_balance, Decimal::ONE, 1, i64::from(n)))
            } else {
                round_fen_of(new_balance, Decimal::ONE, 1, i64::from(n))
            };
            (PrincipalPlan::Level(part), Some(part))
        }
        Method::Custom => {
            let parts = if keep_installment {
                take_from_the_end(&unpaid, x)
            } else {
                scale_cumulatively(&unpaid, remaining_principal, new_balance)
            };
            (PrincipalPlan::Given(parts), None)
        }
        _ => (PrincipalPlan::AtMaturity, schedule.regular_amount),
    };
    let stop = keep_installment && !terms.method.is_interest_only();
    let fee = installment_fee(&terms.fees, terms.principal);
    let (remaining, periods) = amortise(
        new_balance,
        r,
        &slots,
        &plan,
        fee,
        future.first().map_or(1, |i| i.number),
        stop,
    );
    let overdue = position.due_outstanding();
    let ahead = future_paid(&position);
    let paid_ahead_credit = ahead.interest + ahead.fee;
    let current = current_interest(terms, schedule, as_of);
    let fee_x = prepayment_fee(&terms.fees, x);
    let total = overdue.total() + current + fee_x + x - paid_ahead_credit;
    let mut installments = schedule.installments[..cur].to_vec();
    installments.extend(remaining.iter().cloned());
    let mut all_periods = schedule.periods[..cur].to_vec();
    all_periods.extend(periods);
    Ok(PartialPrepayment {
        as_of,
        principal: x,
        overdue,
        current_interest: current,
        paid_ahead_credit,
        prepayment_fee: fee_x,
        total,
        new_balance,
        remaining,
        schedule: Schedule {
            value_date: schedule.value_date,
            installments,
            periods: all_periods,
            regular_amount,
        },
    })
}

/// Parts scaled by `to/from` with cumulative rounding: each ≥ 0, summing exactly to `to`.
fn scale_cumulatively(parts: &[Decimal], from: Decimal, to: Decimal) -> Vec<Decimal> {
    let mut out = Vec::with_capacity(parts.len());
    let mut cum = Decimal::ZERO;
    let mut prev_scaled = Decimal::ZERO;
    for (k, p) in parts.iter().enumerate() {
        cum += *p;
        let scaled = if k + 1 == parts.len() {
            to
        } else {
            round_fen(cum * to / from)
        };
        out.push(scaled - prev_scaled);
        prev_scaled = scaled;
    }
    out
}

/// Parts with `x` taken off the last ones first.
fn take_from_the_end(parts: &[Decimal], x: Decimal) -> Vec<Decimal> {
    let mut out = parts.to_vec();
    let mut left = x;
    for p in out.iter_mut().rev() {
        let take = (*p).min(left);
        *p -= take;
        left -= take;
        if left.is_zero() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn cumulative_scaling_sums_exactly() {
        let parts = [dec!(0), dec!(333.33), dec!(333.33), dec!(333.34), dec!(0)];
        let out = scale_cumulatively(&parts, dec!(1000), dec!(700.01));
        assert_eq!(out.iter().copied().sum::<Decimal>(), dec!(700.01));
        assert!(out.iter().all(|p| *p >= Decimal::ZERO));
        assert_eq!(out[0], dec!(0));
    }

    #[test]
    fn taking_from_the_end() {
        let out = take_from_the_end(&[dec!(100), dec!(200), dec!(300)], dec!(350));
        assert_eq!(out, vec![dec!(100), dec!(150), dec!(0)]);
    }
}
