//! Loan terms and the repayment schedule (还款计划) for every method of LOAN-MATH.
//!
//! Due dates are computed from the value date, never chained; amounts are rounded half-up to the
//! fen from their exact formula; principal parts sum to the principal exactly; nothing is negative;
//! due dates strictly increase; the balance after the last installment is zero.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dates::{add_days, add_months, days_after, days_between, first_fixed_due_date};
use crate::error::{EngineError, EngineResult};
use crate::fees::{installment_fee, Fee};
use crate::method::{Method, Term};
use crate::money::{
    has_at_most_dp, interest_for_days, interest_for_months, round_fen, round_fen_of, MAX_AMOUNT,
    TWELVE,
};

/// One caller-given installment of a `custom` schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomInstallment {
    /// Its due date (strictly after the previous one, and after the value date).
    pub due_date: NaiveDate,
    /// The principal it repays (≥ 0, at most 2 decimals); all of them sum to the loan principal.
    pub principal: Decimal,
}

/// Everything that determines a loan's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoanTerms {
    /// The repayment method.
    pub method: Method,
    /// The principal paid out, in full (> 0, at most 2 decimals).
    pub principal: Decimal,
    /// The annual nominal rate as a fraction (`0.12` = 12 %), 0–1, at most 6 decimals.
    pub annual_rate: Decimal,
    /// The term; required except for `custom`, which must not have one.
    pub term: Option<Term>,
    /// The value date `d0` (the payout date).
    pub value_date: NaiveDate,
    /// Fixed repayment day 1–28 (每月固定还款日), monthly methods only.
    pub repay_day: Option<u32>,
    /// The caller's installments, `custom` only.
    pub custom: Vec<CustomInstallment>,
    /// Product fees.
    pub fees: Vec<Fee>,
}

/// One installment (期) of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installment {
    /// 1, 2, …; `interest_upfront`'s interest installment is number 0.
    pub number: u32,
    /// Start of the period whose interest it carries (the previous due date, or the value date).
    pub period_start: NaiveDate,
    /// The due date (还款日).
    pub due_date: NaiveDate,
    /// Principal part (本金).
    pub principal: Decimal,
    /// Interest part (利息).
    pub interest: Decimal,
    /// Per-installment fees (费用).
    pub fee: Decimal,
    /// `principal + interest + fee` (合计).
    pub total: Decimal,
    /// Scheduled principal outstanding after it is paid (剩余本金).
    pub balance_after: Decimal,
}

impl Installment {
    /// The scheduled balance at the start of its period (`balance_after + principal`).
    pub fn balance_before(&self) -> Decimal {
        self.balance_after + self.principal
    }
}

/// How an installment's scheduled interest was computed (needed to re-price the rest of a schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestBasis {
    /// `round(B·R·m/12)` for a period of `m` whole months.
    Months(u32),
    /// `round(B·R·days/360)` over the period's actual days.
    Days,
    /// No interest of its own: `interest_upfront`'s maturity installment, whose interest was installment 0.
    Prepaid,
}

/// Per-installment facts beside the amounts: interest basis and position on the APR time axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// How the installment's interest was computed.
    pub basis: InterestBasis,
    /// Its due date's time from the value date on the APR axis, in thirtieths of a month (`k` months = `30·k`; `d` days = `d`).
    pub apr_time_30ths: u32,
}

/// A repayment schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The value date `d0`.
    pub value_date: NaiveDate,
    /// The installments, in due-date order.
    pub installments: Vec<Installment>,
    /// One [`Period`] per installment, same order.
    pub periods: Vec<Period>,
    /// `A` for `equal_installment`, the regular principal part for `equal_principal`, `None` otherwise.
    pub regular_amount: Option<Decimal>,
}

impl Schedule {
    /// The last due date.
    pub fn maturity(&self) -> NaiveDate {
        self.installments
            .last()
            .map_or(self.value_date, |i| i.due_date)
    }

    /// The sum of all interest parts.
    pub fn total_interest(&self) -> Decimal {
        self.installments.iter().map(|i| i.interest).sum()
    }

