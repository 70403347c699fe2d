//! Firm profiles and monthly filings (报送): the firm keeps its profile and publishes it as
//! versions; finance prepares a filing from the ledger, the admin submits it; a submitted
//! filing never changes (API and database), a correction is version 2 and version 1 stays;
//! regulators see the filings of their jurisdictions with on time / late / missing, the
//! detail as JSON, CSV and XLSX, and the difference between versions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ledger_support;

use common::{assert_error, TestApp, TestTenant};
use ledger_support::{bank_account, line, manual_voucher, second_user};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use std::str::FromStr;
use supervision_metrics::filing::content_hash;
use supervisor_portal::access::{supervision_tx, Access};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A jurisdiction code of its own for each test (6 digits).
fn jurisdiction() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 900_000 + 100_000;
    n.to_string()
}

/// Registers a licence for the tenant in the jurisdiction and links it.
async fn link(app: &TestApp, tenant: &TestTenant, jurisdiction: &str) {
    let licence_id: i64 = sqlx::query_scalar(
        "insert into supervision.licences (firm_name, credit_code, licence_number, jurisdiction, decided_at)
         values ($1, $2, $3, $4, '2026-01-05') returning id",
    )
    .bind(format!("测试小贷 {}", tenant.code))
    .bind(common::credit_code())
    .bind(format!("批复-{}", tenant.code))
    .bind(jurisdiction)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into supervision.licence_links (licence_id, tenant_code, linked_by, actor_name, reason)
         values ($1, $2, 'operator', 'test', 'test link')",
    )
    .bind(licence_id)
    .bind(&tenant.code)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

fn sqlstate(e: &sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|d| d.code().map(|c| c.to_string()))
        .unwrap_or_default()
}

/// A row's values of a filing's content, by key.
fn values(content: &Value, key: &str) -> Vec<Option<Decimal>> {
    content["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}"))["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map(d))
        .collect()
}

fn first(content: &Value, key: &str) -> Decimal {
    values(content, key)[0].unwrap_or_else(|| panic!("{key} has no first value"))
}

fn ytd(content: &Value, key: &str) -> Decimal {
    values(content, key)[1].unwrap_or_else(|| panic!("{key} has no year-to-date value"))
}

fn round6(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
}

/// The known book: opening capital and loans, income in June and October,
/// expenses in October, a bank loan (partly repaid) and a shareholder loan.
async fn known_book(app: &TestApp, t: &TestTenant) {
    let checker = second_user(app, t, "checker").await;
    let bank = bank_account(app, &t.token, "6222000099990001").await;
    let bank_id = bank["id"].as_i64().unwrap();
    let mv = |kind: &'static str, date: &'static str, lines: Vec<Value>| {
        let (token, checker) = (t.token.clone(), checker.clone());
        async move { manual_voucher(app, &token, &checker, kind, date, lines).await }
    };
    mv(
        "opening_balance",
        "2026-01-01",
        vec![
            line("1002.01", "6000000.00", ""),
            line("1303", "4000000.00", ""),
            line("4001", "", "10000000.00"),
        ],
    )
    .await;
    mv(
        "manual",
        "2026-06-15",
        vec![
            line("1002.01", "50000.00", ""),
            line("601101", "", "50000.00"),
        ],
    )
    .await;
    mv(
        "manual",
        "2026-10-12",
        vec![
            line("1002.01", "120000.00", ""),
            line("601101", "", "100000.00"),
            line("6021", "", "20000.00"),
        ],
    )
    .await;
    mv(
        "manual",
        "2026-10-20",
        vec![
            line("6601", "30000.00", ""),
            line("6403", "1200.00", ""),
            line("6701", "40000.00", ""),
            line("1002.01", "", "71200.00"),
        ],
    )
    .await;
    let borrow = |kind: &str, date: &str, term: i32, amount: &str, rate: &str| {
        json!({"entry_date": date, "lender_name": "上海银行", "lender_kind": kind, "amount": amount,
               "term_months": term, "rate": rate, "security": "信用", "bank_account_id": bank_id})
    };
    let (s, b) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("bank", "2026-03-10", 12, "2000000.00", "0.050000"),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let bank_loan = b["id"].as_i64().unwrap();
    let (s, b) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("shareholder", "2026-05-01", 24, "1000000.00", "0.080000"),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/borrowings/{bank_loan}/repayments"),
            Some(&t.token),
            json!({"entry_date": "2026-09-15", "amount": "500000.00", "bank_account_id": bank_id}),
        )
        .await;
    assert!(s == 200 || s == 201, "{b}");
}

