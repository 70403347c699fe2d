//! Tenancy: each lending company lives in schema `t_<code>`, owned by the
//! NOLOGIN role of the same name (with the deployment's prefix). The only way
//! to touch tenant data is [`begin`], a transaction whose first statement sets
//! the search path and the role *locally*, so PostgreSQL itself refuses any
//! other tenant's tables and nothing leaks to the pooled connection's next use.

use chrono::{DateTime, Utc};
use identifiers::TenantCode;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Which tenant a transaction runs as.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantRef {
    /// The tenant code, e.g. `demo`.
    pub code: String,
    /// The schema, `t_<code>`.
    pub schema: String,
    /// The role owning the schema, `<prefix>t_<code>`.
    pub role: String,
}

impl TenantRef {
    /// The names for a validated tenant code under a role prefix.
    pub fn new(code: &TenantCode, role_prefix: &str) -> Self {
        let schema = format!("t_{}", code.as_str());
        Self {
            code: code.as_str().to_string(),
            role: format!("{role_prefix}{schema}"),
            schema,
        }
    }
}

/// A transaction running as a tenant.
pub type TenantTx = Transaction<'static, Postgres>;

/// Starts a tenant transaction: `search_path` and role are set for this
/// transaction only.
pub async fn begin(pool: &PgPool, tenant: &TenantRef) -> sqlx::Result<TenantTx> {
    let mut tx = pool.begin().await?;
    enter(&mut tx, tenant).await?;
    Ok(tx)
}

/// Switches an open transaction to the tenant (search path and role, local).
pub async fn enter(conn: &mut PgConnection, tenant: &TenantRef) -> sqlx::Result<()> {
    sqlx::query("select set_config('search_path', $1, true), set_config('role', $2, true)")
        .bind(&tenant.schema)
        .bind(&tenant.role)
        .execute(conn)
        .await?;
    Ok(())
}

/// Returns an open transaction to the login role (for the platform's own
/// bookkeeping after tenant work, in the same transaction).
pub async fn leave(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "select set_config('role', 'none', true), set_config('search_path', 'pg_catalog', true)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A tenant's lifecycle state as stored in `platform.tenants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantStatus {
    pub tenant: TenantRef,
    pub status: String,
    /// When a trial ends (status `trial`).
    pub trial_ends_at: Option<DateTime<Utc>>,
}

impl TenantStatus {
    /// Whether the tenant is working now (see [`Standing`]).
    pub fn standing(&self) -> Standing {
        Standing::of(&self.status, self.trial_ends_at, Utc::now())
    }
}

/// Whether a tenant may work: its users log in and call the API, its jobs
/// (close of business) and reminders run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Active, or in a trial that has not ended.
    Operational,
    /// Suspended by an operator.
    Suspended,
    /// A trial past its end: behaves as suspended.
    TrialExpired,
    /// Closed (data exported; the schema is dropped after the retention period).
    Closed,
}

impl Standing {
    /// The standing of a status and trial end at `now`.
    pub fn of(status: &str, trial_ends_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match status {
            "active" => Standing::Operational,
            "trial" if trial_ends_at.is_some_and(|end| end <= now) => Standing::TrialExpired,
            "trial" => Standing::Operational,
            "suspended" => Standing::Suspended,
            _ => Standing::Closed,
        }
    }

    /// The stable code of a standing that is not operational
    /// (`tenant_suspended`, `trial_expired`, `tenant_closed`).
    pub fn code(self) -> Option<&'static str> {
        match self {
            Standing::Operational => None,
            Standing::Suspended => Some("tenant_suspended"),
            Standing::TrialExpired => Some("trial_expired"),
            Standing::Closed => Some("tenant_closed"),
        }
    }
}

/// Looks a tenant up by code (unknown codes, including malformed ones, give `None`).
pub async fn find(pool: &PgPool, code: &str) -> sqlx::Result<Option<TenantStatus>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        schema_name: String,
        role_name: String,
        status: String,
        trial_ends_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = sqlx::query_as(
        "select code, schema_name, role_name, status, trial_ends_at from platform.tenants where code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TenantStatus {
        tenant: TenantRef {
            code: r.code,
            schema: r.schema_name,
            role: r.role_name,
        },
        status: r.status,
        trial_ends_at: r.trial_ends_at,
    }))
}

/// The SQL form of [`Standing::Operational`] over `platform.tenants`.
pub const OPERATIONAL_SQL: &str =
    "(status = 'active' or (status = 'trial' and (trial_ends_at is null or trial_ends_at > now())))";

/// Every operational tenant's code, in order (for the job scheduler).
pub async fn operational_tenants(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&format!(
        "select code from platform.tenants where {OPERATIONAL_SQL} order by code"
    ))
    .fetch_all(pool)
    .await
}

/// Whether a tenant's jobs and reminders may run now: false when it is
/// suspended, its trial has ended, it is closed, or it does not exist. The
/// one check for the job runner (close of business, reminders), straight
/// from the database.
pub async fn is_operational(pool: &PgPool, code: &str) -> sqlx::Result<bool> {
    Ok(find(pool, code)
        .await?
        .is_some_and(|t| t.standing() == Standing::Operational))
}
