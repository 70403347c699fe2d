//! Login, one-time passwords, logout, and the three audiences kept apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::provisioning::{self, NewTenant};
use serde_json::json;

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = common::spawn().await;
    let code = common::unique_code("otp");
    let created = provisioning::create_tenant(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        NewTenant {
            code: code.clone(),
            name: "OTP".into(),
            jurisdiction: None,
            status: "active".into(),
            admin_password: None,
        },
    )
    .await
    .unwrap();
    let (s, login) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": code, "username": "admin", "password": created.admin_password}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().unwrap();
    let (s, b) = app.get("/api/v1/branches", Some(token)).await;
    common::assert_error(s, &b, 403, "password_change_required");

    let (s, b) = app
        .post(
            "/api/v1/auth/password",
            Some(token),
            json!({"old_password": "wrong", "new_password": "Long-Enough-1"}),
        )
        .await;
    common::assert_error(s, &b, 422, "wrong_password");
    let (s, b) = app
        .post(
            "/api/v1/auth/password",
            Some(token),
            json!({"old_password": created.admin_password, "new_password": "short"}),
        )
        .await;
    common::assert_error(s, &b, 422, "password_too_short");
    let (s, _) = app
        .post(
            "/api/v1/auth/password",
            Some(token),
            json!({"old_password": created.admin_password, "new_password": "Long-Enough-1"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.get("/api/v1/branches", Some(token)).await;
    assert_eq!(s, 200);
    let fresh = app.staff_login(&code, "admin", "Long-Enough-1").await;
    let (s, _) = app.get("/api/v1/branches", Some(&fresh)).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn wrong_credentials_and_logout() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": t.code, "username": "admin", "password": "nope"}),
        )
        .await;
    common::assert_error(s, &b, 401, "invalid_credentials");
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": "no_such_tenant", "username": "admin", "password": "nope"}),
        )
        .await;
    common::assert_error(s, &b, 401, "invalid_credentials");
    let (s, _) = app
        .post("/api/v1/auth/logout", Some(&t.token), json!({}))
        .await;
    assert_eq!(s, 200);
    let (s, b) = app.get("/api/v1/branches", Some(&t.token)).await;
    common::assert_error(s, &b, 401, "unauthorized");
}

#[tokio::test]
async fn tokens_of_one_audience_are_refused_by_the_others() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let op = common::unique_code("op");
    let pw = "Operator-Password-1";
    let hash = platform::auth::password::hash(pw).unwrap();
    sqlx::query("insert into platform.operators (username, password_hash, must_change_password) values ($1, $2, false)")
        .bind(&op).bind(&hash).execute(&app.state.pool).await.unwrap();
    let reg = common::unique_code("reg");
    sqlx::query("insert into supervision.regulators (username, password_hash, must_change_password, jurisdictions) values ($1, $2, false, '{310000}')")
        .bind(&reg).bind(&hash).execute(&app.state.pool).await.unwrap();
    let (s, b) = app
        .post(
            "/ops/v1/auth/login",
            None,
            json!({"username": op, "password": pw}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let op_token = b["token"].as_str().unwrap().to_string();
    let (s, b) = app
        .post(
            "/supervision/v1/auth/login",
            None,
            json!({"username": reg, "password": pw}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let reg_token = b["token"].as_str().unwrap().to_string();

    let (s, me) = app.get("/supervision/v1/me", Some(&reg_token)).await;
    assert_eq!(s, 200);
    assert_eq!(me["jurisdictions"], json!(["310000"]));

    for token in [&op_token, &reg_token] {
        let (s, b) = app.get("/api/v1/branches", Some(token)).await;
        common::assert_error(s, &b, 401, "unauthorized");
        let (s, b) = app
            .post(
                "/api/v1/branches",
                Some(token),
                json!({"code": "X", "name": "x"}),
            )
            .await;
        common::assert_error(s, &b, 401, "unauthorized");
    }
    for token in [&t.token, &reg_token] {
        let (s, b) = app.get("/ops/v1/tenants", Some(token)).await;
        common::assert_error(s, &b, 401, "unauthorized");
        let (s, b) = app
            .post(
                "/ops/v1/tenants",
                Some(token),
                json!({"code": "zz_nope", "name": "x"}),
            )
            .await;
        common::assert_error(s, &b, 401, "unauthorized");
    }
    let (s, b) = app.get("/supervision/v1/me", Some(&t.token)).await;
    common::assert_error(s, &b, 401, "unauthorized");

    // operators create tenants over HTTP
    let code = common::unique_code("viaops");
    let (s, created) = app
        .post(
            "/ops/v1/tenants",
            Some(&op_token),
            json!({"code": code, "name": "经运营创建"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["schema"], format!("t_{code}"));
    let (s, list) = app.get("/ops/v1/tenants", Some(&op_token)).await;
    assert_eq!(s, 200);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["code"] == code.as_str()));
}
