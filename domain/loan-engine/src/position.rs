//! A loan's position as of a date: what each installment owes, has paid and still owes, and days past due.
//!
//! "As of `t`" means after every payment dated on or before `t` in the history; penalty and compound
//! interest are those a payment made on `t` must pay (days before `t`). Close of business for
//! business date D asks for `t = D + 1` with the payments dated up to D.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::{Component, PaymentAllocation};
use crate::dates::days_after;
use crate::error::{EngineError, EngineResult};
use crate::fees::{grace_expired_unpaid, late_fee};
use crate::penalty::{overdue_charges, OverdueInput};
use crate::rules::ServicingRules;
use crate::schedule::{LoanTerms, Schedule};

/// An amount per component of an installment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Amounts {
    /// Fees (per-installment fees and the late fee).
    pub fee: Decimal,
    /// Penalty interest (罚息).
    pub penalty: Decimal,
    /// Compound interest (复利).
    pub compound_interest: Decimal,
    /// Interest (利息).
    pub interest: Decimal,
    /// Principal (本金).
    pub principal: Decimal,
}

impl Amounts {
    /// The amount of one component.
    pub fn get(&self, c: Component) -> Decimal {
        match c {
            Component::Fee => self.fee,
            Component::Penalty => self.penalty,
            Component::CompoundInterest => self.compound_interest,
            Component::Interest => self.interest,
            Component::Principal => self.principal,
        }
    }

    /// Adds to one component.
    pub fn add(&mut self, c: Component, amount: Decimal) {
        let slot = match c {
            Component::Fee => &mut self.fee,
            Component::Penalty => &mut self.penalty,
            Component::CompoundInterest => &mut self.compound_interest,
            Component::Interest => &mut self.interest,
            Component::Principal => &mut self.principal,
        };
        *slot += amount;
    }

    /// The sum of all components.
    pub fn total(&self) -> Decimal {
        self.fee + self.penalty + self.compound_interest + self.interest + self.principal
    }

    /// Component-wise `self − other`, floored at zero.
    pub fn saturating_sub(&self, other: &Amounts) -> Amounts {
        let f = |a: Decimal, b: Decimal| (a - b).max(Decimal::ZERO);
        Amounts {
            fee: f(self.fee, other.fee),
            penalty: f(self.penalty, other.penalty),
            compound_interest: f(self.compound_interest, other.compound_interest),
            interest: f(self.interest, other.interest),
            principal: f(self.principal, other.principal),
        }
    }

    /// Component-wise sum.
    pub fn plus(&self, other: &Amounts) -> Amounts {
        Amounts {
            fee: self.fee + other.fee,
            penalty: self.penalty + other.penalty,
            compound_interest: self.compound_interest + other.compound_interest,
            interest: self.interest + other.interest,
            principal: self.principal + other.principal,
        }
    }
}

/// One installment's position as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentPosition {
    /// Installment number.
    pub number: u32,
    /// Due date.
    pub due_date: NaiveDate,
    /// Everything charged to it as of the date: scheduled fee + late fee, penalty, compound interest, interest, principal.
    pub owed: Amounts,
    /// What payments have paid on it.
    pub paid: Amounts,
    /// `owed − paid`.
    pub outstanding: Amounts,
    /// Whether its late fee has been charged (grace passed with principal or interest unpaid).
    pub late_fee_charged: bool,
    /// The date its principal and interest became fully paid, if they did.
    pub settled_on: Option<NaiveDate>,
    /// Days past due: `t − due` while principal or interest is unpaid, else 0.
    pub days_past_due: u32,
}

impl InstallmentPosition {
    /// Whether it is due as of `t` (`due ≤ t`).
    pub fn is_due(&self, as_of: NaiveDate) -> bool {
        self.due_date <= as_of
    }
}

/// A loan's position as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanPosition {
    /// The date of the position.
    pub as_of: NaiveDate,
    /// One per installment, schedule order.
    pub installments: Vec<InstallmentPosition>,
    /// The loan's DPD: the largest of its installments'.
    pub days_past_due: u32,
}

impl LoanPosition {
    /// Outstanding amounts of the installments due as of the date.
    pub fn due_outstanding(&self) -> Amounts {
        self.installments
            .iter()
            .filter(|i| i.is_due(self.as_of))
            .fold(Amounts::default(), |a, i| a.plus(&i.outstanding))
    }

    /// Outstanding scheduled amounts of the installments not yet due.
    pub fn future_outstanding(&self) -> Amounts {
        self.installments
            .iter()
            .filter(|i| !i.is_due(self.as_of))
            .fold(Amounts::default(), |a, i| a.plus(&i.outstanding))
    }

