//! Manual vouchers (手工凭证) and the opening balances (期初余额): drafted by one user,
//! reviewed by another (maker-checker), then posted. A draft is checked like any
//! voucher when it is written, and again when it is posted.

use chrono::{DateTime, NaiveDate, Utc};
use ledger_rules::{chart as codes, AccountCode, EventKind, PostingLine, VoucherDraft};
use platform::{
    audit::{self, Actor, Change, Trail},
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
    ApiResponse, Enum, Object, OpenApi,
};
use rust_decimal::Decimal;

use super::{periods, posting, rule_error};
use crate::ApiTag;

/// What a manual voucher is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum ManualKind {
    /// An adjustment or any entry finance makes by hand.
    #[default]
    Manual,
    /// The opening balances (期初余额), posted once when the tenant starts.
    OpeningBalance,
}

impl ManualKind {
    fn text(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::OpeningBalance => "opening_balance",
        }
    }

    fn event(self) -> EventKind {
        match self {
            Self::Manual => EventKind::Manual,
            Self::OpeningBalance => EventKind::OpeningBalance,
        }
    }
}

/// A line as written.
#[derive(Debug, Clone, Object)]
pub struct LineInput {
    /// Account code (a leaf account), e.g. `1002.01`.
    pub account: String,
    /// Debit amount; give a debit or a credit.
    pub debit: Option<Money>,
    /// Credit amount.
    pub credit: Option<Money>,
    /// Line memo (摘要).
    #[oai(default)]
    pub memo: String,
}

/// A manual voucher as written (created or replaced while a draft).
#[derive(Debug, Clone, Object)]
pub struct ManualVoucherInput {
    /// `manual` (default) or `opening_balance`.
    #[oai(default)]
    pub kind: ManualKind,
    /// Accounting date; its period must be open.
    pub voucher_date: NaiveDate,
    /// Voucher memo (摘要).
    #[oai(default)]
    pub memo: String,
    /// At least one line; debits equal credits.
    pub lines: Vec<LineInput>,
}

/// A stored line.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct ManualLine {
    pub line_no: i16,
    pub account_code: String,
    pub debit: Money,
    pub credit: Money,
    pub memo: String,
}

/// A manual voucher.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct ManualVoucher {
    pub id: i64,
    /// `manual` or `opening_balance`.
    pub kind: String,
    pub voucher_date: NaiveDate,
    pub memo: String,
    /// `draft`, `reviewed`, `posted` or `discarded`.
    pub status: String,
    /// The maker.
    pub created_by: i64,
    pub created_by_name: String,
    /// The checker (another user).
    pub reviewed_by: Option<i64>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub posted_by: Option<i64>,
    pub posted_at: Option<DateTime<Utc>>,
    /// The posted voucher.
    pub voucher_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<ManualLine>,
}

const COLUMNS: &str =
    "id, kind, voucher_date, memo, status, created_by, created_by_name, reviewed_by,
    reviewed_by_name, reviewed_at, posted_by, posted_at, voucher_id, created_at, updated_at";

fn json(v: &ManualVoucher) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

/// Accounts that mirror the loan book: only loan events post to them (and the opening balances).
fn is_loan_book_account(code: &AccountCode) -> bool {
    code.is_within(&codes::LOANS)
        || code.is_within(&codes::INTEREST_RECEIVABLE)
        || code.is_off_balance()
}

