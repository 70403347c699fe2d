//! The one error enum of this crate; every variant has a stable machine-readable code.

use rust_decimal::Decimal;

/// Why a firm's input or a set of thresholds was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// The stated loan balance is not the sum of the loans' balances.
    #[error("loan balance {stated} is not the sum of the loans' balances {computed}")]
    LoanBalanceMismatch {
        /// The loan balance given (e.g. account 1303).
        stated: Decimal,
        /// The sum of the per-loan balances.
        computed: Decimal,
    },
    /// An amount that cannot be negative is.
    #[error("{field} must not be negative")]
    NegativeAmount {
        /// The input at fault.
        field: &'static str,
    },
    /// Year-to-date figures over zero days cannot be annualised.
    #[error("days must be at least 1")]
    InvalidDays,
    /// A tenant's thresholds are looser than the jurisdiction's.
    #[error("{metric}: a tenant may make a limit stricter than the jurisdiction's, never looser")]
    LooserThanJurisdiction {
        /// The metric whose limit is looser.
        metric: &'static str,
    },
}

impl MetricsError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LoanBalanceMismatch { .. } => "loan_balance_mismatch",
            Self::NegativeAmount { .. } => "negative_amount",
            Self::InvalidDays => "invalid_days",
            Self::LooserThanJurisdiction { .. } => "thresholds_looser_than_jurisdiction",
        }
    }
}
