//! Close of business (日终, LOAN-MATH "Close of business"): each tenant's
//! business dates are closed in order, each by one transaction that runs
//! every step for the date and records it in `business_days`. A crash rolls
//! the whole date back, so a rerun starts from the same state and produces
//! the same result; a date already closed is never closed again. Dates
//! missed while a tenant was suspended (or the scheduler was down) are caught
//! up in order by the next run.
//!
//! Concurrency: a transaction-scoped advisory lock per tenant serialises
//! closers, so two workers (or a worker and `xiaodai cob run`) never close
//! the same date twice; the second finds the date closed and moves on.

mod api;
pub mod settings;
mod steps;

pub use api::CloseOfBusinessApi;

/// Permissions of the close-of-business endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/close-of-business", "cob.read"),
    platform::rbac::RouteRule::new("PUT", "/api/v1/close-of-business/settings", "cob.configure"),
];

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::Actor,
    tenancy::{self, TenantRef, TenantTx},
};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};

pub use steps::reminder_send_date;

/// Who started a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The nightly job.
    Scheduled,
    /// `xiaodai cob run` by hand.
    Manual,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
        }
    }
}

/// A step that lives outside this crate and must commit with the date
/// (the regulator's snapshot, written through the supervision schema's
/// function): called last, inside the date's transaction.
#[async_trait]
pub trait DayHook: Send + Sync {
    /// The step's name in the date's summary.
    fn name(&self) -> &'static str;
    /// Runs the step for `date`; returns what it did, for the summary.
    async fn run(
        &self,
        tx: &mut TenantTx,
        tenant: &TenantRef,
        date: NaiveDate,
    ) -> anyhow::Result<Value>;
}

/// One closed business date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClosedDay {
    pub business_date: NaiveDate,
    /// What each step did.
    pub summary: Value,
}

/// The last closed business date of the tenant.
pub async fn last_closed(conn: &mut PgConnection) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar("select max(business_date) from business_days")
        .fetch_one(conn)
        .await
}

/// The open date to close next: the day after the last closed one; or, for
/// a tenant that never closed a day, its first business date (setting),
/// else `through` itself.
async fn next_open(conn: &mut PgConnection, through: NaiveDate) -> anyhow::Result<NaiveDate> {
    if let Some(last) = last_closed(&mut *conn).await? {
        return Ok(last.succ_opt().unwrap_or(last));
    }
    let first = settings::load(&mut *conn).await?.first_business_date;
    Ok(first.unwrap_or(through).min(through))
}

/// Closes every open business date of the tenant up to and including
/// `through`, in order, one transaction per date; returns the dates closed
/// by this call (none when all were closed already).
pub async fn close_through(
    pool: &PgPool,
    tenant: &TenantRef,
    through: NaiveDate,
    trigger: Trigger,
    hooks: &[&dyn DayHook],
) -> anyhow::Result<Vec<ClosedDay>> {
    let mut closed = Vec::new();
    loop {
        let started_at = Utc::now();
        let mut tx = tenancy::begin(pool, tenant).await?;
        // One closer per tenant at a time; the lock ends with the transaction.
        sqlx::query("select pg_advisory_xact_lock(hashtext('cob:' || current_schema()))")
            .execute(&mut *tx)
            .await?;
        let date = next_open(&mut tx, through).await?;
        if date > through
            || sqlx::query_scalar::<_, bool>(
                "select exists (select 1 from business_days where business_date = $1)",
            )
            .bind(date)
            .fetch_one(&mut *tx)
            .await?
        {
            tx.rollback().await?;
            return Ok(closed);
        }
        let summary = close_day(&mut tx, tenant, date, hooks).await?;
        record(&mut tx, date, &summary, trigger, started_at).await?;
        tx.commit().await?;
        tracing::info!(tenant = %tenant.code, %date, "business date closed");
        closed.push(ClosedDay {
            business_date: date,
            summary,
        });
    }
}

/// Runs every step for `date` in the caller's transaction.
async fn close_day(
    tx: &mut TenantTx,
    tenant: &TenantRef,
    date: NaiveDate,
    hooks: &[&dyn DayHook],
) -> anyhow::Result<Value> {
    let actor = Actor::system("close_of_business");
    let mut summary = Map::new();
    for (name, result) in steps::run(tx, tenant, date, &actor).await? {
        summary.insert(name.to_string(), result);
    }
    for hook in hooks {
        let result = hook.run(tx, tenant, date).await?;
        summary.insert(hook.name().to_string(), result);
    }
    Ok(Value::Object(summary))
}

async fn record(
    tx: &mut TenantTx,
    date: NaiveDate,
    summary: &Value,
    trigger: Trigger,
    started_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into business_days (business_date, summary, trigger, started_at)
         values ($1, $2, $3, $4)",
    )
    .bind(date)
    .bind(summary)
    .bind(trigger.as_str())
    .bind(started_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The closed dates, newest first.
pub async fn history(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<ClosedDay>> {
    let rows: Vec<(NaiveDate, Value)> = sqlx::query_as(
        "select business_date, summary from business_days order by business_date desc limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(business_date, summary)| ClosedDay {
            business_date,
            summary,
        })
        .collect())
}
