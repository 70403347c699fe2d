//! The borrowings register (融资信息): every drawing and repayment of the firm's own
//! funding, posted to the liability account of its lender kind and term (2001xx,
//! 2501xx, 2502xx). The one source of the funding of the firm profile the regulator sees.

use chrono::{DateTime, NaiveDate, Utc};
use ledger_rules::{Borrowing, CashAccount, LenderKind};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    money::{Money, Rate},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Enum, Object, OpenApi};
use rust_decimal::Decimal;

use super::{bank_accounts, posting, rule_error};
use crate::ApiTag;

/// Who lent: the regulator's funding kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FundingKind {
    /// 银行借款.
    Bank,
    /// 股东借款.
    Shareholder,
    /// 其他非标准化融资.
    OtherNonStandard,
    /// 债券.
    Bond,
    /// 资产支持证券.
    Abs,
}

impl FundingKind {
    fn text(self) -> &'static str {
        match self {
            Self::Bank => "bank",
            Self::Shareholder => "shareholder",
            Self::OtherNonStandard => "other_non_standard",
            Self::Bond => "bond",
            Self::Abs => "abs",
        }
    }

    /// The ledger's borrowing (short-term up to 12 months, long-term beyond).
    fn borrowing(self, term_months: i32) -> Borrowing {
        let lender = match self {
            Self::Bank => LenderKind::Bank,
            Self::Shareholder => LenderKind::Shareholder,
            Self::OtherNonStandard => LenderKind::OtherNonStandard,
            Self::Bond => return Borrowing::Bonds,
            Self::Abs => return Borrowing::Abs,
        };
        if term_months <= 12 {
            Borrowing::ShortTerm(lender)
        } else {
            Borrowing::LongTerm(lender)
        }
    }
}

/// One entry of the register.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct BorrowingEntry {
    pub id: i64,
    pub entry_date: NaiveDate,
    /// `borrow` or `repay`.
    pub direction: String,
    /// For a repayment: the borrowing repaid.
    pub borrowing_id: Option<i64>,
    pub lender_name: String,
    /// `bank`, `shareholder`, `other_non_standard`, `bond` or `abs`.
    pub lender_kind: String,
    pub amount: Money,
    /// Term in months (of the borrowing).
    pub term_months: Option<i32>,
    /// Annual rate.
    pub rate: Option<Rate>,
    /// Security (担保方式).
    pub security: String,
    pub notes: String,
    /// The bank account the money came into or went out of.
    pub bank_account_id: i64,
    /// The liability account, e.g. `200101`.
    pub account_code: String,
    /// The voucher posted.
    pub voucher_id: i64,
    /// For a borrowing: what is still owed.
    pub outstanding: Option<Money>,
    pub created_at: DateTime<Utc>,
}

/// A borrowing drawn.
#[derive(Debug, Clone, Object)]
pub struct NewBorrowing {
    pub entry_date: NaiveDate,
    pub lender_name: String,
    pub lender_kind: FundingKind,
    pub amount: Money,
    /// 1 to 600 months; up to 12 is short-term (2001), beyond long-term (2501).
    pub term_months: i32,
    pub rate: Option<Rate>,
    #[oai(default)]
    pub security: String,
    #[oai(default)]
    pub notes: String,
    /// Where the money came in.
    pub bank_account_id: i64,
}

/// A repayment of a borrowing.
#[derive(Debug, Clone, Object)]
pub struct NewRepayment {
    pub entry_date: NaiveDate,
    pub amount: Money,
    #[oai(default)]
    pub notes: String,
    /// Where the money went out from.
    pub bank_account_id: i64,
}

const COLUMNS: &str = "b.id, b.entry_date, b.direction, b.borrowing_id, b.lender_name, b.lender_kind, b.amount,
    b.term_months, b.rate, b.security, b.notes, b.bank_account_id, b.account_code, b.voucher_id, b.created_at,
    case when b.direction = 'borrow' then b.amount - coalesce(
        (select sum(r.amount) from borrowings r where r.borrowing_id = b.id), 0) end as outstanding";

/// The whole register, oldest first.
pub async fn list(tx: &mut TenantTx) -> ApiResult<Vec<BorrowingEntry>> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from borrowings b order by b.entry_date, b.id"
    ))
    .fetch_all(&mut **tx)
    .await?)
}

