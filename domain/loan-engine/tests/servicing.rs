//! Golden cases for servicing: penalty, DPD, fees, allocation, payoff, partial prepayment, extension, accrual.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{build, d, terms};
use loan_engine::accrual::{interest_to_recognise, Recognition};
use loan_engine::allocation::allocation_sequence;
use loan_engine::extension::{extend, extension_limit, ExtensionPolicy, ExtensionRequest};
use loan_engine::{
    allocate_payment, allocate_payments, loan_position, partial_prepayment, payoff_quote,
    reverse_payment, AllocationLine, AllocationOrder, Component, Fee, FeeBasis, FeeKind, LoanTerms,
    Method, Payment, PaymentAllocation, PrepaymentMode, Schedule, ServicingRules, Term,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// A 30-day bullet of 10,000 at 12 % (penalty rate 18 %): due 2026-03-10, interest 100.00.
fn penalty_loan() -> (LoanTerms, Schedule) {
    let t = terms(
        Method::Bullet,
        dec!(10000),
        dec!(0.12),
        Some(Term::Days(30)),
        "2026-02-08",
    );
    let s = build(&t);
    assert_eq!(s.installments[0].due_date, d("2026-03-10"));
    assert_eq!(s.installments[0].interest, dec!(100.00));
    (t, s)
}

fn pay(date: &str, amount: Decimal) -> Payment {
    Payment {
        date: d(date),
        amount,
    }
}

fn line(installment: u32, component: Component, amount: Decimal) -> AllocationLine {
    AllocationLine {
        installment,
        component,
        amount,
    }
}

#[test]
fn penalty_paid_in_full_after_ten_days() {
    let (t, s) = penalty_loan();
    let rules = ServicingRules::default();
    let pos = loan_position(&t, &s, &rules, &[], d("2026-03-20")).unwrap();
    assert_eq!(pos.installments[0].owed.penalty, dec!(50.00));
    assert_eq!(pos.days_past_due, 10);
    let a = allocate_payment(&t, &s, &rules, &[], pay("2026-03-20", dec!(10150))).unwrap();
    assert_eq!(
        a.lines,
        vec![
            line(1, Component::Penalty, dec!(50.00)),
            line(1, Component::Interest, dec!(100.00)),
            line(1, Component::Principal, dec!(10000)),
        ]
    );
    let after = loan_position(&t, &s, &rules, &[a], d("2026-04-20")).unwrap();
    assert!(after.is_settled());
    assert_eq!(after.days_past_due, 0);
}

#[test]
fn penalty_by_segments_after_a_part_payment() {
    let (t, s) = penalty_loan();
    let rules = ServicingRules {
        allocation: AllocationOrder::PrincipalFirst,
        ..ServicingRules::default()
    };
    let first = allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", dec!(5000))).unwrap();
    assert_eq!(first.lines, vec![line(1, Component::Principal, dec!(5000))]);
    let pos = loan_position(
        &t,
        &s,
        &rules,
        std::slice::from_ref(&first),
        d("2026-03-20"),
    )
    .unwrap();
    // 5 days on 10,000 and 5 on 5,000 at 18 %: 37.50.
    assert_eq!(pos.installments[0].owed.penalty, dec!(37.50));
    let rest =
        allocate_payment(&t, &s, &rules, &[first], pay("2026-03-20", dec!(5137.50))).unwrap();
    assert_eq!(
        rest.lines,
        vec![
            line(1, Component::Principal, dec!(5000)),
            line(1, Component::Interest, dec!(100.00)),
            line(1, Component::Penalty, dec!(37.50)),
        ]
    );
}

#[test]
fn grace_days_late_fee_and_compound_interest() {
    let (mut t, s) = penalty_loan();
    t.fees = vec![Fee::new(FeeKind::Late, FeeBasis::Fixed(dec!(30)), "滞纳金").unwrap()];
    let rules = ServicingRules {
        grace_days: 3,
        compound_interest: true,
        ..ServicingRules::default()
    };
    // Paid in full on the last grace day: no penalty, no late fee.
    let pos = loan_position(&t, &s, &rules, &[], d("2026-03-13")).unwrap();
    assert_eq!(pos.installments[0].owed.penalty, dec!(0));
    assert_eq!(pos.installments[0].owed.fee, dec!(0));
    assert_eq!(pos.days_past_due, 3);
    let a = allocate_payment(&t, &s, &rules, &[], pay("2026-03-13", dec!(10100))).unwrap();
    let later = loan_position(&t, &s, &rules, &[a], d("2026-05-01")).unwrap();
    assert!(later.is_settled());
    assert!(!later.installments[0].late_fee_charged);

    // Unpaid at the end of the grace: late fee once, penalty and compound interest from the due date.
    let pos = loan_position(&t, &s, &rules, &[], d("2026-03-14")).unwrap();
    let i = &pos.installments[0];
    assert!(i.late_fee_charged);
    assert_eq!(i.owed.fee, dec!(30));
    assert_eq!(i.owed.penalty, dec!(20.00)); // 4 days × 10,000 × 18 % / 360
    assert_eq!(i.owed.compound_interest, dec!(0.20)); // 4 days × 100 × 18 % / 360
    let pos = loan_position(&t, &s, &rules, &[], d("2026-06-14")).unwrap();
    assert_eq!(pos.installments[0].owed.fee, dec!(30));
}

#[test]
fn days_past_due_at_close_of_business() {
    let t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    let rules = ServicingRules::default();
    // COB for 02-10 computes as of 02-11: the installment due 02-10 and unpaid has DPD 1.
    assert_eq!(
        loan_position(&t, &s, &rules, &[], d("2026-02-10"))
            .unwrap()
            .days_past_due,
        0
    );
    assert_eq!(
        loan_position(&t, &s, &rules, &[], d("2026-02-11"))
            .unwrap()
            .days_past_due,
        1
    );
    // Two installments overdue: the loan's DPD is the oldest's.
    let pos = loan_position(&t, &s, &rules, &[], d("2026-03-15")).unwrap();
    assert_eq!(pos.installments[0].days_past_due, 33);
    assert_eq!(pos.installments[1].days_past_due, 5);
    assert_eq!(pos.days_past_due, 33);
    // Paying principal and interest (not the penalty) clears DPD.
    let owed = pos.installments[0].owed;
    let rules_pf = ServicingRules {
        allocation: AllocationOrder::PrincipalFirst,
        ..rules
    };
    let a = allocate_payment(
        &t,
        &s,
        &rules_pf,
        &[],
        pay("2026-03-15", owed.principal + owed.interest),
    )
    .unwrap();
    let pos = loan_position(&t, &s, &rules_pf, &[a], d("2026-03-15")).unwrap();
    assert_eq!(pos.installments[0].days_past_due, 0);
    assert!(pos.installments[0].outstanding.penalty > Decimal::ZERO);
    assert_eq!(pos.days_past_due, 5);
}

fn two_overdue() -> (LoanTerms, Schedule) {
    let mut t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    t.fees = vec![Fee::new(
        FeeKind::PerInstallment,
        FeeBasis::Fixed(dec!(5)),
        "账户管理费",
    )
    .unwrap()];
    (t.clone(), build(&t))
}

#[test]
fn the_three_orders() {
    let (t, s) = two_overdue();
    let base = ServicingRules::default();
    let pos = loan_position(&t, &s, &base, &[], d("2026-03-15")).unwrap();
    // 946.19 × 18 % × 33 / 360 = 15.61; 955.65 × 18 % × 5 / 360 = 2.39.
    assert_eq!(pos.installments[0].owed.penalty, dec!(15.61));
    assert_eq!(pos.installments[1].owed.penalty, dec!(2.39));
    assert_eq!(pos.due_outstanding().total(), dec!(2160.38));

    let by = |order| {
        let rules = ServicingRules {
            allocation: order,
            ..ServicingRules::default()
        };
        allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", dec!(200)))
            .unwrap()
            .lines
    };
    assert_eq!(
        by(AllocationOrder::InstallmentFirst),
        vec![
            line(1, Component::Fee, dec!(5)),
            line(1, Component::Penalty, dec!(15.61)),
            line(1, Component::Interest, dec!(120.00)),
            line(1, Component::Principal, dec!(59.39)),
        ]
    );
    assert_eq!(
        by(AllocationOrder::InterestFirstAcross),
        vec![
            line(1, Component::Fee, dec!(5)),
            line(2, Component::Fee, dec!(5)),
            line(1, Component::Penalty, dec!(15.61)),
            line(2, Component::Penalty, dec!(2.39)),
            line(1, Component::Interest, dec!(120.00)),
            line(2, Component::Interest, dec!(52.00)),
        ]
    );
    assert_eq!(
        by(AllocationOrder::PrincipalFirst),
        vec![line(1, Component::Principal, dec!(200))]
    );
}

#[test]
fn the_rest_pays_the_next_installment_early_at_its_scheduled_amounts() {
    let (t, s) = two_overdue();
    let rules = ServicingRules::default();
    let a = allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", dec!(2500))).unwrap();
    assert_eq!(
        a.lines[a.lines.len() - 3..],
        [
            line(3, Component::Fee, dec!(5)),
            line(3, Component::Interest, dec!(100.98)),
            line(3, Component::Principal, dec!(233.64)),
        ]
    );
    assert_eq!(a.allocated(), dec!(2500));
    // Installment 3 finished early on 03-20: at its due date nothing is overdue, no penalty ever.
    let rest = dec!(965.21) - dec!(233.64);
    let b = allocate_payment(
        &t,
        &s,
        &rules,
        std::slice::from_ref(&a),
        pay("2026-03-20", rest),
    )
    .unwrap();
    assert_eq!(b.lines, vec![line(3, Component::Principal, rest)]);
    let pos = loan_position(&t, &s, &rules, &[a, b], d("2026-04-30")).unwrap();
    assert_eq!(pos.installments[2].days_past_due, 0);
    assert_eq!(pos.installments[2].owed.penalty, dec!(0));
    assert_eq!(pos.installments[2].settled_on, Some(d("2026-03-20")));
}

#[test]
fn more_than_the_loan_will_ever_owe_is_refused() {
    let (t, s) = two_overdue();
    let rules = ServicingRules::default();
    let pos = loan_position(&t, &s, &rules, &[], d("2026-03-15")).unwrap();
    let all = pos.total_outstanding();
    let e = allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", all + dec!(0.01))).unwrap_err();
    assert_eq!((e.code, e.field), ("overpayment", Some("amount")));
    let a = allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", all)).unwrap();
    assert!(loan_position(&t, &s, &rules, &[a], d("2027-06-01"))
        .unwrap()
        .is_settled());
    for bad in [dec!(0), dec!(-1), dec!(1.001)] {
        let e = allocate_payment(&t, &s, &rules, &[], pay("2026-03-15", bad)).unwrap_err();
        assert_eq!(e.code, "invalid_amount");
    }
    let e = allocate_payment(&t, &s, &rules, &[], pay("2026-01-09", dec!(1))).unwrap_err();
    assert_eq!(e.code, "invalid_date");
}

#[test]
fn reversing_a_payment_reallocates_the_later_ones() {
    let (t, s) = penalty_loan();
    let rules = ServicingRules {
        allocation: AllocationOrder::PrincipalFirst,
        ..ServicingRules::default()
    };
    let payments = [
        pay("2026-03-15", dec!(5000)),
        pay("2026-03-20", dec!(5137.50)),
    ];
    let allocs = allocate_payments(&t, &s, &rules, &payments).unwrap();
    let r = reverse_payment(&t, &s, &rules, &payments, &allocs, 0).unwrap();
    // Without the first payment, 5,137.50 on 03-20 pays principal only; the penalty is now 10 days on 10,000.
    assert_eq!(
        r.allocations,
        vec![PaymentAllocation {
            date: d("2026-03-20"),
            amount: dec!(5137.50),
            lines: vec![line(1, Component::Principal, dec!(5137.50))],
        }]
    );
    assert_eq!(r.changed, vec![0]);
    assert_eq!(
        r.allocations,
        allocate_payments(&t, &s, &rules, &payments[1..]).unwrap()
    );
}

#[test]
fn allocation_sequence_lists_due_then_early() {
    let (t, s) = two_overdue();
    let pos = loan_position(&t, &s, &ServicingRules::default(), &[], d("2026-03-15")).unwrap();
    let seq = allocation_sequence(&pos, AllocationOrder::PrincipalFirst);
    assert_eq!(seq[0], (1, Component::Principal));
    assert_eq!(seq[4], (1, Component::Fee));
    assert_eq!(seq[10], (3, Component::Fee));
    assert_eq!(seq.len(), 2 * 5 + 10 * 3);
}

/// 12,000 at 12 % over 12 months from 2026-01-10; installments 1 and 2 paid on their due dates.
fn paid_two() -> (LoanTerms, Schedule, Vec<PaymentAllocation>) {
    let t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    let payments = [
        pay("2026-02-10", dec!(1066.19)),
        pay("2026-03-10", dec!(1066.19)),
    ];
    let h = allocate_payments(&t, &s, &ServicingRules::default(), &payments).unwrap();
    (t, s, h)
}

#[test]
fn payoff_quote_mid_period() {
    let (mut t, s, h) = paid_two();
    let rules = ServicingRules::default();
    let q = payoff_quote(&t, &s, &rules, &h, d("2026-03-25")).unwrap();
    assert_eq!(q.overdue.total(), dec!(0));
    assert_eq!(q.future_principal, dec!(10098.16));
    // 10,098.16 × 12 % × 15 / 360 = 50.4908 → 50.49.
    assert_eq!(q.current_interest, dec!(50.49));
    assert_eq!(q.total, dec!(10148.65));
    // On a due date the current period has 0 days.
    let q = payoff_quote(&t, &s, &rules, &h, d("2026-03-10")).unwrap();
    assert_eq!((q.current_interest, q.total), (dec!(0), dec!(10098.16)));

    t.fees = vec![Fee::new(
        FeeKind::Prepayment,
        FeeBasis::PercentOfPrincipal(dec!(0.02)),
        "提前还款违约金",
    )
    .unwrap()];
    let q = payoff_quote(&t, &s, &rules, &h, d("2026-03-25")).unwrap();
    assert_eq!(q.prepayment_fee, dec!(201.96));
    assert_eq!(q.total, dec!(10350.61));
}

#[test]
fn payoff_with_overdue_and_interest_paid_ahead() {
    let (t, s, mut h) = paid_two();
    let rules = ServicingRules::default();
    // Installment 3 paid early on 03-25 (1,066.19), then payoff asked on 03-31: its interest 100.98 is credited.
    let early = allocate_payment(&t, &s, &rules, &h, pay("2026-03-25", dec!(1066.19))).unwrap();
    h.push(early);
    let q = payoff_quote(&t, &s, &rules, &h, d("2026-03-31")).unwrap();
    assert_eq!(q.future_principal, dec!(10098.16) - dec!(965.21));
    assert_eq!(q.interest_paid_ahead, dec!(100.98));
    // Current interest on the scheduled 10,098.16 for 21 days: 70.687… → 70.69.
    assert_eq!(q.current_interest, dec!(70.69));
    assert_eq!(q.total, dec!(9132.95) + dec!(70.69) - dec!(100.98));

    // Nothing paid at all: as of 03-15 both installments are overdue with penalty.
    let q = payoff_quote(&t, &s, &rules, &[], d("2026-03-15")).unwrap();
    assert_eq!(q.overdue.penalty, dec!(15.61) + dec!(2.39));
    assert_eq!(q.overdue.principal + q.future_principal, dec!(12000));
}

#[test]
fn payoff_of_interest_upfront_refunds_unearned_interest() {
    let t = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-03-01",
    );
    let s = build(&t);
    let rules = ServicingRules::default();
    let h = allocate_payments(&t, &s, &rules, &[pay("2026-03-01", dec!(1200))]).unwrap();
    let q = payoff_quote(&t, &s, &rules, &h, d("2026-06-09")).unwrap();
    // Earned 10,000 × 12 % × 100 / 360 = 333.33; refund 1,200 − 333.33 = 866.67.
    assert_eq!(q.current_interest, dec!(0));
    assert_eq!(q.upfront_interest_refund, dec!(866.67));
    assert_eq!(q.total, dec!(9133.33));
    let off = ServicingRules {
        refund_unearned_upfront_interest: false,
        ..rules.clone()
    };
    assert_eq!(
        payoff_quote(&t, &s, &off, &h, d("2026-06-09"))
            .unwrap()
            .total,
        dec!(10000)
    );
    assert_eq!(
        payoff_quote(&t, &s, &rules, &h, d("2027-03-01"))
            .unwrap()
            .upfront_interest_refund,
        dec!(0)
    );
}

