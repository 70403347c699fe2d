//! The plan's limits, enforced on the request that would exceed them: every
//! place that creates a staff user (and later a loan or an attachment)
//! calls [`check`] in its transaction, before the insert. A limit reached is
//! a clear 403 `plan_limit_reached`, never a silent loss.

use sqlx::PgConnection;

pub use crate::usage::Resource;
use crate::{
    error::{ApiError, ApiResult},
    tenancy::{self, TenantRef},
    usage,
};

/// Refuses creating one more `resource` when the tenant's plan is full.
/// `conn` is a tenant transaction ([`tenancy::begin`]); it is the tenant's
/// again when this returns. Creations of the same resource in the same tenant
/// queue behind each other until commit, so two at once cannot both pass.
pub async fn check(
    conn: &mut PgConnection,
    tenant: &TenantRef,
    resource: Resource,
) -> ApiResult<()> {
    check_more(conn, tenant, resource, 1).await
}

/// Like [`check`], for `additional` units at once (e.g. the bytes of an upload).
pub async fn check_more(
    conn: &mut PgConnection,
    tenant: &TenantRef,
    resource: Resource,
    additional: i64,
) -> ApiResult<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtext('xiaodai.plan_limit:' || $1 || ':' || $2))")
        .bind(&tenant.schema)
        .bind(resource.name())
        .execute(&mut *conn)
        .await?;
    tenancy::leave(conn).await?;
    let limit: Option<(String, Option<i64>)> = sqlx::query_as(
        "select p.name,
                case $2 when 'staff users' then p.max_staff_users::bigint
                        when 'active loans' then p.max_active_loans::bigint
                        else p.max_storage_bytes end
           from platform.tenants t join platform.plans p on p.code = t.plan_code
          where t.code = $1",
    )
    .bind(&tenant.code)
    .bind(resource.name())
    .fetch_optional(&mut *conn)
    .await?;
    tenancy::enter(conn, tenant).await?;
    let Some((plan, Some(max))) = limit else {
        return Ok(());
    };
    let used = usage::count(conn, resource).await?;
    if used.saturating_add(additional) > max {
        return Err(ApiError::forbidden(
            "plan_limit_reached",
            format!(
                "the {plan} plan allows at most {max} {} ({used} in use); upgrade the plan or free some first",
                resource.name()
            ),
        ));
    }
    Ok(())
}
