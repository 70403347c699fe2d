//! Staff users (用户) for the company's admins: create with a one-time
//! password, change branch, department, post or status, set roles (never
//! one's own), reset a password, end a user's sessions.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::{password, Realm, StaffAuth},
    error::ConstraintExt,
    pagination::{Page, Paging},
    plan_limits::{self, Resource},
    rbac::{policy::PolicySet, RouteRule},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};

use crate::ApiTag;

/// Permissions of the user endpoints.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/users", "user.read"),
    RouteRule::new("POST", "/api/v1/users", "user.write"),
    RouteRule::new("GET", "/api/v1/users/:id", "user.read"),
    RouteRule::new("PATCH", "/api/v1/users/:id", "user.write"),
    RouteRule::new("PUT", "/api/v1/users/:id/roles", "user.grant"),
    RouteRule::new("POST", "/api/v1/users/:id/password-reset", "user.write"),
    RouteRule::new("GET", "/api/v1/users/:id/sessions", "session.read"),
    RouteRule::new("DELETE", "/api/v1/users/:id/sessions", "session.revoke"),
];

/// A staff user.
#[derive(Debug, Object, sqlx::FromRow, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub branch_id: Option<i64>,
    pub department_id: Option<i64>,
    pub post_id: Option<i64>,
    /// `active` or `disabled`.
    pub status: String,
    pub must_change_password: bool,
    /// Role codes.
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "select u.id, u.username, u.display_name, u.branch_id, u.department_id, u.post_id,
        u.status, u.must_change_password,
        coalesce((select array_agg(r.role_code order by r.role_code) from user_roles r where r.user_id = u.id), '{}') as roles,
        u.created_at, u.updated_at
   from users u";

/// A new user.
#[derive(Debug, Object)]
struct NewUser {
    /// 2 to 64 letters, digits, `_`, `.` or `-`.
    username: String,
    #[oai(default)]
    display_name: String,
    branch_id: Option<i64>,
    department_id: Option<i64>,
    post_id: Option<i64>,
    /// Role codes.
    #[oai(default)]
    roles: Vec<String>,
}

/// A created user and the one-time password to hand over.
#[derive(Debug, Object)]
struct CreatedUserBody {
    user: User,
    /// Must be changed at the first login.
    one_time_password: String,
}

#[derive(ApiResponse)]
enum CreatedUser {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CreatedUserBody>),
}

/// Changes to a user (absent fields stay).
#[derive(Debug, Object)]
struct UserPatch {
    display_name: Option<String>,
    branch_id: Option<i64>,
    department_id: Option<i64>,
    post_id: Option<i64>,
    /// `active` or `disabled` (disabling ends the user's sessions).
    status: Option<String>,
}

/// A user's roles.
#[derive(Debug, Object)]
struct RoleSet {
    roles: Vec<String>,
}

/// A one-time password.
#[derive(Debug, Object)]
struct OneTimePassword {
    one_time_password: String,
}

/// A session as its owner or an admin sees it.
#[derive(Debug, Object)]
pub struct SessionInfo {
    /// The session id (not the token).
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Whether it is the session of this request.
    pub current: bool,
}

/// Sessions ended.
#[derive(Debug, Object)]
struct Revoked {
    revoked: u32,
}

fn json(user: &User) -> serde_json::Value {
    serde_json::to_value(user).unwrap_or_default()
}

fn valid_username(name: &str) -> ApiResult<&str> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::validation(
            "username",
            "invalid_username",
            "2 to 64 letters, digits, _, . or -",
        ))
    }
}

