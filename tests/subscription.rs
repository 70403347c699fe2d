//! Online sign-up: from the form to the first login, over a real SMTP
//! conversation; and everything that must be refused on the way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::tenancy;
use serde_json::{json, Value};

fn form(code: &str, email: &str) -> Value {
    json!({
        "company_name": format!("上海测试小额贷款有限公司 {code}"),
        "credit_code": common::credit_code(),
        "licence_number": format!("沪金小贷〔2024〕{}号", &code[code.len() - 4..]),
        "jurisdiction": "310000",
        "contact_name": "张三",
        "email": email,
        "mobile": "+86 13812345678",
        "tenant_code": code,
        "plan": "standard",
    })
}

fn unique_email(prefix: &str) -> String {
    format!("{}@example.com", common::unique_code(prefix))
}

async fn signup_ids(app: &common::TestApp, code: &str) -> Vec<(i64, String)> {
    sqlx::query_as("select id, status from platform.signups where tenant_code = $1 order by id")
        .bind(code)
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_up_to_first_login_over_a_real_smtp_server() {
    let (app, mail) = common::spawn_with_mail(|c| {
        c.smtp.username = Some(platform::config::Secret::new("mailer"));
        c.smtp.password = Some(platform::config::Secret::new("mail-secret"));
    })
    .await;
    let (s, plans) = app.get("/ops/v1/plans", None).await;
    assert_eq!(s, 200, "{plans}");
    let codes: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    for plan in ["trial", "standard", "professional"] {
        assert!(codes.contains(&plan), "{plans}");
    }

    let code = common::unique_code("su");
    let email = unique_email("boss");
    let body = form(&code, &email);
    let (s, accepted) = app
        .post_from(&common::unique_ip(), "/ops/v1/signups", body.clone())
        .await;
    assert_eq!(s, 202, "{accepted}");
    assert_eq!(accepted["email"], email.as_str());
    let signup_id = accepted["signup_id"].as_i64().unwrap();

    // nothing is provisioned before the email is verified
    assert!(tenancy::find(&app.state.pool, &code)
        .await
        .unwrap()
        .is_none());

    let verification = mail.wait_for(&email).await;
    assert_eq!(
        verification.auth_user.as_deref(),
        Some("mailer"),
        "SMTP login used"
    );
    assert_eq!(
        verification.header("message-id").unwrap(),
        format!("<signup-{signup_id}-verify@xiaodai.localhost>")
    );
    assert!(verification.header("to").unwrap().contains(&email));
    let kinds: Vec<String> = verification.bodies().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);
    assert!(
        verification.text().contains(&code),
        "{}",
        verification.text()
    );
    let token = verification.value_after("Verification token:");
    assert!(verification
        .text()
        .contains(&format!("/signup/verify?token={token}")));

    let (s, verified) = app
        .post("/ops/v1/signups/verify", None, json!({"token": token}))
        .await;
    assert_eq!(s, 201, "{verified}");
    assert_eq!(verified["tenant_code"], code.as_str());
    assert_eq!(verified["admin_username"], "admin");
    assert_eq!(verified["password_email_sent"], true);
    assert!(verified["trial_ends_at"].is_string());

    let found = tenancy::find(&app.state.pool, &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status, "trial");
    assert!(tenancy::is_operational(&app.state.pool, &code)
        .await
        .unwrap());
    let (plan, credit, contact): (String, String, String) = sqlx::query_as(
        "select plan_code, credit_code, contact_email from platform.tenants where code = $1",
    )
    .bind(&code)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(plan, "standard");
    assert_eq!(credit, body["credit_code"].as_str().unwrap());
    assert_eq!(contact, email);
    let provisioned: i64 = sqlx::query_scalar(
        "select count(*) from platform.audit_events where action = 'tenant.provision' and entity_id = $1",
    )
    .bind(&code)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(provisioned, 1);

    // the admin has no usable password until the emailed link sets one
    let password_mail = mail.wait_for_nth(&email, 2).await;
    assert_eq!(password_mail.value_after("Tenant:"), code);
    assert_eq!(password_mail.value_after("Username:"), "admin");
    let password_token = password_mail.value_after("Password link token:");
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": password_token, "new_password": "short"}),
        )
        .await;
    common::assert_error(s, &b, 422, "password_too_short");
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": password_token, "new_password": "First-Admin-Pass-1"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let (s, login) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": code, "username": "admin", "password": "First-Admin-Pass-1"}),
        )
        .await;
    assert_eq!(s, 200, "{login}");
    assert_eq!(login["must_change_password"], false);
    let token = login["token"].as_str().unwrap();
    let (s, branches) = app.get("/api/v1/branches", Some(token)).await;
    assert_eq!(s, 200, "{branches}");
    assert_eq!(branches["items"][0]["code"], "HQ");

    // both links work once
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": password_token, "new_password": "Another-Pass-22"}),
        )
        .await;
    common::assert_error(s, &b, 409, "password_link_used");
    let (s, b) = app
        .post(
            "/ops/v1/signups/verify",
            None,
            json!({"token": token_of(&verification)}),
        )
        .await;
    common::assert_error(s, &b, 409, "verification_link_used");
    assert_eq!(
        signup_ids(&app, &code).await,
        vec![(signup_id, "verified".to_string())]
    );

    // the code is now taken, for a new sign-up too
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&code, &unique_email("again")),
        )
        .await;
    common::assert_error(s, &b, 409, "tenant_code_taken");
}

