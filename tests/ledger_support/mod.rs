//! Helpers of the ledger tests: a second staff user, bank accounts, manual vouchers
//! through the maker-checker flow, balances read through the statements.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use platform::audit::Actor;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::common::{TestApp, TestTenant};

/// The password of users made by [`second_user`].
pub const CHECKER_PASSWORD: &str = crate::common::STAFF_PASSWORD;

/// Adds another staff user to the tenant (there is no user API yet) and logs them in.
pub async fn second_user(app: &TestApp, t: &TestTenant, username: &str) -> String {
    app.staff_user(t, username, &["finance"], None).await
}

/// Registers a bank account and returns its JSON.
pub async fn bank_account(app: &TestApp, token: &str, number: &str) -> Value {
    let (s, b) = app
        .post(
            "/api/v1/ledger/bank-accounts",
            Some(token),
            json!({"bank_name": "中国工商银行", "branch_name": "上海分行", "account_number": number, "opened_on": "2025-06-01"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b
}

/// A line `[account, debit, credit]` as JSON.
pub fn line(account: &str, debit: &str, credit: &str) -> Value {
    let mut l = json!({"account": account});
    if !debit.is_empty() {
        l["debit"] = json!(debit);
    }
    if !credit.is_empty() {
        l["credit"] = json!(credit);
    }
    l
}

/// Drafts a manual voucher (maker), reviews it (checker), posts it; returns the posted voucher id.
pub async fn manual_voucher(
    app: &TestApp,
    maker: &str,
    checker: &str,
    kind: &str,
    date: &str,
    lines: Vec<Value>,
) -> i64 {
    let (s, b) = app
        .post(
            "/api/v1/ledger/manual-vouchers",
            Some(maker),
            json!({"kind": kind, "voucher_date": date, "memo": "测试", "lines": lines}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/review"),
            Some(checker),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{id}/post"),
            Some(maker),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["voucher_id"].as_i64().unwrap()
}

/// The trial balance of a period.
pub async fn trial_balance(app: &TestApp, token: &str, period: &str) -> Value {
    let (s, b) = app
        .get(
            &format!("/api/v1/ledger/trial-balance?period={period}"),
            Some(token),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["balanced"], true, "trial balance does not balance: {b}");
    b
}

/// An account's closing balance in a trial balance, debit positive.
pub fn closing(tb: &Value, code: &str) -> Decimal {
    let row = tb["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code);
    let Some(row) = row else { return Decimal::ZERO };
    let d: Decimal = row["amounts"]["closing_debit"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let c: Decimal = row["amounts"]["closing_credit"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    d - c
}

/// The actor of in-process postings in tests.
pub fn system() -> Actor {
    Actor::system("ledger-test")
}
