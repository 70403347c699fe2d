//! Workers: `concurrency` loops that claim due jobs of the registered kinds
//! and run them, renewing the lease while the handler works, then record
//! success, a retry with exponential backoff, or a dead letter.

use std::time::Duration;

use rand::Rng;
use tokio::{sync::watch, task::JoinHandle};

use super::{
    handler::{JobContext, JobError, Registry},
    queue::{self, Job, JobFilter},
};
use crate::{config::JobsConfig, state::AppState};

/// Exponential backoff: `base · 2^(attempt-1)`, at most `max`, plus up to a
/// tenth of it as jitter so retries of many jobs spread out.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The delay after the given failed attempt (1 for the first), without jitter.
    pub fn nominal(&self, attempt: i32) -> Duration {
        let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max)
    }

    /// The delay after the given failed attempt, with jitter.
    pub fn delay(&self, attempt: i32) -> Duration {
        let nominal = self.nominal(attempt);
        let jitter_ms = u64::try_from(nominal.as_millis() / 10).unwrap_or(0);
        let jitter = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        nominal + Duration::from_millis(jitter)
    }
}

/// How a pool of workers runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs run at once.
    pub concurrency: usize,
    /// Pause of an idle worker between looks for due jobs.
    pub poll_interval: Duration,
    /// Lease of a claimed job, renewed every third of it while the job runs.
    pub lease: Duration,
    pub backoff: Backoff,
    /// Only these kinds (default: every registered kind).
    pub kinds: Option<Vec<String>>,
    /// Only this tenant's jobs.
    pub tenant: Option<String>,
}

impl WorkerOptions {
    /// The options of `[jobs]`.
    pub fn from_config(cfg: &JobsConfig) -> Self {
        Self {
            concurrency: cfg.concurrency,
            poll_interval: Duration::from_millis(cfg.poll_interval_ms),
            lease: Duration::from_secs(cfg.lease_seconds),
            backoff: Backoff {
                base: Duration::from_secs(cfg.backoff_base_seconds),
                max: Duration::from_secs(cfg.backoff_max_seconds),
            },
            kinds: None,
            tenant: None,
        }
    }

    fn filter(&self, registry: &Registry) -> JobFilter {
        let kinds = match &self.kinds {
            Some(only) => only
                .iter()
                .filter(|k| registry.contains(k))
                .cloned()
                .collect(),
            None => registry.kinds(),
        };
        JobFilter {
            kinds,
            tenant: self.tenant.clone(),
        }
    }
}

/// What became of one claimed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Failed transiently; retried after backoff.
    Retrying,
    Dead,
    /// The lease expired while the job ran and another worker took it over;
    /// this worker's result was not recorded.
    LostLease,
}

/// Counts of a [`run_once`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    pub succeeded: u32,
    pub retrying: u32,
    pub dead: u32,
    pub lost_lease: u32,
}

impl RunReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Succeeded => self.succeeded += 1,
            Outcome::Retrying => self.retrying += 1,
            Outcome::Dead => self.dead += 1,
            Outcome::LostLease => self.lost_lease += 1,
        }
    }
    /// Jobs run.
    pub fn total(&self) -> u32 {
        self.succeeded + self.retrying + self.dead + self.lost_lease
    }
}

/// A name for this process's workers: host, pid and a random suffix.
fn process_worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..8])
}

/// Aborts a task when dropped (so aborting a worker also stops its handler).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

