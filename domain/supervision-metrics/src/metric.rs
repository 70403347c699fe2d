//! The names of the §3 metrics that have a single figure (ratios and incidences).

use serde::{Deserialize, Serialize};

/// A per-firm metric of SUPERVISION.md §3 with one figure, compared and aggregated across firms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Bank + shareholder + other non-standard borrowing ÷ net assets.
    NonStandardFundingMultiple,
    /// Bonds + ABS ÷ net assets.
    StandardisedFundingMultiple,
    /// Largest single borrower's balance ÷ net assets.
    LargestSingleBorrower,
    /// Largest related group's balance ÷ net assets.
    LargestRelatedGroup,
    /// Ten largest borrowers' balance ÷ net assets.
    Top10Borrowers,
    /// Loans to the firm's related parties ÷ net assets.
    RelatedPartyLoans,
    /// Balance of loans with DPD > 0 ÷ loan balance.
    OverdueLoanRatio,
    /// Overdue principal ÷ loan balance.
    OverduePrincipalRatio,
    /// Substandard + doubtful + loss balance ÷ loan balance.
    NplRatio,
    /// Loans past the substandard threshold booked better than substandard ÷ number of loans.
    MisclassifiedLoans,
    /// Allowance ÷ NPL balance.
    ProvisionCoverage,
    /// Allowance ÷ required allowance.
    ProvisionAdequacy,
    /// APR weighted by loan balance.
    WeightedApr,
    /// Balance of loans above the APR cap ÷ loan balance.
    AboveCapShare,
    /// Loans paid out below contract principal ÷ number of loans.
    UpfrontDeduction,
    /// Loans paid out from another account without an override ÷ number of loans.
    PayoutOutsideDedicatedAccount,
    /// Annualised net profit ÷ average total assets.
    Roa,
    /// Annualised net profit ÷ average equity.
    Roe,
}

impl Metric {
    /// Every metric, in the order of the §3 table.
    pub const ALL: [Self; 18] = [
        Self::NonStandardFundingMultiple,
        Self::StandardisedFundingMultiple,
        Self::LargestSingleBorrower,
        Self::LargestRelatedGroup,
        Self::Top10Borrowers,
        Self::RelatedPartyLoans,
        Self::OverdueLoanRatio,
        Self::OverduePrincipalRatio,
        Self::NplRatio,
        Self::MisclassifiedLoans,
        Self::ProvisionCoverage,
        Self::ProvisionAdequacy,
        Self::WeightedApr,
        Self::AboveCapShare,
        Self::UpfrontDeduction,
        Self::PayoutOutsideDedicatedAccount,
        Self::Roa,
        Self::Roe,
    ];

    /// Stable snake_case code, e.g. `"npl_ratio"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NonStandardFundingMultiple => "non_standard_funding_multiple",
            Self::StandardisedFundingMultiple => "standardised_funding_multiple",
            Self::LargestSingleBorrower => "largest_single_borrower",
            Self::LargestRelatedGroup => "largest_related_group",
            Self::Top10Borrowers => "top10_borrowers",
            Self::RelatedPartyLoans => "related_party_loans",
            Self::OverdueLoanRatio => "overdue_loan_ratio",
            Self::OverduePrincipalRatio => "overdue_principal_ratio",
            Self::NplRatio => "npl_ratio",
            Self::MisclassifiedLoans => "misclassified_loans",
            Self::ProvisionCoverage => "provision_coverage",
            Self::ProvisionAdequacy => "provision_adequacy",
            Self::WeightedApr => "weighted_apr",
            Self::AboveCapShare => "above_cap_share",
            Self::UpfrontDeduction => "upfront_deduction",
            Self::PayoutOutsideDedicatedAccount => "payout_outside_dedicated_account",
            Self::Roa => "roa",
            Self::Roe => "roe",
        }
    }
}
