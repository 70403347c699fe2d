//! Tenant isolation, enforced by PostgreSQL itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::{
    provisioning::{self, NewTenant},
    tenancy,
};
use serde_json::json;

#[tokio::test]
async fn another_tenants_branch_is_invisible_and_untouchable() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let b = app.tenant().await;
    let (status, branch) = app
        .post(
            "/api/v1/branches",
            Some(&a.token),
            json!({"code": "SH01", "name": "上海分公司"}),
        )
        .await;
    assert_eq!(status, 201, "{branch}");
    let id = branch["id"].as_i64().unwrap();
    let path = format!("/api/v1/branches/{id}");

    let (status, body) = app.get(&path, Some(&b.token)).await;
    common::assert_error(status, &body, 404, "not_found");
    let (status, body) = app
        .patch(&path, Some(&b.token), json!({"name": "hijacked"}))
        .await;
    common::assert_error(status, &body, 404, "not_found");
    let (status, body) = app
        .post(&format!("{path}/close"), Some(&b.token), json!({}))
        .await;
    common::assert_error(status, &body, 404, "not_found");
    let (_, list) = app.get("/api/v1/branches?q=SH01", Some(&b.token)).await;
    assert_eq!(list["total"], 0);

    let (status, body) = app.get(&path, Some(&a.token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "上海分公司", "A's branch unchanged");
    assert_eq!(body["status"], "active");
}

#[tokio::test]
async fn raw_sql_naming_another_tenants_schema_is_refused_by_postgres() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let b = app.tenant().await;
    for sql in [
        format!("select * from {}.branches", a.created.schema),
        format!("update {}.branches set name = 'x'", a.created.schema),
        format!(
            "insert into {}.branches (code, name) values ('X', 'x')",
            a.created.schema
        ),
        "select * from platform.tenants".to_string(),
    ] {
        let mut tx = tenancy::begin(&app.state.pool, &b.created.tenant)
            .await
            .unwrap();
        let err = sqlx::query(&sql).execute(&mut *tx).await.expect_err(&sql);
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }
}

#[tokio::test]
async fn a_pooled_connection_carries_no_tenant_setting_into_its_next_use() {
    let mut config = common::config();
    config.database.max_connections = 1;
    let pool = platform::db::connect(&config.database).await.unwrap();
    let app = common::spawn().await;
    let a = app.tenant().await;
    let (login_role, default_path): (String, String) =
        sqlx::query_as("select current_user::text, current_setting('search_path')")
            .fetch_one(&pool)
            .await
            .unwrap();

    // committed, rolled back, and failed tenant transactions
    let mut tx = tenancy::begin(&pool, &a.created.tenant).await.unwrap();
    let (user, path): (String, String) =
        sqlx::query_as("select current_user::text, current_setting('search_path')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(user, a.created.tenant.role);
    assert_eq!(path, a.created.schema);
    tx.commit().await.unwrap();
    let tx = tenancy::begin(&pool, &a.created.tenant).await.unwrap();
    tx.rollback().await.unwrap();
    {
        let mut tx = tenancy::begin(&pool, &a.created.tenant).await.unwrap();
        let _ = sqlx::query("select * from no_such_table")
            .execute(&mut *tx)
            .await;
    } // dropped without commit

    let (user, path): (String, String) =
        sqlx::query_as("select current_user::text, current_setting('search_path')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(user, login_role);
    assert_eq!(path, default_path);
    let err = sqlx::query("select * from branches")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test]
async fn creating_a_tenant_adopts_a_role_that_already_exists_on_the_server() {
    let app = common::spawn().await;
    let code = common::unique_code("adopt");
    let role = format!("{}t_{code}", app.state.config.tenancy.role_prefix);
    sqlx::raw_sql(&format!("create role \"{role}\" nologin"))
        .execute(&app.state.pool)
        .await
        .unwrap();
    let created = provisioning::create_tenant(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        NewTenant {
            code: code.clone(),
            name: "Adopted".into(),
            jurisdiction: None,
            status: "active".into(),
            admin_password: Some(common::ADMIN_PASSWORD.into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(created.tenant.role, role);
    let token = app
        .staff_login(&code, "admin", common::ADMIN_PASSWORD)
        .await;
    let (status, body) = app.get("/api/v1/branches", Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["code"], "HQ");
}

#[tokio::test]
async fn tenant_codes_are_checked_and_unique() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let dup = provisioning::create_tenant(
        &app.state.pool,
        "",
        NewTenant {
            code: a.code.clone(),
            name: "Dup".into(),
            jurisdiction: None,
            status: "active".into(),
            admin_password: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(dup.code, "tenant_code_taken");
    for bad in ["", "A", "1abc", "has-dash", "platform"] {
        let err = provisioning::create_tenant(
            &app.state.pool,
            "",
            NewTenant {
                code: bad.into(),
                name: "Bad".into(),
                jurisdiction: None,
                status: "active".into(),
                admin_password: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.status, 422, "{bad}");
        assert_eq!(err.field.as_deref(), Some("code"), "{bad}");
    }
}

#[tokio::test]
async fn migrate_upgrades_every_tenant_and_reports_versions() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let results = platform::migrate::migrate_all_tenants(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        4,
    )
    .await
    .unwrap();
    let mine = results
        .iter()
        .find(|r| r.code == a.code)
        .expect("tenant listed");
    assert_eq!(mine.version, platform::migrate::latest_tenant_version());
    assert!(mine.error.is_none());
}
