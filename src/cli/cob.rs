//! `xiaodai cob`: close of business by hand.

use chrono::NaiveDate;
use clap::Subcommand;
use platform::AppState;
use tenant_app::close_of_business::Trigger;

/// Close of business (日终).
#[derive(Debug, Subcommand)]
pub enum CobCommand {
    /// Close the tenant's open business dates through DATE, in order (dates
    /// closed already are left as they are).
    Run {
        #[arg(long)]
        tenant: String,
        /// The last business date to close (YYYY-MM-DD).
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `cob` subcommand.
pub async fn run(state: &AppState, command: CobCommand) -> anyhow::Result<()> {
    match command {
        CobCommand::Run { tenant, date, json } => {
            let closed =
                crate::close_of_business::run(state, &tenant, date, Trigger::Manual).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&closed)?);
            } else if closed.is_empty() {
                println!("{tenant}: nothing to close through {date}");
            } else {
                for day in &closed {
                    println!("{tenant}: closed {}", day.business_date);
                }
            }
            Ok(())
        }
    }
}
