//! Each posting rule's lines, by hand.

use chrono::NaiveDate;
use ledger_rules::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}

fn bank() -> CashAccount {
    CashAccount::bank(1).unwrap_or_else(|e| panic!("{e}"))
}

/// The voucher's lines as (account, debit, credit), in order.
fn lines(v: &VoucherDraft) -> Vec<(String, Decimal, Decimal)> {
    assert!(v.is_balanced());
    v.lines()
        .iter()
        .map(|l| (l.account.to_string(), l.debit, l.credit))
        .collect()
}

fn ok(v: Result<VoucherDraft, LedgerError>) -> VoucherDraft {
    v.unwrap_or_else(|e| panic!("{e}"))
}

fn some(v: Result<Option<VoucherDraft>, LedgerError>) -> VoucherDraft {
    v.ok()
        .flatten()
        .unwrap_or_else(|| panic!("expected a voucher"))
}

fn dr(a: &str, x: Decimal) -> (String, Decimal, Decimal) {
    (a.to_owned(), x, Decimal::ZERO)
}

fn cr(a: &str, x: Decimal) -> (String, Decimal, Decimal) {
    (a.to_owned(), Decimal::ZERO, x)
}

#[test]
fn payout_and_fee() {
    let v = ok(payout(day(), &bank(), dec!(100000)));
    assert_eq!(v.event(), EventKind::Payout);
    assert_eq!(
        lines(&v),
        [dr("1303", dec!(100000)), cr("1002.01", dec!(100000))]
    );
    let v = ok(fee_received(day(), &CashAccount::cash_on_hand(), dec!(300)));
    assert_eq!(lines(&v), [dr("1001", dec!(300)), cr("6021", dec!(300))]);
    assert_eq!(
        payout(day(), &bank(), dec!(0)).err().map(|e| e.code()),
        Some("voucher_empty")
    );
    assert_eq!(
        payout(day(), &bank(), dec!(-1)).err().map(|e| e.code()),
        Some("negative_amount")
    );
    assert_eq!(
        payout(day(), &bank(), dec!(1.005)).err().map(|e| e.code()),
        Some("invalid_amount")
    );
}

#[test]
fn repayment_on_an_accruing_loan() {
    let split = RepaymentSplit {
        principal: dec!(8000),
        income: IncomeParts {
            interest: IncomePart {
                recognised: dec!(900),
                unrecognised: dec!(100),
                ..IncomePart::default()
            },
            penalty: IncomePart::unrecognised(dec!(50)),
            compound: IncomePart::unrecognised(dec!(2.5)),
        },
        fees: dec!(20),
    };
    assert_eq!(split.total(), dec!(9072.5));
    let v = ok(repayment(day(), &bank(), &split));
    assert_eq!(v.event(), EventKind::Repayment);
    assert_eq!(
        lines(&v),
        [
            dr("1002.01", dec!(9072.5)),
            cr("1303", dec!(8000)),
            cr("1132", dec!(900)),
            cr("601101", dec!(100)),
            cr("601102", dec!(50)),
            cr("601103", dec!(2.5)),
            cr("6021", dec!(20)),
        ]
    );
}

#[test]
fn repayment_on_a_non_accrual_loan_is_income_on_receipt_and_releases_the_memo() {
    let split = RepaymentSplit {
        principal: dec!(1000),
        income: IncomeParts {
            interest: IncomePart {
                off_balance: dec!(300),
                unrecognised: dec!(10),
                ..IncomePart::default()
            },
            penalty: IncomePart::off_balance(dec!(40)),
            compound: IncomePart::default(),
        },
        fees: Decimal::ZERO,
    };
    let v = ok(repayment(day(), &bank(), &split));
    assert_eq!(
        lines(&v),
        [
            dr("1002.01", dec!(1350)),
            cr("1303", dec!(1000)),
            cr("601101", dec!(310)),
            dr("7099", dec!(300)),
            cr("700101", dec!(300)),
            cr("601102", dec!(40)),
            dr("7099", dec!(40)),
            cr("700102", dec!(40)),
        ]
    );
}

