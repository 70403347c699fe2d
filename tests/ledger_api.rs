//! The general ledger through the staff API (and, for loan events, through the one
//! posting function the other modules call).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ledger_support;

use chrono::NaiveDate;
use ledger_rules::{CashAccount, VoucherDraft};
use ledger_support::{
    bank_account, closing, line, manual_voucher, second_user, system, trial_balance,
};
use platform::tenancy;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use tenant_app::ledger::{self, allowance, Source};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Posts a voucher in-process, as a loan module would, and commits.
async fn post_event(
    app: &common::TestApp,
    t: &common::TestTenant,
    draft: VoucherDraft,
    id: &str,
) -> ledger::Posted {
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let posted = ledger::post(&mut tx, &system(), &draft, &Source::new("test_event", id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    posted
}

async fn count(app: &common::TestApp, t: &common::TestTenant, sql: &str) -> i64 {
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn the_chart_is_seeded_and_tenants_add_and_remove_only_their_unused_sub_accounts() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, chart) = app.get("/api/v1/ledger/accounts", Some(&t.token)).await;
    assert_eq!(s, 200);
    let find = |chart: &Value, c: &str| {
        chart
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == c)
            .cloned()
    };
    let loans = find(&chart, "1303").expect("1303 seeded");
    assert_eq!(loans["name_zh"], "贷款");
    assert_eq!(loans["standard"], true);
    assert_eq!(find(&chart, "6011").unwrap()["has_sub_accounts"], true);
    assert_eq!(find(&chart, "601102").unwrap()["name_zh"], "罚息");
    assert!(
        find(&chart, "7001").is_some(),
        "off-balance memo accounts seeded"
    );

    let (s, b) = app
        .post(
            "/api/v1/ledger/accounts",
            Some(&t.token),
            json!({"parent_code": "6601", "name_zh": "工资"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["code"], "6601.01");
    assert_eq!(b["kind"], "expense");
    let (s, b) = app
        .post(
            "/api/v1/ledger/accounts",
            Some(&t.token),
            json!({"parent_code": "6601", "code": "660102", "name_zh": "房租"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .post(
            "/api/v1/ledger/accounts",
            Some(&t.token),
            json!({"parent_code": "6601", "code": "6411.01", "name_zh": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "code_not_within_parent");
    let (s, b) = app
        .post(
            "/api/v1/ledger/accounts",
            Some(&t.token),
            json!({"parent_code": "9999", "name_zh": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "unknown_account");

    let (s, _) = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/ledger/accounts/660102",
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, b) = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/ledger/accounts/1303",
            Some(&t.token),
            None,
        )
        .await;
    common::assert_error(s, &b, 409, "standard_account");

    // Used: it cannot go, and its parent takes no postings of its own.
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000011112222").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-01-15",
        vec![line("6601.01", "100.00", ""), line("1002.01", "", "100.00")],
    )
    .await;
    let (s, b) = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/ledger/accounts/6601.01",
            Some(&t.token),
            None,
        )
        .await;
    common::assert_error(s, &b, 409, "account_in_use");
    let (s, b) = app
        .post("/api/v1/ledger/manual-vouchers", Some(&t.token), json!({"voucher_date": "2026-01-16", "lines": [line("6601", "1.00", ""), line("1002.01", "", "1.00")]}))
        .await;
    common::assert_error(s, &b, 422, "account_not_leaf");
    assert_eq!(b["field"], "lines[0].account");
}

#[tokio::test]
async fn bank_accounts_get_their_own_sub_account_and_exactly_one_is_the_dedicated_account() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let first = bank_account(&app, &t.token, "6222 0000 1111 0001").await;
    assert_eq!(first["account_code"], "1002.01");
    assert_eq!(first["account_number"], "6222000011110001");
    assert_eq!(
        first["dedicated"], true,
        "the first account is the dedicated one"
    );
    let second = bank_account(&app, &t.token, "6222000011110002").await;
    assert_eq!(second["account_code"], "1002.02");
    assert_eq!(second["dedicated"], false);
    let (s, b) = app
        .post("/api/v1/ledger/bank-accounts", Some(&t.token), json!({"bank_name": "x", "account_number": "6222000011110002", "opened_on": "2025-01-01"}))
        .await;
    common::assert_error(s, &b, 409, "bank_account_exists");
    let (s, b) = app
        .post(
            "/api/v1/ledger/bank-accounts",
            Some(&t.token),
            json!({"bank_name": "x", "account_number": "12", "opened_on": "2025-01-01"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_account_number");

    let id = second["id"].as_i64().unwrap();
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/bank-accounts/{id}/make-dedicated"),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["dedicated"], true);
    let (_, list) = app
        .get("/api/v1/ledger/bank-accounts", Some(&t.token))
        .await;
    let dedicated: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["dedicated"] == true)
        .collect();
    assert_eq!(dedicated.len(), 1);
    assert_eq!(dedicated[0]["id"], id);
    let (_, chart) = app.get("/api/v1/ledger/accounts", Some(&t.token)).await;
    let sub = chart
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "1002.02")
        .unwrap()
        .clone();
    assert_eq!(sub["parent_code"], "1002");
    assert!(sub["name_zh"].as_str().unwrap().contains("0002"), "{sub}");
}

#[tokio::test]
async fn the_borrowings_register_posts_by_lender_kind_and_term_and_repays_at_most_what_is_owed() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let bank = bank_account(&app, &t.token, "6222000022220001").await;
    let bank_id = bank["id"].as_i64().unwrap();
    let borrow = |kind: &str, term: i32, amount: &str| {
        json!({"entry_date": "2026-01-10", "lender_name": "上海银行", "lender_kind": kind, "amount": amount,
               "term_months": term, "rate": "0.045000", "security": "股东担保", "bank_account_id": bank_id})
    };
    let (s, short) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("bank", 12, "300000.00"),
        )
        .await;
    assert_eq!(s, 201, "{short}");
    assert_eq!(short["account_code"], "200101");
    assert_eq!(short["outstanding"], "300000.00");
    let (s, long) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("shareholder", 24, "100000.00"),
        )
        .await;
    assert_eq!(s, 201, "{long}");
    assert_eq!(long["account_code"], "250102");
    let (s, bond) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("abs", 36, "50000.00"),
        )
        .await;
    assert_eq!(s, 201, "{bond}");
    assert_eq!(bond["account_code"], "250202");
    let (s, b) = app
        .post(
            "/api/v1/ledger/borrowings",
            Some(&t.token),
            borrow("bank", 0, "1.00"),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_term");

    let id = short["id"].as_i64().unwrap();
    let repay = |amount: &str| json!({"entry_date": "2026-02-10", "amount": amount, "bank_account_id": bank_id});
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/borrowings/{id}/repayments"),
            Some(&t.token),
            repay("300000.01"),
        )
        .await;
    common::assert_error(s, &b, 422, "exceeds_outstanding");
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/borrowings/{id}/repayments"),
            Some(&t.token),
            repay("100000.00"),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["direction"], "repay");
    assert_eq!(b["account_code"], "200101");
    let (_, list) = app.get("/api/v1/ledger/borrowings", Some(&t.token)).await;
    let original = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(original["outstanding"], "200000.00");

    let tb = trial_balance(&app, &t.token, "2026-02").await;
    assert_eq!(closing(&tb, "200101"), dec!(-200000));
    assert_eq!(closing(&tb, "2001"), dec!(-200000));
    assert_eq!(closing(&tb, "250102"), dec!(-100000));
    assert_eq!(closing(&tb, "1002.01"), dec!(350000));
}

