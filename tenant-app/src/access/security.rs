//! The company's password and lockout policy (安全策略).

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    rbac::RouteRule,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};

use crate::ApiTag;

/// Permissions of the policy endpoints.
pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/security-settings", "security.read"),
    RouteRule::new("PUT", "/api/v1/security-settings", "security.write"),
];

/// The password and lockout policy.
#[derive(Debug, Object, sqlx::FromRow, serde::Serialize)]
pub struct SecuritySettings {
    /// At least 10.
    pub min_password_length: i32,
    /// How many earlier passwords may not be reused (0–24).
    pub password_history: i32,
    /// Failed logins that lock the account…
    pub lockout_threshold: i32,
    /// …within this many minutes…
    pub lockout_window_minutes: i32,
    /// …for this many minutes.
    pub lockout_minutes: i32,
    #[oai(read_only)]
    #[serde(skip)]
    pub updated_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "select min_password_length, password_history, lockout_threshold,
        lockout_window_minutes, lockout_minutes, updated_at from security_settings";

fn check(s: &SecuritySettings) -> ApiResult<()> {
    let ranges: [(&str, i32, i32, i32); 5] = [
        ("min_password_length", s.min_password_length, 10, 128),
        ("password_history", s.password_history, 0, 24),
        ("lockout_threshold", s.lockout_threshold, 1, 100),
        ("lockout_window_minutes", s.lockout_window_minutes, 1, 1440),
        ("lockout_minutes", s.lockout_minutes, 1, 1440),
    ];
    for (field, v, lo, hi) in ranges {
        if !(lo..=hi).contains(&v) {
            return Err(ApiError::validation(
                field,
                "out_of_range",
                format!("{field} must be between {lo} and {hi}"),
            ));
        }
    }
    Ok(())
}

/// Policy endpoints.
pub struct SecurityApi;

#[OpenApi(tag = "ApiTag::Access")]
impl SecurityApi {
    /// The password and lockout policy.
    #[oai(
        path = "/security-settings",
        method = "get",
        operation_id = "get_security_settings"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<SecuritySettings>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let s: SecuritySettings = sqlx::query_as(SELECT).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Json(s))
    }

    /// Replace the password and lockout policy.
    #[oai(
        path = "/security-settings",
        method = "put",
        operation_id = "put_security_settings"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<SecuritySettings>,
    ) -> ApiResult<Json<SecuritySettings>> {
        check(&body)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before: SecuritySettings = sqlx::query_as(&format!("{SELECT} for update"))
            .fetch_one(&mut *tx)
            .await?;
        let after: SecuritySettings = sqlx::query_as(
            "update security_settings set min_password_length = $1, password_history = $2,
                    lockout_threshold = $3, lockout_window_minutes = $4, lockout_minutes = $5
             returning min_password_length, password_history, lockout_threshold,
                       lockout_window_minutes, lockout_minutes, updated_at",
        )
        .bind(body.min_password_length)
        .bind(body.password_history)
        .bind(body.lockout_threshold)
        .bind(body.lockout_window_minutes)
        .bind(body.lockout_minutes)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: "security_settings.update",
            entity_type: "security_settings",
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
