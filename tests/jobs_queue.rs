//! The job queue: exactly-once execution across worker pools, leases that
//! outlive crashed workers, retries with backoff, dead letters re-run by
//! operators, and periodic ticks that respect tenant status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::Utc;
use platform::jobs::{
    queue::{self, JobFilter, NewJob},
    schedule, Backoff, Job, JobContext, JobError, JobHandler, Periodic, Registry, Scope,
    WorkerOptions, WorkerPool,
};
use serde_json::json;

fn unique_kind(prefix: &str) -> String {
    common::unique_code(&format!("test.{prefix}"))
}

fn options(kind: &str) -> WorkerOptions {
    WorkerOptions {
        concurrency: 4,
        poll_interval: Duration::from_millis(50),
        lease: Duration::from_secs(60),
        backoff: Backoff {
            base: Duration::from_millis(200),
            max: Duration::from_secs(5),
        },
        kinds: Some(vec![kind.to_string()]),
        tenant: None,
    }
}

async fn effects_table(pool: &sqlx::PgPool) {
    // One row per job key: a second execution of a job cannot add a row.
    sqlx::query(
        "create table if not exists public.test_job_effects (
            job_key text primary key, worker_id text not null, kind text not null)",
    )
    .execute(pool)
    .await
    .ok();
}