#[tokio::test]
async fn a_manual_voucher_is_reviewed_by_another_user_before_it_is_posted() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000033330001").await;
    let body = json!({"voucher_date": "2026-03-05", "memo": "支付房租",
                      "lines": [line("6601", "5000.00", ""), line("1002.01", "", "5000.00")]});
    let (s, draft) = app
        .post("/api/v1/ledger/manual-vouchers", Some(&t.token), body)
        .await;
    assert_eq!(s, 201, "{draft}");
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_i64().unwrap();

    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/post"),
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 409, "manual_voucher_not_reviewed");
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/review"),
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 403, "maker_checker");
    assert_eq!(count(&app, &t, "select count(*) from vouchers").await, 0);

    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/review"),
            Some(&checker),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "reviewed");
    assert_eq!(b["reviewed_by_name"], "checker");
    let (s, b) = app
        .send(reqwest::Method::PUT, &format!("/api/v1/ledger/manual-vouchers/{id}"), Some(&t.token),
              Some(json!({"voucher_date": "2026-03-05", "lines": [line("6601", "1.00", ""), line("1002.01", "", "1.00")]})))
        .await;
    common::assert_error(s, &b, 409, "manual_voucher_not_draft");

    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/post"),
            Some(&checker),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "posted");
    let voucher_id = b["voucher_id"].as_i64().unwrap();
    let (s, v) = app
        .get(
            &format!("/api/v1/ledger/vouchers/{voucher_id}"),
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["period"], "2026-03");
    assert_eq!(v["voucher_no"], 1);
    assert_eq!(v["event_kind"], "manual");
    assert_eq!(v["source_type"], "manual_voucher");
    assert_eq!(v["source_id"], id.to_string());
    assert_eq!(v["total_debit"], "5000.00");
    assert_eq!(v["lines"].as_array().unwrap().len(), 2);
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/post"),
            Some(&checker),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 409, "manual_voucher_not_reviewed");

    let actions: Vec<String> = {
        let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
            .await
            .unwrap();
        let a = sqlx::query_scalar("select action from audit_events where entity_type in ('manual_voucher', 'voucher') order by id")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        a
    };
    assert_eq!(
        actions,
        [
            "manual_voucher.create",
            "manual_voucher.review",
            "voucher.post",
            "manual_voucher.post"
        ]
    );
}

