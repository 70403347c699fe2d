//! Identity and access: user and role management, privilege escalation
//! refused, branch scope, lockout, expiry, idle timeout, revocation, one-time
//! passwords, role changes reaching another instance, and the audit chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::assert_error;
use platform::audit_chain::{self, Chain};
use redis::AsyncCommands;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn user_id(app: &common::TestApp, token: &str, username: &str) -> i64 {
    let (s, b) = app.get("/api/v1/users?per_page=200", Some(token)).await;
    assert_eq!(s, 200, "{b}");
    b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("{username} not listed: {b}"))["id"]
        .as_i64()
        .unwrap()
}

fn session_key(token: &str) -> String {
    format!(
        "xd:session:{}",
        hex::encode(Sha256::digest(token.as_bytes()))
    )
}

#[tokio::test]
async fn admins_manage_users_and_a_one_time_password_must_be_changed_by_policy() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, created) = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            json!({"username": "zhang.san.feng", "display_name": "张三", "roles": ["customer_manager", "reviewer"]}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(
        created["user"]["roles"],
        json!(["customer_manager", "reviewer"])
    );
    let otp = created["one_time_password"].as_str().unwrap().to_string();
    let (s, b) = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            json!({"username": "zhang.san.feng"}),
        )
        .await;
    assert_error(s, &b, 409, "username_taken");
    let (s, b) = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            json!({"username": "li.si", "roles": ["no_such_role"]}),
        )
        .await;
    assert_error(s, &b, 422, "unknown_role");

    let (s, login) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": t.code, "username": "zhang.san.feng", "password": otp}),
        )
        .await;
    assert_eq!(s, 200, "{login}");
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().unwrap().to_string();
    // nothing else before the change
    let (s, b) = app.get("/api/v1/branches", Some(&token)).await;
    assert_error(s, &b, 403, "password_change_required");
    for (new, code) in [
        ("short", "password_too_short"),
        ("Zhang.San.Feng", "password_is_username"),
        (otp.as_str(), "password_reused"),
    ] {
        let (s, b) = app
            .post(
                "/api/v1/auth/password",
                Some(&token),
                json!({"old_password": otp, "new_password": new}),
            )
            .await;
        assert_eq!(s, 422, "{new}: {b}");
        assert_eq!(b["code"], code, "{new}: {b}");
    }
    // the last five passwords may not come back
    let mut current = otp.clone();
    for i in 0..5 {
        let next = format!("Good-Password-{i}0");
        let (s, b) = app
            .post(
                "/api/v1/auth/password",
                Some(&token),
                json!({"old_password": current, "new_password": next}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        current = next;
    }
    let (s, b) = app
        .post(
            "/api/v1/auth/password",
            Some(&token),
            json!({"old_password": current, "new_password": "Good-Password-10"}),
        )
        .await;
    assert_error(s, &b, 422, "password_reused");
    let (s, b) = app.get("/api/v1/branches", Some(&token)).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn nobody_grants_themselves_and_admins_stay_in_their_tenant() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let other = app.tenant().await;
    let admin_id = user_id(&app, &t.token, "admin").await;
    let (s, b) = app
        .put(
            &format!("/api/v1/users/{admin_id}/roles"),
            Some(&t.token),
            json!({"roles": ["admin", "auditor"]}),
        )
        .await;
    assert_error(s, &b, 403, "self_grant_refused");
    let (s, b) = app
        .put(
            "/api/v1/roles/admin",
            Some(&t.token),
            json!({"name": "管理员", "permissions": ["*"]}),
        )
        .await;
    assert_error(s, &b, 403, "self_grant_refused");

    // a user administrator (user.* but not admin) cannot raise themselves either
    let (s, b) = app
        .post(
            "/api/v1/roles",
            Some(&t.token),
            json!({"code": "user_admin", "name": "用户管理", "permissions": ["user.*", "role.read", "branch.read", "scope.all_branches"]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let ua = app.staff_user(&t, "useradmin", &["user_admin"], None).await;
    let ua_id = user_id(&app, &t.token, "useradmin").await;
    let (s, b) = app
        .put(
            &format!("/api/v1/users/{ua_id}/roles"),
            Some(&ua),
            json!({"roles": ["admin"]}),
        )
        .await;
    assert_error(s, &b, 403, "self_grant_refused");
    let (s, b) = app
        .put(
            "/api/v1/roles/user_admin",
            Some(&ua),
            json!({"name": "x", "permissions": ["*"]}),
        )
        .await;
    assert_error(s, &b, 403, "forbidden");

    // the other tenant's users are out of reach (their ids do not exist here)
    for i in 0..3 {
        app.staff_user(&other, &format!("o{i}"), &[], None).await;
    }
    let far = user_id(&app, &other.token, "o2").await;
    let (s, b) = app
        .get(&format!("/api/v1/users/{far}"), Some(&t.token))
        .await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .put(
            &format!("/api/v1/users/{far}/roles"),
            Some(&t.token),
            json!({"roles": ["admin"]}),
        )
        .await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": t.code, "username": "o2", "password": common::STAFF_PASSWORD}),
        )
        .await;
    assert_error(s, &b, 401, "invalid_credentials");
}

#[tokio::test]
async fn a_branch_scoped_user_sees_only_their_branch() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let mut ids = Vec::new();
    for code in ["PD", "MH"] {
        let (s, b) = app
            .post(
                "/api/v1/branches",
                Some(&t.token),
                json!({"code": code, "name": code}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        ids.push(b["id"].as_i64().unwrap());
    }
    let (s, b) = app
        .post(
            "/api/v1/roles",
            Some(&t.token),
            json!({"code": "branch_clerk", "name": "网点", "permissions": ["branch.*", "user.read"]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let clerk = app
        .staff_user(&t, "clerk", &["branch_clerk"], Some(ids[0]))
        .await;
    app.staff_user(&t, "far", &[], Some(ids[1])).await;
    let (s, b) = app.get("/api/v1/branches", Some(&clerk)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["total"], 1, "{b}");
    assert_eq!(b["items"][0]["id"], ids[0]);
    let (s, _) = app
        .get(&format!("/api/v1/branches/{}", ids[0]), Some(&clerk))
        .await;
    assert_eq!(s, 200);
    let (s, b) = app
        .get(&format!("/api/v1/branches/{}", ids[1]), Some(&clerk))
        .await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .patch(
            &format!("/api/v1/branches/{}", ids[1]),
            Some(&clerk),
            json!({"name": "改名"}),
        )
        .await;
    assert_error(s, &b, 404, "not_found");
    let far = user_id(&app, &t.token, "far").await;
    let (s, b) = app.get(&format!("/api/v1/users/{far}"), Some(&clerk)).await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app.get("/api/v1/users", Some(&clerk)).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["branch_id"] == ids[0]));
    // the admin sees every branch
    let (s, b) = app.get("/api/v1/branches", Some(&t.token)).await;
    assert_eq!(s, 200);
    assert_eq!(b["total"], 3, "{b}");
}

#[tokio::test]
async fn lockout_after_repeated_failures_is_audited() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    app.staff_user(&t, "victim", &["auditor"], None).await;
    for _ in 0..5 {
        let (s, b) = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"tenant": t.code, "username": "victim", "password": "wrong-password"}),
            )
            .await;
        assert_error(s, &b, 401, "invalid_credentials");
    }
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": t.code, "username": "victim", "password": common::STAFF_PASSWORD}),
        )
        .await;
    assert_error(s, &b, 423, "account_locked");
    let (s, b) = app
        .get(
            "/api/v1/audit-events?action=auth.&per_page=100",
            Some(&t.token),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let actions: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_name"] == "victim")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "auth.login_failed")
            .count(),
        5,
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.lockout"), "{actions:?}");
    assert!(
        actions.contains(&"auth.login_refused_locked"),
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.login"), "{actions:?}");
}

#[tokio::test]
async fn expiry_idle_timeout_and_revocation() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let mut redis = app.state.redis.clone();
    // expired: the absolute expiry has passed
    let a = app.staff_user(&t, "expiring", &["auditor"], None).await;
    let key = session_key(&a);
    let raw: String = redis.get(&key).await.unwrap();
    let mut session: Value = serde_json::from_str(&raw).unwrap();
    session["expires_at"] = json!("2020-01-01T00:00:00Z");
    let _: () = redis.set_ex(&key, session.to_string(), 60).await.unwrap();
    let (s, b) = app.get("/api/v1/branches", Some(&a)).await;
    assert_error(s, &b, 401, "unauthorized");
    // idle: the session's idle timer runs out
    let idle = app
        .staff_login(&t.code, "expiring", common::STAFF_PASSWORD)
        .await;
    let _: () = redis.expire(session_key(&idle), 1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (s, b) = app.get("/api/v1/branches", Some(&idle)).await;
    assert_error(s, &b, 401, "unauthorized");
    // and a session in use stays
    let ttl: i64 = {
        let fresh = app
            .staff_login(&t.code, "expiring", common::STAFF_PASSWORD)
            .await;
        app.get("/api/v1/branches", Some(&fresh)).await;
        redis.ttl(session_key(&fresh)).await.unwrap()
    };
    assert!(ttl > 60 * 29, "idle ttl {ttl}");

    // own sessions: list and revoke one
    let one = app
        .staff_login(&t.code, "expiring", common::STAFF_PASSWORD)
        .await;
    let two = app
        .staff_login(&t.code, "expiring", common::STAFF_PASSWORD)
        .await;
    let (s, list) = app.get("/api/v1/auth/sessions", Some(&one)).await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert!(list.len() >= 2, "{list:?}");
    let two_id = hex::encode(Sha256::digest(two.as_bytes()));
    assert!(list.iter().any(|x| x["id"] == two_id));
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
    let (s, b) = app
        .delete(&format!("/api/v1/auth/sessions/{two_id}"), Some(&one))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.get("/api/v1/branches", Some(&two)).await;
    assert_error(s, &b, 401, "unauthorized");
    // someone else's session is not theirs to end
    let admin_sid = hex::encode(Sha256::digest(t.token.as_bytes()));
    let (s, b) = app
        .delete(&format!("/api/v1/auth/sessions/{admin_sid}"), Some(&one))
        .await;
    assert_error(s, &b, 404, "not_found");
    // the admin ends every session of the user
    let uid = user_id(&app, &t.token, "expiring").await;
    let (s, b) = app
        .delete(&format!("/api/v1/users/{uid}/sessions"), Some(&t.token))
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["revoked"].as_u64().unwrap() >= 1);
    let (s, b) = app.get("/api/v1/branches", Some(&one)).await;
    assert_error(s, &b, 401, "unauthorized");
}

#[tokio::test]
async fn a_role_change_through_one_instance_is_enforced_by_another() {
    let a = common::spawn().await;
    let b = common::spawn().await;
    let t = a.tenant().await;
    let token = a
        .staff_user(&t, "moving", &["customer_manager"], None)
        .await;
    let (s, body) = b.get("/api/v1/ledger/accounts", Some(&token)).await;
    assert_error(s, &body, 403, "forbidden");
    let uid = user_id(&a, &t.token, "moving").await;
    let (s, body) = a
        .put(
            &format!("/api/v1/users/{uid}/roles"),
            Some(&t.token),
            json!({"roles": ["finance"]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let started = Instant::now();
    loop {
        let (s, _) = b.get("/api/v1/ledger/accounts", Some(&token)).await;
        if s == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "instance b still refuses"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // and taking it away too
    let (s, _) = a
        .put(
            &format!("/api/v1/users/{uid}/roles"),
            Some(&t.token),
            json!({"roles": []}),
        )
        .await;
    assert_eq!(s, 200);
    let started = Instant::now();
    loop {
        let (s, _) = b.get("/api/v1/ledger/accounts", Some(&token)).await;
        if s == 403 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn seal_everything(app: &common::TestApp, chain: &Chain) {
    let started = Instant::now();
    loop {
        audit_chain::seal_all(&app.state.pool, chain).await.unwrap();
        let report = audit_chain::verify(&app.state.pool, chain).await.unwrap();
        if report.unsealed == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "records stay unsealed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn audit_verify_detects_edits_deletions_and_a_rewritten_chain() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    for code in ["A1", "A2", "A3", "A4"] {
        let (s, _) = app
            .post(
                "/api/v1/branches",
                Some(&t.token),
                json!({"code": code, "name": code}),
            )
            .await;
        assert_eq!(s, 201);
    }
    let chain = Chain::Tenant(t.created.tenant.clone());
    seal_everything(&app, &chain).await;
    let report = audit_chain::verify(&app.state.pool, &chain).await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(report.sealed >= 5 && report.anchors >= 1, "{report:?}");
    let (s, b) = app
        .get("/api/v1/audit-events?entity_type=branch", Some(&t.token))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["total"], 4);
    assert!(b["items"][0]["chain_seq"].as_i64().is_some());

    let exec = |sql: &'static str| {
        let pool = app.state.pool.clone();
        let tenant = t.created.tenant.clone();
        async move {
            let mut tx = platform::tenancy::begin(&pool, &tenant).await.unwrap();
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    // an edited record
    exec("update audit_events set after = '{\"code\": \"EVIL\"}' where chain_seq = 3").await;
    let report = audit_chain::verify(&app.state.pool, &chain).await.unwrap();
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(3), "{report:?}");
    // the whole chain rewritten consistently: only the anchors tell
    exec("update audit_events set chain_seq = null, prev_hash = null, hash = null").await;
    seal_everything(&app, &chain).await;
    let report = audit_chain::verify(&app.state.pool, &chain).await.unwrap();
    assert!(
        report
            .broken
            .as_ref()
            .is_some_and(|b| b.1.contains("anchor")),
        "{report:?}"
    );
    // a deleted record
    let t2 = app.tenant().await;
    let (s, _) = app
        .post(
            "/api/v1/branches",
            Some(&t2.token),
            json!({"code": "B1", "name": "B1"}),
        )
        .await;
    assert_eq!(s, 201);
    let chain2 = Chain::Tenant(t2.created.tenant.clone());
    seal_everything(&app, &chain2).await;
    assert!(audit_chain::verify(&app.state.pool, &chain2)
        .await
        .unwrap()
        .intact());
    let mut tx = platform::tenancy::begin(&app.state.pool, &t2.created.tenant)
        .await
        .unwrap();
    sqlx::query("delete from audit_events where chain_seq = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let report = audit_chain::verify(&app.state.pool, &chain2).await.unwrap();
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(1), "{report:?}");
}

#[tokio::test]
async fn operators_and_regulators_have_roles_too() {
    let app = common::spawn().await;
    let username = common::unique_code("support");
    let hash = platform::auth::password::hash(common::STAFF_PASSWORD).unwrap();
    sqlx::query(
        "insert into platform.operators (username, password_hash, must_change_password, roles)
         values ($1, $2, false, '{support}')",
    )
    .bind(&username)
    .bind(hash)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let (s, b) = app
        .post(
            "/ops/v1/auth/login",
            None,
            json!({"username": username, "password": common::STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let support = b["token"].as_str().unwrap().to_string();
    let (s, b) = app.get("/ops/v1/tenants", Some(&support)).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            "/ops/v1/tenants",
            Some(&support),
            json!({"code": common::unique_code("x"), "name": "x"}),
        )
        .await;
    assert_error(s, &b, 403, "forbidden");
    // failed operator logins are on the platform's trail
    let (s, _) = app
        .post(
            "/ops/v1/auth/login",
            None,
            json!({"username": username, "password": "nope-nope-nope"}),
        )
        .await;
    assert_eq!(s, 401);
    let n: i64 = sqlx::query_scalar(
        "select count(*) from platform.audit_events where action = 'auth.login_failed' and actor_name = $1",
    )
    .bind(&username)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
}
