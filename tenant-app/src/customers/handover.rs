//! Hand-over (移交) of customers between customer managers, with a reason and history.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};

use super::records::{check_user, json, load, Customer};
use crate::ApiTag;

/// Hand a customer to another manager.
#[derive(Debug, Object)]
#[oai(rename = "CustomerHandover")]
struct Handover {
    to_manager_id: i64,
    reason: String,
}

/// One hand-over.
#[derive(Debug, Object, sqlx::FromRow)]
struct HandoverRecord {
    id: i64,
    from_manager_id: Option<i64>,
    to_manager_id: i64,
    reason: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
}

/// Hand-over endpoints.
pub struct HandoverApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl HandoverApi {
    /// Hand a customer over to another manager. Refused: `unknown_user` (422),
    /// `same_manager` (409), `customer_merged` (409).
    #[oai(
        path = "/customers/:id/handover",
        method = "post",
        operation_id = "hand_over_customer"
    )]
    async fn hand_over(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Handover>,
    ) -> ApiResult<Json<Customer>> {
        let reason = body.reason.trim().to_string();
        if !(1..=500).contains(&reason.chars().count()) {
            return Err(ApiError::validation(
                "reason",
                "invalid_reason",
                "1 to 500 characters",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, id.0, true).await?;
        check_user(&mut tx, "to_manager_id", body.to_manager_id).await?;
        if before.status == "merged" {
            return Err(ApiError::conflict(
                "customer_merged",
                "the customer was merged into another",
            ));
        }
        if before.manager_id == Some(body.to_manager_id) {
            return Err(ApiError::conflict(
                "same_manager",
                "the customer already has this manager",
            ));
        }
        sqlx::query("update customers set manager_id = $2 where id = $1")
            .bind(id.0)
            .bind(body.to_manager_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("insert into customer_handovers (customer_id, from_manager_id, to_manager_id, reason, created_by) values ($1, $2, $3, $4, $5)")
            .bind(id.0)
            .bind(before.manager_id)
            .bind(body.to_manager_id)
            .bind(&reason)
            .bind(auth.0.session.user_id)
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id.0, false).await?;
        let change = Change {
            action: "customer.handover",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: Some(json(&before)),
            after: Some(json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }

    /// A customer's hand-overs, oldest first.
    #[oai(
        path = "/customers/:id/handovers",
        method = "get",
        operation_id = "list_customer_handovers"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<HandoverRecord>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, false).await?;
        let items = sqlx::query_as(
            "select id, from_manager_id, to_manager_id, reason, created_by, created_at from customer_handovers where customer_id = $1 order by id",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(items))
    }
}
