//! What a tenant uses, against its plan: staff users, active loans and
//! storage. Counted live inside a tenant transaction (for the plan limits)
//! and metered once a day into `platform.tenant_usage` (for operators).
//! Tables that a later feature adds (loans) are counted once they exist.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::tenancy::{self, TenantRef};

/// A resource a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Staff user accounts that are not disabled.
    StaffUsers,
    /// Loans from payout until they are closed, settled or written off.
    ActiveLoans,
    /// Bytes of the tenant's schema (tables, indexes, TOAST — attachments included).
    StorageBytes,
}

impl Resource {
    /// The name used in messages and the API.
    pub fn name(self) -> &'static str {
        match self {
            Resource::StaffUsers => "staff users",
            Resource::ActiveLoans => "active loans",
            Resource::StorageBytes => "bytes of storage",
        }
    }
}

/// Loan statuses that do not count as active (before payout, or finished).
pub const INACTIVE_LOAN_STATUSES: &[&str] = &[
    "draft",
    "pending",
    "applied",
    "approved",
    "rejected",
    "cancelled",
    "withdrawn",
    "closed",
    "settled",
    "paid_off",
    "written_off",
];

/// One tenant's usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    pub staff_users: i64,
    pub active_loans: i64,
    pub storage_bytes: i64,
}

/// Counts one resource inside a tenant transaction (search path and role
/// set by [`tenancy::begin`] / [`tenancy::enter`]).
pub async fn count(conn: &mut PgConnection, resource: Resource) -> sqlx::Result<i64> {
    match resource {
        Resource::StaffUsers => {
            sqlx::query_scalar("select count(*) from users where status <> 'disabled'")
                .fetch_one(conn)
                .await
        }
        Resource::ActiveLoans => {
            let (has_loans, has_status): (bool, bool) = sqlx::query_as(
                "select to_regclass('loans') is not null,
                        exists (select 1 from pg_attribute
                                 where attrelid = to_regclass('loans') and attname = 'status'
                                   and not attisdropped)",
            )
            .fetch_one(&mut *conn)
            .await?;
            match (has_loans, has_status) {
                (false, _) => Ok(0),
                (true, true) => {
                    sqlx::query_scalar("select count(*) from loans where status::text <> all($1)")
                        .bind(INACTIVE_LOAN_STATUSES)
                        .fetch_one(conn)
                        .await
                }
                (true, false) => {
                    sqlx::query_scalar("select count(*) from loans")
                        .fetch_one(conn)
                        .await
                }
            }
        }
        Resource::StorageBytes => {
            sqlx::query_scalar(
                "select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
                   from pg_class c
                  where c.relnamespace = current_schema()::regnamespace
                    and c.relkind in ('r', 'm')",
            )
            .fetch_one(conn)
            .await
        }
    }
}

/// Measures all three resources inside a tenant transaction.
pub async fn measure_in(conn: &mut PgConnection) -> sqlx::Result<Usage> {
    Ok(Usage {
        staff_users: count(conn, Resource::StaffUsers).await?,
        active_loans: count(conn, Resource::ActiveLoans).await?,
        storage_bytes: count(conn, Resource::StorageBytes).await?,
    })
}

/// Measures a tenant now (read-only).
pub async fn measure(pool: &PgPool, tenant: &TenantRef) -> sqlx::Result<Usage> {
    let mut tx = tenancy::begin(pool, tenant).await?;
    let usage = measure_in(&mut tx).await?;
    tx.commit().await?;
    Ok(usage)
}

/// Measures a tenant and stores it as today's usage (China time); running
/// it again the same day replaces the day's figures.
pub async fn meter(pool: &PgPool, tenant: &TenantRef) -> anyhow::Result<(NaiveDate, Usage)> {
    use anyhow::Context;
    let usage = measure(pool, tenant)
        .await
        .with_context(|| format!("failed to measure tenant {}", tenant.code))?;
    let day: NaiveDate = sqlx::query_scalar(
        "insert into platform.tenant_usage (tenant_code, day, staff_users, active_loans, storage_bytes)
         values ($1, (now() at time zone 'Asia/Shanghai')::date, $2, $3, $4)
         on conflict (tenant_code, day) do update
            set staff_users = excluded.staff_users, active_loans = excluded.active_loans,
                storage_bytes = excluded.storage_bytes, measured_at = now()
         returning day",
    )
    .bind(&tenant.code)
    .bind(usage.staff_users)
    .bind(usage.active_loans)
    .bind(usage.storage_bytes)
    .fetch_one(pool)
    .await
    .with_context(|| format!("failed to store the usage of tenant {}", tenant.code))?;
    Ok((day, usage))
}

/// Meters every tenant whose schema exists (all but purged ones); a tenant
/// that fails is reported and the others go on. Returns (metered, failed).
pub async fn meter_all(pool: &PgPool) -> anyhow::Result<(usize, usize)> {
    let tenants: Vec<(String, String, String)> = sqlx::query_as(
        "select code, schema_name, role_name from platform.tenants where purged_at is null order by code",
    )
    .fetch_all(pool)
    .await?;
    let (mut ok, mut failed) = (0, 0);
    for (code, schema, role) in tenants {
        let tenant = TenantRef { code, schema, role };
        match meter(pool, &tenant).await {
            Ok(_) => ok += 1,
            Err(err) => {
                failed += 1;
                tracing::error!(tenant = %tenant.code, "usage meter failed: {err:#}");
            }
        }
    }
    Ok((ok, failed))
}
