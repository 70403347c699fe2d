//! Which tenants background work may run for. Close of business, reminders
//! and snapshots run only for operational tenants: active, or in a trial
//! that has not ended — never for suspended or closed ones. The rule is
//! [`crate::tenancy`]'s; these are the job runner's names for it.

use sqlx::PgPool;

use crate::tenancy;

/// Whether a tenant's jobs may run now.
pub async fn is_operational(pool: &PgPool, code: &str) -> sqlx::Result<bool> {
    tenancy::is_operational(pool, code).await
}

/// Every operational tenant's code, in order.
pub async fn operational_tenants(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    tenancy::operational_tenants(pool).await
}
