//! Endpoints of the chart of accounts, posted vouchers (with reversal), periods and net assets.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    auth::StaffAuth,
    money::Money,
    pagination::{Page, Paging},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};

use super::{balances, chart, periods, posting};
use crate::ApiTag;

/// An account of the chart.
#[derive(Debug, Clone, Object)]
struct Account {
    code: String,
    name_zh: String,
    name_en: String,
    /// `asset`, `liability`, `equity`, `income`, `expense` or `off_balance`.
    kind: String,
    /// `debit` or `credit`.
    normal_side: String,
    parent_code: Option<String>,
    /// From the standard chart (cannot be removed).
    standard: bool,
    /// Has sub-accounts (postings go to leaf accounts only).
    has_sub_accounts: bool,
}

/// A sub-account to add.
#[derive(Debug, Object)]
struct NewAccount {
    /// The parent account, e.g. `6601`.
    parent_code: String,
    /// A code extending the parent's (e.g. `660101` or `6601.01`); the next `.NN` when absent.
    code: Option<String>,
    name_zh: String,
    #[oai(default)]
    name_en: String,
}

fn account(row: chart::AccountRow, all: &[chart::AccountRow]) -> Account {
    let has_sub_accounts = all
        .iter()
        .any(|r| r.parent_code.as_deref() == Some(row.code.as_str()));
    Account {
        code: row.code,
        name_zh: row.name_zh,
        name_en: row.name_en,
        kind: row.kind,
        normal_side: row.normal_side,
        parent_code: row.parent_code,
        standard: row.standard,
        has_sub_accounts,
    }
}

#[derive(ApiResponse)]
enum CreatedAccount {
    /// Added.
    #[oai(status = 201)]
    Created(Json<Account>),
}

#[derive(ApiResponse)]
enum Removed {
    /// Removed.
    #[oai(status = 204)]
    NoContent,
}

/// Chart of accounts endpoints.
pub struct AccountsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl AccountsApi {
    /// The chart of accounts (会计科目), by code.
    #[oai(
        path = "/ledger/accounts",
        method = "get",
        operation_id = "list_ledger_accounts"
    )]
    async fn list(&self, state: Data<&AppState>, auth: StaffAuth) -> ApiResult<Json<Vec<Account>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let rows = chart::rows(&mut tx).await?;
        tx.commit().await?;
        let items = rows.iter().cloned().map(|r| account(r, &rows)).collect();
        Ok(Json(items))
    }

    /// Add a sub-account (明细科目).
    #[oai(
        path = "/ledger/accounts",
        method = "post",
        operation_id = "create_ledger_account"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewAccount>,
    ) -> ApiResult<CreatedAccount> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let new = chart::NewSubAccount {
            parent: body.parent_code.trim().to_string(),
            code: body.code.as_ref().map(|c| c.trim().to_string()),
            name_zh: body.name_zh.clone(),
            name_en: body.name_en.clone(),
        };
        let row = chart::add_sub_account(&mut tx, &auth.0.actor, new).await?;
        tx.commit().await?;
        Ok(CreatedAccount::Created(Json(account(row, &[]))))
    }

    /// Remove a sub-account that was never used.
    #[oai(
        path = "/ledger/accounts/:code",
        method = "delete",
        operation_id = "delete_ledger_account"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        code: Path<String>,
    ) -> ApiResult<Removed> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        chart::remove(&mut tx, &auth.0.actor, &code.0).await?;
        tx.commit().await?;
        Ok(Removed::NoContent)
    }
}

/// A line of a posted voucher.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
struct VoucherLine {
    line_no: i16,
    account_code: String,
    debit: Money,
    credit: Money,
    memo: String,
}

