//! Period-close entries: profit carried to 4103, the year-end carry to 4104, and the
//! appropriation to the general risk reserve 4102.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::account::{AccountKind, AccountSeed};
use crate::chart;
use crate::money::round_money;
use crate::rollup::ChartIndex;
use crate::totals::Totals;
use crate::voucher::{rule_voucher, EventKind, PostingLine, VoucherDraft};
use crate::LedgerError;

/// Default rate of the general risk reserve: 1.5 % of risk assets.
pub const DEFAULT_RISK_RESERVE_RATE: Decimal = Decimal::from_parts(15, 0, 0, false, 3);

/// Carries every income and expense balance to 4103 本年利润 (Dr income / Cr 4103,
/// Dr 4103 / Cr expense), account by account as posted; `None` when all are zero.
/// `balances` are the accounts' cumulative totals at the period end.
pub fn profit_carry(
    date: NaiveDate,
    accounts: &[AccountSeed],
    balances: &Totals,
) -> Result<Option<VoucherDraft>, LedgerError> {
    let chart = ChartIndex::new(accounts);
    let mut lines = Vec::new();
    let (mut to_profit, mut from_profit) = (Decimal::ZERO, Decimal::ZERO);
    for (code, total) in balances.iter() {
        let seed = chart.seed(code)?;
        if !matches!(seed.kind, AccountKind::Income | AccountKind::Expense) {
            continue;
        }
        let net = total.net_debit();
        if net > Decimal::ZERO {
            lines.push(PostingLine::cr(code.clone(), net));
            from_profit += net;
        } else if net < Decimal::ZERO {
            lines.push(PostingLine::dr(code.clone(), -net));
            to_profit -= net;
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    lines.push(PostingLine::dr(chart::CURRENT_YEAR_PROFIT, from_profit));
    lines.push(PostingLine::cr(chart::CURRENT_YEAR_PROFIT, to_profit));
    rule_voucher(EventKind::ProfitCarry, date, "结转本期损益", lines).map(Some)
}

/// Year-end carry of 4103's balance (`current_year_profit`, credit positive) to 4104 利润分配;
/// a loss is carried the other way; `None` when zero.
pub fn year_end_carry(
    date: NaiveDate,
    current_year_profit: Decimal,
) -> Result<Option<VoucherDraft>, LedgerError> {
    let lines = if current_year_profit > Decimal::ZERO {
        vec![
            PostingLine::dr(chart::CURRENT_YEAR_PROFIT, current_year_profit),
            PostingLine::cr(chart::PROFIT_DISTRIBUTION, current_year_profit),
        ]
    } else if current_year_profit < Decimal::ZERO {
        vec![
            PostingLine::dr(chart::PROFIT_DISTRIBUTION, -current_year_profit),
            PostingLine::cr(chart::CURRENT_YEAR_PROFIT, -current_year_profit),
        ]
    } else {
        return Ok(None);
    };
    rule_voucher(EventKind::YearEndCarry, date, "结转本年利润", lines).map(Some)
}

/// Year-end appropriation to the general risk reserve (Dr 4104 / Cr 4102): the reserve is
/// topped up to `round(rate × risk_assets)` half-up; `None` when `existing_reserve` already
/// reaches it. Pass a zero `existing_reserve` to appropriate the full amount.
pub fn risk_reserve_appropriation(
    date: NaiveDate,
    risk_assets: Decimal,
    rate: Decimal,
    existing_reserve: Decimal,
) -> Result<Option<VoucherDraft>, LedgerError> {
    if rate < Decimal::ZERO || rate > Decimal::ONE {
        return Err(LedgerError::InvalidRate(rate));
    }
    if risk_assets < Decimal::ZERO {
        return Err(LedgerError::NegativeInput {
            field: "risk_assets",
        });
    }
    let amount = round_money(risk_assets * rate) - existing_reserve;
    if amount <= Decimal::ZERO {
        return Ok(None);
    }
    rule_voucher(
        EventKind::RiskReserveAppropriation,
        date,
        "提取一般风险准备",
        vec![
            PostingLine::dr(chart::PROFIT_DISTRIBUTION, amount),
            PostingLine::cr(chart::GENERAL_RISK_RESERVE, amount),
        ],
    )
    .map(Some)
}
