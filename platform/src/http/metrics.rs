//! Prometheus metrics kept in-process: requests and latency by method, route
//! template and status, plus database pool usage, rendered as text.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Mutex, OnceLock},
    time::Duration,
};

/// Latency bucket bounds, in microseconds.
const BUCKETS_US: [u64; 10] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_us: u64,
    buckets: [u64; BUCKETS_US.len()],
}

type Key = (String, String, u16);

fn registry() -> &'static Mutex<BTreeMap<Key, Series>> {
    static REGISTRY: OnceLock<Mutex<BTreeMap<Key, Series>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Records one finished request.
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let Ok(mut map) = registry().lock() else {
        return;
    };
    let series = map
        .entry((method.to_string(), route.to_string(), status))
        .or_default();
    series.count += 1;
    series.sum_us = series.sum_us.saturating_add(us);
    for (i, bound) in BUCKETS_US.iter().enumerate() {
        if us <= *bound {
            series.buckets[i] += 1;
        }
    }
}

fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// Renders the Prometheus text exposition, with the pool gauges given.
pub fn render(pool_size: u32, pool_idle: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP xiaodai_http_requests_total Requests by method, route template and status."
    );
    let _ = writeln!(out, "# TYPE xiaodai_http_requests_total counter");
    let _ = writeln!(
        out,
        "# HELP xiaodai_http_request_duration_seconds Request latency."
    );
    let _ = writeln!(
        out,
        "# TYPE xiaodai_http_request_duration_seconds histogram"
    );
    if let Ok(map) = registry().lock() {
        for ((method, route, status), s) in map.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                route.replace('"', "'")
            );
            let _ = writeln!(out, "xiaodai_http_requests_total{{{labels}}} {}", s.count);
            for (i, bound) in BUCKETS_US.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "xiaodai_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {}",
                    seconds(*bound),
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "xiaodai_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "xiaodai_http_request_duration_seconds_sum{{{labels}}} {}",
                seconds(s.sum_us)
            );
            let _ = writeln!(
                out,
                "xiaodai_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP xiaodai_db_pool_connections Database pool connections."
    );
    let _ = writeln!(out, "# TYPE xiaodai_db_pool_connections gauge");
    let _ = writeln!(
        out,
        "xiaodai_db_pool_connections{{state=\"open\"}} {pool_size}"
    );
    let _ = writeln!(
        out,
        "xiaodai_db_pool_connections{{state=\"idle\"}} {pool_idle}"
    );
    out
}
