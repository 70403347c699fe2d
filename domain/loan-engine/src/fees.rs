//! Product fees: at payout, per installment, on prepayment, and the late fee.
//!
//! Each fee is rounded half-up where it is computed. A payout fee is its own receipt, never deducted
//! from the payout; per-installment fees are part of every installment; the prepayment fee is a
//! percentage of the principal prepaid; the late fee is a fixed amount charged once per installment
//! whose grace period has passed with principal or interest unpaid.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, EngineResult};
use crate::money::{has_at_most_dp, round_fen_of};

/// When a fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Paid by the borrower at payout, as its own receipt.
    AtPayout,
    /// Added to every installment of the schedule.
    PerInstallment,
    /// A percentage of the principal prepaid.
    Prepayment,
    /// Fixed, once per installment whose grace period passed unpaid.
    Late,
}

/// How a fee's amount is determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBasis {
    /// A fixed amount in CNY (at most 2 decimals).
    Fixed(Decimal),
    /// A fraction (`0.01` = 1 %) of the loan principal, or of the principal prepaid for a prepayment fee.
    PercentOfPrincipal(Decimal),
}

/// The unvalidated shape of a fee, as stored or received; becomes a [`Fee`] through [`Fee::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSpec {
    /// When the fee is charged.
    pub kind: FeeKind,
    /// How its amount is determined.
    pub basis: FeeBasis,
    /// The product's label for it (`"服务费"`).
    pub name: String,
}

/// A validated product fee; only [`Fee::new`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FeeSpec", into = "FeeSpec")]
pub struct Fee {
    kind: FeeKind,
    basis: FeeBasis,
    name: String,
}

impl Fee {
    /// Validates a fee: fixed amounts ≥ 0 with ≤ 2 decimals, percentages 0–1 with ≤ 6 decimals, a late fee fixed, a prepayment fee a percentage, a non-empty name.
    pub fn new(kind: FeeKind, basis: FeeBasis, name: impl Into<String>) -> EngineResult<Fee> {
        let name = name.into();
        let bad = |msg: String| Err(EngineError::new("fees", "invalid_fee", msg));
        if name.trim().is_empty() {
            return bad("a fee needs a name".into());
        }
        match basis {
            FeeBasis::Fixed(a) => {
                if a.is_sign_negative() || !has_at_most_dp(a, 2) {
                    return bad(format!(
                        "fee {name:?}: a fixed amount must be non-negative with at most 2 decimals"
                    ));
                }
                if kind == FeeKind::Prepayment {
                    return bad(format!(
                        "fee {name:?}: a prepayment fee is a percentage of the principal prepaid"
                    ));
                }
            }
            FeeBasis::PercentOfPrincipal(p) => {
                if p.is_sign_negative() || p > Decimal::ONE || !has_at_most_dp(p, 6) {
                    return bad(format!(
                        "fee {name:?}: a percentage must be between 0 and 1 with at most 6 decimals"
                    ));
                }
                if kind == FeeKind::Late {
                    return bad(format!("fee {name:?}: a late fee is a fixed amount"));
                }
            }
        }
        Ok(Fee { kind, basis, name })
    }

    /// When the fee is charged.
    pub fn kind(&self) -> FeeKind {
        self.kind
    }

    /// How its amount is determined.
    pub fn basis(&self) -> FeeBasis {
        self.basis
    }

    /// The product's label for it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fee on `base` (the loan principal, or the principal prepaid): the fixed amount, or `round(base·p)`.
    pub fn amount_on(&self, base: Decimal) -> Decimal {
        match self.basis {
            FeeBasis::Fixed(a) => a,
            FeeBasis::PercentOfPrincipal(p) => round_fen_of(base, p, 1, 1),
        }
    }
}

impl TryFrom<FeeSpec> for Fee {
    type Error = EngineError;

    fn try_from(s: FeeSpec) -> Result<Self, Self::Error> {
        Fee::new(s.kind, s.basis, s.name)
    }
}

impl From<Fee> for FeeSpec {
    fn from(f: Fee) -> Self {
        FeeSpec {
            kind: f.kind,
            basis: f.basis,
            name: f.name,
        }
    }
}

fn sum_of(fees: &[Fee], kind: FeeKind, base: Decimal) -> Decimal {
    fees.iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.amount_on(base))
        .sum()
}

/// Fees the borrower pays at payout (each rounded on its own), given the loan principal.
pub fn payout_fees(fees: &[Fee], principal: Decimal) -> Decimal {
    sum_of(fees, FeeKind::AtPayout, principal)
}

