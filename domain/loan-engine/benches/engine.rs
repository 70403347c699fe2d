//! Loan engine benchmarks (issue 3): schedules per second, penalty accrual over 1,000,000 installments, APR of a 36-period schedule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use loan_engine::apr::apr;
use loan_engine::penalty::{overdue_charges, OverdueInput};
use loan_engine::{build_schedule, LoanTerms, Method, Term};
use rust_decimal::Decimal;

fn terms(months: u32, repay_day: Option<u32>) -> LoanTerms {
    LoanTerms {
        method: Method::EqualInstallment,
        principal: Decimal::new(12_345_678, 2),
        annual_rate: Decimal::new(1234, 4),
        term: Some(Term::Months(months)),
        value_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        repay_day,
        custom: Vec::new(),
        fees: Vec::new(),
    }
}

fn schedules(c: &mut Criterion) {
    let mut g = c.benchmark_group("equal_installment_schedule");
    g.throughput(Throughput::Elements(1));
    for n in [12u32, 36, 360] {
        let t = terms(n, None);
        g.bench_with_input(BenchmarkId::from_parameter(n), &t, |b, t| {
            b.iter(|| build_schedule(black_box(t)).unwrap())
        });
    }
    g.finish();
}

/// One installment of the penalty benchmark.
struct Overdue {
    due: NaiveDate,
    principal: Decimal,
    interest: Decimal,
    pattern: usize,
}

fn penalty(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    // Payment patterns relative to the due date: none, one part payment, two part payments, paid late in full.
    let patterns: Vec<Vec<(u64, i64)>> = vec![
        vec![],
        vec![(5, 40)],
        vec![(3, 25), (17, 30)],
        vec![(30, 100)],
    ];
    // Per due-date offset (0..365) and pattern: the absolute payments of an installment of 10,000.00 principal (scaled below).
    let dues: Vec<NaiveDate> = (0..365).map(|k| base + Days::new(k)).collect();
    let paid: Vec<Vec<Vec<(NaiveDate, Decimal)>>> = dues
        .iter()
        .map(|due| {
            patterns
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|(off, pct)| (*due + Days::new(*off), Decimal::new(*pct * 100, 0)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let book: Vec<Overdue> = (0..N)
        .map(|k| Overdue {
            due: dues[k % 365],
            principal: Decimal::new(1_000_000, 2),
            interest: Decimal::new(10_000 + (k % 997) as i64, 2),
            pattern: k % patterns.len(),
        })
        .collect();
    let as_of = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let rate = Decimal::new(18, 2);
    let mut g = c.benchmark_group("penalty_accrual");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("1000000_installments", |b| {
        b.iter(|| {
            let mut total = Decimal::ZERO;
            for (k, i) in book.iter().enumerate() {
                let payments = &paid[k % 365][i.pattern];
                let charges = overdue_charges(
                    &OverdueInput {
                        due: i.due,
                        principal: i.principal,
                        interest: i.interest,
                        principal_payments: payments,
                        interest_payments: &[],
                        settled_on: None,
                    },
                    rate,
                    0,
                    true,
                    black_box(as_of),
                );
                total += charges.penalty + charges.compound_interest;
            }
            total
        })
    });
    g.finish();
}

fn apr_36(c: &mut Criterion) {
    let mut g = c.benchmark_group("apr");
    g.throughput(Throughput::Elements(1));
    let regular = terms(36, None);
    let s = build_schedule(&regular).unwrap();
    g.bench_function("36_periods_regular", |b| {
        b.iter(|| apr(black_box(&regular), black_box(&s)).unwrap())
    });
    let irregular = terms(36, Some(20));
    let s = build_schedule(&irregular).unwrap();
    g.bench_function("36_periods_irregular_first", |b| {
        b.iter(|| apr(black_box(&irregular), black_box(&s)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, schedules, penalty, apr_36);
criterion_main!(benches);
