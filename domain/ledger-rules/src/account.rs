//! Account codes, the metadata of an account, and the accounts money moves through.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::chart;
use crate::LedgerError;

/// The side of an entry or the side on which an account normally carries its balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// 借
    Debit,
    /// 贷
    Credit,
}

/// The class of an account (会计要素), off-balance memo accounts included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 资产
    Asset,
    /// 负债
    Liability,
    /// 所有者权益
    Equity,
    /// 收入 (损益类)
    Income,
    /// 费用 (损益类)
    Expense,
    /// 表外 memo account, balanced by its own contra account.
    OffBalance,
}

/// An account code: 4 digits (first 1-9), optional 2-digit levels (`601101`), optional
/// `.NN` sub-accounts created at run time (`1002.01`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountCode(Cow<'static, str>);

impl AccountCode {
    /// A code known to be valid; only for the chart's constants (checked by a test).
    pub(crate) const fn known(code: &'static str) -> Self {
        Self(Cow::Borrowed(code))
    }

    /// Parses an account code.
    pub fn parse(input: &str) -> Result<Self, LedgerError> {
        let s = input.trim();
        let mut parts = s.split('.');
        let base = parts.next().unwrap_or_default();
        let base_ok = base.len() >= 4
            && base.len() <= 10
            && base.len() % 2 == 0
            && base.bytes().all(|c| c.is_ascii_digit())
            && !base.starts_with('0');
        let subs_ok =
            parts.all(|p| (2..=4).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()));
        if base_ok && subs_ok {
            Ok(Self(Cow::Owned(s.to_owned())))
        } else {
            Err(LedgerError::InvalidAccountCode(s.to_owned()))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of its `seq`-th run-time sub-account: `1002` → `1002.01` (1..=9999).
    pub fn sub_account(&self, seq: u32) -> Result<Self, LedgerError> {
        if !(1..=9999).contains(&seq) {
            return Err(LedgerError::InvalidSubAccount(seq));
        }
        Ok(Self(Cow::Owned(format!("{}.{seq:02}", self.0))))
    }

    /// The first-level (总账) code, its first 4 digits.
    pub fn top_level(&self) -> &str {
        &self.0[..4]
    }

    /// Whether this is an off-balance memo account (class 7).
    pub fn is_off_balance(&self) -> bool {
        self.0.starts_with('7')
    }

    /// Whether this code is `ancestor` or one of its sub-accounts, by the code scheme.
    pub fn is_within(&self, ancestor: &AccountCode) -> bool {
        let a = ancestor.as_str();
        match self.as_str().strip_prefix(a) {
            Some("") => true,
            Some(rest) => {
                rest.starts_with('.')
                    || (!a.contains('.') && rest.starts_with(|c: char| c.is_ascii_digit()))
            }
            None => false,
        }
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AccountCode {
    type Error = LedgerError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AccountCode> for String {
    fn from(code: AccountCode) -> Self {
        code.0.into_owned()
    }
}

impl std::str::FromStr for AccountCode {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One account of a chart: what a tenant's chart is seeded with, and the metadata aggregations need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSeed {
    /// The account code.
    pub code: AccountCode,
    /// Chinese name, e.g. 银行存款.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Class of the account.
    pub kind: AccountKind,
    /// The side its balance is normally on.
    pub normal_side: Side,
    /// The parent account for a sub-account.
    pub parent: Option<AccountCode>,
}

impl AccountSeed {
    /// A run-time sub-account `<code>.NN` inheriting kind and normal side, e.g. a bank account under 1002.
    pub fn sub_account(&self, seq: u32, name_zh: &str, name_en: &str) -> Result<Self, LedgerError> {
        Ok(Self {
            code: self.code.sub_account(seq)?,
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
            kind: self.kind,
            normal_side: self.normal_side,
            parent: Some(self.code.clone()),
        })
    }
}

/// The chart entry of the `seq`-th registered bank account, `1002.NN` (e.g. 银行存款-工商银行基本户).
pub fn bank_sub_account(
    seq: u32,
    name_zh: &str,
    name_en: &str,
) -> Result<AccountSeed, LedgerError> {
    let bank = AccountSeed {
        code: chart::BANK,
        name_zh: "银行存款".to_owned(),
        name_en: "Bank deposits".to_owned(),
        kind: AccountKind::Asset,
        normal_side: Side::Debit,
        parent: None,
    };
    bank.sub_account(seq, name_zh, name_en)
}

/// An account money is paid from or into: cash on hand (1001…) or bank deposits (1002, 1002.NN…).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AccountCode", into = "AccountCode")]
pub struct CashAccount(AccountCode);

impl CashAccount {
    /// Cash on hand, 1001 库存现金.
    pub fn cash_on_hand() -> Self {
        Self(chart::CASH)
    }

    /// The `seq`-th registered bank account, `1002.NN`.
    pub fn bank(seq: u32) -> Result<Self, LedgerError> {
        chart::BANK.sub_account(seq).map(Self)
    }

    /// Accepts 1001, 1002 or any of their sub-accounts.
    pub fn from_code(code: AccountCode) -> Result<Self, LedgerError> {
        if code.is_within(&chart::CASH) || code.is_within(&chart::BANK) {
            Ok(Self(code))
        } else {
            Err(LedgerError::NotCashAccount(code.to_string()))
        }
    }

    /// The account code.
    pub fn code(&self) -> &AccountCode {
        &self.0
    }
}

impl TryFrom<AccountCode> for CashAccount {
    type Error = LedgerError;
    fn try_from(code: AccountCode) -> Result<Self, Self::Error> {
        Self::from_code(code)
    }
}

impl From<CashAccount> for AccountCode {
    fn from(c: CashAccount) -> Self {
        c.0
    }
}
