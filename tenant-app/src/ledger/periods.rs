//! Monthly accounting periods (会计期间): created on demand without gaps, closed in
//! order; closing carries the month's profit to 4103 and, in December, the year's
//! to 4104 with the appropriation to the general risk reserve 4102.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use ledger_rules::{chart as codes, trial_balance, AccountCode, Totals};
use platform::{
    audit::{self, Actor, Change, Trail},
    tenancy::TenantTx,
    ApiError, ApiResult,
};

use super::{balances, chart, posting, settings};

/// The first day of a date's month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of the month starting on `start`.
pub fn month_end(start: NaiveDate) -> NaiveDate {
    next_month(start).pred_opt().unwrap_or(start)
}

/// The first day of the next month.
pub fn next_month(start: NaiveDate) -> NaiveDate {
    month_start(start)
        .checked_add_months(Months::new(1))
        .unwrap_or(start)
}

/// A period's name, `2026-01`.
pub fn name(start: NaiveDate) -> String {
    start.format("%Y-%m").to_string()
}

/// Parses `2026-01` into the period's first day; 422 naming `field` otherwise.
pub fn parse(field: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| text.trim().len() == 7 && (1900..=2999).contains(&d.year()))
        .ok_or_else(|| {
            ApiError::validation(
                field,
                "invalid_period",
                "a period is written YYYY-MM, e.g. 2026-01",
            )
        })
}

/// A stored period.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct PeriodRow {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// `open` or `closed`.
    pub status: String,
    /// Vouchers posted into it.
    pub vouchers: i64,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by_name: Option<String>,
}

