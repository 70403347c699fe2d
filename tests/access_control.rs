//! Access control: every operation of the three APIs has a permission (only
//! the public list is exempt), and an account without it gets 403; default
//! roles grant by pattern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::assert_error;
use serde_json::{json, Value};

/// (method, concrete path) of every non-public, non-self-service operation
/// of a committed spec.
fn operations(file: &str, base: &str) -> Vec<(String, String, String)> {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let catalogue = xiaodai::app::catalogue();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            let template = format!("{base}{path}");
            if platform::rbac::catalogue::is_public(&m, &template) {
                continue;
            }
            let permission = catalogue
                .permission_of(&m, &template)
                .unwrap_or_else(|| panic!("{m} {template} has no permission"));
            assert!(
                platform::rbac::valid_pattern(permission) && !permission.contains('*'),
                "{m} {template}: bad permission code {permission}"
            );
            if permission == platform::rbac::SELF_SERVICE {
                continue;
            }
            let concrete: String = template
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            out.push((m, concrete, permission.to_string()));
        }
    }
    out
}

/// An operator or regulator (by table) without roles, logged in.
async fn roleless(app: &common::TestApp, table: &str, login: &str) -> String {
    let username = common::unique_code("norole");
    let hash = platform::auth::password::hash(common::STAFF_PASSWORD).unwrap();
    let extra = if table.starts_with("supervision") {
        ", jurisdictions) values ($1, $2, false, '{}', '{310000}')"
    } else {
        ") values ($1, $2, false, '{}')"
    };
    sqlx::query(&format!(
        "insert into {table} (username, password_hash, must_change_password, roles{extra}"
    ))
    .bind(&username)
    .bind(hash)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let (s, b) = app
        .post(
            login,
            None,
            json!({"username": username, "password": common::STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_operation_needs_a_permission_that_a_roleless_account_lacks() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let staff = app
        .staff_user(&t, &common::unique_code("nobody"), &[], None)
        .await;
    // an operator and a regulator without roles
    let op = roleless(&app, "platform.operators", "/ops/v1/auth/login").await;
    let reg = roleless(&app, "supervision.regulators", "/supervision/v1/auth/login").await;
    let mut checked = 0;
    for (file, base, token) in [
        ("docs/openapi/api-v1.json", "/api/v1", staff.clone()),
        ("docs/openapi/ops-v1.json", "/ops/v1", op),
        ("docs/openapi/supervision-v1.json", "/supervision/v1", reg),
    ] {
        for (method, path, permission) in operations(file, base) {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let body = (method != "GET" && method != "DELETE").then(|| json!({}));
            let (s, b) = app.send(m, &path, Some(&token), body).await;
            assert_error(s, &b, 403, "forbidden");
            assert!(
                b["message"].as_str().unwrap().contains(&permission),
                "{method} {path}: {b}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} operations checked");
}

#[tokio::test]
async fn default_roles_grant_by_pattern() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    // the admin may do anything
    let (s, b) = app.get("/api/v1/ledger/accounts", Some(&t.token)).await;
    assert_eq!(s, 200, "{b}");
    let auditor = app
        .staff_user(&t, &common::unique_code("aud"), &["auditor"], None)
        .await;
    let (s, b) = app.get("/api/v1/ledger/accounts", Some(&auditor)).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.get("/api/v1/branches", Some(&auditor)).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&auditor),
            json!({"code": "SH", "name": "上海"}),
        )
        .await;
    assert_error(s, &b, 403, "forbidden");
    let manager = app
        .staff_user(&t, &common::unique_code("cm"), &["customer_manager"], None)
        .await;
    let (s, b) = app.get("/api/v1/branches", Some(&manager)).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.get("/api/v1/ledger/accounts", Some(&manager)).await;
    assert_error(s, &b, 403, "forbidden");
    // self-service needs no role
    let (s, b) = app
        .post("/api/v1/auth/logout", Some(&manager), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn a_token_of_another_audience_or_none_is_still_401() {
    let app = common::spawn().await;
    let reg = app.regulator_token(&["310000"]).await;
    let (s, b) = app.get("/api/v1/branches", Some(&reg)).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = app.get("/api/v1/branches", None).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(s, 404, "{b}");
}
