//! What the firm tells the regulator each day: the inputs of its metric
//! snapshot (`supervision_metrics::FirmInput`), read from its own ledger and
//! loan book as of a business date. Close of business hands them to
//! `supervisor_portal::snapshot::submit` in the date's transaction.
//!
//! Ledger figures are sums of posted lines up to the date over an account
//! and its sub-accounts; the loan facts come from the active loans as close
//! of business has just left them.

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use loan_engine::LoanClass;
use platform::tenancy::TenantTx;
use rust_decimal::Decimal;
use supervision_metrics::{BorrowerType, FirmInput, FundingBalances, LoanFacts, Purpose, Security};

use crate::ledger::allowance::{self, ClassBalances};

/// Net debit of an account and its sub-accounts up to and including `date`
/// (`closing`: whether period-close vouchers count).
async fn net_debit(
    tx: &mut TenantTx,
    prefix: &str,
    from: Option<NaiveDate>,
    date: NaiveDate,
    closing: bool,
) -> anyhow::Result<Decimal> {
    let v: Decimal = sqlx::query_scalar(
        "select coalesce(sum(l.debit - l.credit), 0)::numeric from voucher_lines l
           join vouchers v on v.id = l.voucher_id
          where l.account_code like $1 || '%' and l.voucher_date <= $2
            and ($3::date is null or l.voucher_date >= $3) and ($4 or not v.closing)",
    )
    .bind(prefix)
    .bind(date)
    .bind(from)
    .bind(closing)
    .fetch_one(&mut **tx)
    .await
    .with_context(|| format!("failed to total account {prefix}"))?;
    Ok(v)
}

/// Net profit from 1 January to `date`: income less expenses, period-close
/// entries left out.
async fn net_profit_ytd(tx: &mut TenantTx, date: NaiveDate) -> anyhow::Result<Decimal> {
    let start = NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date);
    let v: Decimal = sqlx::query_scalar(
        "select coalesce(sum(case a.kind when 'income' then l.credit - l.debit
                                          when 'expense' then l.debit - l.credit else 0 end), 0)::numeric
           from voucher_lines l
           join vouchers v on v.id = l.voucher_id
           join ledger_accounts a on a.code = l.account_code
          where l.voucher_date between $1 and $2 and not v.closing",
    )
    .bind(start)
    .bind(date)
    .fetch_one(&mut **tx)
    .await
    .context("failed to compute the net profit")?;
    Ok(v)
}

/// The averages of total assets and of equity (assets less liabilities)
/// over the days from 1 January to `date`, each day's figure taken at its end.
async fn averages(tx: &mut TenantTx, date: NaiveDate) -> anyhow::Result<(Decimal, Decimal)> {
    let start = NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date);
    let row: (Decimal, Decimal) = sqlx::query_as(
        "with lines as (
             select l.voucher_date as d,
                    case a.kind when 'asset' then l.debit - l.credit else 0 end as asset,
                    case a.kind when 'liability' then l.credit - l.debit else 0 end as liability
               from voucher_lines l join ledger_accounts a on a.code = l.account_code
              where l.voucher_date <= $2),
         opening as (
             select coalesce(sum(asset), 0) as asset, coalesce(sum(liability), 0) as liability
               from lines where d < $1),
         daily as (select d, sum(asset) as asset, sum(liability) as liability
                     from lines where d >= $1 group by d),
         days as (
             select g.d::date as d,
                    sum(coalesce(x.asset, 0)) over (order by g.d) as asset,
                    sum(coalesce(x.liability, 0)) over (order by g.d) as liability
               from generate_series($1::date, $2::date, interval '1 day') as g(d)
               left join daily x on x.d = g.d::date)
         select round(coalesce(avg(o.asset + days.asset), 0), 2)::numeric,
                round(coalesce(avg(o.asset + days.asset - o.liability - days.liability), 0), 2)::numeric
           from days, opening o",
    )
    .bind(start)
    .bind(date)
    .fetch_one(&mut **tx)
    .await
    .context("failed to average assets and equity")?;
    Ok(row)
}

/// One active loan as the snapshot query reads it.
#[derive(sqlx::FromRow)]
struct LoanRow {
    id: i64,
    customer_id: i64,
    group_id: Option<i64>,
    class: String,
    balance: Decimal,
    apr: Option<Decimal>,
    principal: Decimal,
    recorded_payout: Option<Decimal>,
    dedicated: bool,
    overridden: bool,
    term_months: Option<i32>,
    term_days: Option<i32>,
    dpd: Option<i32>,
    overdue_principal: Decimal,
    customer_kind: Option<String>,
    industry_code: Option<String>,
    security: Option<String>,
    business: bool,
}

