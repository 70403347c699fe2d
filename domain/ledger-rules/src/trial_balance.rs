//! Trial balance (科目余额表): opening, period turnover and closing per account, sub-accounts rolled up.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::account::{AccountCode, AccountKind, AccountSeed};
use crate::rollup::ChartIndex;
use crate::totals::{AccountTotal, Totals};
use crate::LedgerError;

/// The six columns of a trial balance; a balance sits in the column of the side it is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TrialBalanceAmounts {
    /// 期初借方余额.
    pub opening_debit: Decimal,
    /// 期初贷方余额.
    pub opening_credit: Decimal,
    /// 本期借方发生额.
    pub debit: Decimal,
    /// 本期贷方发生额.
    pub credit: Decimal,
    /// 期末借方余额.
    pub closing_debit: Decimal,
    /// 期末贷方余额.
    pub closing_credit: Decimal,
}

impl TrialBalanceAmounts {
    fn of(opening: AccountTotal, period: AccountTotal) -> Self {
        let (opening_debit, opening_credit) = split_balance(opening.net_debit());
        let (closing_debit, closing_credit) =
            split_balance(opening.net_debit() + period.net_debit());
        Self {
            opening_debit,
            opening_credit,
            debit: period.debit,
            credit: period.credit,
            closing_debit,
            closing_credit,
        }
    }

    fn add(&mut self, other: &Self) {
        self.opening_debit += other.opening_debit;
        self.opening_credit += other.opening_credit;
        self.debit += other.debit;
        self.credit += other.credit;
        self.closing_debit += other.closing_debit;
        self.closing_credit += other.closing_credit;
    }

    fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Whether each debit column equals its credit column.
    pub fn is_balanced(&self) -> bool {
        self.opening_debit == self.opening_credit
            && self.debit == self.credit
            && self.closing_debit == self.closing_credit
    }
}

/// One account's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalanceRow {
    /// Account code.
    pub code: AccountCode,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Class of the account.
    pub kind: AccountKind,
    /// 0 for a first-level account, 1 for its sub-accounts, …
    pub level: usize,
    /// The figures, this account's sub-accounts included.
    #[serde(flatten)]
    pub amounts: TrialBalanceAmounts,
}

/// A trial balance of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalance {
    /// Every account with a balance or turnover, by code (parents before their sub-accounts).
    pub rows: Vec<TrialBalanceRow>,
    /// Totals of the first-level on-balance accounts.
    pub totals: TrialBalanceAmounts,
    /// Totals of the first-level off-balance memo accounts.
    pub off_balance_totals: TrialBalanceAmounts,
}

impl TrialBalance {
    /// Whether debits equal credits in every column, on balance and off balance.
    pub fn is_balanced(&self) -> bool {
        self.totals.is_balanced() && self.off_balance_totals.is_balanced()
    }
}

/// Builds the trial balance from opening totals (everything before the period) and the
/// period's totals; every account posted to must be in `accounts`.
pub fn trial_balance(
    accounts: &[AccountSeed],
    opening: &Totals,
    period: &Totals,
) -> Result<TrialBalance, LedgerError> {
    let chart = ChartIndex::new(accounts);
    let opening = chart.rolled_up(opening)?;
    let period = chart.rolled_up(period)?;
    let mut rows = Vec::new();
    let mut totals = TrialBalanceAmounts::default();
    let mut off_balance_totals = TrialBalanceAmounts::default();
    for seed in chart.accounts() {
        let get = |map: &std::collections::BTreeMap<AccountCode, AccountTotal>| {
            map.get(&seed.code).copied().unwrap_or_default()
        };
        let amounts = TrialBalanceAmounts::of(get(&opening), get(&period));
        if amounts.is_zero() {
            continue;
        }
        let level = chart.level(seed);
        if level == 0 {
            if seed.kind == AccountKind::OffBalance {
                off_balance_totals.add(&amounts);
            } else {
                totals.add(&amounts);
            }
        }
        rows.push(TrialBalanceRow {
            code: seed.code.clone(),
            name_zh: seed.name_zh.clone(),
            name_en: seed.name_en.clone(),
            kind: seed.kind,
            level,
            amounts,
        });
    }
    Ok(TrialBalance {
        rows,
        totals,
        off_balance_totals,
    })
}

/// A net debit balance as (debit column, credit column).
fn split_balance(net_debit: Decimal) -> (Decimal, Decimal) {
    if net_debit >= Decimal::ZERO {
        (net_debit, Decimal::ZERO)
    } else {
        (Decimal::ZERO, -net_debit)
    }
}
