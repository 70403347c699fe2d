//! Migrations: `migrations/platform` and `migrations/supervision` once per
//! database, `migrations/tenant` in every tenant schema, run as the tenant's
//! role so the tenant owns its objects. Applied versions are recorded in
//! `platform.schema_versions` (scope `platform`, `supervision` or the tenant
//! schema) in the same transaction as the migration, so a crash resumes cleanly.

use anyhow::Context;
use futures::{stream, StreamExt};
use include_dir::{include_dir, Dir};
use sqlx::{PgConnection, PgPool};

use crate::tenancy::{self, TenantRef};

static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../migrations");

/// One migration file, `NNNN_name.sql`.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i32,
    pub name: String,
    pub sql: &'static str,
}

/// The migrations of one set, in version order.
pub fn set(kind: &str) -> Vec<Migration> {
    let mut list: Vec<Migration> = MIGRATIONS
        .get_dir(kind)
        .map(|dir| {
            dir.files()
                .filter_map(|f| {
                    let file = f.path().file_name()?.to_str()?;
                    let stem = file.strip_suffix(".sql")?;
                    let (num, name) = stem.split_once('_')?;
                    Some(Migration {
                        version: num.parse().ok()?,
                        name: name.to_string(),
                        sql: f.contents_utf8()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by_key(|m| m.version);
    list
}

/// The newest tenant migration version (every tenant should be on it).
pub fn latest_tenant_version() -> i32 {
    set("tenant").last().map(|m| m.version).unwrap_or(0)
}

const BOOTSTRAP: &str = "
create schema if not exists platform;
create table if not exists platform.schema_versions (
    scope text not null,
    version integer not null,
    name text not null,
    applied_at timestamptz not null default now(),
    primary key (scope, version)
);";

async fn lock(conn: &mut PgConnection, scope: &str) -> sqlx::Result<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtext('xiaodai.migrate:' || $1))")
        .bind(scope)
        .execute(conn)
        .await?;
    Ok(())
}

/// The versions already applied in a scope. Pending migrations are those not
/// in this set (not merely those above the highest), so a migration numbered
/// below one already applied — branches merged out of order — still runs.
async fn applied(conn: &mut PgConnection, scope: &str) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar("select version from platform.schema_versions where scope = $1")
        .bind(scope)
        .fetch_all(conn)
        .await
}

async fn record(conn: &mut PgConnection, scope: &str, m: &Migration) -> sqlx::Result<()> {
    sqlx::query("insert into platform.schema_versions (scope, version, name) values ($1, $2, $3)")
        .bind(scope)
        .bind(m.version)
        .bind(&m.name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Applies the platform and supervision sets (safe to run concurrently) for
/// a deployment without a role prefix.
pub async fn migrate_database(pool: &PgPool) -> anyhow::Result<()> {
    migrate_database_with_prefix(pool, "").await
}

/// Applies the platform and supervision sets; `role_prefix` names the
/// deployment's global roles (the supervision reader and writer).
pub async fn migrate_database_with_prefix(pool: &PgPool, role_prefix: &str) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, "bootstrap").await?;
    sqlx::Executor::execute(&mut *tx, BOOTSTRAP)
        .await
        .context("failed to bootstrap platform schema")?;
    tx.commit().await?;
    for scope in ["platform", "supervision"] {
        let mut tx = pool.begin().await?;
        lock(&mut tx, scope).await?;
        sqlx::query("select set_config('xiaodai.role_prefix', $1, true)")
            .bind(role_prefix)
            .execute(&mut *tx)
            .await?;
        let done = applied(&mut tx, scope).await?;
        for m in set(scope)
            .into_iter()
            .filter(|m| !done.contains(&m.version))
        {
            sqlx::Executor::execute(&mut *tx, m.sql)
                .await
                .with_context(|| {
                    format!(
                        "failed to apply {scope} migration {:04}_{}",
                        m.version, m.name
                    )
                })?;
            record(&mut tx, scope, &m).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The tenant migration that creates the ledger's chart of accounts.
const LEDGER_VERSION: i32 = 4;

/// Applies the tenant set to one tenant inside an open transaction (as the
/// tenant's role, then back), then adds what the tenant's chart of accounts lacks
/// of the standard chart; returns the version reached.
pub async fn migrate_tenant_in(conn: &mut PgConnection, tenant: &TenantRef) -> anyhow::Result<i32> {
    migrate_tenant_until(conn, tenant, i32::MAX).await
}

/// Applies the tenant migrations up to version `last` (a restore loads data
/// at the version it was exported from, then migrates the rest).
pub async fn migrate_tenant_until(
    conn: &mut PgConnection,
    tenant: &TenantRef,
    last: i32,
) -> anyhow::Result<i32> {
    lock(conn, &tenant.schema).await?;
    let done = applied(conn, &tenant.schema).await?;
    let mut version = done.iter().copied().max().unwrap_or(0);
    let pending: Vec<Migration> = set("tenant")
        .into_iter()
        .filter(|m| !done.contains(&m.version) && m.version <= last)
        .collect();
    for m in pending {
        tenancy::enter(conn, tenant).await?;
        sqlx::Executor::execute(&mut *conn, m.sql)
            .await
            .with_context(|| {
                format!(
                    "failed to apply tenant migration {:04}_{} to {}",
                    m.version, m.name, tenant.schema
                )
            })?;
        tenancy::leave(conn).await?;
        record(conn, &tenant.schema, &m).await?;
        version = version.max(m.version);
    }
    if version >= LEDGER_VERSION {
        tenancy::enter(conn, tenant).await?;
        crate::provisioning::sync_chart_of_accounts(conn).await?;
        tenancy::leave(conn).await?;
    }
    Ok(version)
}

/// Result of upgrading one tenant.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantVersion {
    pub code: String,
    pub version: i32,
    pub error: Option<String>,
}

/// Upgrades every tenant, `parallelism` at a time; each tenant in its own
/// transaction, so a failure stops only that tenant and a rerun resumes.
pub async fn migrate_all_tenants(
    pool: &PgPool,
    role_prefix: &str,
    parallelism: usize,
) -> anyhow::Result<Vec<TenantVersion>> {
    let codes: Vec<String> = sqlx::query_scalar(
        "select code from platform.tenants where status <> 'closed' order by code",
    )
    .fetch_all(pool)
    .await?;
    let results = stream::iter(codes)
        .map(|code| async move {
            let outcome = async {
                let tenant = TenantRef::new(&identifiers::TenantCode::parse(&code)?, role_prefix);
                let mut tx = pool.begin().await?;
                let version = migrate_tenant_in(&mut tx, &tenant).await?;
                tx.commit().await?;
                anyhow::Ok(version)
            }
            .await;
            match outcome {
                Ok(version) => TenantVersion {
                    code,
                    version,
                    error: None,
                },
                Err(err) => TenantVersion {
                    code,
                    version: -1,
                    error: Some(format!("{err:#}")),
                },
            }
        })
        .buffer_unordered(parallelism.max(1))
        .collect::<Vec<_>>()
        .await;
    let mut results = results;
    results.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(results)
}
