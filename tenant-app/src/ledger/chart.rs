//! The tenant's chart of accounts: loading it for the aggregations of `ledger-rules`,
//! adding sub-accounts, removing unused ones.

use ledger_rules::{AccountCode, AccountSeed};
use platform::{
    audit::{self, Actor, Change, Trail},
    error::ConstraintExt,
    tenancy::TenantTx,
    ApiError, ApiResult,
};

use super::{enum_text, parse_enum};

/// One stored account.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AccountRow {
    /// Account code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// `asset`, `liability`, `equity`, `income`, `expense` or `off_balance`.
    pub kind: String,
    /// `debit` or `credit`.
    pub normal_side: String,
    /// The parent account of a sub-account.
    pub parent_code: Option<String>,
    /// Seeded from the standard chart (cannot be removed).
    pub standard: bool,
}

const COLUMNS: &str = "code, name_zh, name_en, kind, normal_side, parent_code, standard";

/// Every account, by code.
pub async fn rows(tx: &mut TenantTx) -> ApiResult<Vec<AccountRow>> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from ledger_accounts order by code"
    ))
    .fetch_all(&mut **tx)
    .await?)
}

/// One account, or 404.
pub async fn row(tx: &mut TenantTx, code: &str) -> ApiResult<AccountRow> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from ledger_accounts where code = $1"
    ))
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("account"))
}

impl AccountRow {
    /// The account as `ledger-rules` sees it.
    pub fn seed(&self) -> ApiResult<AccountSeed> {
        let code = |c: &str| {
            AccountCode::parse(c)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("stored account code: {e}")))
        };
        Ok(AccountSeed {
            code: code(&self.code)?,
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind: parse_enum(&self.kind)?,
            normal_side: parse_enum(&self.normal_side)?,
            parent: self.parent_code.as_deref().map(code).transpose()?,
        })
    }
}

/// The chart for the aggregations of `ledger-rules`.
pub async fn load(tx: &mut TenantTx) -> ApiResult<Vec<AccountSeed>> {
    rows(tx).await?.iter().map(AccountRow::seed).collect()
}

/// The codes of an account and all its sub-accounts.
pub fn within(chart: &[AccountSeed], code: &AccountCode) -> Vec<String> {
    chart
        .iter()
        .filter(|s| s.code.is_within(code))
        .map(|s| s.code.to_string())
        .collect()
}

/// Whether an account has postings (or lines in manual vouchers).
async fn is_used(tx: &mut TenantTx, code: &str) -> ApiResult<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from ledger_account_totals where account_code = $1)
             or exists (select 1 from manual_voucher_lines where account_code = $1)",
    )
    .bind(code)
    .fetch_one(&mut **tx)
    .await?)
}

