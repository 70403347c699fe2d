//! Posting rules for the events of a loan: payout, fees, repayments, income recognition,
//! non-accrual, write-off, recovery, waivers and interest received in advance.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::{AccountCode, CashAccount};
use crate::chart;
use crate::voucher::{rule_voucher, EventKind, PostingLine, VoucherDraft};
use crate::LedgerError;

/// The three kinds of interest income a loan earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    /// 正常利息 contractual interest.
    Interest,
    /// 罚息 penalty interest on overdue principal.
    Penalty,
    /// 复利 compound interest on overdue interest.
    Compound,
}

impl IncomeKind {
    /// The income account (6011 sub-account).
    pub fn income_account(self) -> AccountCode {
        match self {
            Self::Interest => chart::INTEREST_INCOME_REGULAR,
            Self::Penalty => chart::INTEREST_INCOME_PENALTY,
            Self::Compound => chart::INTEREST_INCOME_COMPOUND,
        }
    }

    /// The off-balance memo account (7001 sub-account).
    pub fn off_balance_account(self) -> AccountCode {
        match self {
            Self::Interest => chart::OFF_BALANCE_REGULAR,
            Self::Penalty => chart::OFF_BALANCE_PENALTY,
            Self::Compound => chart::OFF_BALANCE_COMPOUND,
        }
    }

    fn event(self) -> EventKind {
        match self {
            Self::Interest => EventKind::InterestRecognition,
            Self::Penalty => EventKind::PenaltyRecognition,
            Self::Compound => EventKind::CompoundRecognition,
        }
    }

    fn name_zh(self) -> &'static str {
        match self {
            Self::Interest => "利息",
            Self::Penalty => "罚息",
            Self::Compound => "复利",
        }
    }
}

/// Whether a loan's income is recognised as it is earned (应计) or only when received (非应计);
/// non-accrual from the substandard DPD threshold on (loan engine `recognised_as_income`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Earned income is recognised: Dr 1132 / Cr 6011.
    Accrual,
    /// Earned income is kept off balance until received: Dr 7001 / Cr 7099.
    NonAccrual,
}

/// An amount of one income kind, by where it stands in the books.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomePart {
    /// Recognised and still in 1132 应收利息.
    pub recognised: Decimal,
    /// Kept off balance in the 7001 memo (non-accrual loans).
    pub off_balance: Decimal,
    /// Earned but in neither (e.g. since the last recognition).
    pub unrecognised: Decimal,
}

impl IncomePart {
    /// An amount wholly recognised in 1132.
    pub fn recognised(amount: Decimal) -> Self {
        Self {
            recognised: amount,
            ..Self::default()
        }
    }

    /// An amount wholly held in the off-balance memo.
    pub fn off_balance(amount: Decimal) -> Self {
        Self {
            off_balance: amount,
            ..Self::default()
        }
    }

    /// An amount not yet recognised anywhere.
    pub fn unrecognised(amount: Decimal) -> Self {
        Self {
            unrecognised: amount,
            ..Self::default()
        }
    }

    /// The whole amount.
    pub fn total(&self) -> Decimal {
        self.recognised + self.off_balance + self.unrecognised
    }
}

/// Interest, penalty and compound interest amounts of one event, each by where it stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeParts {
    /// 正常利息.
    pub interest: IncomePart,
    /// 罚息.
    pub penalty: IncomePart,
    /// 复利.
    pub compound: IncomePart,
}

impl IncomeParts {
    /// The three parts with their kinds.
    pub fn by_kind(&self) -> [(IncomeKind, IncomePart); 3] {
        [
            (IncomeKind::Interest, self.interest),
            (IncomeKind::Penalty, self.penalty),
            (IncomeKind::Compound, self.compound),
        ]
    }

    /// Sum of all parts.
    pub fn total(&self) -> Decimal {
        self.by_kind().iter().map(|(_, p)| p.total()).sum()
    }
}

/// Plain interest, penalty and compound amounts (e.g. what is recognised and unpaid).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeAmounts {
    /// 正常利息.
    pub interest: Decimal,
    /// 罚息.
    pub penalty: Decimal,
    /// 复利.
    pub compound: Decimal,
}

impl IncomeAmounts {
    /// The three amounts with their kinds.
    pub fn by_kind(&self) -> [(IncomeKind, Decimal); 3] {
        [
            (IncomeKind::Interest, self.interest),
            (IncomeKind::Penalty, self.penalty),
            (IncomeKind::Compound, self.compound),
        ]
    }

