//! The operator's tenant lifecycle: suspend and reactivate, trial expiry,
//! plans and their limits, usage, close with export and purge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::{
    lifecycle, plan_limits,
    provisioning::{self, NewTenant, Subscription},
    tenancy, usage,
};
use serde_json::json;

async fn audit_reasons(app: &common::TestApp, code: &str, action: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select after->>'status_reason' from platform.audit_events
          where entity_type = 'tenant' and entity_id = $1 and action = $2 order by id",
    )
    .bind(code)
    .bind(action)
    .fetch_all(&app.state.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_suspended_tenant_is_refused_everywhere_and_resumes_after_reactivation() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let other = app.tenant().await;
    let op = app.operator_token().await;
    let (s, branch) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "SZ", "name": "深圳分公司"}),
        )
        .await;
    assert_eq!(s, 201, "{branch}");

    // a reason is required, and staff cannot act as operators
    let path = format!("/ops/v1/tenants/{}/suspend", t.code);
    let (s, b) = app.post(&path, Some(&op), json!({"reason": " "})).await;
    common::assert_error(s, &b, 422, "reason_required");
    let (s, b) = app
        .post(&path, Some(&t.token), json!({"reason": "欠费"}))
        .await;
    common::assert_error(s, &b, 401, "unauthorized");
    // (an unchanged tenant keeps working)
    let (s, _) = app.get("/api/v1/branches", Some(&t.token)).await;
    assert_eq!(s, 200);

    let (s, b) = app
        .post(&path, Some(&op), json!({"reason": "欠费两个月"}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "suspended");
    assert_eq!(b["operational"], false);
    assert_eq!(b["blocked_code"], "tenant_suspended");
    assert_eq!(b["status_reason"], "欠费两个月");

    // every staff request, with the token from before, and new logins
    let (s, b) = app.get("/api/v1/branches", Some(&t.token)).await;
    common::assert_error(s, &b, 403, "tenant_suspended");
    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "GZ", "name": "广州"}),
        )
        .await;
    common::assert_error(s, &b, 403, "tenant_suspended");
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": t.code, "username": "admin", "password": common::ADMIN_PASSWORD}),
        )
        .await;
    common::assert_error(s, &b, 403, "tenant_suspended");
    // jobs and reminders check this before running
    assert!(!tenancy::is_operational(&app.state.pool, &t.code)
        .await
        .unwrap());
    // other tenants are untouched
    let (s, _) = app.get("/api/v1/branches", Some(&other.token)).await;
    assert_eq!(s, 200);
    assert!(tenancy::is_operational(&app.state.pool, &other.code)
        .await
        .unwrap());

    let (s, b) = app.post(&path, Some(&op), json!({"reason": "again"})).await;
    common::assert_error(s, &b, 409, "tenant_already_suspended");

    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{}/reactivate", t.code),
            Some(&op),
            json!({"reason": "已缴费"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "active");
    assert_eq!(b["operational"], true);
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{}/reactivate", t.code),
            Some(&op),
            json!({"reason": "已缴费"}),
        )
        .await;
    common::assert_error(s, &b, 409, "tenant_not_suspended");

    // everything resumes with nothing lost: the old session, the data, logins
    let (s, list) = app.get("/api/v1/branches", Some(&t.token)).await;
    assert_eq!(s, 200, "{list}");
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["HQ", "SZ"]);
    app.staff_login(&t.code, "admin", common::ADMIN_PASSWORD)
        .await;
    assert!(tenancy::is_operational(&app.state.pool, &t.code)
        .await
        .unwrap());

    // each action is audited with its reason and the operator
    assert_eq!(
        audit_reasons(&app, &t.code, "tenant.suspend").await,
        ["欠费两个月"]
    );
    assert_eq!(
        audit_reasons(&app, &t.code, "tenant.reactivate").await,
        ["已缴费"]
    );
    let actor: String = sqlx::query_scalar(
        "select actor_kind from platform.audit_events where entity_id = $1 and action = 'tenant.suspend'",
    )
    .bind(&t.code)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(actor, "operator");

    // the list shows status, plan, usage, activity and schema version
    usage::meter(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let (s, list) = app.get("/ops/v1/tenants", Some(&op)).await;
    assert_eq!(s, 200);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == t.code.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "active");
    assert_eq!(row["plan"], "standard");
    assert_eq!(row["usage"]["staff_users"], 1);
    assert!(row["usage"]["storage_bytes"].as_i64().unwrap() > 0);
    assert!(row["last_activity_at"].is_string(), "{row}");
    assert_eq!(
        row["schema_version"],
        platform::migrate::latest_tenant_version()
    );
}

