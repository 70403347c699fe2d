//! Figures across firms: each ratio as a ratio of sums, the spread of the per-firm values
//! (nearest-rank median and 10th/90th percentiles), and the firms in breach.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::firm::FirmMetrics;
use crate::metric::Metric;
use crate::ratio::Ratio;
use crate::thresholds::Thresholds;

/// One metric across firms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossFirmMetric {
    /// The metric.
    pub metric: Metric,
    /// Σ numerators ÷ Σ denominators over all firms (never a mean of the firms' ratios).
    pub total: Ratio,
    /// Number of firms whose figure has a value.
    pub firms_with_value: usize,
    /// Median of the per-firm values (nearest rank).
    pub median: Option<Decimal>,
    /// 10th percentile of the per-firm values (nearest rank).
    pub p10: Option<Decimal>,
    /// 90th percentile of the per-firm values (nearest rank).
    pub p90: Option<Decimal>,
    /// The firms outside the limit, in input order.
    pub firms_in_breach: Vec<String>,
}

/// All metrics across firms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossFirm {
    /// Number of firms.
    pub firm_count: usize,
    /// One entry per metric, in the order of the §3 table.
    pub metrics: Vec<CrossFirmMetric>,
    /// Firms with at least one breach, in input order.
    pub firms_in_breach: Vec<String>,
}

/// The cross-firm figures of a set of per-firm metrics.
pub fn aggregate(firms: &[FirmMetrics], thresholds: &Thresholds) -> CrossFirm {
    let metrics: Vec<CrossFirmMetric> = Metric::ALL
        .iter()
        .map(|&metric| {
            let figures: Vec<(&str, &Ratio)> = firms
                .iter()
                .map(|f| (f.firm_id.as_str(), f.figure(metric)))
                .collect();
            let numerator = figures.iter().map(|(_, r)| r.numerator).sum();
            let denominator = figures.iter().map(|(_, r)| r.denominator).sum();
            let mut values: Vec<Decimal> = figures.iter().filter_map(|(_, r)| r.value).collect();
            values.sort();
            let firms_in_breach = match thresholds.limit(metric) {
                Some(limit) => figures
                    .iter()
                    .filter(|(_, r)| limit.is_breached_by(r))
                    .map(|(id, _)| (*id).to_owned())
                    .collect(),
                None => Vec::new(),
            };
            CrossFirmMetric {
                metric,
                total: Ratio::of(numerator, denominator),
                firms_with_value: values.len(),
                median: nearest_rank(&values, 50),
                p10: nearest_rank(&values, 10),
                p90: nearest_rank(&values, 90),
                firms_in_breach,
            }
        })
        .collect();
    let firms_in_breach = firms
        .iter()
        .map(|f| f.firm_id.clone())
        .filter(|id| metrics.iter().any(|m| m.firms_in_breach.contains(id)))
        .collect();
    CrossFirm {
        firm_count: firms.len(),
        metrics,
        firms_in_breach,
    }
}

/// The p-th percentile (0 < p ≤ 100) of ascending values by nearest rank: the value at rank
/// ⌈p/100 × N⌉ (at least 1); `None` for no values.
pub fn nearest_rank(sorted: &[Decimal], p: u32) -> Option<Decimal> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = usize::try_from(p.clamp(1, 100)).unwrap_or(100);
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}