/// Records one effect per execution; counts executions and duplicates.
struct CountEffect {
    runs: Arc<AtomicUsize>,
    duplicates: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl JobHandler for CountEffect {
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(2)).await;
        let res = sqlx::query(
            "insert into public.test_job_effects (job_key, worker_id, kind) values ($1, $2, $3)",
        )
        .bind(&job.key)
        .bind(&ctx.worker_id)
        .bind(&job.kind)
        .execute(&ctx.state.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                self.duplicates.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

async fn wait_until_all(pool: &sqlx::PgPool, kind: &str, status: &str, n: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done: i64 = sqlx::query_scalar(
            "select count(*) from platform.jobs where kind = $1 and status = $2",
        )
        .bind(kind)
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap();
        if done == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {done} of {n} jobs reached {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_worker_pools_on_one_database_run_each_job_exactly_once() {
    let app = common::spawn().await;
    let pool = &app.state.pool;
    effects_table(pool).await;
    let kind = unique_kind("count");
    const N: usize = 150;
    for i in 0..N {
        let job = NewJob::new(&kind, format!("{kind}:{i}")).payload(json!({"i": i}));
        assert!(queue::enqueue(pool, &job).await.unwrap().is_some());
        // Enqueueing the same key again adds nothing.
        assert!(queue::enqueue(pool, &job).await.unwrap().is_none());
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let duplicates = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    registry.register(
        &kind,
        CountEffect {
            runs: runs.clone(),
            duplicates: duplicates.clone(),
        },
    );
    let a = WorkerPool::start(app.state.clone(), registry.clone(), options(&kind));
    let b = WorkerPool::start(app.state.clone(), registry.clone(), options(&kind));
    wait_until_all(pool, &kind, "succeeded", N as i64).await;
    a.shutdown().await;
    b.shutdown().await;

    assert_eq!(runs.load(Ordering::SeqCst), N, "each job ran once");
    assert_eq!(duplicates.load(Ordering::SeqCst), 0);
    let effects: i64 =
        sqlx::query_scalar("select count(*) from public.test_job_effects where kind = $1")
            .bind(&kind)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(effects, N as i64);
    let (jobs, max_attempts): (i64, i32) =
        sqlx::query_as("select count(*), max(attempts) from platform.jobs where kind = $1")
            .bind(&kind)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((jobs, max_attempts), (N as i64, 1));
}

/// Hangs on its first attempt (a worker that dies mid-job); succeeds after.
struct HangsFirst {
    runs: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl JobHandler for HangsFirst {
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        if job.attempts == 1 {
            std::future::pending::<()>().await;
        }
        sqlx::query(
            "insert into public.test_job_effects (job_key, worker_id, kind) values ($1, $2, $3)",
        )
        .bind(&job.key)
        .bind(&ctx.worker_id)
        .bind(&job.kind)
        .execute(&ctx.state.pool)
        .await?;
        Ok(())
    }
}

async fn sleep_past_lease(pool: &sqlx::PgPool, id: i64) {
    let until: chrono::DateTime<Utc> =
        sqlx::query_scalar("select locked_until from platform.jobs where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
    let wait = (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200);
    tokio::time::sleep(wait).await;
}

#[tokio::test]
async fn a_job_whose_worker_died_is_claimed_again_after_the_lease_and_completes() {
    let app = common::spawn().await;
    let pool = &app.state.pool;
    effects_table(pool).await;
    let kind = unique_kind("lease");
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    registry.register(&kind, HangsFirst { runs: runs.clone() });

    // 1. A worker claims the job with a short lease and is never heard of again.
    let id = queue::enqueue(pool, &NewJob::new(&kind, format!("{kind}:claimed")))
        .await
        .unwrap()
        .unwrap();
    let filter = JobFilter {
        kinds: vec![kind.clone()],
        tenant: None,
    };
    let claimed = queue::claim(pool, "crashed-worker", &filter, Duration::from_secs(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (claimed.id, claimed.status.as_str(), claimed.attempts),
        (id, "running", 1)
    );
    // While the lease runs, nobody else takes it.
    let mut opts = options(&kind);
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 10)
        .await
        .unwrap();
    assert_eq!(report.total(), 0, "a leased job is not claimable");
    sleep_past_lease(pool, id).await;
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 10)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 1);
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!(
        (job.status.as_str(), job.attempts, job.worker_id),
        ("succeeded", 2, None)
    );

    // 2. A whole worker pool is killed mid-job.
    let id = queue::enqueue(pool, &NewJob::new(&kind, format!("{kind}:aborted")))
        .await
        .unwrap()
        .unwrap();
    opts.lease = Duration::from_secs(3);
    let doomed = WorkerPool::start(app.state.clone(), registry.clone(), opts.clone());
    wait_until_all(pool, &kind, "running", 1).await;
    doomed.abort();
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!(
        job.status, "running",
        "the dead worker's job keeps its lease"
    );
    sleep_past_lease(pool, id).await;
    let survivor = WorkerPool::start(app.state.clone(), registry.clone(), opts);
    wait_until_all(pool, &kind, "succeeded", 2).await;
    survivor.shutdown().await;
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!(job.attempts, 2);
    let effects: i64 =
        sqlx::query_scalar("select count(*) from public.test_job_effects where kind = $1")
            .bind(&kind)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(effects, 2, "each job's effect exactly once");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "the killed pool's hung attempt and two completions"
    );
}

/// Fails transiently until the given attempt.
struct FlakyUntil {
    succeed_on: i32,
}

#[async_trait::async_trait]
impl JobHandler for FlakyUntil {
    async fn run(&self, _ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        if job.attempts < self.succeed_on {
            return Err(JobError::transient(anyhow::anyhow!(
                "upstream unavailable (attempt {})",
                job.attempts
            )));
        }
        Ok(())
    }
}

async fn retry_delay_ms(pool: &sqlx::PgPool, id: i64) -> i64 {
    let (run_at, finished_at): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) =
        sqlx::query_as("select run_at, finished_at from platform.jobs where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
    (run_at - finished_at).num_milliseconds()
}

#[tokio::test]
async fn transient_failures_are_retried_with_exponential_backoff_then_succeed() {
    let app = common::spawn().await;
    let pool = &app.state.pool;
    let kind = unique_kind("flaky");
    let mut registry = Registry::new();
    registry.register(&kind, FlakyUntil { succeed_on: 3 });
    let opts = options(&kind);
    let id = queue::enqueue(pool, &NewJob::new(&kind, format!("{kind}:1")))
        .await
        .unwrap()
        .unwrap();

    let report = platform::jobs::run_once(&app.state, &registry, &opts, 1)
        .await
        .unwrap();
    assert_eq!(report.retrying, 1);
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 1));
    assert!(job
        .last_error
        .as_deref()
        .unwrap()
        .contains("upstream unavailable (attempt 1)"));
    let first = retry_delay_ms(pool, id).await;
    assert!(
        (200..=220).contains(&first),
        "first retry after the base delay, got {first} ms"
    );
    // Not due before its run_at.
    assert_eq!(
        platform::jobs::run_once(&app.state, &registry, &opts, 1)
            .await
            .unwrap()
            .total(),
        0
    );

    tokio::time::sleep(Duration::from_millis(first as u64 + 50)).await;
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 1)
        .await
        .unwrap();
    assert_eq!(report.retrying, 1);
    let second = retry_delay_ms(pool, id).await;
    assert!(
        (400..=440).contains(&second),
        "the delay doubles, got {second} ms"
    );

