//! Debit and credit totals per account: the one input the statements are computed from,
//! summed here from lines or vouchers, or handed in from the database's per-account sums.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::AccountCode;
use crate::voucher::{PostingLine, VoucherDraft};

/// Debit and credit turnover of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTotal {
    /// Sum of debits.
    pub debit: Decimal,
    /// Sum of credits.
    pub credit: Decimal,
}

impl AccountTotal {
    /// Debit minus credit.
    pub fn net_debit(&self) -> Decimal {
        self.debit - self.credit
    }

    /// Credit minus debit.
    pub fn net_credit(&self) -> Decimal {
        self.credit - self.debit
    }

    pub(crate) fn add(&mut self, other: AccountTotal) {
        self.debit += other.debit;
        self.credit += other.credit;
    }
}

/// Whether period-close vouchers (profit carry, year-end carry, reserve appropriation) are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Count them (balances, trial balance, balance sheet).
    Include,
    /// Leave them out (income statement of a period).
    Exclude,
}

/// Totals per account code, as posted (leaf accounts; the statements roll them up).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals(BTreeMap<AccountCode, AccountTotal>);

impl Totals {
    /// No turnover at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sums lines.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a PostingLine>) -> Self {
        let mut totals = Self::new();
        for line in lines {
            totals.add_line(line);
        }
        totals
    }

    /// Sums the lines of vouchers, with or without period-close vouchers.
    pub fn from_vouchers<'a>(
        vouchers: impl IntoIterator<Item = &'a VoucherDraft>,
        closing: Closing,
    ) -> Self {
        let mut totals = Self::new();
        for voucher in vouchers {
            if closing == Closing::Include || !voucher.is_closing() {
                totals.add_voucher(voucher);
            }
        }
        totals
    }

    /// Adds one line.
    pub fn add_line(&mut self, line: &PostingLine) {
        self.add(
            line.account.clone(),
            AccountTotal {
                debit: line.debit,
                credit: line.credit,
            },
        );
    }

    /// Adds all lines of a voucher.
    pub fn add_voucher(&mut self, voucher: &VoucherDraft) {
        for line in voucher.lines() {
            self.add_line(line);
        }
    }

    /// Adds a turnover to an account (e.g. a per-account sum from the database).
    pub fn add(&mut self, account: AccountCode, total: AccountTotal) {
        self.0.entry(account).or_default().add(total);
    }

    /// The sum of two sets of totals (e.g. opening plus period).
    pub fn merged(&self, other: &Totals) -> Totals {
        let mut merged = self.clone();
        for (code, total) in other.iter() {
            merged.add(code.clone(), *total);
        }
        merged
    }

    /// The totals of one account as posted (no roll-up of sub-accounts).
    pub fn get(&self, account: &AccountCode) -> AccountTotal {
        self.0.get(account).copied().unwrap_or_default()
    }

    /// Debit minus credit of one account as posted.
    pub fn net_debit(&self, account: &AccountCode) -> Decimal {
        self.get(account).net_debit()
    }

    /// Every account with its totals, by code.
    pub fn iter(&self) -> impl Iterator<Item = (&AccountCode, &AccountTotal)> {
        self.0.iter()
    }
}