    /// The sum of all principal parts (the loan principal).
    pub fn total_principal(&self) -> Decimal {
        self.installments.iter().map(|i| i.principal).sum()
    }

    /// The sum of all installment totals.
    pub fn total(&self) -> Decimal {
        self.installments.iter().map(|i| i.total).sum()
    }

    /// The installment with this number.
    pub fn installment(&self, number: u32) -> Option<&Installment> {
        self.installments.iter().find(|i| i.number == number)
    }
}

/// How the interest of one slot is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InterestCalc {
    Months(u32),
    Days,
}

/// A period to amortise: dates, interest rule and APR time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub calc: InterestCalc,
    pub apr_time: u32,
}

/// How principal is repaid over the slots (the last slot always takes the remaining balance).
#[derive(Debug, Clone)]
pub(crate) enum PrincipalPlan {
    /// `A − round(B·R/12)`, capped at B.
    Annuity(Decimal),
    /// A fixed part, capped at B.
    Level(Decimal),
    /// Nothing before the last slot.
    AtMaturity,
    /// Given parts, capped at B.
    Given(Vec<Decimal>),
}

/// `A = round(P·r·(1+r)^n / ((1+r)^n − 1))` with `r = R/12` to 28 digits; `round(P/n)` when R = 0.
pub fn annuity_payment(principal: Decimal, annual_rate: Decimal, n: u32) -> Decimal {
    if n == 0 {
        return principal;
    }
    if annual_rate.is_zero() {
        return round_fen_of(principal, Decimal::ONE, 1, i64::from(n));
    }
    let r = annual_rate / TWELVE;
    let f = pow_u32(Decimal::ONE + r, n);
    round_fen(principal * r * f / (f - Decimal::ONE))
}

/// `x^n` by repeated squaring, each product rounded to 28 digits.
pub(crate) fn pow_u32(x: Decimal, n: u32) -> Decimal {
    let mut result = Decimal::ONE;
    let mut base = x;
    let mut e = n;
    while e > 0 {
        if e & 1 == 1 {
            result *= base;
        }
        e >>= 1;
        if e > 0 {
            base *= base;
        }
    }
    result
}

/// Amortises `balance` over `slots`, numbering from `first_number`; with `stop_when_repaid` it ends at the installment that repays the balance.
pub(crate) fn amortise(
    balance: Decimal,
    annual_rate: Decimal,
    slots: &[Slot],
    plan: &PrincipalPlan,
    fee: Decimal,
    first_number: u32,
    stop_when_repaid: bool,
) -> (Vec<Installment>, Vec<Period>) {
    let mut installments = Vec::with_capacity(slots.len());
    let mut periods = Vec::with_capacity(slots.len());
    let mut b = balance;
    let last = slots.len().saturating_sub(1);
    for (k, slot) in slots.iter().enumerate() {
        let interest = match slot.calc {
            InterestCalc::Months(m) => interest_for_months(b, annual_rate, m),
            InterestCalc::Days => {
                interest_for_days(b, annual_rate, days_between(slot.start, slot.due))
            }
        };
        let principal = if k == last {
            b
        } else {
            let wanted = match plan {
                PrincipalPlan::Annuity(a) if slot.calc == InterestCalc::Months(1) => *a - interest,
                PrincipalPlan::Annuity(a) => *a - interest_for_months(b, annual_rate, 1),
                PrincipalPlan::Level(part) => *part,
                PrincipalPlan::AtMaturity => Decimal::ZERO,
                PrincipalPlan::Given(parts) => parts.get(k).copied().unwrap_or(Decimal::ZERO),
            };
            wanted.max(Decimal::ZERO).min(b)
        };
        b -= principal;
        let number = first_number + u32::try_from(k).unwrap_or(u32::MAX - first_number);
        installments.push(Installment {
            number,
            period_start: slot.start,
            due_date: slot.due,
            principal,
            interest,
            fee,
            total: principal + interest + fee,
            balance_after: b,
        });
        periods.push(Period {
            basis: match slot.calc {
                InterestCalc::Months(m) => InterestBasis::Months(m),
                InterestCalc::Days => InterestBasis::Days,
            },
            apr_time_30ths: slot.apr_time,
        });
        if stop_when_repaid && b.is_zero() {
            break;
        }
    }
    (installments, periods)
}

