//! 财务状况表: the balance sheet at the period's end and the income statement of the month
//! and of the year to date, with ROA and ROE.
//!
//! ROA (ROE) = net profit of the year to date × 12 ÷ months elapsed, divided by the average
//! of total assets (equity) at the month ends from the end of the previous year through the
//! period's end.

use chrono::{Datelike, Months, NaiveDate};
use ledger_rules::{BalanceSheet, IncomeStatement};
use platform::{tenancy::TenantTx, ApiError, ApiResult};
use rust_decimal::Decimal;
use supervision_metrics::filing::FilingContent;

use super::table::{amount, ratio, row};
use crate::ledger::{balances, chart, periods};

fn internal(e: ledger_rules::LedgerError) -> ApiError {
    ApiError::internal(anyhow::anyhow!("statement: {e}"))
}

/// The balance sheet at the end of `date`.
pub async fn balance_sheet_at(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<BalanceSheet> {
    let accounts = chart::load(tx).await?;
    let totals = balances::as_of(tx, date).await?;
    ledger_rules::balance_sheet(&accounts, &totals).map_err(internal)
}

/// The income statement of periods `from..=to` (closing entries left out).
pub async fn income(
    tx: &mut TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<IncomeStatement> {
    let accounts = chart::load(tx).await?;
    let totals = balances::for_periods(tx, from, to, Some(false)).await?;
    ledger_rules::income_statement(&accounts, &totals).map_err(internal)
}

/// The first day of the period's year.
pub fn year_start(period: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(period.year(), 1, 1).unwrap_or(period)
}

/// Total assets and total equity at the end of the previous year and every month end up to the period's.
pub async fn month_end_balances(
    tx: &mut TenantTx,
    period: NaiveDate,
) -> ApiResult<Vec<(Decimal, Decimal)>> {
    let mut out = Vec::new();
    let mut start = year_start(period);
    let prior_end = start.pred_opt().unwrap_or(start);
    let bs = balance_sheet_at(tx, prior_end).await?;
    out.push((bs.total_assets, bs.total_equity));
    while start <= period {
        let bs = balance_sheet_at(tx, periods::month_end(start)).await?;
        out.push((bs.total_assets, bs.total_equity));
        start = start
            .checked_add_months(Months::new(1))
            .unwrap_or(period.succ_opt().unwrap_or(period));
    }
    Ok(out)
}

/// Net profit of the year to date annualised.
pub fn annualised(ytd: Decimal, period: NaiveDate) -> Decimal {
    ytd * Decimal::from(12) / Decimal::from(period.month())
}

/// Generates the table for the period starting on `period`.
pub async fn generate(tx: &mut TenantTx, period: NaiveDate) -> ApiResult<FilingContent> {
    let bs = balance_sheet_at(tx, periods::month_end(period)).await?;
    let month = income(tx, period, period).await?;
    let ytd = income(tx, year_start(period), period).await?;
    let points = month_end_balances(tx, period).await?;
    let n = Decimal::from(points.len());
    let avg_assets = points.iter().map(|p| p.0).sum::<Decimal>() / n;
    let avg_equity = points.iter().map(|p| p.1).sum::<Decimal>() / n;
    let yearly = annualised(ytd.net_profit, period);
    let balance = |key: &str, label: &str, v: Decimal| row(key, label, vec![amount(v), None]);
    let flow = |key: &str, label: &str, f: fn(&IncomeStatement) -> Decimal| {
        row(key, label, vec![amount(f(&month)), amount(f(&ytd))])
    };
    let rows = vec![
        balance("total_assets", "资产总计 Total assets", bs.total_assets),
        balance(
            "total_liabilities",
            "负债合计 Total liabilities",
            bs.total_liabilities,
        ),
        balance(
            "total_equity",
            "所有者权益合计 Total equity",
            bs.total_equity,
        ),
        balance("cash", "货币资金 Cash and bank", bs.cash_and_bank),
        balance("loan_balance", "贷款余额 Loan balance", bs.loans_gross),
        balance(
            "loan_loss_allowance",
            "贷款损失准备 Loan loss allowance",
            bs.loan_loss_allowance,
        ),
        balance(
            "general_risk_reserve",
            "一般风险准备 General risk reserve",
            bs.general_risk_reserve,
        ),
        flow("operating_income", "营业收入 Operating income", |i| {
            i.operating_income
        }),
        flow(
            "interest_income",
            "其中：利息收入 of which interest income",
            |i| i.interest_income,
        ),
        flow(
            "fee_and_commission_income",
            "其中：手续费及佣金收入 of which fee and commission income",
            |i| i.fee_and_commission_income,
        ),
        flow(
            "operating_expenses",
            "营业支出 Operating expenses",
            |i| i.operating_expenses,
        ),
        flow(
            "taxes_and_surcharges",
            "其中：税金及附加 of which taxes and surcharges",
            |i| i.taxes_and_surcharges,
        ),
        flow(
            "finance_costs",
            "其中：财务费用 of which finance costs",
            |i| i.interest_expense,
        ),
        flow(
            "impairment_losses",
            "其中：资产减值损失 of which impairment losses",
            |i| i.impairment_losses,
        ),
        flow("profit_before_tax", "利润总额 Profit before tax", |i| {
            i.profit_before_tax
        }),
        flow("income_tax", "所得税 Income tax", |i| i.income_tax),
        flow("net_profit", "净利润 Net profit", |i| i.net_profit),
        row(
            "roa",
            "资产收益率（年化）ROA, annualised",
            vec![None, ratio(yearly, avg_assets)],
        ),
        row(
            "roe",
            "净资产收益率（年化）ROE, annualised",
            vec![None, ratio(yearly, avg_equity)],
        ),
    ];
    Ok(FilingContent {
        kind: "financial_position".into(),
        period: periods::name(period),
        title: "财务状况表 Financial position".into(),
        columns: vec![
            "本月/期末 Month or period end".into(),
            "本年累计 Year to date".into(),
        ],
        rows,
    })
}