/// The fee added to every installment, given the loan principal.
pub fn installment_fee(fees: &[Fee], principal: Decimal) -> Decimal {
    sum_of(fees, FeeKind::PerInstallment, principal)
}

/// The prepayment fee on `prepaid_principal`.
pub fn prepayment_fee(fees: &[Fee], prepaid_principal: Decimal) -> Decimal {
    sum_of(fees, FeeKind::Prepayment, prepaid_principal)
}

/// The late fee charged once to an installment whose grace period passed unpaid.
pub fn late_fee(fees: &[Fee]) -> Decimal {
    sum_of(fees, FeeKind::Late, Decimal::ZERO)
}

/// Whether, as of `as_of`, an installment due `due` is past its grace period without its principal and interest settled by `due + grace_days`.
///
/// `settled_on` is the date its principal and interest became fully paid, if they did.
/// This is the condition for the late fee, the penalty and compound interest alike; it first holds
/// at `as_of = due + grace_days + 1`, the state at the end of `due + grace_days` (what COB for that day sees).
pub fn grace_expired_unpaid(
    due: NaiveDate,
    grace_days: u32,
    settled_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> bool {
    let grace_end = due
        .checked_add_days(chrono::Days::new(u64::from(grace_days)))
        .unwrap_or(NaiveDate::MAX);
    as_of > grace_end && settled_on.is_none_or(|s| s > grace_end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fee_validation() {
        assert!(Fee::new(
            FeeKind::Late,
            FeeBasis::PercentOfPrincipal(dec!(0.01)),
            "滞纳金"
        )
        .is_err());
        assert!(Fee::new(FeeKind::Prepayment, FeeBasis::Fixed(dec!(100)), "违约金").is_err());
        assert!(Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(-1)), "x").is_err());
        assert!(Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(1.001)), "x").is_err());
        assert!(Fee::new(
            FeeKind::AtPayout,
            FeeBasis::PercentOfPrincipal(dec!(1.5)),
            "x"
        )
        .is_err());
        assert!(Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(1)), " ").is_err());
        let f = Fee::new(
            FeeKind::PerInstallment,
            FeeBasis::PercentOfPrincipal(dec!(0.003)),
            "服务费",
        )
        .unwrap();
        assert_eq!(f.amount_on(dec!(12345.67)), dec!(37.04));
    }

    #[test]
    fn sums_by_kind_each_rounded() {
        let fees = vec![
            Fee::new(
                FeeKind::AtPayout,
                FeeBasis::PercentOfPrincipal(dec!(0.0125)),
                "a",
            )
            .unwrap(),
            Fee::new(FeeKind::AtPayout, FeeBasis::Fixed(dec!(50)), "b").unwrap(),
            Fee::new(FeeKind::Late, FeeBasis::Fixed(dec!(30)), "c").unwrap(),
            Fee::new(
                FeeKind::Prepayment,
                FeeBasis::PercentOfPrincipal(dec!(0.02)),
                "d",
            )
            .unwrap(),
        ];
        assert_eq!(payout_fees(&fees, dec!(10000.4)), dec!(175.01));
        assert_eq!(late_fee(&fees), dec!(30));
        assert_eq!(prepayment_fee(&fees, dec!(5000.25)), dec!(100.01));
        assert_eq!(installment_fee(&fees, dec!(10000)), dec!(0));
    }

    #[test]
    fn serde_validates() {
        let ok = r#"{"kind":"late","basis":{"fixed":"30.00"},"name":"滞纳金"}"#;
        let f: Fee = serde_json::from_str(ok).unwrap();
        assert_eq!(f.kind(), FeeKind::Late);
        let bad = r#"{"kind":"late","basis":{"percent_of_principal":"0.01"},"name":"滞纳金"}"#;
        assert!(serde_json::from_str::<Fee>(bad).is_err());
    }

    #[test]
    fn grace() {
        let due: NaiveDate = "2026-03-10".parse().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!grace_expired_unpaid(due, 0, None, d("2026-03-10")));
        assert!(grace_expired_unpaid(due, 0, None, d("2026-03-11")));
        assert!(!grace_expired_unpaid(due, 3, None, d("2026-03-13")));
        assert!(grace_expired_unpaid(due, 3, None, d("2026-03-14")));
        assert!(!grace_expired_unpaid(
            due,
            3,
            Some(d("2026-03-13")),
            d("2026-04-14")
        ));
        assert!(grace_expired_unpaid(
            due,
            3,
            Some(d("2026-03-14")),
            d("2026-04-14")
        ));
    }
}
