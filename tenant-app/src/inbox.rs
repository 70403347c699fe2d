//! Staff in-app messages (站内信): the next approver of an application, the
//! applicant on a return or a decision. `GET /api/v1/inbox` lists one's own.

use chrono::{DateTime, Utc};
use platform::{
    auth::StaffAuth,
    pagination::{Page, Paging},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};

use crate::ApiTag;

/// Permissions of these endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/inbox", "self"),
    platform::rbac::RouteRule::new("POST", "/api/v1/inbox/:id/read", "self"),
];

/// A message.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
#[oai(rename = "InboxMessage")]
pub struct Message {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Sends a message to users, in the caller's transaction.
pub async fn send(
    tx: &mut TenantTx,
    users: &[i64],
    subject: &str,
    body: &str,
    entity: (&str, i64),
) -> ApiResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into messages (user_id, subject, body, entity_type, entity_id)
         select u, $2, $3, $4, $5 from unnest($1::bigint[]) u",
    )
    .bind(users)
    .bind(subject)
    .bind(body)
    .bind(entity.0)
    .bind(entity.1)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const COLS: &str = "id, subject, body, entity_type, entity_id, read_at, created_at";

/// Inbox endpoints.
pub struct InboxApi;

#[OpenApi(tag = "ApiTag::Approval")]
impl InboxApi {
    /// The caller's messages, newest first; `unread=true` for the unread ones.
    #[oai(path = "/inbox", method = "get", operation_id = "list_inbox")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        unread: Query<Option<bool>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Message>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let only_unread = unread.0.unwrap_or(false);
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from messages where user_id = $1 and (not $2 or read_at is null)",
        )
        .bind(auth.0.session.user_id)
        .bind(only_unread)
        .fetch_one(&mut *tx)
        .await?;
        let items = sqlx::query_as(&format!(
            "select {COLS} from messages where user_id = $1 and (not $2 or read_at is null) order by id desc limit $3 offset $4"
        ))
        .bind(auth.0.session.user_id)
        .bind(only_unread)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Mark one of the caller's messages read.
    #[oai(
        path = "/inbox/:id/read",
        method = "post",
        operation_id = "read_inbox_message"
    )]
    async fn read(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Message>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let m: Message = sqlx::query_as(&format!(
            "update messages set read_at = coalesce(read_at, now()) where id = $1 and user_id = $2 returning {COLS}"
        ))
        .bind(id.0)
        .bind(auth.0.session.user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("message"))?;
        tx.commit().await?;
        Ok(Json(m))
    }
}
