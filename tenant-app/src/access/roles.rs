//! Roles (角色) and their permission patterns, for the company's admins. A
//! role the caller holds cannot be changed by them (that would be granting
//! themselves); the built-in roles can be changed but not deleted.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    rbac::{self, policy::PolicySet, RouteRule},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};

use crate::ApiTag;

/// Permissions of the role endpoints.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/roles", "role.read"),
    RouteRule::new("POST", "/api/v1/roles", "role.write"),
    RouteRule::new("GET", "/api/v1/roles/:code", "role.read"),
    RouteRule::new("PUT", "/api/v1/roles/:code", "role.write"),
    RouteRule::new("DELETE", "/api/v1/roles/:code", "role.write"),
    RouteRule::new("GET", "/api/v1/permissions", "role.read"),
];

/// A role.
#[derive(Debug, Object, sqlx::FromRow, serde::Serialize)]
pub struct Role {
    pub code: String,
    pub name: String,
    pub description: String,
    /// Seeded with the tenant (cannot be deleted).
    pub builtin: bool,
    /// Permission patterns: codes, `*`, or one `*` inside (`customer.*`, `*.read`).
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "select r.code, r.name, r.description, r.builtin,
        coalesce((select array_agg(p.permission order by p.permission) from role_permissions p where p.role_code = r.code), '{}') as permissions,
        r.created_at, r.updated_at
   from roles r";

/// A new role.
#[derive(Debug, Object)]
struct NewRole {
    /// Lowercase letters, digits and `_`, starting with a letter (2–40).
    code: String,
    name: String,
    #[oai(default)]
    description: String,
    #[oai(default)]
    permissions: Vec<String>,
}

/// A role's new name, description and permissions.
#[derive(Debug, Object)]
struct RoleUpdate {
    name: String,
    #[oai(default)]
    description: String,
    permissions: Vec<String>,
}

#[derive(ApiResponse)]
enum CreatedRole {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Role>),
}

/// The permission codes of the API (what patterns can grant).
#[derive(Debug, Object)]
struct Permissions {
    codes: Vec<String>,
}

fn json(role: &Role) -> serde_json::Value {
    serde_json::to_value(role).unwrap_or_default()
}

fn valid_code(code: &str) -> ApiResult<&str> {
    let ok = (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(code)
    } else {
        Err(ApiError::validation(
            "code",
            "invalid_role_code",
            "2 to 40 lowercase letters, digits or _, starting with a letter",
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
            "invalid_role_name",
            "1 to 100 characters",
        ))
    }
}

fn valid_permissions(list: &[String]) -> ApiResult<Vec<String>> {
    if let Some(bad) = list.iter().find(|p| !rbac::valid_pattern(p)) {
        return Err(ApiError::validation(
            "permissions",
            "invalid_permission",
            format!("{bad} is not a permission code or pattern"),
        ));
    }
    let mut out = list.to_vec();
    out.sort();
    out.dedup();
    Ok(out)
}

async fn fetch(tx: &mut tenancy::TenantTx, code: &str) -> ApiResult<Role> {
    sqlx::query_as(&format!("{SELECT} where r.code = $1"))
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("role"))
}

fn refuse_own(auth: &StaffAuth, code: &str) -> ApiResult<()> {
    if auth.0.roles.iter().any(|r| r == code) {
        return Err(ApiError::forbidden(
            "self_grant_refused",
            "you cannot change a role you hold",
        ));
    }
    Ok(())
}

async fn set_permissions(
    tx: &mut tenancy::TenantTx,
    code: &str,
    permissions: &[String],
) -> ApiResult<()> {
    sqlx::query("delete from role_permissions where role_code = $1 and permission <> all($2)")
        .bind(code)
        .bind(permissions)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into role_permissions (role_code, permission) select $1, unnest($2::text[])
         on conflict do nothing",
    )
    .bind(code)
    .bind(permissions)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Role endpoints.
pub struct RolesApi;

