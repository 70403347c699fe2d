//! Product and tenant settings that change how a loan is serviced.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::AllocationOrder;
use crate::money::dec;
use crate::prepayment::PrepaymentMode;

/// Servicing settings of a product, with LOAN-MATH's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicingRules {
    /// `penalty_markup` m: the penalty rate is `R·(1 + m)` (default 0.5).
    pub penalty_markup: Decimal,
    /// Grace days g (宽限期, default 0).
    pub grace_days: u32,
    /// Whether compound interest (复利) is charged on overdue interest (default off).
    pub compound_interest: bool,
    /// Payment allocation order (冲账顺序, default `installment_first`).
    pub allocation: AllocationOrder,
    /// Whether `interest_upfront` refunds unearned interest on early payoff (default on).
    pub refund_unearned_upfront_interest: bool,
    /// What a partial prepayment keeps (default `keep_term`).
    pub prepayment_mode: PrepaymentMode,
}

impl Default for ServicingRules {
    fn default() -> Self {
        Self {
            penalty_markup: dec(5, 1),
            grace_days: 0,
            compound_interest: false,
            allocation: AllocationOrder::InstallmentFirst,
            refund_unearned_upfront_interest: true,
            prepayment_mode: PrepaymentMode::KeepTerm,
        }
    }
}

impl ServicingRules {
    /// The annual penalty rate `R·(1 + m)`, kept exact (never stored rounded).
    pub fn penalty_rate(&self, annual_rate: Decimal) -> Decimal {
        annual_rate * (Decimal::ONE + self.penalty_markup)
    }
}