#[tokio::test]
async fn unbalanced_or_malformed_manual_vouchers_are_refused_with_clear_errors_and_nothing_is_stored(
) {
    let app = common::spawn().await;
    let t = app.tenant().await;
    bank_account(&app, &t.token, "6222000044440001").await;
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            json!([line("6601", "100.00", ""), line("1002.01", "", "99.99")]),
            422,
            "voucher_unbalanced",
            Some("lines"),
        ),
        (json!([]), 422, "voucher_empty", Some("lines")),
        (
            json!([{"account": "6601", "debit": "5.00", "credit": "5.00"}, line("1002.01", "", "0.00")]),
            422,
            "line_both_sides",
            Some("lines[0]"),
        ),
        (
            json!([line("6601", "0.00", ""), line("1002.01", "", "0.00")]),
            422,
            "line_zero",
            Some("lines[0]"),
        ),
        (
            json!([line("6601", "-5.00", ""), line("1002.01", "", "-5.00")]),
            422,
            "invalid_amount",
            Some("lines[0]"),
        ),
        (
            json!([line("6601", "5.00", ""), line("1009", "", "5.00")]),
            422,
            "unknown_account",
            Some("lines[1].account"),
        ),
        (
            json!([line("66x1", "5.00", ""), line("1002.01", "", "5.00")]),
            422,
            "invalid_account_code",
            Some("lines[0].account"),
        ),
        (
            json!([line("1002", "5.00", ""), line("1002.01", "", "5.00")]),
            422,
            "account_not_leaf",
            Some("lines[0].account"),
        ),
        (
            json!([line("1303", "5.00", ""), line("1002.01", "", "5.00")]),
            422,
            "loan_book_account",
            Some("lines[0].account"),
        ),
        (
            json!([line("6601", "5.001", ""), line("1002.01", "", "5.001")]),
            400,
            "invalid_body",
            None,
        ),
        (
            json!([{"account": "6601", "debit": 5}, line("1002.01", "", "5.00")]),
            400,
            "invalid_body",
            None,
        ),
    ];
    for (lines, status, code, field) in cases {
        let (s, b) = app
            .post(
                "/api/v1/ledger/manual-vouchers",
                Some(&t.token),
                json!({"voucher_date": "2026-01-05", "lines": lines}),
            )
            .await;
        common::assert_error(s, &b, status, code);
        if let Some(field) = field {
            assert_eq!(b["field"], field, "{b}");
        }
    }
    assert_eq!(
        count(&app, &t, "select count(*) from manual_vouchers").await,
        0
    );
    assert_eq!(
        count(&app, &t, "select count(*) from manual_voucher_lines").await,
        0
    );
    assert_eq!(count(&app, &t, "select count(*) from vouchers").await, 0);
    assert_eq!(
        count(
            &app,
            &t,
            "select count(*) from audit_events where entity_type like '%voucher'"
        )
        .await,
        0
    );

    // The database refuses an unbalanced voucher at commit, whoever writes it: nothing stays.
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    sqlx::query(
        "insert into ledger_periods (starts_on) values ('2026-01-01') on conflict do nothing",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar(
        "insert into vouchers (period_start, voucher_no, voucher_date, event_date, event_kind, source_type, source_id,
                               total_debit, posted_by_kind) values ('2026-01-01', 99, '2026-01-05', '2026-01-05', 'manual', 'sql', '1', 10, 'system')
         returning id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into voucher_lines (voucher_id, line_no, period_start, voucher_date, account_code, debit, credit)
         values ($1, 1, '2026-01-01', '2026-01-05', '6601', 10, 0), ($1, 2, '2026-01-01', '2026-01-05', '1002.01', 0, 9)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    let err = tx
        .commit()
        .await
        .expect_err("an unbalanced voucher must not commit");
    assert!(err.to_string().contains("voucher_unbalanced"), "{err}");
    assert_eq!(count(&app, &t, "select count(*) from vouchers").await, 0);
    assert_eq!(
        count(&app, &t, "select count(*) from ledger_account_totals").await,
        0
    );
}