/// A posted voucher (记账凭证).
#[derive(Debug, Clone, Object, sqlx::FromRow)]
struct Voucher {
    id: i64,
    /// The period, `2026-01`.
    period: String,
    /// Number in the period.
    voucher_no: i32,
    /// The accounting date.
    voucher_date: NaiveDate,
    /// The business event's date (earlier than the accounting date for a late event).
    event_date: NaiveDate,
    /// e.g. `payout`, `repayment`, `manual`, `reversal`, `profit_carry`.
    event_kind: String,
    /// The source event's type and id.
    source_type: String,
    source_id: String,
    memo: String,
    /// A period-close entry.
    closing: bool,
    reverses_voucher_id: Option<i64>,
    reversal_reason: Option<String>,
    /// The voucher that reversed this one.
    reversed_by: Option<i64>,
    total_debit: Money,
    posted_by_name: String,
    posted_at: DateTime<Utc>,
    #[sqlx(skip)]
    lines: Vec<VoucherLine>,
}

const VOUCHER_COLUMNS: &str = "v.id, to_char(v.period_start, 'YYYY-MM') as period, v.voucher_no, v.voucher_date,
    v.event_date, v.event_kind, v.source_type, v.source_id, v.memo, v.closing, v.reverses_voucher_id,
    v.reversal_reason, (select r.id from vouchers r where r.reverses_voucher_id = v.id) as reversed_by,
    v.total_debit, v.posted_by_name, v.posted_at";

async fn with_lines(tx: &mut TenantTx, mut vouchers: Vec<Voucher>) -> ApiResult<Vec<Voucher>> {
    let ids: Vec<i64> = vouchers.iter().map(|v| v.id).collect();
    let rows: Vec<(i64, i16, String, Money, Money, String)> = sqlx::query_as(
        "select voucher_id, line_no, account_code, debit, credit, memo from voucher_lines
          where voucher_id = any($1) order by voucher_id, line_no",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    for (voucher_id, line_no, account_code, debit, credit, memo) in rows {
        if let Some(v) = vouchers.iter_mut().find(|v| v.id == voucher_id) {
            v.lines.push(VoucherLine {
                line_no,
                account_code,
                debit,
                credit,
                memo,
            });
        }
    }
    Ok(vouchers)
}

/// A reversal's reason.
#[derive(Debug, Object)]
struct ReversalRequest {
    /// Why (required).
    reason: String,
}

#[derive(ApiResponse)]
enum CreatedVoucher {
    /// The reversing voucher.
    #[oai(status = 201)]
    Created(Json<Voucher>),
}

/// Net assets at a date.
#[derive(Debug, Object)]
struct NetAssets {
    date: NaiveDate,
    /// Total equity, profit not yet carried included.
    net_assets: Money,
}

/// Whether the opening balances are in.
#[derive(Debug, Object)]
struct OpeningBalances {
    entered: bool,
    /// The posted opening-balance voucher.
    voucher_id: Option<i64>,
}

