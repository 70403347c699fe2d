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

/// Permissions of the ledger endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/accounts", "ledger.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/ledger/accounts", "ledger.configure"),
    platform::rbac::RouteRule::new(
        "DELETE",
        "/api/v1/ledger/accounts/:code",
        "ledger.configure",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/bank-accounts", "ledger.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/ledger/bank-accounts", "ledger.configure"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/bank-accounts/:id", "ledger.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/bank-accounts/:id/make-dedicated",
        "ledger.configure",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/borrowings", "ledger.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/ledger/borrowings", "ledger.post"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/borrowings/:id/repayments",
        "ledger.post",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/vouchers", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/vouchers/:id", "ledger.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/ledger/vouchers/:id/reverse", "ledger.post"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/net-assets", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/opening-balances", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/manual-vouchers", "ledger.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/ledger/manual-vouchers", "ledger.post"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/manual-vouchers/:id", "ledger.read"),
    platform::rbac::RouteRule::new("PUT", "/api/v1/ledger/manual-vouchers/:id", "ledger.post"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/manual-vouchers/:id/review",
        "ledger.review",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/manual-vouchers/:id/post",
        "ledger.post",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/manual-vouchers/:id/discard",
        "ledger.post",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/periods", "ledger.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/periods/:period/close",
        "ledger.close",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/trial-balance", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/balance-sheet", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/income-statement", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/cash-flow-statement", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/general-ledger", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/sub-ledger", "ledger.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/cash-journal", "ledger.read"),
    platform::rbac::RouteRule::new(
        "GET",
        "/api/v1/ledger/bank-accounts/:id/journal",
        "ledger.read",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/ledger/bank-accounts/:id/statements",
        "ledger.reconcile",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/api/v1/ledger/bank-accounts/:id/reconciliation",
        "ledger.read",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/ledger/settings", "ledger.read"),
    platform::rbac::RouteRule::new("PATCH", "/api/v1/ledger/settings", "ledger.configure"),
];

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
