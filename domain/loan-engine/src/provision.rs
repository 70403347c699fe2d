//! Loan loss allowance (贷款损失准备, account 1304), coverage, and the general risk reserve (4102).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::classification::LoanClass;
use crate::error::{EngineError, EngineResult};
use crate::money::{dec, round_fen, round_rate4};

/// Allowance rates (tenant settings, never below the jurisdiction's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionRates {
    /// General rate g on the total loan balance (default 1 %).
    pub general: Decimal,
    /// On 关注 balances (default 2 %).
    pub special_mention: Decimal,
    /// On 次级 balances (default 25 %).
    pub substandard: Decimal,
    /// On 可疑 balances (default 50 %).
    pub doubtful: Decimal,
    /// On 损失 balances (default 100 %).
    pub loss: Decimal,
}

impl Default for ProvisionRates {
    fn default() -> Self {
        Self {
            general: dec(1, 2),
            special_mention: dec(2, 2),
            substandard: dec(25, 2),
            doubtful: dec(50, 2),
            loss: Decimal::ONE,
        }
    }
}

impl ProvisionRates {
    fn all(&self) -> [Decimal; 5] {
        [
            self.general,
            self.special_mention,
            self.substandard,
            self.doubtful,
            self.loss,
        ]
    }

    /// Checks each rate is 0–1 and none is below the jurisdiction's.
    pub fn check_not_below(&self, jurisdiction: &ProvisionRates) -> EngineResult<()> {
        if self
            .all()
            .iter()
            .any(|r| r.is_sign_negative() || *r > Decimal::ONE)
        {
            return Err(EngineError::new(
                "rates",
                "invalid_provision_rate",
                "provision rates are fractions between 0 and 1",
            ));
        }
        if self
            .all()
            .iter()
            .zip(jurisdiction.all())
            .any(|(t, j)| *t < j)
        {
            return Err(EngineError::new(
                "rates",
                "provision_rate_below_jurisdiction",
                "a tenant's provision rates may not be below the jurisdiction's",
            ));
        }
        Ok(())
    }
}

/// Principal balances by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassBalances {
    /// 正常.
    pub normal: Decimal,
    /// 关注.
    pub special_mention: Decimal,
    /// 次级.
    pub substandard: Decimal,
    /// 可疑.
    pub doubtful: Decimal,
    /// 损失.
    pub loss: Decimal,
}

impl ClassBalances {
    /// Adds a loan's balance to its class.
    pub fn add(&mut self, class: LoanClass, balance: Decimal) {
        let slot = match class {
            LoanClass::Normal => &mut self.normal,
            LoanClass::SpecialMention => &mut self.special_mention,
            LoanClass::Substandard => &mut self.substandard,
            LoanClass::Doubtful => &mut self.doubtful,
            LoanClass::Loss => &mut self.loss,
        };
        *slot += balance;
    }

    /// The total loan balance.
    pub fn total(&self) -> Decimal {
        self.normal + self.special_mention + self.substandard + self.doubtful + self.loss
    }

    /// The non-performing balance (次级 + 可疑 + 损失).
    pub fn non_performing(&self) -> Decimal {
        self.substandard + self.doubtful + self.loss
    }
}

/// The required allowance and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// `round(g · total balance)`.
    pub general: Decimal,
    /// `round(rate · 关注 balance)`.
    pub special_mention: Decimal,
    /// `round(rate · 次级 balance)`.
    pub substandard: Decimal,
    /// `round(rate · 可疑 balance)`.
    pub doubtful: Decimal,
    /// `round(rate · 损失 balance)`.
    pub loss: Decimal,
    /// The sum: the required allowance.
    pub total: Decimal,
}

/// Required allowance = `round(g · total)` + Σ `round(rate · class balance)` over the four non-normal classes.
pub fn required_allowance(balances: &ClassBalances, rates: &ProvisionRates) -> Allowance {
    let general = round_fen(rates.general * balances.total());
    let special_mention = round_fen(rates.special_mention * balances.special_mention);
    let substandard = round_fen(rates.substandard * balances.substandard);
    let doubtful = round_fen(rates.doubtful * balances.doubtful);
    let loss = round_fen(rates.loss * balances.loss);
    Allowance {
        general,
        special_mention,
        substandard,
        doubtful,
        loss,
        total: general + special_mention + substandard + doubtful + loss,
    }
}

/// Provision coverage = allowance ÷ non-performing balance, half-up to 4 decimals; `None` without NPL.
pub fn coverage(allowance: Decimal, balances: &ClassBalances) -> Option<Decimal> {
    let npl = balances.non_performing();
    if npl <= Decimal::ZERO {
        None
    } else {
        Some(round_rate4(allowance / npl))
    }
}

/// The default general risk reserve rate (1.5 % of risk assets).
pub const DEFAULT_GENERAL_RESERVE_RATE: Decimal = dec(15, 3);

/// The general risk reserve (一般风险准备, 4102) required at year end: `round(rate · risk assets)`, an appropriation of profit, not an allowance.
pub fn general_risk_reserve(risk_assets: Decimal, rate: Decimal) -> Decimal {
    round_fen(rate * risk_assets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn allowance_by_class() {
        let b = ClassBalances {
            normal: dec!(1000000),
            special_mention: dec!(50000.55),
            substandard: dec!(20000),
            doubtful: dec!(10000.01),
            loss: dec!(3000),
        };
        let a = required_allowance(&b, &ProvisionRates::default());
        assert_eq!(a.general, dec!(10830.01)); // 1 % of 1,083,000.56 = 10,830.0056
        assert_eq!(a.special_mention, dec!(1000.01)); // 2 % of 50,000.55 = 1,000.011
        assert_eq!(a.substandard, dec!(5000));
        assert_eq!(a.doubtful, dec!(5000.01)); // 50 % of 10,000.01 = 5,000.005
        assert_eq!(a.loss, dec!(3000));
        assert_eq!(a.total, dec!(24830.03));
        assert_eq!(coverage(a.total, &b), Some(dec!(0.7524)));
        assert_eq!(coverage(dec!(1), &ClassBalances::default()), None);
        assert_eq!(
            general_risk_reserve(dec!(1000000), DEFAULT_GENERAL_RESERVE_RATE),
            dec!(15000)
        );
    }

    #[test]
    fn tenant_rates_not_below() {
        let j = ProvisionRates::default();
        assert!(j.check_not_below(&j).is_ok());
        let low = ProvisionRates {
            substandard: dec!(0.2),
            ..j
        };
        assert!(low.check_not_below(&j).is_err());
        let high = ProvisionRates {
            substandard: dec!(0.3),
            ..j
        };
        assert!(high.check_not_below(&j).is_ok());
    }
}