#[test]
fn partial_prepayment_keep_term() {
    let (t, s, h) = paid_two();
    let p = partial_prepayment(
        &t,
        &s,
        &ServicingRules::default(),
        &h,
        d("2026-03-25"),
        dec!(5000),
        PrepaymentMode::KeepTerm,
    )
    .unwrap();
    assert_eq!(p.current_interest, dec!(50.49));
    assert_eq!(p.total, dec!(5050.49));
    assert_eq!(p.new_balance, dec!(5098.16));
    assert_eq!(p.schedule.regular_amount, Some(dec!(538.27)));
    assert_eq!(p.remaining.len(), 10);
    let r = &p.remaining;
    assert_eq!(
        (r[0].number, r[0].due_date, r[0].principal, r[0].interest),
        (3, d("2026-04-10"), dec!(487.29), dec!(27.19))
    );
    assert_eq!(r[0].period_start, d("2026-03-25"));
    assert_eq!((r[1].principal, r[1].interest), (dec!(492.16), dec!(46.11)));
    assert_eq!(
        (r[9].due_date, r[9].principal, r[9].interest),
        (d("2027-01-10"), dec!(533.00), dec!(5.33))
    );
    assert_eq!(
        r.iter().map(|i| i.principal).sum::<Decimal>(),
        dec!(5098.16)
    );
    assert_eq!(p.schedule.installments.len(), 12);
    // A payoff later in the new first period counts interest from the prepayment date on the new balance.
    let q = payoff_quote(
        &t,
        &p.schedule,
        &ServicingRules::default(),
        &h,
        d("2026-04-04"),
    )
    .unwrap();
    assert_eq!(q.current_interest, dec!(16.99)); // 5,098.16 × 12 % × 10 / 360 = 16.9939
}

