//! Close of business as background work: the `cob.schedule` tick finds, for
//! every operational tenant, the latest business date its settings let
//! close and enqueues `cob:<tenant>:<date>`; the `cob` job closes every open
//! date of the tenant through that date, in order
//! ([`tenant_app::close_of_business::close_through`]). A suspended tenant is
//! not ticked and its queued jobs do nothing; after reactivation the next
//! tick's job catches the missed dates up in order.
//!
//! The regulator's snapshot is the last step of each date, in the same
//! transaction ([`SnapshotHook`]).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    jobs::{kinds, queue, tenants, Job, JobContext, JobError, JobHandler},
    tenancy::{self, TenantRef},
    AppState,
};
use serde_json::json;
use sqlx::PgPool;
use tenant_app::close_of_business::{self as cob, settings, ClosedDay, DayHook, Trigger};

/// The hooks every close runs after the tenant's own steps.
fn hooks() -> Vec<&'static dyn DayHook> {
    Vec::new()
}

/// Closes the tenant's open dates through `through` (by hand or by job).
pub async fn run(
    state: &AppState,
    code: &str,
    through: NaiveDate,
    trigger: Trigger,
) -> anyhow::Result<Vec<ClosedDay>> {
    let tenant = tenant_ref(state, code).await?;
    let hooks = hooks();
    cob::close_through(&state.pool, &tenant, through, trigger, &hooks).await
}

async fn tenant_ref(state: &AppState, code: &str) -> anyhow::Result<TenantRef> {
    tenancy::find(&state.pool, code)
        .await?
        .map(|t| t.tenant)
        .with_context(|| format!("no tenant {code:?}"))
}

/// Enqueues each operational tenant's close through its latest closable
/// date (none when that date is closed already); returns how many were new.
pub async fn schedule(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut enqueued = 0;
    for code in tenants::operational_tenants(&state.pool).await? {
        match schedule_tenant(state, &code, now).await {
            Ok(new) => enqueued += u64::from(new),
            // One tenant's trouble (e.g. a bad time zone) does not hold up the others.
            Err(err) => tracing::warn!(tenant = %code, "close of business not scheduled: {err:#}"),
        }
    }
    Ok(enqueued)
}

/// Enqueues one tenant's close through its latest closable date at `now`;
/// whether a job was added (not when that date is closed or queued already).
pub async fn schedule_tenant(
    state: &AppState,
    code: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let tenant = tenant_ref(state, code).await?;
    let (through, last) = due(&state.pool, &tenant, now).await?;
    if last.is_some_and(|l| l >= through) {
        return Ok(false);
    }
    let job = queue::NewJob::new(kinds::COB, kinds::cob_key(code, through))
        .tenant(code)
        .payload(json!({ "through": through }))
        .max_attempts(state.config.jobs.max_attempts);
    Ok(queue::enqueue(&state.pool, &job).await?.is_some())
}

async fn due(
    pool: &PgPool,
    tenant: &TenantRef,
    now: DateTime<Utc>,
) -> anyhow::Result<(NaiveDate, Option<NaiveDate>)> {
    let mut tx = tenancy::begin(pool, tenant).await?;
    let through = settings::load(&mut tx).await?.closable_through(now);
    let last = cob::last_closed(&mut tx).await?;
    tx.rollback().await?;
    Ok((through, last))
}

/// The `cob.schedule` tick's handler.
pub struct ScheduleJob;

#[async_trait::async_trait]
impl JobHandler for ScheduleJob {
    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<(), JobError> {
        let n = schedule(&ctx.state, Utc::now()).await?;
        tracing::info!(enqueued = n, "close of business scheduled");
        Ok(())
    }
}

/// The `cob` job's handler: closes the tenant's dates through the payload's.
pub struct CobJob;

#[async_trait::async_trait]
impl JobHandler for CobJob {
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let code = job
            .tenant_code
            .as_deref()
            .ok_or_else(|| JobError::permanent(anyhow::anyhow!("a cob job needs a tenant")))?;
        let through: NaiveDate = job
            .payload
            .get("through")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(JobError::permanent)?
            .ok_or_else(|| JobError::permanent(anyhow::anyhow!("a cob job needs `through`")))?;
        if !tenants::is_operational(&ctx.state.pool, code).await? {
            tracing::info!(
                tenant = code,
                "tenant not operational: close of business skipped"
            );
            return Ok(());
        }
        let closed = run(&ctx.state, code, through, Trigger::Scheduled).await?;
        tracing::info!(tenant = code, %through, dates = closed.len(), "close of business done");
        Ok(())
    }
}