/// Every period, oldest first.
pub async fn list(tx: &mut TenantTx) -> ApiResult<Vec<PeriodRow>> {
    Ok(sqlx::query_as(
        "select starts_on, ends_on, status, (next_voucher_no - 1)::bigint as vouchers, closed_at, closed_by_name
           from ledger_periods order by starts_on",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Creates the period starting on `start` and any missing between it and the existing ones.
async fn ensure(tx: &mut TenantTx, start: NaiveDate) -> ApiResult<()> {
    sqlx::query(
        "insert into ledger_periods (starts_on)
         select d::date from generate_series(
             least($1::date, coalesce((select min(starts_on) from ledger_periods), $1::date)),
             greatest($1::date, coalesce((select max(starts_on) from ledger_periods), $1::date)),
             interval '1 month') as d
         on conflict (starts_on) do nothing",
    )
    .bind(start)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open period a voucher dated `date` goes to, locked for this transaction: the
/// date's own month, or, when that is closed (a late event), the first open one.
pub async fn open_for(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<NaiveDate> {
    let own = month_start(date);
    for _ in 0..3 {
        let last_closed: Option<NaiveDate> =
            sqlx::query_scalar("select max(starts_on) from ledger_periods where status = 'closed'")
                .fetch_one(&mut **tx)
                .await?;
        let target = match last_closed {
            Some(closed) if closed >= own => next_month(closed),
            _ => own,
        };
        let mut status = lock_status(tx, target).await?;
        if status.is_none() {
            ensure(tx, target).await?;
            status = lock_status(tx, target).await?;
        }
        if status.as_deref() == Some("open") {
            return Ok(target);
        }
        // Closed meanwhile by another transaction: look again.
    }
    Err(ApiError::conflict(
        "period_closed",
        "the period was closed while posting; try again",
    ))
}

/// A period's status, its row locked; `None` when it does not exist yet.
async fn lock_status(tx: &mut TenantTx, start: NaiveDate) -> ApiResult<Option<String>> {
    Ok(
        sqlx::query_scalar("select status from ledger_periods where starts_on = $1 for update")
            .bind(start)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// Whether the period of `date` is closed (manual vouchers refuse it instead of moving).
pub async fn is_closed(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from ledger_periods where status = 'closed' and starts_on >= $1)",
    )
    .bind(month_start(date))
    .fetch_one(&mut **tx)
    .await?)
}

/// What closing a period did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClosedPeriod {
    /// First day of the period.
    pub starts_on: NaiveDate,
    /// The vouchers posted by the close (profit carry, year-end carry, reserve).
    pub vouchers: Vec<posting::Posted>,
}

/// Closes a period: the earlier ones must be closed and every voucher of the month
/// posted; carries the month's income and expenses to 4103 (and in December 4103 to
/// 4104, then the general risk reserve); checks the trial balance; then refuses postings.
pub async fn close(tx: &mut TenantTx, actor: &Actor, start: NaiveDate) -> ApiResult<ClosedPeriod> {
    let status: Option<String> =
        sqlx::query_scalar("select status from ledger_periods where starts_on = $1 for update")
            .bind(start)
            .fetch_optional(&mut **tx)
            .await?;
    match status.as_deref() {
        None => return Err(ApiError::not_found("period")),
        Some("closed") => {
            return Err(ApiError::conflict(
                "period_closed",
                format!("period {} is already closed", name(start)),
            ))
        }
        _ => {}
    }
    let earlier_open: Option<NaiveDate> = sqlx::query_scalar(
        "select min(starts_on) from ledger_periods where starts_on < $1 and status = 'open'",
    )
    .bind(start)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(earlier) = earlier_open {
        return Err(ApiError::conflict(
            "earlier_period_open",
            format!("close period {} first", name(earlier)),
        ));
    }
    let end = month_end(start);
    let unposted: i64 = sqlx::query_scalar(
        "select count(*) from manual_vouchers where status in ('draft', 'reviewed') and voucher_date <= $1",
    )
    .bind(end)
    .fetch_one(&mut **tx)
    .await?;
    if unposted > 0 {
        return Err(ApiError::conflict(
            "unposted_vouchers",
            format!("{unposted} manual vouchers dated in or before {} are not posted; post or discard them first", name(start)),
        ));
    }
    let accounts = chart::load(tx).await?;
    let source_id = name(start);
    let mut posted = Vec::new();
    let balances_now = balances::as_of(tx, end).await?;
    if let Some(carry) = ledger_rules::profit_carry(end, &accounts, &balances_now)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("profit carry: {e}")))?
    {
        posted.push(
            posting::post(
                tx,
                actor,
                &carry,
                &posting::Source::new("period_close", &source_id),
            )
            .await?,
        );
    }
    if start.month() == 12 {
        let totals = balances::as_of(tx, end).await?;
        let profit = net_credit(&totals, &codes::CURRENT_YEAR_PROFIT);
        if let Some(carry) = ledger_rules::year_end_carry(end, profit)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("year-end carry: {e}")))?
        {
            posted.push(
                posting::post(
                    tx,
                    actor,
                    &carry,
                    &posting::Source::new("period_close", &source_id),
                )
                .await?,
            );
        }
        let totals = balances::as_of(tx, end).await?;
        let risk_assets = net_debit(&totals, &codes::LOANS);
        let reserve = net_credit(&totals, &codes::GENERAL_RISK_RESERVE);
        let rate = settings::load(tx).await?.risk_reserve_rate.value();
        if let Some(appropriation) = ledger_rules::risk_reserve_appropriation(
            end,
            risk_assets.max(rust_decimal::Decimal::ZERO),
            rate,
            reserve,
        )
        .map_err(|e| ApiError::internal(anyhow::anyhow!("risk reserve: {e}")))?
        {
            posted.push(
                posting::post(
                    tx,
                    actor,
                    &appropriation,
                    &posting::Source::new("period_close", &source_id),
                )
                .await?,
            );
        }
    }
    let opening = balances::before_period(tx, start).await?;
    let period = balances::for_periods(tx, start, start, None).await?;
    let tb = trial_balance(&accounts, &opening, &period)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("trial balance: {e}")))?;
    if !tb.is_balanced() {
        return Err(ApiError::conflict(
            "trial_balance_unbalanced",
            format!(
                "the trial balance of {} does not balance; the period stays open",
                name(start)
            ),
        ));
    }
    sqlx::query(
        "update ledger_periods set status = 'closed', closed_at = now(), closed_by = $2, closed_by_name = $3
          where starts_on = $1",
    )
    .bind(start)
    .bind(actor.id)
    .bind(&actor.name)
    .execute(&mut **tx)
    .await?;
    let change = Change {
        action: "ledger_period.close",
        entity_type: "ledger_period",
        entity_id: Some(source_id),
        before: Some(serde_json::json!({"status": "open"})),
        after: Some(serde_json::json!({
            "status": "closed",
            "vouchers": posted.iter().map(|p| p.id).collect::<Vec<_>>(),
        })),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(ClosedPeriod {
        starts_on: start,
        vouchers: posted,
    })
}

/// Debit minus credit of an account and its sub-accounts.
pub(crate) fn net_debit(totals: &Totals, code: &AccountCode) -> rust_decimal::Decimal {
    totals
        .iter()
        .filter(|(c, _)| c.is_within(code))
        .map(|(_, t)| t.net_debit())
        .sum()
}

/// Credit minus debit of an account and its sub-accounts.
pub(crate) fn net_credit(totals: &Totals, code: &AccountCode) -> rust_decimal::Decimal {
    -net_debit(totals, code)
}
