//! Creating a tenant: its row in `platform.tenants`, its role (adopted when
//! another database on the server already has it), its schema owned by that
//! role, the tenant migrations, and the seeded defaults with an admin user —
//! all in one transaction, so a tenant is either complete or absent.

use anyhow::Context;
use identifiers::TenantCode;
use poem::http::StatusCode;
use sqlx::{PgConnection, PgPool};

use crate::{
    auth::password,
    db::quote_ident,
    error::{ApiError, ApiResult, ConstraintExt},
    migrate,
    plan_limits::{self, Resource},
    tenancy::{self, TenantRef},
};

/// What to create.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub code: String,
    pub name: String,
    pub jurisdiction: Option<String>,
    /// `trial` or `active`.
    pub status: String,
    /// The admin's password; a random one-time password when `None`.
    pub admin_password: Option<String>,
}

/// What was created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedTenant {
    pub code: String,
    pub schema: String,
    pub admin_username: String,
    pub admin_password: String,
    #[serde(skip)]
    pub tenant: TenantRef,
}

/// Parses a tenant code into the API's validation error.
pub fn parse_code(code: &str) -> ApiResult<TenantCode> {
    TenantCode::parse(code).map_err(|e| ApiError::validation("code", e.code, e.message))
}

/// The subscription a new tenant starts with, and what the company told us
/// about itself when signing up.
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    /// Plan code; `standard` when `None`.
    pub plan: Option<String>,
    /// End of the trial (status `trial` only); the plan's trial length from
    /// now when `None`.
    pub trial_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub credit_code: Option<String>,
    pub licence_number: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_mobile: Option<String>,
}

/// The plan tenants get when none is named.
pub const DEFAULT_PLAN: &str = "standard";

/// Creates a tenant, complete, in one transaction (on the default plan).
pub async fn create_tenant(
    pool: &PgPool,
    role_prefix: &str,
    new: NewTenant,
) -> ApiResult<CreatedTenant> {
    create_tenant_with(pool, role_prefix, new, Subscription::default()).await
}

/// Creates a tenant with its subscription, complete, in one transaction.
pub async fn create_tenant_with(
    pool: &PgPool,
    role_prefix: &str,
    new: NewTenant,
    subscription: Subscription,
) -> ApiResult<CreatedTenant> {
    let mut tx = pool.begin().await?;
    let created = create_tenant_in(&mut tx, role_prefix, new, subscription).await?;
    tx.commit().await?;
    Ok(created)
}

/// Creates a tenant inside the caller's transaction (which must be on the
/// login role): row, role, schema, migrations, defaults and admin user.
pub async fn create_tenant_in(
    conn: &mut PgConnection,
    role_prefix: &str,
    new: NewTenant,
    subscription: Subscription,
) -> ApiResult<CreatedTenant> {
    let code = parse_code(&new.code)?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation(
            "name",
            "invalid_name",
            "the company name needs 1 to 200 characters",
        ));
    }
    if !matches!(new.status.as_str(), "trial" | "active") {
        return Err(ApiError::validation(
            "status",
            "invalid_status",
            "a new tenant starts as trial or active",
        ));
    }
    let tenant = TenantRef::new(&code, role_prefix);
    let plan = subscription.plan.as_deref().unwrap_or(DEFAULT_PLAN);
    let inserted = sqlx::query(
        "insert into platform.tenants
            (code, name, schema_name, role_name, jurisdiction, status, plan_code, trial_ends_at,
             credit_code, licence_number, contact_name, contact_email, contact_mobile, status_changed_at)
         select $1, $2, $3, $4, $5, $6, p.code,
                case when $6 = 'trial' then coalesce($8, now() + make_interval(days => p.trial_days)) end,
                $9, $10, $11, $12, $13, now()
           from platform.plans p where p.code = $7",
    )
    .bind(&tenant.code)
    .bind(name)
    .bind(&tenant.schema)
    .bind(&tenant.role)
    .bind(&new.jurisdiction)
    .bind(&new.status)
    .bind(plan)
    .bind(subscription.trial_ends_at)
    .bind(&subscription.credit_code)
    .bind(&subscription.licence_number)
    .bind(&subscription.contact_name)
    .bind(&subscription.contact_email)
    .bind(&subscription.contact_mobile)
    .execute(&mut *conn)
    .await
    .on_constraint("tenants_pkey", || {
        ApiError::conflict(
            "tenant_code_taken",
            format!("tenant code {} is taken", tenant.code),
        )
    })?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::validation(
            "plan",
            "unknown_plan",
            format!("there is no plan {plan}"),
        ));
    }
    create_schema(conn, &tenant, None).await?;
    let must_change = new.admin_password.is_none();
    let admin_password = new.admin_password.unwrap_or_else(password::one_time);
    let hash = password::hash(&admin_password)?;
    tenancy::enter(conn, &tenant).await?;
    seed_defaults(conn, &tenant, &hash, must_change).await?;
    tenancy::leave(conn).await?;
    Ok(CreatedTenant {
        code: tenant.code.clone(),
        schema: tenant.schema.clone(),
        admin_username: "admin".to_string(),
        admin_password,
        tenant,
    })
}

