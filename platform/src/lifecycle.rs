//! A tenant's lifecycle as operators drive it: trial → active, suspend and
//! reactivate, plan changes, close (export first, schema dropped after the
//! retention period by [`sweep`]). Every action takes a reason and writes an
//! audit record in `platform.audit_events` in the same transaction.
//!
//! Every staff request checks the tenant's standing through [`ensure_operational`],
//! which reads a copy cached in Redis; each change deletes that copy, so all
//! instances see it at once. Jobs and reminders check
//! [`crate::tenancy::is_operational`] (straight from the database).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::{
    audit::{self, Actor, Change, Trail},
    error::{ApiError, ApiResult},
    provisioning::{self, TenantRow},
    state::AppState,
    tenancy::{self, Standing, TenantRef},
    tenant_export, usage,
};

fn standing_key(code: &str) -> String {
    format!("xd:tenant:standing:{code}")
}

fn activity_key(code: &str) -> String {
    format!("xd:tenant:activity:{code}")
}

/// The cached standing of a tenant (`None`: no such tenant).
pub async fn standing(state: &AppState, code: &str) -> ApiResult<Option<Standing>> {
    let mut redis = state.redis.clone();
    let key = standing_key(code);
    let cached: Option<String> = redis.get(&key).await?;
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Cached {
        status: String,
        trial_ends_at: Option<DateTime<Utc>>,
    }
    let found = match cached.and_then(|c| serde_json::from_str::<Option<Cached>>(&c).ok()) {
        Some(found) => found,
        None => {
            let found = tenancy::find(&state.pool, code).await?.map(|t| Cached {
                status: t.status,
                trial_ends_at: t.trial_ends_at,
            });
            // Only tenants that exist are cached (one created later is seen at once).
            if found.is_some() {
                let json = serde_json::to_string(&found).unwrap_or_default();
                let _: () = redis
                    .set_ex(&key, json, state.config.subscription.status_cache_seconds)
                    .await?;
            }
            found
        }
    };
    Ok(found.map(|c| Standing::of(&c.status, c.trial_ends_at, Utc::now())))
}

/// Forgets the cached standing after a change (all instances share Redis).
pub async fn invalidate(state: &AppState, code: &str) -> ApiResult<()> {
    let mut redis = state.redis.clone();
    let _: () = redis.del(standing_key(code)).await?;
    Ok(())
}

/// The error a staff request gets from a tenant that is not operational.
pub fn refusal(standing: Standing) -> Option<ApiError> {
    let message = match standing {
        Standing::Operational => return None,
        Standing::Suspended => {
            "this company's subscription is suspended; contact the platform operator"
        }
        Standing::TrialExpired => {
            "this company's trial has ended; contact the platform operator to subscribe"
        }
        Standing::Closed => "this company's subscription is closed",
    };
    standing
        .code()
        .map(|code| ApiError::forbidden(code, message))
}

/// Refuses with `tenant_suspended`, `trial_expired` or `tenant_closed`
/// unless the tenant is operational; cheap (one Redis read). Also notes the
/// tenant's last activity (at most one database write per five minutes).
pub async fn ensure_operational(state: &AppState, code: &str) -> ApiResult<()> {
    let Some(standing) = standing(state, code).await? else {
        return Err(ApiError::unauthorized(
            "unauthorized",
            "the token's company no longer exists",
        ));
    };
    if let Some(err) = refusal(standing) {
        return Err(err);
    }
    note_activity(state, code).await
}

/// Records that the tenant's staff are active (throttled through Redis).
pub async fn note_activity(state: &AppState, code: &str) -> ApiResult<()> {
    let mut redis = state.redis.clone();
    let first: bool = redis::cmd("SET")
        .arg(activity_key(code))
        .arg(1)
        .arg("EX")
        .arg(300)
        .arg("NX")
        .query_async::<Option<String>>(&mut redis)
        .await?
        .is_some();
    if first {
        sqlx::query("update platform.tenants set last_activity_at = now() where code = $1")
            .bind(code)
            .execute(&state.pool)
            .await?;
    }
    Ok(())
}

/// Checks an operator's reason: 2 to 500 characters (欠费 is a reason).
pub fn reason(text: &str) -> ApiResult<String> {
    let text = text.trim();
    if !(2..=500).contains(&text.chars().count()) {
        return Err(ApiError::validation(
            "reason",
            "reason_required",
            "give a reason of 2 to 500 characters; it goes to the audit trail",
        ));
    }
    Ok(text.to_string())
}

/// The lifecycle columns of a locked tenant row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
struct Locked {
    code: String,
    status: String,
    plan_code: String,
    trial_ends_at: Option<DateTime<Utc>>,
    suspended_from: Option<String>,
    status_reason: Option<String>,
    export_path: Option<String>,
}