#[test]
fn partial_prepayment_keep_installment_ends_earlier() {
    let (t, s, h) = paid_two();
    let p = partial_prepayment(
        &t,
        &s,
        &ServicingRules::default(),
        &h,
        d("2026-03-25"),
        dec!(5000),
        PrepaymentMode::KeepInstallment,
    )
    .unwrap();
    let got: Vec<(String, Decimal, Decimal)> = p
        .remaining
        .iter()
        .map(|i| (i.due_date.to_string(), i.principal, i.interest))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-04-10".into(), dec!(1015.21), dec!(27.19)),
            ("2026-05-10".into(), dec!(1025.36), dec!(40.83)),
            ("2026-06-10".into(), dec!(1035.61), dec!(30.58)),
            ("2026-07-10".into(), dec!(1045.97), dec!(20.22)),
            ("2026-08-10".into(), dec!(976.01), dec!(9.76)),
        ]
    );
    assert_eq!(p.schedule.maturity(), d("2026-08-10"));
}

#[test]
fn partial_prepayment_of_interest_only_and_equal_principal() {
    let t = terms(
        Method::InterestMonthly,
        dec!(100000),
        dec!(0.12),
        Some(Term::Months(6)),
        "2026-01-10",
    );
    let s = build(&t);
    let rules = ServicingRules::default();
    let h = allocate_payments(&t, &s, &rules, &[pay("2026-02-10", dec!(1000))]).unwrap();
    let p = partial_prepayment(
        &t,
        &s,
        &rules,
        &h,
        d("2026-02-20"),
        dec!(40000),
        PrepaymentMode::KeepInstallment,
    )
    .unwrap();
    assert_eq!(p.current_interest, dec!(333.33)); // 100,000 × 12 % × 10 / 360
    assert_eq!(p.remaining.len(), 5);
    assert_eq!(p.remaining[0].interest, dec!(360.00)); // 60,000 × 12 % × 18 / 360
    assert_eq!(p.remaining[1].interest, dec!(600.00));
    assert_eq!(p.remaining[4].principal, dec!(60000));

    let t = terms(
        Method::EqualPrincipal,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    let keep = partial_prepayment(
        &t,
        &s,
        &rules,
        &[],
        d("2026-01-10"),
        dec!(6000),
        PrepaymentMode::KeepInstallment,
    )
    .unwrap();
    assert_eq!(keep.remaining.len(), 6);
    assert!(keep.remaining.iter().all(|i| i.principal == dec!(1000)));
    let term = partial_prepayment(
        &t,
        &s,
        &rules,
        &[],
        d("2026-01-10"),
        dec!(6000),
        PrepaymentMode::KeepTerm,
    )
    .unwrap();
    assert_eq!(term.remaining.len(), 12);
    assert!(term.remaining.iter().all(|i| i.principal == dec!(500)));

    let e = partial_prepayment(
        &t,
        &s,
        &rules,
        &[],
        d("2026-01-10"),
        dec!(12000),
        PrepaymentMode::KeepTerm,
    )
    .unwrap_err();
    assert_eq!(e.code, "invalid_prepayment");
    let up = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-03-01",
    );
    let e = partial_prepayment(
        &up,
        &build(&up),
        &rules,
        &[],
        d("2026-04-01"),
        dec!(1000),
        PrepaymentMode::KeepTerm,
    )
    .unwrap_err();
    assert_eq!(e.code, "prepayment_not_supported");
}

