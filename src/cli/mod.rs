//! Subcommands: serve, migrate, tenant, operator, regulator, jobs, cob, audit, schedule, demo, openapi.

mod accounts;
pub mod audit;
mod cob;
mod demo;
pub mod jobs;
mod schedule;
mod tenant;

use clap::{Parser, Subcommand};
use platform::{config::Config, AppState};

/// Xiaodai (小贷云): hosted micro-lending platform.
#[derive(Debug, Parser)]
#[command(name = "xiaodai", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP APIs.
    Serve {
        /// Listen address (default: server.addr).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Upgrade the platform, supervision and every tenant schema.
    Migrate {
        #[arg(long)]
        json: bool,
    },
    /// Tenants (lending companies).
    Tenant {
        #[command(subcommand)]
        command: tenant::TenantCommand,
    },
    /// Platform operator accounts.
    Operator {
        #[command(subcommand)]
        command: accounts::AccountCommand,
    },
    /// Regulator accounts.
    Regulator {
        #[command(subcommand)]
        command: accounts::AccountCommand,
    },
    /// Background jobs: run due ones by hand, or enqueue the periodic ones.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Close of business by hand.
    Cob {
        #[command(subcommand)]
        command: cob::CobCommand,
    },
    /// The audit trails' hash chains: seal now, or verify one.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Compute a repayment schedule (no database needed).
    Schedule(schedule::ScheduleArgs),
    /// Migrate, create the demo tenant with data, print logins, and serve.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Write the three OpenAPI specs into a directory.
    Openapi {
        #[arg(long, default_value = "docs/openapi")]
        out: std::path::PathBuf,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,tokio_cron_scheduler=warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn connect() -> anyhow::Result<AppState> {
    let config = Config::load()?;
    AppState::connect(config).await
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schedule(args) => schedule::run(args),
        Command::Openapi { out } => {
            std::fs::create_dir_all(&out)?;
            for (name, spec) in crate::app::specs() {
                std::fs::write(out.join(name), spec + "\n")?;
            }
            Ok(())
        }
        command => {
            init_logging();
            let state = connect().await?;
            match command {
                Command::Serve { addr } => {
                    platform::migrate::migrate_database_with_prefix(
                        &state.pool,
                        &state.config.tenancy.role_prefix,
                    )
                    .await?;
                    let addr = addr.unwrap_or_else(|| state.config.server.addr.clone());
                    crate::app::serve(state, &addr).await
                }
                Command::Migrate { json } => migrate(&state, json).await,
                Command::Tenant { command } => tenant::run(&state, command).await,
                Command::Operator { command } => {
                    accounts::run(&state, accounts::Kind::Operator, command).await
                }
                Command::Regulator { command } => {
                    accounts::run(&state, accounts::Kind::Regulator, command).await
                }
                Command::Jobs { command } => jobs::run(&state, command).await,
                Command::Cob { command } => cob::run(&state, command).await,
                Command::Audit { command } => audit::run(&state, command).await,
                Command::Demo { addr } => demo::run(state, &addr).await,
                Command::Schedule(_) | Command::Openapi { .. } => Ok(()),
            }
        }
    }
}

async fn migrate(state: &AppState, json: bool) -> anyhow::Result<()> {
    platform::migrate::migrate_database_with_prefix(&state.pool, &state.config.tenancy.role_prefix)
        .await?;
    let results = platform::migrate::migrate_all_tenants(
        &state.pool,
        &state.config.tenancy.role_prefix,
        state.config.database.migrate_parallelism,
    )
    .await?;
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    if json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        println!("platform and supervision schemas up to date");
        for r in &results {
            match &r.error {
                None => println!("{:<30} version {}", r.code, r.version),
                Some(e) => println!("{:<30} FAILED: {e}", r.code),
            }
        }
        println!("{} tenants, {} failed", results.len(), failed);
    }
    if failed > 0 {
        anyhow::bail!("{failed} tenants failed to migrate; rerun to resume");
    }
    Ok(())
}
