//! The voucher constructor's refusals, and reversals.

use chrono::NaiveDate;
use ledger_rules::{
    chart, payout, reverse, AccountCode, CashAccount, EventKind, PostingLine, Totals, VoucherDraft,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}

fn bank() -> AccountCode {
    AccountCode::parse("1002.01").unwrap_or_else(|e| panic!("{e}"))
}

fn manual(lines: Vec<PostingLine>) -> Result<VoucherDraft, &'static str> {
    VoucherDraft::new(EventKind::Manual, day(), lines, "手工凭证").map_err(|e| e.code())
}

#[test]
fn a_balanced_voucher_is_accepted() {
    let v = manual(vec![
        PostingLine::dr(chart::ADMIN_EXPENSES, dec!(120.50)).with_memo("办公用品"),
        PostingLine::cr(bank(), dec!(120.5)),
    ]);
    let v = v.unwrap_or_else(|e| panic!("{e}"));
    assert!(v.is_balanced());
    assert_eq!(v.total_debit(), dec!(120.50));
    assert_eq!(v.event(), EventKind::Manual);
    assert_eq!(v.date(), day());
    assert_eq!(v.memo(), "手工凭证");
    assert_eq!(v.lines()[0].memo, "办公用品");
    assert!(!v.is_closing());
}

#[test]
fn malformed_vouchers_are_refused_with_stable_codes() {
    let dr = |a: Decimal| PostingLine::dr(chart::ADMIN_EXPENSES, a);
    let cr = |a: Decimal| PostingLine::cr(bank(), a);
    assert_eq!(manual(vec![]).err(), Some("voucher_empty"));
    assert_eq!(
        manual(vec![dr(dec!(10)), cr(dec!(9.99))]).err(),
        Some("voucher_unbalanced")
    );
    assert_eq!(
        manual(vec![dr(dec!(-10)), cr(dec!(-10))]).err(),
        Some("invalid_amount")
    );
    assert_eq!(
        manual(vec![dr(dec!(10.001)), cr(dec!(10.001))]).err(),
        Some("invalid_amount")
    );
    assert_eq!(
        manual(vec![dr(dec!(0)), cr(dec!(0))]).err(),
        Some("line_zero")
    );
    let both = PostingLine {
        account: bank(),
        debit: dec!(5),
        credit: dec!(5),
        memo: String::new(),
    };
    assert_eq!(manual(vec![both]).err(), Some("line_both_sides"));
    // Trailing zeros are not extra decimals.
    assert!(manual(vec![dr(dec!(10.0000)), cr(dec!(10))]).is_ok());
}

#[test]
fn off_balance_lines_must_balance_among_themselves() {
    // Balanced overall, but an on-balance debit against an off-balance credit.
    let mixed = manual(vec![
        PostingLine::dr(chart::INTEREST_RECEIVABLE, dec!(10)),
        PostingLine::cr(chart::OFF_BALANCE_CONTRA, dec!(10)),
    ]);
    assert_eq!(mixed.err(), Some("voucher_unbalanced"));
    let memo = manual(vec![
        PostingLine::dr(chart::OFF_BALANCE_REGULAR, dec!(10)),
        PostingLine::cr(chart::OFF_BALANCE_CONTRA, dec!(10)),
    ]);
    assert!(memo.is_ok());
}

#[test]
fn a_reversal_has_the_opposite_lines_and_restores_balances() {
    let bank = CashAccount::bank(1).unwrap_or_else(|e| panic!("{e}"));
    let original = payout(day(), &bank, dec!(50000)).unwrap_or_else(|e| panic!("{e}"));
    let reversal = reverse(&original, "金额录入错误").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reversal.event(), EventKind::Reversal);
    assert_eq!(reversal.date(), original.date());
    assert_eq!(reversal.memo(), "冲销：金额录入错误");
    for (o, r) in original.lines().iter().zip(reversal.lines()) {
        assert_eq!((o.debit, o.credit), (r.credit, r.debit));
        assert_eq!(o.account, r.account);
    }
    let totals = Totals::from_lines(original.lines().iter().chain(reversal.lines()));
    for (_, t) in totals.iter() {
        assert_eq!(t.net_debit(), Decimal::ZERO);
    }
    let later = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap_or_default();
    assert_eq!(reversal.clone().with_date(later).date(), later);
    assert_eq!(
        reverse(&original, "  ").err().map(|e| e.code()),
        Some("reason_required")
    );
}