#[test]
fn extension_limits_of_article_12() {
    assert_eq!(extension_limit(Term::Months(12)), Term::Months(12));
    assert_eq!(extension_limit(Term::Months(13)), Term::Months(6));
    assert_eq!(extension_limit(Term::Months(60)), Term::Months(30));
    assert_eq!(extension_limit(Term::Months(61)), Term::Months(36));
    assert_eq!(extension_limit(Term::Days(365)), Term::Days(365));
    assert_eq!(extension_limit(Term::Days(1825)), Term::Days(912));
    assert_eq!(extension_limit(Term::Days(1826)), Term::Days(1095));
}

#[test]
fn extension_builds_a_new_schedule_from_maturity() {
    let mut t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(6)),
        "2026-01-31",
    );
    t.repay_day = None;
    let s = build(&t);
    let policy = ExtensionPolicy::default();
    let req = |months, rate| ExtensionRequest {
        term: Term::Months(months),
        rate,
        outstanding_principal: dec!(3000),
    };
    let e = extend(&t, &s, &[], &req(3, Some(dec!(0.15))), policy).unwrap();
    assert_eq!(e.terms.value_date, d("2026-07-31"));
    assert_eq!(e.terms.annual_rate, dec!(0.15));
    let dues: Vec<String> = e
        .schedule
        .installments
        .iter()
        .map(|i| i.due_date.to_string())
        .collect();
    assert_eq!(dues, ["2026-08-31", "2026-09-30", "2026-10-31"]);
    assert_eq!(e.schedule.total_principal(), dec!(3000));
    // Total ≤ 6 months for a 6-month loan; at most two extensions.
    let err = extend(&t, &e.schedule, &[Term::Months(3)], &req(4, None), policy).unwrap_err();
    assert_eq!((err.code, err.field), ("extension_limit", Some("months")));
    let e2 = extend(&t, &e.schedule, &[Term::Months(3)], &req(3, None), policy).unwrap();
    assert_eq!(e2.terms.annual_rate, dec!(0.12));
    let err = extend(
        &t,
        &e2.schedule,
        &[Term::Months(3), Term::Months(1)],
        &req(1, None),
        policy,
    )
    .unwrap_err();
    assert_eq!((err.code, err.field), ("extension_limit", Some("count")));
    let err = extend(
        &t,
        &s,
        &[],
        &ExtensionRequest {
            term: Term::Days(30),
            rate: None,
            outstanding_principal: dec!(1),
        },
        policy,
    )
    .unwrap_err();
    assert_eq!(err.code, "invalid_term");

    let b = terms(
        Method::Bullet,
        dec!(5000),
        dec!(0.12),
        Some(Term::Days(400)),
        "2026-01-01",
    );
    let bs = build(&b);
    let ok = extend(
        &b,
        &bs,
        &[],
        &ExtensionRequest {
            term: Term::Days(200),
            rate: None,
            outstanding_principal: dec!(5000),
        },
        policy,
    )
    .unwrap();
    assert_eq!(
        ok.schedule.installments[0].due_date,
        d("2027-02-05") + chrono::Days::new(200)
    );
    let err = extend(
        &b,
        &bs,
        &[],
        &ExtensionRequest {
            term: Term::Days(201),
            rate: None,
            outstanding_principal: dec!(5000),
        },
        policy,
    )
    .unwrap_err();
    assert_eq!((err.code, err.field), ("extension_limit", Some("days")));
}

