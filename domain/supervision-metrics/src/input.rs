//! What a firm's daily snapshot is computed from: plain figures from its ledger and loan book.

use chrono::NaiveDate;
use loan_engine::LoanClass;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Loan purpose (贷款用途) as the monthly loan report groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 农业.
    Agriculture,
    /// 工商业.
    IndustryCommerce,
    /// 消费.
    Consumption,
}

impl Purpose {
    /// Every purpose, in report order.
    pub const ALL: [Self; 3] = [Self::Agriculture, Self::IndustryCommerce, Self::Consumption];
}

/// Main security of a loan (担保方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// 信用.
    Credit,
    /// 保证.
    Guarantee,
    /// 抵押.
    Mortgage,
    /// 质押.
    Pledge,
}

impl Security {
    /// Every kind of security, in report order.
    pub const ALL: [Self; 4] = [Self::Credit, Self::Guarantee, Self::Mortgage, Self::Pledge];
}

/// Borrower type (借款人类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BorrowerType {
    /// 企业.
    Company,
    /// 个体工商户 / 小微企业主.
    SmallBusinessOwner,
    /// 城镇居民.
    UrbanResident,
    /// 农户.
    Farmer,
}

impl BorrowerType {
    /// Every borrower type, in report order.
    pub const ALL: [Self; 4] = [
        Self::Company,
        Self::SmallBusinessOwner,
        Self::UrbanResident,
        Self::Farmer,
    ];
}

/// The facts about one outstanding loan that the metrics need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanFacts {
    /// The loan's id.
    pub loan_id: String,
    /// The borrower's id (loans of one borrower are added up).
    pub borrower_id: String,
    /// The related group (关联集团) the borrower belongs to, if any.
    pub related_group_id: Option<String>,
    /// Whether the borrower is a related party of the firm itself (shareholder, executive …).
    pub related_party: bool,
    /// Days past due.
    pub dpd: u32,
    /// The class the firm has booked.
    pub class: LoanClass,
    /// Outstanding principal.
    pub balance: Decimal,
    /// Principal of the loan's overdue installments.
    pub overdue_principal: Decimal,
    /// Annualised comprehensive rate (综合年化利率) as a fraction.
    pub apr: Decimal,
    /// Principal in the contract.
    pub contract_principal: Decimal,
    /// Amount actually paid out as recorded.
    pub recorded_payout: Decimal,
    /// Whether it was paid out from the dedicated lending account (放贷资金专户).
    pub payout_from_dedicated_account: bool,
    /// Whether a payout from another account carries an override reason.
    pub payout_override: bool,
    /// Contract term in months (day terms rounded down to whole months by the caller).
    pub term_months: u32,
    /// Contract amount (合同金额), for the size bands.
    pub contract_size: Decimal,
    /// Purpose.
    pub purpose: Purpose,
    /// Main security.
    pub security: Security,
    /// Borrower type.
    pub borrower_type: BorrowerType,
}

/// Outstanding borrowed funds by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingBalances {
    /// 银行借款.
    pub bank: Decimal,
    /// 股东借款.
    pub shareholder: Decimal,
    /// 其他非标准化融资.
    pub other_non_standard: Decimal,
    /// 债券.
    pub bonds: Decimal,
    /// 资产证券化 (ABS).
    pub abs: Decimal,
}

/// Everything one firm's metrics are computed from, as of one snapshot date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmInput {
    /// The firm (tenant code or registry id), as it appears in cross-firm lists.
    pub firm_id: String,
    /// Snapshot date.
    pub as_of: NaiveDate,
    /// Total equity from the ledger at the snapshot date.
    pub net_assets: Decimal,
    /// Outstanding principal of all loans (ledger 1303); must equal the loans' balances.
    pub loan_balance: Decimal,
    /// The loans outstanding at the snapshot date.
    pub loans: Vec<LoanFacts>,
    /// Borrowed funds by kind.
    pub funding: FundingBalances,
    /// Loan loss allowance (1304).
    pub allowance: Decimal,
    /// Required allowance (LOAN-MATH "Provisions").
    pub required_allowance: Decimal,
    /// Net profit from the start of the year to the snapshot date.
    pub net_profit_ytd: Decimal,
    /// Average total assets over the same days.
    pub average_total_assets: Decimal,
    /// Average equity over the same days.
    pub average_equity: Decimal,
    /// Days from the start of the year to the snapshot date, both included.
    pub days: u32,
}
