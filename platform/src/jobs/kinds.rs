//! The job kinds of the platform and their unique keys. The scheduler
//! enqueues a periodic kind only on instances that registered a handler for
//! it, so no kind piles up unrun.

use chrono::NaiveDate;

use super::{
    handler::{JobContext, JobError, JobHandler},
    queue::{self, Job},
};

/// Sends a tenant's due outbox messages (reminders); one job per tenant and tick.
pub const MESSAGES_DISPATCH: &str = "messages.dispatch";
/// Deletes finished jobs older than `jobs.retention_days`.
pub const JOBS_PRUNE: &str = "jobs.prune";
/// The daily lifecycle sweep: usage meter, purge of closed tenants past
/// retention, stale sign-ups (handler: `lifecycle::SweepJob`).
pub const TENANTS_SWEEP: &str = "tenants.sweep";
/// Close of business of one tenant through a business date (the regulator's
/// snapshot is one of its steps).
pub const COB: &str = "cob";
/// The tick that enqueues each operational tenant's close of business.
pub const COB_SCHEDULE: &str = "cob.schedule";

/// The unique key of a tenant's close of business for a business date:
/// `cob:<tenant>:<YYYY-MM-DD>`.
pub fn cob_key(tenant: &str, business_date: NaiveDate) -> String {
    format!("{COB}:{tenant}:{business_date}")
}

/// Deletes succeeded jobs finished more than `retention_days` ago (dead
/// jobs stay until an operator re-runs them).
pub struct PruneJobs {
    pub retention_days: u32,
}

#[async_trait::async_trait]
impl JobHandler for PruneJobs {
    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<(), JobError> {
        let deleted = queue::prune(&ctx.state.pool, self.retention_days).await?;
        tracing::info!(deleted, "pruned finished jobs");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cob_keys_name_kind_tenant_and_date() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
        assert_eq!(cob_key("demo", d), "cob:demo:2026-03-31");
    }
}