#[OpenApi(tag = "ApiTag::Access")]
impl RolesApi {
    /// Every role of the company, with its permissions.
    #[oai(path = "/roles", method = "get", operation_id = "list_roles")]
    async fn list(&self, state: Data<&AppState>, auth: StaffAuth) -> ApiResult<Json<Vec<Role>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let roles: Vec<Role> = sqlx::query_as(&format!("{SELECT} order by r.builtin desc, r.code"))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Json(roles))
    }

    /// Create a role.
    #[oai(path = "/roles", method = "post", operation_id = "create_role")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewRole>,
    ) -> ApiResult<CreatedRole> {
        let tenant = auth.tenant()?.clone();
        let code = valid_code(&body.code)?;
        let name = valid_name(&body.name)?;
        let permissions = valid_permissions(&body.permissions)?;
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        sqlx::query("insert into roles (code, name, description) values ($1, $2, $3)")
            .bind(code)
            .bind(name)
            .bind(body.description.trim())
            .execute(&mut *tx)
            .await
            .on_constraint("roles_pkey", || {
                ApiError::conflict("role_code_taken", format!("role {code} exists"))
            })?;
        set_permissions(&mut tx, code, &permissions).await?;
        let role = fetch(&mut tx, code).await?;
        let change = Change {
            action: "role.create",
            entity_type: "role",
            entity_id: Some(code.to_string()),
            before: None,
            after: Some(json(&role)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state.access.changed(&PolicySet::Tenant(tenant)).await?;
        Ok(CreatedRole::Created(Json(role)))
    }

    /// One role.
    #[oai(path = "/roles/:code", method = "get", operation_id = "get_role")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        code: Path<String>,
    ) -> ApiResult<Json<Role>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let role = fetch(&mut tx, &code.0).await?;
        tx.commit().await?;
        Ok(Json(role))
    }

    /// Replace a role's name, description and permissions (not of a role the
    /// caller holds: 403 `self_grant_refused`).
    #[oai(path = "/roles/:code", method = "put", operation_id = "update_role")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        code: Path<String>,
        body: Json<RoleUpdate>,
    ) -> ApiResult<Json<Role>> {
        let tenant = auth.tenant()?.clone();
        let name = valid_name(&body.name)?;
        let permissions = valid_permissions(&body.permissions)?;
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        let before = fetch(&mut tx, &code.0).await?;
        refuse_own(&auth, &code.0)?;
        sqlx::query("update roles set name = $2, description = $3 where code = $1")
            .bind(&code.0)
            .bind(name)
            .bind(body.description.trim())
            .execute(&mut *tx)
            .await?;
        set_permissions(&mut tx, &code.0, &permissions).await?;
        let role = fetch(&mut tx, &code.0).await?;
        let change = Change {
            action: "role.update",
            entity_type: "role",
            entity_id: Some(code.0.clone()),
            before: Some(json(&before)),
            after: Some(json(&role)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state.access.changed(&PolicySet::Tenant(tenant)).await?;
        Ok(Json(role))
    }

    /// Delete a role that is not built in (its users lose it).
    #[oai(path = "/roles/:code", method = "delete", operation_id = "delete_role")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        code: Path<String>,
    ) -> ApiResult<Json<Role>> {
        let tenant = auth.tenant()?.clone();
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        let before = fetch(&mut tx, &code.0).await?;
        refuse_own(&auth, &code.0)?;
        if before.builtin {
            return Err(ApiError::conflict(
                "role_builtin",
                "a built-in role cannot be deleted",
            ));
        }
        sqlx::query("delete from roles where code = $1")
            .bind(&code.0)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "role.delete",
            entity_type: "role",
            entity_id: Some(code.0.clone()),
            before: Some(json(&before)),
            after: None,
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state.access.changed(&PolicySet::Tenant(tenant)).await?;
        Ok(Json(before))
    }

    /// The permission codes the API's operations need.
    #[oai(
        path = "/permissions",
        method = "get",
        operation_id = "list_permissions"
    )]
    async fn permissions(&self, _auth: StaffAuth) -> ApiResult<Json<Permissions>> {
        let mut codes: Vec<String> = rbac::catalogue::installed()
            .map(|c| {
                c.rules()
                    .filter(|r| r.path.starts_with("/api/") && r.permission != rbac::SELF_SERVICE)
                    .map(|r| r.permission.to_string())
                    .collect()
            })
            .unwrap_or_default();
        codes.push(rbac::ALL_BRANCHES.to_string());
        codes.sort();
        codes.dedup();
        Ok(Json(Permissions { codes }))
    }
}