/// Gives a tenant whose `platform.tenants` row exists its role and schema,
/// and migrates the schema (up to `up_to`, or to the newest version).
pub async fn create_schema(
    conn: &mut PgConnection,
    tenant: &TenantRef,
    up_to: Option<i32>,
) -> ApiResult<()> {
    ensure_role(conn, &tenant.role).await?;
    let create_schema = format!(
        "create schema {} authorization {}",
        quote_ident(&tenant.schema),
        quote_ident(&tenant.role)
    );
    sqlx::Executor::execute(&mut *conn, create_schema.as_str())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("42P06") => {
                ApiError::conflict(
                    "tenant_schema_exists",
                    format!("schema {} already exists", tenant.schema),
                )
            }
            _ => ApiError::internal(e),
        })?;
    migrate::migrate_tenant_until(conn, tenant, up_to.unwrap_or(i32::MAX)).await?;
    Ok(())
}

/// Creates the tenant role, or adopts it when it already exists on the server
/// (roles are global; a role owns nothing in a database it has no objects in),
/// and makes the login role a member so it can `SET ROLE`.
async fn ensure_role(conn: &mut PgConnection, role: &str) -> ApiResult<()> {
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_roles where rolname = $1)")
            .bind(role)
            .fetch_one(&mut *conn)
            .await?;
    if !exists {
        let create = format!("create role {} nologin", quote_ident(role));
        sqlx::query("savepoint create_role")
            .execute(&mut *conn)
            .await?;
        match sqlx::Executor::execute(&mut *conn, create.as_str()).await {
            Ok(_) => {}
            // Created meanwhile by another database's provisioning: adopt it.
            Err(sqlx::Error::Database(db))
                if matches!(db.code().as_deref(), Some("42710") | Some("23505")) =>
            {
                sqlx::query("rollback to savepoint create_role")
                    .execute(&mut *conn)
                    .await?;
            }
            Err(e) => return Err(ApiError::internal(e)),
        }
    }
    let is_member: bool = sqlx::query_scalar("select pg_has_role(current_user, $1, 'member')")
        .bind(role)
        .fetch_one(&mut *conn)
        .await?;
    if !is_member {
        let grant = format!("grant {} to current_user", quote_ident(role));
        sqlx::Executor::execute(&mut *conn, grant.as_str())
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "tenant_role_unavailable",
                    format!("cannot use role {role}: {e}"),
                )
            })?;
    }
    Ok(())
}