async fn lock(conn: &mut PgConnection, code: &str) -> ApiResult<Locked> {
    sqlx::query_as(
        "select code, status, plan_code, trial_ends_at, suspended_from, status_reason, export_path
           from platform.tenants where code = $1 for update",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ApiError::not_found("tenant"))
}

fn refuse_closed(t: &Locked) -> ApiResult<()> {
    if t.status == "closed" {
        return Err(ApiError::conflict(
            "tenant_closed",
            format!("tenant {} is closed", t.code),
        ));
    }
    Ok(())
}

/// Applies one lifecycle change: lock, check, update, audit, commit, then
/// forget the cached standing. `change` returns the action name.
async fn apply<F>(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
    change: F,
) -> ApiResult<TenantRow>
where
    F: for<'c> FnOnce(
        &'c mut PgConnection,
        Locked,
    ) -> futures::future::BoxFuture<'c, ApiResult<&'static str>>,
{
    let mut tx = state.pool.begin().await?;
    let before = lock(&mut tx, code).await?;
    let before_json = serde_json::to_value(&before).unwrap_or_default();
    let action = change(&mut tx, before).await?;
    sqlx::query(
        "update platform.tenants set status_reason = $2, status_changed_at = now() where code = $1",
    )
    .bind(code)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    let after = lock(&mut tx, code).await?;
    audit::record(
        &mut tx,
        Trail::Platform,
        actor,
        Change {
            action,
            entity_type: "tenant",
            entity_id: Some(code.to_string()),
            before: Some(before_json),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    invalidate(state, code).await?;
    provisioning::find_tenant(&state.pool, code)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))
}

/// Suspends a trial or active tenant: its users are refused, its jobs and
/// reminders do not run; nothing is deleted.
pub async fn suspend(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
) -> ApiResult<TenantRow> {
    apply(state, code, actor, reason, |conn, t| {
        Box::pin(async move {
            refuse_closed(&t)?;
            if t.status == "suspended" {
                return Err(ApiError::conflict(
                    "tenant_already_suspended",
                    format!("tenant {} is already suspended", t.code),
                ));
            }
            sqlx::query(
                "update platform.tenants set status = 'suspended', suspended_from = status where code = $1",
            )
            .bind(&t.code)
            .execute(conn)
            .await?;
            Ok("tenant.suspend")
        })
    })
    .await
}

/// Returns a suspended tenant to the status it had (trial or active).
/// Close of business days missed meanwhile are the job runner's to catch up.
pub async fn reactivate(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
) -> ApiResult<TenantRow> {
    apply(state, code, actor, reason, |conn, t| {
        Box::pin(async move {
            refuse_closed(&t)?;
            if t.status != "suspended" {
                return Err(ApiError::conflict(
                    "tenant_not_suspended",
                    format!("tenant {} is not suspended", t.code),
                ));
            }
            sqlx::query(
                "update platform.tenants set status = suspended_from, suspended_from = null where code = $1",
            )
            .bind(&t.code)
            .execute(conn)
            .await?;
            Ok("tenant.reactivate")
        })
    })
    .await
}

/// Ends a tenant's trial: it becomes active, on `plan` when given. When the
/// platform requires it, its licence must be linked to the regulator's
/// registry first.
pub async fn activate(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
    plan: Option<String>,
) -> ApiResult<TenantRow> {
    let require_licence = state.config.subscription.require_registry_licence;
    apply(state, code, actor, reason, move |conn, t| {
        Box::pin(async move {
            refuse_closed(&t)?;
            if t.status != "trial" {
                return Err(ApiError::conflict(
                    "tenant_not_in_trial",
                    format!("tenant {} is {}, not in trial", t.code, t.status),
                ));
            }
            if require_licence {
                let linked: bool = sqlx::query_scalar(
                    "select exists (select 1 from supervision.licence_links where tenant_code = $1)",
                )
                .bind(&t.code)
                .fetch_one(&mut *conn)
                .await?;
                if !linked {
                    return Err(ApiError::conflict(
                        "licence_not_linked",
                        "the platform requires the company's licence to be linked to the regulator's registry before the trial ends",
                    ));
                }
            }
            let plan = plan.unwrap_or(t.plan_code.clone());
            set_plan(conn, &t.code, &plan).await?;
            sqlx::query(
                "update platform.tenants set status = 'active', trial_ends_at = null where code = $1",
            )
            .bind(&t.code)
            .execute(conn)
            .await?;
            Ok("tenant.activate")
        })
    })
    .await
}

