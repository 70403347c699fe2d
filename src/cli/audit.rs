//! `xiaodai audit seal|verify`: seal the audit chains now, or recompute one
//! and compare it with its anchors (exit status 1 when broken).

use clap::Subcommand;
use platform::{
    audit_chain::{self, Chain},
    tenancy, AppState,
};

/// Audit trail commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal every chain now (the `audit.seal` job does it every minute).
    Seal,
    /// Verify a chain: a tenant's (`--tenant`), or the operators'
    /// (`--platform`) or the regulators' (`--supervision`).
    Verify {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        platform: bool,
        #[arg(long)]
        supervision: bool,
    },
}

/// The chain a verify command names.
pub async fn chain_of(
    state: &AppState,
    tenant: Option<&str>,
    platform: bool,
    supervision: bool,
) -> anyhow::Result<Chain> {
    match (tenant, platform, supervision) {
        (Some(code), false, false) => {
            let found = tenancy::find(&state.pool, code)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no tenant {code}"))?;
            Ok(Chain::Tenant(found.tenant))
        }
        (None, true, false) => Ok(Chain::Platform),
        (None, false, true) => Ok(Chain::Supervision),
        _ => anyhow::bail!("name exactly one of --tenant C, --platform, --supervision"),
    }
}

/// Runs an audit command.
pub async fn run(state: &AppState, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Seal => {
            for chain in audit_chain::chains(&state.pool).await? {
                let n = audit_chain::seal_all(&state.pool, &chain).await?;
                if n > 0 {
                    println!("{:<30} {n} records sealed", chain.scope());
                }
            }
            Ok(())
        }
        AuditCommand::Verify {
            tenant,
            platform,
            supervision,
        } => {
            let chain = chain_of(state, tenant.as_deref(), platform, supervision).await?;
            let report = audit_chain::verify(&state.pool, &chain).await?;
            match &report.broken {
                None => {
                    println!(
                        "{}: chain intact ({} sealed, {} not sealed yet, {} anchors match)",
                        chain.scope(),
                        report.sealed,
                        report.unsealed,
                        report.anchors
                    );
                    Ok(())
                }
                Some((seq, why)) => {
                    println!("{}: chain BROKEN at position {seq}: {why}", chain.scope());
                    std::process::exit(1);
                }
            }
        }
    }
}
