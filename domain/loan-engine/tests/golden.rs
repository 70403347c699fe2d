//! Golden cases: LOAN-MATH's reference figures and one hand-checked schedule per method.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_invariants, build, d, terms};
use loan_engine::apr::apr;
use loan_engine::{CustomInstallment, Method, Term};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn amounts(s: &loan_engine::Schedule) -> Vec<(u32, String, Decimal, Decimal, Decimal)> {
    s.installments
        .iter()
        .map(|i| {
            (
                i.number,
                i.due_date.to_string(),
                i.principal,
                i.interest,
                i.total,
            )
        })
        .collect()
}

#[test]
fn bank_reference_equal_installment() {
    let t = terms(
        Method::EqualInstallment,
        dec!(1000000),
        dec!(0.049),
        Some(Term::Months(360)),
        "2026-01-15",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(s.regular_amount, Some(dec!(5307.27)));
    assert_eq!(s.installments.len(), 360);
    for i in &s.installments[..359] {
        assert_eq!(i.total, dec!(5307.27), "installment {}", i.number);
    }
    let first = &s.installments[0];
    assert_eq!(
        (first.principal, first.interest),
        (dec!(1223.94), dec!(4083.33))
    );
    assert_eq!(
        (s.installments[1].principal, s.installments[1].interest),
        (dec!(1228.93), dec!(4078.34))
    );
    let last = &s.installments[359];
    assert_eq!(
        (last.due_date, last.principal, last.interest),
        (d("2056-01-15"), dec!(5283.62), dec!(21.57))
    );
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.0490));
}

#[test]
fn bank_reference_equal_principal() {
    let t = terms(
        Method::EqualPrincipal,
        dec!(1000000),
        dec!(0.049),
        Some(Term::Months(360)),
        "2026-01-15",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(s.installments[0].total, dec!(6861.11));
    assert_eq!(s.installments[1].total, dec!(6849.77));
    assert_eq!(s.installments[0].principal, dec!(2777.78));
    // 359 × 2,777.78 = 997,223.02: the last takes the remaining 2,776.98.
    assert_eq!(s.installments[359].principal, dec!(2776.98));
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.0490));
}

#[test]
fn multiply_before_divide_in_a_schedule() {
    let t = terms(
        Method::InterestMonthly,
        dec!(100000.20),
        dec!(0.10),
        Some(Term::Months(3)),
        "2026-01-10",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(
        amounts(&s),
        vec![
            (1, "2026-02-10".into(), dec!(0), dec!(833.34), dec!(833.34)),
            (2, "2026-03-10".into(), dec!(0), dec!(833.34), dec!(833.34)),
            (
                3,
                "2026-04-10".into(),
                dec!(100000.20),
                dec!(833.34),
                dec!(100833.54)
            ),
        ]
    );
}

#[test]
fn month_end_start() {
    let t = terms(
        Method::EqualPrincipal,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(4)),
        "2026-01-31",
    );
    let s = build(&t);
    let dues: Vec<String> = s
        .installments
        .iter()
        .map(|i| i.due_date.to_string())
        .collect();
    assert_eq!(
        dues,
        ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    );
    // Interest is monthly R/12 whatever the month's length.
    assert_eq!(s.installments[0].interest, dec!(120.00));
    assert_eq!(s.installments[1].interest, dec!(90.00));
    assert_invariants(&t, &s);
}

#[test]
fn leap_day_starts() {
    let t = terms(
        Method::EqualInstallment,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(13)),
        "2028-01-31",
    );
    let s = build(&t);
    assert_eq!(s.installments[0].due_date, d("2028-02-29"));
    assert_eq!(s.installments[1].due_date, d("2028-03-31"));
    assert_eq!(s.installments[2].due_date, d("2028-04-30"));
    assert_eq!(s.installments[12].due_date, d("2029-02-28"));
    assert_invariants(&t, &s);

    let t = terms(
        Method::InterestMonthly,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2028-02-29",
    );
    let s = build(&t);
    assert_eq!(s.installments[0].due_date, d("2028-03-29"));
    assert_eq!(s.installments[11].due_date, d("2029-02-28"));
    assert_invariants(&t, &s);

    let t = terms(
        Method::Bullet,
        dec!(10000),
        dec!(0.12),
        Some(Term::Days(1)),
        "2028-02-28",
    );
    assert_eq!(build(&t).installments[0].due_date, d("2028-02-29"));
}

