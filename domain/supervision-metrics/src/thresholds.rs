//! Limits of the §3 metrics (jurisdiction settings with the defaults of SUPERVISION.md) and breaches.

use loan_engine::{ClassBands, DEFAULT_APR_CAP};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::firm::FirmMetrics;
use crate::metric::Metric;
use crate::ratio::Ratio;
use crate::MetricsError;

/// The limits; figures that are only shown have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Non-standard funding ≤ this multiple of net assets (default 1).
    pub non_standard_funding_multiple_max: Decimal,
    /// Bonds + ABS ≤ this multiple of net assets (default 4).
    pub standardised_funding_multiple_max: Decimal,
    /// Largest single borrower ≤ this share of net assets (default 10 %).
    pub single_borrower_max: Decimal,
    /// Largest related group ≤ this share of net assets (default 15 %).
    pub related_group_max: Decimal,
    /// Related-party loans ≤ this share of net assets (default 15 %).
    pub related_party_max: Decimal,
    /// Provision coverage ≥ this (default 100 %).
    pub provision_coverage_min: Decimal,
    /// Provision adequacy ≥ this (default 100 %).
    pub provision_adequacy_min: Decimal,
    /// The APR cap (default 24 %); balance above it must be 0.
    pub apr_cap: Decimal,
    /// Class bands; loans from `substandard_from` DPD on must be booked substandard or worse.
    pub class_bands: ClassBands,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            non_standard_funding_multiple_max: Decimal::ONE,
            standardised_funding_multiple_max: Decimal::from(4),
            single_borrower_max: Decimal::new(10, 2),
            related_group_max: Decimal::new(15, 2),
            related_party_max: Decimal::new(15, 2),
            provision_coverage_min: Decimal::ONE,
            provision_adequacy_min: Decimal::ONE,
            apr_cap: DEFAULT_APR_CAP,
            class_bands: ClassBands::default(),
        }
    }
}

/// A limit and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Limit {
    /// The figure must not be above this.
    AtMost(Decimal),
    /// The figure must not be below this.
    AtLeast(Decimal),
}

impl Limit {
    /// The limit's value.
    pub fn value(self) -> Decimal {
        match self {
            Self::AtMost(v) | Self::AtLeast(v) => v,
        }
    }

    /// Whether a figure breaches this limit. A ratio with positive numerator over a
    /// denominator that is not positive (no net assets) breaches an upper limit; a ratio
    /// without value (nothing to cover) never breaches a lower one.
    pub fn is_breached_by(self, figure: &Ratio) -> bool {
        match self {
            Self::AtMost(limit) => {
                if figure.denominator > Decimal::ZERO {
                    figure.value.is_some_and(|v| v > limit)
                } else {
                    figure.numerator > Decimal::ZERO
                }
            }
            Self::AtLeast(limit) => figure.value.is_some_and(|v| v < limit),
        }
    }
}

impl Thresholds {
    /// The limit of a metric; `None` for figures that are only shown.
    pub fn limit(&self, metric: Metric) -> Option<Limit> {
        match metric {
            Metric::NonStandardFundingMultiple => {
                Some(Limit::AtMost(self.non_standard_funding_multiple_max))
            }
            Metric::StandardisedFundingMultiple => {
                Some(Limit::AtMost(self.standardised_funding_multiple_max))
            }
            Metric::LargestSingleBorrower => Some(Limit::AtMost(self.single_borrower_max)),
            Metric::LargestRelatedGroup => Some(Limit::AtMost(self.related_group_max)),
            Metric::RelatedPartyLoans => Some(Limit::AtMost(self.related_party_max)),
            Metric::ProvisionCoverage => Some(Limit::AtLeast(self.provision_coverage_min)),
            Metric::ProvisionAdequacy => Some(Limit::AtLeast(self.provision_adequacy_min)),
            Metric::MisclassifiedLoans
            | Metric::AboveCapShare
            | Metric::UpfrontDeduction
            | Metric::PayoutOutsideDedicatedAccount => Some(Limit::AtMost(Decimal::ZERO)),
            Metric::Top10Borrowers
            | Metric::OverdueLoanRatio
            | Metric::OverduePrincipalRatio
            | Metric::NplRatio
            | Metric::WeightedApr
            | Metric::Roa
            | Metric::Roe => None,
        }
    }

    /// Checks a tenant's thresholds against the jurisdiction's: each may be stricter, none looser.
    pub fn check_not_looser_than(&self, jurisdiction: &Thresholds) -> Result<(), MetricsError> {
        for metric in Metric::ALL {
            let looser = match (self.limit(metric), jurisdiction.limit(metric)) {
                (Some(Limit::AtMost(mine)), Some(Limit::AtMost(theirs))) => mine > theirs,
                (Some(Limit::AtLeast(mine)), Some(Limit::AtLeast(theirs))) => mine < theirs,
                _ => false,
            };
            if looser {
                return Err(MetricsError::LooserThanJurisdiction {
                    metric: metric.code(),
                });
            }
        }
        if self.apr_cap > jurisdiction.apr_cap {
            return Err(MetricsError::LooserThanJurisdiction { metric: "apr_cap" });
        }
        if self
            .class_bands
            .check_not_looser_than(&jurisdiction.class_bands)
            .is_err()
        {
            return Err(MetricsError::LooserThanJurisdiction {
                metric: "class_bands",
            });
        }
        Ok(())
    }
}

/// A metric outside its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    /// The metric.
    pub metric: Metric,
    /// Its figure; `None` when it has no value (e.g. borrowing with no positive net assets).
    pub value: Option<Decimal>,
    /// The limit breached.
    pub limit: Limit,
}

/// Every metric of a firm outside its limit, in the order of the §3 table.
pub fn breaches(metrics: &FirmMetrics, thresholds: &Thresholds) -> Vec<Breach> {
    Metric::ALL
        .iter()
        .filter_map(|&metric| {
            let limit = thresholds.limit(metric)?;
            let figure = metrics.figure(metric);
            limit.is_breached_by(figure).then_some(Breach {
                metric,
                value: figure.value,
                limit,
            })
        })
        .collect()
}
