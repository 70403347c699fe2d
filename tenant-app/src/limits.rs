//! Credit limits (授信额度): per customer an amount, a validity, what is used
//! and what is available, revolving or not. A loan uses the limit
//! ([`reserve`], called by servicing at contract or payout); repaid principal
//! frees it again on a revolving limit ([`release`]). At most one active
//! limit per customer; a new one replaces it and carries its use over.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::Money,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, types::ToJSON, ApiResponse, Object, OpenApi};
use rust_decimal::Decimal;

use crate::customers::records;
use crate::ApiTag;

/// A credit limit.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct CreditLimit {
    pub id: i64,
    pub customer_id: i64,
    pub amount: Money,
    pub used: Money,
    /// amount − used.
    pub available: Money,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub revolving: bool,
    /// active or closed.
    pub status: String,
    pub rating_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const COLS: &str = "id, customer_id, amount, used, (amount - used)::numeric(18,2) as available, valid_from, valid_to, revolving, status, rating_id, created_by, created_at";

/// A new credit limit.
#[derive(Debug, Object)]
#[oai(rename = "NewCreditLimit")]
struct NewLimit {
    amount: Money,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    /// Default true: repaid principal frees the limit again.
    revolving: Option<bool>,
    /// The rating it rests on.
    rating_id: Option<i64>,
}

#[derive(ApiResponse)]
enum CreatedLimit {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CreditLimit>),
}

