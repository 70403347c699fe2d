//! The rows of `platform.jobs` and every statement that changes them:
//! enqueue (idempotent by key), claim (`for update skip locked`, expired
//! leases included), lease renewal, success, failure (retry or dead), re-run.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};

use crate::pagination::Paging;

/// Every column of a job, as selected everywhere.
const COLUMNS: &str = "id, key, kind, tenant_code, payload, status, run_at, attempts, max_attempts,
    locked_until, worker_id, last_error, started_at, finished_at, created_at, updated_at";

/// A job row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Job {
    pub id: i64,
    /// Unique key, e.g. `cob:demo:2026-03-31`.
    pub key: String,
    pub kind: String,
    /// The tenant the job works for, if any.
    pub tenant_code: Option<String>,
    pub payload: Value,
    /// queued, running, succeeded, failed (retry scheduled at run_at) or dead.
    pub status: String,
    pub run_at: DateTime<Utc>,
    /// Attempts started so far (the running one included).
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub worker_id: Option<String>,
    pub last_error: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub key: String,
    pub kind: String,
    pub tenant_code: Option<String>,
    pub payload: Value,
    /// Not before this moment (default: now).
    pub run_at: Option<DateTime<Utc>>,
    /// Default 10.
    pub max_attempts: Option<i32>,
}

impl NewJob {
    /// A job of `kind` under a unique `key`, with an empty payload, due now.
    pub fn new(kind: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            kind: kind.into(),
            tenant_code: None,
            payload: Value::Object(Default::default()),
            run_at: None,
            max_attempts: None,
        }
    }
    /// For a tenant.
    pub fn tenant(mut self, code: impl Into<String>) -> Self {
        self.tenant_code = Some(code.into());
        self
    }
    /// With a payload.
    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }
    /// Due at a moment.
    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }
    /// With its own attempt limit.
    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = Some(n);
        self
    }
}

/// Enqueues a job unless one with its key exists; returns the new id, or
/// `None` when the key was taken (whatever that job's state).
pub async fn enqueue<'e>(exec: impl PgExecutor<'e>, job: &NewJob) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "insert into platform.jobs (key, kind, tenant_code, payload, run_at, max_attempts)
         values ($1, $2, $3, $4, coalesce($5, now()), coalesce($6, 10))
         on conflict (key) do nothing
         returning id",
    )
    .bind(&job.key)
    .bind(&job.kind)
    .bind(&job.tenant_code)
    .bind(&job.payload)
    .bind(job.run_at)
    .bind(job.max_attempts)
    .fetch_optional(exec)
    .await
}

/// Which jobs a worker may claim.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only these kinds (a worker passes the kinds it has handlers for).
    pub kinds: Vec<String>,
    /// Only this tenant's jobs.
    pub tenant: Option<String>,
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Claims the next due job: queued or failed with `run_at` passed, or
/// running under an expired lease (its worker died). The claim counts an
/// attempt and leases the job to `worker_id` for `lease`.
pub async fn claim(
    pool: &PgPool,
    worker_id: &str,
    filter: &JobFilter,
    lease: Duration,
) -> sqlx::Result<Option<Job>> {
    let sql = "with next as (
            select id from platform.jobs
             where kind = any($1)
               and ($2::text is null or tenant_code = $2)
               and ((status in ('queued', 'failed') and run_at <= now())
                    or (status = 'running' and locked_until < now()))
             order by run_at, id
             limit 1
             for update skip locked
         )
         update platform.jobs j
            set status = 'running', attempts = j.attempts + 1,
                locked_until = now() + make_interval(secs => $3), worker_id = $4,
                started_at = now(), finished_at = null
           from next where j.id = next.id
         returning j.*";
    sqlx::query_as(sql)
        .bind(&filter.kinds)
        .bind(&filter.tenant)
        .bind(seconds(lease))
        .bind(worker_id)
        .fetch_optional(pool)
        .await
}