/// Runs one claimed job to its recorded outcome.
pub async fn execute(
    state: &AppState,
    registry: &Registry,
    job: Job,
    worker_id: &str,
    options: &WorkerOptions,
) -> Outcome {
    let pool = &state.pool;
    let record = |res: sqlx::Result<bool>, outcome: Outcome| match res {
        Ok(true) => outcome,
        Ok(false) => {
            tracing::warn!(
                job = job.id,
                "lost the job's lease before recording its outcome"
            );
            Outcome::LostLease
        }
        Err(err) => {
            // The lease will expire and the job be claimed again.
            tracing::error!(job = job.id, "failed to record the job's outcome: {err}");
            Outcome::LostLease
        }
    };
    if job.attempts > job.max_attempts {
        let res = queue::fail(
            pool,
            job.id,
            worker_id,
            "the lease of the last attempt expired (its worker stopped)",
            true,
            Duration::ZERO,
        )
        .await;
        return record(res, Outcome::Dead);
    }
    let Some(handler) = registry.get(&job.kind) else {
        let res = queue::fail(
            pool,
            job.id,
            worker_id,
            "no handler for this kind",
            true,
            Duration::ZERO,
        )
        .await;
        return record(res, Outcome::Dead);
    };
    let heartbeat = {
        let pool = pool.clone();
        let worker_id = worker_id.to_string();
        let (id, lease) = (job.id, options.lease);
        AbortOnDrop(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                match queue::renew_lease(&pool, id, &worker_id, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = id, "the job's lease was taken over");
                        break;
                    }
                    Err(err) => tracing::warn!(job = id, "failed to renew the job's lease: {err}"),
                }
            }
        }))
    };
    let ctx = JobContext {
        state: state.clone(),
        worker_id: worker_id.to_string(),
    };
    let run = {
        let job = job.clone();
        AbortOnDrop(tokio::spawn(async move { handler.run(&ctx, &job).await }))
    };
    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, key = %job.key, attempt = job.attempts);
    let result = tracing::Instrument::instrument(run, span).await;
    drop(heartbeat);
    let result = match result {
        Ok(result) => result,
        Err(join) => Err(JobError::transient(anyhow::anyhow!(
            "the handler panicked: {join}"
        ))),
    };
    match result {
        Ok(()) => record(
            queue::succeed(pool, job.id, worker_id).await,
            Outcome::Succeeded,
        ),
        Err(err) => {
            let give_up = !err.is_transient() || job.attempts >= job.max_attempts;
            let message = match &err {
                JobError::Transient(e) => format!("transient: {e:#}"),
                JobError::Permanent(e) => format!("permanent: {e:#}"),
            };
            tracing::warn!(job = job.id, give_up, "job failed: {message}");
            let retry_in = options.backoff.delay(job.attempts);
            let res = queue::fail(pool, job.id, worker_id, &message, give_up, retry_in).await;
            record(
                res,
                if give_up {
                    Outcome::Dead
                } else {
                    Outcome::Retrying
                },
            )
        }
    }
}

/// Claims and runs due jobs one after another until none is due (or `max`
/// ran); for `xiaodai jobs run-once` and tests.
pub async fn run_once(
    state: &AppState,
    registry: &Registry,
    options: &WorkerOptions,
    max: u32,
) -> anyhow::Result<RunReport> {
    let worker_id = format!("{}:once", process_worker_id());
    let filter = options.filter(registry);
    let mut report = RunReport::default();
    while report.total() < max {
        let Some(job) = queue::claim(&state.pool, &worker_id, &filter, options.lease).await? else {
            break;
        };
        report.add(execute(state, registry, job, &worker_id, options).await);
    }
    Ok(report)
}

/// A running pool of workers.
pub struct WorkerPool {
    id: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `options.concurrency` workers.
    pub fn start(state: AppState, registry: Registry, options: WorkerOptions) -> Self {
        let id = process_worker_id();
        let (stop, _) = watch::channel(false);
        let filter = options.filter(&registry);
        tracing::info!(pool = %id, kinds = ?filter.kinds, concurrency = options.concurrency, "job workers started");
        let tasks = (0..options.concurrency.max(1))
            .map(|slot| {
                let worker_id = format!("{id}-{slot}");
                let mut stop = stop.subscribe();
                let (state, registry, options, filter) = (
                    state.clone(),
                    registry.clone(),
                    options.clone(),
                    filter.clone(),
                );
                tokio::spawn(async move {
                    while !*stop.borrow() {
                        match queue::claim(&state.pool, &worker_id, &filter, options.lease).await {
                            Ok(Some(job)) => {
                                execute(&state, &registry, job, &worker_id, &options).await;
                                continue;
                            }
                            Ok(None) => {}
                            Err(err) => {
                                tracing::warn!(worker = %worker_id, "failed to claim a job: {err}")
                            }
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(options.poll_interval) => {}
                            _ = stop.changed() => {}
                        }
                    }
                })
            })
            .collect();
        Self { id, stop, tasks }
    }

    /// The pool's id (the prefix of its workers' ids).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stops claiming and waits for the jobs being run to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Stops every worker at once, mid-job (as a crash would): their jobs
    /// stay `running` until the leases expire.
    pub fn abort(self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        assert_eq!(b.nominal(1), Duration::from_secs(10));
        assert_eq!(b.nominal(2), Duration::from_secs(20));
        assert_eq!(b.nominal(3), Duration::from_secs(40));
        assert_eq!(b.nominal(4), Duration::from_secs(60));
        assert_eq!(b.nominal(1000), Duration::from_secs(60));
        let d = b.delay(2);
        assert!(d >= Duration::from_secs(20) && d <= Duration::from_secs(22));
    }
}
