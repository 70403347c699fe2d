//! The chart of accounts every tenant starts with (小额贷款公司会计科目), and the codes the posting rules use.

use crate::account::{AccountCode, AccountKind, AccountSeed, Side};

/// 1001 库存现金 cash on hand.
pub const CASH: AccountCode = AccountCode::known("1001");
/// 1002 银行存款 bank deposits (one `1002.NN` sub-account per registered bank account).
pub const BANK: AccountCode = AccountCode::known("1002");
/// 1132 应收利息 interest receivable (recognised, not yet received).
pub const INTEREST_RECEIVABLE: AccountCode = AccountCode::known("1132");
/// 1221 其他应收款 other receivables.
pub const OTHER_RECEIVABLES: AccountCode = AccountCode::known("1221");
/// 1303 贷款 loans (outstanding principal).
pub const LOANS: AccountCode = AccountCode::known("1303");
/// 1304 贷款损失准备 loan loss allowance (contra asset).
pub const LOAN_LOSS_ALLOWANCE: AccountCode = AccountCode::known("1304");
/// 1601 固定资产 fixed assets.
pub const FIXED_ASSETS: AccountCode = AccountCode::known("1601");
/// 2001 短期借款 short-term borrowings.
pub const SHORT_TERM_BORROWINGS: AccountCode = AccountCode::known("2001");
/// 200101 短期借款-银行借款.
pub const SHORT_TERM_BANK: AccountCode = AccountCode::known("200101");
/// 200102 短期借款-股东借款.
pub const SHORT_TERM_SHAREHOLDER: AccountCode = AccountCode::known("200102");
/// 200103 短期借款-其他非标准化融资.
pub const SHORT_TERM_OTHER: AccountCode = AccountCode::known("200103");
/// 2205 预收利息 interest received in advance.
pub const INTEREST_RECEIVED_IN_ADVANCE: AccountCode = AccountCode::known("2205");
/// 2211 应付职工薪酬 employee pay payable.
pub const EMPLOYEE_PAY_PAYABLE: AccountCode = AccountCode::known("2211");
/// 2221 应交税费 taxes payable.
pub const TAXES_PAYABLE: AccountCode = AccountCode::known("2221");
/// 2231 应付利息 interest payable.
pub const INTEREST_PAYABLE: AccountCode = AccountCode::known("2231");
/// 2241 其他应付款 other payables.
pub const OTHER_PAYABLES: AccountCode = AccountCode::known("2241");
/// 2501 长期借款 long-term borrowings.
pub const LONG_TERM_BORROWINGS: AccountCode = AccountCode::known("2501");
/// 250101 长期借款-银行借款.
pub const LONG_TERM_BANK: AccountCode = AccountCode::known("250101");
/// 250102 长期借款-股东借款.
pub const LONG_TERM_SHAREHOLDER: AccountCode = AccountCode::known("250102");
/// 250103 长期借款-其他非标准化融资.
pub const LONG_TERM_OTHER: AccountCode = AccountCode::known("250103");
/// 2502 应付债券 bonds payable.
pub const BONDS_PAYABLE: AccountCode = AccountCode::known("2502");
/// 250201 应付债券-债券.
pub const BONDS: AccountCode = AccountCode::known("250201");
/// 250202 应付债券-资产支持证券 (ABS).
pub const ABS: AccountCode = AccountCode::known("250202");
/// 4001 实收资本 paid-in capital.
pub const PAID_IN_CAPITAL: AccountCode = AccountCode::known("4001");
/// 4002 资本公积 capital reserve.
pub const CAPITAL_RESERVE: AccountCode = AccountCode::known("4002");
/// 4101 盈余公积 surplus reserve.
pub const SURPLUS_RESERVE: AccountCode = AccountCode::known("4101");
/// 4102 一般风险准备 general risk reserve.
pub const GENERAL_RISK_RESERVE: AccountCode = AccountCode::known("4102");
/// 4103 本年利润 current-year profit.
pub const CURRENT_YEAR_PROFIT: AccountCode = AccountCode::known("4103");
/// 4104 利润分配 profit distribution (undistributed profit).
pub const PROFIT_DISTRIBUTION: AccountCode = AccountCode::known("4104");
/// 6011 利息收入 interest income.
pub const INTEREST_INCOME: AccountCode = AccountCode::known("6011");
/// 601101 利息收入-正常利息.
pub const INTEREST_INCOME_REGULAR: AccountCode = AccountCode::known("601101");
/// 601102 利息收入-罚息.
pub const INTEREST_INCOME_PENALTY: AccountCode = AccountCode::known("601102");
/// 601103 利息收入-复利.
pub const INTEREST_INCOME_COMPOUND: AccountCode = AccountCode::known("601103");
/// 6021 手续费及佣金收入 fee and commission income.
pub const FEE_INCOME: AccountCode = AccountCode::known("6021");
/// 6051 其他业务收入 other operating income.
pub const OTHER_OPERATING_INCOME: AccountCode = AccountCode::known("6051");
/// 6301 营业外收入 non-operating income.
pub const NON_OPERATING_INCOME: AccountCode = AccountCode::known("6301");
/// 6403 税金及附加 taxes and surcharges.
pub const TAXES_AND_SURCHARGES: AccountCode = AccountCode::known("6403");
/// 6411 利息支出 interest expense.
pub const INTEREST_EXPENSE: AccountCode = AccountCode::known("6411");
/// 6601 业务及管理费 operating and administrative expenses.
pub const ADMIN_EXPENSES: AccountCode = AccountCode::known("6601");
/// 6701 资产减值损失 impairment losses.
pub const IMPAIRMENT_LOSSES: AccountCode = AccountCode::known("6701");
/// 6711 营业外支出 non-operating expenses.
pub const NON_OPERATING_EXPENSES: AccountCode = AccountCode::known("6711");
/// 6801 所得税费用 income tax expense.
pub const INCOME_TAX: AccountCode = AccountCode::known("6801");
/// 7001 表外应收利息 off-balance interest receivable (interest not recognised as income).
pub const OFF_BALANCE_INTEREST: AccountCode = AccountCode::known("7001");
/// 700101 表外应收利息-正常利息.
pub const OFF_BALANCE_REGULAR: AccountCode = AccountCode::known("700101");
/// 700102 表外应收利息-罚息.
pub const OFF_BALANCE_PENALTY: AccountCode = AccountCode::known("700102");
/// 700103 表外应收利息-复利.
pub const OFF_BALANCE_COMPOUND: AccountCode = AccountCode::known("700103");
/// 7099 表外应收利息对转 the contra of the off-balance memo accounts.
pub const OFF_BALANCE_CONTRA: AccountCode = AccountCode::known("7099");