#[tokio::test]
async fn an_ended_trial_behaves_as_suspended_until_extended_or_activated() {
    let mut config = common::config();
    config.subscription.require_registry_licence = true;
    let app = common::spawn_with(config).await;
    let op = app.operator_token().await;
    let code = common::unique_code("trial");
    let created = provisioning::create_tenant_with(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        NewTenant {
            code: code.clone(),
            name: "试用小贷".into(),
            jurisdiction: Some("310000".into()),
            status: "trial".into(),
            admin_password: Some(common::ADMIN_PASSWORD.into()),
        },
        Subscription {
            plan: Some("trial".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let token = app
        .staff_login(&code, "admin", common::ADMIN_PASSWORD)
        .await;
    let (s, _) = app.get("/api/v1/branches", Some(&token)).await;
    assert_eq!(s, 200);

    // the trial ends
    sqlx::query(
        "update platform.tenants set trial_ends_at = now() - interval '1 minute' where code = $1",
    )
    .bind(&code)
    .execute(&app.state.pool)
    .await
    .unwrap();
    lifecycle::invalidate(&app.state, &code).await.unwrap();
    let (s, b) = app.get("/api/v1/branches", Some(&token)).await;
    common::assert_error(s, &b, 403, "trial_expired");
    let (s, b) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"tenant": code, "username": "admin", "password": common::ADMIN_PASSWORD}),
        )
        .await;
    common::assert_error(s, &b, 403, "trial_expired");
    assert!(!tenancy::is_operational(&app.state.pool, &code)
        .await
        .unwrap());
    let (_, detail) = app.get(&format!("/ops/v1/tenants/{code}"), Some(&op)).await;
    assert_eq!(detail["blocked_code"], "trial_expired");
    assert_eq!(detail["usage"]["staff_users"], 1, "live usage: {detail}");

    // extended: works again
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/extend-trial"),
            Some(&op),
            json!({"reason": "客户需要更多时间", "days": 7}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["operational"], true);
    let (s, _) = app.get("/api/v1/branches", Some(&token)).await;
    assert_eq!(s, 200);

    // leaving the trial needs the registry link here (platform setting)
    let activate = format!("/ops/v1/tenants/{code}/activate");
    let (s, b) = app
        .post(
            &activate,
            Some(&op),
            json!({"reason": "签约", "plan": "professional"}),
        )
        .await;
    common::assert_error(s, &b, 409, "licence_not_linked");
    let reg = app.regulator_token(&["310000"]).await;
    let credit = common::credit_code();
    let (s, licence) = app
        .post(
            "/supervision/v1/licences",
            Some(&reg),
            json!({"firm_name": "试用小贷", "credit_code": credit, "licence_number": common::unique_code("lic"), "jurisdiction": "310000"}),
        )
        .await;
    assert_eq!(s, 201, "{licence}");
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/regulator-link"),
            Some(&op),
            json!({"reason": "核对营业执照后关联", "licence_id": licence["licence"]["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .post(
            &activate,
            Some(&op),
            json!({"reason": "签约", "plan": "professional"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "active");
    assert_eq!(b["plan"], "professional");
    assert!(b["trial_ends_at"].is_null());
    assert_eq!(b["regulator_licence_id"], licence["licence"]["id"]);
    let (s, b) = app
        .post(&activate, Some(&op), json!({"reason": "again"}))
        .await;
    common::assert_error(s, &b, 409, "tenant_not_in_trial");
    drop(created);
}

#[tokio::test]
async fn plan_limits_refuse_the_creating_request() {
    let app = common::spawn().await;
    let op = app.operator_token().await;
    let code = common::unique_code("lim");
    let created = provisioning::create_tenant_with(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        NewTenant {
            code: code.clone(),
            name: "限额小贷".into(),
            jurisdiction: None,
            status: "active".into(),
            admin_password: Some(common::ADMIN_PASSWORD.into()),
        },
        Subscription {
            plan: Some("trial".into()), // 5 staff users
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let tenant = created.tenant.clone();
    // the admin counts; four more fit
    for i in 0..4 {
        let mut tx = tenancy::begin(&app.state.pool, &tenant).await.unwrap();
        plan_limits::check(&mut tx, &tenant, plan_limits::Resource::StaffUsers)
            .await
            .unwrap();
        sqlx::query("insert into users (username, password_hash) values ($1, 'x')")
            .bind(format!("user{i}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = tenancy::begin(&app.state.pool, &tenant).await.unwrap();
    let err = plan_limits::check(&mut tx, &tenant, plan_limits::Resource::StaffUsers)
        .await
        .unwrap_err();
    assert_eq!(err.code, "plan_limit_reached");
    assert_eq!(err.status, 403);
    assert!(
        err.message.contains("试用版") && err.message.contains('5'),
        "{}",
        err.message
    );
    // the transaction is the tenant's again after the check
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(users, 5);
    drop(tx);
    // a disabled user frees a seat
    let mut tx = tenancy::begin(&app.state.pool, &tenant).await.unwrap();
    sqlx::query("update users set status = 'disabled' where username = 'user0'")
        .execute(&mut *tx)
        .await
        .unwrap();
    plan_limits::check(&mut tx, &tenant, plan_limits::Resource::StaffUsers)
        .await
        .unwrap();
    // loans do not exist yet: none active, so the check passes
    plan_limits::check(&mut tx, &tenant, plan_limits::Resource::ActiveLoans)
        .await
        .unwrap();
    let err = plan_limits::check_more(
        &mut tx,
        &tenant,
        plan_limits::Resource::StorageBytes,
        2_000_000_000,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, "plan_limit_reached");
    tx.commit().await.unwrap();

    // a plan smaller than the tenant is refused
    let tiny = common::unique_code("tiny");
    sqlx::query("insert into platform.plans (code, name, max_staff_users, trial_days, public) values ($1, 'Tiny', 2, 7, false)")
        .bind(&tiny)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/plan"),
            Some(&op),
            json!({"reason": "降级", "plan": tiny}),
        )
        .await;
    common::assert_error(s, &b, 409, "plan_too_small");
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/plan"),
            Some(&op),
            json!({"reason": "降级", "plan": "nope"}),
        )
        .await;
    common::assert_error(s, &b, 422, "unknown_plan");
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{code}/plan"),
            Some(&op),
            json!({"reason": "升级", "plan": "standard"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["plan"], "standard");
    // a private plan is not offered at sign-up
    let (_, plans) = app.get("/ops/v1/plans", None).await;
    assert!(!plans.to_string().contains(&tiny));

    // the daily meter counts what exists, and keeps one row per day
    let (day, measured) = usage::meter(&app.state.pool, &tenant).await.unwrap();
    assert_eq!(measured.staff_users, 4);
    assert_eq!(measured.active_loans, 0);
    usage::meter(&app.state.pool, &tenant).await.unwrap();
    let rows: i64 = sqlx::query_scalar(
        "select count(*) from platform.tenant_usage where tenant_code = $1 and day = $2",
    )
    .bind(&code)
    .bind(day)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn closing_exports_first_and_the_sweep_drops_the_schema_after_retention() {
    let dir = std::env::temp_dir().join(common::unique_code("exports"));
    let mut config = common::config();
    config.subscription.export_dir = dir.to_string_lossy().to_string();
    config.subscription.closed_retention_days = 30;
    let app = common::spawn_with(config).await;
    let t = app.tenant().await;
    let op = app.operator_token().await;
    let (s, _) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "BJ", "name": "北京分公司"}),
        )
        .await;
    assert_eq!(s, 201);

    let close = format!("/ops/v1/tenants/{}/close", t.code);
    let (s, b) = app.post(&close, Some(&op), json!({})).await;
    common::assert_error(s, &b, 400, "invalid_body");
    let (s, b) = app
        .post(&close, Some(&op), json!({"reason": "客户终止合作"}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "closed");
    assert_eq!(b["blocked_code"], "tenant_closed");
    assert!(b["purge_after"].is_string());
    let export = std::path::PathBuf::from(b["export_path"].as_str().unwrap());
    assert!(export.starts_with(&dir));
    let manifest = platform::tenant_export::read_manifest(&export)
        .await
        .unwrap();
    let branches = manifest
        .tables
        .iter()
        .find(|t| t.name == "branches")
        .unwrap();
    assert_eq!(branches.rows, 2);
    let dump = std::fs::read_to_string(export.join("schema.sql")).unwrap();
    assert!(
        dump.contains(&format!("CREATE TABLE {}.branches", t.created.schema)),
        "pg_dump of the schema"
    );
    assert!(dump.contains("北京分公司"));

    let (s, b) = app.get("/api/v1/branches", Some(&t.token)).await;
    common::assert_error(s, &b, 403, "tenant_closed");
    // nothing can be written after the export any more, not even by a request already past the check
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let err = sqlx::query("insert into branches (code, name) values ('LATE', '迟到')")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let kept: i64 = sqlx::query_scalar("select count(*) from branches")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(kept, 2, "still readable until purged");
    drop(tx);
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{}/reactivate", t.code),
            Some(&op),
            json!({"reason": "反悔"}),
        )
        .await;
    common::assert_error(s, &b, 409, "tenant_closed");
    let (s, b) = app
        .post(&close, Some(&op), json!({"reason": "again"}))
        .await;
    common::assert_error(s, &b, 409, "tenant_closed");

    // within the retention period the sweep keeps the schema
    let report = lifecycle::sweep(&app.state.pool).await.unwrap();
    assert!(!report.purged.contains(&t.code));
    let schema_exists = |schema: String| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "select exists (select 1 from pg_namespace where nspname = $1)",
            )
            .bind(schema)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert!(schema_exists(t.created.schema.clone()).await);
    // after it, the schema goes; the row stays, so the code is never reused
    sqlx::query(
        "update platform.tenants set purge_after = now() - interval '1 second' where code = $1",
    )
    .bind(&t.code)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let purged = lifecycle::purge_closed(&app.state.pool).await.unwrap();
    assert!(purged.contains(&t.code), "{purged:?}");
    assert!(!schema_exists(t.created.schema.clone()).await);
    let (_, list) = app.get("/ops/v1/tenants", Some(&op)).await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == t.code.as_str())
        .unwrap();
    assert!(row["purged_at"].is_string());
    assert_eq!(row["schema_version"], 0);
    assert_eq!(
        audit_reasons(&app, &t.code, "tenant.close").await,
        ["客户终止合作"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failed_export_leaves_the_tenant_as_it_was() {
    let mut config = common::config();
    config.subscription.pg_dump = "/nonexistent/pg_dump".into();
    config.subscription.export_dir = std::env::temp_dir()
        .join(common::unique_code("exp"))
        .to_string_lossy()
        .to_string();
    let app = common::spawn_with(config).await;
    let t = app.tenant().await;
    let op = app.operator_token().await;
    let (s, b) = app
        .post(
            &format!("/ops/v1/tenants/{}/close", t.code),
            Some(&op),
            json!({"reason": "客户终止合作"}),
        )
        .await;
    common::assert_error(s, &b, 500, "export_failed");
    let found = tenancy::find(&app.state.pool, &t.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status, "active");
    let (s, _) = app.get("/api/v1/branches", Some(&t.token)).await;
    assert_eq!(s, 200);
}