    /// Everything the loan still owes on its schedule (the most a payment may be).
    pub fn total_outstanding(&self) -> Decimal {
        self.installments
            .iter()
            .map(|i| i.outstanding.total())
            .sum()
    }

    /// Principal not yet repaid (the loan balance).
    pub fn principal_balance(&self) -> Decimal {
        self.installments
            .iter()
            .map(|i| i.outstanding.principal)
            .sum()
    }

    /// Whether principal, interest, fees and charges are all paid.
    pub fn is_settled(&self) -> bool {
        self.total_outstanding().is_zero()
    }
}

/// Days past due of an installment due `due`, as of `as_of`, whose principal and interest were settled on `settled_on` (if ever).
pub fn installment_dpd(due: NaiveDate, settled_on: Option<NaiveDate>, as_of: NaiveDate) -> u32 {
    match settled_on {
        Some(s) if s <= as_of => 0,
        _ => days_after(due, as_of),
    }
}

#[derive(Default)]
struct Ledger {
    paid: Amounts,
    principal_payments: Vec<(NaiveDate, Decimal)>,
    interest_payments: Vec<(NaiveDate, Decimal)>,
    settled_on: Option<NaiveDate>,
}

/// Computes the position as of `as_of` from the schedule and the allocations of the payments so far (date order).
///
/// Payments dated after `as_of` are ignored. A history line naming an installment the schedule does
/// not have is refused (`invalid_history`).
pub fn loan_position(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    history: &[PaymentAllocation],
    as_of: NaiveDate,
) -> EngineResult<LoanPosition> {
    let insts = &schedule.installments;
    let first = insts.first().map_or(0, |i| i.number);
    let mut ledgers: Vec<Ledger> = insts
        .iter()
        .map(|i| Ledger {
            settled_on: (i.principal.is_zero() && i.interest.is_zero()).then_some(i.period_start),
            ..Ledger::default()
        })
        .collect();
    for payment in history.iter().filter(|p| p.date <= as_of) {
        for line in &payment.lines {
            let idx = line
                .installment
                .checked_sub(first)
                .map(|k| k as usize)
                .filter(|k| *k < insts.len())
                .ok_or_else(|| {
                    EngineError::general(
                        "invalid_history",
                        format!(
                            "a payment on {} names installment {}, which the schedule does not have",
                            payment.date, line.installment
                        ),
                    )
                })?;
            let ledger = &mut ledgers[idx];
            ledger.paid.add(line.component, line.amount);
            match line.component {
                Component::Principal => ledger.principal_payments.push((payment.date, line.amount)),
                Component::Interest => ledger.interest_payments.push((payment.date, line.amount)),
                _ => {}
            }
            let inst = &insts[idx];
            if ledger.settled_on.is_none()
                && ledger.paid.principal >= inst.principal
                && ledger.paid.interest >= inst.interest
            {
                ledger.settled_on = Some(payment.date);
            }
        }
    }
    let penalty_rate = rules.penalty_rate(terms.annual_rate);
    let late = late_fee(&terms.fees);
    let mut loan_dpd = 0;
    let installments = insts
        .iter()
        .zip(ledgers)
        .map(|(inst, ledger)| {
            let late_fee_charged = !late.is_zero()
                && grace_expired_unpaid(inst.due_date, rules.grace_days, ledger.settled_on, as_of);
            let charges = overdue_charges(
                &OverdueInput {
                    due: inst.due_date,
                    principal: inst.principal,
                    interest: inst.interest,
                    principal_payments: &ledger.principal_payments,
                    interest_payments: &ledger.interest_payments,
                    settled_on: ledger.settled_on,
                },
                penalty_rate,
                rules.grace_days,
                rules.compound_interest,
                as_of,
            );
            let owed = Amounts {
                fee: inst.fee
                    + if late_fee_charged {
                        late
                    } else {
                        Decimal::ZERO
                    },
                penalty: charges.penalty,
                compound_interest: charges.compound_interest,
                interest: inst.interest,
                principal: inst.principal,
            };
            let days_past_due = installment_dpd(inst.due_date, ledger.settled_on, as_of);
            loan_dpd = loan_dpd.max(days_past_due);
            InstallmentPosition {
                number: inst.number,
                due_date: inst.due_date,
                outstanding: owed.saturating_sub(&ledger.paid),
                owed,
                paid: ledger.paid,
                late_fee_charged,
                settled_on: ledger.settled_on,
                days_past_due,
            }
        })
        .collect();
    Ok(LoanPosition {
        as_of,
        installments,
        days_past_due: loan_dpd,
    })
}
