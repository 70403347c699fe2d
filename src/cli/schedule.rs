//! `xiaodai schedule`: the loan engine's schedule for given terms, as a table
//! (Chinese headers by default) or JSON — the same computation as
//! `POST /api/v1/schedule-previews`.

use chrono::NaiveDate;
use clap::Args;
use loan_engine::{preview, render_table, CustomInput, Lang, ScheduleInput};

/// Schedule terms.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// bullet, interest_monthly, interest_quarterly, interest_upfront, equal_principal, equal_installment, custom
    #[arg(long)]
    method: String,
    /// Principal, e.g. 100000.00
    #[arg(long)]
    principal: String,
    /// Annual nominal rate as a fraction, e.g. 0.12
    #[arg(long)]
    rate: String,
    #[arg(long)]
    months: Option<u32>,
    #[arg(long)]
    days: Option<u32>,
    /// Value date, YYYY-MM-DD
    #[arg(long)]
    start: NaiveDate,
    /// Fixed repayment day 1–28
    #[arg(long)]
    repay_day: Option<u32>,
    /// For custom: a JSON file `[{"due_date","principal"}]`
    #[arg(long)]
    custom: Option<std::path::PathBuf>,
    /// Refuse an APR above this rate
    #[arg(long)]
    cap: Option<String>,
    #[arg(long)]
    json: bool,
    /// Table language: zh (default) or en
    #[arg(long, default_value = "zh")]
    lang: String,
}

#[derive(serde::Deserialize)]
struct CustomRow {
    due_date: NaiveDate,
    principal: String,
}

/// Prints the schedule, or fails with the field at fault.
pub fn run(args: ScheduleArgs) -> anyhow::Result<()> {
    let custom = match &args.custom {
        Some(path) => {
            let text = std::fs::read_to_string(path)?;
            let rows: Vec<CustomRow> = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "custom: {} is not a JSON array of {{\"due_date\",\"principal\"}}: {e}",
                    path.display()
                )
            })?;
            Some(
                rows.into_iter()
                    .map(|r| CustomInput {
                        due_date: r.due_date,
                        principal: r.principal,
                    })
                    .collect(),
            )
        }
        None => None,
    };
    let lang = match args.lang.as_str() {
        "zh" => Lang::Zh,
        "en" => Lang::En,
        other => anyhow::bail!("lang: {other} is not zh or en"),
    };
    let input = ScheduleInput {
        method: args.method,
        principal: args.principal,
        rate: args.rate,
        months: args.months,
        days: args.days,
        start: args.start,
        repay_day: args.repay_day,
        custom,
        cap: args.cap,
    };
    let result = preview(&input).map_err(|e| {
        anyhow::anyhow!("{}: {} ({})", e.field.unwrap_or("terms"), e.message, e.code)
    })?;
    let text = if args.json {
        serde_json::to_string_pretty(&result)? + "\n"
    } else {
        render_table(&result, lang)
    };
    let mut out = std::io::stdout().lock();
    match std::io::Write::write_all(&mut out, text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