impl LoanTerms {
    /// Checks every rule of LOAN-MATH on the terms; each error names the field at fault.
    pub fn validate(&self) -> EngineResult<()> {
        let p = self.principal;
        if p <= Decimal::ZERO {
            return Err(EngineError::new(
                "principal",
                "invalid_principal",
                "principal must be positive",
            ));
        }
        if !has_at_most_dp(p, 2) {
            return Err(EngineError::new(
                "principal",
                "invalid_principal",
                "principal may have at most 2 decimal places",
            ));
        }
        if p > MAX_AMOUNT {
            return Err(EngineError::new(
                "principal",
                "invalid_principal",
                "principal is too large (at most 9999999999999999.99)",
            ));
        }
        validate_rate(self.annual_rate, "rate", "invalid_rate")?;
        self.validate_term()?;
        self.validate_repay_day()?;
        if self.method == Method::Custom {
            self.validate_custom()?;
        } else if !self.custom.is_empty() {
            return Err(EngineError::new(
                "custom",
                "invalid_custom",
                format!(
                    "custom installments are only for the custom method, not {}",
                    self.method
                ),
            ));
        }
        Ok(())
    }

    fn validate_term(&self) -> EngineResult<()> {
        match (self.method, self.term) {
            (Method::Custom, Some(t)) => Err(EngineError::new(
                t.field(),
                "invalid_term",
                "the custom method takes its term from its installments; give no months or days",
            )),
            (Method::Custom, None) => Ok(()),
            (m, None) => Err(EngineError::new(
                "months",
                "invalid_term",
                format!(
                    "a term (months{}) is required for {m}",
                    if m.allows_day_term() { " or days" } else { "" }
                ),
            )),
            (_, Some(Term::Months(0))) => Err(EngineError::new(
                "months",
                "invalid_term",
                "the term must be at least 1 month",
            )),
            (_, Some(Term::Months(n))) if n > Term::MAX_MONTHS => Err(EngineError::new(
                "months",
                "invalid_term",
                format!("the term may be at most {} months", Term::MAX_MONTHS),
            )),
            (m, Some(Term::Days(_))) if !m.allows_day_term() => Err(EngineError::new(
                "days",
                "invalid_term",
                format!("{m} does not accept a term in days; only bullet and interest_upfront do"),
            )),
            (_, Some(Term::Days(0))) => Err(EngineError::new(
                "days",
                "invalid_term",
                "the term must be at least 1 day",
            )),
            (_, Some(Term::Days(n))) if n > Term::MAX_DAYS => Err(EngineError::new(
                "days",
                "invalid_term",
                format!("the term may be at most {} days", Term::MAX_DAYS),
            )),
            _ => Ok(()),
        }
    }

    fn validate_repay_day(&self) -> EngineResult<()> {
        let Some(day) = self.repay_day else {
            return Ok(());
        };
        if !self.method.allows_repay_day() {
            return Err(EngineError::new(
                "repay_day",
                "invalid_repay_day",
                format!(
                    "a fixed repayment day is only for interest_monthly, equal_principal and equal_installment, not {}",
                    self.method
                ),
            ));
        }
        if !(1..=28).contains(&day) {
            return Err(EngineError::new(
                "repay_day",
                "invalid_repay_day",
                "the repayment day must be between 1 and 28",
            ));
        }
        Ok(())
    }

