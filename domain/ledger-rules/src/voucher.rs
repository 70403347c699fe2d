//! Vouchers (记账凭证) before they are numbered and posted: balanced lines, built only through a checking constructor.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::AccountCode;
use crate::money::is_whole_fen;
use crate::LedgerError;

/// The business event a voucher records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 期初余额 opening balances entered once.
    OpeningBalance,
    /// 手工凭证 a manual voucher.
    Manual,
    /// 放款 a loan paid out.
    Payout,
    /// 收取手续费 a fee received.
    FeeReceived,
    /// 还款 a repayment.
    Repayment,
    /// 利息计提 interest recognised (or memo'd off balance).
    InterestRecognition,
    /// 罚息计提 penalty interest recognised (or memo'd off balance).
    PenaltyRecognition,
    /// 复利计提 compound interest recognised (or memo'd off balance).
    CompoundRecognition,
    /// 转非应计 recognised-unpaid income moved off balance.
    MoveToNonAccrual,
    /// 计提/转回贷款损失准备 a change of the loan loss allowance.
    ProvisionChange,
    /// 核销 a write-off.
    WriteOff,
    /// 核销后收回 a recovery after write-off.
    RecoveryAfterWriteOff,
    /// 减免 a waiver of interest or penalty.
    Waiver,
    /// 预收利息 interest received in advance.
    UpfrontInterestReceived,
    /// 预收利息摊销 interest received in advance recognised.
    UpfrontInterestRelease,
    /// 实收资本到位 capital paid in.
    CapitalPaidIn,
    /// 借入资金 a borrowing drawn.
    BorrowingDrawn,
    /// 归还借款 a borrowing repaid.
    BorrowingRepaid,
    /// 利息支出 interest expense recognised.
    InterestExpense,
    /// 支付应付利息 accrued interest expense paid.
    InterestPayablePaid,
    /// 结转本年利润 period-end carry of income and expenses to 4103.
    ProfitCarry,
    /// 年末结转利润分配 year-end carry of 4103 to 4104.
    YearEndCarry,
    /// 提取一般风险准备 appropriation to the general risk reserve.
    RiskReserveAppropriation,
    /// 冲销 a reversal of an earlier voucher.
    Reversal,
}

impl EventKind {
    /// Whether vouchers of this kind are period-close entries, left out of the income statement.
    pub fn is_closing(self) -> bool {
        matches!(
            self,
            Self::ProfitCarry | Self::YearEndCarry | Self::RiskReserveAppropriation
        )
    }
}

/// One line of a voucher: an account and a debit or a credit amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingLine {
    /// The account posted to.
    pub account: AccountCode,
    /// Debit amount (zero on a credit line).
    pub debit: Decimal,
    /// Credit amount (zero on a debit line).
    pub credit: Decimal,
    /// Line memo (摘要), may be empty.
    pub memo: String,
}

impl PostingLine {
    /// A debit line.
    pub fn dr(account: AccountCode, amount: Decimal) -> Self {
        Self {
            account,
            debit: amount,
            credit: Decimal::ZERO,
            memo: String::new(),
        }
    }

    /// A credit line.
    pub fn cr(account: AccountCode, amount: Decimal) -> Self {
        Self {
            account,
            debit: Decimal::ZERO,
            credit: amount,
            memo: String::new(),
        }
    }

    /// The same line with a memo.
    pub fn with_memo(mut self, memo: &str) -> Self {
        self.memo = memo.to_owned();
        self
    }

    /// Debit minus credit.
    pub fn net_debit(&self) -> Decimal {
        self.debit - self.credit
    }

    /// The same line on the other side (for reversals).
    pub fn opposite(&self) -> Self {
        Self {
            account: self.account.clone(),
            debit: self.credit,
            credit: self.debit,
            memo: self.memo.clone(),
        }
    }

    fn is_zero(&self) -> bool {
        self.debit.is_zero() && self.credit.is_zero()
    }
}

/// A balanced voucher not yet numbered or posted; only [`VoucherDraft::new`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherDraft {
    event: EventKind,
    date: NaiveDate,
    lines: Vec<PostingLine>,
    memo: String,
    closing: bool,
}