    tokio::time::sleep(Duration::from_millis(second as u64 + 50)).await;
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 1)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 1);
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!(
        (job.status.as_str(), job.attempts, job.last_error),
        ("succeeded", 3, None)
    );

    // A job that never gets better dies after its max attempts.
    let id = queue::enqueue(
        pool,
        &NewJob::new(&kind, format!("{kind}:hopeless"))
            .max_attempts(2)
            .payload(json!({})),
    )
    .await
    .unwrap()
    .unwrap();
    let mut registry = Registry::new();
    registry.register(&kind, FlakyUntil { succeed_on: 99 });
    platform::jobs::run_once(&app.state, &registry, &opts, 1)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 1)
        .await
        .unwrap();
    assert_eq!(report.dead, 1);
    let job = queue::get(pool, id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("dead", 2));
}

/// Fails permanently while the flag is set.
struct PermanentWhile {
    failing: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait::async_trait]
impl JobHandler for PermanentWhile {
    async fn run(&self, _ctx: &JobContext, _job: &Job) -> Result<(), JobError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(JobError::permanent(anyhow::anyhow!(
                "the payload names no tenant"
            )));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_permanent_failure_is_dead_visible_and_rerunnable_through_ops() {
    let app = common::spawn().await;
    let pool = &app.state.pool;
    let kind = unique_kind("perm");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut registry = Registry::new();
    registry.register(
        &kind,
        PermanentWhile {
            failing: failing.clone(),
        },
    );
    let opts = options(&kind);
    let t = app.tenant().await;
    let id = queue::enqueue(
        pool,
        &NewJob::new(&kind, format!("{kind}:{}", t.code)).tenant(&t.code),
    )
    .await
    .unwrap()
    .unwrap();
    let report = platform::jobs::run_once(&app.state, &registry, &opts, 5)
        .await
        .unwrap();
    assert_eq!(
        (report.dead, report.total()),
        (1, 1),
        "dead at once, no retries"
    );

    let op = app.operator_token().await;
    let (s, page) = app
        .get(&format!("/ops/v1/jobs?status=dead&kind={kind}"), Some(&op))
        .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["total"], 1);
    let listed = &page["items"][0];
    assert_eq!(listed["id"], id);
    assert_eq!(listed["tenant"], t.code.as_str());
    assert_eq!(listed["attempts"], 1);
    assert!(listed["last_error"]
        .as_str()
        .unwrap()
        .contains("permanent: the payload names no tenant"));
    let (s, page) = app
        .get(&format!("/ops/v1/jobs?tenant={}", t.code), Some(&op))
        .await;
    assert_eq!((s, page["total"].as_i64()), (200, Some(1)));
    let (s, b) = app.get("/ops/v1/jobs?status=lost", Some(&op)).await;
    common::assert_error(s, &b, 422, "invalid_status");
    assert_eq!(b["field"], "status");
    let (s, b) = app.get("/ops/v1/jobs/999999999999", Some(&op)).await;
    common::assert_error(s, &b, 404, "not_found");
    let (s, b) = app.get(&format!("/ops/v1/jobs/{id}"), Some(&t.token)).await;
    common::assert_error(s, &b, 401, "unauthorized");