#[test]
fn bullet_months_and_days() {
    let t = terms(
        Method::Bullet,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(6)),
        "2026-01-31",
    );
    let s = build(&t);
    assert_eq!(
        amounts(&s),
        vec![(
            1,
            "2026-07-31".into(),
            dec!(10000),
            dec!(600.00),
            dec!(10600.00)
        )]
    );
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1200));

    let t = terms(
        Method::Bullet,
        dec!(10000),
        dec!(0.12),
        Some(Term::Days(45)),
        "2026-01-31",
    );
    let s = build(&t);
    assert_eq!(
        amounts(&s),
        vec![(
            1,
            "2026-03-17".into(),
            dec!(10000),
            dec!(150.00),
            dec!(10150.00)
        )]
    );
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1200));

    // 7 days at 18.25 %: 10,000 × 0.1825 × 7 / 360 = 35.486… → 35.49.
    let t = terms(
        Method::Bullet,
        dec!(10000),
        dec!(0.1825),
        Some(Term::Days(7)),
        "2026-05-01",
    );
    assert_eq!(build(&t).installments[0].interest, dec!(35.49));
}

#[test]
fn interest_quarterly_with_a_short_last_period() {
    let t = terms(
        Method::InterestQuarterly,
        dec!(100000),
        dec!(0.12),
        Some(Term::Months(7)),
        "2026-01-31",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(
        amounts(&s),
        vec![
            (
                1,
                "2026-04-30".into(),
                dec!(0),
                dec!(3000.00),
                dec!(3000.00)
            ),
            (
                2,
                "2026-07-31".into(),
                dec!(0),
                dec!(3000.00),
                dec!(3000.00)
            ),
            (
                3,
                "2026-08-31".into(),
                dec!(100000),
                dec!(1000.00),
                dec!(101000.00)
            ),
        ]
    );
    // round(P·R/4) on an odd principal: 33,333.33 × 0.1 / 4 = 833.33325 → 833.33.
    let t = terms(
        Method::InterestQuarterly,
        dec!(33333.33),
        dec!(0.1),
        Some(Term::Months(6)),
        "2026-01-01",
    );
    assert_eq!(build(&t).installments[0].interest, dec!(833.33));
}

#[test]
fn interest_upfront_months_and_days() {
    let t = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-03-01",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(
        amounts(&s),
        vec![
            (
                0,
                "2026-03-01".into(),
                dec!(0),
                dec!(1200.00),
                dec!(1200.00)
            ),
            (1, "2027-03-01".into(), dec!(10000), dec!(0), dec!(10000)),
        ]
    );
    // Net payout 8,800, repaid 10,000 after 12 months: 1,200 / 8,800 = 0.13636… → 0.1364.
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1364));

    let t = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(0.12),
        Some(Term::Days(90)),
        "2026-03-01",
    );
    let s = build(&t);
    assert_eq!(s.installments[0].interest, dec!(300.00));
    assert_eq!(s.installments[1].due_date, d("2026-05-30"));
    // 300 / 9,700 × 12 / 3 = 0.12371… → 0.1237.
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1237));

    // Interest reaching the payout is refused: the interest may never be deducted from the principal.
    let t = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(1),
        Some(Term::Months(12)),
        "2026-03-01",
    );
    let s = build(&t);
    let e = apr(&t, &s).unwrap_err();
    assert_eq!(e.code, "net_payout_not_positive");
}

#[test]
fn equal_principal_and_installment_small() {
    let t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(s.regular_amount, Some(dec!(1066.19)));
    assert_eq!(s.installments[0].interest, dec!(120.00));
    assert_eq!(s.installments[0].principal, dec!(946.19));
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1200));

    // R = 0: A = round(P/n), the last takes the rest.
    let t = terms(
        Method::EqualInstallment,
        dec!(1000),
        dec!(0),
        Some(Term::Months(3)),
        "2026-01-10",
    );
    let s = build(&t);
    let p: Vec<Decimal> = s.installments.iter().map(|i| i.principal).collect();
    assert_eq!(p, vec![dec!(333.33), dec!(333.33), dec!(333.34)]);
    assert_eq!(apr(&t, &s).unwrap(), dec!(0));
}