#[tokio::test]
async fn posted_vouchers_and_their_lines_cannot_be_changed_in_the_database() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000055550001").await;
    let id = manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-01-05",
        vec![line("6601", "10.00", ""), line("1002.01", "", "10.00")],
    )
    .await;
    for sql in [
        "update vouchers set memo = 'changed' where id = $1",
        "delete from vouchers where id = $1",
        "update voucher_lines set debit = 20 where voucher_id = $1 and line_no = 1",
        "delete from voucher_lines where voucher_id = $1",
        "insert into voucher_lines (voucher_id, line_no, period_start, voucher_date, account_code, debit, credit)
         select $1, 3, period_start, voucher_date, '6601', 1, 0 from vouchers where id = $1",
    ] {
        let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant).await.unwrap();
        let err = sqlx::query(sql).bind(id).execute(&mut *tx).await.expect_err(sql);
        assert!(err.to_string().contains("voucher_immutable"), "{sql}: {err}");
    }
    let (_, v) = app
        .get(&format!("/api/v1/ledger/vouchers/{id}"), Some(&t.token))
        .await;
    assert_eq!(v["total_debit"], "10.00");
    assert_eq!(v["lines"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_closed_period_refuses_postings_and_a_late_event_posts_into_the_open_period() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000066660001").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-01-01",
        vec![
            line("1002.01", "1000000.00", ""),
            line("4001", "", "1000000.00"),
        ],
    )
    .await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-01-20",
        vec![line("1002.01", "3000.00", ""), line("6051", "", "3000.00")],
    )
    .await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-01-25",
        vec![line("6601", "1000.00", ""), line("1002.01", "", "1000.00")],
    )
    .await;

    // A draft dated in the month blocks the close until it is posted or discarded.
    let (_, draft) = app
        .post("/api/v1/ledger/manual-vouchers", Some(&t.token),
              json!({"voucher_date": "2026-01-28", "lines": [line("6601", "1.00", ""), line("1002.01", "", "1.00")]}))
        .await;
    let (s, b) = app
        .post(
            "/api/v1/ledger/periods/2026-01/close",
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 409, "unposted_vouchers");
    let (s, _) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{}/discard", draft["id"]),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = app
        .post(
            "/api/v1/ledger/periods/2026-03/close",
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 404, "not_found");

    let (s, closed) = app
        .post(
            "/api/v1/ledger/periods/2026-01/close",
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(
        closed["voucher_ids"].as_array().unwrap().len(),
        1,
        "the profit carry"
    );
    let tb = trial_balance(&app, &t.token, "2026-01").await;
    assert_eq!(closing(&tb, "4103"), dec!(-2000), "profit carried to 4103");
    assert_eq!(closing(&tb, "6051"), Decimal::ZERO);
    assert_eq!(closing(&tb, "6601"), Decimal::ZERO);
    let (s, b) = app
        .post(
            "/api/v1/ledger/periods/2026-01/close",
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 409, "period_closed");

    // Manual vouchers into the closed month are refused.
    let (s, b) = app
        .post("/api/v1/ledger/manual-vouchers", Some(&t.token),
              json!({"voucher_date": "2026-01-31", "lines": [line("6601", "1.00", ""), line("1002.01", "", "1.00")]}))
        .await;
    common::assert_error(s, &b, 422, "period_closed");
    assert_eq!(b["field"], "voucher_date");

    // A loan event of January arriving late goes into February and keeps its date.
    let payout = ledger_rules::payout(
        date("2026-01-30"),
        &CashAccount::bank(1).unwrap(),
        dec!(50000),
    )
    .unwrap();
    let posted = post_event(&app, &t, payout, "late-1").await;
    assert_eq!(posted.period_start, date("2026-02-01"));
    assert_eq!(posted.voucher_date, date("2026-02-01"));
    let (_, v) = app
        .get(
            &format!("/api/v1/ledger/vouchers/{}", posted.id),
            Some(&t.token),
        )
        .await;
    assert_eq!(v["event_date"], "2026-01-30");
    assert_eq!(v["period"], "2026-02");
    let jan = trial_balance(&app, &t.token, "2026-01").await;
    assert_eq!(closing(&jan, "1303"), Decimal::ZERO, "January unchanged");
    let feb = trial_balance(&app, &t.token, "2026-02").await;
    assert_eq!(closing(&feb, "1303"), dec!(50000));

    // The same event is never posted twice.
    let again = ledger_rules::payout(
        date("2026-01-30"),
        &CashAccount::bank(1).unwrap(),
        dec!(50000),
    )
    .unwrap();
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let err = ledger::post(
        &mut tx,
        &system(),
        &again,
        &Source::new("test_event", "late-1"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, "voucher_already_posted");
}

#[tokio::test]
async fn a_reversal_restores_the_balances() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    let bank = bank_account(&app, &t.token, "6222000077770001").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-04-01",
        vec![
            line("1002.01", "500000.00", ""),
            line("4001", "", "500000.00"),
        ],
    )
    .await;
    let before = trial_balance(&app, &t.token, "2026-04").await;
    let id = manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-04-10",
        vec![
            line("1601", "12000.00", ""),
            line("1002.01", "", "12000.00"),
        ],
    )
    .await;
    let changed = trial_balance(&app, &t.token, "2026-04").await;
    assert_eq!(closing(&changed, "1601"), dec!(12000));

    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/vouchers/{id}/reverse"),
            Some(&t.token),
            json!({"reason": "  "}),
        )
        .await;
    common::assert_error(s, &b, 422, "reason_required");
    let (s, reversal) = app
        .post(
            &format!("/api/v1/ledger/vouchers/{id}/reverse"),
            Some(&t.token),
            json!({"reason": "录错科目"}),
        )
        .await;
    assert_eq!(s, 201, "{reversal}");
    assert_eq!(reversal["event_kind"], "reversal");
    assert_eq!(reversal["reverses_voucher_id"], id);
    assert_eq!(reversal["memo"], "冲销：录错科目");
    let after = trial_balance(&app, &t.token, "2026-04").await;
    for code in ["1601", "1002", "1002.01", "4001"] {
        assert_eq!(closing(&after, code), closing(&before, code), "{code}");
    }
    let (_, original) = app
        .get(&format!("/api/v1/ledger/vouchers/{id}"), Some(&t.token))
        .await;
    assert_eq!(original["reversed_by"], reversal["id"]);
    assert_eq!(
        original["total_debit"], "12000.00",
        "the original stays as it was"
    );
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/vouchers/{id}/reverse"),
            Some(&t.token),
            json!({"reason": "again"}),
        )
        .await;
    common::assert_error(s, &b, 409, "voucher_already_reversed");

    // Vouchers of other modules' events are reversed through those modules.
    let (_, borrowing) = app
        .post("/api/v1/ledger/borrowings", Some(&t.token),
              json!({"entry_date": "2026-04-11", "lender_name": "股东甲", "lender_kind": "shareholder", "amount": "1000.00",
                     "term_months": 6, "bank_account_id": bank["id"]}))
        .await;
    let (s, b) = app
        .post(
            &format!(
                "/api/v1/ledger/vouchers/{}/reverse",
                borrowing["voucher_id"]
            ),
            Some(&t.token),
            json!({"reason": "x"}),
        )
        .await;
    common::assert_error(s, &b, 409, "voucher_owned_by_source");

    // In-process, a loan event's voucher is reversed by the module that posted it.
    let payout = ledger_rules::payout(
        date("2026-04-12"),
        &CashAccount::bank(1).unwrap(),
        dec!(7000),
    )
    .unwrap();
    let before = trial_balance(&app, &t.token, "2026-04").await;
    let posted = post_event(&app, &t, payout, "payout-1").await;
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    ledger::reverse(&mut tx, &system(), posted.id, "放款失败退回")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after = trial_balance(&app, &t.token, "2026-04").await;
    assert_eq!(closing(&after, "1303"), closing(&before, "1303"));
    assert_eq!(closing(&after, "1002.01"), closing(&before, "1002.01"));
}

