//! Posting rules for the firm's own funding: capital, borrowings by lender kind, bonds and ABS, interest expense.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::{AccountCode, CashAccount};
use crate::chart;
use crate::voucher::{rule_voucher, EventKind, PostingLine, VoucherDraft};
use crate::LedgerError;

/// Who lent the money (the regulator's funding kinds, non-standard ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LenderKind {
    /// 银行.
    Bank,
    /// 股东.
    Shareholder,
    /// 其他非标准化融资.
    OtherNonStandard,
}

/// A source of borrowed funds, which decides the liability account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "lender")]
pub enum Borrowing {
    /// 短期借款 (term up to one year), by lender kind: 2001xx.
    ShortTerm(LenderKind),
    /// 长期借款, by lender kind: 2501xx.
    LongTerm(LenderKind),
    /// 债券: 250201.
    Bonds,
    /// 资产支持证券: 250202.
    Abs,
}

impl Borrowing {
    /// The liability account this borrowing is booked in.
    pub fn account(self) -> AccountCode {
        match self {
            Self::ShortTerm(LenderKind::Bank) => chart::SHORT_TERM_BANK,
            Self::ShortTerm(LenderKind::Shareholder) => chart::SHORT_TERM_SHAREHOLDER,
            Self::ShortTerm(LenderKind::OtherNonStandard) => chart::SHORT_TERM_OTHER,
            Self::LongTerm(LenderKind::Bank) => chart::LONG_TERM_BANK,
            Self::LongTerm(LenderKind::Shareholder) => chart::LONG_TERM_SHAREHOLDER,
            Self::LongTerm(LenderKind::OtherNonStandard) => chart::LONG_TERM_OTHER,
            Self::Bonds => chart::BONDS,
            Self::Abs => chart::ABS,
        }
    }
}

/// How an interest expense is settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseSettlement {
    /// Paid at once from this account.
    Paid(CashAccount),
    /// Accrued into 2231 应付利息, paid later.
    Accrued,
}

/// Capital paid in (实收资本): Dr bank / Cr 4001.
pub fn capital_paid_in(
    date: NaiveDate,
    into: &CashAccount,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::CapitalPaidIn,
        date,
        "股东出资到位",
        vec![
            PostingLine::dr(into.code().clone(), amount),
            PostingLine::cr(chart::PAID_IN_CAPITAL, amount),
        ],
    )
}

/// A borrowing drawn: Dr bank / Cr the borrowing's liability account.
pub fn borrowing_drawn(
    date: NaiveDate,
    into: &CashAccount,
    borrowing: Borrowing,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::BorrowingDrawn,
        date,
        "借入资金",
        vec![
            PostingLine::dr(into.code().clone(), amount),
            PostingLine::cr(borrowing.account(), amount),
        ],
    )
}

/// A borrowing repaid: Dr the liability account / Cr bank.
pub fn borrowing_repaid(
    date: NaiveDate,
    from: &CashAccount,
    borrowing: Borrowing,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::BorrowingRepaid,
        date,
        "归还借款",
        vec![
            PostingLine::dr(borrowing.account(), amount),
            PostingLine::cr(from.code().clone(), amount),
        ],
    )
}

/// Interest expense on funding: Dr 6411 / Cr bank when paid, Cr 2231 when accrued.
pub fn interest_expense(
    date: NaiveDate,
    amount: Decimal,
    settlement: &ExpenseSettlement,
) -> Result<VoucherDraft, LedgerError> {
    let credit = match settlement {
        ExpenseSettlement::Paid(from) => from.code().clone(),
        ExpenseSettlement::Accrued => chart::INTEREST_PAYABLE,
    };
    rule_voucher(
        EventKind::InterestExpense,
        date,
        "利息支出",
        vec![
            PostingLine::dr(chart::INTEREST_EXPENSE, amount),
            PostingLine::cr(credit, amount),
        ],
    )
}

/// Accrued interest expense paid: Dr 2231 / Cr bank.
pub fn interest_payable_paid(
    date: NaiveDate,
    from: &CashAccount,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::InterestPayablePaid,
        date,
        "支付应付利息",
        vec![
            PostingLine::dr(chart::INTEREST_PAYABLE, amount),
            PostingLine::cr(from.code().clone(), amount),
        ],
    )
}