#[test]
fn tiny_loan_over_a_long_term_ends_early_with_zero_installments() {
    let t = terms(
        Method::EqualPrincipal,
        dec!(10.00),
        dec!(0.12),
        Some(Term::Months(360)),
        "2026-01-10",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(s.installments.len(), 360);
    assert_eq!(s.installments[332].principal, dec!(0.03));
    assert_eq!(s.installments[333].principal, dec!(0.01));
    assert!(s.installments[334..].iter().all(|i| i.total.is_zero()));

    let t = terms(
        Method::EqualInstallment,
        dec!(0.05),
        dec!(0.36),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    assert_invariants(&t, &s);
}

#[test]
fn fixed_repay_day_regular_is_the_plain_schedule_on_day_d() {
    let mut t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let plain = build(&t);
    t.repay_day = Some(10);
    let fixed = build(&t);
    assert_eq!(plain, fixed);

    // d0 = 01-31 and D = 28: the first due date 02-28 is add_months(d0, 1), so the schedule is regular, then every 28th.
    let mut t = terms(
        Method::InterestMonthly,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(3)),
        "2026-01-31",
    );
    t.repay_day = Some(28);
    let s = build(&t);
    let dues: Vec<String> = s
        .installments
        .iter()
        .map(|i| i.due_date.to_string())
        .collect();
    assert_eq!(dues, ["2026-02-28", "2026-03-28", "2026-04-28"]);
    assert!(s.installments.iter().all(|i| i.interest == dec!(100.00)));
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1200));
}

#[test]
fn fixed_repay_day_irregular_first_period() {
    let mut t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-20",
    );
    t.repay_day = Some(1);
    let s = build(&t);
    assert_invariants(&t, &s);
    // First due 03-01 (02-01 is only 12 days away): 40 days of interest, a regular first principal part.
    let expected = [
        ("2026-03-01", dec!(946.19), dec!(160.00)),
        ("2026-04-01", dec!(955.65), dec!(110.54)),
        ("2026-05-01", dec!(965.21), dec!(100.98)),
        ("2026-06-01", dec!(974.86), dec!(91.33)),
        ("2026-07-01", dec!(984.61), dec!(81.58)),
        ("2026-08-01", dec!(994.46), dec!(71.73)),
        ("2026-09-01", dec!(1004.40), dec!(61.79)),
        ("2026-10-01", dec!(1014.44), dec!(51.75)),
        ("2026-11-01", dec!(1024.59), dec!(41.60)),
        ("2026-12-01", dec!(1034.83), dec!(31.36)),
        ("2027-01-01", dec!(1045.18), dec!(21.01)),
        ("2027-02-01", dec!(1055.58), dec!(10.56)),
    ];
    for (i, (due, p, int)) in s.installments.iter().zip(expected) {
        assert_eq!(
            (i.due_date.to_string(), i.principal, i.interest),
            (due.to_string(), p, int)
        );
    }
    assert_eq!(s.periods[0].apr_time_30ths, 40);
    assert_eq!(s.periods[1].apr_time_30ths, 70);
    // Independent high-precision IRR: 0.119961… → 0.1200.
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1200));

    let mut t = terms(
        Method::EqualPrincipal,
        dec!(3000),
        dec!(0.12),
        Some(Term::Months(3)),
        "2026-01-05",
    );
    t.repay_day = Some(25);
    let s = build(&t);
    assert_invariants(&t, &s);
    // 01-25 is 20 days after d0: interest 3000 × 0.12 × 20 / 360 = 20.00; principal the regular 1,000.
    assert_eq!(
        amounts(&s),
        vec![
            (
                1,
                "2026-01-25".into(),
                dec!(1000),
                dec!(20.00),
                dec!(1020.00)
            ),
            (
                2,
                "2026-02-25".into(),
                dec!(1000),
                dec!(20.00),
                dec!(1020.00)
            ),
            (
                3,
                "2026-03-25".into(),
                dec!(1000),
                dec!(10.00),
                dec!(1010.00)
            ),
        ]
    );

    let mut t = terms(
        Method::InterestMonthly,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(2)),
        "2026-01-20",
    );
    t.repay_day = Some(5);
    let s = build(&t);
    // 02-05 is 16 days after 01-20: 10000 × 0.12 × 16 / 360 = 53.333 → 53.33.
    assert_eq!(s.installments[0].interest, dec!(53.33));
    assert_eq!(s.installments[1].interest, dec!(100.00));
}