#[test]
fn income_recognition_on_both_bases() {
    let v = ok(income_recognition(
        day(),
        IncomeKind::Interest,
        dec!(833.34),
        Basis::Accrual,
    ));
    assert_eq!(v.event(), EventKind::InterestRecognition);
    assert_eq!(
        lines(&v),
        [dr("1132", dec!(833.34)), cr("601101", dec!(833.34))]
    );
    let v = ok(income_recognition(
        day(),
        IncomeKind::Penalty,
        dec!(37.5),
        Basis::Accrual,
    ));
    assert_eq!(v.event(), EventKind::PenaltyRecognition);
    assert_eq!(
        lines(&v),
        [dr("1132", dec!(37.5)), cr("601102", dec!(37.5))]
    );
    let v = ok(income_recognition(
        day(),
        IncomeKind::Compound,
        dec!(1.2),
        Basis::NonAccrual,
    ));
    assert_eq!(v.event(), EventKind::CompoundRecognition);
    assert_eq!(lines(&v), [dr("700103", dec!(1.2)), cr("7099", dec!(1.2))]);
}

#[test]
fn moving_to_non_accrual_reverses_recognised_income_into_the_memo() {
    let amounts = IncomeAmounts {
        interest: dec!(500),
        penalty: dec!(25),
        compound: Decimal::ZERO,
    };
    let v = ok(move_to_non_accrual(day(), &amounts));
    assert_eq!(
        lines(&v),
        [
            dr("601101", dec!(500)),
            cr("1132", dec!(500)),
            dr("700101", dec!(500)),
            cr("7099", dec!(500)),
            dr("601102", dec!(25)),
            cr("1132", dec!(25)),
            dr("700102", dec!(25)),
            cr("7099", dec!(25)),
        ]
    );
}

#[test]
fn provisions() {
    let v = some(provision_change(day(), dec!(70000), dec!(73000.01)));
    assert_eq!(v.event(), EventKind::ProvisionChange);
    assert_eq!(
        lines(&v),
        [dr("6701", dec!(3000.01)), cr("1304", dec!(3000.01))]
    );
    let v = some(provision_change(day(), dec!(73000.01), dec!(60000)));
    assert_eq!(
        lines(&v),
        [dr("1304", dec!(13000.01)), cr("6701", dec!(13000.01))]
    );
    assert_eq!(provision_change(day(), dec!(5), dec!(5)).ok(), Some(None));
    // A write-off may have overdrawn 1304 (a debit balance): the change tops it up from there.
    let v = some(provision_change(day(), dec!(-200), dec!(100)));
    assert_eq!(lines(&v), [dr("6701", dec!(300)), cr("1304", dec!(300))]);
    let err = provision_change(day(), dec!(5), dec!(-1)).err();
    assert_eq!(err.map(|e| e.code()), Some("negative_amount"));
}

#[test]
fn write_off_and_recovery() {
    let v = ok(write_off(
        day(),
        dec!(20000),
        &IncomeAmounts {
            interest: dec!(150),
            ..IncomeAmounts::default()
        },
    ));
    assert_eq!(
        lines(&v),
        [
            dr("1304", dec!(20000)),
            cr("1303", dec!(20000)),
            dr("601101", dec!(150)),
            cr("1132", dec!(150)),
            dr("700101", dec!(150)),
            cr("7099", dec!(150)),
        ]
    );
    let income = IncomeParts {
        interest: IncomePart::off_balance(dec!(150)),
        ..IncomeParts::default()
    };
    let v = ok(recovery_after_write_off(
        day(),
        &bank(),
        dec!(5000),
        &income,
    ));
    assert_eq!(
        lines(&v),
        [
            dr("1002.01", dec!(5150)),
            cr("1304", dec!(5000)),
            cr("601101", dec!(150)),
            dr("7099", dec!(150)),
            cr("700101", dec!(150)),
        ]
    );
}

#[test]
fn waiver_reverses_what_was_recognised() {
    let waived = IncomeParts {
        interest: IncomePart {
            recognised: dec!(60),
            unrecognised: dec!(5),
            ..IncomePart::default()
        },
        penalty: IncomePart::off_balance(dec!(12)),
        compound: IncomePart::unrecognised(dec!(1)),
    };
    let v = ok(waiver(day(), &waived));
    assert_eq!(v.event(), EventKind::Waiver);
    assert_eq!(
        lines(&v),
        [
            dr("601101", dec!(60)),
            cr("1132", dec!(60)),
            dr("7099", dec!(12)),
            cr("700102", dec!(12))
        ]
    );
    let nothing_recorded = IncomeParts {
        interest: IncomePart::unrecognised(dec!(5)),
        ..IncomeParts::default()
    };
    assert_eq!(
        waiver(day(), &nothing_recorded).err().map(|e| e.code()),
        Some("voucher_empty")
    );
}