#[tokio::test]
async fn net_assets_are_refused_until_the_opening_balances_are_posted_once() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000088880001").await;
    let (s, b) = app
        .get("/api/v1/ledger/net-assets?date=2026-05-31", Some(&t.token))
        .await;
    common::assert_error(s, &b, 409, "opening_balances_missing");
    assert!(b["message"].as_str().unwrap().contains("期初余额"));
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let err = ledger::net_assets(&mut tx, date("2026-05-31"))
        .await
        .unwrap_err();
    assert_eq!(err.code, "opening_balances_missing");
    drop(tx);

    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-05-01",
        vec![
            line("1002.01", "800000.00", ""),
            line("1303", "200000.00", ""),
            line("1304", "", "2000.00"),
            line("4001", "", "1000000.00"),
            line("4104", "2000.00", ""),
        ],
    )
    .await;
    let (s, b) = app
        .get("/api/v1/ledger/opening-balances", Some(&t.token))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["entered"], true);
    let (s, b) = app
        .get("/api/v1/ledger/net-assets?date=2026-05-31", Some(&t.token))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["net_assets"], "998000.00");

    let (s, b) = app
        .post("/api/v1/ledger/manual-vouchers", Some(&t.token),
              json!({"kind": "opening_balance", "voucher_date": "2026-05-01", "lines": [line("1002.01", "1.00", ""), line("4001", "", "1.00")]}))
        .await;
    common::assert_error(s, &b, 409, "opening_balances_exist");
    // The database holds it too: a second opening-balance voucher cannot be stored.
    let second = ledger_rules::VoucherDraft::new(
        ledger_rules::EventKind::OpeningBalance,
        date("2026-05-01"),
        vec![
            ledger_rules::PostingLine::dr(
                ledger_rules::AccountCode::parse("1002.01").unwrap(),
                dec!(1),
            ),
            ledger_rules::PostingLine::cr(ledger_rules::chart::PAID_IN_CAPITAL, dec!(1)),
        ],
        "",
    )
    .unwrap();
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let err = ledger::post(
        &mut tx,
        &system(),
        &second,
        &Source::new("import", "opening-2"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, "opening_balances_exist");
}