fn token_of(mail: &common::smtp::ReceivedMail) -> String {
    mail.value_after("Verification token:")
}

#[tokio::test]
async fn bad_sign_ups_are_refused_with_clear_codes_and_change_nothing() {
    let (app, mail) = common::spawn_with_mail(|_| {}).await;
    let ip = common::unique_ip();
    let code = common::unique_code("bad");
    let email = unique_email("bad");
    let valid = common::credit_code();
    let last = valid.chars().last().unwrap();
    let wrong_check = format!("{}{}", &valid[..17], if last == '0' { '1' } else { '0' });
    let cases: Vec<(&str, Value, &str)> = vec![
        ("credit_code", json!(wrong_check), "invalid_credit_code"),
        ("credit_code", json!("123"), "invalid_credit_code"),
        ("email", json!("not-an-email"), "invalid_email"),
        ("mobile", json!("12345"), "invalid_mobile"),
        ("jurisdiction", json!("990000"), "invalid_jurisdiction"),
        ("tenant_code", json!("Bad-Code"), "invalid_tenant_code"),
        ("tenant_code", json!("platform"), "reserved_tenant_code"),
        ("tenant_code", json!("pg_x"), "reserved_tenant_code"),
        ("company_name", json!("  "), "invalid_company_name"),
        ("plan", json!("gold"), "unknown_plan"),
    ];
    for (field, value, expected) in cases {
        let mut body = form(&code, &email);
        body[field] = value.clone();
        let (s, b) = app.post_from(&ip, "/ops/v1/signups", body).await;
        common::assert_error(s, &b, 422, expected);
        assert_eq!(b["field"], field, "{field}={value}: {b}");
    }
    assert!(signup_ids(&app, &code).await.is_empty(), "nothing stored");
    assert!(mail.messages().is_empty(), "nothing sent");

    // a code held by an existing tenant, or by a sign-up awaiting verification
    let existing = app.tenant().await;
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&existing.code, &email),
        )
        .await;
    common::assert_error(s, &b, 409, "tenant_code_taken");
    let (s, first) = app
        .post_from(&common::unique_ip(), "/ops/v1/signups", form(&code, &email))
        .await;
    assert_eq!(s, 202, "{first}");
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&code, &unique_email("other")),
        )
        .await;
    common::assert_error(s, &b, 409, "tenant_code_taken");
    assert_eq!(signup_ids(&app, &code).await.len(), 1);

    // a company already on the platform cannot sign up twice
    let verification = mail.wait_for(&email).await;
    let (s, _) = app
        .post(
            "/ops/v1/signups/verify",
            None,
            json!({"token": token_of(&verification)}),
        )
        .await;
    assert_eq!(s, 201);
    let credit: String =
        sqlx::query_scalar("select credit_code from platform.tenants where code = $1")
            .bind(&code)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let mut again = form(&common::unique_code("dup"), &unique_email("dup"));
    again["credit_code"] = json!(credit);
    let (s, b) = app
        .post_from(&common::unique_ip(), "/ops/v1/signups", again)
        .await;
    common::assert_error(s, &b, 409, "company_already_registered");
}