pub(crate) async fn fetch(tx: &mut tenancy::TenantTx, id: i64) -> ApiResult<Option<User>> {
    Ok(sqlx::query_as(&format!("{SELECT} where u.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// A user the caller may see (their branch scope), or 404.
async fn visible(tx: &mut tenancy::TenantTx, auth: &StaffAuth, id: i64) -> ApiResult<User> {
    let user = fetch(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    auth.0.ensure_branch(user.branch_id, "user")?;
    Ok(user)
}

/// Checks role codes exist; 422 `unknown_role` otherwise.
async fn check_roles(tx: &mut tenancy::TenantTx, roles: &[String]) -> ApiResult<()> {
    let known: Vec<String> = sqlx::query_scalar("select code from roles where code = any($1)")
        .bind(roles)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(missing) = roles.iter().find(|r| !known.contains(r)) {
        return Err(ApiError::validation(
            "roles",
            "unknown_role",
            format!("no role {missing}"),
        ));
    }
    Ok(())
}

/// Checks a branch exists and is in the caller's scope.
async fn check_branch(
    tx: &mut tenancy::TenantTx,
    auth: &StaffAuth,
    branch_id: Option<i64>,
) -> ApiResult<()> {
    let Some(id) = branch_id else { return Ok(()) };
    let found: Option<i64> = sqlx::query_scalar("select id from branches where id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    if found.is_none() || !auth.0.can_see_branch(Some(id)) {
        return Err(ApiError::validation(
            "branch_id",
            "unknown_branch",
            "no such branch",
        ));
    }
    Ok(())
}

async fn set_roles(
    tx: &mut tenancy::TenantTx,
    id: i64,
    roles: &[String],
    by: i64,
) -> ApiResult<()> {
    sqlx::query("delete from user_roles where user_id = $1 and role_code <> all($2)")
        .bind(id)
        .bind(roles)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into user_roles (user_id, role_code, granted_by) select $1, unnest($2::text[]), $3
         on conflict do nothing",
    )
    .bind(id)
    .bind(roles)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn dedup(mut roles: Vec<String>) -> Vec<String> {
    roles.sort();
    roles.dedup();
    roles
}

/// User endpoints.
pub struct UsersApi;

#[OpenApi(tag = "ApiTag::Access")]
impl UsersApi {
    /// List users (of the caller's branch unless a role grants all branches).
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// Only users holding this role.
        role: Query<Option<String>>,
        /// `active` or `disabled`.
        status: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<User>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let filter = "where ($1::bigint is null or u.branch_id = $1)
             and ($2::text is null or exists (select 1 from user_roles r where r.user_id = u.id and r.role_code = $2))
             and ($3::text is null or u.status = $3)";
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(&format!("select count(*) from users u {filter}"))
            .bind(auth.0.branch_filter())
            .bind(&role.0)
            .bind(&status.0)
            .fetch_one(&mut *tx)
            .await?;
        let items: Vec<User> = sqlx::query_as(&format!(
            "{SELECT} {filter} order by u.id limit $4 offset $5"
        ))
        .bind(auth.0.branch_filter())
        .bind(&role.0)
        .bind(&status.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Create a user with a one-time password (changed at first login).
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewUser>,
    ) -> ApiResult<CreatedUser> {
        let tenant = auth.tenant()?.clone();
        let username = valid_username(&body.username)?;
        let roles = dedup(body.roles.clone());
        let one_time = password::one_time();
        let hash = password::hash(&one_time)?;
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        check_branch(&mut tx, &auth, body.branch_id).await?;
        check_roles(&mut tx, &roles).await?;
        plan_limits::check(&mut tx, &tenant, Resource::StaffUsers).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into users (username, display_name, password_hash, must_change_password, branch_id, department_id, post_id)
             values ($1, $2, $3, true, $4, $5, $6) returning id",
        )
        .bind(username)
        .bind(body.display_name.trim())
        .bind(&hash)
        .bind(body.branch_id)
        .bind(body.department_id)
        .bind(body.post_id)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("users_username_key", || {
            ApiError::conflict("username_taken", format!("username {username} is taken"))
        })
        .on_constraint("users_department_id_fkey", || {
            ApiError::validation("department_id", "unknown_department", "no such department")
        })
        .on_constraint("users_post_id_fkey", || {
            ApiError::validation("post_id", "unknown_post", "no such post")
        })?;
        set_roles(&mut tx, id, &roles, auth.0.session.user_id).await?;
        let user = fetch(&mut tx, id)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let change = Change {
            action: "user.create",
            entity_type: "user",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json(&user)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state.access.changed(&PolicySet::Tenant(tenant)).await?;
        Ok(CreatedUser::Created(Json(CreatedUserBody {
            user,
            one_time_password: one_time,
        })))
    }

    /// One user.
    #[oai(path = "/users/:id", method = "get", operation_id = "get_user")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<User>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let user = visible(&mut tx, &auth, id.0).await?;
        tx.commit().await?;
        Ok(Json(user))
    }

    /// Change a user's name, branch, department, post or status.
    #[oai(path = "/users/:id", method = "patch", operation_id = "update_user")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<UserPatch>,
    ) -> ApiResult<Json<User>> {
        let tenant = auth.tenant()?.clone();
        if let Some(s) = body.status.as_deref() {
            if !matches!(s, "active" | "disabled") {
                return Err(ApiError::validation(
                    "status",
                    "invalid_status",
                    "status is active or disabled",
                ));
            }
            if id.0 == auth.0.session.user_id && s == "disabled" {
                return Err(ApiError::forbidden(
                    "self_change_refused",
                    "you cannot disable yourself",
                ));
            }
        }
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        let before = visible(&mut tx, &auth, id.0).await?;
        sqlx::query("select 1 from users where id = $1 for update")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if body.branch_id.is_some() {
            check_branch(&mut tx, &auth, body.branch_id).await?;
        }
        sqlx::query(
            "update users set display_name = coalesce($2, display_name),
                    branch_id = coalesce($3, branch_id), department_id = coalesce($4, department_id),
                    post_id = coalesce($5, post_id), status = coalesce($6, status)
              where id = $1",
        )
        .bind(id.0)
        .bind(body.display_name.as_deref().map(str::trim))
        .bind(body.branch_id)
        .bind(body.department_id)
        .bind(body.post_id)
        .bind(&body.status)
        .execute(&mut *tx)
        .await
        .on_constraint("users_department_id_fkey", || {
            ApiError::validation("department_id", "unknown_department", "no such department")
        })
        .on_constraint("users_post_id_fkey", || {
            ApiError::validation("post_id", "unknown_post", "no such post")
        })?;
        let user = fetch(&mut tx, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let change = Change {
            action: "user.update",
            entity_type: "user",
            entity_id: Some(id.0.to_string()),
            before: Some(json(&before)),
            after: Some(json(&user)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        if before.status != user.status || before.branch_id != user.branch_id {
            // the scope and the roles in force changed: sessions start over
            state
                .sessions
                .revoke_all(Realm::Staff, Some(&tenant), id.0)
                .await?;
            state.access.changed(&PolicySet::Tenant(tenant)).await?;
        }
        Ok(Json(user))
    }

    /// Replace a user's roles. Nobody can change their own roles
    /// (403 `self_grant_refused`).
    #[oai(
        path = "/users/:id/roles",
        method = "put",
        operation_id = "set_user_roles"
    )]
    async fn set_roles(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<RoleSet>,
    ) -> ApiResult<Json<User>> {
        if id.0 == auth.0.session.user_id {
            return Err(ApiError::forbidden(
                "self_grant_refused",
                "you cannot change your own roles",
            ));
        }
        let tenant = auth.tenant()?.clone();
        let roles = dedup(body.roles.clone());
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        let before = visible(&mut tx, &auth, id.0).await?;
        check_roles(&mut tx, &roles).await?;
        set_roles(&mut tx, id.0, &roles, auth.0.session.user_id).await?;
        let user = fetch(&mut tx, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let change = Change {
            action: "user.roles",
            entity_type: "user",
            entity_id: Some(id.0.to_string()),
            before: Some(serde_json::json!({"roles": before.roles})),
            after: Some(serde_json::json!({"roles": user.roles})),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state.access.changed(&PolicySet::Tenant(tenant)).await?;
        Ok(Json(user))
    }

    /// Give a user a new one-time password (their sessions end).
    #[oai(
        path = "/users/:id/password-reset",
        method = "post",
        operation_id = "reset_user_password"
    )]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<OneTimePassword>> {
        let tenant = auth.tenant()?.clone();
        let one_time = password::one_time();
        let hash = password::hash(&one_time)?;
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        visible(&mut tx, &auth, id.0).await?;
        sqlx::query(
            "update users set password_hash = $2, must_change_password = true where id = $1",
        )
        .bind(id.0)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "user.password_reset",
            entity_type: "user",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: None,
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        state
            .sessions
            .revoke_all(Realm::Staff, Some(&tenant), id.0)
            .await?;
        Ok(Json(OneTimePassword {
            one_time_password: one_time,
        }))
    }

    /// A user's live sessions.
    #[oai(
        path = "/users/:id/sessions",
        method = "get",
        operation_id = "list_user_sessions"
    )]
    async fn sessions(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<SessionInfo>>> {
        let tenant = auth.tenant()?.clone();
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        visible(&mut tx, &auth, id.0).await?;
        tx.commit().await?;
        let list = state
            .sessions
            .list(Realm::Staff, Some(&tenant), id.0)
            .await?;
        Ok(Json(
            list.into_iter()
                .map(|s| SessionInfo {
                    current: s.id == auth.0.session.id,
                    id: s.id,
                    created_at: s.created_at,
                    expires_at: s.expires_at,
                })
                .collect(),
        ))
    }

    /// End all of a user's sessions.
    #[oai(
        path = "/users/:id/sessions",
        method = "delete",
        operation_id = "revoke_user_sessions"
    )]
    async fn revoke_sessions(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Revoked>> {
        let tenant = auth.tenant()?.clone();
        let mut tx = tenancy::begin(&state.pool, &tenant).await?;
        visible(&mut tx, &auth, id.0).await?;
        let n = state
            .sessions
            .revoke_all(Realm::Staff, Some(&tenant), id.0)
            .await?;
        let change = Change {
            action: "user.sessions_revoke",
            entity_type: "user",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: Some(serde_json::json!({"revoked": n})),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(Revoked {
            revoked: u32::try_from(n).unwrap_or(u32::MAX),
        }))
    }
}
