//! Allocating a payment (冲账) to the installments of a loan, in one of the three product orders.
//!
//! First everything due as of the payment date, in the product's order; then the next installments
//! one by one in due-date order at their scheduled amounts (fees → interest → principal), without
//! re-pricing. A payment larger than everything the loan will ever owe on its schedule is refused.
//! Payments are processed in date order; each one's penalty and compound interest are computed as
//! of its own date.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, EngineResult};
use crate::money::has_at_most_dp;
use crate::position::{loan_position, LoanPosition};
use crate::rules::ServicingRules;
use crate::schedule::{LoanTerms, Schedule};

/// The product's allocation order (冲账顺序).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationOrder {
    /// Oldest installment first; within one: fees → penalty → compound interest → interest → principal (default).
    #[default]
    InstallmentFirst,
    /// Across all due installments: every fee, then every penalty, compound interest, interest, principal; oldest first within each (Civil Code art. 561).
    InterestFirstAcross,
    /// Oldest installment first; within one: principal → interest → penalty → compound interest → fees (recovery of NPLs).
    PrincipalFirst,
}

/// A component of what an installment owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Per-installment fees and the late fee.
    Fee,
    /// Penalty interest (罚息).
    Penalty,
    /// Compound interest (复利).
    CompoundInterest,
    /// Interest (利息).
    Interest,
    /// Principal (本金).
    Principal,
}

impl Component {
    /// Components in the `installment_first` / `interest_first_across` order.
    pub const CHARGES_FIRST: [Component; 5] = [
        Component::Fee,
        Component::Penalty,
        Component::CompoundInterest,
        Component::Interest,
        Component::Principal,
    ];
    /// Components in the `principal_first` order.
    pub const PRINCIPAL_FIRST: [Component; 5] = [
        Component::Principal,
        Component::Interest,
        Component::Penalty,
        Component::CompoundInterest,
        Component::Fee,
    ];
    /// Components of a not-yet-due installment paid early.
    pub const EARLY: [Component; 3] = [Component::Fee, Component::Interest, Component::Principal];
}

/// A payment received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The value date of the payment.
    pub date: NaiveDate,
    /// The amount (> 0, at most 2 decimals).
    pub amount: Decimal,
}

/// One part of a payment applied to one component of one installment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationLine {
    /// Installment number.
    pub installment: u32,
    /// Component paid.
    pub component: Component,
    /// Amount applied.
    pub amount: Decimal,
}

/// How one payment was allocated, in the order its lines were applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAllocation {
    /// The payment date.
    pub date: NaiveDate,
    /// The payment amount (always fully allocated).
    pub amount: Decimal,
    /// The lines, in application order.
    pub lines: Vec<AllocationLine>,
}

