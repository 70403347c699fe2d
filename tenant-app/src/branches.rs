//! Branches (分支机构): the first tenant resource, and the pattern every later
//! one copies — validated input types, a tenant transaction per request,
//! 404 for anything outside the tenant, constraint violations as 409s,
//! pagination, and the created resource returned with its `id`.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    pagination::{Page, Paging},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};

use crate::ApiTag;

/// Permissions of the branch endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/branches", "branch.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/branches", "branch.write"),
    platform::rbac::RouteRule::new("GET", "/api/v1/branches/:id", "branch.read"),
    platform::rbac::RouteRule::new("PATCH", "/api/v1/branches/:id", "branch.write"),
    platform::rbac::RouteRule::new("POST", "/api/v1/branches/:id/close", "branch.write"),
];

/// A branch.
#[derive(Debug, Object, sqlx::FromRow, serde::Serialize)]
pub struct Branch {
    pub id: i64,
    /// Short code, unique in the company (letters, digits, `_`, `-`; up to 20).
    pub code: String,
    /// Name, e.g. 总部.
    pub name: String,
    /// `active` or `closed`.
    pub status: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new branch.
#[derive(Debug, Object)]
struct NewBranch {
    code: String,
    name: String,
}

/// A rename.
#[derive(Debug, Object)]
struct RenameBranch {
    name: String,
}

#[derive(ApiResponse)]
enum CreatedBranch {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Branch>),
}

fn valid_code(code: &str) -> ApiResult<&str> {
    let ok = (1..=20).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(code)
    } else {
        Err(ApiError::validation(
            "code",
            "invalid_branch_code",
            "1 to 20 letters, digits, _ or -",
        ))
    }
}

fn valid_name(name: &str) -> ApiResult<&str> {
    let name = name.trim();
    if (1..=100).contains(&name.chars().count()) {
        Ok(name)
    } else {
        Err(ApiError::validation(
            "name",
            "invalid_branch_name",
            "1 to 100 characters",
        ))
    }
}

fn json(branch: &Branch) -> serde_json::Value {
    serde_json::to_value(branch).unwrap_or_default()
}

/// Locks a branch row for a change; 404 when it is not in this tenant.
async fn lock(tx: &mut tenancy::TenantTx, id: i64) -> ApiResult<Branch> {
    sqlx::query_as("select id, code, name, status, closed_at, created_at, updated_at from branches where id = $1 for update")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("branch"))
}

/// Branch endpoints.
pub struct BranchesApi;

#[OpenApi(tag = "ApiTag::Branches")]
impl BranchesApi {
    /// List branches, optionally filtered by status or a code/name search.
    #[oai(path = "/branches", method = "get", operation_id = "list_branches")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `active` or `closed`.
        status: Query<Option<String>>,
        /// Matches code or name (case-insensitive substring).
        q: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Branch>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if let Some(s) = status.0.as_deref() {
            if !matches!(s, "active" | "closed") {
                return Err(ApiError::validation(
                    "status",
                    "invalid_status",
                    "status is active or closed",
                ));
            }
        }
        let pattern = q.0.as_deref().map(|q| {
            format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from branches where ($1::text is null or status = $1) and ($2::text is null or code ilike $2 or name ilike $2)
                and ($3::bigint is null or id = $3)",
        )
            .bind(&status.0)
            .bind(&pattern)
            .bind(auth.0.branch_filter())
            .fetch_one(&mut *tx)
            .await?;
        let items: Vec<Branch> = sqlx::query_as(
            "select id, code, name, status, closed_at, created_at, updated_at from branches
              where ($1::text is null or status = $1) and ($2::text is null or code ilike $2 or name ilike $2)
                and ($5::bigint is null or id = $5)
              order by id limit $3 offset $4",
        )
            .bind(&status.0)
            .bind(&pattern)
            .bind(paging.limit())
            .bind(paging.offset())
            .bind(auth.0.branch_filter())
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Create a branch.
    #[oai(path = "/branches", method = "post", operation_id = "create_branch")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewBranch>,
    ) -> ApiResult<CreatedBranch> {
        let code = valid_code(&body.code)?;
        let name = valid_name(&body.name)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let branch: Branch = sqlx::query_as("insert into branches (code, name) values ($1, $2) returning id, code, name, status, closed_at, created_at, updated_at")
            .bind(code)
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .on_constraint("branches_code_key", || ApiError::conflict("branch_code_taken", format!("branch code {code} is taken")))?;
        let change = Change {
            action: "branch.create",
            entity_type: "branch",
            entity_id: Some(branch.id.to_string()),
            before: None,
            after: Some(json(&branch)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedBranch::Created(Json(branch)))
    }

    /// One branch.
    #[oai(path = "/branches/:id", method = "get", operation_id = "get_branch")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Branch>> {
        auth.0.ensure_branch(Some(id.0), "branch")?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let branch: Option<Branch> = sqlx::query_as("select id, code, name, status, closed_at, created_at, updated_at from branches where id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        branch
            .map(Json)
            .ok_or_else(|| ApiError::not_found("branch"))
    }

    /// Rename a branch.
    #[oai(
        path = "/branches/:id",
        method = "patch",
        operation_id = "rename_branch"
    )]
    async fn rename(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<RenameBranch>,
    ) -> ApiResult<Json<Branch>> {
        let name = valid_name(&body.name)?;
        auth.0.ensure_branch(Some(id.0), "branch")?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = lock(&mut tx, id.0).await?;
        let branch: Branch = sqlx::query_as(
            "update branches set name = $2 where id = $1
             returning id, code, name, status, closed_at, created_at, updated_at",
        )
        .bind(id.0)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: "branch.rename",
            entity_type: "branch",
            entity_id: Some(branch.id.to_string()),
            before: Some(json(&before)),
            after: Some(json(&branch)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(branch))
    }

    /// Close a branch (it stays on record; closing twice is refused).
    #[oai(
        path = "/branches/:id/close",
        method = "post",
        operation_id = "close_branch"
    )]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Branch>> {
        auth.0.ensure_branch(Some(id.0), "branch")?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = lock(&mut tx, id.0).await?;
        if before.status == "closed" {
            return Err(ApiError::conflict(
                "branch_closed",
                "the branch is already closed",
            ));
        }
        let branch: Branch = sqlx::query_as(
            "update branches set status = 'closed', closed_at = now() where id = $1 returning id, code, name, status, closed_at, created_at, updated_at",
        )
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        let change = Change {
            action: "branch.close",
            entity_type: "branch",
            entity_id: Some(branch.id.to_string()),
            before: Some(json(&before)),
            after: Some(json(&branch)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(branch))
    }
}
