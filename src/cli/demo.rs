//! `xiaodai demo`: everything a newcomer needs to look around — migrations,
//! the demo tenant with a little data, an operator and a regulator — then the
//! logins are printed and the server runs.

use platform::{
    provisioning::{self, NewTenant},
    tenancy, AppState,
};

use super::accounts::{ensure_account, Kind};

/// Demo tenant code.
pub const DEMO_TENANT: &str = "demo";
const DEMO_ADMIN_PASSWORD: &str = "Demo-Admin-2026";
const DEMO_OPERATOR_PASSWORD: &str = "Demo-Operator-2026";
const DEMO_REGULATOR_PASSWORD: &str = "Demo-Regulator-2026";
/// The password of the demo's staff members other than the admin.
const DEMO_STAFF_PASSWORD: &str = "Demo-Staff-2026";
/// One demo staff member per main role: (username, name, role, branch code).
const DEMO_STAFF: &[(&str, &str, &str, &str)] = &[
    ("manager", "张客户经理", "customer_manager", "PD"),
    ("reviewer", "李审查", "reviewer", "PD"),
    ("approver", "王审批", "approver", "HQ"),
    ("finance", "赵财务", "finance", "HQ"),
    ("risk", "钱风控", "risk", "HQ"),
    ("auditor", "孙稽核", "auditor", "HQ"),
];
/// Demo jurisdiction: Shanghai.
const DEMO_JURISDICTION: &str = "310000";

/// Sets up the demo and serves.
pub async fn run(state: AppState, addr: &str) -> anyhow::Result<()> {
    platform::migrate::migrate_database_with_prefix(&state.pool, &state.config.tenancy.role_prefix)
        .await?;
    platform::migrate::migrate_all_tenants(
        &state.pool,
        &state.config.tenancy.role_prefix,
        state.config.database.migrate_parallelism,
    )
    .await?;
    if tenancy::find(&state.pool, DEMO_TENANT).await?.is_none() {
        let created = provisioning::create_tenant(
            &state.pool,
            &state.config.tenancy.role_prefix,
            NewTenant {
                code: DEMO_TENANT.into(),
                name: "演示小额贷款有限公司".into(),
                jurisdiction: Some(DEMO_JURISDICTION.into()),
                status: "active".into(),
                admin_password: Some(DEMO_ADMIN_PASSWORD.into()),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        let mut tx = tenancy::begin(&state.pool, &created.tenant).await?;
        sqlx::query(
            "insert into branches (code, name) values ('PD', '浦东支行'), ('MH', '闵行支行')",
        )
        .execute(&mut *tx)
        .await?;
        let hash = platform::auth::password::hash(DEMO_STAFF_PASSWORD)?;
        for (username, name, role, branch) in DEMO_STAFF {
            sqlx::query(
                "with u as (
                     insert into users (username, display_name, password_hash, must_change_password, branch_id)
                     select $1, $2, $3, false, id from branches where code = $5 returning id)
                 insert into user_roles (user_id, role_code) select id, $4 from u",
            )
            .bind(username)
            .bind(name)
            .bind(&hash)
            .bind(role)
            .bind(branch)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    ensure_account(
        &state,
        Kind::Operator,
        "operator",
        "演示运营",
        Some(DEMO_OPERATOR_PASSWORD.into()),
        &[],
    )
    .await?;
    ensure_account(
        &state,
        Kind::Regulator,
        "regulator",
        "演示监管员",
        Some(DEMO_REGULATOR_PASSWORD.into()),
        &[DEMO_JURISDICTION.to_string()],
    )
    .await?;
    let base = format!("http://{addr}");
    println!();
    println!("Xiaodai 小贷云 demo is running on {base}");
    println!("  staff API      {base}/api/v1          docs {base}/api/v1/docs");
    println!("  operators API  {base}/ops/v1          docs {base}/ops/v1/docs");
    println!("  regulators API {base}/supervision/v1  docs {base}/supervision/v1/docs");
    println!();
    println!("Demo logins (POST <base>/auth/login):");
    println!("  staff      tenant={DEMO_TENANT} username=admin password={DEMO_ADMIN_PASSWORD}");
    println!(
        "  staff      tenant={DEMO_TENANT} username=manager|reviewer|approver|finance|risk|auditor password={DEMO_STAFF_PASSWORD}"
    );
    println!("  operator   username=operator password={DEMO_OPERATOR_PASSWORD}");
    println!("  regulator  username=regulator password={DEMO_REGULATOR_PASSWORD}");
    println!();
    println!("Press Ctrl-C to stop.");
    crate::app::serve(state, addr).await
}