    /// Sum of the three.
    pub fn total(&self) -> Decimal {
        self.interest + self.penalty + self.compound
    }
}

/// How a repayment was allocated (the loan engine's split), income parts by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepaymentSplit {
    /// Principal repaid.
    pub principal: Decimal,
    /// Interest, penalty and compound interest paid.
    pub income: IncomeParts,
    /// Fees paid.
    pub fees: Decimal,
}

impl RepaymentSplit {
    /// The whole amount received.
    pub fn total(&self) -> Decimal {
        self.principal + self.income.total() + self.fees
    }
}

/// Payout (放款): Dr 1303 贷款 / Cr the paying bank account.
pub fn payout(
    date: NaiveDate,
    from: &CashAccount,
    principal: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::Payout,
        date,
        "贷款发放",
        vec![
            PostingLine::dr(chart::LOANS, principal),
            PostingLine::cr(from.code().clone(), principal),
        ],
    )
}

/// A fee received at payout or later: Dr bank / Cr 6021 手续费及佣金收入.
pub fn fee_received(
    date: NaiveDate,
    into: &CashAccount,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::FeeReceived,
        date,
        "收取手续费",
        vec![
            PostingLine::dr(into.code().clone(), amount),
            PostingLine::cr(chart::FEE_INCOME, amount),
        ],
    )
}

/// A repayment: Dr bank (the total) / Cr 1132 for recognised income, Cr 6011xx for income not
/// yet recognised or kept off balance, Cr 1303 principal, Cr 6021 fees; and for the off-balance
/// part (non-accrual loans) the memo is reversed, Dr 7099 / Cr 7001xx.
pub fn repayment(
    date: NaiveDate,
    into: &CashAccount,
    split: &RepaymentSplit,
) -> Result<VoucherDraft, LedgerError> {
    let mut lines = vec![PostingLine::dr(into.code().clone(), split.total())];
    lines.push(PostingLine::cr(chart::LOANS, split.principal).with_memo("收回本金"));
    lines.extend(income_received_lines(&split.income));
    lines.push(PostingLine::cr(chart::FEE_INCOME, split.fees).with_memo("收取费用"));
    rule_voucher(EventKind::Repayment, date, "贷款还款", lines)
}

/// Income recognised at a due date or month end: Dr 1132 / Cr 6011xx on the accrual basis,
/// or the memo pair Dr 7001xx / Cr 7099 for a non-accrual loan.
pub fn income_recognition(
    date: NaiveDate,
    kind: IncomeKind,
    amount: Decimal,
    basis: Basis,
) -> Result<VoucherDraft, LedgerError> {
    let memo = format!("{}计提", kind.name_zh());
    let lines = match basis {
        Basis::Accrual => vec![
            PostingLine::dr(chart::INTEREST_RECEIVABLE, amount),
            PostingLine::cr(kind.income_account(), amount),
        ],
        Basis::NonAccrual => memo_lines(kind, amount),
    };
    rule_voucher(kind.event(), date, &memo, lines)
}

/// A loan passes the non-accrual threshold: its recognised-unpaid income is reversed
/// (Dr 6011xx / Cr 1132) and kept in the memo instead (Dr 7001xx / Cr 7099).
pub fn move_to_non_accrual(
    date: NaiveDate,
    recognised_unpaid: &IncomeAmounts,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::MoveToNonAccrual,
        date,
        "转非应计，应收利息转表外",
        reverse_to_memo_lines(recognised_unpaid),
    )
}

/// Write-off (核销): Dr 1304 / Cr 1303 for the principal; its recognised-unpaid income is
/// reversed from 1132 and kept in the memo, so the claim stays on record (账销案存).
pub fn write_off(
    date: NaiveDate,
    principal: Decimal,
    recognised_unpaid: &IncomeAmounts,
) -> Result<VoucherDraft, LedgerError> {
    let mut lines = vec![
        PostingLine::dr(chart::LOAN_LOSS_ALLOWANCE, principal),
        PostingLine::cr(chart::LOANS, principal),
    ];
    lines.extend(reverse_to_memo_lines(recognised_unpaid));
    rule_voucher(EventKind::WriteOff, date, "贷款核销", lines)
}

