//! Trial balance, balance sheet, income statement and net assets of a small hand-computed month.

use chrono::NaiveDate;
use ledger_rules::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
}

fn ok<T>(r: Result<T, LedgerError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn code(s: &str) -> AccountCode {
    ok(AccountCode::parse(s))
}

/// The seeded chart, one bank account and an asset account the tenant added.
fn accounts() -> Vec<AccountSeed> {
    let mut accounts = chart_of_accounts();
    accounts.push(ok(bank_sub_account(
        1,
        "工商银行放贷专户",
        "ICBC lending account",
    )));
    accounts.push(AccountSeed {
        code: code("1801"),
        name_zh: "长期待摊费用".to_owned(),
        name_en: "Long-term prepaid expenses".to_owned(),
        kind: AccountKind::Asset,
        normal_side: Side::Debit,
        parent: None,
    });
    accounts
}

fn manual(d: u32, lines: Vec<PostingLine>) -> VoucherDraft {
    ok(VoucherDraft::new(
        EventKind::Manual,
        day(d),
        lines,
        "手工凭证",
    ))
}

/// Vouchers 0..4 are "before the period", the rest the period.
fn vouchers() -> Vec<VoucherDraft> {
    let bank = ok(CashAccount::bank(1));
    vec![
        ok(capital_paid_in(day(1), &bank, dec!(1000000))),
        ok(borrowing_drawn(
            day(1),
            &bank,
            Borrowing::ShortTerm(LenderKind::Bank),
            dec!(200000),
        )),
        ok(payout(day(2), &bank, dec!(500000))),
        ok(fee_received(day(2), &bank, dec!(1000))),
        ok(income_recognition(
            day(10),
            IncomeKind::Interest,
            dec!(4000),
            Basis::Accrual,
        )),
        ok(repayment(
            day(10),
            &bank,
            &RepaymentSplit {
                principal: dec!(50000),
                income: IncomeParts {
                    interest: IncomePart::recognised(dec!(4000)),
                    ..IncomeParts::default()
                },
                fees: Decimal::ZERO,
            },
        )),
        ok(income_recognition(
            day(31),
            IncomeKind::Penalty,
            dec!(100),
            Basis::Accrual,
        )),
        ok(provision_change(day(31), Decimal::ZERO, dec!(5000)))
            .unwrap_or_else(|| panic!("a provision")),
        ok(interest_expense(
            day(31),
            dec!(800),
            &ExpenseSettlement::Accrued,
        )),
        manual(
            31,
            vec![
                PostingLine::dr(chart::ADMIN_EXPENSES, dec!(2000)),
                PostingLine::cr(code("1002.01"), dec!(2000)),
            ],
        ),
        manual(
            31,
            vec![
                PostingLine::dr(chart::INCOME_TAX, dec!(500)),
                PostingLine::cr(chart::TAXES_PAYABLE, dec!(500)),
            ],
        ),
        ok(income_recognition(
            day(31),
            IncomeKind::Interest,
            dec!(300),
            Basis::NonAccrual,
        )),
        manual(
            31,
            vec![
                PostingLine::dr(code("1801"), dec!(600)),
                PostingLine::cr(code("1002.01"), dec!(600)),
            ],
        ),
    ]
}

#[test]
fn trial_balance_rolls_up_and_balances() {
    let vouchers = vouchers();
    let opening = Totals::from_vouchers(&vouchers[..4], Closing::Include);
    let period = Totals::from_vouchers(&vouchers[4..], Closing::Include);
    let tb = ok(trial_balance(&accounts(), &opening, &period));
    assert!(tb.is_balanced(), "{:?}", tb.totals);
    let row = |c: &str| {
        tb.rows
            .iter()
            .find(|r| r.code.as_str() == c)
            .map(|r| (r.level, r.amounts))
            .unwrap_or_else(|| panic!("no row {c}"))
    };
    let amounts = |od, oc, d, c, cd, cc| TrialBalanceAmounts {
        opening_debit: od,
        opening_credit: oc,
        debit: d,
        credit: c,
        closing_debit: cd,
        closing_credit: cc,
    };
    let z = Decimal::ZERO;
    let bank = amounts(dec!(701000), z, dec!(54000), dec!(2600), dec!(752400), z);
    assert_eq!(row("1002"), (0, bank));
    assert_eq!(row("1002.01"), (1, bank));
    assert_eq!(
        row("1303"),
        (0, amounts(dec!(500000), z, z, dec!(50000), dec!(450000), z))
    );
    assert_eq!(
        row("1304"),
        (0, amounts(z, z, z, dec!(5000), z, dec!(5000)))
    );
    assert_eq!(
        row("6011"),
        (0, amounts(z, z, z, dec!(4100), z, dec!(4100)))
    );
    assert_eq!(
        row("601102"),
        (1, amounts(z, z, z, dec!(100), z, dec!(100)))
    );
    assert_eq!(
        row("2001"),
        (0, amounts(z, dec!(200000), z, z, z, dec!(200000)))
    );
    assert_eq!(
        row("200101"),
        (1, amounts(z, dec!(200000), z, z, z, dec!(200000)))
    );
    assert_eq!(
        tb.off_balance_totals,
        amounts(z, z, dec!(300), dec!(300), dec!(300), dec!(300))
    );
    // Opening: 1,000,000 capital + 200,000 borrowed + 1,000 fee on the credit side.
    assert_eq!(tb.totals.opening_credit, dec!(1201000));
    assert_eq!(tb.totals.opening_debit, dec!(1201000));
    // Sub-accounts come right after their parent; no zero rows.
    let codes: Vec<&str> = tb.rows.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(&codes[..3], ["1002", "1002.01", "1132"]);
    assert!(!codes.contains(&"1001"));
}

#[test]
fn balance_sheet_and_income_statement() {
    let all = Totals::from_vouchers(&vouchers(), Closing::Include);
    let bs = ok(balance_sheet(&accounts(), &all));
    assert_eq!(bs.cash_and_bank, dec!(752400));
    assert_eq!(bs.interest_receivable, dec!(100));
    assert_eq!(bs.loans_gross, dec!(450000));
    assert_eq!(bs.loan_loss_allowance, dec!(5000));
    assert_eq!(bs.loans_net, dec!(445000));
    assert_eq!(bs.other_assets, dec!(600));
    assert_eq!(bs.total_assets, dec!(1198100));
    assert_eq!(bs.short_term_borrowings, dec!(200000));
    assert_eq!(bs.interest_payable, dec!(800));
    assert_eq!(bs.taxes_payable, dec!(500));
    assert_eq!(bs.total_liabilities, dec!(201300));
    assert_eq!(bs.paid_in_capital, dec!(1000000));
    assert_eq!(bs.profit_not_carried, dec!(-3200));
    assert_eq!(bs.undistributed_profit, dec!(-3200));
    assert_eq!(bs.total_equity, dec!(996800));
    assert_eq!(bs.total_liabilities_and_equity, bs.total_assets);
    assert_eq!(ok(net_assets(&accounts(), &all)), dec!(996800));
    let printed = bs.lines();
    assert_eq!(
        printed
            .iter()
            .find(|l| l.key == "loans_net")
            .map(|l| (l.name_zh, l.amount)),
        Some(("发放贷款净额", dec!(445000)))
    );

    let is = ok(income_statement(&accounts(), &all));
    assert_eq!(is.interest_income, dec!(4100));
    assert_eq!(is.regular_interest, dec!(4000));
    assert_eq!(is.penalty_interest, dec!(100));
    assert_eq!(is.compound_interest, Decimal::ZERO);
    assert_eq!(is.fee_and_commission_income, dec!(1000));
    assert_eq!(is.operating_income, dec!(5100));
    assert_eq!(is.interest_expense, dec!(800));
    assert_eq!(is.admin_expenses, dec!(2000));
    assert_eq!(is.impairment_losses, dec!(5000));
    assert_eq!(is.operating_expenses, dec!(7800));
    assert_eq!(is.operating_profit, dec!(-2700));
    assert_eq!(is.profit_before_tax, dec!(-2700));
    assert_eq!(is.income_tax, dec!(500));
    assert_eq!(is.net_profit, dec!(-3200));
    assert_eq!(
        is.lines().last().map(|l| (l.name_zh, l.amount)),
        Some(("五、净利润", dec!(-3200)))
    );
}

#[test]
fn carrying_profit_keeps_net_assets_and_the_income_statement() {
    let accounts = accounts();
    let mut vouchers = vouchers();
    let before = Totals::from_vouchers(&vouchers, Closing::Include);
    let carry = ok(profit_carry(day(31), &accounts, &before)).unwrap_or_else(|| panic!("a carry"));
    assert!(carry.is_closing());
    assert_eq!(carry.event(), EventKind::ProfitCarry);
    vouchers.push(carry);
    let after = Totals::from_vouchers(&vouchers, Closing::Include);
    for seed in accounts
        .iter()
        .filter(|a| matches!(a.kind, AccountKind::Income | AccountKind::Expense))
    {
        assert_eq!(after.net_debit(&seed.code), Decimal::ZERO, "{}", seed.code);
    }
    assert_eq!(after.net_debit(&chart::CURRENT_YEAR_PROFIT), dec!(3200));
    let bs = ok(balance_sheet(&accounts, &after));
    assert_eq!(bs.total_equity, dec!(996800));
    assert_eq!(bs.profit_not_carried, Decimal::ZERO);
    assert_eq!(bs.undistributed_profit, dec!(-3200));
    // Nothing left to carry.
    assert_eq!(ok(profit_carry(day(31), &accounts, &after)), None);
    // The period's income statement leaves the carry out.
    let period = Totals::from_vouchers(&vouchers, Closing::Exclude);
    assert_eq!(
        ok(income_statement(&accounts, &period)).net_profit,
        dec!(-3200)
    );
    // Reversing the carry is a closing entry too.
    let undo = ok(reverse(&vouchers[vouchers.len() - 1], "重新结账"));
    assert!(undo.is_closing());

    let year_end = ok(year_end_carry(
        day(31),
        -after.net_debit(&chart::CURRENT_YEAR_PROFIT),
    ));
    let year_end = year_end.unwrap_or_else(|| panic!("a carry"));
    vouchers.push(year_end);
    let after = Totals::from_vouchers(&vouchers, Closing::Include);
    assert_eq!(after.net_debit(&chart::CURRENT_YEAR_PROFIT), Decimal::ZERO);
    assert_eq!(after.net_debit(&chart::PROFIT_DISTRIBUTION), dec!(3200));
    assert_eq!(ok(net_assets(&accounts, &after)), dec!(996800));
}

#[test]
fn accounts_outside_the_chart_are_refused() {
    let mut totals = Totals::new();
    totals.add(
        code("1999"),
        AccountTotal {
            debit: dec!(1),
            credit: Decimal::ZERO,
        },
    );
    let err = trial_balance(&accounts(), &Totals::new(), &totals).err();
    assert_eq!(err.map(|e| e.code()), Some("unknown_account"));
    assert_eq!(
        balance_sheet(&accounts(), &totals).err().map(|e| e.code()),
        Some("unknown_account")
    );
    // A bank sub-account that was not registered is unknown too.
    let mut totals = Totals::new();
    totals.add(
        code("1002.02"),
        AccountTotal {
            debit: dec!(1),
            credit: Decimal::ZERO,
        },
    );
    assert!(balance_sheet(&accounts(), &totals).is_err());
}
