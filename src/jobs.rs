//! The background work of this binary: the job handlers registered by kind,
//! the periodic jobs the scheduler ticks, and starting both with `serve`.

use std::{sync::Arc, time::Duration};

use platform::{
    jobs::{kinds, Periodic, Registry, Scope, WorkerOptions, WorkerPool},
    notify::Providers,
    AppState,
};
use tenant_app::messaging::dispatch::{DispatchJob, Dispatcher};

/// Every handler of this binary.
pub fn registry(state: &AppState) -> anyhow::Result<Registry> {
    let config = &state.config;
    let dispatcher = Dispatcher::new(Providers::from_config(config)?, config.messaging.clone());
    let mut registry = Registry::new();
    registry
        .register(kinds::MESSAGES_DISPATCH, DispatchJob(Arc::new(dispatcher)))
        .register(
            kinds::JOBS_PRUNE,
            kinds::PruneJobs {
                retention_days: config.jobs.retention_days,
            },
        )
        .register(kinds::TENANTS_SWEEP, platform::lifecycle::SweepJob)
        .register(kinds::COB_SCHEDULE, crate::close_of_business::ScheduleJob)
        .register(kinds::COB, crate::close_of_business::CobJob)
        .register(
            platform::audit_chain::SEAL_KIND,
            platform::audit_chain::SealJob,
        );
    Ok(registry)
}

/// The audit chains are sealed every minute.
const AUDIT_SEAL_CRON: &str = "30 * * * * *";

/// The periodic jobs (enqueued only where a handler is registered).
pub fn periodics(state: &AppState) -> Vec<Periodic> {
    let jobs = &state.config.jobs;
    vec![
        Periodic::new(
            kinds::MESSAGES_DISPATCH,
            &jobs.dispatch_cron,
            Scope::PerOperationalTenant,
            Duration::from_secs(60),
            jobs.max_attempts,
        ),
        Periodic::new(
            kinds::JOBS_PRUNE,
            &jobs.prune_cron,
            Scope::Global,
            Duration::from_secs(86_400),
            jobs.max_attempts,
        ),
        Periodic::new(
            platform::audit_chain::SEAL_KIND,
            AUDIT_SEAL_CRON,
            Scope::Global,
            Duration::from_secs(60),
            jobs.max_attempts,
        ),
        Periodic::new(
            kinds::TENANTS_SWEEP,
            &state.config.subscription.sweep_cron,
            Scope::Global,
            Duration::from_secs(86_400),
            jobs.max_attempts,
        ),
        Periodic::new(
            kinds::COB_SCHEDULE,
            &jobs.cob_cron,
            Scope::Global,
            Duration::from_secs(300),
            jobs.max_attempts,
        ),
    ]
}

/// The workers and scheduler of a serving instance.
pub struct Background {
    workers: WorkerPool,
    scheduler: platform::jobs::schedule::Scheduler,
}

impl Background {
    /// Starts workers and the scheduler (when `jobs.enabled`).
    pub async fn start(state: &AppState) -> anyhow::Result<Option<Self>> {
        if !state.config.jobs.enabled {
            tracing::info!("jobs.enabled is false: no workers or scheduler on this instance");
            return Ok(None);
        }
        let registry = registry(state)?;
        let scheduler =
            platform::jobs::schedule::Scheduler::start(state, &registry, periodics(state)).await?;
        let workers = WorkerPool::start(
            state.clone(),
            registry,
            WorkerOptions::from_config(&state.config.jobs),
        );
        Ok(Some(Self { workers, scheduler }))
    }

    /// Stops ticking, then lets running jobs finish.
    pub async fn shutdown(self) {
        self.scheduler.shutdown().await;
        self.workers.shutdown().await;
    }
}