/// Posted voucher endpoints.
pub struct VouchersApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl VouchersApi {
    /// Posted vouchers of a period, by number; optionally those touching an account (or its sub-accounts).
    #[oai(
        path = "/ledger/vouchers",
        method = "get",
        operation_id = "list_vouchers"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        period: Query<String>,
        /// An account code.
        account: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Voucher>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let filter = "v.period_start = $1 and ($2::text is null or exists (
                select 1 from voucher_lines l where l.voucher_id = v.id and l.period_start = $1
                   and (l.account_code = $2 or l.account_code like $2 || '%')))";
        let total: i64 =
            sqlx::query_scalar(&format!("select count(*) from vouchers v where {filter}"))
                .bind(start)
                .bind(&account.0)
                .fetch_one(&mut *tx)
                .await?;
        let items: Vec<Voucher> = sqlx::query_as(&format!(
            "select {VOUCHER_COLUMNS} from vouchers v where {filter} order by v.voucher_no limit $3 offset $4"
        ))
        .bind(start)
        .bind(&account.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        let items = with_lines(&mut tx, items).await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// One posted voucher with its lines.
    #[oai(
        path = "/ledger/vouchers/:id",
        method = "get",
        operation_id = "get_voucher"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Voucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = find(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }

    /// Reverse a posted manual voucher (冲销) with a new voucher of the opposite lines;
    /// vouchers of loan events and registers are reversed through their own module.
    #[oai(
        path = "/ledger/vouchers/:id/reverse",
        method = "post",
        operation_id = "reverse_voucher"
    )]
    async fn reverse(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<ReversalRequest>,
    ) -> ApiResult<CreatedVoucher> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let original = find(&mut tx, id.0).await?;
        if original.source_type != "manual_voucher" {
            return Err(ApiError::conflict(
                "voucher_owned_by_source",
                format!(
                    "this voucher records a {} event: reverse it through that event",
                    original.event_kind
                ),
            ));
        }
        let posted = posting::reverse(&mut tx, &auth.0.actor, id.0, &body.reason).await?;
        let reversal = find(&mut tx, posted.id).await?;
        tx.commit().await?;
        Ok(CreatedVoucher::Created(Json(reversal)))
    }

    /// Net assets (净资产) at the end of a date; `opening_balances_missing` until the opening balances are posted.
    #[oai(
        path = "/ledger/net-assets",
        method = "get",
        operation_id = "get_net_assets"
    )]
    async fn net_assets(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        date: Query<NaiveDate>,
    ) -> ApiResult<Json<NetAssets>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let amount = balances::net_assets(&mut tx, date.0).await?;
        tx.commit().await?;
        Ok(Json(NetAssets {
            date: date.0,
            net_assets: super::statements::money(amount),
        }))
    }

    /// Whether the opening balances (期初余额) have been posted.
    #[oai(
        path = "/ledger/opening-balances",
        method = "get",
        operation_id = "get_opening_balances"
    )]
    async fn opening_balances(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<OpeningBalances>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher_id: Option<i64> =
            sqlx::query_scalar("select id from vouchers where event_kind = 'opening_balance'")
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Json(OpeningBalances {
            entered: voucher_id.is_some(),
            voucher_id,
        }))
    }
}

async fn find(tx: &mut TenantTx, id: i64) -> ApiResult<Voucher> {
    let voucher: Voucher = sqlx::query_as(&format!(
        "select {VOUCHER_COLUMNS} from vouchers v where v.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("voucher"))?;
    Ok(with_lines(tx, vec![voucher]).await?.remove(0))
}

/// A period.
#[derive(Debug, Object)]
struct Period {
    /// `2026-01`.
    period: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    /// `open` or `closed`.
    status: String,
    /// Vouchers posted into it.
    vouchers: i64,
    closed_at: Option<DateTime<Utc>>,
    closed_by_name: Option<String>,
}

/// The result of a close.
#[derive(Debug, Object)]
struct PeriodClosed {
    period: String,
    /// Vouchers posted by the close (profit carry; in December the year-end carry and the reserve).
    voucher_ids: Vec<i64>,
}

/// Period endpoints.
pub struct PeriodsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl PeriodsApi {
    /// The accounting periods (months), oldest first.
    #[oai(
        path = "/ledger/periods",
        method = "get",
        operation_id = "list_ledger_periods"
    )]
    async fn list(&self, state: Data<&AppState>, auth: StaffAuth) -> ApiResult<Json<Vec<Period>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let rows = periods::list(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| Period {
                    period: periods::name(r.starts_on),
                    starts_on: r.starts_on,
                    ends_on: r.ends_on,
                    status: r.status,
                    vouchers: r.vouchers,
                    closed_at: r.closed_at,
                    closed_by_name: r.closed_by_name,
                })
                .collect(),
        ))
    }

    /// Close a period (结账): every voucher posted, profit carried to 4103 (in December to
    /// 4104, with the general risk reserve), trial balance balanced; then it refuses postings.
    #[oai(
        path = "/ledger/periods/:period/close",
        method = "post",
        operation_id = "close_ledger_period"
    )]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        period: Path<String>,
    ) -> ApiResult<Json<PeriodClosed>> {
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let closed = periods::close(&mut tx, &auth.0.actor, start).await?;
        tx.commit().await?;
        Ok(Json(PeriodClosed {
            period: periods::name(closed.starts_on),
            voucher_ids: closed.vouchers.iter().map(|p| p.id).collect(),
        }))
    }
}
