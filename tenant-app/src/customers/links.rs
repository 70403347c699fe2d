//! Related-party links (family, shareholder, guarantor, same controller) and
//! the groups they form: a group is a connected component of the link graph,
//! named by its smallest customer id and kept in `customers.group_id`.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};

use super::records::load;
use crate::ApiTag;

/// A related-party link.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct CustomerLink {
    pub id: i64,
    pub customer_id: i64,
    pub related_id: i64,
    /// family, shareholder, guarantor, same_controller or other.
    pub kind: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// A new link from the customer in the path.
#[derive(Debug, Object)]
#[oai(rename = "NewCustomerLink")]
struct NewLink {
    related_id: i64,
    /// family, shareholder, guarantor, same_controller or other.
    kind: String,
    note: Option<String>,
}

/// A customer's links and group.
#[derive(Debug, Object)]
#[oai(rename = "CustomerLinks")]
struct LinksBody {
    group_id: Option<i64>,
    /// Every customer of the group (with this one), ascending.
    group_members: Vec<i64>,
    links: Vec<CustomerLink>,
}

#[derive(ApiResponse)]
enum CreatedLink {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CustomerLink>),
}

const KINDS: [&str; 5] = [
    "family",
    "shareholder",
    "guarantor",
    "same_controller",
    "other",
];

/// The customers connected to `id` through links (with `id`), ascending.
pub async fn component(tx: &mut TenantTx, id: i64) -> ApiResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "with recursive comp(id) as (
             select $1::bigint
             union
             select case when l.customer_id = c.id then l.related_id else l.customer_id end
               from customer_links l join comp c on l.customer_id = c.id or l.related_id = c.id
         )
         select id from comp order by id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Recomputes the group of the component containing each id.
pub async fn recompute_groups(tx: &mut TenantTx, ids: &[i64]) -> ApiResult<()> {
    for id in ids {
        let members = component(tx, *id).await?;
        let group = (members.len() > 1).then(|| members[0]);
        sqlx::query("update customers set group_id = $2 where id = any($1) and group_id is distinct from $2")
            .bind(&members)
            .bind(group)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn links_of(tx: &mut TenantTx, id: i64) -> ApiResult<Vec<CustomerLink>> {
    Ok(sqlx::query_as(
        "select id, customer_id, related_id, kind, note, created_at from customer_links
          where customer_id = $1 or related_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Related-party endpoints.
pub struct LinksApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl LinksApi {
    /// A customer's related-party links and group.
    #[oai(
        path = "/customers/:id/links",
        method = "get",
        operation_id = "list_customer_links"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<LinksBody>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let c = load(&mut tx, id.0, false).await?;
        let links = links_of(&mut tx, id.0).await?;
        let members = component(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok(Json(LinksBody {
            group_id: c.group_id,
            group_members: members,
            links,
        }))
    }

    /// Link two customers; both join one related-party group.
    /// Refused: `invalid_link_kind`, `self_link` (422), `link_exists` (409).
    #[oai(
        path = "/customers/:id/links",
        method = "post",
        operation_id = "create_customer_link"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewLink>,
    ) -> ApiResult<CreatedLink> {
        if !KINDS.contains(&body.kind.as_str()) {
            return Err(ApiError::validation(
                "kind",
                "invalid_link_kind",
                "kind is family, shareholder, guarantor, same_controller or other",
            ));
        }
        if body.related_id == id.0 {
            return Err(ApiError::validation(
                "related_id",
                "self_link",
                "a customer cannot be linked to itself",
            ));
        }
        let note = body.note.clone().unwrap_or_default();
        if note.chars().count() > 500 {
            return Err(ApiError::validation(
                "note",
                "invalid_note",
                "at most 500 characters",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, true).await?;
        load(&mut tx, body.related_id, true).await.map_err(|_| {
            ApiError::validation("related_id", "unknown_customer", "no such customer")
        })?;
        let exists: bool = sqlx::query_scalar(
            "select exists (select 1 from customer_links where kind = $3 and
                ((customer_id = $1 and related_id = $2) or (customer_id = $2 and related_id = $1)))",
        )
        .bind(id.0)
        .bind(body.related_id)
        .bind(&body.kind)
        .fetch_one(&mut *tx)
        .await?;
        if exists {
            return Err(ApiError::conflict(
                "link_exists",
                "these customers are already linked so",
            ));
        }
        let link: CustomerLink = sqlx::query_as(
            "insert into customer_links (customer_id, related_id, kind, note, created_by) values ($1, $2, $3, $4, $5)
             returning id, customer_id, related_id, kind, note, created_at",
        )
        .bind(id.0)
        .bind(body.related_id)
        .bind(&body.kind)
        .bind(&note)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("customer_links_pair_key", || {
            ApiError::conflict("link_exists", "these customers are already linked so")
        })?;
        recompute_groups(&mut tx, &[id.0]).await?;
        let change = Change {
            action: "customer.link",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: Some(serde_json::to_value(&link).unwrap_or_default()),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedLink::Created(Json(link)))
    }

    /// Remove a link; the groups are recomputed.
    #[oai(
        path = "/customers/:id/links/:link_id",
        method = "delete",
        operation_id = "delete_customer_link"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        link_id: Path<i64>,
    ) -> ApiResult<Json<serde_json::Value>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, true).await?;
        let link: CustomerLink = sqlx::query_as(
            "delete from customer_links where id = $1 and (customer_id = $2 or related_id = $2)
             returning id, customer_id, related_id, kind, note, created_at",
        )
        .bind(link_id.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("link"))?;
        recompute_groups(&mut tx, &[link.customer_id, link.related_id]).await?;
        let change = Change {
            action: "customer.unlink",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: Some(serde_json::to_value(&link).unwrap_or_default()),
            after: None,
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(serde_json::json!({"deleted": true})))
    }
}