    fn validate_custom(&self) -> EngineResult<()> {
        let c = &self.custom;
        if c.is_empty() {
            return Err(EngineError::new(
                "custom",
                "invalid_custom",
                "the custom method needs at least one installment",
            ));
        }
        if c.len() > Term::MAX_MONTHS as usize {
            return Err(EngineError::new(
                "custom",
                "invalid_custom",
                format!("at most {} custom installments", Term::MAX_MONTHS),
            ));
        }
        let mut prev = self.value_date;
        for (k, ci) in c.iter().enumerate() {
            if ci.due_date <= prev {
                let msg = if k == 0 {
                    format!(
                        "custom installment 1 is due {}, which is not after the start {}",
                        ci.due_date, self.value_date
                    )
                } else {
                    format!(
                        "custom due dates must strictly increase: installment {} ({}) is not after installment {} ({})",
                        k + 1,
                        ci.due_date,
                        k,
                        prev
                    )
                };
                return Err(EngineError::new("custom", "custom_dates", msg));
            }
            prev = ci.due_date;
            if ci.principal.is_sign_negative() || !has_at_most_dp(ci.principal, 2) {
                return Err(EngineError::new(
                    "custom",
                    "invalid_custom",
                    format!(
                        "custom installment {}: principal must be non-negative with at most 2 decimals",
                        k + 1
                    ),
                ));
            }
        }
        let horizon = add_months(self.value_date, Term::MAX_MONTHS)?;
        if prev > horizon {
            return Err(EngineError::new(
                "custom",
                "custom_dates",
                format!(
                    "the last custom due date may be at most {} months after the start ({horizon})",
                    Term::MAX_MONTHS
                ),
            ));
        }
        let sum: Decimal = c.iter().map(|ci| ci.principal).sum();
        if sum != self.principal {
            return Err(EngineError::new(
                "custom",
                "custom_principal_sum",
                format!(
                    "custom principals sum to {sum}, not to the principal {}",
                    self.principal
                ),
            ));
        }
        Ok(())
    }
}

/// Checks a rate: a fraction 0–1 with at most 6 decimals.
pub(crate) fn validate_rate(
    rate: Decimal,
    field: &'static str,
    code: &'static str,
) -> EngineResult<()> {
    if rate.is_sign_negative() && !rate.is_zero() {
        return Err(EngineError::new(
            field,
            code,
            format!("{field} must not be negative"),
        ));
    }
    if rate > Decimal::ONE {
        return Err(EngineError::new(
            field,
            code,
            format!("{field} is an annual fraction (0.12 = 12 %) and may be at most 1"),
        ));
    }
    if !has_at_most_dp(rate, 6) {
        return Err(EngineError::new(
            field,
            code,
            format!("{field} may have at most 6 decimal places"),
        ));
    }
    Ok(())
}

/// The monthly slots of a `n`-installment monthly method, with or without a fixed repayment day.
fn monthly_slots(d0: NaiveDate, n: u32, repay_day: Option<u32>) -> EngineResult<Vec<Slot>> {
    // Without a fixed day installment k is due add_months(d0, k); with one, add_months(first, k − 1),
    // which keeps day D even when the first period is regular (d0 = 01-31, D = 28: 02-28, 03-28, …).
    let first = repay_day
        .map(|day| first_fixed_due_date(d0, day))
        .transpose()?;
    let regular_first = add_months(d0, 1)?;
    let irregular_days = first
        .filter(|f| *f != regular_first)
        .map(|f| days_after(d0, f));
    let mut slots = Vec::with_capacity(n as usize);
    let mut start = d0;
    for k in 1..=n {
        let due = match first {
            Some(f) => add_months(f, k - 1)?,
            None => add_months(d0, k)?,
        };
        let (calc, apr_time) = match irregular_days {
            Some(days) if k == 1 => (InterestCalc::Days, days),
            Some(days) => (InterestCalc::Months(1), days + 30 * (k - 1)),
            None => (InterestCalc::Months(1), 30 * k),
        };
        slots.push(Slot {
            start,
            due,
            calc,
            apr_time,
        });
        start = due;
    }
    Ok(slots)
}

/// Due date, interest rule and APR time of a single-maturity term.
fn maturity_slot(d0: NaiveDate, term: Term) -> EngineResult<Slot> {
    Ok(match term {
        Term::Months(m) => Slot {
            start: d0,
            due: add_months(d0, m)?,
            calc: InterestCalc::Months(m),
            apr_time: 30 * m,
        },
        Term::Days(d) => Slot {
            start: d0,
            due: add_days(d0, d)?,
            calc: InterestCalc::Days,
            apr_time: d,
        },
    })
}

