//! 主要经营指标及资金来源情况表: net capital, funding outstanding by source at the period's end
//! (from the borrowings register), funding drawn and repaid, the highest, lowest and
//! balance-weighted average rate of the funding outstanding, net interest income and net profit.

use chrono::NaiveDate;
use platform::{tenancy::TenantTx, ApiResult};
use rust_decimal::Decimal;
use supervision_metrics::filing::FilingContent;

use super::financial_position::{balance_sheet_at, income, year_start};
use super::table::{amount, rate, row};
use crate::ledger::{
    borrowings::{self, BorrowingEntry},
    periods,
};

/// The lender kinds of the register, with their labels.
pub const SOURCES: [(&str, &str); 5] = [
    ("bank", "银行借款 Bank borrowing"),
    ("shareholder", "股东借款 Shareholder borrowing"),
    (
        "other_non_standard",
        "其他非标准化融资 Other non-standard funding",
    ),
    ("bond", "债券 Bonds"),
    ("abs", "资产支持证券 ABS"),
];

/// One borrowing still owed at a date: kind, outstanding amount, rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Outstanding {
    pub kind: String,
    pub amount: Decimal,
    pub rate: Option<Decimal>,
}

/// What each borrowing drawn up to `end` still owed at `end`.
pub fn outstanding_at(register: &[BorrowingEntry], end: NaiveDate) -> Vec<Outstanding> {
    register
        .iter()
        .filter(|b| b.direction == "borrow" && b.entry_date <= end)
        .map(|b| {
            let repaid: Decimal = register
                .iter()
                .filter(|r| r.borrowing_id == Some(b.id) && r.entry_date <= end)
                .map(|r| r.amount.amount())
                .sum();
            Outstanding {
                kind: b.lender_kind.clone(),
                amount: b.amount.amount() - repaid,
                rate: b.rate.map(|r| r.value()),
            }
        })
        .filter(|o| o.amount > Decimal::ZERO)
        .collect()
}

fn moved(register: &[BorrowingEntry], direction: &str, from: NaiveDate, to: NaiveDate) -> Decimal {
    register
        .iter()
        .filter(|b| b.direction == direction && b.entry_date >= from && b.entry_date <= to)
        .map(|b| b.amount.amount())
        .sum()
}

/// Generates the table for the period starting on `period`.
pub async fn generate(tx: &mut TenantTx, period: NaiveDate) -> ApiResult<FilingContent> {
    let end = periods::month_end(period);
    let bs = balance_sheet_at(tx, end).await?;
    let month = income(tx, period, period).await?;
    let ytd = income(tx, year_start(period), period).await?;
    let register = borrowings::list(tx).await?;
    let owed = outstanding_at(&register, end);
    let mut rows = vec![row(
        "net_capital",
        "净资本（净资产）Net capital (net assets)",
        vec![amount(bs.total_equity), None],
    )];
    for (kind, label) in SOURCES {
        let sum: Decimal = owed
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.amount)
            .sum();
        rows.push(row(
            &format!("funding.{kind}"),
            label,
            vec![amount(sum), None],
        ));
    }
    let total: Decimal = owed.iter().map(|o| o.amount).sum();
    rows.push(row(
        "funding.total",
        "融资余额合计 Funding outstanding",
        vec![amount(total), None],
    ));
    let ys = year_start(period);
    rows.push(row(
        "funding.drawn",
        "新增融资 Funding drawn",
        vec![
            amount(moved(&register, "borrow", period, end)),
            amount(moved(&register, "borrow", ys, end)),
        ],
    ));
    rows.push(row(
        "funding.repaid",
        "偿还融资 Funding repaid",
        vec![
            amount(moved(&register, "repay", period, end)),
            amount(moved(&register, "repay", ys, end)),
        ],
    ));
    let rated: Vec<&Outstanding> = owed.iter().filter(|o| o.rate.is_some()).collect();
    let rates = rated.iter().filter_map(|o| o.rate);
    let weight: Decimal = rated.iter().map(|o| o.amount).sum();
    let weighted = (weight > Decimal::ZERO).then(|| {
        rated
            .iter()
            .map(|o| o.amount * o.rate.unwrap_or_default())
            .sum::<Decimal>()
            / weight
    });
    rows.push(row(
        "funding_rate.highest",
        "最高融资利率 Highest funding rate",
        vec![rates.clone().max().and_then(rate), None],
    ));
    rows.push(row(
        "funding_rate.lowest",
        "最低融资利率 Lowest funding rate",
        vec![rates.min().and_then(rate), None],
    ));
    rows.push(row(
        "funding_rate.weighted_average",
        "加权平均融资利率 Weighted average funding rate",
        vec![weighted.and_then(rate), None],
    ));
    rows.push(row(
        "net_interest_income",
        "净利息收入 Net interest income",
        vec![
            amount(month.interest_income - month.interest_expense),
            amount(ytd.interest_income - ytd.interest_expense),
        ],
    ));
    rows.push(row(
        "net_profit",
        "净利润 Net profit",
        vec![amount(month.net_profit), amount(ytd.net_profit)],
    ));
    Ok(FilingContent {
        kind: "operating_indicators".into(),
        period: periods::name(period),
        title: "主要经营指标及资金来源情况表 Operating indicators and funding sources".into(),
        columns: vec![
            "本月/期末 Month or period end".into(),
            "本年累计 Year to date".into(),
        ],
        rows,
    })
}
