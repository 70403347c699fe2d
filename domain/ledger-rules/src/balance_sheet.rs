//! Balance sheet (资产负债表) of a micro-lender, and net assets.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::account::{AccountCode, AccountKind, AccountSeed};
use crate::chart;
use crate::rollup::ChartIndex;
use crate::statement_line::{line, StatementLine};
use crate::totals::{AccountTotal, Totals};
use crate::LedgerError;

/// The balance sheet at a date; current profit not yet carried to 4103 is in undistributed profit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BalanceSheet {
    /// 货币资金 (1001 + 1002).
    pub cash_and_bank: Decimal,
    /// 应收利息 (1132).
    pub interest_receivable: Decimal,
    /// 其他应收款 (1221).
    pub other_receivables: Decimal,
    /// 贷款 (1303), gross.
    pub loans_gross: Decimal,
    /// 减：贷款损失准备 (1304).
    pub loan_loss_allowance: Decimal,
    /// 发放贷款净额 = 1303 − 1304.
    pub loans_net: Decimal,
    /// 固定资产 (1601).
    pub fixed_assets: Decimal,
    /// 其他资产 (asset accounts a tenant added).
    pub other_assets: Decimal,
    /// 资产总计.
    pub total_assets: Decimal,
    /// 短期借款 (2001).
    pub short_term_borrowings: Decimal,
    /// 预收利息 (2205).
    pub interest_received_in_advance: Decimal,
    /// 应付职工薪酬 (2211).
    pub employee_pay_payable: Decimal,
    /// 应交税费 (2221).
    pub taxes_payable: Decimal,
    /// 应付利息 (2231).
    pub interest_payable: Decimal,
    /// 其他应付款 (2241).
    pub other_payables: Decimal,
    /// 长期借款 (2501).
    pub long_term_borrowings: Decimal,
    /// 应付债券 (2502).
    pub bonds_payable: Decimal,
    /// 其他负债 (liability accounts a tenant added).
    pub other_liabilities: Decimal,
    /// 负债合计.
    pub total_liabilities: Decimal,
    /// 实收资本 (4001).
    pub paid_in_capital: Decimal,
    /// 资本公积 (4002).
    pub capital_reserve: Decimal,
    /// 盈余公积 (4101).
    pub surplus_reserve: Decimal,
    /// 一般风险准备 (4102).
    pub general_risk_reserve: Decimal,
    /// 其他权益 (equity accounts a tenant added).
    pub other_equity: Decimal,
    /// 未分配利润 = 4103 + 4104 + income less expenses not yet carried.
    pub undistributed_profit: Decimal,
    /// Of undistributed profit: income less expenses not yet carried to 4103.
    pub profit_not_carried: Decimal,
    /// 所有者权益合计.
    pub total_equity: Decimal,
    /// 负债和所有者权益总计.
    pub total_liabilities_and_equity: Decimal,
}

impl BalanceSheet {
    /// The statement as printed, in order.
    pub fn lines(&self) -> Vec<StatementLine> {
        vec![
            line(
                "cash_and_bank",
                "货币资金",
                "Cash and bank",
                1,
                self.cash_and_bank,
            ),
            line(
                "interest_receivable",
                "应收利息",
                "Interest receivable",
                1,
                self.interest_receivable,
            ),
            line(
                "other_receivables",
                "其他应收款",
                "Other receivables",
                1,
                self.other_receivables,
            ),
            line("loans_gross", "贷款", "Loans", 1, self.loans_gross),
            line(
                "loan_loss_allowance",
                "减：贷款损失准备",
                "Less: loan loss allowance",
                2,
                self.loan_loss_allowance,
            ),
            line("loans_net", "发放贷款净额", "Loans, net", 1, self.loans_net),
            line(
                "fixed_assets",
                "固定资产",
                "Fixed assets",
                1,
                self.fixed_assets,
            ),
            line(
                "other_assets",
                "其他资产",
                "Other assets",
                1,
                self.other_assets,
            ),
            line(
                "total_assets",
                "资产总计",
                "Total assets",
                0,
                self.total_assets,
            ),
            line(
                "short_term_borrowings",
                "短期借款",
                "Short-term borrowings",
                1,
                self.short_term_borrowings,
            ),
            line(
                "interest_received_in_advance",
                "预收利息",
                "Interest received in advance",
                1,
                self.interest_received_in_advance,
            ),
            line(
                "employee_pay_payable",
                "应付职工薪酬",
                "Employee pay payable",
                1,
                self.employee_pay_payable,
            ),
            line(
                "taxes_payable",
                "应交税费",
                "Taxes payable",
                1,
                self.taxes_payable,
            ),
            line(
                "interest_payable",
                "应付利息",
                "Interest payable",
                1,
                self.interest_payable,
            ),
            line(
                "other_payables",
                "其他应付款",
                "Other payables",
                1,
                self.other_payables,
            ),
            line(
                "long_term_borrowings",
                "长期借款",
                "Long-term borrowings",
                1,
                self.long_term_borrowings,
            ),
            line(
                "bonds_payable",
                "应付债券",
                "Bonds payable",
                1,
                self.bonds_payable,
            ),
            line(
                "other_liabilities",
                "其他负债",
                "Other liabilities",
                1,
                self.other_liabilities,
            ),
            line(
                "total_liabilities",
                "负债合计",
                "Total liabilities",
                0,
                self.total_liabilities,
            ),
            line(
                "paid_in_capital",
                "实收资本",
                "Paid-in capital",
                1,
                self.paid_in_capital,
            ),
            line(
                "capital_reserve",
                "资本公积",
                "Capital reserve",
                1,
                self.capital_reserve,
            ),
            line(
                "surplus_reserve",
                "盈余公积",
                "Surplus reserve",
                1,
                self.surplus_reserve,
            ),
            line(
                "general_risk_reserve",
                "一般风险准备",
                "General risk reserve",
                1,
                self.general_risk_reserve,
            ),
            line(
                "other_equity",
                "其他权益",
                "Other equity",
                1,
                self.other_equity,
            ),
            line(
                "undistributed_profit",
                "未分配利润",
                "Undistributed profit",
                1,
                self.undistributed_profit,
            ),
            line(
                "total_equity",
                "所有者权益合计",
                "Total equity",
                0,
                self.total_equity,
            ),
            line(
                "total_liabilities_and_equity",
                "负债和所有者权益总计",
                "Total liabilities and equity",
                0,
                self.total_liabilities_and_equity,
            ),
        ]
    }
}

