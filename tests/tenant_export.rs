//! Export and restore of one tenant: into a fresh database (created by the
//! test), and under a new code; the restored tenant holds exactly the same
//! rows, sequence positions and audit chain, and works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ledger_support;

use std::collections::BTreeMap;

use clap::Parser;
use ledger_support::{bank_account, line, manual_voucher, second_user, trial_balance};
use platform::{
    db::quote_ident,
    tenancy::{self, TenantRef},
    tenant_export::{self, ExportSettings},
};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// Every row of every table of a tenant, as PostgreSQL prints it, in key order.
async fn contents(pool: &PgPool, tenant: &TenantRef) -> BTreeMap<String, Vec<String>> {
    let mut tx = tenancy::begin(pool, tenant).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "select relname::text from pg_class where relnamespace = current_schema()::regnamespace and relkind = 'r' order by 1",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for table in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "select row_to_json(t)::text from {} t order by 1",
            quote_ident(&table)
        ))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        out.insert(table, rows);
    }
    out
}

async fn platform_row(pool: &PgPool, code: &str) -> (String, String, String, Option<String>) {
    sqlx::query_as(
        "select name, status, plan_code, jurisdiction from platform.tenants where code = $1",
    )
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn last_audit_hash(pool: &PgPool, tenant: &TenantRef) -> Option<Vec<u8>> {
    let mut tx = tenancy::begin(pool, tenant).await.unwrap();
    sqlx::query_scalar(
        "select hash from audit_events where chain_seq is not null order by chain_seq desc limit 1",
    )
    .fetch_optional(&mut *tx)
    .await
    .unwrap()
}

/// A fresh, migrated database on the same server; dropped by [`drop_database`].
async fn fresh_database() -> (String, String, PgPool) {
    let name = common::unique_code("xd_restore");
    let admin = PgPool::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    sqlx::raw_sql(&format!("create database {}", quote_ident(&name)))
        .execute(&admin)
        .await
        .expect("create a fresh database (the role needs CREATEDB; infra/test grants it)");
    admin.close().await;
    let mut url = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(&format!("/{name}"));
    let pool = PgPool::connect(url.as_str()).await.unwrap();
    platform::migrate::migrate_database(&pool).await.unwrap();
    (name, url.to_string(), pool)
}

async fn drop_database(name: &str) {
    let admin = PgPool::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    sqlx::raw_sql(&format!(
        "drop database if exists {} with (force)",
        quote_ident(name)
    ))
    .execute(&admin)
    .await
    .unwrap();
}

#[tokio::test]
async fn export_then_import_into_a_fresh_database_reproduces_the_tenant_exactly() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let tenant = t.created.tenant.clone();
    let mut ids = Vec::new();
    for (code, name) in [
        ("SH", "上海分公司"),
        ("NJ", "南京分公司"),
        ("HZ", "杭州分公司"),
    ] {
        let (s, b) = app
            .post(
                "/api/v1/branches",
                Some(&t.token),
                json!({"code": code, "name": name}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        ids.push(b["id"].as_i64().unwrap());
    }
    let (s, b) = app
        .post(
            &format!("/api/v1/branches/{}/close", ids[1]),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // a ledger with postings (and their trigger-kept totals)
    let checker = second_user(&app, &t, "checker").await;
    bank_account(&app, &t.token, "6222000077001234").await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "opening_balance",
        "2026-01-01",
        vec![
            line("1002.01", "500000.00", ""),
            line("4001", "", "500000.00"),
        ],
    )
    .await;
    manual_voucher(
        &app,
        &t.token,
        &checker,
        "manual",
        "2026-01-20",
        vec![line("6601", "1234.56", ""), line("1002.01", "", "1234.56")],
    )
    .await;
    let tb_before = trial_balance(&app, &t.token, "2026-01").await;
    // a gap in the identity sequence (a rolled-back insert) must survive too
    {
        let mut tx = tenancy::begin(&app.state.pool, &tenant).await.unwrap();
        sqlx::query("insert into branches (code, name) values ('GONE', '回滚')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    }
    // a sealed audit chain (as the sealer leaves it), with bytea, arrays, jsonb and xid8 values
    let mut tx = tenancy::begin(&app.state.pool, &tenant).await.unwrap();
    let mut prev: Option<Vec<u8>> = None;
    for seq in 1..=3i64 {
        let hash = Sha256::digest(format!("{prev:?}{seq}").as_bytes()).to_vec();
        sqlx::query(
            "insert into audit_events (actor_kind, actor_name, actor_roles, action, entity_type, entity_id, after, diff, chain_seq, prev_hash, hash)
             values ('system', '封账', '{管理员,auditor}', 'ledger.seal', 'day', $1, '{\"amount\": \"1234.50\"}', '{}', $2, $3, $4)",
        )
        .bind(seq.to_string())
        .bind(seq)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .unwrap();
        prev = Some(hash);
    }
    tx.commit().await.unwrap();
    let before = contents(&app.state.pool, &tenant).await;
    assert_eq!(before["branches"].len(), 4);
    assert!(before["audit_events"].len() >= 6);
    let hash_before = last_audit_hash(&app.state.pool, &tenant).await;
    assert_eq!(hash_before, prev);

    let dir = std::env::temp_dir().join(common::unique_code("export"));
    let manifest = tenant_export::export(
        &app.state.pool,
        &ExportSettings::from_config(&app.state.config),
        &tenant,
        &dir,
        false,
    )
    .await
    .unwrap();
    assert_eq!(manifest.audit_last_hash, prev.as_ref().map(hex::encode));
    for (table, rows) in &before {
        let exported = manifest.tables.iter().find(|e| &e.name == table).unwrap();
        assert_eq!(exported.rows, i64::try_from(rows.len()).unwrap(), "{table}");
    }
    let dump = std::fs::read_to_string(dir.join("schema.sql")).unwrap();
    assert!(dump.contains(&format!("CREATE TABLE {}.audit_events", tenant.schema)));
    // an export never overwrites another
    let again = tenant_export::export(
        &app.state.pool,
        &ExportSettings::from_config(&app.state.config),
        &tenant,
        &dir,
        false,
    )
    .await;
    assert!(again
        .unwrap_err()
        .to_string()
        .contains("already holds an export"));

    // into a fresh database
    let (db_name, db_url, fresh) = fresh_database().await;
    let report = tenant_export::import(&fresh, &app.state.config.tenancy.role_prefix, &dir, None)
        .await
        .unwrap();
    assert_eq!(report.code, t.code);
    assert_eq!(
        report.schema_version,
        platform::migrate::latest_tenant_version()
    );
    let restored = contents(&fresh, &tenant).await;
    assert_eq!(
        restored, before,
        "every row of every table, as PostgreSQL prints it"
    );
    assert_eq!(last_audit_hash(&fresh, &tenant).await, hash_before);
    assert_eq!(
        platform_row(&fresh, &t.code).await,
        platform_row(&app.state.pool, &t.code).await
    );
    let err = tenant_export::import(&fresh, &app.state.config.tenancy.role_prefix, &dir, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("taken"), "{err:#}");

    // the restored tenant works: log in, and new rows continue the sequences
    let mut config = common::config();
    config.database.url = platform::config::Secret::new(db_url);
    let restored_app = common::spawn_with(config).await;
    let token = restored_app
        .staff_login(&t.code, "admin", common::ADMIN_PASSWORD)
        .await;
    let (s, b) = restored_app
        .post(
            "/api/v1/branches",
            Some(&token),
            json!({"code": "XM", "name": "厦门分公司"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["id"], 6, "after the rolled-back id 5: {b}");
    // the same ledger: trial balance, and a new posting continues it
    let tb_after = trial_balance(&restored_app, &token, "2026-01").await;
    assert_eq!(tb_after["rows"], tb_before["rows"]);
    let restored_checker = restored_app
        .staff_login(&t.code, "checker", ledger_support::CHECKER_PASSWORD)
        .await;
    manual_voucher(
        &restored_app,
        &token,
        &restored_checker,
        "manual",
        "2026-01-21",
        vec![line("6601", "1.00", ""), line("1002.01", "", "1.00")],
    )
    .await;
    // triggers are back on: an update touches updated_at
    let (_, hq) = restored_app.get("/api/v1/branches/1", Some(&token)).await;
    let (s, renamed) = restored_app
        .patch(
            "/api/v1/branches/1",
            Some(&token),
            json!({"name": "总部（新）"}),
        )
        .await;
    assert_eq!(s, 200, "{renamed}");
    assert_ne!(renamed["updated_at"], hq["updated_at"]);
    drop(restored_app);
    fresh.close().await;
    drop_database(&db_name).await;

    // under a new code, in the same database
    let new_code = common::unique_code("copy");
    let report = tenant_export::import(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        &dir,
        Some(&new_code),
    )
    .await
    .unwrap();
    let copy = tenancy::find(&app.state.pool, &new_code)
        .await
        .unwrap()
        .unwrap()
        .tenant;
    assert_eq!(report.schema, copy.schema);
    assert_eq!(contents(&app.state.pool, &copy).await, before);
    app.staff_login(&new_code, "admin", common::ADMIN_PASSWORD)
        .await;

    // a damaged export is refused before anything is created
    let branches = dir.join("data/branches.jsonl");
    let text = std::fs::read_to_string(&branches).unwrap();
    std::fs::write(&branches, text.replace("上海分公司", "上海分行")).unwrap();
    let other = common::unique_code("damaged");
    let err = tenant_export::import(&app.state.pool, "", &dir, Some(&other))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err:#}");
    assert!(tenancy::find(&app.state.pool, &other)
        .await
        .unwrap()
        .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_line_names_export_and_import() {
    let cli = xiaodai::cli::Cli::try_parse_from([
        "xiaodai",
        "tenant",
        "export",
        "--code",
        "acme",
        "--out",
        "/tmp/acme",
    ]);
    assert!(cli.is_ok());
    let cli = xiaodai::cli::Cli::try_parse_from([
        "xiaodai",
        "tenant",
        "import",
        "--dir",
        "/tmp/acme",
        "--code",
        "acme2",
    ]);
    assert!(cli.is_ok());
    let cli = xiaodai::cli::Cli::try_parse_from(["xiaodai", "tenant", "import"]);
    assert!(cli.is_err(), "--dir is required");
}