/// Recovery after write-off: Dr bank / Cr 1304 for principal; interest received as in a
/// repayment (income on receipt, memo reversed).
pub fn recovery_after_write_off(
    date: NaiveDate,
    into: &CashAccount,
    principal: Decimal,
    income: &IncomeParts,
) -> Result<VoucherDraft, LedgerError> {
    let mut lines = vec![
        PostingLine::dr(into.code().clone(), principal + income.total()),
        PostingLine::cr(chart::LOAN_LOSS_ALLOWANCE, principal).with_memo("收回已核销本金"),
    ];
    lines.extend(income_received_lines(income));
    rule_voucher(
        EventKind::RecoveryAfterWriteOff,
        date,
        "已核销贷款收回",
        lines,
    )
}

/// Waiver (减免) of interest, penalty or compound interest: what was recognised is reversed
/// (Dr 6011xx / Cr 1132), what was in the memo is released (Dr 7099 / Cr 7001xx); the
/// unrecognised part needs no entry.
pub fn waiver(date: NaiveDate, waived: &IncomeParts) -> Result<VoucherDraft, LedgerError> {
    let mut lines = Vec::new();
    for (kind, part) in waived.by_kind() {
        lines.push(PostingLine::dr(kind.income_account(), part.recognised));
        lines.push(PostingLine::cr(chart::INTEREST_RECEIVABLE, part.recognised));
        lines.extend(memo_release_lines(kind, part.off_balance));
    }
    rule_voucher(EventKind::Waiver, date, "利息减免", lines)
}

/// Interest received in advance (提前收息): Dr bank / Cr 2205 预收利息.
pub fn upfront_interest_received(
    date: NaiveDate,
    into: &CashAccount,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::UpfrontInterestReceived,
        date,
        "预收利息",
        vec![
            PostingLine::dr(into.code().clone(), amount),
            PostingLine::cr(chart::INTEREST_RECEIVED_IN_ADVANCE, amount),
        ],
    )
}

/// The month's share of interest received in advance recognised: Dr 2205 / Cr 601101.
pub fn upfront_interest_release(
    date: NaiveDate,
    amount: Decimal,
) -> Result<VoucherDraft, LedgerError> {
    rule_voucher(
        EventKind::UpfrontInterestRelease,
        date,
        "预收利息摊销",
        vec![
            PostingLine::dr(chart::INTEREST_RECEIVED_IN_ADVANCE, amount),
            PostingLine::cr(chart::INTEREST_INCOME_REGULAR, amount),
        ],
    )
}

/// Credits for income received: recognised → 1132, the rest → 6011xx; the memo of the
/// off-balance part is released.
fn income_received_lines(income: &IncomeParts) -> Vec<PostingLine> {
    let mut lines = Vec::new();
    for (kind, part) in income.by_kind() {
        lines.push(
            PostingLine::cr(chart::INTEREST_RECEIVABLE, part.recognised).with_memo(kind.name_zh()),
        );
        lines.push(PostingLine::cr(
            kind.income_account(),
            part.off_balance + part.unrecognised,
        ));
        lines.extend(memo_release_lines(kind, part.off_balance));
    }
    lines
}

/// Dr 6011xx / Cr 1132 and Dr 7001xx / Cr 7099 for each kind.
fn reverse_to_memo_lines(amounts: &IncomeAmounts) -> Vec<PostingLine> {
    let mut lines = Vec::new();
    for (kind, amount) in amounts.by_kind() {
        lines.push(PostingLine::dr(kind.income_account(), amount));
        lines.push(PostingLine::cr(chart::INTEREST_RECEIVABLE, amount));
        lines.extend(memo_lines(kind, amount));
    }
    lines
}

/// Dr 7001xx / Cr 7099: income kept off balance.
fn memo_lines(kind: IncomeKind, amount: Decimal) -> Vec<PostingLine> {
    vec![
        PostingLine::dr(kind.off_balance_account(), amount),
        PostingLine::cr(chart::OFF_BALANCE_CONTRA, amount),
    ]
}

/// Dr 7099 / Cr 7001xx: off-balance income released (received, waived).
fn memo_release_lines(kind: IncomeKind, amount: Decimal) -> [PostingLine; 2] {
    [
        PostingLine::dr(chart::OFF_BALANCE_CONTRA, amount),
        PostingLine::cr(kind.off_balance_account(), amount),
    ]
}