/// Builds the schedule of validated terms exactly as LOAN-MATH prescribes.
///
/// Per-installment fees are added to every installment, `interest_upfront`'s installment 0
/// included. Zero installments at the end of a capped schedule (tiny principal over a long term)
/// are kept, so the number of installments is always the term's.
pub fn build_schedule(terms: &LoanTerms) -> EngineResult<Schedule> {
    terms.validate()?;
    let p = terms.principal;
    let r = terms.annual_rate;
    let d0 = terms.value_date;
    let fee = installment_fee(&terms.fees, p);
    let term = terms.term.unwrap_or(Term::Months(0));
    let months = match term {
        Term::Months(m) => m,
        Term::Days(_) => 0,
    };
    let (installments, periods, regular_amount) = match terms.method {
        Method::Bullet => {
            let slot = maturity_slot(d0, term)?;
            let (i, p) = amortise(p, r, &[slot], &PrincipalPlan::AtMaturity, fee, 1, false);
            (i, p, None)
        }
        Method::InterestUpfront => {
            let slot = maturity_slot(d0, term)?;
            let interest = match slot.calc {
                InterestCalc::Months(m) => interest_for_months(p, r, m),
                InterestCalc::Days => interest_for_days(p, r, days_between(d0, slot.due)),
            };
            let installments = vec![
                Installment {
                    number: 0,
                    period_start: d0,
                    due_date: d0,
                    principal: Decimal::ZERO,
                    interest,
                    fee,
                    total: interest + fee,
                    balance_after: p,
                },
                Installment {
                    number: 1,
                    period_start: d0,
                    due_date: slot.due,
                    principal: p,
                    interest: Decimal::ZERO,
                    fee,
                    total: p + fee,
                    balance_after: Decimal::ZERO,
                },
            ];
            let basis = match slot.calc {
                InterestCalc::Months(m) => InterestBasis::Months(m),
                InterestCalc::Days => InterestBasis::Days,
            };
            let periods = vec![
                Period {
                    basis,
                    apr_time_30ths: 0,
                },
                Period {
                    basis: InterestBasis::Prepaid,
                    apr_time_30ths: slot.apr_time,
                },
            ];
            (installments, periods, None)
        }
        Method::InterestMonthly => {
            let slots = monthly_slots(d0, months, terms.repay_day)?;
            let (i, p) = amortise(p, r, &slots, &PrincipalPlan::AtMaturity, fee, 1, false);
            (i, p, None)
        }
        Method::InterestQuarterly => {
            let n = months.div_ceil(3);
            let mut slots = Vec::with_capacity(n as usize);
            let mut start = d0;
            for k in 1..=n {
                let end_month = (3 * k).min(months);
                let due = add_months(d0, end_month)?;
                slots.push(Slot {
                    start,
                    due,
                    calc: InterestCalc::Months(end_month - 3 * (k - 1)),
                    apr_time: 30 * end_month,
                });
                start = due;
            }
            let (i, p) = amortise(p, r, &slots, &PrincipalPlan::AtMaturity, fee, 1, false);
            (i, p, None)
        }
        Method::EqualPrincipal => {
            let slots = monthly_slots(d0, months, terms.repay_day)?;
            let part = round_fen_of(p, Decimal::ONE, 1, i64::from(months));
            let (i, p) = amortise(p, r, &slots, &PrincipalPlan::Level(part), fee, 1, false);
            (i, p, Some(part))
        }
        Method::EqualInstallment => {
            let slots = monthly_slots(d0, months, terms.repay_day)?;
            let a = annuity_payment(p, r, months);
            let (i, p) = amortise(p, r, &slots, &PrincipalPlan::Annuity(a), fee, 1, false);
            (i, p, Some(a))
        }
        Method::Custom => {
            let mut slots = Vec::with_capacity(terms.custom.len());
            let mut start = d0;
            for ci in &terms.custom {
                slots.push(Slot {
                    start,
                    due: ci.due_date,
                    calc: InterestCalc::Days,
                    apr_time: days_after(d0, ci.due_date),
                });
                start = ci.due_date;
            }
            let parts = terms.custom.iter().map(|c| c.principal).collect();
            let (i, p) = amortise(p, r, &slots, &PrincipalPlan::Given(parts), fee, 1, false);
            (i, p, None)
        }
    };
    Ok(Schedule {
        value_date: d0,
        installments,
        periods,
        regular_amount,
    })
}