#[test]
fn interest_received_in_advance() {
    let v = ok(upfront_interest_received(day(), &bank(), dec!(3600)));
    assert_eq!(
        lines(&v),
        [dr("1002.01", dec!(3600)), cr("2205", dec!(3600))]
    );
    let v = ok(upfront_interest_release(day(), dec!(300)));
    assert_eq!(v.event(), EventKind::UpfrontInterestRelease);
    assert_eq!(lines(&v), [dr("2205", dec!(300)), cr("601101", dec!(300))]);
}

#[test]
fn funding() {
    let v = ok(capital_paid_in(day(), &bank(), dec!(50000000)));
    assert_eq!(
        lines(&v),
        [dr("1002.01", dec!(50000000)), cr("4001", dec!(50000000))]
    );
    let cases = [
        (Borrowing::ShortTerm(LenderKind::Bank), "200101"),
        (Borrowing::ShortTerm(LenderKind::Shareholder), "200102"),
        (Borrowing::ShortTerm(LenderKind::OtherNonStandard), "200103"),
        (Borrowing::LongTerm(LenderKind::Bank), "250101"),
        (Borrowing::LongTerm(LenderKind::Shareholder), "250102"),
        (Borrowing::LongTerm(LenderKind::OtherNonStandard), "250103"),
        (Borrowing::Bonds, "250201"),
        (Borrowing::Abs, "250202"),
    ];
    for (borrowing, account) in cases {
        let v = ok(borrowing_drawn(day(), &bank(), borrowing, dec!(1000)));
        assert_eq!(
            lines(&v),
            [dr("1002.01", dec!(1000)), cr(account, dec!(1000))]
        );
        let v = ok(borrowing_repaid(day(), &bank(), borrowing, dec!(400)));
        assert_eq!(
            lines(&v),
            [dr(account, dec!(400)), cr("1002.01", dec!(400))]
        );
    }
    let v = ok(interest_expense(
        day(),
        dec!(75),
        &ExpenseSettlement::Paid(bank()),
    ));
    assert_eq!(lines(&v), [dr("6411", dec!(75)), cr("1002.01", dec!(75))]);
    let v = ok(interest_expense(
        day(),
        dec!(75),
        &ExpenseSettlement::Accrued,
    ));
    assert_eq!(lines(&v), [dr("6411", dec!(75)), cr("2231", dec!(75))]);
    let v = ok(interest_payable_paid(day(), &bank(), dec!(75)));
    assert_eq!(lines(&v), [dr("2231", dec!(75)), cr("1002.01", dec!(75))]);
}

#[test]
fn year_end_entries() {
    let v = some(year_end_carry(day(), dec!(123456.78)));
    assert_eq!(v.event(), EventKind::YearEndCarry);
    assert!(v.is_closing());
    assert_eq!(
        lines(&v),
        [dr("4103", dec!(123456.78)), cr("4104", dec!(123456.78))]
    );
    let v = some(year_end_carry(day(), dec!(-10)));
    assert_eq!(lines(&v), [dr("4104", dec!(10)), cr("4103", dec!(10))]);
    assert_eq!(year_end_carry(day(), Decimal::ZERO).ok(), Some(None));

    assert_eq!(DEFAULT_RISK_RESERVE_RATE, dec!(0.015));
    // 1.5 % of 1,000,033.33 = 15,000.49995 → 15,000.50 half-up.
    let v = some(risk_reserve_appropriation(
        day(),
        dec!(1000033.33),
        DEFAULT_RISK_RESERVE_RATE,
        Decimal::ZERO,
    ));
    assert_eq!(
        lines(&v),
        [dr("4104", dec!(15000.50)), cr("4102", dec!(15000.50))]
    );
    // Topped up from an existing reserve; nothing when already reached.
    let v = some(risk_reserve_appropriation(
        day(),
        dec!(1000033.33),
        DEFAULT_RISK_RESERVE_RATE,
        dec!(12000),
    ));
    assert_eq!(
        lines(&v),
        [dr("4104", dec!(3000.50)), cr("4102", dec!(3000.50))]
    );
    assert_eq!(
        risk_reserve_appropriation(day(), dec!(1000), dec!(0.015), dec!(15)).ok(),
        Some(None)
    );
    assert_eq!(
        risk_reserve_appropriation(day(), dec!(1000), dec!(1.5), Decimal::ZERO)
            .err()
            .map(|e| e.code()),
        Some("invalid_rate")
    );
}

#[test]
fn round_money_is_half_up() {
    assert_eq!(round_money(dec!(833.335)), dec!(833.34));
    assert_eq!(round_money(dec!(833.334999)), dec!(833.33));
    assert_eq!(round_money(dec!(-0.005)), dec!(-0.01));
}