/// Extends a running job's lease; false when the job is no longer this
/// worker's (its lease expired and another worker took it).
pub async fn renew_lease(
    pool: &PgPool,
    id: i64,
    worker_id: &str,
    lease: Duration,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update platform.jobs set locked_until = now() + make_interval(secs => $3)
          where id = $1 and worker_id = $2 and status = 'running'",
    )
    .bind(id)
    .bind(worker_id)
    .bind(seconds(lease))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks this worker's running job succeeded; false when it was no longer ours.
pub async fn succeed(pool: &PgPool, id: i64, worker_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update platform.jobs set status = 'succeeded', locked_until = null, worker_id = null,
                finished_at = now(), last_error = null
          where id = $1 and worker_id = $2 and status = 'running'",
    )
    .bind(id)
    .bind(worker_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt of this worker's job: `failed` with the retry
/// due after `retry_in`, or `dead` when `give_up`. False when it was no longer ours.
pub async fn fail(
    pool: &PgPool,
    id: i64,
    worker_id: &str,
    error: &str,
    give_up: bool,
    retry_in: Duration,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update platform.jobs
            set status = case when $4 then 'dead' else 'failed' end,
                run_at = case when $4 then run_at else now() + make_interval(secs => $5) end,
                locked_until = null, worker_id = null, finished_at = now(), last_error = $3
          where id = $1 and worker_id = $2 and status = 'running'",
    )
    .bind(id)
    .bind(worker_id)
    .bind(truncate(error, 4000))
    .bind(give_up)
    .bind(seconds(retry_in))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// One job by id.
pub async fn get<'e>(exec: impl PgExecutor<'e>, id: i64) -> sqlx::Result<Option<Job>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from platform.jobs where id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// One job by key.
pub async fn get_by_key<'e>(exec: impl PgExecutor<'e>, key: &str) -> sqlx::Result<Option<Job>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from platform.jobs where key = $1"
    ))
    .bind(key)
    .fetch_optional(exec)
    .await
}

/// Filters of the operators' list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub tenant: Option<String>,
}

/// A page of jobs, newest first, and the total matching.
pub async fn list(
    pool: &PgPool,
    filter: &ListFilter,
    paging: Paging,
) -> sqlx::Result<(Vec<Job>, i64)> {
    const WHERE: &str = "($1::text is null or status = $1) and ($2::text is null or kind = $2)
        and ($3::text is null or tenant_code = $3)";
    let total: i64 =
        sqlx::query_scalar(&format!("select count(*) from platform.jobs where {WHERE}"))
            .bind(&filter.status)
            .bind(&filter.kind)
            .bind(&filter.tenant)
            .fetch_one(pool)
            .await?;
    let items = sqlx::query_as(&format!(
        "select {COLUMNS} from platform.jobs where {WHERE} order by id desc limit $4 offset $5"
    ))
    .bind(&filter.status)
    .bind(&filter.kind)
    .bind(&filter.tenant)
    .bind(paging.limit())
    .bind(paging.offset())
    .fetch_all(pool)
    .await?;
    Ok((items, total))
}

/// Why a job cannot be re-run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RerunRefused {
    NotFound,
    /// Only dead or failed jobs are re-run; carries the job's status.
    NotRerunnable(String),
}

/// Puts a dead or failed job back in the queue, due now, with its attempts
/// reset; returns the job before and after.
pub async fn rerun(
    conn: &mut PgConnection,
    id: i64,
) -> sqlx::Result<Result<(Job, Job), RerunRefused>> {
    let before: Option<Job> = sqlx::query_as(&format!(
        "select {COLUMNS} from platform.jobs where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(before) = before else {
        return Ok(Err(RerunRefused::NotFound));
    };
    if !matches!(before.status.as_str(), "dead" | "failed") {
        return Ok(Err(RerunRefused::NotRerunnable(before.status)));
    }
    let after: Job = sqlx::query_as(&format!(
        "update platform.jobs set status = 'queued', run_at = now(), attempts = 0, finished_at = null
          where id = $1 returning {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Ok((before, after)))
}

/// Deletes succeeded jobs finished more than `days` ago; returns how many.
pub async fn prune(pool: &PgPool, days: u32) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "delete from platform.jobs where status = 'succeeded' and finished_at < now() - make_interval(days => $1)",
    )
    .bind(i32::try_from(days).unwrap_or(i32::MAX))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