async fn prepare(app: &TestApp, token: &str, kind: &str, period: &str) -> Value {
    let (s, b) = app
        .post(
            "/api/v1/filings",
            Some(token),
            json!({"kind": kind, "period": period}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["status"], "prepared");
    b
}

async fn submit(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, b) = app
        .post(
            &format!("/api/v1/filings/{id}/submit"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "submitted");
    b
}

#[tokio::test]
async fn filings_equal_the_ledger_and_a_submitted_filing_never_changes_a_correction_is_version_2() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let j = jurisdiction();
    // regulators first: the permission cache learns of accounts created before its first use
    let reg = app.regulator_token(&[&j]).await;
    let other = app.regulator_token(&[&jurisdiction()]).await;
    link(&app, &t, &j).await;
    known_book(&app, &t).await;

    // 财务状况表 of 2026-10, every figure computed here from the book above
    let fp = prepare(&app, &t.token, "financial_position", "2026-10").await;
    assert_eq!(fp["version"], 1);
    let c = &fp["content"];
    assert_eq!(fp["content_hash"], content_hash(c).as_str());
    let cash = d("6000000") + d("50000") + d("120000") - d("71200") + d("2000000") + d("1000000")
        - d("500000");
    assert_eq!(first(c, "cash"), cash);
    assert_eq!(first(c, "loan_balance"), d("4000000"));
    assert_eq!(first(c, "loan_loss_allowance"), Decimal::ZERO);
    assert_eq!(first(c, "total_assets"), cash + d("4000000"));
    assert_eq!(first(c, "total_liabilities"), d("2500000"));
    assert_eq!(first(c, "total_equity"), d("10000000") + d("98800"));
    assert_eq!(first(c, "general_risk_reserve"), Decimal::ZERO);
    assert_eq!(first(c, "operating_income"), d("120000"));
    assert_eq!(ytd(c, "operating_income"), d("170000"));
    assert_eq!(first(c, "interest_income"), d("100000"));
    assert_eq!(ytd(c, "interest_income"), d("150000"));
    assert_eq!(first(c, "fee_and_commission_income"), d("20000"));
    assert_eq!(first(c, "taxes_and_surcharges"), d("1200"));
    assert_eq!(first(c, "impairment_losses"), d("40000"));
    assert_eq!(first(c, "finance_costs"), Decimal::ZERO);
    assert_eq!(first(c, "net_profit"), d("48800"));
    assert_eq!(ytd(c, "net_profit"), d("98800"));
    assert_eq!(first(c, "profit_before_tax"), d("48800"));
    assert_eq!(first(c, "income_tax"), Decimal::ZERO);
    // ROA / ROE: year-to-date profit × 12 / 10, over the average of the month ends Dec 2025 … Oct 2026
    let assets = [
        "0", "10000000", "10000000", "12000000", "12000000", "13000000", "13050000", "13050000",
        "13050000", "12550000", "12598800",
    ];
    let equity = [
        "0", "10000000", "10000000", "10000000", "10000000", "10000000", "10050000", "10050000",
        "10050000", "10050000", "10098800",
    ];
    let avg =
        |xs: &[&str]| xs.iter().map(|x| d(x)).sum::<Decimal>() / Decimal::from(xs.len() as u64);
    let yearly = d("98800") * Decimal::from(12) / Decimal::from(10);
    assert_eq!(ytd(c, "roa"), round6(yearly / avg(&assets)));
    assert_eq!(ytd(c, "roe"), round6(yearly / avg(&equity)));

    // 主要经营指标及资金来源
    let oi = prepare(&app, &t.token, "operating_indicators", "2026-10").await;
    let o = &oi["content"];
    assert_eq!(first(o, "net_capital"), d("10098800"));
    assert_eq!(first(o, "funding.bank"), d("1500000"));
    assert_eq!(first(o, "funding.shareholder"), d("1000000"));
    assert_eq!(first(o, "funding.bond"), Decimal::ZERO);
    assert_eq!(first(o, "funding.total"), d("2500000"));
    assert_eq!(first(o, "funding.drawn"), Decimal::ZERO);
    assert_eq!(ytd(o, "funding.drawn"), d("3000000"));
    assert_eq!(ytd(o, "funding.repaid"), d("500000"));
    assert_eq!(first(o, "funding_rate.highest"), d("0.08"));
    assert_eq!(first(o, "funding_rate.lowest"), d("0.05"));
    assert_eq!(
        first(o, "funding_rate.weighted_average"),
        round6((d("1500000") * d("0.05") + d("1000000") * d("0.08")) / d("2500000"))
    );
    assert_eq!(first(o, "net_interest_income"), d("100000"));
    assert_eq!(ytd(o, "net_interest_income"), d("150000"));
    assert_eq!(ytd(o, "net_profit"), d("98800"));

    // 贷款业务状况表: no loans table yet (or no loans): zeros, every group present
    let lr = prepare(&app, &t.token, "loan_report", "2026-10").await;
    for key in [
        "total",
        "security.credit",
        "purpose.agriculture",
        "size.500k_and_more",
        "term.under_3m",
        "class.loss",
        "borrower.farmer",
        "disbursed.month",
    ] {
        assert_eq!(first(&lr["content"], key), Decimal::ZERO, "{key}");
    }

    // preparing again regenerates the same draft; submitting freezes it
    let again = prepare(&app, &t.token, "financial_position", "2026-10").await;
    assert_eq!(again["id"], fp["id"]);
    assert_eq!(again["version"], 1);
    let id = fp["id"].as_i64().unwrap();
    let v1 = submit(&app, &t.token, id).await;
    assert_eq!(v1["version"], 1);
    assert!(v1["submitted_at"].is_string());
    let (s, b) = app
        .post(
            &format!("/api/v1/filings/{id}/submit"),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_error(s, &b, 409, "filing_already_submitted");

    // the database refuses any change, in the tenant and in supervision
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let e = sqlx::query("update filings set content = '{}' where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "55000", "{e}");
    drop(tx);
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let e = sqlx::query("delete from filings where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "55000", "{e}");
    drop(tx);
    // the tenant role cannot write supervision's tables directly (only through the function)
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let e = sqlx::query(
        "insert into supervision.filings (firm, kind, period, version, content, content_hash, prepared_by, submitted_by)
         values ($1, 'financial_position', '2026-10-01', 9, '{}', repeat('0', 64), 'x', 'x')",
    )
    .bind(&t.code)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert_eq!(sqlstate(&e), "42501", "{e}");
    drop(tx);
    for sql in [
        "update supervision.filings set submitted_by = 'x' where firm = $1",
        "delete from supervision.filings where firm = $1",
    ] {
        // even the owner (the migrator) is refused by the trigger
        let e = sqlx::query(sql)
            .bind(&t.code)
            .execute(&app.state.pool)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&e), "55000", "{sql}: {e}");
    }

    // a correction: another October voucher, prepared again → version 2, version 1 kept
    let checker = app
        .staff_login(&t.code, "checker", ledger_support::CHECKER_PASSWORD)
        .await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-10-25",
        vec![line("1002.01", "5000.00", ""), line("6021", "", "5000.00")],
    )
    .await;
    let fp2 = prepare(&app, &t.token, "financial_position", "2026-10").await;
    assert_eq!(fp2["version"], 2);
    assert_ne!(fp2["id"], fp["id"]);
    assert_eq!(
        first(&fp2["content"], "fee_and_commission_income"),
        d("25000")
    );
    let v2 = submit(&app, &t.token, fp2["id"].as_i64().unwrap()).await;
    assert_eq!(v2["version"], 2);
    let (s, list) = app
        .get(
            "/api/v1/filings?period=2026-10&kind=financial_position",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|f| f["status"] == "submitted"));
    let (s, kept) = app
        .get(&format!("/api/v1/filings/{id}"), Some(&t.token))
        .await;
    assert_eq!(s, 200);
    assert_eq!(kept["content"], fp["content"]);
    assert_eq!(kept["content_hash"], fp["content_hash"]);

    // the regulator: both versions, each with its hash, the difference, CSV and XLSX
    let base = format!(
        "/supervision/v1/firms/{}/filings/financial_position/2026-10",
        t.code
    );
    let (s, versions) = app.get(&base, Some(&reg)).await;
    assert_eq!(s, 200, "{versions}");
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["content"], fp["content"]);
    assert_eq!(versions[0]["content_hash"], fp["content_hash"]);
    assert_eq!(versions[0]["hash_verified"], true);
    assert_eq!(versions[1]["content_hash"], fp2["content_hash"]);
    assert_eq!(versions[1]["submitted_by"], "admin");
    let (s, diff) = app
        .get(&format!("{base}/diff?from=1&to=2"), Some(&reg))
        .await;
    assert_eq!(s, 200, "{diff}");
    let changed: Vec<(&str, &str)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap(), c["column"].as_str().unwrap()))
        .collect();
    for key in [
        "cash",
        "total_assets",
        "total_equity",
        "fee_and_commission_income",
        "operating_income",
        "net_profit",
    ] {
        assert!(
            changed.iter().any(|(k, _)| *k == key),
            "{key} not in {diff}"
        );
    }
    assert!(!changed.iter().any(|(k, _)| *k == "loan_balance"), "{diff}");
    let fee = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "fee_and_commission_income")
        .unwrap();
    assert_eq!(fee["from"], "20000.00");
    assert_eq!(fee["to"], "25000.00");
    let resp = app
        .client
        .get(format!("{}{base}/versions/1?format=csv", app.base))
        .bearer_auth(&reg)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert!(text.contains("财务状况表"), "{text}");
    assert!(
        text.contains(&format!("货币资金 Cash and bank,{cash}")),
        "{text}"
    );
    let resp = app
        .client
        .get(format!("{}{base}/versions/2?format=xlsx", app.base))
        .bearer_auth(&reg)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"));
    let (s, _) = app.get(&format!("{base}/versions/3"), Some(&reg)).await;
    assert_eq!(s, 404);

    // a regulator of another jurisdiction sees nothing of this firm
    let (s, b) = app.get(&base, Some(&other)).await;
    assert_error(s, &b, 404, "not_found");
    let (s, _) = app.get(&format!("{base}/versions/1"), Some(&other)).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn regulators_see_on_time_late_and_missing_filings_of_their_jurisdictions_only() {
    let app = common::spawn().await;
    let j = jurisdiction();
    // regulators first: the permission cache learns of accounts created before its first use
    let reg = app.regulator_token(&[&j]).await;
    let outsider = app.regulator_token(&[&jurisdiction()]).await;
    let a = app.tenant().await;
    let b = app.tenant().await;
    let elsewhere = app.tenant().await;
    link(&app, &a, &j).await;
    link(&app, &b, &j).await;
    link(&app, &elsewhere, &jurisdiction()).await;
    // today is after 2026-11-05 (the October deadline) and before 2026-12-05 (November's)
    let today = chrono::Utc::now().date_naive();
    let this_month = today.format("%Y-%m").to_string();
    let last_month = (today - chrono::Months::new(1)).format("%Y-%m").to_string();
    let late_expected = today.format("%d").to_string().parse::<u32>().unwrap() > 5;

    for period in [&this_month, &last_month] {
        let f = prepare(&app, &a.token, "financial_position", period).await;
        submit(&app, &a.token, f["id"].as_i64().unwrap()).await;
    }
    let f = prepare(&app, &elsewhere.token, "financial_position", &last_month).await;
    submit(&app, &elsewhere.token, f["id"].as_i64().unwrap()).await;
    // a future period cannot be prepared
    let next = (today + chrono::Months::new(1)).format("%Y-%m").to_string();
    let (s, body) = app
        .post(
            "/api/v1/filings",
            Some(&a.token),
            json!({"kind": "loan_report", "period": next}),
        )
        .await;
    assert_error(s, &body, 422, "period_in_future");

    let status = |list: &Value, firm: &str, kind: &str| -> String {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["firm"] == firm && i["kind"] == kind)
            .unwrap_or_else(|| panic!("{firm} {kind} in {list}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (s, list) = app
        .get(
            &format!("/supervision/v1/filings?jurisdiction={j}&period={last_month}"),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2 * 3, "{list}");
    assert!(!list.to_string().contains(&elsewhere.code));
    assert_eq!(
        status(&list, &a.code, "financial_position"),
        if late_expected { "late" } else { "on_time" }
    );
    assert_eq!(
        status(&list, &b.code, "financial_position"),
        if late_expected { "missing" } else { "not_due" }
    );
    let (s, list) = app
        .get(
            &format!("/supervision/v1/filings?jurisdiction={j}&period={this_month}"),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(status(&list, &a.code, "financial_position"), "on_time");
    assert_eq!(status(&list, &b.code, "financial_position"), "not_due");
    assert_eq!(status(&list, &a.code, "loan_report"), "not_due");

    // the deadline is a jurisdiction setting, written by its regulator and audited
    let (s, dl) = app
        .get(&format!("/supervision/v1/filing-deadlines/{j}"), Some(&reg))
        .await;
    assert_eq!(s, 200);
    assert_eq!(dl["day_of_next_month"], 5);
    assert_eq!(dl["default"], true);
    let (s, body) = app
        .put(
            &format!("/supervision/v1/filing-deadlines/{j}"),
            Some(&reg),
            json!({"day_of_next_month": 31}),
        )
        .await;
    assert_error(s, &body, 422, "invalid_day");
    let (s, dl) = app
        .put(
            &format!("/supervision/v1/filing-deadlines/{j}"),
            Some(&reg),
            json!({"day_of_next_month": 28}),
        )
        .await;
    assert_eq!(s, 200, "{dl}");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from supervision.audit_events where action = 'filing_deadline.set' and entity_id = $1",
    )
    .bind(&j)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let (s, list) = app
        .get(
            &format!("/supervision/v1/filings?jurisdiction={j}&period={last_month}"),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200);
    if chrono::Datelike::day(&today) <= 28 {
        assert_eq!(status(&list, &a.code, "financial_position"), "on_time");
    }

    // other jurisdictions are refused
    let (s, body) = app
        .get(
            &format!("/supervision/v1/filings?jurisdiction={j}&period={last_month}"),
            Some(&outsider),
        )
        .await;
    assert_error(s, &body, 403, "outside_jurisdiction");
    let (s, body) = app
        .put(
            &format!("/supervision/v1/filing-deadlines/{j}"),
            Some(&outsider),
            json!({"day_of_next_month": 3}),
        )
        .await;
    assert_error(s, &body, 403, "outside_jurisdiction");
}

#[tokio::test]
async fn the_firm_profile_is_published_as_versions_with_the_ledgers_bank_accounts_and_funding() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let j = jurisdiction();
    // regulators first: the permission cache learns of accounts created before its first use
    let reg = app.regulator_token(&[&j]).await;
    let other = app.regulator_token(&[&jurisdiction()]).await;
    link(&app, &t, &j).await;
    let bank = bank_account(&app, &t.token, "6222000077770001").await;
    let (s, b) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            json!({"entry_date": "2026-03-10", "lender_name": "上海银行", "lender_kind": "bank", "amount": "800000.00",
                   "term_months": 12, "rate": "0.050000", "bank_account_id": bank["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let profile = json!({
        "basic": {"company_type": "limited", "opened_on": "2020-05-01", "address": "上海市浦东新区世纪大道 1 号",
                  "credit_code": common::credit_code(), "chair": "张三", "general_manager": "李四", "contact": "王五",
                  "contact_phone": "021-12345678", "main_sponsor": "某某集团"},
        "shareholders": [
            {"name": "某某集团有限公司", "kind": "legal", "main_sponsor": true, "legal_representative": "赵六",
             "contribution": "60000000.00", "share": "0.600000"},
            {"name": "钱七", "kind": "natural", "id_type": "居民身份证", "contribution": "40000000.00", "share": "0.400000"}
        ],
        "executives": [{"name": "李四", "sex": "male", "role": "总经理", "phone": "13800000000"}]
    });
    // shares above 100 % are refused, naming the field; nothing is published
    let mut bad = profile.clone();
    bad["shareholders"][1]["share"] = json!("0.500000");
    let (s, body) = app.put("/api/v1/firm-profile", Some(&t.token), bad).await;
    assert_error(s, &body, 422, "shares_above_100_percent");
    assert_eq!(body["field"], "shareholders");
    let mut bad = profile.clone();
    bad["basic"]["credit_code"] = json!("91310000MA1FL0000X");
    let (s, body) = app.put("/api/v1/firm-profile", Some(&t.token), bad).await;
    assert_error(s, &body, 422, "invalid_credit_code");

    let (s, saved) = app
        .put("/api/v1/firm-profile", Some(&t.token), profile.clone())
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["published_version"], 1);
    assert_eq!(
        saved["bank_accounts"][0]["account_number"],
        "6222000077770001"
    );
    assert_eq!(saved["bank_accounts"][0]["dedicated"], true);
    assert_eq!(saved["funding"][0]["lender_name"], "上海银行");
    assert_eq!(saved["funding"][0]["outstanding"], "800000.00");
    // a second bank account, then publish again: version 2, version 1 kept
    bank_account(&app, &t.token, "6222000077770002").await;
    let (s, again) = app
        .post("/api/v1/firm-profile/publish", Some(&t.token), json!({}))
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["published_version"], 2);
    let (s, got) = app.get("/api/v1/firm-profile", Some(&t.token)).await;
    assert_eq!(s, 200);
    assert_eq!(got["shareholders"][0]["name"], "某某集团有限公司");
    assert_eq!(got["published_hash"], again["published_hash"]);

    let (s, latest) = app
        .get(
            &format!("/supervision/v1/firms/{}/profile", t.code),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{latest}");
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["hash_verified"], true);
    assert_eq!(
        latest["content_hash"].as_str().unwrap(),
        content_hash(&latest["content"])
    );
    assert_eq!(latest["content_hash"], again["published_hash"]);
    assert_eq!(
        latest["content"]["bank_accounts"].as_array().unwrap().len(),
        2
    );
    assert_eq!(latest["content"]["funding"][0]["rate"], "0.050000");
    assert_eq!(latest["content"]["shareholders"][1]["share"], "0.400000");
    assert_eq!(latest["content"]["basic"]["chair"], "张三");
    for sql in [
        "update supervision.firm_profiles set published_by = 'x' where firm = $1",
        "delete from supervision.firm_profiles where firm = $1",
    ] {
        let e = sqlx::query(sql)
            .bind(&t.code)
            .execute(&app.state.pool)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&e), "55000", "{sql}: {e}");
    }
    let (s, versions) = app
        .get(
            &format!("/supervision/v1/firms/{}/profile/versions", t.code),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200);
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["version"], 1);
    assert_eq!(
        versions[1]["content"]["bank_accounts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(versions[1]["content_hash"], saved["published_hash"]);

    // other jurisdictions: 404; and regulators never write through the firm's API
    let (s, _) = app
        .get(
            &format!("/supervision/v1/firms/{}/profile", t.code),
            Some(&other),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app.put("/api/v1/firm-profile", Some(&reg), profile).await;
    assert_eq!(s, 401);
    let (s, _) = app
        .post(
            "/api/v1/filings",
            Some(&reg),
            json!({"kind": "loan_report", "period": "2026-10"}),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn the_portal_roles_can_only_read_profiles_and_filings() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let denied = "42501";
    for (access, sql) in [
        (Access::Read, format!("insert into supervision.filings (firm, kind, period, version, content, content_hash, prepared_by, submitted_by) values ('{}', 'loan_report', '2026-01-01', 1, '{{}}', repeat('0', 64), 'x', 'x')", t.code)),
        (Access::Write, format!("insert into supervision.filings (firm, kind, period, version, content, content_hash, prepared_by, submitted_by) values ('{}', 'loan_report', '2026-01-01', 1, '{{}}', repeat('0', 64), 'x', 'x')", t.code)),
        (Access::Write, format!("insert into supervision.firm_profiles (firm, version, content, content_hash, published_by) values ('{}', 1, '{{}}', repeat('0', 64), 'x')", t.code)),
        (Access::Read, "insert into supervision.filing_deadlines (jurisdiction, day_of_next_month) values ('999999', 3)".to_string()),
        (Access::Write, "delete from supervision.filing_deadlines".to_string()),
        (Access::Read, format!("select * from {}.filings", t.created.schema)),
        (Access::Write, format!("select * from {}.firm_profile", t.created.schema)),
        (Access::Read, "select supervision.submit_filing('loan_report', '2026-01-01', 1, '{}', repeat('0', 64), 'x', 'x')".to_string()),
        (Access::Write, "select supervision.publish_firm_profile('{}', repeat('0', 64), 'x')".to_string()),
    ] {
        let mut tx = supervision_tx(&app.state.pool, &app.state.config.tenancy.role_prefix, access).await.unwrap();
        let r = sqlx::query(&sql).execute(&mut *tx).await;
        tx.rollback().await.unwrap();
        match r {
            Ok(_) => panic!("allowed as {access:?}: {sql}"),
            Err(e) => assert_eq!(sqlstate(&e), denied, "{access:?}: {sql}: {e}"),
        }
    }
    for sql in [
        "select count(*) from supervision.filings",
        "select count(*) from supervision.firm_profiles",
        "select count(*) from supervision.filing_deadlines",
    ] {
        let mut tx = supervision_tx(
            &app.state.pool,
            &app.state.config.tenancy.role_prefix,
            Access::Read,
        )
        .await
        .unwrap();
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn finance_prepares_and_only_the_admin_submits() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let finance = second_user(&app, &t, "finance").await;
    let f = prepare(&app, &finance, "operating_indicators", "2026-09").await;
    assert_eq!(f["prepared_by_name"], "finance");
    let id = f["id"].as_i64().unwrap();
    let (s, body) = app
        .post(
            &format!("/api/v1/filings/{id}/submit"),
            Some(&finance),
            json!({}),
        )
        .await;
    assert_error(s, &body, 403, "forbidden");
    let (s, still) = app
        .get(&format!("/api/v1/filings/{id}"), Some(&t.token))
        .await;
    assert_eq!(s, 200);
    assert_eq!(still["status"], "prepared");
    let v = submit(&app, &t.token, id).await;
    assert_eq!(v["submitted_by_name"], "admin");
    assert_eq!(v["prepared_by_name"], "finance");
}
