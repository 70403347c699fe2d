//! Builders of firm inputs shared by the tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use rust_decimal::Decimal;
use supervision_metrics::*;

/// A loan with neutral facts: current, normal, 10 % APR, paid in full from the dedicated account.
pub fn loan(id: &str, borrower: &str, balance: Decimal) -> LoanFacts {
    LoanFacts {
        loan_id: id.to_owned(),
        borrower_id: borrower.to_owned(),
        related_group_id: None,
        related_party: false,
        dpd: 0,
        class: LoanClass::Normal,
        balance,
        overdue_principal: Decimal::ZERO,
        apr: Decimal::new(10, 2),
        contract_principal: balance,
        recorded_payout: balance,
        payout_from_dedicated_account: true,
        payout_override: false,
        term_months: 12,
        contract_size: balance,
        purpose: Purpose::IndustryCommerce,
        security: Security::Credit,
        borrower_type: BorrowerType::Company,
    }
}

/// A firm with these loans, net assets, and otherwise neutral figures.
pub fn firm(id: &str, net_assets: Decimal, loans: Vec<LoanFacts>) -> FirmInput {
    FirmInput {
        firm_id: id.to_owned(),
        as_of: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap_or_default(),
        net_assets,
        loan_balance: loans.iter().map(|l| l.balance).sum(),
        loans,
        funding: FundingBalances::default(),
        allowance: Decimal::ZERO,
        required_allowance: Decimal::ZERO,
        net_profit_ytd: Decimal::ZERO,
        average_total_assets: net_assets,
        average_equity: net_assets,
        days: 73,
    }
}

/// Metrics with the default thresholds, or a panic naming the error.
pub fn metrics(input: &FirmInput) -> FirmMetrics {
    firm_metrics(input, &Thresholds::default()).unwrap_or_else(|e| panic!("{e}"))
}