async fn active(tx: &mut TenantTx, customer_id: i64) -> ApiResult<Option<CreditLimit>> {
    Ok(sqlx::query_as(&format!(
        "select {COLS} from credit_limits where customer_id = $1 and status = 'active' for update"
    ))
    .bind(customer_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Checks that the customer's active limit is valid on `on` and has `amount` available.
/// Refused: `credit_limit_missing`, `credit_limit_expired`, `credit_limit_exceeded` (409).
pub async fn check(
    tx: &mut TenantTx,
    customer_id: i64,
    amount: Decimal,
    on: NaiveDate,
) -> ApiResult<CreditLimit> {
    let limit = active(tx, customer_id).await?.ok_or_else(|| {
        ApiError::conflict(
            "credit_limit_missing",
            "the customer has no active credit limit",
        )
    })?;
    if on < limit.valid_from || on > limit.valid_to {
        return Err(ApiError::conflict(
            "credit_limit_expired",
            format!(
                "the credit limit is valid from {} to {}",
                limit.valid_from, limit.valid_to
            ),
        ));
    }
    if limit.available.amount() < amount {
        return Err(ApiError::conflict(
            "credit_limit_exceeded",
            format!(
                "{amount} is above the available credit limit {}",
                limit.available
            ),
        ));
    }
    Ok(limit)
}

/// Uses `amount` of the customer's limit (at contract or payout), in the caller's transaction.
pub async fn reserve(
    tx: &mut TenantTx,
    customer_id: i64,
    amount: Decimal,
) -> ApiResult<CreditLimit> {
    let limit = check(tx, customer_id, amount, today()).await?;
    sqlx::query("update credit_limits set used = used + $2 where id = $1")
        .bind(limit.id)
        .bind(amount)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into credit_limit_events (limit_id, kind, amount) values ($1, 'reserve', $2)",
    )
    .bind(limit.id)
    .bind(amount)
    .execute(&mut **tx)
    .await?;
    load(tx, limit.id).await
}

/// Frees repaid `principal` on a revolving limit (never below 0 used); a
/// non-revolving limit stays used. Does nothing when the customer has no active limit.
pub async fn release(tx: &mut TenantTx, customer_id: i64, principal: Decimal) -> ApiResult<()> {
    let Some(limit) = active(tx, customer_id).await? else {
        return Ok(());
    };
    if !limit.revolving || principal <= Decimal::ZERO {
        return Ok(());
    }
    let freed = principal.min(limit.used.amount());
    if freed <= Decimal::ZERO {
        return Ok(());
    }
    sqlx::query("update credit_limits set used = used - $2 where id = $1")
        .bind(limit.id)
        .bind(freed)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into credit_limit_events (limit_id, kind, amount) values ($1, 'release', $2)",
    )
    .bind(limit.id)
    .bind(freed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn load(tx: &mut TenantTx, id: i64) -> ApiResult<CreditLimit> {
    sqlx::query_as(&format!("select {COLS} from credit_limits where id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("credit limit"))
}

/// Credit limit endpoints.
pub struct LimitsApi;

#[OpenApi(tag = "ApiTag::Credit")]
impl LimitsApi {
    /// Grant a credit limit; it replaces the active one and carries its use.
    /// Refused: `invalid_amount`, `invalid_validity` (422),
    /// `credit_limit_below_used` (409).
    #[oai(
        path = "/customers/:id/credit-limits",
        method = "post",
        operation_id = "create_credit_limit"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewLimit>,
    ) -> ApiResult<CreatedLimit> {
        if body.amount.amount() <= Decimal::ZERO {
            return Err(ApiError::validation("amount", "invalid_amount", "above 0"));
        }
        if body.valid_to < body.valid_from {
            return Err(ApiError::validation(
                "valid_to",
                "invalid_validity",
                "valid_to is before valid_from",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let customer = records::load(&mut tx, id.0, true).await?;
        if customer.status == "merged" {
            return Err(ApiError::conflict(
                "customer_merged",
                "the customer was merged into another",
            ));
        }
        if let Some(r) = body.rating_id {
            let ok: bool = sqlx::query_scalar(
                "select exists (select 1 from credit_ratings where id = $1 and customer_id = $2)",
            )
            .bind(r)
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
            if !ok {
                return Err(ApiError::validation(
                    "rating_id",
                    "unknown_rating",
                    "no rating of this customer with this id",
                ));
            }
        }
        let previous = active(&mut tx, id.0).await?;
        let used = previous.as_ref().map_or(Decimal::ZERO, |p| p.used.amount());
        if used > body.amount.amount() {
            return Err(ApiError::conflict(
                "credit_limit_below_used",
                format!("the new amount is below the {used} already used"),
            ));
        }
        if let Some(p) = &previous {
            sqlx::query("update credit_limits set status = 'closed' where id = $1")
                .bind(p.id)
                .execute(&mut *tx)
                .await?;
        }
        let new_id: i64 = sqlx::query_scalar(
            "insert into credit_limits (customer_id, amount, used, valid_from, valid_to, revolving, rating_id, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(id.0)
        .bind(body.amount)
        .bind(used)
        .bind(body.valid_from)
        .bind(body.valid_to)
        .bind(body.revolving.unwrap_or(true))
        .bind(body.rating_id)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let limit = load(&mut tx, new_id).await?;
        let change = Change {
            action: "credit_limit.create",
            entity_type: "credit_limit",
            entity_id: Some(new_id.to_string()),
            before: previous.as_ref().and_then(ToJSON::to_json),
            after: limit.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedLimit::Created(Json(limit)))
    }

    /// A customer's credit limits, newest first.
    #[oai(
        path = "/customers/:id/credit-limits",
        method = "get",
        operation_id = "list_credit_limits"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<CreditLimit>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        records::load(&mut tx, id.0, false).await?;
        let items = sqlx::query_as(&format!(
            "select {COLS} from credit_limits where customer_id = $1 order by id desc"
        ))
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Close a credit limit: nothing more can be drawn on it.
    #[oai(
        path = "/credit-limits/:id/close",
        method = "post",
        operation_id = "close_credit_limit"
    )]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<CreditLimit>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before: CreditLimit = sqlx::query_as(&format!(
            "select {COLS} from credit_limits where id = $1 for update"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("credit limit"))?;
        if before.status == "closed" {
            return Err(ApiError::conflict(
                "credit_limit_closed",
                "the credit limit is already closed",
            ));
        }
        sqlx::query("update credit_limits set status = 'closed' where id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id.0).await?;
        let change = Change {
            action: "credit_limit.close",
            entity_type: "credit_limit",
            entity_id: Some(id.0.to_string()),
            before: before.to_json(),
            after: after.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}

/// Today's date in China (UTC+8), the business date of checks.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
