//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use loan_engine::{build_schedule, LoanTerms, Method, Schedule, Term};
use rust_decimal::Decimal;

/// Parses `YYYY-MM-DD`.
pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// Terms without fees, repay day or custom installments.
pub fn terms(
    method: Method,
    principal: Decimal,
    rate: Decimal,
    term: Option<Term>,
    start: &str,
) -> LoanTerms {
    LoanTerms {
        method,
        principal,
        annual_rate: rate,
        term,
        value_date: d(start),
        repay_day: None,
        custom: Vec::new(),
        fees: Vec::new(),
    }
}

/// Builds, panicking with the engine's message on refusal.
pub fn build(t: &LoanTerms) -> Schedule {
    build_schedule(t).unwrap_or_else(|e| panic!("{}: {}", e.code, e.message))
}

/// Checks the LOAN-MATH invariants of a schedule.
pub fn assert_invariants(t: &LoanTerms, s: &Schedule) {
    assert_eq!(s.total_principal(), t.principal, "principal parts sum to P");
    assert_eq!(s.installments.len(), s.periods.len());
    let mut prev: Option<NaiveDate> = None;
    let mut balance = t.principal;
    for i in &s.installments {
        assert!(
            i.principal >= Decimal::ZERO && i.interest >= Decimal::ZERO && i.fee >= Decimal::ZERO
        );
        assert!(i.balance_after >= Decimal::ZERO);
        assert_eq!(i.total, i.principal + i.interest + i.fee);
        balance -= i.principal;
        assert_eq!(i.balance_after, balance);
        if let Some(p) = prev {
            assert!(i.due_date > p, "due dates strictly increase");
        }
        prev = Some(i.due_date);
    }
    assert_eq!(
        s.installments.last().map(|i| i.balance_after),
        Some(Decimal::ZERO)
    );
}