impl PaymentAllocation {
    /// The sum of the lines.
    pub fn allocated(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

/// The buckets a payment on `position.as_of` pays, in order: due installments by `order`, then later installments early.
pub fn allocation_sequence(
    position: &LoanPosition,
    order: AllocationOrder,
) -> Vec<(u32, Component)> {
    let t = position.as_of;
    let due: Vec<u32> = position
        .installments
        .iter()
        .filter(|i| i.is_due(t))
        .map(|i| i.number)
        .collect();
    let mut seq = Vec::with_capacity(position.installments.len() * 5);
    match order {
        AllocationOrder::InstallmentFirst => {
            for &n in &due {
                seq.extend(Component::CHARGES_FIRST.iter().map(|c| (n, *c)));
            }
        }
        AllocationOrder::InterestFirstAcross => {
            for c in Component::CHARGES_FIRST {
                seq.extend(due.iter().map(|n| (*n, c)));
            }
        }
        AllocationOrder::PrincipalFirst => {
            for &n in &due {
                seq.extend(Component::PRINCIPAL_FIRST.iter().map(|c| (n, *c)));
            }
        }
    }
    for i in position.installments.iter().filter(|i| !i.is_due(t)) {
        seq.extend(Component::EARLY.iter().map(|c| (i.number, *c)));
    }
    seq
}

/// Allocates one payment on top of `history` (earlier payments, date order), by `rules.allocation`.
///
/// Refuses a non-positive amount or one with more than 2 decimals (`invalid_amount`), a date before
/// the value date or before the last payment of the history (`invalid_date`), and an amount above
/// everything the loan will ever owe on its schedule (`overpayment`).
pub fn allocate_payment(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    history: &[PaymentAllocation],
    payment: Payment,
) -> EngineResult<PaymentAllocation> {
    if payment.amount <= Decimal::ZERO || !has_at_most_dp(payment.amount, 2) {
        return Err(EngineError::new(
            "amount",
            "invalid_amount",
            "a payment must be positive with at most 2 decimal places",
        ));
    }
    if payment.date < schedule.value_date {
        return Err(EngineError::new(
            "date",
            "invalid_date",
            format!(
                "a payment on {} is before the value date {}",
                payment.date, schedule.value_date
            ),
        ));
    }
    if let Some(last) = history.iter().map(|p| p.date).max() {
        if payment.date < last {
            return Err(EngineError::new(
                "date",
                "invalid_date",
                format!(
                    "a payment on {} is before the last allocated payment ({last}); reverse and re-allocate instead",
                    payment.date
                ),
            ));
        }
    }
    let position = loan_position(terms, schedule, rules, history, payment.date)?;
    let owed = position.total_outstanding();
    if payment.amount > owed {
        return Err(EngineError::new(
            "amount",
            "overpayment",
            format!(
                "the payment {} is more than everything the loan will ever owe on its schedule ({owed})",
                payment.amount
            ),
        ));
    }
    let first = position.installments.first().map_or(0, |i| i.number);
    let mut left = payment.amount;
    let mut lines = Vec::new();
    for (number, component) in allocation_sequence(&position, rules.allocation) {
        if left.is_zero() {
            break;
        }
        let Some(inst) = number
            .checked_sub(first)
            .and_then(|k| position.installments.get(k as usize))
        else {
            continue;
        };
        let take = inst.outstanding.get(component).min(left);
        if take > Decimal::ZERO {
            lines.push(AllocationLine {
                installment: number,
                component,
                amount: take,
            });
            left -= take;
        }
    }
    Ok(PaymentAllocation {
        date: payment.date,
        amount: payment.amount,
        lines,
    })
}

/// Allocates payments in order (their dates must not decrease), each on top of the previous ones.
pub fn allocate_payments(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    payments: &[Payment],
) -> EngineResult<Vec<PaymentAllocation>> {
    let mut done: Vec<PaymentAllocation> = Vec::with_capacity(payments.len());
    for p in payments {
        let a = allocate_payment(terms, schedule, rules, &done, *p)?;
        done.push(a);
    }
    Ok(done)
}

/// The allocations after reversing one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    /// Allocations of the remaining payments (the reversed one removed), in order.
    pub allocations: Vec<PaymentAllocation>,
    /// Indices into `allocations` of the payments whose allocation changed (they need reversing entries and new postings).
    pub changed: Vec<usize>,
}

/// Reverses payment `index` (冲正): earlier allocations stand; every later payment is allocated again without it.
///
/// `allocations` must be the allocations of `payments` (as [`allocate_payments`] returns them).
pub fn reverse_payment(
    terms: &LoanTerms,
    schedule: &Schedule,
    rules: &ServicingRules,
    payments: &[Payment],
    allocations: &[PaymentAllocation],
    index: usize,
) -> EngineResult<Reversal> {
    if index >= payments.len() || allocations.len() != payments.len() {
        return Err(EngineError::new(
            "payment",
            "invalid_reversal",
            "the payment to reverse is not in the history",
        ));
    }
    let mut kept: Vec<PaymentAllocation> = allocations[..index].to_vec();
    let mut changed = Vec::new();
    for (k, p) in payments.iter().enumerate().skip(index + 1) {
        let a = allocate_payment(terms, schedule, rules, &kept, *p)?;
        if a != allocations[k] {
            changed.push(kept.len());
        }
        kept.push(a);
    }
    Ok(Reversal {
        allocations: kept,
        changed,
    })
}
