//! The loan loss allowance (贷款损失准备, 1304): the voucher that moves it to the required
//! allowance (computed by the loan engine, LOAN-MATH "Provisions").

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::chart;
use crate::voucher::{rule_voucher, EventKind, PostingLine, VoucherDraft};
use crate::LedgerError;

/// Moves 1304 from its `current` credit balance (negative if a write-off overdrew it) to `required`: Dr 6701 / Cr 1304 to raise it, the reverse to
/// release it; `None` when they are equal.
pub fn provision_change(
    date: NaiveDate,
    current: Decimal,
    required: Decimal,
) -> Result<Option<VoucherDraft>, LedgerError> {
    if required < Decimal::ZERO {
        return Err(LedgerError::NegativeInput {
            field: "required_allowance",
        });
    }
    let change = required - current;
    let (lines, memo) = if change > Decimal::ZERO {
        (
            vec![
                PostingLine::dr(chart::IMPAIRMENT_LOSSES, change),
                PostingLine::cr(chart::LOAN_LOSS_ALLOWANCE, change),
            ],
            "计提贷款损失准备",
        )
    } else if change < Decimal::ZERO {
        (
            vec![
                PostingLine::dr(chart::LOAN_LOSS_ALLOWANCE, -change),
                PostingLine::cr(chart::IMPAIRMENT_LOSSES, -change),
            ],
            "转回贷款损失准备",
        )
    } else {
        return Ok(None);
    };
    rule_voucher(EventKind::ProvisionChange, date, memo, lines).map(Some)
}
