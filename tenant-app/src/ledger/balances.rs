//! Per-account debit and credit totals read from the database (the trigger-kept
//! `ledger_account_totals`, plus the lines of a part-month), as `ledger-rules`
//! `Totals`; and net assets.

use chrono::NaiveDate;
use ledger_rules::{AccountCode, AccountTotal, Totals};
use platform::{tenancy::TenantTx, ApiError, ApiResult};
use rust_decimal::Decimal;

use super::{chart, periods};

type TotalRow = (String, Decimal, Decimal);

fn totals(rows: Vec<TotalRow>) -> ApiResult<Totals> {
    let mut totals = Totals::new();
    for (code, debit, credit) in rows {
        let code = AccountCode::parse(&code)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("stored account code: {e}")))?;
        totals.add(code, AccountTotal { debit, credit });
    }
    Ok(totals)
}

/// Everything posted with an accounting date up to and including `date`, closing entries included.
pub async fn as_of(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<Totals> {
    let start = periods::month_start(date);
    let whole_month = date >= periods::month_end(start);
    let rows: Vec<TotalRow> = sqlx::query_as(
        "select account_code, sum(debit), sum(credit) from (
             select account_code, debit, credit from ledger_account_totals
              where period_start < $1 or (period_start = $1 and $3)
             union all
             select account_code, debit, credit from voucher_lines
              where period_start = $1 and voucher_date <= $2 and not $3
         ) t group by account_code",
    )
    .bind(start)
    .bind(date)
    .bind(whole_month)
    .fetch_all(&mut **tx)
    .await?;
    totals(rows)
}

/// Everything posted into periods before the one starting on `start` (the opening balances of a period).
pub async fn before_period(tx: &mut TenantTx, start: NaiveDate) -> ApiResult<Totals> {
    let rows: Vec<TotalRow> = sqlx::query_as(
        "select account_code, sum(debit), sum(credit) from ledger_account_totals
          where period_start < $1 group by account_code",
    )
    .bind(start)
    .fetch_all(&mut **tx)
    .await?;
    totals(rows)
}

/// The turnover of the periods `from..=to`; `closing: Some(false)` leaves the
/// period-close entries out (income statement), `None` counts everything.
pub async fn for_periods(
    tx: &mut TenantTx,
    from: NaiveDate,
    to: NaiveDate,
    closing: Option<bool>,
) -> ApiResult<Totals> {
    let rows: Vec<TotalRow> = sqlx::query_as(
        "select account_code, sum(debit), sum(credit) from ledger_account_totals
          where period_start between $1 and $2 and ($3::boolean is null or closing = $3)
          group by account_code",
    )
    .bind(from)
    .bind(to)
    .bind(closing)
    .fetch_all(&mut **tx)
    .await?;
    totals(rows)
}

/// Whether the opening balances (期初余额) have been posted.
pub async fn opening_balances_entered(tx: &mut TenantTx) -> ApiResult<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from vouchers where event_kind = 'opening_balance')",
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Refuses with `opening_balances_missing` until the opening balances are posted.
pub async fn require_opening_balances(tx: &mut TenantTx) -> ApiResult<()> {
    if opening_balances_entered(tx).await? {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "opening_balances_missing",
            "the opening balances (期初余额) have not been entered yet: net assets are unknown until a reviewed \
             opening-balance voucher is posted (POST /api/v1/ledger/manual-vouchers with kind opening_balance)",
        ))
    }
}

/// Net assets (total equity, profit not yet carried included) at the end of `date`,
/// for lending limits and the regulator's metrics; `opening_balances_missing` before
/// the opening balances are posted.
pub async fn net_assets(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<Decimal> {
    require_opening_balances(tx).await?;
    let accounts = chart::load(tx).await?;
    let balances = as_of(tx, date).await?;
    ledger_rules::net_assets(&accounts, &balances)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("net assets: {e}")))
}
