//! Repayment methods (还款方式) and loan terms in months or days.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// A repayment method (还款方式), one row of the LOAN-MATH table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 到期一次还本付息: principal and interest in one installment at maturity.
    Bullet,
    /// 按月付息到期还本 (先息后本): interest monthly, principal at maturity.
    InterestMonthly,
    /// 按季付息到期还本: interest every three months, principal at maturity.
    InterestQuarterly,
    /// 提前收息到期还本: the whole term's interest at payout (installment 0), principal at maturity.
    InterestUpfront,
    /// 等额本金: equal principal parts, interest on the declining balance.
    EqualPrincipal,
    /// 等额本息: equal installments (annuity).
    EqualInstallment,
    /// 自由还本付息: caller-given due dates and principal parts, interest by days.
    Custom,
}

impl Method {
    /// Every method, in the order of the LOAN-MATH table.
    pub const ALL: [Method; 7] = [
        Method::Bullet,
        Method::InterestMonthly,
        Method::InterestQuarterly,
        Method::InterestUpfront,
        Method::EqualPrincipal,
        Method::EqualInstallment,
        Method::Custom,
    ];

    /// The stable snake_case code (`"equal_installment"`), as in the API and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Method::Bullet => "bullet",
            Method::InterestMonthly => "interest_monthly",
            Method::InterestQuarterly => "interest_quarterly",
            Method::InterestUpfront => "interest_upfront",
            Method::EqualPrincipal => "equal_principal",
            Method::EqualInstallment => "equal_installment",
            Method::Custom => "custom",
        }
    }

    /// The Chinese name exactly as in the LOAN-MATH table (`"等额本息"`).
    pub fn name_zh(&self) -> &'static str {
        match self {
            Method::Bullet => "到期一次还本付息",
            Method::InterestMonthly => "按月付息到期还本 (先息后本)",
            Method::InterestQuarterly => "按季付息到期还本",
            Method::InterestUpfront => "提前收息到期还本",
            Method::EqualPrincipal => "等额本金",
            Method::EqualInstallment => "等额本息",
            Method::Custom => "自由还本付息",
        }
    }

    /// Whether the method accepts a term in days (按天): only `bullet` and `interest_upfront`.
    pub fn allows_day_term(&self) -> bool {
        matches!(self, Method::Bullet | Method::InterestUpfront)
    }

    /// Whether the method accepts a fixed repayment day (每月固定还款日).
    pub fn allows_repay_day(&self) -> bool {
        matches!(
            self,
            Method::InterestMonthly | Method::EqualPrincipal | Method::EqualInstallment
        )
    }

    /// Whether all principal is repaid at maturity (the interest-only methods).
    pub fn is_interest_only(&self) -> bool {
        matches!(
            self,
            Method::Bullet
                | Method::InterestMonthly
                | Method::InterestQuarterly
                | Method::InterestUpfront
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Method {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| {
                let codes: Vec<&str> = Method::ALL.iter().map(Method::code).collect();
                EngineError::new(
                    "method",
                    "invalid_method",
                    format!(
                        "unknown repayment method {s:?}; expected one of {}",
                        codes.join(", ")
                    ),
                )
            })
    }
}

/// A loan term: whole months, or days (按天, `bullet` and `interest_upfront` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// A term of whole months.
    Months(u32),
    /// A term of calendar days.
    Days(u32),
}

impl Term {
    /// Longest month term accepted (30 years).
    pub const MAX_MONTHS: u32 = 360;
    /// Longest day term accepted (about 10 years).
    pub const MAX_DAYS: u32 = 3_650;

    /// The number in the term's own unit.
    pub fn count(&self) -> u32 {
        match self {
            Term::Months(n) | Term::Days(n) => *n,
        }
    }

    /// The input field name of the term's unit (`"months"` or `"days"`).
    pub fn field(&self) -> &'static str {
        match self {
            Term::Months(_) => "months",
            Term::Days(_) => "days",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.code().parse::<Method>().unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.code()));
            assert!(!m.name_zh().is_empty());
        }
        let e = "annuity".parse::<Method>().unwrap_err();
        assert_eq!((e.field, e.code), (Some("method"), "invalid_method"));
    }

    #[test]
    fn term_serialises_by_unit() {
        assert_eq!(
            serde_json::to_string(&Term::Months(12)).unwrap(),
            r#"{"months":12}"#
        );
        assert_eq!(
            serde_json::to_string(&Term::Days(90)).unwrap(),
            r#"{"days":90}"#
        );
    }
}