/// Checks a written voucher like any other and returns it as a draft of `ledger-rules`.
async fn validate(tx: &mut TenantTx, input: &ManualVoucherInput) -> ApiResult<VoucherDraft> {
    if input.memo.chars().count() > 500 {
        return Err(ApiError::validation(
            "memo",
            "invalid_memo",
            "at most 500 characters",
        ));
    }
    if input.lines.len() > 500 {
        return Err(ApiError::validation(
            "lines",
            "too_many_lines",
            "at most 500 lines",
        ));
    }
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, line) in input.lines.iter().enumerate() {
        let account = AccountCode::parse(&line.account).map_err(|e| {
            ApiError::validation(format!("lines[{i}].account"), e.code(), e.to_string())
        })?;
        if input.kind == ManualKind::Manual && is_loan_book_account(&account) {
            return Err(ApiError::validation(
                format!("lines[{i}].account"),
                "loan_book_account",
                format!("account {account} follows the loan book: only loan events post to it"),
            ));
        }
        if line.memo.chars().count() > 200 {
            return Err(ApiError::validation(
                format!("lines[{i}].memo"),
                "invalid_memo",
                "at most 200 characters",
            ));
        }
        let amount = |m: Option<Money>| m.map(Money::amount).unwrap_or(Decimal::ZERO);
        lines.push(PostingLine {
            account,
            debit: amount(line.debit),
            credit: amount(line.credit),
            memo: line.memo.trim().to_string(),
        });
    }
    if input.kind == ManualKind::OpeningBalance
        && super::balances::opening_balances_entered(tx).await?
    {
        return Err(ApiError::conflict(
            "opening_balances_exist",
            "the opening balances have already been posted",
        ));
    }
    let draft = VoucherDraft::new(
        input.kind.event(),
        input.voucher_date,
        lines,
        input.memo.trim(),
    )
    .map_err(|e| rule_error("lines", e))?;
    posting::check_accounts(tx, "lines", draft.lines()).await?;
    if periods::is_closed(tx, input.voucher_date).await? {
        return Err(ApiError::validation(
            "voucher_date",
            "period_closed",
            format!(
                "period {} is closed",
                periods::name(periods::month_start(input.voucher_date))
            ),
        ));
    }
    Ok(draft)
}

