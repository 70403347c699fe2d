//! Periodic jobs. tokio-cron-scheduler only *ticks*, on every instance;
//! each tick enqueues rows under keys that name the kind, the tenant and the
//! tick's time bucket, so every instance enqueues the same keys and
//! `on conflict do nothing` keeps one job per bucket. Per-tenant kinds are
//! enqueued only for operational tenants (suspended and closed are skipped).

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sqlx::PgPool;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use super::{handler::Registry, queue, tenants};
use crate::state::AppState;

/// Whom a periodic job is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One job per bucket for the whole platform: key `<kind>:<bucket>`.
    Global,
    /// One job per operational tenant and bucket: key `<kind>:<tenant>:<bucket>`.
    PerOperationalTenant,
}

/// A job enqueued on a schedule.
#[derive(Debug, Clone)]
pub struct Periodic {
    pub kind: String,
    /// Cron expression with seconds (six fields), UTC.
    pub cron: String,
    pub scope: Scope,
    /// The width of the time bucket in the key; at least the cron's period,
    /// so two instances ticking a little apart make the same key.
    pub bucket: Duration,
    pub payload: Value,
    pub max_attempts: i32,
}

impl Periodic {
    /// A periodic job with an empty payload.
    pub fn new(kind: &str, cron: &str, scope: Scope, bucket: Duration, max_attempts: i32) -> Self {
        Self {
            kind: kind.to_string(),
            cron: cron.to_string(),
            scope,
            bucket,
            payload: Value::Object(Default::default()),
            max_attempts,
        }
    }
}

/// The start of the bucket holding `at`, as it appears in keys.
pub fn bucket_label(at: DateTime<Utc>, bucket: Duration) -> String {
    let width = i64::try_from(bucket.as_secs().max(1)).unwrap_or(i64::MAX);
    let start = at.timestamp().div_euclid(width) * width;
    Utc.timestamp_opt(start, 0)
        .single()
        .unwrap_or(at)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The key of a periodic job for a tenant (or the platform) at a moment.
pub fn periodic_key(
    kind: &str,
    tenant: Option<&str>,
    at: DateTime<Utc>,
    bucket: Duration,
) -> String {
    match tenant {
        Some(t) => format!("{kind}:{t}:{}", bucket_label(at, bucket)),
        None => format!("{kind}:{}", bucket_label(at, bucket)),
    }
}

/// Enqueues a periodic job's rows for the tick at `at`; returns how many
/// were new (the others were enqueued by another instance already).
pub async fn tick(pool: &PgPool, periodic: &Periodic, at: DateTime<Utc>) -> sqlx::Result<u64> {
    match periodic.scope {
        Scope::Global => {
            let job = queue::NewJob::new(
                &periodic.kind,
                periodic_key(&periodic.kind, None, at, periodic.bucket),
            )
            .payload(periodic.payload.clone())
            .max_attempts(periodic.max_attempts);
            Ok(u64::from(queue::enqueue(pool, &job).await?.is_some()))
        }
        Scope::PerOperationalTenant => {
            let codes = tenants::operational_tenants(pool).await?;
            let keys: Vec<String> = codes
                .iter()
                .map(|c| periodic_key(&periodic.kind, Some(c), at, periodic.bucket))
                .collect();
            let done = sqlx::query(
                "insert into platform.jobs (key, kind, tenant_code, payload, max_attempts)
                 select k, $3, c, $4, $5 from unnest($1::text[], $2::text[]) as t(k, c)
                 on conflict (key) do nothing",
            )
            .bind(&keys)
            .bind(&codes)
            .bind(&periodic.kind)
            .bind(&periodic.payload)
            .bind(periodic.max_attempts)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        }
    }
}

/// The running cron scheduler of this instance.
pub struct Scheduler(JobScheduler);

impl Scheduler {
    /// Starts ticking the periodic jobs whose kind has a handler in
    /// `registry` (reserved kinds without a handler are not enqueued).
    pub async fn start(
        state: &AppState,
        registry: &Registry,
        periodics: Vec<Periodic>,
    ) -> anyhow::Result<Self> {
        let scheduler = JobScheduler::new()
            .await
            .context("failed to create the job scheduler")?;
        for periodic in periodics {
            if !registry.contains(&periodic.kind) {
                tracing::info!(kind = %periodic.kind, "no handler registered; not scheduling it");
                continue;
            }
            let pool = state.pool.clone();
            let cron = periodic.cron.clone();
            let job = CronJob::new_async(cron.as_str(), move |_id, _scheduler| {
                let pool = pool.clone();
                let periodic = periodic.clone();
                Box::pin(async move {
                    match tick(&pool, &periodic, Utc::now()).await {
                        Ok(n) => tracing::debug!(kind = %periodic.kind, enqueued = n, "tick"),
                        Err(err) => tracing::warn!(kind = %periodic.kind, "failed to enqueue periodic jobs: {err}"),
                    }
                })
            })
            .with_context(|| format!("invalid cron expression {cron:?}"))?;
            scheduler
                .add(job)
                .await
                .context("failed to add a periodic job")?;
        }
        scheduler
            .start()
            .await
            .context("failed to start the job scheduler")?;
        Ok(Self(scheduler))
    }

    /// Stops ticking.
    pub async fn shutdown(mut self) {
        if let Err(err) = self.0.shutdown().await {
            tracing::warn!("failed to stop the job scheduler: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_within_one_bucket_share_a_key() {
        let minute = Duration::from_secs(60);
        let a = Utc
            .with_ymd_and_hms(2026, 3, 31, 9, 15, 0)
            .single()
            .unwrap_or_default();
        let b = a + chrono::Duration::milliseconds(59_900);
        assert_eq!(
            periodic_key("messages.dispatch", Some("demo"), a, minute),
            "messages.dispatch:demo:2026-03-31T09:15:00Z"
        );
        assert_eq!(
            periodic_key("messages.dispatch", Some("demo"), b, minute),
            periodic_key("messages.dispatch", Some("demo"), a, minute)
        );
        assert_eq!(
            periodic_key("jobs.prune", None, a, Duration::from_secs(86_400)),
            "jobs.prune:2026-03-31T00:00:00Z"
        );
    }
}
