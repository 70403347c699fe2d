//! Registered bank accounts (银行账户): each has its own 1002 sub-account, and exactly
//! one is the dedicated lending account (放贷资金专户). The one source of the bank
//! accounts of the firm profile the regulator sees.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};

use super::chart;
use crate::ApiTag;

/// A registered bank account.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct BankAccount {
    pub id: i64,
    /// Bank, e.g. 中国工商银行.
    pub bank_name: String,
    /// Branch (开户网点), e.g. 上海分行营业部.
    pub branch_name: String,
    /// Account number.
    pub account_number: String,
    /// Opening date.
    pub opened_on: NaiveDate,
    /// The dedicated lending account (放贷资金专户); exactly one is.
    pub dedicated: bool,
    /// Its ledger account, a 1002 sub-account such as `1002.01`.
    pub account_code: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A bank account to register.
#[derive(Debug, Clone, Object)]
pub struct NewBankAccount {
    pub bank_name: String,
    #[oai(default)]
    pub branch_name: String,
    /// 4 to 40 letters, digits or `-` (spaces are removed).
    pub account_number: String,
    pub opened_on: NaiveDate,
    /// Make it the dedicated lending account (the first account registered always is).
    #[oai(default)]
    pub dedicated: bool,
    #[oai(default)]
    pub notes: String,
}

const COLUMNS: &str =
    "id, bank_name, branch_name, account_number, opened_on, dedicated, account_code, notes, created_at, updated_at";

fn json(a: &BankAccount) -> Option<serde_json::Value> {
    serde_json::to_value(a).ok()
}

/// Every registered bank account.
pub async fn list(tx: &mut TenantTx) -> ApiResult<Vec<BankAccount>> {
    Ok(
        sqlx::query_as(&format!("select {COLUMNS} from bank_accounts order by id"))
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// One bank account, or 404.
pub async fn find(tx: &mut TenantTx, id: i64) -> ApiResult<BankAccount> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from bank_accounts where id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("bank account"))
}

/// The dedicated lending account, if any is registered.
pub async fn dedicated(tx: &mut TenantTx) -> ApiResult<Option<BankAccount>> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from bank_accounts where dedicated"
    ))
    .fetch_optional(&mut **tx)
    .await?)
}

/// Registers a bank account with its new 1002 sub-account (named after the bank and
/// the last digits); the first one, or one asked for, becomes the dedicated account.
pub async fn register(
    tx: &mut TenantTx,
    actor: &Actor,
    new: NewBankAccount,
) -> ApiResult<BankAccount> {
    let bank_name = new.bank_name.trim();
    if !(1..=100).contains(&bank_name.chars().count()) {
        return Err(ApiError::validation(
            "bank_name",
            "invalid_bank_name",
            "1 to 100 characters",
        ));
    }
    let branch_name = new.branch_name.trim();
    if branch_name.chars().count() > 100 {
        return Err(ApiError::validation(
            "branch_name",
            "invalid_branch_name",
            "at most 100 characters",
        ));
    }
    let number: String = new
        .account_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !(4..=40).contains(&number.len())
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ApiError::validation(
            "account_number",
            "invalid_account_number",
            "4 to 40 letters, digits or -",
        ));
    }
    if new.notes.chars().count() > 500 {
        return Err(ApiError::validation(
            "notes",
            "invalid_notes",
            "at most 500 characters",
        ));
    }
    // Serializes registrations, so "the first one is dedicated" holds under concurrency.
    sqlx::query("select code from ledger_accounts where code = '1002' for update")
        .execute(&mut **tx)
        .await?;
    let tail: String = number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let sub = chart::add_sub_account(
        tx,
        actor,
        chart::NewSubAccount {
            parent: "1002".into(),
            code: None,
            name_zh: format!("{bank_name}{branch_name}({tail})"),
            name_en: format!("Bank account {tail}"),
        },
    )
    .await?;
    let any_dedicated = dedicated(tx).await?.is_some();
    if new.dedicated && any_dedicated {
        sqlx::query("update bank_accounts set dedicated = false where dedicated")
            .execute(&mut **tx)
            .await?;
    }
    let account: BankAccount = sqlx::query_as(&format!(
        "insert into bank_accounts (bank_name, branch_name, account_number, opened_on, dedicated, account_code, notes)
         values ($1, $2, $3, $4, $5, $6, $7) returning {COLUMNS}"
    ))
    .bind(bank_name)
    .bind(branch_name)
    .bind(&number)
    .bind(new.opened_on)
    .bind(new.dedicated || !any_dedicated)
    .bind(&sub.code)
    .bind(new.notes.trim())
    .fetch_one(&mut **tx)
    .await
    .on_constraint("bank_accounts_number_key", || {
        ApiError::conflict("bank_account_exists", format!("account number {number} is already registered"))
    })?;
    let change = Change {
        action: "bank_account.create",
        entity_type: "bank_account",
        entity_id: Some(account.id.to_string()),
        before: None,
        after: json(&account),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(account)
}

/// Makes a bank account the dedicated lending account (the previous one stops being it).
pub async fn make_dedicated(tx: &mut TenantTx, actor: &Actor, id: i64) -> ApiResult<BankAccount> {
    let before: BankAccount = sqlx::query_as(&format!(
        "select {COLUMNS} from bank_accounts where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("bank account"))?;
    if before.dedicated {
        return Ok(before);
    }
    sqlx::query("update bank_accounts set dedicated = false where dedicated")
        .execute(&mut **tx)
        .await?;
    let after: BankAccount = sqlx::query_as(&format!(
        "update bank_accounts set dedicated = true where id = $1 returning {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let change = Change {
        action: "bank_account.make_dedicated",
        entity_type: "bank_account",
        entity_id: Some(id.to_string()),
        before: json(&before),
        after: json(&after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(after)
}

#[derive(ApiResponse)]
enum CreatedBankAccount {
    /// Registered.
    #[oai(status = 201)]
    Created(Json<BankAccount>),
}

/// Bank account endpoints.
pub struct BankAccountsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl BankAccountsApi {
    /// The registered bank accounts.
    #[oai(
        path = "/ledger/bank-accounts",
        method = "get",
        operation_id = "list_bank_accounts"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<Vec<BankAccount>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let items = list(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Register a bank account (creates its 1002 sub-account).
    #[oai(
        path = "/ledger/bank-accounts",
        method = "post",
        operation_id = "register_bank_account"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewBankAccount>,
    ) -> ApiResult<CreatedBankAccount> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let account = register(&mut tx, &auth.0.actor, body.0).await?;
        tx.commit().await?;
        Ok(CreatedBankAccount::Created(Json(account)))
    }

    /// One bank account.
    #[oai(
        path = "/ledger/bank-accounts/:id",
        method = "get",
        operation_id = "get_bank_account"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<BankAccount>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let account = find(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok(Json(account))
    }

    /// Make this the dedicated lending account (放贷资金专户).
    #[oai(
        path = "/ledger/bank-accounts/:id/make-dedicated",
        method = "post",
        operation_id = "make_bank_account_dedicated"
    )]
    async fn make_dedicated(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<BankAccount>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let account = make_dedicated(&mut tx, &auth.0.actor, id.0).await?;
        tx.commit().await?;
        Ok(Json(account))
    }
}
