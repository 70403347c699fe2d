//! Regulator dashboard benchmark (not run in CI; figures in docs/BENCHMARKS.md): 1,000 firms of
//! one jurisdiction × 365 daily snapshots generated in SQL (`load-tests/dashboard-bench.sql`),
//! then the dashboard of the last day, a firm's year-long metric series, the firm registry and
//! the filing status list, timed through the HTTP API (median of 5).
//!
//! `load-tests/dashboard-bench.sh` runs it (`DASHBOARD_BENCH_FIRMS`, `DASHBOARD_BENCH_DAYS`
//! change the size); use a database of its own: the firms are placeholder tenants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use supervision_metrics::{
    firm_metrics, BorrowerType, FirmInput, FundingBalances, LoanClass, LoanFacts, Purpose,
    Security, Thresholds,
};

async fn time_get(app: &common::TestApp, token: &str, path: &str) -> f64 {
    let mut runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let (status, body) = app.get(path, Some(token)).await;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{path}: {body}");
    }
    runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    runs[runs.len() / 2]
}

fn template(as_of: NaiveDate) -> FirmInput {
    let loans = (0..50)
        .map(|i| LoanFacts {
            loan_id: format!("l{i}"),
            borrower_id: format!("b{}", i % 40),
            related_group_id: (i % 7 == 0).then(|| "g1".to_string()),
            related_party: i % 11 == 0,
            dpd: if i % 9 == 0 { 45 } else { 0 },
            class: if i % 9 == 0 {
                LoanClass::SpecialMention
            } else {
                LoanClass::Normal
            },
            balance: Decimal::from(100_000 + i * 1_000),
            overdue_principal: Decimal::ZERO,
            apr: Decimal::new(18, 2),
            contract_principal: Decimal::from(120_000),
            recorded_payout: Decimal::from(120_000),
            payout_from_dedicated_account: true,
            payout_override: false,
            term_months: 12,
            contract_size: Decimal::from(120_000),
            purpose: Purpose::IndustryCommerce,
            security: Security::Guarantee,
            borrower_type: BorrowerType::SmallBusinessOwner,
        })
        .collect();
    FirmInput {
        firm_id: "template".into(),
        as_of,
        net_assets: Decimal::from(60_000_000),
        loan_balance: Decimal::from(6_225_000),
        loans,
        funding: FundingBalances {
            bank: Decimal::from(10_000_000),
            ..Default::default()
        },
        allowance: Decimal::from(100_000),
        required_allowance: Decimal::from(90_000),
        net_profit_ytd: Decimal::from(900_000),
        average_total_assets: Decimal::from(70_000_000),
        average_equity: Decimal::from(60_000_000),
        days: 300,
    }
}

#[tokio::test]
#[ignore]
async fn dashboard_over_a_thousand_firms_and_a_year_of_snapshots() {
    let firms: u32 = std::env::var("DASHBOARD_BENCH_FIRMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let days: u32 = std::env::var("DASHBOARD_BENCH_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(365);
    let app = common::spawn().await;
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let jurisdiction = format!("{}", 900_000 + uuid::Uuid::new_v4().as_u128() % 99_999);
    let prefix = format!("bd{}_", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let input = template(end);
    let metrics = firm_metrics(&input, &Thresholds::default()).unwrap();
    // the inputs are stored beside the metrics; the loan list is left out to keep the data small
    let mut input = input;
    input.loans.clear();
    let mut conn = app.state.pool.acquire().await.unwrap();
    sqlx::query("create temporary table bench_template (metrics jsonb, inputs jsonb)")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("insert into bench_template values ($1, $2)")
        .bind(serde_json::to_value(&metrics).unwrap())
        .bind(serde_json::to_value(&input).unwrap())
        .execute(&mut *conn)
        .await
        .unwrap();
    let sql = include_str!("../load-tests/dashboard-bench.sql")
        .replace("{{prefix}}", &prefix)
        .replace("{{jurisdiction}}", &jurisdiction)
        .replace("{{firms}}", &firms.to_string())
        .replace("{{days}}", &days.to_string())
        .replace("{{end}}", &end.to_string());
    let started = Instant::now();
    sqlx::raw_sql(&sql).execute(&mut *conn).await.unwrap();
    let generated = started.elapsed();
    drop(conn);
    let rows: i64 = sqlx::query_scalar(
        "select count(*) from supervision.metric_snapshots s join platform.tenants t on t.code = s.firm where t.jurisdiction = $1",
    )
    .bind(&jurisdiction)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    println!(
        "generated {rows} snapshots of {firms} firms × {days} days in {:.1} s",
        generated.as_secs_f64()
    );

    let reg = app.regulator_token(&[&jurisdiction]).await;
    let dash = format!("/supervision/v1/dashboard?jurisdiction={jurisdiction}&as_of={end}");
    let (_, body) = app.get(&dash, Some(&reg)).await;
    assert_eq!(body["cross_firm"]["firm_count"], firms);
    let ms = time_get(&app, &reg, &dash).await;
    println!("dashboard of {end} ({firms} firms): {ms:.1} ms");
    let first = format!("{prefix}00001");
    let series = format!("/supervision/v1/firms/{first}/metrics/largest_single_borrower");
    let ms = time_get(&app, &reg, &series).await;
    println!("one firm's series over {days} days: {ms:.1} ms");
    let ms = time_get(&app, &reg, "/supervision/v1/firms").await;
    println!("firm registry ({firms} firms, latest snapshot each): {ms:.1} ms");
    let filings = format!("/supervision/v1/filings?jurisdiction={jurisdiction}&period=2026-10");
    let ms = time_get(&app, &reg, &filings).await;
    println!("filing status list ({firms} firms × 3 kinds): {ms:.1} ms");
}
