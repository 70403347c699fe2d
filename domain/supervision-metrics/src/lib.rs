//! The regulator's risk metrics (SUPERVISION.md §3): each firm's figures from a plain snapshot
//! input, every ratio with its numerator and denominator; limits and breaches; and figures across
//! firms as ratios of sums with nearest-rank percentiles. No I/O.
#![warn(missing_docs)]

mod bands;
mod cross_firm;
mod error;
pub mod filing;
mod firm;
mod input;
mod metric;
mod ratio;
mod thresholds;

pub use bands::{OverdueBucket, SizeBand, TermBand};
pub use cross_firm::{aggregate, nearest_rank, CrossFirm, CrossFirmMetric};
pub use error::MetricsError;
pub use firm::{firm_metrics, Concentration, FirmMetrics, GroupRow, Incidence, Mix};
pub use input::{BorrowerType, FirmInput, FundingBalances, LoanFacts, Purpose, Security};
pub use loan_engine::{ClassBands, LoanClass};
pub use metric::Metric;
pub use ratio::Ratio;
pub use thresholds::{breaches, Breach, Limit, Thresholds};