#[test]
fn interest_recognition_at_month_ends_and_due_dates() {
    let t = terms(
        Method::EqualInstallment,
        dec!(12000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-01-10",
    );
    let s = build(&t);
    let none = |_: u32| Decimal::ZERO;
    // 01-31: 22 days (01-10 to 02-01) on 12,000 = 88.00.
    assert_eq!(
        interest_to_recognise(&t, &s, d("2026-01-31"), none),
        vec![Recognition {
            number: 1,
            amount: dec!(88.00)
        }]
    );
    // Not a month end and nothing due: nothing.
    assert!(interest_to_recognise(&t, &s, d("2026-02-09"), |_| dec!(88.00)).is_empty());
    // The due date: the rest of the period.
    assert_eq!(
        interest_to_recognise(&t, &s, d("2026-02-10"), |_| dec!(88.00)),
        vec![Recognition {
            number: 1,
            amount: dec!(32.00)
        }]
    );
    // 02-28: period 2 from 02-10, 19 days on 11,053.81 = 70.0074 → 70.01.
    let done = |n: u32| if n == 1 { dec!(120.00) } else { Decimal::ZERO };
    assert_eq!(
        interest_to_recognise(&t, &s, d("2026-02-28"), done),
        vec![Recognition {
            number: 2,
            amount: dec!(70.01)
        }]
    );

    // Upfront interest is released by the same rule: 10,000 × 12 % × 31 / 360 = 103.33 by 03-31.
    let u = terms(
        Method::InterestUpfront,
        dec!(10000),
        dec!(0.12),
        Some(Term::Months(12)),
        "2026-03-01",
    );
    let us = build(&u);
    assert_eq!(
        interest_to_recognise(&u, &us, d("2026-03-31"), none),
        vec![Recognition {
            number: 1,
            amount: dec!(103.33)
        }]
    );
    // Capped at the scheduled 1,200 however long the year.
    assert_eq!(
        interest_to_recognise(&u, &us, d("2027-02-28"), none),
        vec![Recognition {
            number: 1,
            amount: dec!(1200.00)
        }]
    );
}