/// The active loans as of `date` (paid out on or before it), with their
/// days past due as of `date + 1` and the unpaid principal of their overdue
/// installments (principal is the last part an installment's payments reach).
async fn loan_facts(tx: &mut TenantTx, date: NaiveDate) -> anyhow::Result<Vec<LoanFacts>> {
    let exists: bool = sqlx::query_scalar("select to_regclass('loans') is not null")
        .fetch_one(&mut **tx)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows: Vec<LoanRow> = sqlx::query_as(
        "select l.id, l.customer_id, c.group_id, l.class, l.outstanding_principal as balance, l.apr,
                l.principal, l.recorded_payout,
                coalesce(b.dedicated, false) as dedicated,
                l.payout_override_reason is not null as overridden,
                l.term_months, l.term_days,
                ($1::date + 1 - min(i.due_date) filter (where i.outstanding > 0 and i.due_date <= $1))::int as dpd,
                coalesce(sum(least(i.principal, i.outstanding))
                    filter (where i.outstanding > 0 and i.due_date <= $1), 0)::numeric as overdue_principal,
                c.kind as customer_kind, l.product_snapshot->>'industry_code' as industry_code,
                l.product_snapshot->>'security' as security,
                coalesce(c.profile->'individual' ? 'business', false) as business
           from loans l
           left join customers c on c.id = l.customer_id
           left join bank_accounts b on b.id = l.payout_bank_account_id
           left join loan_installments i on i.loan_id = l.id
          where l.status = 'active' and l.payout_date <= $1
          group by l.id, c.group_id, b.dedicated, c.kind, c.profile
          order by l.id",
    )
    .bind(date)
    .fetch_all(&mut **tx)
    .await
    .context("failed to read the loan book")?;
    rows.into_iter().map(loan_fact).collect()
}

fn loan_fact(r: LoanRow) -> anyhow::Result<LoanFacts> {
    let id = r.id;
    let class = LoanClass::ALL
        .into_iter()
        .find(|c| c.code() == r.class)
        .with_context(|| format!("loan {id}: unknown class {:?}", r.class))?;
    let term_months = match (r.term_months, r.term_days) {
        (Some(m), _) => u32::try_from(m).unwrap_or(0),
        (None, Some(d)) => u32::try_from(d / 30).unwrap_or(0),
        (None, None) => 0,
    };
    Ok(LoanFacts {
        loan_id: id.to_string(),
        borrower_id: r.customer_id.to_string(),
        related_group_id: r.group_id.map(|g| g.to_string()),
        related_party: false,
        dpd: r.dpd.and_then(|d| u32::try_from(d).ok()).unwrap_or(0),
        class,
        balance: r.balance,
        overdue_principal: r.overdue_principal,
        apr: r.apr.unwrap_or_default(),
        contract_principal: r.principal,
        recorded_payout: r.recorded_payout.unwrap_or(r.principal),
        payout_from_dedicated_account: r.dedicated,
        payout_override: r.overridden,
        term_months,
        contract_size: r.principal,
        purpose: purpose(r.industry_code.as_deref()),
        security: match r.security.as_deref() {
            Some("guarantee") => Security::Guarantee,
            Some("mortgage") => Security::Mortgage,
            Some("pledge") => Security::Pledge,
            _ => Security::Credit,
        },
        borrower_type: match (r.customer_kind.as_deref(), r.business) {
            (Some("company"), _) => BorrowerType::Company,
            (_, true) => BorrowerType::SmallBusinessOwner,
            _ => BorrowerType::UrbanResident,
        },
    })
}

/// The report's purpose from the national industry classification (GB/T
/// 4754): section A is agriculture; any other section is industry and
/// commerce; none is consumption.
fn purpose(industry_code: Option<&str>) -> Purpose {
    match industry_code.and_then(|c| c.chars().next()) {
        None => Purpose::Consumption,
        Some('A') => Purpose::Agriculture,
        Some(_) => Purpose::IndustryCommerce,
    }
}

/// The firm's snapshot inputs as of `date` (`firm_id`: the tenant code).
pub async fn firm_input(
    tx: &mut TenantTx,
    firm_id: &str,
    date: NaiveDate,
) -> anyhow::Result<FirmInput> {
    let loans = loan_facts(tx, date).await?;
    let mut classes = ClassBalances::default();
    for l in &loans {
        classes.add(l.class, l.balance);
    }
    let required = allowance::propose(tx, date, &classes)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?
        .required;
    let credit = |v: Decimal| -v;
    let assets = net_debit(tx, "1", None, date, true).await?;
    let liabilities = credit(net_debit(tx, "2", None, date, true).await?);
    let (average_total_assets, average_equity) = averages(tx, date).await?;
    let funding = FundingBalances {
        bank: credit(net_debit(tx, "200101", None, date, true).await?)
            + credit(net_debit(tx, "250101", None, date, true).await?),
        shareholder: credit(net_debit(tx, "200102", None, date, true).await?)
            + credit(net_debit(tx, "250102", None, date, true).await?),
        other_non_standard: credit(net_debit(tx, "200103", None, date, true).await?)
            + credit(net_debit(tx, "250103", None, date, true).await?),
        bonds: credit(net_debit(tx, "250201", None, date, true).await?),
        abs: credit(net_debit(tx, "250202", None, date, true).await?),
    };
    Ok(FirmInput {
        firm_id: firm_id.to_string(),
        as_of: date,
        net_assets: assets - liabilities,
        loan_balance: net_debit(tx, "1303", None, date, true).await?,
        loans,
        funding,
        allowance: credit(net_debit(tx, "1304", None, date, true).await?),
        required_allowance: required,
        net_profit_ytd: net_profit_ytd(tx, date).await?,
        average_total_assets,
        average_equity,
        days: date.ordinal(),
    })
}