#[test]
fn custom_schedule() {
    let mut t = terms(Method::Custom, dec!(10000), dec!(0.12), None, "2026-01-01");
    t.custom = vec![
        CustomInstallment {
            due_date: d("2026-02-01"),
            principal: dec!(3000),
        },
        CustomInstallment {
            due_date: d("2026-04-15"),
            principal: dec!(0),
        },
        CustomInstallment {
            due_date: d("2026-06-30"),
            principal: dec!(7000),
        },
    ];
    let s = build(&t);
    assert_invariants(&t, &s);
    assert_eq!(
        amounts(&s),
        vec![
            (
                1,
                "2026-02-01".into(),
                dec!(3000),
                dec!(103.33),
                dec!(3103.33)
            ),
            (2, "2026-04-15".into(), dec!(0), dec!(170.33), dec!(170.33)),
            (
                3,
                "2026-06-30".into(),
                dec!(7000),
                dec!(177.33),
                dec!(7177.33)
            ),
        ]
    );
    // Independent high-precision IRR on days/30 times: 0.119318… → 0.1193.
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.1193));
}

#[test]
fn per_installment_and_payout_fees_move_the_apr() {
    use loan_engine::{Fee, FeeBasis, FeeKind};
    let mut t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    t.fees = vec![
        Fee::new(
            FeeKind::PerInstallment,
            FeeBasis::PercentOfPrincipal(dec!(0.001)),
            "服务费",
        )
        .unwrap(),
        Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(100)), "手续费").unwrap(),
    ];
    let s = build(&t);
    assert_invariants(&t, &s);
    assert!(s.installments.iter().all(|i| i.fee == dec!(12.00)));
    assert_eq!(s.installments[0].total, dec!(1078.19));
    let a = apr(&t, &s).unwrap();
    assert!(a > dec!(0.14) && a < dec!(0.16), "{a}");
}

#[test]
fn small_principals_can_move_the_fourth_decimal_of_the_apr() {
    // Half-fen rounding of the interest on a small principal shifts the IRR by up to 12 × 0.005 / P:
    // LOAN-MATH's "exact to 4 decimals from about 1,000 up" holds within one unit of the 4th decimal
    // below 2,400 and exactly above it (see the property test).
    let t = terms(
        Method::InterestMonthly,
        dec!(1087.67),
        dec!(0.0678),
        Some(Term::Months(1)),
        "2026-01-10",
    );
    let s = build(&t);
    assert_eq!(s.installments[0].interest, dec!(6.15)); // 6.14533… rounded up
    assert_eq!(apr(&t, &s).unwrap(), dec!(0.0679));
    let t = terms(
        Method::EqualPrincipal,
        dec!(1313.69),
        dec!(0.1694),
        Some(Term::Months(18)),
        "2026-01-10",
    );
    assert_eq!(apr(&t, &build(&t)).unwrap(), dec!(0.1693));
    let t = terms(
        Method::InterestMonthly,
        dec!(2400),
        dec!(0.0678),
        Some(Term::Months(1)),
        "2026-01-10",
    );
    assert_eq!(apr(&t, &build(&t)).unwrap(), dec!(0.0678));
}

#[test]
fn product_setup_checks_four_extreme_cases_against_the_cap() {
    use loan_engine::apr::{check_product_apr, ProductAprCheck};
    use loan_engine::{Fee, FeeBasis, FeeKind, DEFAULT_APR_CAP};
    let mut product = ProductAprCheck {
        method: Method::EqualInstallment,
        max_rate: dec!(0.18),
        fees: vec![Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(200)), "手续费").unwrap()],
        min_amount: dec!(5000),
        max_amount: dec!(200000),
        shortest: Term::Months(3),
        longest: Term::Months(36),
        created_on: d("2026-01-15"),
        cap: DEFAULT_APR_CAP,
    };
    // The fixed fee weighs most on the smallest amount over the shortest term.
    let e = check_product_apr(&product).unwrap_err();
    assert_eq!((e.code, e.field), ("apr_above_cap", Some("max_rate")));
    product.min_amount = dec!(50000);
    let cases = check_product_apr(&product).unwrap();
    assert_eq!(cases.len(), 4);
    assert!(cases
        .iter()
        .all(|c| c.apr <= DEFAULT_APR_CAP && c.apr >= dec!(0.18)));
}
