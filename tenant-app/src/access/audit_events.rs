//! The company's audit trail (审计日志), read-only, filtered and paginated.

use chrono::{DateTime, Utc};
use platform::{
    auth::StaffAuth,
    pagination::{Page, Paging},
    rbac::RouteRule,
    tenancy, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, Object, OpenApi};

use crate::ApiTag;

/// Permissions of the audit endpoints.
pub const ROUTES: &[RouteRule] = &[RouteRule::new("GET", "/api/v1/audit-events", "audit.read")];

/// One audit record.
#[derive(Debug, Object, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// staff, operator, regulator, system or anonymous.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_roles: Vec<String>,
    /// e.g. `branch.create`, `auth.login_failed`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// `{"field": [old, new]}`.
    pub diff: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The position in the hash chain, once sealed.
    pub chain_seq: Option<i64>,
}

/// Audit endpoints.
pub struct AuditEventsApi;

#[OpenApi(tag = "ApiTag::Access")]
impl AuditEventsApi {
    /// Audit records, newest first, filtered by actor, action (prefix with
    /// `.`, e.g. `auth.`), entity and time.
    #[oai(
        path = "/audit-events",
        method = "get",
        operation_id = "list_audit_events"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        actor_id: Query<Option<i64>>,
        /// An exact action, or a prefix ending in `.`.
        action: Query<Option<String>>,
        entity_type: Query<Option<String>>,
        entity_id: Query<Option<String>>,
        /// From this time (inclusive).
        from: Query<Option<DateTime<Utc>>>,
        /// Before this time.
        to: Query<Option<DateTime<Utc>>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<AuditEvent>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let action_pattern = action.0.as_deref().map(|a| {
            let escaped = a
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            if a.ends_with('.') {
                format!("{escaped}%")
            } else {
                escaped
            }
        });
        let filter = "where ($1::bigint is null or actor_id = $1)
             and ($2::text is null or action like $2)
             and ($3::text is null or entity_type = $3)
             and ($4::text is null or entity_id = $4)
             and ($5::timestamptz is null or occurred_at >= $5)
             and ($6::timestamptz is null or occurred_at < $6)";
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(&format!("select count(*) from audit_events {filter}"))
            .bind(actor_id.0)
            .bind(&action_pattern)
            .bind(&entity_type.0)
            .bind(&entity_id.0)
            .bind(from.0)
            .bind(to.0)
            .fetch_one(&mut *tx)
            .await?;
        let items: Vec<AuditEvent> = sqlx::query_as(&format!(
            "select id, occurred_at, actor_kind, actor_id, actor_name, actor_roles, action, entity_type,
                    entity_id, before, after, diff, request_id, ip, user_agent, chain_seq
               from audit_events {filter} order by id desc limit $7 offset $8"
        ))
        .bind(actor_id.0)
        .bind(&action_pattern)
        .bind(&entity_type.0)
        .bind(&entity_id.0)
        .bind(from.0)
        .bind(to.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }
}