#[tokio::test]
async fn statements_come_as_json_csv_and_xlsx_and_agree_with_each_other() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    let bank = bank_account(&app, &t.token, "6222000099990001").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-06-01",
        vec![
            line("1002.01", "1000000.00", ""),
            line("1001", "5000.00", ""),
            line("4001", "", "1005000.00"),
        ],
    )
    .await;
    let cash = CashAccount::bank(1).unwrap();
    post_event(
        &app,
        &t,
        ledger_rules::payout(date("2026-06-03"), &cash, dec!(100000)).unwrap(),
        "p1",
    )
    .await;
    post_event(
        &app,
        &t,
        ledger_rules::fee_received(date("2026-06-03"), &cash, dec!(500)).unwrap(),
        "f1",
    )
    .await;
    let recog = ledger_rules::income_recognition(
        date("2026-06-30"),
        ledger_rules::IncomeKind::Interest,
        dec!(1000),
        ledger_rules::Basis::Accrual,
    )
    .unwrap();
    post_event(&app, &t, recog, "i1").await;
    let split = ledger_rules::RepaymentSplit {
        principal: dec!(8000),
        income: ledger_rules::IncomeParts {
            interest: ledger_rules::IncomePart::recognised(dec!(1000)),
            ..Default::default()
        },
        fees: Decimal::ZERO,
    };
    post_event(
        &app,
        &t,
        ledger_rules::repayment(date("2026-06-30"), &cash, &split).unwrap(),
        "r1",
    )
    .await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-06-15",
        vec![line("6601", "300.00", ""), line("1001", "", "300.00")],
    )
    .await;

    let tb = trial_balance(&app, &t.token, "2026-06").await;
    assert_eq!(closing(&tb, "1303"), dec!(92000));
    assert_eq!(closing(&tb, "1132"), Decimal::ZERO);

    let (s, bs) = app
        .get(
            "/api/v1/ledger/balance-sheet?date=2026-06-30",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{bs}");
    assert_eq!(bs["balanced"], true);
    let amount = |v: &Value, key: &str| -> Decimal {
        v.as_array()
            .unwrap()
            .iter()
            .find(|l| l["key"] == key)
            .unwrap()["amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(amount(&bs["lines"], "loans_gross"), dec!(92000));
    assert_eq!(amount(&bs["lines"], "total_equity"), dec!(1006200));
    let (s, is) = app
        .get(
            "/api/v1/ledger/income-statement?from=2026-06",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{is}");
    assert_eq!(amount(&is["lines"], "interest_income"), dec!(1000));
    assert_eq!(amount(&is["lines"], "fee_and_commission_income"), dec!(500));
    assert_eq!(amount(&is["lines"], "net_profit"), dec!(1200));
    assert_eq!(amount(&is["year_to_date"], "net_profit"), dec!(1200));
    let (s, cf) = app
        .get(
            "/api/v1/ledger/cash-flow-statement?from=2026-06",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{cf}");
    assert_eq!(amount(&cf["lines"], "loans_disbursed"), dec!(100000));
    assert_eq!(amount(&cf["lines"], "loans_collected"), dec!(8000));
    assert_eq!(amount(&cf["lines"], "interest_received"), dec!(1000));
    assert_eq!(amount(&cf["lines"], "fees_received"), dec!(500));
    assert_eq!(
        amount(&cf["lines"], "capital_received"),
        dec!(1005000),
        "the opening balances count as cash in"
    );
    assert_eq!(
        amount(&cf["lines"], "net_increase"),
        amount(&cf["lines"], "closing_cash") - amount(&cf["lines"], "opening_cash")
    );

    let (s, sub) = app
        .get(
            "/api/v1/ledger/sub-ledger?account=1303&period=2026-06",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{sub}");
    let rows = sub["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["counter_accounts"], "1002.01");
    assert_eq!(sub["closing"]["direction"], "debit");
    assert_eq!(sub["closing"]["amount"], "92000.00");
    let (s, gl) = app
        .get(
            "/api/v1/ledger/general-ledger?account=1002&from=2026-05&to=2026-06",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{gl}");
    assert_eq!(gl["rows"].as_array().unwrap().len(), 2);
    assert_eq!(gl["rows"][1]["balance"]["amount"], "909500.00");
    let (s, cj) = app
        .get("/api/v1/ledger/cash-journal?period=2026-06", Some(&t.token))
        .await;
    assert_eq!(s, 200, "{cj}");
    assert_eq!(cj["closing"]["amount"], "4700.00");
    let (s, bj) = app
        .get(
            &format!(
                "/api/v1/ledger/bank-accounts/{}/journal?period=2026-06",
                bank["id"]
            ),
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{bj}");
    assert_eq!(bj["rows"].as_array().unwrap().len(), 4);
    let (s, b) = app
        .get("/api/v1/ledger/trial-balance?period=2026-6", Some(&t.token))
        .await;
    common::assert_error(s, &b, 422, "invalid_period");

    for path in [
        "/api/v1/ledger/trial-balance?period=2026-06",
        "/api/v1/ledger/balance-sheet?date=2026-06-30",
        "/api/v1/ledger/income-statement?from=2026-06",
        "/api/v1/ledger/cash-flow-statement?from=2026-06",
        "/api/v1/ledger/sub-ledger?account=1303&period=2026-06",
    ] {
        let resp = app
            .client
            .get(format!("{}{path}&format=csv", app.base))
            .bearer_auth(&t.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv"));
        let text = resp.text().await.unwrap();
        assert!(text.starts_with('\u{feff}'), "{path}");
        let resp = app
            .client
            .get(format!("{}{path}&format=xlsx", app.base))
            .bearer_auth(&t.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        assert!(resp.bytes().await.unwrap().starts_with(b"PK"), "{path}");
    }
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/ledger/trial-balance?period=2026-06&format=csv",
            app.base
        ))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.contains("1303,贷款"), "{text}");
    assert!(text.contains("100000.00,8000.00,92000.00"), "{text}");
}

#[tokio::test]
async fn the_year_end_close_carries_profit_to_4104_and_appropriates_the_general_risk_reserve() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000012120001").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2025-12-01",
        vec![
            line("1002.01", "1000000.00", ""),
            line("4001", "", "1000000.00"),
        ],
    )
    .await;
    let cash = CashAccount::bank(1).unwrap();
    post_event(
        &app,
        &t,
        ledger_rules::payout(date("2025-12-02"), &cash, dec!(500000)).unwrap(),
        "p",
    )
    .await;
    post_event(
        &app,
        &t,
        ledger_rules::fee_received(date("2025-12-02"), &cash, dec!(20000)).unwrap(),
        "f",
    )
    .await;
    let (s, closed) = app
        .post(
            "/api/v1/ledger/periods/2025-12/close",
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(
        closed["voucher_ids"].as_array().unwrap().len(),
        3,
        "profit carry, year-end carry, reserve"
    );
    let tb = trial_balance(&app, &t.token, "2025-12").await;
    assert_eq!(closing(&tb, "6021"), Decimal::ZERO);
    assert_eq!(closing(&tb, "4103"), Decimal::ZERO);
    // 1.5 % of 500,000 of loans = 7,500 appropriated from the 20,000 profit.
    assert_eq!(closing(&tb, "4102"), dec!(-7500));
    assert_eq!(closing(&tb, "4104"), dec!(-12500));
    let (_, na) = app
        .get("/api/v1/ledger/net-assets?date=2025-12-31", Some(&t.token))
        .await;
    assert_eq!(na["net_assets"], "1020000.00");
    let (_, list) = app.get("/api/v1/ledger/periods", Some(&t.token)).await;
    let dec_period = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2025-12")
        .unwrap()
        .clone();
    assert_eq!(dec_period["status"], "closed");
}

#[tokio::test]
async fn a_bank_statement_imported_from_csv_reconciles_with_the_bank_journal() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let checker = second_user(&app, &t, "checker").await;
    let bank = bank_account(&app, &t.token, "6222000013130001").await;
    let id = bank["id"].as_i64().unwrap();
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-07-01",
        vec![
            line("1002.01", "1000000.00", ""),
            line("4001", "", "1000000.00"),
        ],
    )
    .await;
    let (s, b) = app
        .post("/api/v1/ledger/borrowings", Some(&t.token),
              json!({"entry_date": "2026-07-10", "lender_name": "农商行", "lender_kind": "bank", "amount": "200000.00",
                     "term_months": 12, "bank_account_id": id}))
        .await;
    assert_eq!(s, 201, "{b}");
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-07-20",
        vec![line("6601", "500.00", ""), line("1002.01", "", "500.00")],
    )
    .await;

    let csv = "交易日期,摘要,收入,支出,余额,流水号\n2026-07-01,股东出资,1000000.00,,1000000.00,B1\n2026-07-11,借款到账,200000.00,,1200000.00,B2\n2026-07-31,手续费,,15.00,1199985.00,B3\n";
    let path = format!("/api/v1/ledger/bank-accounts/{id}/statements");
    let (s, b) = app
        .post(
            &path,
            Some(&t.token),
            json!({"file_name": "202607.csv", "csv": csv}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["imported"], 3);
    let (s, b) = app
        .post(
            &path,
            Some(&t.token),
            json!({"file_name": "202607.csv", "csv": csv}),
        )
        .await;
    common::assert_error(s, &b, 409, "statement_already_imported");
    let (s, b) = app
        .post(
            &path,
            Some(&t.token),
            json!({"csv": "日期,金额\n2026-07-32,5\n"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_statement");
    assert_eq!(b["field"], "csv");

    let (s, r) = app
        .get(
            &format!("/api/v1/ledger/bank-accounts/{id}/reconciliation?date=2026-07-31"),
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["book_balance"], "1199500.00");
    assert_eq!(r["bank_balance"], "1199985.00");
    assert_eq!(r["matched"], 2);
    assert_eq!(r["book_only"].as_array().unwrap().len(), 1);
    assert_eq!(r["book_only"][0]["amount"], "-500.00");
    assert_eq!(r["bank_only"][0]["amount"], "-15.00");
    assert_eq!(r["bank_only"][0]["reference"], "B3");
    assert_eq!(r["adjusted_book_balance"], "1199485.00");
    assert_eq!(r["adjusted_bank_balance"], "1199485.00");
    assert_eq!(r["reconciled"], true);
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/ledger/bank-accounts/{id}/reconciliation?date=2026-07-31&format=xlsx",
            app.base
        ))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn the_allowance_follows_the_required_amount_by_class() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    bank_account(&app, &t.token, "6222000014140001").await;
    let classes = allowance::ClassBalances {
        normal: dec!(700000),
        special_mention: dec!(150000),
        substandard: dec!(100000.02),
        doubtful: dec!(30000),
        loss: dec!(20000),
    };
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let (proposal, posted) = allowance::post_change(
        &mut tx,
        &system(),
        date("2026-08-31"),
        &classes,
        &Source::new("cob", "2026-08-31"),
    )
    .await
    .unwrap();
    // 1 % of 1,000,000.02 → 10,000.00; 2 % of 150,000; 25 % of 100,000.02 → 25,000.01; 50 %; 100 %.
    assert_eq!(proposal.required, dec!(73000.01));
    assert_eq!(proposal.change, dec!(73000.01));
    assert!(posted.is_some());
    let lower = allowance::ClassBalances {
        loss: Decimal::ZERO,
        ..classes
    };
    let (proposal, _) = allowance::post_change(
        &mut tx,
        &system(),
        date("2026-09-30"),
        &lower,
        &Source::new("cob", "2026-09-30"),
    )
    .await
    .unwrap();
    // 1 % of 980,000.02 → 9,800.00 + 3,000 + 25,000.01 + 15,000 = 52,800.01.
    assert_eq!(proposal.required, dec!(52800.01));
    assert_eq!(proposal.change, dec!(-20200));
    let (proposal, posted) = allowance::post_change(
        &mut tx,
        &system(),
        date("2026-09-30"),
        &lower,
        &Source::new("cob", "2026-09-30b"),
    )
    .await
    .unwrap();
    assert_eq!(proposal.change, Decimal::ZERO);
    assert!(
        posted.is_none(),
        "nothing to post when 1304 is where it should be"
    );
    tx.commit().await.unwrap();
    let tb = trial_balance(&app, &t.token, "2026-09").await;
    assert_eq!(closing(&tb, "1304"), dec!(-52800.01));
    assert_eq!(closing(&tb, "6701"), dec!(52800.01));
}

#[tokio::test]
async fn migrating_a_tenant_adds_the_standard_accounts_its_chart_lacks() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    sqlx::query("delete from ledger_accounts where code in ('6301', '6711')")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("update ledger_accounts set name_zh = '营业外收入（自定义）' where code = '6051'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = app.state.pool.begin().await.unwrap();
    platform::migrate::migrate_tenant_in(&mut tx, &t.created.tenant)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, chart) = app.get("/api/v1/ledger/accounts", Some(&t.token)).await;
    let name = |c: &str| {
        chart
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == c)
            .map(|a| a["name_zh"].clone())
    };
    assert_eq!(name("6301"), Some(json!("营业外收入")));
    assert_eq!(name("6711"), Some(json!("营业外支出")));
    assert_eq!(
        name("6051"),
        Some(json!("营业外收入（自定义）")),
        "existing accounts are left as they are"
    );
}

#[tokio::test]
async fn concurrent_postings_get_gap_free_numbers_and_other_tenants_see_nothing() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let other = app.tenant().await;
    let bank = bank_account(&app, &t.token, "6222000015150001").await;
    let postings = (0..12).map(|i| {
        let pool = app.state.pool.clone();
        let tenant = t.created.tenant.clone();
        async move {
            let draft = ledger_rules::payout(
                date("2026-10-05"),
                &CashAccount::bank(1).unwrap(),
                dec!(100),
            )
            .unwrap();
            let mut tx = tenancy::begin(&pool, &tenant).await.unwrap();
            let posted = ledger::post(
                &mut tx,
                &system(),
                &draft,
                &Source::new("concurrent", &i.to_string()),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            posted.voucher_no
        }
    });
    let mut numbers = futures::future::join_all(postings).await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<i32>>());
    let tb = trial_balance(&app, &t.token, "2026-10").await;
    assert_eq!(closing(&tb, "1303"), dec!(1200));

    let (s, b) = app
        .get(
            &format!("/api/v1/ledger/bank-accounts/{}", bank["id"]),
            Some(&other.token),
        )
        .await;
    common::assert_error(s, &b, 404, "not_found");
    let (_, list) = app
        .get("/api/v1/ledger/vouchers?period=2026-10", Some(&other.token))
        .await;
    assert_eq!(list["total"], 0);
    let (_, list) = app
        .get("/api/v1/ledger/vouchers?period=2026-10", Some(&t.token))
        .await;
    assert_eq!(list["total"], 12);
    let (s, b) = app
        .get("/api/v1/ledger/trial-balance?period=2026-10", None)
        .await;
    common::assert_error(s, &b, 401, "unauthorized");
}