#[tokio::test]
async fn expired_forged_and_reused_links_are_refused() {
    let (app, mail) = common::spawn_with_mail(|_| {}).await;
    let code = common::unique_code("exp");
    let email = unique_email("exp");
    let (s, accepted) = app
        .post_from(&common::unique_ip(), "/ops/v1/signups", form(&code, &email))
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["signup_id"].as_i64().unwrap();
    let token = token_of(&mail.wait_for(&email).await);

    // forged: wrong signature, another purpose, garbage
    let forged = format!("{}x", &token[..token.len() - 1]);
    for bad in [forged.as_str(), "1.2.3", "nonsense"] {
        let (s, b) = app
            .post("/ops/v1/signups/verify", None, json!({"token": bad}))
            .await;
        common::assert_error(s, &b, 400, "verification_link_invalid");
    }
    let other_purpose = app.state.links.sign(
        "licence-invitation",
        id,
        chrono::Utc::now() + chrono::Duration::hours(1),
    );
    let (s, b) = app
        .post(
            "/ops/v1/signups/verify",
            None,
            json!({"token": other_purpose}),
        )
        .await;
    common::assert_error(s, &b, 400, "verification_link_invalid");

    // a genuine link past its expiry (signed with the server's key)
    let expired = app.state.links.sign(
        "signup",
        id,
        chrono::Utc::now() - chrono::Duration::minutes(1),
    );
    let (s, b) = app
        .post("/ops/v1/signups/verify", None, json!({"token": expired}))
        .await;
    common::assert_error(s, &b, 410, "verification_link_expired");
    // the sign-up itself expired (the link's own expiry still ahead)
    sqlx::query(
        "update platform.signups set expires_at = now() - interval '1 second' where id = $1",
    )
    .bind(id)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let (s, b) = app
        .post("/ops/v1/signups/verify", None, json!({"token": token}))
        .await;
    common::assert_error(s, &b, 410, "verification_link_expired");
    assert!(
        tenancy::find(&app.state.pool, &code)
            .await
            .unwrap()
            .is_none(),
        "nothing provisioned"
    );

    // the expired sign-up released its code: a new sign-up goes through
    let email2 = unique_email("exp2");
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&code, &email2),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let token2 = token_of(&mail.wait_for(&email2).await);
    let (s, b) = app
        .post("/ops/v1/signups/verify", None, json!({"token": token2}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .post("/ops/v1/signups/verify", None, json!({"token": token2}))
        .await;
    common::assert_error(s, &b, 409, "verification_link_used");

    // an expired set-password link
    let password_token = mail
        .wait_for_nth(&email2, 2)
        .await
        .value_after("Password link token:");
    let found = tenancy::find(&app.state.pool, &code)
        .await
        .unwrap()
        .unwrap();
    let mut tx = tenancy::begin(&app.state.pool, &found.tenant)
        .await
        .unwrap();
    sqlx::query("update password_tokens set expires_at = now() - interval '1 second'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": password_token, "new_password": "Long-Enough-Pass-1"}),
        )
        .await;
    common::assert_error(s, &b, 410, "password_link_expired");
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": "made-up", "new_password": "Long-Enough-Pass-1"}),
        )
        .await;
    common::assert_error(s, &b, 400, "password_link_invalid");

    // an operator sends a fresh link, which works
    let op = app.operator_token().await;
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/admin-password-link"),
            Some(&op),
            json!({"reason": "客户来电，链接过期"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let fresh = mail
        .wait_for_nth(&email2, 3)
        .await
        .value_after("Password link token:");
    let (s, b) = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": code, "token": fresh, "new_password": "Long-Enough-Pass-1"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.staff_login(&code, "admin", "Long-Enough-Pass-1").await;
}

#[tokio::test]
async fn too_many_sign_ups_are_rate_limited() {
    let (app, mail) = common::spawn_with_mail(|c| {
        c.subscription.signups_per_address_per_hour = 2;
        c.subscription.signups_per_email_per_day = 1;
    })
    .await;
    // per client address: every attempt counts, valid or not
    let ip = common::unique_ip();
    let (s, _) = app
        .post_from(
            &ip,
            "/ops/v1/signups",
            form(&common::unique_code("rl"), &unique_email("rl")),
        )
        .await;
    assert_eq!(s, 202);
    let mut bad = form(&common::unique_code("rl"), &unique_email("rl"));
    bad["credit_code"] = json!("bad");
    let (s, _) = app.post_from(&ip, "/ops/v1/signups", bad).await;
    assert_eq!(s, 422);
    let blocked_code = common::unique_code("rl");
    let (s, b) = app
        .post_from(
            &ip,
            "/ops/v1/signups",
            form(&blocked_code, &unique_email("rl")),
        )
        .await;
    common::assert_error(s, &b, 429, "rate_limited");
    assert!(
        b["message"].as_str().unwrap().contains("this address"),
        "{b}"
    );
    assert!(signup_ids(&app, &blocked_code).await.is_empty());
    // another address is not affected
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&blocked_code, &unique_email("rl")),
        )
        .await;
    assert_eq!(s, 202, "{b}");

    // per email address
    let email = unique_email("same");
    let (s, _) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&common::unique_code("em"), &email),
        )
        .await;
    assert_eq!(s, 202);
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&common::unique_code("em"), &email),
        )
        .await;
    common::assert_error(s, &b, 429, "rate_limited");
    assert!(b["message"].as_str().unwrap().contains("email"), "{b}");
    assert_eq!(mail.messages_to(&email).len(), 1);
}

#[tokio::test]
async fn the_platform_wide_cap_on_unverified_sign_ups_holds() {
    // The cap counts every pending sign-up of the last hour, including other
    // tests' running in parallel; a cap of 0 is reached whatever they do.
    let (app, mail) = common::spawn_with_mail(|c| {
        c.subscription.unverified_signups_per_hour = 0;
    })
    .await;
    let code = common::unique_code("cap");
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&code, &unique_email("cap")),
        )
        .await;
    common::assert_error(s, &b, 429, "rate_limited");
    assert!(signup_ids(&app, &code).await.is_empty());
    assert!(mail.messages().is_empty());
}

#[tokio::test]
async fn an_unreachable_mail_server_releases_the_sign_up() {
    let (app, mail) = common::spawn_with_mail(|_| {}).await;
    drop(mail); // nobody listens on the configured port any more
    let code = common::unique_code("nomail");
    let (s, b) = app
        .post_from(
            &common::unique_ip(),
            "/ops/v1/signups",
            form(&code, &unique_email("nomail")),
        )
        .await;
    common::assert_error(s, &b, 503, "email_unavailable");
    let rows = signup_ids(&app, &code).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "expired", "the code is released");
}