/// Lengthens a trial by `days` from its end (or from now, when it has ended).
pub async fn extend_trial(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
    days: u32,
) -> ApiResult<TenantRow> {
    if !(1..=365).contains(&days) {
        return Err(ApiError::validation(
            "days",
            "invalid_days",
            "a trial is extended by 1 to 365 days",
        ));
    }
    apply(state, code, actor, reason, move |conn, t| {
        Box::pin(async move {
            refuse_closed(&t)?;
            let in_trial = t.status == "trial" || t.suspended_from.as_deref() == Some("trial");
            if !in_trial {
                return Err(ApiError::conflict(
                    "tenant_not_in_trial",
                    format!("tenant {} is not in trial", t.code),
                ));
            }
            sqlx::query(
                "update platform.tenants
                    set trial_ends_at = greatest(coalesce(trial_ends_at, now()), now()) + make_interval(days => $2)
                  where code = $1",
            )
            .bind(&t.code)
            .bind(i32::try_from(days).unwrap_or(365))
            .execute(conn)
            .await?;
            Ok("tenant.extend_trial")
        })
    })
    .await
}

/// Moves a tenant to another plan; refused when it already uses more staff
/// users than the plan allows.
pub async fn change_plan(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
    plan: String,
) -> ApiResult<TenantRow> {
    apply(state, code, actor, reason, move |conn, t| {
        Box::pin(async move {
            refuse_closed(&t)?;
            set_plan(conn, &t.code, &plan).await?;
            Ok("tenant.change_plan")
        })
    })
    .await
}

/// Sets the plan after checking it exists and the tenant fits in it.
async fn set_plan(conn: &mut PgConnection, code: &str, plan: &str) -> ApiResult<()> {
    let limits: Option<(String, String, String, Option<i32>)> = sqlx::query_as(
        "select t.schema_name, t.role_name, p.name, p.max_staff_users
           from platform.tenants t, platform.plans p where t.code = $1 and p.code = $2",
    )
    .bind(code)
    .bind(plan)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((schema, role, plan_name, max_users)) = limits else {
        return Err(ApiError::validation(
            "plan",
            "unknown_plan",
            format!("there is no plan {plan}"),
        ));
    };
    if let Some(max) = max_users {
        let tenant = TenantRef {
            code: code.to_string(),
            schema,
            role,
        };
        tenancy::enter(conn, &tenant).await?;
        let used = usage::count(conn, usage::Resource::StaffUsers).await?;
        tenancy::leave(conn).await?;
        if used > i64::from(max) {
            return Err(ApiError::conflict(
                "plan_too_small",
                format!("the {plan_name} plan allows {max} staff users; the company has {used}"),
            ));
        }
    }
    sqlx::query("update platform.tenants set plan_code = $2 where code = $1")
        .bind(code)
        .bind(plan)
        .execute(conn)
        .await?;
    Ok(())
}

/// Closes a tenant: it stops working at once; its data are exported (a
/// `pg_dump` of its schema and the JSON export) into the export directory,
/// waiting for requests already under way to finish, and its tables become
/// read-only, so nothing written later can be missing from the export;
/// the schema is dropped by
/// [`sweep`] after the retention period, never before an export exists. When
/// the export fails the tenant returns to its former status and the error is
/// reported; closing a closed tenant whose export is missing retries it.
pub async fn close(
    state: &AppState,
    code: &str,
    actor: &Actor,
    reason: &str,
) -> ApiResult<TenantRow> {
    let retention =
        i32::try_from(state.config.subscription.closed_retention_days).unwrap_or(i32::MAX);
    let mut tx = state.pool.begin().await?;
    let before = lock(&mut tx, code).await?;
    let retry = before.status == "closed";
    if retry && before.export_path.is_some() {
        return Err(ApiError::conflict(
            "tenant_closed",
            format!("tenant {code} is already closed and exported"),
        ));
    }
    sqlx::query(
        "update platform.tenants
            set status = 'closed', suspended_from = null, closed_at = coalesce(closed_at, now()),
                purge_after = now() + make_interval(days => $2), status_reason = $3, status_changed_at = now()
          where code = $1",
    )
    .bind(code)
    .bind(retention)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    invalidate(state, code).await?;

    let found = tenancy::find(&state.pool, code)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let dir = PathBuf::from(&state.config.subscription.export_dir)
        .join(format!("{code}-{}", Utc::now().format("%Y%m%dT%H%M%SZ")));
    let exported = tenant_export::export(
        &state.pool,
        &tenant_export::ExportSettings::from_config(&state.config),
        &found.tenant,
        &dir,
        true,
    )
    .await;
    let mut tx = state.pool.begin().await?;
    lock(&mut tx, code).await?;
    let before_json = serde_json::to_value(&before).unwrap_or_default();
    match exported {
        Err(err) => {
            if !retry {
                sqlx::query(
                    "update platform.tenants
                        set status = $2, suspended_from = $3, closed_at = null, purge_after = null,
                            status_reason = $4, status_changed_at = now()
                      where code = $1",
                )
                .bind(code)
                .bind(&before.status)
                .bind(&before.suspended_from)
                .bind(&before.status_reason)
                .execute(&mut *tx)
                .await?;
            }
            audit::record(
                &mut tx,
                Trail::Platform,
                actor,
                Change {
                    action: "tenant.close_failed",
                    entity_type: "tenant",
                    entity_id: Some(code.to_string()),
                    before: Some(before_json.clone()),
                    after: Some(json!({"reason": reason, "error": format!("{err:#}")})),
                },
            )
            .await?;
            tx.commit().await?;
            invalidate(state, code).await?;
            Err(ApiError::new(
                poem::http::StatusCode::INTERNAL_SERVER_ERROR,
                "export_failed",
                format!("the tenant could not be exported, so it was not closed: {err:#}"),
            ))
        }
        Ok(manifest) => {
            let path = dir.to_string_lossy().to_string();
            sqlx::query("update platform.tenants set export_path = $2 where code = $1")
                .bind(code)
                .bind(&path)
                .execute(&mut *tx)
                .await?;
            audit::record(
                &mut tx,
                Trail::Platform,
                actor,
                Change {
                    action: "tenant.close",
                    entity_type: "tenant",
                    entity_id: Some(code.to_string()),
                    before: Some(before_json),
                    after: Some(json!({
                        "status": "closed",
                        "status_reason": reason,
                        "export_path": path,
                        "retention_days": retention,
                        "tables": manifest.tables.len(),
                        "rows": manifest.tables.iter().map(|t| t.rows).sum::<i64>(),
                    })),
                },
            )
            .await?;
            tx.commit().await?;
            provisioning::find_tenant(&state.pool, code)
                .await?
                .ok_or_else(|| ApiError::not_found("tenant"))
        }
    }
}

