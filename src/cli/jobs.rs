//! `xiaodai jobs run-once|tick`: run due jobs by hand, or enqueue the
//! periodic jobs now (what the scheduler does on its ticks).

use chrono::Utc;
use clap::Subcommand;
use platform::{
    jobs::{schedule, WorkerOptions},
    AppState,
};

/// Job subcommands.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Claim and run due jobs one after another until none is due, then exit.
    RunOnce {
        /// Only this kind (repeatable), e.g. `messages.dispatch`.
        #[arg(long)]
        kind: Vec<String>,
        /// Only this tenant's jobs.
        #[arg(long)]
        tenant: Option<String>,
        /// Stop after this many jobs.
        #[arg(long, default_value_t = 1000)]
        max: u32,
        #[arg(long)]
        json: bool,
    },
    /// Enqueue every periodic job now (for operational tenants), as a tick would.
    Tick {
        #[arg(long)]
        json: bool,
    },
}

/// Runs a jobs subcommand.
pub async fn run(state: &AppState, command: JobsCommand) -> anyhow::Result<()> {
    platform::migrate::migrate_database(&state.pool).await?;
    let registry = crate::jobs::registry(state)?;
    match command {
        JobsCommand::RunOnce {
            kind,
            tenant,
            max,
            json,
        } => {
            let mut options = WorkerOptions::from_config(&state.config.jobs);
            options.kinds = (!kind.is_empty()).then_some(kind);
            options.tenant = tenant;
            let report = platform::jobs::run_once(state, &registry, &options, max).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} jobs: {} succeeded, {} retrying, {} dead, {} lost their lease",
                    report.total(),
                    report.succeeded,
                    report.retrying,
                    report.dead,
                    report.lost_lease
                );
            }
        }
        JobsCommand::Tick { json } => {
            let now = Utc::now();
            let mut enqueued = serde_json::Map::new();
            for periodic in crate::jobs::periodics(state) {
                if registry.contains(&periodic.kind) {
                    let n = schedule::tick(&state.pool, &periodic, now).await?;
                    enqueued.insert(periodic.kind.clone(), n.into());
                }
            }
            if json {
                println!("{}", serde_json::Value::Object(enqueued));
            } else {
                for (kind, n) in enqueued {
                    println!("{kind:<24} {n} enqueued");
                }
            }
        }
    }
    Ok(())
}
