//! Income statement (利润表) of a micro-lender for a period.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::account::{AccountCode, AccountKind, AccountSeed};
use crate::chart;
use crate::rollup::ChartIndex;
use crate::statement_line::{line, StatementLine};
use crate::totals::{AccountTotal, Totals};
use crate::LedgerError;

/// The income statement of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IncomeStatement {
    /// 一、营业收入.
    pub operating_income: Decimal,
    /// 利息收入 (6011).
    pub interest_income: Decimal,
    /// of which 正常利息 (601101).
    pub regular_interest: Decimal,
    /// of which 罚息 (601102).
    pub penalty_interest: Decimal,
    /// of which 复利 (601103).
    pub compound_interest: Decimal,
    /// 手续费及佣金收入 (6021).
    pub fee_and_commission_income: Decimal,
    /// 其他业务收入 (6051 and income accounts a tenant added).
    pub other_operating_income: Decimal,
    /// 二、营业支出.
    pub operating_expenses: Decimal,
    /// 税金及附加 (6403).
    pub taxes_and_surcharges: Decimal,
    /// 利息支出 (6411), the finance costs.
    pub interest_expense: Decimal,
    /// 业务及管理费 (6601).
    pub admin_expenses: Decimal,
    /// 资产减值损失 (6701).
    pub impairment_losses: Decimal,
    /// 其他业务成本 (expense accounts a tenant added).
    pub other_operating_expenses: Decimal,
    /// 三、营业利润.
    pub operating_profit: Decimal,
    /// 加：营业外收入 (6301).
    pub non_operating_income: Decimal,
    /// 减：营业外支出 (6711).
    pub non_operating_expenses: Decimal,
    /// 四、利润总额.
    pub profit_before_tax: Decimal,
    /// 减：所得税费用 (6801).
    pub income_tax: Decimal,
    /// 五、净利润.
    pub net_profit: Decimal,
}

impl IncomeStatement {
    /// The statement as printed, in order.
    pub fn lines(&self) -> Vec<StatementLine> {
        vec![
            line(
                "operating_income",
                "一、营业收入",
                "Operating income",
                0,
                self.operating_income,
            ),
            line(
                "interest_income",
                "利息收入",
                "Interest income",
                1,
                self.interest_income,
            ),
            line(
                "regular_interest",
                "其中：正常利息",
                "of which regular interest",
                2,
                self.regular_interest,
            ),
            line(
                "penalty_interest",
                "罚息",
                "of which penalty interest",
                2,
                self.penalty_interest,
            ),
            line(
                "compound_interest",
                "复利",
                "of which compound interest",
                2,
                self.compound_interest,
            ),
            line(
                "fee_and_commission_income",
                "手续费及佣金收入",
                "Fee and commission income",
                1,
                self.fee_and_commission_income,
            ),
            line(
                "other_operating_income",
                "其他业务收入",
                "Other operating income",
                1,
                self.other_operating_income,
            ),
            line(
                "operating_expenses",
                "二、营业支出",
                "Operating expenses",
                0,
                self.operating_expenses,
            ),
            line(
                "taxes_and_surcharges",
                "税金及附加",
                "Taxes and surcharges",
                1,
                self.taxes_and_surcharges,
            ),
            line(
                "interest_expense",
                "利息支出",
                "Interest expense",
                1,
                self.interest_expense,
            ),
            line(
                "admin_expenses",
                "业务及管理费",
                "Operating and administrative expenses",
                1,
                self.admin_expenses,
            ),
            line(
                "impairment_losses",
                "资产减值损失",
                "Impairment losses",
                1,
                self.impairment_losses,
            ),
            line(
                "other_operating_expenses",
                "其他业务成本",
                "Other operating expenses",
                1,
                self.other_operating_expenses,
            ),
            line(
                "operating_profit",
                "三、营业利润",
                "Operating profit",
                0,
                self.operating_profit,
            ),
            line(
                "non_operating_income",
                "加：营业外收入",
                "Add: non-operating income",
                1,
                self.non_operating_income,
            ),
            line(
                "non_operating_expenses",
                "减：营业外支出",
                "Less: non-operating expenses",
                1,
                self.non_operating_expenses,
            ),
            line(
                "profit_before_tax",
                "四、利润总额",
                "Profit before tax",
                0,
                self.profit_before_tax,
            ),
            line(
                "income_tax",
                "减：所得税费用",
                "Less: income tax",
                1,
                self.income_tax,
            ),
            line("net_profit", "五、净利润", "Net profit", 0, self.net_profit),
        ]
    }
}

/// The income statement from a period's totals, period-close vouchers left out
/// (build them with `Totals::from_vouchers(.., Closing::Exclude)` or the database equivalent).
pub fn income_statement(
    accounts: &[AccountSeed],
    period: &Totals,
) -> Result<IncomeStatement, LedgerError> {
    let index = ChartIndex::new(accounts);
    let rolled = index.rolled_up(period)?;
    let credit_of = |code: &AccountCode| {
        rolled
            .get(code)
            .map_or(Decimal::ZERO, AccountTotal::net_credit)
    };
    let mut is = IncomeStatement {
        regular_interest: credit_of(&chart::INTEREST_INCOME_REGULAR),
        penalty_interest: credit_of(&chart::INTEREST_INCOME_PENALTY),
        compound_interest: credit_of(&chart::INTEREST_INCOME_COMPOUND),
        ..IncomeStatement::default()
    };
    for seed in index.accounts().filter(|s| index.level(s) == 0) {
        let income = credit_of(&seed.code);
        let expense = -income;
        let code = &seed.code;
        match seed.kind {
            AccountKind::Income if *code == chart::INTEREST_INCOME => is.interest_income += income,
            AccountKind::Income if *code == chart::FEE_INCOME => {
                is.fee_and_commission_income += income
            }
            AccountKind::Income if *code == chart::NON_OPERATING_INCOME => {
                is.non_operating_income += income
            }
            AccountKind::Income => is.other_operating_income += income,
            AccountKind::Expense if *code == chart::TAXES_AND_SURCHARGES => {
                is.taxes_and_surcharges += expense
            }
            AccountKind::Expense if *code == chart::INTEREST_EXPENSE => {
                is.interest_expense += expense
            }
            AccountKind::Expense if *code == chart::ADMIN_EXPENSES => is.admin_expenses += expense,
            AccountKind::Expense if *code == chart::IMPAIRMENT_LOSSES => {
                is.impairment_losses += expense
            }
            AccountKind::Expense if *code == chart::NON_OPERATING_EXPENSES => {
                is.non_operating_expenses += expense
            }
            AccountKind::Expense if *code == chart::INCOME_TAX => is.income_tax += expense,
            AccountKind::Expense => is.other_operating_expenses += expense,
            _ => {}
        }
    }
    is.operating_income =
        is.interest_income + is.fee_and_commission_income + is.other_operating_income;
    is.operating_expenses = is.taxes_and_surcharges
        + is.interest_expense
        + is.admin_expenses
        + is.impairment_losses
        + is.other_operating_expenses;
    is.operating_profit = is.operating_income - is.operating_expenses;
    is.profit_before_tax =
        is.operating_profit + is.non_operating_income - is.non_operating_expenses;
    is.net_profit = is.profit_before_tax - is.income_tax;
    Ok(is)
}