/// Drops the schemas of closed tenants whose retention period is over (their
/// `platform.tenants` row stays, marked purged, so the code is never reused).
/// Returns the codes purged.
pub async fn purge_closed(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    let mut purged = Vec::new();
    loop {
        let mut tx = pool.begin().await?;
        let due: Option<(String, String, Option<String>)> = sqlx::query_as(
            "select code, schema_name, export_path from platform.tenants
              where status = 'closed' and purged_at is null and purge_after <= now()
                and export_path is not null
              order by purge_after limit 1 for update skip locked",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some((code, schema, export_path)) = due else {
            break;
        };
        let drop = format!(
            "drop schema if exists {} cascade",
            crate::db::quote_ident(&schema)
        );
        sqlx::Executor::execute(&mut *tx, drop.as_str())
            .await
            .with_context(|| format!("failed to drop schema {schema}"))?;
        sqlx::query("delete from platform.schema_versions where scope = $1")
            .bind(&schema)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update platform.tenants set purged_at = now() where code = $1")
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            Trail::Platform,
            &Actor::system("lifecycle.sweep"),
            Change {
                action: "tenant.purge",
                entity_type: "tenant",
                entity_id: Some(code.clone()),
                before: Some(json!({"schema": schema})),
                after: Some(json!({"schema": null, "export_path": export_path})),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(tenant = %code, "closed tenant's schema dropped after retention");
        purged.push(code);
    }
    Ok(purged)
}

/// What one sweep did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SweepReport {
    pub metered: usize,
    pub meter_failures: usize,
    pub purged: Vec<String>,
    pub expired_signups: u64,
}

/// The daily housekeeping: meters every tenant's usage, drops closed
/// tenants' schemas past retention, and marks stale sign-ups expired.
/// Idempotent, so running it on several instances or twice does no harm.
pub async fn sweep(pool: &PgPool) -> anyhow::Result<SweepReport> {
    let (metered, meter_failures) = usage::meter_all(pool).await?;
    let purged = purge_closed(pool).await?;
    let expired_signups = crate::signup::expire_stale(pool).await?;
    Ok(SweepReport {
        metered,
        meter_failures,
        purged,
        expired_signups,
    })
}

/// The periodic job running [`sweep`] (kind `tenants.sweep`, daily).
pub struct SweepJob;

#[async_trait::async_trait]
impl crate::jobs::JobHandler for SweepJob {
    async fn run(
        &self,
        ctx: &crate::jobs::JobContext,
        _job: &crate::jobs::Job,
    ) -> Result<(), crate::jobs::JobError> {
        let report = sweep(&ctx.state.pool).await?;
        tracing::info!(?report, "lifecycle sweep done");
        if report.meter_failures > 0 {
            // Metering is idempotent per day: the retry measures again.
            return Err(crate::jobs::JobError::transient(anyhow::anyhow!(
                "{} tenants could not be metered",
                report.meter_failures
            )));
        }
        Ok(())
    }
}
