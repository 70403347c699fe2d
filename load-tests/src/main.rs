//! `xiaodai-load`: measures a running Xiaodai through its public HTTP API only
//! (no workspace crate is a dependency). Requests go to the base URL given —
//! use a local server (127.0.0.1); every loop is bounded in count.

mod stats;

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(name = "xiaodai-load")]
struct Cli {
    /// Base URL of the server, e.g. http://127.0.0.1:8080
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tenant provisioning time through POST /ops/v1/tenants as the tenant count grows.
    Provision {
        #[arg(long, default_value = "operator")]
        operator: String,
        #[arg(long, default_value = "Demo-Operator-2026")]
        password: String,
        /// Tenant counts at which to measure (tenants are created up to each).
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        checkpoints: Vec<usize>,
        /// Timed creations at each checkpoint.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        /// Also measure GET /api/v1/branches latency on one tenant at each checkpoint.
        #[arg(long, default_value_t = 500)]
        latency_requests: usize,
    },
    /// Request latency of GET /api/v1/branches on one tenant.
    Latency {
        #[arg(long, default_value = "demo")]
        tenant: String,
        #[arg(long, default_value = "admin")]
        username: String,
        #[arg(long, default_value = "Demo-Admin-2026")]
        password: String,
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = client.post(url.clone()).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url}: {status} {value}");
    }
    Ok(value)
}

async fn token(client: &reqwest::Client, url: String, body: Value) -> anyhow::Result<String> {
    let v = post(client, url, None, body).await?;
    v["token"]
        .as_str()
        .map(str::to_string)
        .context("no token in login response")
}

async fn tenant_count(client: &reqwest::Client, base: &str, ops: &str) -> anyhow::Result<usize> {
    let v: Value = client
        .get(format!("{base}/ops/v1/tenants"))
        .bearer_auth(ops)
        .send()
        .await?
        .json()
        .await?;
    Ok(v.as_array().map(Vec::len).unwrap_or(0))
}

/// Logs into a new tenant's admin (one-time password changed) and returns a token.
async fn staff_token(
    client: &reqwest::Client,
    base: &str,
    created: &Value,
) -> anyhow::Result<String> {
    let code = created["code"].as_str().unwrap_or_default();
    let otp = created["admin_password"].as_str().unwrap_or_default();
    let t = token(
        client,
        format!("{base}/api/v1/auth/login"),
        json!({"tenant": code, "username": "admin", "password": otp}),
    )
    .await?;
    post(
        client,
        format!("{base}/api/v1/auth/password"),
        Some(&t),
        json!({"old_password": otp, "new_password": "Load-Test-Password-1"}),
    )
    .await?;
    Ok(t)
}

async fn latency(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<stats::Summary> {
    use futures::StreamExt;
    let started = Instant::now();
    let samples: Vec<anyhow::Result<Duration>> = futures::stream::iter(0..requests)
        .map(|_| async {
            let t = Instant::now();
            let resp = client.get(url).bearer_auth(token).send().await?;
            if !resp.status().is_success() {
                bail!("GET {url}: {}", resp.status());
            }
            resp.bytes().await?;
            Ok(t.elapsed())
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let samples: Vec<Duration> = samples.into_iter().collect::<anyhow::Result<_>>()?;
    Ok(stats::Summary::of(samples, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let client = reqwest::Client::new();
    let base = cli.base.trim_end_matches('/').to_string();
    match cli.command {
        Command::Provision {
            operator,
            password,
            checkpoints,
            samples,
            latency_requests,
        } => {
            let ops = token(
                &client,
                format!("{base}/ops/v1/auth/login"),
                json!({"username": operator, "password": password}),
            )
            .await?;
            let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_string();
            let mut made = 0usize;
            let create = |i: usize| {
                let client = client.clone();
                let base = base.clone();
                let ops = ops.clone();
                let code = format!("lt{run}_{i}");
                async move {
                    post(
                        &client,
                        format!("{base}/ops/v1/tenants"),
                        Some(&ops),
                        json!({"code": code, "name": "压测小贷"}),
                    )
                    .await
                }
            };
            println!("| tenants present | provisioning p50 | p95 | max | GET /api/v1/branches p50 | p95 | req/s |");
            println!("|---:|---:|---:|---:|---:|---:|---:|");
            for target in checkpoints {
                let present = tenant_count(&client, &base, &ops).await?;
                for _ in present..target {
                    made += 1;
                    create(made).await?;
                }
                let mut times = Vec::new();
                let mut last = Value::Null;
                for _ in 0..samples {
                    made += 1;
                    let t = Instant::now();
                    last = create(made).await?;
                    times.push(t.elapsed());
                }
                let prov = stats::Summary::of(times, Duration::ZERO);
                let staff = staff_token(&client, &base, &last).await?;
                let lat = latency(
                    &client,
                    &format!("{base}/api/v1/branches"),
                    &staff,
                    latency_requests,
                    8,
                )
                .await?;
                println!(
                    "| {target} | {} | {} | {} | {} | {} | {:.0} |",
                    stats::ms(prov.p50),
                    stats::ms(prov.p95),
                    stats::ms(prov.max),
                    stats::ms(lat.p50),
                    stats::ms(lat.p95),
                    lat.per_second_x100 / 100
                );
            }
        }
        Command::Latency {
            tenant,
            username,
            password,
            requests,
            concurrency,
        } => {
            let staff = token(
                &client,
                format!("{base}/api/v1/auth/login"),
                json!({"tenant": tenant, "username": username, "password": password}),
            )
            .await?;
            let lat = latency(
                &client,
                &format!("{base}/api/v1/branches"),
                &staff,
                requests,
                concurrency,
            )
            .await?;
            println!("requests {requests}, concurrency {concurrency}: p50 {} p95 {} p99 {} max {}, {} req/s",
                stats::ms(lat.p50), stats::ms(lat.p95), stats::ms(lat.p99), stats::ms(lat.max), lat.per_second_x100 / 100);
        }
    }
    Ok(())
}