async fn write_lines(tx: &mut TenantTx, id: i64, draft: &VoucherDraft) -> ApiResult<()> {
    sqlx::query("delete from manual_voucher_lines where manual_voucher_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let lines = draft.lines();
    let accounts: Vec<String> = lines.iter().map(|l| l.account.to_string()).collect();
    let debits: Vec<Decimal> = lines.iter().map(|l| l.debit).collect();
    let credits: Vec<Decimal> = lines.iter().map(|l| l.credit).collect();
    let memos: Vec<String> = lines.iter().map(|l| l.memo.clone()).collect();
    sqlx::query(
        "insert into manual_voucher_lines (manual_voucher_id, line_no, account_code, debit, credit, memo)
         select $1, n, a, d, c, m from unnest($2::text[], $3::numeric[], $4::numeric[], $5::text[])
             with ordinality as t(a, d, c, m, n)",
    )
    .bind(id)
    .bind(&accounts)
    .bind(&debits)
    .bind(&credits)
    .bind(&memos)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One manual voucher with its lines; `lock` takes its row for a change.
async fn load(tx: &mut TenantTx, id: i64, lock: bool) -> ApiResult<ManualVoucher> {
    let sql = format!(
        "select {COLUMNS} from manual_vouchers where id = $1{}",
        if lock { " for update" } else { "" }
    );
    let mut voucher: ManualVoucher = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("manual voucher"))?;
    voucher.lines = sqlx::query_as(
        "select line_no, account_code, debit, credit, memo from manual_voucher_lines
          where manual_voucher_id = $1 order by line_no",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(voucher)
}

fn input_of(v: &ManualVoucher) -> ApiResult<ManualVoucherInput> {
    let kind = match v.kind.as_str() {
        "opening_balance" => ManualKind::OpeningBalance,
        _ => ManualKind::Manual,
    };
    let side = |m: Money| (m.amount() != Decimal::ZERO).then_some(m);
    Ok(ManualVoucherInput {
        kind,
        voucher_date: v.voucher_date,
        memo: v.memo.clone(),
        lines: v
            .lines
            .iter()
            .map(|l| LineInput {
                account: l.account_code.clone(),
                debit: side(l.debit),
                credit: side(l.credit),
                memo: l.memo.clone(),
            })
            .collect(),
    })
}

fn staff_id(actor: &Actor) -> ApiResult<i64> {
    actor
        .id
        .ok_or_else(|| ApiError::forbidden("forbidden", "manual vouchers are made by staff"))
}

/// Drafts a manual voucher.
pub async fn create(
    tx: &mut TenantTx,
    actor: &Actor,
    input: &ManualVoucherInput,
) -> ApiResult<ManualVoucher> {
    let maker = staff_id(actor)?;
    let draft = validate(tx, input).await?;
    let id: i64 = sqlx::query_scalar(
        "insert into manual_vouchers (kind, voucher_date, memo, created_by, created_by_name)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(input.kind.text())
    .bind(input.voucher_date)
    .bind(draft.memo())
    .bind(maker)
    .bind(&actor.name)
    .fetch_one(&mut **tx)
    .await?;
    write_lines(tx, id, &draft).await?;
    let voucher = load(tx, id, false).await?;
    let change = Change {
        action: "manual_voucher.create",
        entity_type: "manual_voucher",
        entity_id: Some(id.to_string()),
        before: None,
        after: json(&voucher),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(voucher)
}

/// Replaces a draft's date, memo and lines.
pub async fn replace(
    tx: &mut TenantTx,
    actor: &Actor,
    id: i64,
    input: &ManualVoucherInput,
) -> ApiResult<ManualVoucher> {
    let before = load(tx, id, true).await?;
    if before.status != "draft" {
        return Err(ApiError::conflict(
            "manual_voucher_not_draft",
            format!("the voucher is {}", before.status),
        ));
    }
    let draft = validate(tx, input).await?;
    sqlx::query("update manual_vouchers set kind = $2, voucher_date = $3, memo = $4 where id = $1")
        .bind(id)
        .bind(input.kind.text())
        .bind(input.voucher_date)
        .bind(draft.memo())
        .execute(&mut **tx)
        .await?;
    write_lines(tx, id, &draft).await?;
    let after = load(tx, id, false).await?;
    let change = Change {
        action: "manual_voucher.update",
        entity_type: "manual_voucher",
        entity_id: Some(id.to_string()),
        before: json(&before),
        after: json(&after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(after)
}

/// Reviews a draft: by another user than its maker (maker-checker).
pub async fn review(tx: &mut TenantTx, actor: &Actor, id: i64) -> ApiResult<ManualVoucher> {
    let checker = staff_id(actor)?;
    let before = load(tx, id, true).await?;
    if before.status != "draft" {
        return Err(ApiError::conflict(
            "manual_voucher_not_draft",
            format!("the voucher is {}", before.status),
        ));
    }
    if before.created_by == checker {
        return Err(ApiError::forbidden(
            "maker_checker",
            "a voucher is reviewed by another user than the one who made it",
        ));
    }
    sqlx::query(
        "update manual_vouchers set status = 'reviewed', reviewed_by = $2, reviewed_by_name = $3, reviewed_at = now()
          where id = $1",
    )
    .bind(id)
    .bind(checker)
    .bind(&actor.name)
    .execute(&mut **tx)
    .await?;
    let after = load(tx, id, false).await?;
    let change = Change {
        action: "manual_voucher.review",
        entity_type: "manual_voucher",
        entity_id: Some(id.to_string()),
        before: json(&before),
        after: json(&after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(after)
}

/// Posts a reviewed voucher (checked again: accounts, balance, open period).
pub async fn post(tx: &mut TenantTx, actor: &Actor, id: i64) -> ApiResult<ManualVoucher> {
    let poster = staff_id(actor)?;
    let before = load(tx, id, true).await?;
    if before.status != "reviewed" {
        return Err(ApiError::conflict(
            "manual_voucher_not_reviewed",
            format!(
                "only a reviewed voucher is posted; this one is {}",
                before.status
            ),
        ));
    }
    if periods::is_closed(tx, before.voucher_date).await? {
        return Err(ApiError::conflict(
            "period_closed",
            format!(
                "period {} is closed",
                periods::name(periods::month_start(before.voucher_date))
            ),
        ));
    }
    let draft = validate(tx, &input_of(&before)?).await?;
    let posted = posting::post(
        tx,
        actor,
        &draft,
        &posting::Source::new("manual_voucher", &id.to_string()),
    )
    .await?;
    sqlx::query(
        "update manual_vouchers set status = 'posted', voucher_id = $2, posted_by = $3, posted_at = now() where id = $1",
    )
    .bind(id)
    .bind(posted.id)
    .bind(poster)
    .execute(&mut **tx)
    .await?;
    let after = load(tx, id, false).await?;
    let change = Change {
        action: "manual_voucher.post",
        entity_type: "manual_voucher",
        entity_id: Some(id.to_string()),
        before: json(&before),
        after: json(&after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(after)
}

/// Discards a draft or reviewed voucher (kept on record).
pub async fn discard(tx: &mut TenantTx, actor: &Actor, id: i64) -> ApiResult<ManualVoucher> {
    let before = load(tx, id, true).await?;
    if !matches!(before.status.as_str(), "draft" | "reviewed") {
        return Err(ApiError::conflict(
            "manual_voucher_final",
            format!("the voucher is {}", before.status),
        ));
    }
    sqlx::query("update manual_vouchers set status = 'discarded' where id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = load(tx, id, false).await?;
    let change = Change {
        action: "manual_voucher.discard",
        entity_type: "manual_voucher",
        entity_id: Some(id.to_string()),
        before: json(&before),
        after: json(&after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(after)
}

#[derive(ApiResponse)]
enum CreatedManualVoucher {
    /// Drafted.
    #[oai(status = 201)]
    Created(Json<ManualVoucher>),
}

/// Manual voucher endpoints.
pub struct ManualVouchersApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl ManualVouchersApi {
    /// Manual vouchers, newest first, optionally by status.
    #[oai(
        path = "/ledger/manual-vouchers",
        method = "get",
        operation_id = "list_manual_vouchers"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `draft`, `reviewed`, `posted` or `discarded`.
        status: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<ManualVoucher>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if let Some(s) = status.0.as_deref() {
            if !matches!(s, "draft" | "reviewed" | "posted" | "discarded") {
                return Err(ApiError::validation(
                    "status",
                    "invalid_status",
                    "draft, reviewed, posted or discarded",
                ));
            }
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from manual_vouchers where ($1::text is null or status = $1)",
        )
        .bind(&status.0)
        .fetch_one(&mut *tx)
        .await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "select id from manual_vouchers where ($1::text is null or status = $1) order by id desc limit $2 offset $3",
        )
        .bind(&status.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            items.push(load(&mut tx, id, false).await?);
        }
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Draft a manual voucher (or the opening balances, kind `opening_balance`).
    #[oai(
        path = "/ledger/manual-vouchers",
        method = "post",
        operation_id = "create_manual_voucher"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<ManualVoucherInput>,
    ) -> ApiResult<CreatedManualVoucher> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = create(&mut tx, &auth.0.actor, &body.0).await?;
        tx.commit().await?;
        Ok(CreatedManualVoucher::Created(Json(voucher)))
    }

    /// One manual voucher.
    #[oai(
        path = "/ledger/manual-vouchers/:id",
        method = "get",
        operation_id = "get_manual_voucher"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ManualVoucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = load(&mut tx, id.0, false).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }

    /// Replace a draft's date, memo and lines.
    #[oai(
        path = "/ledger/manual-vouchers/:id",
        method = "put",
        operation_id = "replace_manual_voucher"
    )]
    async fn replace(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<ManualVoucherInput>,
    ) -> ApiResult<Json<ManualVoucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = replace(&mut tx, &auth.0.actor, id.0, &body.0).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }

    /// Review a draft (审核): another user than its maker.
    #[oai(
        path = "/ledger/manual-vouchers/:id/review",
        method = "post",
        operation_id = "review_manual_voucher"
    )]
    async fn review(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ManualVoucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = review(&mut tx, &auth.0.actor, id.0).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }

    /// Post a reviewed voucher (记账).
    #[oai(
        path = "/ledger/manual-vouchers/:id/post",
        method = "post",
        operation_id = "post_manual_voucher"
    )]
    async fn post(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ManualVoucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = post(&mut tx, &auth.0.actor, id.0).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }

    /// Discard a draft or reviewed voucher.
    #[oai(
        path = "/ledger/manual-vouchers/:id/discard",
        method = "post",
        operation_id = "discard_manual_voucher"
    )]
    async fn discard(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ManualVoucher>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let voucher = discard(&mut tx, &auth.0.actor, id.0).await?;
        tx.commit().await?;
        Ok(Json(voucher))
    }
}