/// The balance sheet from cumulative totals up to the date (closing vouchers included).
pub fn balance_sheet(
    accounts: &[AccountSeed],
    balances: &Totals,
) -> Result<BalanceSheet, LedgerError> {
    let index = ChartIndex::new(accounts);
    let rolled = index.rolled_up(balances)?;
    let mut bs = BalanceSheet::default();
    for seed in index.accounts().filter(|s| index.level(s) == 0) {
        let total = rolled.get(&seed.code).copied().unwrap_or_default();
        place(&mut bs, seed, total);
    }
    bs.loans_net = bs.loans_gross - bs.loan_loss_allowance;
    bs.total_assets = bs.cash_and_bank
        + bs.interest_receivable
        + bs.other_receivables
        + bs.loans_net
        + bs.fixed_assets
        + bs.other_assets;
    bs.total_liabilities = bs.short_term_borrowings
        + bs.interest_received_in_advance
        + bs.employee_pay_payable
        + bs.taxes_payable
        + bs.interest_payable
        + bs.other_payables
        + bs.long_term_borrowings
        + bs.bonds_payable
        + bs.other_liabilities;
    bs.undistributed_profit += bs.profit_not_carried;
    bs.total_equity = bs.paid_in_capital
        + bs.capital_reserve
        + bs.surplus_reserve
        + bs.general_risk_reserve
        + bs.other_equity
        + bs.undistributed_profit;
    bs.total_liabilities_and_equity = bs.total_liabilities + bs.total_equity;
    Ok(bs)
}

/// Net assets (total equity, current profit not yet carried included) from cumulative totals.
pub fn net_assets(accounts: &[AccountSeed], balances: &Totals) -> Result<Decimal, LedgerError> {
    balance_sheet(accounts, balances).map(|bs| bs.total_equity)
}

/// Adds a first-level account's balance to its line.
fn place(bs: &mut BalanceSheet, seed: &AccountSeed, total: AccountTotal) {
    let code = &seed.code;
    let is = |c: &AccountCode| code == c;
    let (debit, credit) = (total.net_debit(), total.net_credit());
    match seed.kind {
        AccountKind::Asset => {
            let slot = if is(&chart::CASH) || is(&chart::BANK) {
                &mut bs.cash_and_bank
            } else if is(&chart::INTEREST_RECEIVABLE) {
                &mut bs.interest_receivable
            } else if is(&chart::OTHER_RECEIVABLES) {
                &mut bs.other_receivables
            } else if is(&chart::LOANS) {
                &mut bs.loans_gross
            } else if is(&chart::LOAN_LOSS_ALLOWANCE) {
                bs.loan_loss_allowance += credit;
                return;
            } else if is(&chart::FIXED_ASSETS) {
                &mut bs.fixed_assets
            } else {
                &mut bs.other_assets
            };
            *slot += debit;
        }
        AccountKind::Liability => {
            let slot = if is(&chart::SHORT_TERM_BORROWINGS) {
                &mut bs.short_term_borrowings
            } else if is(&chart::INTEREST_RECEIVED_IN_ADVANCE) {
                &mut bs.interest_received_in_advance
            } else if is(&chart::EMPLOYEE_PAY_PAYABLE) {
                &mut bs.employee_pay_payable
            } else if is(&chart::TAXES_PAYABLE) {
                &mut bs.taxes_payable
            } else if is(&chart::INTEREST_PAYABLE) {
                &mut bs.interest_payable
            } else if is(&chart::OTHER_PAYABLES) {
                &mut bs.other_payables
            } else if is(&chart::LONG_TERM_BORROWINGS) {
                &mut bs.long_term_borrowings
            } else if is(&chart::BONDS_PAYABLE) {
                &mut bs.bonds_payable
            } else {
                &mut bs.other_liabilities
            };
            *slot += credit;
        }
        AccountKind::Equity => {
            let slot = if is(&chart::PAID_IN_CAPITAL) {
                &mut bs.paid_in_capital
            } else if is(&chart::CAPITAL_RESERVE) {
                &mut bs.capital_reserve
            } else if is(&chart::SURPLUS_RESERVE) {
                &mut bs.surplus_reserve
            } else if is(&chart::GENERAL_RISK_RESERVE) {
                &mut bs.general_risk_reserve
            } else if is(&chart::CURRENT_YEAR_PROFIT) || is(&chart::PROFIT_DISTRIBUTION) {
                &mut bs.undistributed_profit
            } else {
                &mut bs.other_equity
            };
            *slot += credit;
        }
        AccountKind::Income | AccountKind::Expense => bs.profit_not_carried += credit,
        AccountKind::OffBalance => {}
    }
}
