//! Close of business: dates close in order, once; reruns and concurrent
//! closers change nothing; the nightly tick enqueues one job per tenant and
//! date; a suspended tenant is not closed and catches up in order after
//! reactivation.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use platform::{audit::Actor, jobs::WorkerOptions};
use tenant_app::close_of_business::Trigger;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn closed_dates(app: &common::TestApp, t: &common::TestTenant) -> Vec<(NaiveDate, String)> {
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    sqlx::query_as("select business_date, trigger from business_days order by business_date")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
}

/// Runs this tenant's due `cob` jobs (and nobody else's).
async fn run_jobs(app: &common::TestApp, code: &str) -> platform::jobs::RunReport {
    let registry = xiaodai::jobs::registry(&app.state).unwrap();
    let mut options = WorkerOptions::from_config(&app.state.config.jobs);
    options.tenant = Some(code.to_string());
    options.kinds = Some(vec![platform::jobs::kinds::COB.to_string()]);
    platform::jobs::run_once(&app.state, &registry, &options, 50)
        .await
        .unwrap()
}

#[tokio::test]
async fn dates_close_in_order_once_and_reruns_change_nothing() {
    let app = common::spawn().await;
    let t = app.tenant().await;

    let first =
        xiaodai::close_of_business::run(&app.state, &t.code, d("2026-03-28"), Trigger::Manual)
            .await
            .unwrap();
    // A tenant that never closed a day starts at the date asked for.
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].business_date, d("2026-03-28"));

    let next =
        xiaodai::close_of_business::run(&app.state, &t.code, d("2026-04-01"), Trigger::Manual)
            .await
            .unwrap();
    let dates: Vec<NaiveDate> = next.iter().map(|c| c.business_date).collect();
    assert_eq!(
        dates,
        vec![
            d("2026-03-29"),
            d("2026-03-30"),
            d("2026-03-31"),
            d("2026-04-01")
        ]
    );

    // Closing again, or an earlier date, changes nothing.
    for through in ["2026-04-01", "2026-03-30"] {
        let again =
            xiaodai::close_of_business::run(&app.state, &t.code, d(through), Trigger::Manual)
                .await
                .unwrap();
        assert!(again.is_empty(), "{through}: {again:?}");
    }
    assert_eq!(closed_dates(&app, &t).await.len(), 5);
}

#[tokio::test]
async fn concurrent_closers_close_each_date_once() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    xiaodai::close_of_business::run(&app.state, &t.code, d("2026-01-01"), Trigger::Manual)
        .await
        .unwrap();

    let runs = (0..4).map(|_| {
        let state = app.state.clone();
        let code = t.code.clone();
        tokio::spawn(async move {
            xiaodai::close_of_business::run(&state, &code, d("2026-01-20"), Trigger::Manual)
                .await
                .unwrap()
        })
    });
    let mut total = 0;
    for run in futures::future::join_all(runs).await {
        total += run.unwrap().len();
    }
    assert_eq!(
        total, 19,
        "each of 2 .. 20 January closed by exactly one closer"
    );
    let dates: Vec<NaiveDate> = closed_dates(&app, &t)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    let expected: Vec<NaiveDate> = d("2026-01-01").iter_days().take(20).collect();
    assert_eq!(dates, expected);
}

#[tokio::test]
async fn the_tick_enqueues_once_and_a_suspended_tenant_catches_up_in_order() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let operator = Actor::system("test");

    // 00:45 in Shanghai on 10 March: 9 March is closable (run time 00:30).
    let now = Utc
        .with_ymd_and_hms(2026, 3, 9, 16, 45, 0)
        .single()
        .unwrap();
    assert!(
        xiaodai::close_of_business::schedule_tenant(&app.state, &t.code, now)
            .await
            .unwrap()
    );
    // Another instance's tick in the same night adds nothing.
    assert!(
        !xiaodai::close_of_business::schedule_tenant(&app.state, &t.code, now)
            .await
            .unwrap()
    );
    let report = run_jobs(&app, &t.code).await;
    assert_eq!(report.total(), 1);
    assert_eq!(
        closed_dates(&app, &t).await,
        vec![(d("2026-03-09"), "scheduled".to_string())]
    );

    // Suspended for three nights: a job queued before the suspension does nothing.
    platform::lifecycle::suspend(&app.state, &t.code, &operator, "unpaid invoice")
        .await
        .unwrap();
    let later = now + chrono::Duration::days(1);
    xiaodai::close_of_business::schedule_tenant(&app.state, &t.code, later)
        .await
        .unwrap();
    run_jobs(&app, &t.code).await;
    assert_eq!(
        closed_dates(&app, &t).await.len(),
        1,
        "nothing closed while suspended"
    );

    // Reactivated on the fourth night: the missed dates close, in order.
    platform::lifecycle::reactivate(&app.state, &t.code, &operator, "paid")
        .await
        .unwrap();
    let reactivated = now + chrono::Duration::days(4);
    assert!(
        xiaodai::close_of_business::schedule_tenant(&app.state, &t.code, reactivated)
            .await
            .unwrap()
    );
    run_jobs(&app, &t.code).await;
    let dates: Vec<NaiveDate> = closed_dates(&app, &t)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        dates,
        vec![
            d("2026-03-09"),
            d("2026-03-10"),
            d("2026-03-11"),
            d("2026-03-12"),
            d("2026-03-13")
        ]
    );
}
