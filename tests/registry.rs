//! Links to the regulator's registry: an approval invites the firm by email,
//! its admin accepts; or an operator links them with a reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::provisioning::{self, NewTenant, Subscription};
use serde_json::json;

/// A tenant that signed up with a credit code and contact email; logs its admin in.
async fn firm(app: &common::TestApp, credit_code: &str, email: &str) -> (String, String) {
    let code = common::unique_code("firm");
    provisioning::create_tenant_with(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        NewTenant {
            code: code.clone(),
            name: format!("持牌小贷 {code}"),
            jurisdiction: Some("310000".into()),
            status: "trial".into(),
            admin_password: Some(common::ADMIN_PASSWORD.into()),
        },
        Subscription {
            credit_code: Some(credit_code.into()),
            contact_email: Some(email.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let token = app
        .staff_login(&code, "admin", common::ADMIN_PASSWORD)
        .await;
    (code, token)
}

fn licence(credit_code: &str) -> serde_json::Value {
    json!({
        "firm_name": "持牌小额贷款有限公司",
        "credit_code": credit_code,
        "licence_number": format!("沪金管〔2024〕{}", common::unique_code("n")),
        "jurisdiction": "310000",
        "decided_at": "2024-06-30",
    })
}

#[tokio::test]
async fn a_regulators_approval_invites_the_firm_and_its_admin_accepts() {
    let (app, mail) = common::spawn_with_mail(|_| {}).await;
    let reg = app.regulator_token(&["310000"]).await;
    let credit = common::credit_code();
    let email = format!("{}@example.com", common::unique_code("firm"));
    let (code, token) = firm(&app, &credit, &email).await;

    let (s, b) = app.get("/api/v1/regulator-link", Some(&token)).await;
    common::assert_error(s, &b, 404, "not_found");

    // the approval goes to the firm's contact on the platform
    let (s, approved) = app
        .post("/supervision/v1/licences", Some(&reg), licence(&credit))
        .await;
    assert_eq!(s, 201, "{approved}");
    assert_eq!(approved["licence"]["status"], "approved");
    assert_eq!(approved["invitation_email"], email.as_str());
    assert_eq!(approved["invitation_sent"], true);
    let licence_id = approved["licence"]["id"].as_i64().unwrap();
    let invitation = mail.wait_for(&email).await;
    assert!(invitation
        .header("message-id")
        .unwrap()
        .starts_with("<licence-invitation-"));
    let invite_token = invitation.value_after("邀请码 / Invitation token:");

    // only the company's admin accepts
    let hash = platform::auth::password::hash(common::ADMIN_PASSWORD).unwrap();
    let found = platform::tenancy::find(&app.state.pool, &code)
        .await
        .unwrap()
        .unwrap();
    let mut tx = platform::tenancy::begin(&app.state.pool, &found.tenant)
        .await
        .unwrap();
    sqlx::query("insert into users (username, password_hash, must_change_password) values ('clerk', $1, false)")
        .bind(hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let clerk = app
        .staff_login(&code, "clerk", common::ADMIN_PASSWORD)
        .await;
    let (s, b) = app
        .post(
            "/api/v1/regulator-link/accept",
            Some(&clerk),
            json!({"token": invite_token}),
        )
        .await;
    common::assert_error(s, &b, 403, "forbidden");
    let (s, b) = app
        .post(
            "/api/v1/regulator-link/accept",
            Some(&token),
            json!({"token": "forged.1.x"}),
        )
        .await;
    common::assert_error(s, &b, 400, "invitation_invalid");

    let (s, link) = app
        .post(
            "/api/v1/regulator-link/accept",
            Some(&token),
            json!({"token": invite_token}),
        )
        .await;
    assert_eq!(s, 201, "{link}");
    assert_eq!(link["licence_id"], licence_id);
    assert_eq!(link["tenant_code"], code.as_str());
    assert_eq!(link["linked_by"], "tenant");
    let (s, shown) = app.get("/api/v1/regulator-link", Some(&token)).await;
    assert_eq!(s, 200);
    assert_eq!(
        shown["licence_number"],
        approved["licence"]["licence_number"]
    );
    let (s, b) = app
        .post(
            "/api/v1/regulator-link/accept",
            Some(&token),
            json!({"token": invite_token}),
        )
        .await;
    common::assert_error(s, &b, 409, "invitation_used");
    // audited in the firm's own trail
    let mut tx = platform::tenancy::begin(&app.state.pool, &found.tenant)
        .await
        .unwrap();
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'regulator_link.accept'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    drop(tx);

    // the regulator sees the link; the operator's list too
    let (s, list) = app.get("/supervision/v1/licences", Some(&reg)).await;
    assert_eq!(s, 200);
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == licence_id)
        .unwrap();
    assert_eq!(mine["tenant_code"], code.as_str());
    let op = app.operator_token().await;
    let (_, detail) = app.get(&format!("/ops/v1/tenants/{code}"), Some(&op)).await;
    assert_eq!(detail["regulator_licence_id"], licence_id);

    // the registry refuses duplicates and other jurisdictions
    let (s, b) = app
        .post("/supervision/v1/licences", Some(&reg), licence(&credit))
        .await;
    common::assert_error(s, &b, 409, "firm_already_licensed");
    let mut other = licence(&common::credit_code());
    other["licence_number"] = approved["licence"]["licence_number"].clone();
    let (s, b) = app
        .post("/supervision/v1/licences", Some(&reg), other)
        .await;
    common::assert_error(s, &b, 409, "licence_number_taken");
    let mut elsewhere = licence(&common::credit_code());
    elsewhere["jurisdiction"] = json!("440300");
    let (s, b) = app
        .post("/supervision/v1/licences", Some(&reg), elsewhere)
        .await;
    common::assert_error(s, &b, 403, "outside_jurisdiction");
    let mut bad = licence("91310000XXXXXXXXXI");
    bad["licence_number"] = json!("x");
    let (s, b) = app.post("/supervision/v1/licences", Some(&reg), bad).await;
    common::assert_error(s, &b, 422, "invalid_credit_code");
}

#[tokio::test]
async fn an_operator_links_a_licence_with_a_reason() {
    let (app, mail) = common::spawn_with_mail(|_| {}).await;
    let reg = app.regulator_token(&["310000"]).await;
    let op = app.operator_token().await;
    let credit = common::credit_code();
    let (code, _) = firm(
        &app,
        &credit,
        &format!("{}@example.com", common::unique_code("x")),
    )
    .await;
    // approved before anyone could be invited: the invitation goes to the given address
    let invite = format!("{}@example.com", common::unique_code("inv"));
    let mut body = licence(&credit);
    body["invite_email"] = json!(invite);
    let (s, approved) = app.post("/supervision/v1/licences", Some(&reg), body).await;
    assert_eq!(s, 201, "{approved}");
    mail.wait_for(&invite).await;
    let licence_id = approved["licence"]["id"].as_i64().unwrap();
    let path = format!("/ops/v1/tenants/{code}/regulator-link");

    let (s, b) = app
        .post(
            &path,
            Some(&op),
            json!({"licence_id": licence_id, "reason": ""}),
        )
        .await;
    common::assert_error(s, &b, 422, "reason_required");
    // a firm with another credit code cannot take this licence
    let (stranger, _) = firm(&app, &common::credit_code(), "s@example.com").await;
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{stranger}/regulator-link"),
            Some(&op),
            json!({"licence_id": licence_id, "reason": "误操作"}),
        )
        .await;
    common::assert_error(s, &b, 409, "credit_code_mismatch");
    let (s, b) = app
        .post(
            &path,
            Some(&op),
            json!({"licence_id": 999_999_999, "reason": "核对"}),
        )
        .await;
    common::assert_error(s, &b, 404, "not_found");

    let (s, link) = app
        .post(
            &path,
            Some(&op),
            json!({"licence_id": licence_id, "reason": "已核对营业执照和批复"}),
        )
        .await;
    assert_eq!(s, 201, "{link}");
    assert_eq!(link["linked_by"], "operator");
    assert_eq!(link["reason"], "已核对营业执照和批复");
    let (s, b) = app
        .post(
            &path,
            Some(&op),
            json!({"licence_id": licence_id, "reason": "再次"}),
        )
        .await;
    common::assert_error(s, &b, 409, "licence_already_linked");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from platform.audit_events where action = 'tenant.link_licence' and entity_id = $1 and after->>'reason' = '已核对营业执照和批复'",
    )
    .bind(&code)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}