/// A new sub-account: under `parent`, with the given code or the next `.NN` one.
#[derive(Debug, Clone)]
pub struct NewSubAccount {
    /// The parent's code.
    pub parent: String,
    /// The code wanted (within the parent's, one level deeper), or the next `.NN`.
    pub code: Option<String>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Adds a sub-account; the parent must have no postings of its own (they would be
/// stranded above the new leaf).
pub async fn add_sub_account(
    tx: &mut TenantTx,
    actor: &Actor,
    new: NewSubAccount,
) -> ApiResult<AccountRow> {
    let name_zh = new.name_zh.trim();
    if !(1..=100).contains(&name_zh.chars().count()) {
        return Err(ApiError::validation(
            "name_zh",
            "invalid_account_name",
            "1 to 100 characters",
        ));
    }
    let name_en = new.name_en.trim();
    if name_en.chars().count() > 200 {
        return Err(ApiError::validation(
            "name_en",
            "invalid_account_name",
            "at most 200 characters",
        ));
    }
    let parent: Option<AccountRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from ledger_accounts where code = $1 for update"
    ))
    .bind(&new.parent)
    .fetch_optional(&mut **tx)
    .await?;
    let parent = parent.ok_or_else(|| {
        ApiError::validation(
            "parent_code",
            "unknown_account",
            format!("account {} does not exist", new.parent),
        )
    })?;
    let parent_seed = parent.seed()?;
    let has_children: bool =
        sqlx::query_scalar("select exists (select 1 from ledger_accounts where parent_code = $1)")
            .bind(&parent.code)
            .fetch_one(&mut **tx)
            .await?;
    if !has_children && is_used(tx, &parent.code).await? {
        return Err(ApiError::conflict(
            "account_has_postings",
            format!(
                "account {} already has postings; a sub-account cannot be added under it",
                parent.code
            ),
        ));
    }
    let code = match new.code.as_deref() {
        Some(c) => {
            let code = AccountCode::parse(c)
                .map_err(|e| ApiError::validation("code", e.code(), e.to_string()))?;
            let deeper = code.as_str().len() > parent.code.len();
            if !deeper || !code.is_within(&parent_seed.code) {
                return Err(ApiError::validation(
                    "code",
                    "code_not_within_parent",
                    format!(
                        "a sub-account of {} has a code that extends it, e.g. {}.01",
                        parent.code, parent.code
                    ),
                ));
            }
            code
        }
        None => next_sub_code(tx, &parent_seed.code).await?,
    };
    let row: AccountRow = sqlx::query_as(&format!(
        "insert into ledger_accounts (code, name_zh, name_en, kind, normal_side, parent_code)
         values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(code.as_str())
    .bind(name_zh)
    .bind(name_en)
    .bind(enum_text(parent_seed.kind))
    .bind(enum_text(parent_seed.normal_side))
    .bind(&parent.code)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("ledger_accounts_pkey", || {
        ApiError::conflict("account_code_taken", format!("account {code} exists"))
    })?;
    let change = Change {
        action: "ledger_account.create",
        entity_type: "ledger_account",
        entity_id: Some(row.code.clone()),
        before: None,
        after: serde_json::to_value(&row).ok(),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(row)
}

/// The next free `<parent>.NN` code.
async fn next_sub_code(tx: &mut TenantTx, parent: &AccountCode) -> ApiResult<AccountCode> {
    let existing: Vec<String> =
        sqlx::query_scalar("select code from ledger_accounts where code like $1 || '.%'")
            .bind(parent.as_str())
            .fetch_all(&mut **tx)
            .await?;
    let prefix = format!("{}.", parent.as_str());
    let max = existing
        .iter()
        .filter_map(|c| c.strip_prefix(&prefix))
        .filter(|rest| !rest.contains('.'))
        .filter_map(|rest| rest.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    parent
        .sub_account(max + 1)
        .map_err(|e| ApiError::conflict(e.code(), e.to_string()))
}

/// Removes a sub-account a tenant added that was never used.
pub async fn remove(tx: &mut TenantTx, actor: &Actor, code: &str) -> ApiResult<()> {
    let row: AccountRow = sqlx::query_as(&format!(
        "select {COLUMNS} from ledger_accounts where code = $1 for update"
    ))
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("account"))?;
    if row.standard {
        return Err(ApiError::conflict(
            "standard_account",
            "accounts of the standard chart cannot be removed",
        ));
    }
    let has_children: bool =
        sqlx::query_scalar("select exists (select 1 from ledger_accounts where parent_code = $1)")
            .bind(code)
            .fetch_one(&mut **tx)
            .await?;
    if has_children {
        return Err(ApiError::conflict(
            "account_has_sub_accounts",
            "remove its sub-accounts first",
        ));
    }
    let linked: bool = sqlx::query_scalar(
        "select exists (select 1 from bank_accounts where account_code = $1)
             or exists (select 1 from borrowings where account_code = $1)",
    )
    .bind(code)
    .fetch_one(&mut **tx)
    .await?;
    if linked || is_used(tx, code).await? {
        return Err(ApiError::conflict(
            "account_in_use",
            "an account that was used cannot be removed",
        ));
    }
    sqlx::query("delete from ledger_accounts where code = $1")
        .bind(code)
        .execute(&mut **tx)
        .await?;
    let change = Change {
        action: "ledger_account.delete",
        entity_type: "ledger_account",
        entity_id: Some(row.code.clone()),
        before: serde_json::to_value(&row).ok(),
        after: None,
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(())
}
