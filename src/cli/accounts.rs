//! `xiaodai operator create` and `xiaodai regulator create`.

use clap::Subcommand;
use platform::{auth::password, AppState};

/// Which account table.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Operator,
    Regulator,
}

/// Account subcommands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account (a one-time password is generated unless given).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Sets a permanent password instead of a one-time one.
        #[arg(long)]
        password: Option<String>,
        /// Regulators: a jurisdiction code they supervise (repeatable).
        #[arg(long)]
        jurisdiction: Vec<String>,
    },
}

/// Creates an account if it does not exist; returns the password set, if new.
pub async fn ensure_account(
    state: &AppState,
    kind: Kind,
    username: &str,
    display_name: &str,
    password_text: Option<String>,
    jurisdictions: &[String],
) -> anyhow::Result<Option<String>> {
    let must_change = password_text.is_none();
    let pw = password_text.unwrap_or_else(password::one_time);
    let hash = password::hash(&pw)?;
    let inserted = match kind {
        Kind::Operator => sqlx::query(
            "insert into platform.operators (username, display_name, password_hash, must_change_password)
             values ($1, $2, $3, $4) on conflict (username) do nothing",
        )
        .bind(username)
        .bind(display_name)
        .bind(&hash)
        .bind(must_change)
        .execute(&state.pool)
        .await?
        .rows_affected(),
        Kind::Regulator => {
            for j in jurisdictions {
                sqlx::query("insert into supervision.jurisdictions (code, name) values ($1, $1) on conflict do nothing")
                    .bind(j)
                    .execute(&state.pool)
                    .await?;
            }
            sqlx::query(
                "insert into supervision.regulators (username, display_name, password_hash, must_change_password, jurisdictions)
                 values ($1, $2, $3, $4, $5) on conflict (username) do nothing",
            )
            .bind(username)
            .bind(display_name)
            .bind(&hash)
            .bind(must_change)
            .bind(jurisdictions)
            .execute(&state.pool)
            .await?
            .rows_affected()
        }
    };
    if inserted == 1 {
        // Running instances learn of the new account's roles at once.
        let set = match kind {
            Kind::Operator => platform::rbac::policy::PolicySet::Operators,
            Kind::Regulator => platform::rbac::policy::PolicySet::Regulators,
        };
        state
            .access
            .changed(&set)
            .await
            .map_err(|e| anyhow::anyhow!("failed to announce the new account: {}", e.message))?;
    }
    Ok((inserted == 1).then_some(pw))
}

/// Runs an account subcommand.
pub async fn run(state: &AppState, kind: Kind, command: AccountCommand) -> anyhow::Result<()> {
    platform::migrate::migrate_database_with_prefix(&state.pool, &state.config.tenancy.role_prefix)
        .await?;
    match command {
        AccountCommand::Create {
            username,
            display_name,
            password,
            jurisdiction,
        } => {
            match ensure_account(
                state,
                kind,
                &username,
                &display_name,
                password,
                &jurisdiction,
            )
            .await?
            {
                Some(pw) => println!("{kind:?} {username} created; password: {pw}"),
                None => anyhow::bail!("{kind:?} {username} already exists"),
            }
        }
    }
    Ok(())
}
