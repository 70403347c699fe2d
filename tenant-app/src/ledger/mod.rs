//! The general ledger (总账), database side: the tenant's chart of accounts, monthly
//! periods, posting of the vouchers `ledger-rules` builds, manual vouchers with
//! maker-checker, period close, the bank accounts and borrowings registers, the
//! statements and their CSV/XLSX exports, bank reconciliation and the allowance.
//!
//! Every money event of the other modules posts through [`post`] inside its own tenant
//! transaction; [`net_assets`] is what lending limits and regulator metrics read.

pub mod allowance;
mod api;
pub mod balances;
pub mod bank_accounts;
pub mod borrowings;
mod cash_flow;
pub mod chart;
pub(crate) use platform::export;
mod manual;
pub mod periods;
mod posting;
mod reconciliation;
pub mod settings;
mod statements;

pub use balances::net_assets;
pub use posting::{post, reverse, Posted, Source};

/// The ledger's endpoints, in the order they appear in the API description.
pub type LedgerApi = (
    api::AccountsApi,
    bank_accounts::BankAccountsApi,
    borrowings::BorrowingsApi,
    api::VouchersApi,
    manual::ManualVouchersApi,
    api::PeriodsApi,
    statements::StatementsApi,
    reconciliation::ReconciliationApi,
    settings::SettingsApi,
);

/// The ledger's endpoints.
pub fn api() -> LedgerApi {
    (
        api::AccountsApi,
        bank_accounts::BankAccountsApi,
        borrowings::BorrowingsApi,
        api::VouchersApi,
        manual::ManualVouchersApi,
        api::PeriodsApi,
        statements::StatementsApi,
        reconciliation::ReconciliationApi,
        settings::SettingsApi,
    )
}

/// A rule error of `ledger-rules` as the API's 422, naming the field at fault.
pub(crate) fn rule_error(field_prefix: &str, err: ledger_rules::LedgerError) -> platform::ApiError {
    use ledger_rules::LedgerError as E;
    let field = match &err {
        E::InvalidAmount { line, .. } | E::LineBothSides { line } | E::LineZero { line } => {
            format!("{field_prefix}[{line}]")
        }
        E::ReasonRequired => "reason".to_string(),
        _ => field_prefix.to_string(),
    };
    platform::ApiError::validation(field, err.code(), err.to_string())
}

/// The text stored for an enum of `ledger-rules` (its serde name, e.g. `opening_balance`).
pub(crate) fn enum_text<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses a stored enum text of `ledger-rules`.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> platform::ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|e| {
        platform::ApiError::internal(anyhow::anyhow!("unknown stored value {text}: {e}"))
    })
}
