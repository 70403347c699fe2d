//! The blacklist (不良客户): a reason and a date; removal keeps the history.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};

use super::records::{json, load, Customer};
use crate::ApiTag;

/// Why a customer goes on or off the blacklist.
#[derive(Debug, Object)]
struct BlacklistReason {
    reason: String,
}

/// One blacklist event.
#[derive(Debug, Object, sqlx::FromRow)]
struct BlacklistEvent {
    id: i64,
    /// `add` or `remove`.
    action: String,
    reason: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
}

fn valid_reason(reason: &str) -> ApiResult<String> {
    let r = reason.trim();
    if (1..=500).contains(&r.chars().count()) {
        Ok(r.to_string())
    } else {
        Err(ApiError::validation(
            "reason",
            "invalid_reason",
            "1 to 500 characters",
        ))
    }
}

/// Blacklist endpoints.
pub struct BlacklistApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl BlacklistApi {
    /// Put a customer on the blacklist. Refused: `already_blacklisted` (409).
    #[oai(
        path = "/customers/:id/blacklist",
        method = "post",
        operation_id = "blacklist_customer"
    )]
    async fn add(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<BlacklistReason>,
    ) -> ApiResult<Json<Customer>> {
        self.change(&state, &auth, id.0, &body.reason, true).await
    }

    /// Take a customer off the blacklist. Refused: `not_blacklisted` (409).
    #[oai(
        path = "/customers/:id/blacklist/remove",
        method = "post",
        operation_id = "unblacklist_customer"
    )]
    async fn remove(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<BlacklistReason>,
    ) -> ApiResult<Json<Customer>> {
        self.change(&state, &auth, id.0, &body.reason, false).await
    }

    /// A customer's blacklist history.
    #[oai(
        path = "/customers/:id/blacklist",
        method = "get",
        operation_id = "customer_blacklist_history"
    )]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<BlacklistEvent>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, false).await?;
        let events = sqlx::query_as(
            "select id, action, reason, created_by, created_at from customer_blacklist_events where customer_id = $1 order by id",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(events))
    }
}

impl BlacklistApi {
    async fn change(
        &self,
        state: &AppState,
        auth: &StaffAuth,
        id: i64,
        reason: &str,
        add: bool,
    ) -> ApiResult<Json<Customer>> {
        let reason = valid_reason(reason)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, id, true).await?;
        if before.blacklisted == add {
            return Err(if add {
                ApiError::conflict(
                    "already_blacklisted",
                    "the customer is already on the blacklist",
                )
            } else {
                ApiError::conflict("not_blacklisted", "the customer is not on the blacklist")
            });
        }
        if add {
            sqlx::query("update customers set blacklisted = true, blacklist_reason = $2, blacklisted_at = now() where id = $1")
                .bind(id)
                .bind(&reason)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("update customers set blacklisted = false, blacklist_reason = null, blacklisted_at = null where id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("insert into customer_blacklist_events (customer_id, action, reason, created_by) values ($1, $2, $3, $4)")
            .bind(id)
            .bind(if add { "add" } else { "remove" })
            .bind(&reason)
            .bind(auth.0.session.user_id)
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id, false).await?;
        let change = Change {
            action: if add {
                "customer.blacklist"
            } else {
                "customer.unblacklist"
            },
            entity_type: "customer",
            entity_id: Some(id.to_string()),
            before: Some(json(&before)),
            after: Some(json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