/// The accounts every tenant's chart is seeded with, ordered by code.
pub fn chart_of_accounts() -> Vec<AccountSeed> {
    use AccountKind::{Asset, Equity, Expense, Income, Liability, OffBalance};
    use Side::{Credit, Debit};
    let rows = [
        (CASH, "库存现金", "Cash on hand", Asset, Debit, None),
        (BANK, "银行存款", "Bank deposits", Asset, Debit, None),
        (
            INTEREST_RECEIVABLE,
            "应收利息",
            "Interest receivable",
            Asset,
            Debit,
            None,
        ),
        (
            OTHER_RECEIVABLES,
            "其他应收款",
            "Other receivables",
            Asset,
            Debit,
            None,
        ),
        (LOANS, "贷款", "Loans", Asset, Debit, None),
        (
            LOAN_LOSS_ALLOWANCE,
            "贷款损失准备",
            "Loan loss allowance",
            Asset,
            Credit,
            None,
        ),
        (FIXED_ASSETS, "固定资产", "Fixed assets", Asset, Debit, None),
        (
            SHORT_TERM_BORROWINGS,
            "短期借款",
            "Short-term borrowings",
            Liability,
            Credit,
            None,
        ),
        (
            SHORT_TERM_BANK,
            "银行借款",
            "Bank borrowings",
            Liability,
            Credit,
            Some(SHORT_TERM_BORROWINGS),
        ),
        (
            SHORT_TERM_SHAREHOLDER,
            "股东借款",
            "Shareholder borrowings",
            Liability,
            Credit,
            Some(SHORT_TERM_BORROWINGS),
        ),
        (
            SHORT_TERM_OTHER,
            "其他非标准化融资",
            "Other non-standard borrowings",
            Liability,
            Credit,
            Some(SHORT_TERM_BORROWINGS),
        ),
        (
            INTEREST_RECEIVED_IN_ADVANCE,
            "预收利息",
            "Interest received in advance",
            Liability,
            Credit,
            None,
        ),
        (
            EMPLOYEE_PAY_PAYABLE,
            "应付职工薪酬",
            "Employee pay payable",
            Liability,
            Credit,
            None,
        ),
        (
            TAXES_PAYABLE,
            "应交税费",
            "Taxes payable",
            Liability,
            Credit,
            None,
        ),
        (
            INTEREST_PAYABLE,
            "应付利息",
            "Interest payable",
            Liability,
            Credit,
            None,
        ),
        (
            OTHER_PAYABLES,
            "其他应付款",
            "Other payables",
            Liability,
            Credit,
            None,
        ),
        (
            LONG_TERM_BORROWINGS,
            "长期借款",
            "Long-term borrowings",
            Liability,
            Credit,
            None,
        ),
        (
            LONG_TERM_BANK,
            "银行借款",
            "Bank borrowings",
            Liability,
            Credit,
            Some(LONG_TERM_BORROWINGS),
        ),
        (
            LONG_TERM_SHAREHOLDER,
            "股东借款",
            "Shareholder borrowings",
            Liability,
            Credit,
            Some(LONG_TERM_BORROWINGS),
        ),
        (
            LONG_TERM_OTHER,
            "其他非标准化融资",
            "Other non-standard borrowings",
            Liability,
            Credit,
            Some(LONG_TERM_BORROWINGS),
        ),
        (
            BONDS_PAYABLE,
            "应付债券",
            "Bonds payable",
            Liability,
            Credit,
            None,
        ),
        (
            BONDS,
            "债券",
            "Bonds",
            Liability,
            Credit,
            Some(BONDS_PAYABLE),
        ),
        (
            ABS,
            "资产支持证券",
            "Asset-backed securities",
            Liability,
            Credit,
            Some(BONDS_PAYABLE),
        ),
        (
            PAID_IN_CAPITAL,
            "实收资本",
            "Paid-in capital",
            Equity,
            Credit,
            None,
        ),
        (
            CAPITAL_RESERVE,
            "资本公积",
            "Capital reserve",
            Equity,
            Credit,
            None,
        ),
        (
            SURPLUS_RESERVE,
            "盈余公积",
            "Surplus reserve",
            Equity,
            Credit,
            None,
        ),
        (
            GENERAL_RISK_RESERVE,
            "一般风险准备",
            "General risk reserve",
            Equity,
            Credit,
            None,
        ),
        (
            CURRENT_YEAR_PROFIT,
            "本年利润",
            "Current-year profit",
            Equity,
            Credit,
            None,
        ),
        (
            PROFIT_DISTRIBUTION,
            "利润分配",
            "Profit distribution",
            Equity,
            Credit,
            None,
        ),
        (
            INTEREST_INCOME,
            "利息收入",
            "Interest income",
            Income,
            Credit,
            None,
        ),
        (
            INTEREST_INCOME_REGULAR,
            "正常利息",
            "Regular interest",
            Income,
            Credit,
            Some(INTEREST_INCOME),
        ),
        (
            INTEREST_INCOME_PENALTY,
            "罚息",
            "Penalty interest",
            Income,
            Credit,
            Some(INTEREST_INCOME),
        ),
        (
            INTEREST_INCOME_COMPOUND,
            "复利",
            "Compound interest",
            Income,
            Credit,
            Some(INTEREST_INCOME),
        ),
        (
            FEE_INCOME,
            "手续费及佣金收入",
            "Fee and commission income",
            Income,
            Credit,
            None,
        ),
        (
            OTHER_OPERATING_INCOME,
            "其他业务收入",
            "Other operating income",
            Income,
            Credit,
            None,
        ),
        (
            NON_OPERATING_INCOME,
            "营业外收入",
            "Non-operating income",
            Income,
            Credit,
            None,
        ),
        (
            TAXES_AND_SURCHARGES,
            "税金及附加",
            "Taxes and surcharges",
            Expense,
            Debit,
            None,
        ),
        (
            INTEREST_EXPENSE,
            "利息支出",
            "Interest expense",
            Expense,
            Debit,
            None,
        ),
        (
            ADMIN_EXPENSES,
            "业务及管理费",
            "Operating and administrative expenses",
            Expense,
            Debit,
            None,
        ),
        (
            IMPAIRMENT_LOSSES,
            "资产减值损失",
            "Impairment losses",
            Expense,
            Debit,
            None,
        ),
        (
            NON_OPERATING_EXPENSES,
            "营业外支出",
            "Non-operating expenses",
            Expense,
            Debit,
            None,
        ),
        (
            INCOME_TAX,
            "所得税费用",
            "Income tax expense",
            Expense,
            Debit,
            None,
        ),
        (
            OFF_BALANCE_INTEREST,
            "表外应收利息",
            "Off-balance interest receivable",
            OffBalance,
            Debit,
            None,
        ),
        (
            OFF_BALANCE_REGULAR,
            "正常利息",
            "Regular interest",
            OffBalance,
            Debit,
            Some(OFF_BALANCE_INTEREST),
        ),
        (
            OFF_BALANCE_PENALTY,
            "罚息",
            "Penalty interest",
            OffBalance,
            Debit,
            Some(OFF_BALANCE_INTEREST),
        ),
        (
            OFF_BALANCE_COMPOUND,
            "复利",
            "Compound interest",
            OffBalance,
            Debit,
            Some(OFF_BALANCE_INTEREST),
        ),
        (
            OFF_BALANCE_CONTRA,
            "表外应收利息对转",
            "Off-balance interest contra",
            OffBalance,
            Credit,
            None,
        ),
    ];
    rows.into_iter()
        .map(
            |(code, name_zh, name_en, kind, normal_side, parent)| AccountSeed {
                code,
                name_zh: name_zh.to_owned(),
                name_en: name_en.to_owned(),
                kind,
                normal_side,
                parent,
            },
        )
        .collect()
}