impl VoucherDraft {
    /// Checks and builds a voucher: at least one line; every amount non-negative with at most
    /// 2 decimals; each line exactly one of debit or credit, non-zero; debits equal credits,
    /// separately among on-balance accounts and among off-balance (class 7) memo accounts.
    pub fn new(
        event: EventKind,
        date: NaiveDate,
        lines: Vec<PostingLine>,
        memo: &str,
    ) -> Result<Self, LedgerError> {
        if lines.is_empty() {
            return Err(LedgerError::VoucherEmpty);
        }
        for (i, line) in lines.iter().enumerate() {
            if line.debit < Decimal::ZERO || line.credit < Decimal::ZERO {
                return Err(LedgerError::InvalidAmount {
                    line: i,
                    reason: "amounts must not be negative",
                });
            }
            if !is_whole_fen(line.debit) || !is_whole_fen(line.credit) {
                return Err(LedgerError::InvalidAmount {
                    line: i,
                    reason: "amounts have at most 2 decimal places",
                });
            }
            if !line.debit.is_zero() && !line.credit.is_zero() {
                return Err(LedgerError::LineBothSides { line: i });
            }
            if line.is_zero() {
                return Err(LedgerError::LineZero { line: i });
            }
        }
        for off_balance in [false, true] {
            let group = lines
                .iter()
                .filter(|l| l.account.is_off_balance() == off_balance);
            let (debit, credit) = group.fold((Decimal::ZERO, Decimal::ZERO), |(d, c), l| {
                (d + l.debit, c + l.credit)
            });
            if debit != credit {
                return Err(LedgerError::VoucherUnbalanced { debit, credit });
            }
        }
        Ok(Self {
            event,
            date,
            lines,
            memo: memo.to_owned(),
            closing: event.is_closing(),
        })
    }

    /// Like [`VoucherDraft::new`], after dropping lines whose amounts are both zero.
    pub fn from_nonzero_lines(
        event: EventKind,
        date: NaiveDate,
        lines: impl IntoIterator<Item = PostingLine>,
        memo: &str,
    ) -> Result<Self, LedgerError> {
        Self::new(
            event,
            date,
            lines.into_iter().filter(|l| !l.is_zero()).collect(),
            memo,
        )
    }

    /// The event recorded.
    pub fn event(&self) -> EventKind {
        self.event
    }

    /// The accounting date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The lines, in order.
    pub fn lines(&self) -> &[PostingLine] {
        &self.lines
    }

    /// The voucher memo (摘要).
    pub fn memo(&self) -> &str {
        &self.memo
    }

    /// Whether this is a period-close entry (or the reversal of one).
    pub fn is_closing(&self) -> bool {
        self.closing
    }

    /// Total of the debits.
    pub fn total_debit(&self) -> Decimal {
        self.lines.iter().map(|l| l.debit).sum()
    }

    /// Total of the credits.
    pub fn total_credit(&self) -> Decimal {
        self.lines.iter().map(|l| l.credit).sum()
    }

    /// Whether debits equal credits (always true for a voucher built by `new`).
    pub fn is_balanced(&self) -> bool {
        self.total_debit() == self.total_credit()
    }

    /// The same voucher on another date (a late event posts into the open period).
    pub fn with_date(mut self, date: NaiveDate) -> Self {
        self.date = date;
        self
    }

    /// The same voucher with another memo.
    pub fn with_memo(mut self, memo: &str) -> Self {
        self.memo = memo.to_owned();
        self
    }
}

/// A new voucher with the opposite lines of `original`, dated like it, with the reason as memo.
pub fn reverse(original: &VoucherDraft, reason: &str) -> Result<VoucherDraft, LedgerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LedgerError::ReasonRequired);
    }
    let lines = original.lines.iter().map(PostingLine::opposite).collect();
    let mut reversal = VoucherDraft::new(
        EventKind::Reversal,
        original.date,
        lines,
        &format!("冲销：{reason}"),
    )?;
    reversal.closing = original.closing;
    Ok(reversal)
}

/// Builds a voucher from rule lines, dropping zero lines; a negative input is refused by name.
pub(crate) fn rule_voucher(
    event: EventKind,
    date: NaiveDate,
    memo: &str,
    lines: Vec<PostingLine>,
) -> Result<VoucherDraft, LedgerError> {
    if lines
        .iter()
        .any(|l| l.debit < Decimal::ZERO || l.credit < Decimal::ZERO)
    {
        return Err(LedgerError::NegativeInput { field: "amount" });
    }
    VoucherDraft::from_nonzero_lines(event, date, lines, memo)
}
