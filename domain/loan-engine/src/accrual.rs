//! Interest recognition on the accrual basis (权责发生制), for close of business.
//!
//! At each month end D a loan recognises the interest of its current period earned to the end of D,
//! `round(B·R·days/360)` with days from the period start to D + 1, capped at the period's scheduled
//! interest, less what was already recognised for that period; at the due date, the rest. Upfront
//! interest received (2205) is released by the same rule over the `interest_upfront` term.
//!
//! Where LOAN-MATH is silent: the broken-period interest a payoff or partial prepayment collects
//! (`current_interest`) is income when collected; a re-priced schedule's next period starts at the
//! prepayment date, so it is not recognised twice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::classification::ClassBands;
use crate::dates::{days_between, is_month_end};
use crate::money::interest_for_days;
use crate::schedule::{InterestBasis, LoanTerms, Schedule};

/// An interest period to recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestPeriod {
    /// The installment whose interest it is (for `interest_upfront`: 1, the maturity installment).
    pub number: u32,
    /// Period start.
    pub start: NaiveDate,
    /// Due date (end of the period).
    pub due_date: NaiveDate,
    /// Scheduled balance during the period.
    pub balance: Decimal,
    /// The period's scheduled interest.
    pub scheduled: Decimal,
}

/// The interest periods of a schedule (for `interest_upfront`, one period from `d0` to maturity carrying installment 0's interest).
pub fn interest_periods(schedule: &Schedule) -> Vec<InterestPeriod> {
    let upfront = schedule
        .installments
        .iter()
        .find(|i| i.number == 0)
        .map_or(Decimal::ZERO, |i| i.interest);
    schedule
        .installments
        .iter()
        .zip(&schedule.periods)
        .filter(|(i, _)| i.due_date > i.period_start)
        .map(|(i, p)| InterestPeriod {
            number: i.number,
            start: i.period_start,
            due_date: i.due_date,
            balance: i.balance_before(),
            scheduled: if p.basis == InterestBasis::Prepaid {
                upfront
            } else {
                i.interest
            },
        })
        .collect()
}

/// Interest of a period earned by the end of `d`: all of it once due (`due ≤ d`), otherwise `min(round(B·R·(d+1−start)/360), scheduled)`, or 0 before it starts.
pub fn earned_through(period: &InterestPeriod, annual_rate: Decimal, d: NaiveDate) -> Decimal {
    if period.due_date <= d {
        period.scheduled
    } else if period.start > d {
        Decimal::ZERO
    } else {
        let days = days_between(period.start, d) + 1;
        interest_for_days(period.balance, annual_rate, days).min(period.scheduled)
    }
}

/// An amount of interest to recognise for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recognition {
    /// Installment number of the period.
    pub number: u32,
    /// Amount to recognise now.
    pub amount: Decimal,
}

/// What COB for business date `d` recognises: at a month end, every started period up to its earned amount; any day, the rest of a period that fell due.
///
/// `already(number)` returns what was already recognised for that period; the result lists only
/// positive amounts, so rerunning a day gives nothing new (idempotent).
pub fn interest_to_recognise(
    terms: &LoanTerms,
    schedule: &Schedule,
    d: NaiveDate,
    already: impl Fn(u32) -> Decimal,
) -> Vec<Recognition> {
    let month_end = is_month_end(d);
    interest_periods(schedule)
        .iter()
        .filter(|p| month_end || p.due_date <= d)
        .filter_map(|p| {
            let amount = earned_through(p, terms.annual_rate, d) - already(p.number);
            (amount > Decimal::ZERO).then_some(Recognition {
                number: p.number,
                amount,
            })
        })
        .collect()
}

/// Whether interest and penalty of a loan with this DPD are income (below the substandard threshold) or kept off-balance until received.
pub fn recognised_as_income(dpd: u32, bands: &ClassBands) -> bool {
    dpd < bands.substandard_from
}