async fn find(tx: &mut TenantTx, id: i64) -> ApiResult<BorrowingEntry> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from borrowings b where b.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("borrowing"))
}

fn text_field(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::validation(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

fn positive(amount: Money) -> ApiResult<Decimal> {
    if amount.amount() <= Decimal::ZERO {
        return Err(ApiError::validation(
            "amount",
            "invalid_amount",
            "the amount must be positive",
        ));
    }
    Ok(amount.amount())
}

async fn cash_account(tx: &mut TenantTx, bank_account_id: i64) -> ApiResult<CashAccount> {
    let bank = bank_accounts::find(tx, bank_account_id)
        .await
        .map_err(|_| {
            ApiError::validation(
                "bank_account_id",
                "unknown_bank_account",
                "no such registered bank account",
            )
        })?;
    ledger_rules::AccountCode::parse(&bank.account_code)
        .and_then(CashAccount::from_code)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("bank account code: {e}")))
}

/// Records a borrowing drawn and posts Dr bank / Cr its liability account.
pub async fn draw(
    tx: &mut TenantTx,
    actor: &Actor,
    new: NewBorrowing,
) -> ApiResult<BorrowingEntry> {
    let amount = positive(new.amount)?;
    let lender = new.lender_name.trim();
    if !(1..=200).contains(&lender.chars().count()) {
        return Err(ApiError::validation(
            "lender_name",
            "invalid_lender_name",
            "1 to 200 characters",
        ));
    }
    if !(1..=600).contains(&new.term_months) {
        return Err(ApiError::validation(
            "term_months",
            "invalid_term",
            "1 to 600 months",
        ));
    }
    text_field("security", &new.security, 500)?;
    text_field("notes", &new.notes, 500)?;
    let cash = cash_account(tx, new.bank_account_id).await?;
    let borrowing = new.lender_kind.borrowing(new.term_months);
    let draft = ledger_rules::borrowing_drawn(new.entry_date, &cash, borrowing, amount)
        .map_err(|e| rule_error("amount", e))?
        .with_memo(&format!("借入资金：{lender}"));
    let id: i64 = sqlx::query_scalar("select nextval(pg_get_serial_sequence('borrowings', 'id'))")
        .fetch_one(&mut **tx)
        .await?;
    let posted = posting::post(
        tx,
        actor,
        &draft,
        &posting::Source::new("borrowing", &id.to_string()),
    )
    .await?;
    sqlx::query(
        "insert into borrowings (id, entry_date, direction, lender_name, lender_kind, amount, term_months, rate,
                                 security, notes, bank_account_id, account_code, voucher_id, created_by)
         overriding system value
         values ($1, $2, 'borrow', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(new.entry_date)
    .bind(lender)
    .bind(new.lender_kind.text())
    .bind(amount)
    .bind(new.term_months)
    .bind(new.rate)
    .bind(new.security.trim())
    .bind(new.notes.trim())
    .bind(new.bank_account_id)
    .bind(borrowing.account().as_str())
    .bind(posted.id)
    .bind(actor.id)
    .execute(&mut **tx)
    .await?;
    let entry = find(tx, id).await?;
    let change = Change {
        action: "borrowing.draw",
        entity_type: "borrowing",
        entity_id: Some(id.to_string()),
        before: None,
        after: serde_json::to_value(&entry).ok(),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(entry)
}

/// Records a repayment of a borrowing (at most what is owed) and posts Dr its liability / Cr bank.
pub async fn repay(
    tx: &mut TenantTx,
    actor: &Actor,
    borrowing_id: i64,
    new: NewRepayment,
) -> ApiResult<BorrowingEntry> {
    let amount = positive(new.amount)?;
    text_field("notes", &new.notes, 500)?;
    let locked: Option<i64> = sqlx::query_scalar(
        "select id from borrowings where id = $1 and direction = 'borrow' for update",
    )
    .bind(borrowing_id)
    .fetch_optional(&mut **tx)
    .await?;
    locked.ok_or_else(|| ApiError::not_found("borrowing"))?;
    let original = find(tx, borrowing_id).await?;
    let outstanding = original.outstanding.map(Money::amount).unwrap_or_default();
    if amount > outstanding {
        return Err(ApiError::validation(
            "amount",
            "exceeds_outstanding",
            format!("only {outstanding} is outstanding on this borrowing"),
        ));
    }
    let cash = cash_account(tx, new.bank_account_id).await?;
    let account = ledger_rules::AccountCode::parse(&original.account_code)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("borrowing account: {e}")))?;
    let borrowing = borrowing_of(&account)?;
    let draft = ledger_rules::borrowing_repaid(new.entry_date, &cash, borrowing, amount)
        .map_err(|e| rule_error("amount", e))?
        .with_memo(&format!("归还借款：{}", original.lender_name));
    let id: i64 = sqlx::query_scalar("select nextval(pg_get_serial_sequence('borrowings', 'id'))")
        .fetch_one(&mut **tx)
        .await?;
    let posted = posting::post(
        tx,
        actor,
        &draft,
        &posting::Source::new("borrowing", &id.to_string()),
    )
    .await?;
    sqlx::query(
        "insert into borrowings (id, entry_date, direction, borrowing_id, lender_name, lender_kind, amount, term_months,
                                 rate, security, notes, bank_account_id, account_code, voucher_id, created_by)
         overriding system value
         select $1, $2, 'repay', b.id, b.lender_name, b.lender_kind, $3, b.term_months, b.rate, b.security, $4, $5,
                b.account_code, $6, $7
           from borrowings b where b.id = $8",
    )
    .bind(id)
    .bind(new.entry_date)
    .bind(amount)
    .bind(new.notes.trim())
    .bind(new.bank_account_id)
    .bind(posted.id)
    .bind(actor.id)
    .bind(borrowing_id)
    .execute(&mut **tx)
    .await?;
    let entry = find(tx, id).await?;
    let change = Change {
        action: "borrowing.repay",
        entity_type: "borrowing",
        entity_id: Some(id.to_string()),
        before: None,
        after: serde_json::to_value(&entry).ok(),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(entry)
}

