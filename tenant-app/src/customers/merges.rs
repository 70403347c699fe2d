//! Merging duplicate customers (客户合并): one person asks, a second person
//! approves or rejects. On approval the duplicate (source) is marked `merged`
//! into the kept customer (target), and its links, attachments, applications
//! and credit limits move to the target.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
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

use super::links::recompute_groups;
use super::records::load;
use crate::ApiTag;

/// A merge request.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct CustomerMerge {
    pub id: i64,
    /// The duplicate that disappears into the target.
    pub source_id: i64,
    /// The customer kept.
    pub target_id: i64,
    pub reason: String,
    /// pending, approved or rejected.
    pub status: String,
    pub requested_by: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub opinion: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
struct NewMerge {
    source_id: i64,
    target_id: i64,
    reason: String,
}

#[derive(Debug, Object)]
#[oai(rename = "MergeDecision")]
struct Decision {
    opinion: String,
}

#[derive(ApiResponse)]
enum CreatedMerge {
    /// Requested; waits for a second person.
    #[oai(status = 201)]
    Created(Json<CustomerMerge>),
}

const COLS: &str = "id, source_id, target_id, reason, status, requested_by, decided_by, decided_at, opinion, created_at";

async fn lock(tx: &mut TenantTx, id: i64) -> ApiResult<CustomerMerge> {
    sqlx::query_as(&format!(
        "select {COLS} from customer_merges where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("merge"))
}

fn text(field: &str, v: &str) -> ApiResult<String> {
    let v = v.trim();
    if (1..=500).contains(&v.chars().count()) {
        Ok(v.to_string())
    } else {
        Err(ApiError::validation(
            field,
            format!("invalid_{field}"),
            "1 to 500 characters",
        ))
    }
}

/// Moves everything of `source` to `target` and marks the source merged.
async fn execute(tx: &mut TenantTx, source: i64, target: i64) -> ApiResult<()> {
    // Links: re-point, dropping those that would become self-links or duplicates.
    sqlx::query(
        "insert into customer_links (customer_id, related_id, kind, note, created_by, created_at)
         select case when customer_id = $1 then $2 else customer_id end,
                case when related_id = $1 then $2 else related_id end, kind, note, created_by, created_at
           from customer_links
          where (customer_id = $1 or related_id = $1)
            and (case when customer_id = $1 then $2 else customer_id end) <> (case when related_id = $1 then $2 else related_id end)
         on conflict do nothing",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    let neighbours: Vec<i64> = sqlx::query_scalar(
        "delete from customer_links where customer_id = $1 or related_id = $1
         returning case when customer_id = $1 then related_id else customer_id end",
    )
    .bind(source)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(
        "update attachments set owner_id = $2 where owner_type = 'customer' and owner_id = $1",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    for table in ["applications", "credit_limits", "credit_ratings"] {
        let exists: bool = sqlx::query_scalar("select to_regclass($1) is not null")
            .bind(table)
            .fetch_one(&mut **tx)
            .await?;
        if exists {
            sqlx::query(&format!(
                "update {table} set customer_id = $2 where customer_id = $1"
            ))
            .bind(source)
            .bind(target)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query(
        "update customers set status = 'merged', merged_into = $2, group_id = null where id = $1",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    let mut ids = neighbours;
    ids.push(target);
    recompute_groups(tx, &ids).await?;
    Ok(())
}

/// Customer merge endpoints.
pub struct MergesApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl MergesApi {
    /// Ask to merge a duplicate into the customer kept. Refused:
    /// `merge_kind_mismatch`, `customer_merged` (409), `merge_pending` (409).
    #[oai(
        path = "/customer-merges",
        method = "post",
        operation_id = "request_customer_merge"
    )]
    async fn request(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewMerge>,
    ) -> ApiResult<CreatedMerge> {
        let reason = text("reason", &body.reason)?;
        if body.source_id == body.target_id {
            return Err(ApiError::validation(
                "target_id",
                "merge_same_customer",
                "source and target must differ",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let source = load(&mut tx, body.source_id, true).await.map_err(|_| {
            ApiError::validation("source_id", "unknown_customer", "no such customer")
        })?;
        let target = load(&mut tx, body.target_id, true).await.map_err(|_| {
            ApiError::validation("target_id", "unknown_customer", "no such customer")
        })?;
        if source.kind != target.kind {
            return Err(ApiError::conflict(
                "merge_kind_mismatch",
                "an individual and a company cannot be merged",
            ));
        }
        if source.status == "merged" || target.status == "merged" {
            return Err(ApiError::conflict(
                "customer_merged",
                "one of the customers is already merged",
            ));
        }
        let merge: CustomerMerge = sqlx::query_as(&format!(
            "insert into customer_merges (source_id, target_id, reason, requested_by) values ($1, $2, $3, $4) returning {COLS}"
        ))
        .bind(body.source_id)
        .bind(body.target_id)
        .bind(&reason)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("customer_merges_pending_key", || {
            ApiError::conflict("merge_pending", "a merge of this customer is already waiting")
        })?;
        let change = Change {
            action: "customer_merge.request",
            entity_type: "customer_merge",
            entity_id: Some(merge.id.to_string()),
            before: None,
            after: Some(serde_json::to_value(&merge).unwrap_or_default()),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedMerge::Created(Json(merge)))
    }

    /// Merge requests, optionally by status.
    #[oai(
        path = "/customer-merges",
        method = "get",
        operation_id = "list_customer_merges"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        status: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<CustomerMerge>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from customer_merges where ($1::text is null or status = $1)",
        )
        .bind(&status.0)
        .fetch_one(&mut *tx)
        .await?;
        let items = sqlx::query_as(&format!(
            "select {COLS} from customer_merges where ($1::text is null or status = $1) order by id desc limit $2 offset $3"
        ))
        .bind(&status.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Approve a merge (not by the person who asked): the duplicate is merged.
    /// Refused: `same_person` (403), `merge_decided` (409).
    #[oai(
        path = "/customer-merges/:id/approve",
        method = "post",
        operation_id = "approve_customer_merge"
    )]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Decision>,
    ) -> ApiResult<Json<CustomerMerge>> {
        self.decide(&state, &auth, id.0, &body.opinion, true).await
    }

    /// Reject a merge (not by the person who asked).
    #[oai(
        path = "/customer-merges/:id/reject",
        method = "post",
        operation_id = "reject_customer_merge"
    )]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Decision>,
    ) -> ApiResult<Json<CustomerMerge>> {
        self.decide(&state, &auth, id.0, &body.opinion, false).await
    }
}

impl MergesApi {
    async fn decide(
        &self,
        state: &AppState,
        auth: &StaffAuth,
        id: i64,
        opinion: &str,
        approve: bool,
    ) -> ApiResult<Json<CustomerMerge>> {
        let opinion = text("opinion", opinion)?;
        let user = auth.0.session.user_id;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = lock(&mut tx, id).await?;
        if before.status != "pending" {
            return Err(ApiError::conflict(
                "merge_decided",
                "the merge was already decided",
            ));
        }
        if before.requested_by == user {
            return Err(ApiError::forbidden(
                "same_person",
                "a second person must decide a merge",
            ));
        }
        if approve {
            let source = load(&mut tx, before.source_id, true).await?;
            let target = load(&mut tx, before.target_id, true).await?;
            if source.status == "merged" || target.status == "merged" {
                return Err(ApiError::conflict(
                    "customer_merged",
                    "one of the customers is already merged",
                ));
            }
            execute(&mut tx, before.source_id, before.target_id).await?;
        }
        let after: CustomerMerge = sqlx::query_as(&format!(
            "update customer_merges set status = $2, decided_by = $3, decided_at = now(), opinion = $4 where id = $1 returning {COLS}"
        ))
        .bind(id)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(user)
        .bind(&opinion)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: if approve {
                "customer_merge.approve"
            } else {
                "customer_merge.reject"
            },
            entity_type: "customer_merge",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
