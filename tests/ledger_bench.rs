//! Ledger benchmark (not run in CI; figures in docs/BENCHMARKS.md):
//! vouchers posted per second through `ledger::post`, then a tenant with 1,000,000
//! voucher lines generated in SQL, and the time of its trial balance, balance sheet,
//! sub-ledger and net assets through the API.
//!
//! `cargo test --test ledger_bench -- --ignored --nocapture`
//! (`LEDGER_BENCH_LINES` changes the number of generated lines.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ledger_rules::{CashAccount, EventKind, PostingLine, VoucherDraft};
use platform::{audit::Actor, tenancy};
use rust_decimal_macros::dec;
use tenant_app::ledger::{self, Source};

fn actor() -> Actor {
    Actor::system("ledger-bench")
}

fn per_second(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// Median of a few runs of an HTTP GET, in milliseconds.
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

#[tokio::test]
#[ignore = "benchmark: run by hand, see docs/BENCHMARKS.md"]
async fn ledger_benchmark() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let new = ledger::bank_accounts::NewBankAccount {
        bank_name: "基准银行".into(),
        branch_name: String::new(),
        account_number: "6222999900000001".into(),
        opened_on: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        dedicated: true,
        notes: String::new(),
    };
    ledger::bank_accounts::register(&mut tx, &actor(), new)
        .await
        .unwrap();
    let opening = VoucherDraft::new(
        EventKind::OpeningBalance,
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        vec![
            PostingLine::dr(
                ledger_rules::AccountCode::parse("1002.01").unwrap(),
                dec!(100000000),
            ),
            PostingLine::cr(ledger_rules::chart::PAID_IN_CAPITAL, dec!(100000000)),
        ],
        "期初余额",
    )
    .unwrap();
    ledger::post(
        &mut tx,
        &actor(),
        &opening,
        &Source::new("bench", "opening"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let bank = CashAccount::bank(1).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();

    // 1. One voucher per transaction, as a payout or repayment posts it.
    let n = 2000;
    let started = Instant::now();
    for i in 0..n {
        let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
            .await
            .unwrap();
        let draft = ledger_rules::payout(day, &bank, dec!(1000)).unwrap();
        ledger::post(
            &mut tx,
            &actor(),
            &draft,
            &Source::new("bench_single", &i.to_string()),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let single = per_second(n, started.elapsed());

    // 2. Many vouchers in one transaction, as close of business posts them.
    let started = Instant::now();
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    for i in 0..n {
        let draft = ledger_rules::income_recognition(
            day,
            ledger_rules::IncomeKind::Interest,
            dec!(12.34),
            ledger_rules::Basis::Accrual,
        )
        .unwrap();
        ledger::post(
            &mut tx,
            &actor(),
            &draft,
            &Source::new("bench_batch", &i.to_string()),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let batch = per_second(n, started.elapsed());
    println!("posting: {single:.0} vouchers/s one per transaction, {batch:.0} vouchers/s {n} in one transaction");

    // 3. 1,000,000 lines in 2025 (4 lines a voucher), generated in SQL month by month.
    let lines: i64 = std::env::var("LEDGER_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let per_month = lines / 4 / 12;
    let started = Instant::now();
    for month in 1..=12u32 {
        let start = NaiveDate::from_ymd_opt(2025, month, 1).unwrap();
        let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
            .await
            .unwrap();
        sqlx::query("insert into ledger_periods (starts_on) values ($1) on conflict do nothing")
            .bind(start)
            .execute(&mut *tx)
            .await
            .unwrap();
        let first: i32 = sqlx::query_scalar(
            "select next_voucher_no from ledger_periods where starts_on = $1 for update",
        )
        .bind(start)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "with g as (
                 select g, $1::date + (g % 28) as d,
                        (1000 + g % 997)::numeric as p, (10 + g % 7)::numeric as f,
                        (1 + g % 89)::numeric as i1, (1 + g % 53)::numeric as i2
                   from generate_series(0, $3 - 1) as g
             ), v as (
                 insert into vouchers (period_start, voucher_no, voucher_date, event_date, event_kind, source_type,
                                       source_id, memo, total_debit, posted_by_kind)
                 select $1, $2 + g, d, d, case when g % 2 = 0 then 'payout' else 'repayment' end, 'bench_sql',
                        $1::text || ':' || g, '基准', case when g % 2 = 0 then p + f else p + i1 + i2 end, 'system'
                   from g
                 returning id, voucher_no, voucher_date
             )
             insert into voucher_lines (voucher_id, line_no, period_start, voucher_date, account_code, debit, credit)
             select v.id, l.n, $1, v.voucher_date, l.account, l.debit, l.credit
               from v join g on g.g = v.voucher_no - $2
              cross join lateral (values
                  (1, case when g.g % 2 = 0 then '1303' else '1002.01' end,
                      case when g.g % 2 = 0 then g.p else g.p + g.i1 + g.i2 end, 0::numeric),
                  (2, case when g.g % 2 = 0 then '1002.01' else '1303' end, 0::numeric, g.p),
                  (3, case when g.g % 2 = 0 then '1002.01' else '1132' end,
                      case when g.g % 2 = 0 then g.f else 0 end, case when g.g % 2 = 0 then 0 else g.i1 end),
                  (4, case when g.g % 2 = 0 then '6021' else '601101' end,
                      0::numeric, case when g.g % 2 = 0 then g.f else g.i2 end)
              ) as l(n, account, debit, credit)",
        )
        .bind(start)
        .bind(first)
        .bind(i32::try_from(per_month).unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "update ledger_periods set next_voucher_no = next_voucher_no + $2 where starts_on = $1",
        )
        .bind(start)
        .bind(i32::try_from(per_month).unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let generated = started.elapsed();
    let total_lines: i64 = {
        let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
            .await
            .unwrap();
        sqlx::query("analyze voucher_lines")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("analyze vouchers")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("analyze ledger_account_totals")
            .execute(&mut *tx)
            .await
            .unwrap();
        let n = sqlx::query_scalar("select count(*) from voucher_lines")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    println!(
        "generated {total_lines} voucher lines in {:.1} s (balance trigger checked every voucher at commit)",
        generated.as_secs_f64()
    );

    for (label, path) in [
        (
            "trial balance 2025-12",
            "/api/v1/ledger/trial-balance?period=2025-12",
        ),
        (
            "balance sheet 2025-12-31 (month end)",
            "/api/v1/ledger/balance-sheet?date=2025-12-31",
        ),
        (
            "balance sheet 2025-12-15 (mid-month)",
            "/api/v1/ledger/balance-sheet?date=2025-12-15",
        ),
        (
            "income statement 2025",
            "/api/v1/ledger/income-statement?from=2025-01&to=2025-12",
        ),
        (
            "net assets 2025-12-31",
            "/api/v1/ledger/net-assets?date=2025-12-31",
        ),
        (
            "sub-ledger 1303 2025-12",
            "/api/v1/ledger/sub-ledger?account=1303&period=2025-12",
        ),
        (
            "trial balance 2025-12 as XLSX",
            "/api/v1/ledger/trial-balance?period=2025-12&format=xlsx",
        ),
    ] {
        let ms = time_get(&app, &t.token, path).await;
        println!("{label}: {ms:.1} ms (median of 5)");
    }
}
