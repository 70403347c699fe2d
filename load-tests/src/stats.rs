//! Percentiles (nearest rank) of measured durations, in integer microseconds.

use std::time::Duration;

/// Latency summary.
pub struct Summary {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Throughput × 100 (integer arithmetic).
    pub per_second_x100: u128,
}

fn rank(sorted: &[Duration], pct: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let r = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[r - 1]
}

impl Summary {
    /// Summarises samples taken over `wall` time.
    pub fn of(mut samples: Vec<Duration>, wall: Duration) -> Self {
        samples.sort();
        let per_second_x100 = if wall.is_zero() {
            0
        } else {
            (samples.len() as u128) * 100_000_000 / wall.as_micros().max(1)
        };
        Self {
            p50: rank(&samples, 50),
            p95: rank(&samples, 95),
            p99: rank(&samples, 99),
            max: samples.last().copied().unwrap_or_default(),
            per_second_x100,
        }
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    let us = d.as_micros();
    format!("{}.{} ms", us / 1000, (us % 1000) / 100)
}
