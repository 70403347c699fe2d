//! The one error enum of this crate; every variant has a stable machine-readable code.

use rust_decimal::Decimal;

/// Why a voucher, an account code or a posting input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A voucher with no non-zero line.
    #[error("a voucher needs at least one line")]
    VoucherEmpty,
    /// Debits and credits differ (on balance, or among the off-balance memo accounts).
    #[error("debits {debit} and credits {credit} differ")]
    VoucherUnbalanced {
        /// Total debits of the group that does not balance.
        debit: Decimal,
        /// Total credits of the group that does not balance.
        credit: Decimal,
    },
    /// A negative amount, or one with more than 2 decimal places.
    #[error("line {line}: {reason}")]
    InvalidAmount {
        /// Zero-based line number.
        line: usize,
        /// What is wrong with the amount.
        reason: &'static str,
    },
    /// A line with both a debit and a credit.
    #[error("line {line}: a line is either a debit or a credit, not both")]
    LineBothSides {
        /// Zero-based line number.
        line: usize,
    },
    /// A line whose debit and credit are both zero.
    #[error("line {line}: a line needs a non-zero amount")]
    LineZero {
        /// Zero-based line number.
        line: usize,
    },
    /// An amount given to a posting rule that must not be negative.
    #[error("{field} must not be negative")]
    NegativeInput {
        /// The input that was negative.
        field: &'static str,
    },
    /// A string that is not an account code.
    #[error("`{0}` is not an account code (4 digits, optional 2-digit levels, optional .NN sub-accounts)")]
    InvalidAccountCode(String),
    /// An account that the chart given to an aggregation does not contain.
    #[error("account {0} is not in the chart of accounts")]
    UnknownAccount(String),
    /// Money can only come from or go to cash on hand (1001) or a bank account (1002…).
    #[error("account {0} is not cash on hand or a bank account")]
    NotCashAccount(String),
    /// A sub-account sequence number outside 1..=9999.
    #[error("sub-account number {0} is outside 1..=9999")]
    InvalidSubAccount(u32),
    /// A reversal without a reason.
    #[error("a reversal needs a reason")]
    ReasonRequired,
    /// A rate outside 0..=1.
    #[error("rate {0} is outside 0..=1")]
    InvalidRate(Decimal),
}

impl LedgerError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::VoucherEmpty => "voucher_empty",
            Self::VoucherUnbalanced { .. } => "voucher_unbalanced",
            Self::InvalidAmount { .. } => "invalid_amount",
            Self::LineBothSides { .. } => "line_both_sides",
            Self::LineZero { .. } => "line_zero",
            Self::NegativeInput { .. } => "negative_amount",
            Self::InvalidAccountCode(_) => "invalid_account_code",
            Self::UnknownAccount(_) => "unknown_account",
            Self::NotCashAccount(_) => "not_cash_account",
            Self::InvalidSubAccount(_) => "invalid_sub_account",
            Self::ReasonRequired => "reason_required",
            Self::InvalidRate(_) => "invalid_rate",
        }
    }
}
