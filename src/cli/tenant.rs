//! `xiaodai tenant create|list|export|import|sweep`.

use std::path::PathBuf;

use clap::Subcommand;
use platform::{
    provisioning::{self, NewTenant},
    tenancy, tenant_export, AppState,
};

/// Tenant subcommands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with its schema, role, defaults and admin user.
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Export one tenant (pg_dump of its schema, every table as JSON, manifest).
    Export {
        #[arg(long)]
        code: String,
        /// Directory to create (must not hold an export already).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore an export into this database, under its code or a new one.
    Import {
        #[arg(long)]
        dir: PathBuf,
        /// Restore under this tenant code instead of the exported one.
        #[arg(long)]
        code: Option<String>,
    },
    /// The daily housekeeping: meter usage, drop closed tenants' schemas
    /// past retention, expire stale sign-ups.
    Sweep,
}

/// Runs a tenant subcommand.
pub async fn run(state: &AppState, command: TenantCommand) -> anyhow::Result<()> {
    platform::migrate::migrate_database_with_prefix(&state.pool, &state.config.tenancy.role_prefix)
        .await?;
    match command {
        TenantCommand::Create {
            code,
            name,
            jurisdiction,
            json,
        } => {
            let created = provisioning::create_tenant(
                &state.pool,
                &state.config.tenancy.role_prefix,
                NewTenant {
                    code,
                    name,
                    jurisdiction,
                    status: "active".into(),
                    admin_password: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                println!(
                    "tenant {} created in schema {}",
                    created.code, created.schema
                );
                println!(
                    "admin user: {}  one-time password: {}",
                    created.admin_username, created.admin_password
                );
            }
        }
        TenantCommand::List { json } => {
            let rows = provisioning::list_tenants(&state.pool).await?;
            if json {
                println!("{}", serde_json::to_string(&rows)?);
            } else {
                println!(
                    "{:<24} {:<10} {:<13} {:>7}  name",
                    "code", "status", "plan", "version"
                );
                for r in rows {
                    println!(
                        "{:<24} {:<10} {:<13} {:>7}  {}",
                        r.code, r.status, r.plan_code, r.schema_version, r.name
                    );
                }
            }
        }
        TenantCommand::Export { code, out } => {
            let found = tenancy::find(&state.pool, &code)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no tenant {code}"))?;
            let manifest = tenant_export::export(
                &state.pool,
                &tenant_export::ExportSettings::from_config(&state.config),
                &found.tenant,
                &out,
                false,
            )
            .await?;
            let rows: i64 = manifest.tables.iter().map(|t| t.rows).sum();
            println!(
                "tenant {code} exported to {}: {} tables, {rows} rows, schema version {}",
                out.display(),
                manifest.tables.len(),
                manifest.schema_version
            );
        }
        TenantCommand::Import { dir, code } => {
            let report = tenant_export::import(
                &state.pool,
                &state.config.tenancy.role_prefix,
                &dir,
                code.as_deref(),
            )
            .await?;
            println!(
                "tenant {} restored into schema {}: {} tables, {} rows, schema version {}",
                report.code, report.schema, report.tables, report.rows, report.schema_version
            );
        }
        TenantCommand::Sweep => {
            let report = platform::lifecycle::sweep(&state.pool).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(())
}
