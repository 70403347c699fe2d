//! The bands the regulator's tables group loans by: days past due, term and contract size.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Overdue bucket by days past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OverdueBucket {
    /// 1–30 days.
    #[serde(rename = "dpd_1_30")]
    Dpd1To30,
    /// 31–90 days.
    #[serde(rename = "dpd_31_90")]
    Dpd31To90,
    /// 91–180 days.
    #[serde(rename = "dpd_91_180")]
    Dpd91To180,
    /// 181–270 days.
    #[serde(rename = "dpd_181_270")]
    Dpd181To270,
    /// 271–360 days.
    #[serde(rename = "dpd_271_360")]
    Dpd271To360,
    /// More than 360 days.
    #[serde(rename = "dpd_over_360")]
    DpdOver360,
}

impl OverdueBucket {
    /// Every bucket, shortest first.
    pub const ALL: [Self; 6] = [
        Self::Dpd1To30,
        Self::Dpd31To90,
        Self::Dpd91To180,
        Self::Dpd181To270,
        Self::Dpd271To360,
        Self::DpdOver360,
    ];

    /// The bucket of a DPD; `None` when the loan is not overdue.
    pub fn of(dpd: u32) -> Option<Self> {
        match dpd {
            0 => None,
            1..=30 => Some(Self::Dpd1To30),
            31..=90 => Some(Self::Dpd31To90),
            91..=180 => Some(Self::Dpd91To180),
            181..=270 => Some(Self::Dpd181To270),
            271..=360 => Some(Self::Dpd271To360),
            _ => Some(Self::DpdOver360),
        }
    }
}

/// Term band in months: [0, 3), [3, 6), [6, 12), [12, ∞).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TermBand {
    /// Under 3 months.
    #[serde(rename = "under_3m")]
    Under3Months,
    /// 3 to under 6 months.
    #[serde(rename = "3m_to_6m")]
    From3To6Months,
    /// 6 to under 12 months.
    #[serde(rename = "6m_to_12m")]
    From6To12Months,
    /// 12 months and more.
    #[serde(rename = "12m_and_more")]
    From12Months,
}

impl TermBand {
    /// Every band, shortest first.
    pub const ALL: [Self; 4] = [
        Self::Under3Months,
        Self::From3To6Months,
        Self::From6To12Months,
        Self::From12Months,
    ];

    /// The band of a term in months.
    pub fn of(months: u32) -> Self {
        match months {
            0..=2 => Self::Under3Months,
            3..=5 => Self::From3To6Months,
            6..=11 => Self::From6To12Months,
            _ => Self::From12Months,
        }
    }
}

/// Contract size band: [0, 200k), [200k, 300k), [300k, 500k), [500k, ∞).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SizeBand {
    /// Under 200,000.
    #[serde(rename = "under_200k")]
    Under200k,
    /// 200,000 to under 300,000.
    #[serde(rename = "200k_to_300k")]
    From200kTo300k,
    /// 300,000 to under 500,000.
    #[serde(rename = "300k_to_500k")]
    From300kTo500k,
    /// 500,000 and more.
    #[serde(rename = "500k_and_more")]
    From500k,
}

impl SizeBand {
    /// Every band, smallest first.
    pub const ALL: [Self; 4] = [
        Self::Under200k,
        Self::From200kTo300k,
        Self::From300kTo500k,
        Self::From500k,
    ];

    /// The band of a contract amount.
    pub fn of(amount: Decimal) -> Self {
        if amount < Decimal::from(200_000) {
            Self::Under200k
        } else if amount < Decimal::from(300_000) {
            Self::From200kTo300k
        } else if amount < Decimal::from(500_000) {
            Self::From300kTo500k
        } else {
            Self::From500k
        }
    }
}
