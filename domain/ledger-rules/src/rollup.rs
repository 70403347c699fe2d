//! Looking accounts up in a chart and rolling sub-account totals up to their parents.

use std::collections::BTreeMap;

use crate::account::{AccountCode, AccountSeed};
use crate::totals::{AccountTotal, Totals};
use crate::LedgerError;

/// A chart indexed by code.
pub(crate) struct ChartIndex<'a> {
    by_code: BTreeMap<&'a AccountCode, &'a AccountSeed>,
}

impl<'a> ChartIndex<'a> {
    /// Indexes a chart.
    pub(crate) fn new(accounts: &'a [AccountSeed]) -> Self {
        Self {
            by_code: accounts.iter().map(|a| (&a.code, a)).collect(),
        }
    }

    /// The account with this code, or `unknown_account`.
    pub(crate) fn seed(&self, code: &AccountCode) -> Result<&'a AccountSeed, LedgerError> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| LedgerError::UnknownAccount(code.to_string()))
    }

    /// Every account of the chart, by code.
    pub(crate) fn accounts(&self) -> impl Iterator<Item = &'a AccountSeed> + '_ {
        self.by_code.values().copied()
    }

    /// Depth of an account: 0 for a first-level account.
    pub(crate) fn level(&self, seed: &AccountSeed) -> usize {
        self.ancestors(seed).count()
    }

    /// The parent, grandparent… of an account (bounded, so a cyclic chart cannot loop).
    fn ancestors(&self, seed: &'a AccountSeed) -> impl Iterator<Item = &'a AccountSeed> + '_ {
        let limit = self.by_code.len();
        std::iter::successors(Some(seed), |s| {
            s.parent.as_ref().and_then(|p| self.by_code.get(p).copied())
        })
        .skip(1)
        .take(limit)
    }

    /// Totals per account including all its sub-accounts' totals.
    pub(crate) fn rolled_up(
        &self,
        totals: &Totals,
    ) -> Result<BTreeMap<AccountCode, AccountTotal>, LedgerError> {
        let mut rolled: BTreeMap<AccountCode, AccountTotal> = BTreeMap::new();
        for (code, total) in totals.iter() {
            let seed = self.seed(code)?;
            rolled.entry(seed.code.clone()).or_default().add(*total);
            for ancestor in self.ancestors(seed) {
                rolled.entry(ancestor.code.clone()).or_default().add(*total);
            }
        }
        Ok(rolled)
    }
}