    failing.store(false, Ordering::SeqCst);
    let (s, job) = app
        .post(&format!("/ops/v1/jobs/{id}/rerun"), Some(&op), json!({}))
        .await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    let (s, b) = app
        .post(&format!("/ops/v1/jobs/{id}/rerun"), Some(&op), json!({}))
        .await;
    common::assert_error(s, &b, 409, "job_not_rerunnable");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from platform.audit_events where action = 'job.rerun' and entity_id = $1 and actor_kind = 'operator'",
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    let report = platform::jobs::run_once(&app.state, &registry, &opts, 5)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 1);
    let (s, job) = app.get(&format!("/ops/v1/jobs/{id}"), Some(&op)).await;
    assert_eq!((s, job["status"].as_str()), (200, Some("succeeded")));
}

#[tokio::test]
async fn ticks_enqueue_once_per_bucket_and_only_for_operational_tenants() {
    let app = common::spawn().await;
    let pool = &app.state.pool;
    let active = app.tenant().await;
    let suspended = app.tenant().await;
    let closed = app.tenant().await;
    for (t, status) in [(&suspended, "suspended"), (&closed, "closed")] {
        sqlx::query(
            "update platform.tenants set status = $2,
                suspended_from = case when $2 = 'suspended' then status end,
                closed_at = case when $2 = 'closed' then now() end
              where code = $1",
        )
        .bind(&t.code)
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
    }
    let kind = unique_kind("tick");
    let periodic = Periodic::new(
        &kind,
        "0 * * * * *",
        Scope::PerOperationalTenant,
        Duration::from_secs(60),
        5,
    );
    let at = Utc::now();
    let first = schedule::tick(pool, &periodic, at).await.unwrap();
    assert!(first >= 1);
    // A second instance ticking in the same minute adds nothing.
    assert_eq!(
        schedule::tick(pool, &periodic, at + chrono::Duration::milliseconds(10))
            .await
            .unwrap(),
        0
    );
    let key = |code: &str| schedule::periodic_key(&kind, Some(code), at, Duration::from_secs(60));
    let job = queue::get_by_key(pool, &key(&active.code))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.tenant_code.as_deref(), job.max_attempts),
        (Some(active.code.as_str()), 5)
    );
    assert!(queue::get_by_key(pool, &key(&suspended.code))
        .await
        .unwrap()
        .is_none());
    assert!(queue::get_by_key(pool, &key(&closed.code))
        .await
        .unwrap()
        .is_none());

    let global = Periodic::new(
        &kind,
        "0 0 3 * * *",
        Scope::Global,
        Duration::from_secs(86_400),
        3,
    );
    assert_eq!(schedule::tick(pool, &global, at).await.unwrap(), 1);
    assert_eq!(schedule::tick(pool, &global, at).await.unwrap(), 0);
}

#[tokio::test]
async fn the_cli_runs_due_jobs_once() {
    let app = common::spawn().await;
    let key = common::unique_code("jobs.prune:cli");
    let id = queue::enqueue(&app.state.pool, &NewJob::new("jobs.prune", &key))
        .await
        .unwrap()
        .unwrap();
    let cli = <xiaodai::cli::Cli as clap::Parser>::parse_from([
        "xiaodai",
        "jobs",
        "run-once",
        "--kind",
        "jobs.prune",
        "--json",
    ]);
    xiaodai::cli::run(cli).await.unwrap();
    let job = queue::get(&app.state.pool, id).await.unwrap().unwrap();
    assert_eq!(job.status, "succeeded");
}