/// The borrowing whose liability account this is.
fn borrowing_of(account: &ledger_rules::AccountCode) -> ApiResult<Borrowing> {
    use LenderKind::{Bank, OtherNonStandard, Shareholder};
    let all = [
        Borrowing::ShortTerm(Bank),
        Borrowing::ShortTerm(Shareholder),
        Borrowing::ShortTerm(OtherNonStandard),
        Borrowing::LongTerm(Bank),
        Borrowing::LongTerm(Shareholder),
        Borrowing::LongTerm(OtherNonStandard),
        Borrowing::Bonds,
        Borrowing::Abs,
    ];
    all.into_iter()
        .find(|b| &b.account() == account)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no borrowing books to {account}")))
}

#[derive(ApiResponse)]
enum CreatedEntry {
    /// Recorded and posted.
    #[oai(status = 201)]
    Created(Json<BorrowingEntry>),
}

/// Borrowings register endpoints.
pub struct BorrowingsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl BorrowingsApi {
    /// The borrowings register (融资信息), drawings and repayments.
    #[oai(
        path = "/ledger/borrowings",
        method = "get",
        operation_id = "list_borrowings"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<Vec<BorrowingEntry>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let items = list(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Record a borrowing drawn (posts Dr bank / Cr 2001xx, 2501xx or 2502xx).
    #[oai(
        path = "/ledger/borrowings",
        method = "post",
        operation_id = "record_borrowing"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewBorrowing>,
    ) -> ApiResult<CreatedEntry> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let entry = draw(&mut tx, &auth.0.actor, body.0).await?;
        tx.commit().await?;
        Ok(CreatedEntry::Created(Json(entry)))
    }

    /// Record a repayment of a borrowing (posts Dr its liability account / Cr bank).
    #[oai(
        path = "/ledger/borrowings/:id/repayments",
        method = "post",
        operation_id = "record_borrowing_repayment"
    )]
    async fn repay(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewRepayment>,
    ) -> ApiResult<CreatedEntry> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let entry = repay(&mut tx, &auth.0.actor, id.0, body.0).await?;
        tx.commit().await?;
        Ok(CreatedEntry::Created(Json(entry)))
    }
}