/// The defaults every new tenant starts with: a head office and the admin
/// (who counts against the plan's staff users); the standard chart of
/// accounts is already there: [`sync_chart_of_accounts`] runs with the migrations.
async fn seed_defaults(
    conn: &mut PgConnection,
    tenant: &TenantRef,
    admin_hash: &str,
    must_change: bool,
) -> ApiResult<()> {
    let branch_id: i64 =
        sqlx::query_scalar("insert into branches (code, name) values ('HQ', '总部') returning id")
            .fetch_one(&mut *conn)
            .await?;
    plan_limits::check(conn, tenant, Resource::StaffUsers).await?;
    sqlx::query(
        "with admin as (
             insert into users (username, display_name, password_hash, must_change_password, branch_id)
             values ('admin', '管理员', $1, $2, $3) returning id)
         insert into user_roles (user_id, role_code) select id, 'admin' from admin",
    )
    .bind(admin_hash)
    .bind(must_change)
    .bind(branch_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the accounts of the standard chart (小额贷款公司会计科目) from `ledger-rules`, the
/// one list of it, that a tenant's chart lacks (tenants add their own sub-accounts). Run
/// after every tenant migration, so a new tenant starts with the chart and existing
/// tenants get accounts the standard chart gains; accounts already there are left as they are.
pub(crate) async fn sync_chart_of_accounts(conn: &mut PgConnection) -> anyhow::Result<()> {
    let chart = ledger_rules::chart_of_accounts();
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut columns: [Vec<Option<String>>; 6] = Default::default();
    for seed in &chart {
        columns[0].push(Some(seed.code.to_string()));
        columns[1].push(Some(seed.name_zh.clone()));
        columns[2].push(Some(seed.name_en.clone()));
        columns[3].push(Some(text(
            serde_json::to_value(seed.kind).unwrap_or_default(),
        )));
        columns[4].push(Some(text(
            serde_json::to_value(seed.normal_side).unwrap_or_default(),
        )));
        columns[5].push(seed.parent.as_ref().map(ToString::to_string));
    }
    let [code, name_zh, name_en, kind, side, parent] = columns;
    sqlx::query(
        "insert into ledger_accounts (code, name_zh, name_en, kind, normal_side, parent_code, standard)
         select c, z, e, k, s, p, true
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) as t(c, z, e, k, s, p)
         on conflict (code) do nothing",
    )
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .bind(kind)
    .bind(side)
    .bind(parent)
    .execute(&mut *conn)
    .await
    .context("failed to seed the chart of accounts")?;
    Ok(())
}

/// A tenant as listed for operators.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct TenantRow {
    pub code: String,
    pub name: String,
    pub schema_name: String,
    pub jurisdiction: Option<String>,
    pub status: String,
    pub schema_version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub plan_code: String,
    pub plan_name: String,
    pub trial_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub status_reason: Option<String>,
    pub status_changed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub purge_after: Option<chrono::DateTime<chrono::Utc>>,
    pub purged_at: Option<chrono::DateTime<chrono::Utc>>,
    pub export_path: Option<String>,
    pub last_activity_at: Option<chrono::DateTime<chrono::Utc>>,
    pub credit_code: Option<String>,
    pub licence_number: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_mobile: Option<String>,
    /// The regulator's licence this tenant is linked to.
    pub regulator_licence_id: Option<i64>,
    /// The day of the latest usage measurement.
    pub usage_day: Option<chrono::NaiveDate>,
    pub staff_users: Option<i64>,
    pub active_loans: Option<i64>,
    pub storage_bytes: Option<i64>,
}

impl TenantRow {
    /// Whether the tenant is working now.
    pub fn standing(&self) -> tenancy::Standing {
        tenancy::Standing::of(&self.status, self.trial_ends_at, chrono::Utc::now())
    }
}

const TENANT_ROWS: &str = "
    select t.code, t.name, t.schema_name, t.jurisdiction, t.status, t.created_at,
           coalesce((select max(version) from platform.schema_versions v where v.scope = t.schema_name), 0) as schema_version,
           t.plan_code, p.name as plan_name, t.trial_ends_at, t.status_reason, t.status_changed_at,
           t.closed_at, t.purge_after, t.purged_at, t.export_path, t.last_activity_at,
           t.credit_code, t.licence_number, t.contact_name, t.contact_email, t.contact_mobile,
           l.licence_id as regulator_licence_id,
           u.day as usage_day, u.staff_users, u.active_loans, u.storage_bytes
      from platform.tenants t
      join platform.plans p on p.code = t.plan_code
      left join supervision.licence_links l on l.tenant_code = t.code
      left join lateral (select day, staff_users, active_loans, storage_bytes from platform.tenant_usage u
                          where u.tenant_code = t.code order by day desc limit 1) u on true";

/// Every tenant with its plan, latest usage and schema version.
pub async fn list_tenants(pool: &PgPool) -> sqlx::Result<Vec<TenantRow>> {
    sqlx::query_as(&format!("{TENANT_ROWS} order by t.code"))
        .fetch_all(pool)
        .await
}

/// One tenant as operators see it.
pub async fn find_tenant(pool: &PgPool, code: &str) -> sqlx::Result<Option<TenantRow>> {
    sqlx::query_as(&format!("{TENANT_ROWS} where t.code = $1"))
        .bind(code)
        .fetch_optional(pool)
        .await
}
