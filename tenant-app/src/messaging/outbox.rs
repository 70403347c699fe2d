//! The outbox: messages waiting to be sent, being sent, or done with, and
//! the staff's work lists (`in_doubt`, `failed_permanent`). Producers (close
//! of business) add rows with [`enqueue`] inside their own transaction; the
//! dispatcher sends them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    notify::Channel,
    pagination::{Page, Paging},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::ApiTag;

/// Every status a message can be in.
pub const STATUSES: [&str; 7] = [
    "pending",
    "deferred",
    "sending",
    "sent",
    "in_doubt",
    "failed_permanent",
    "skipped",
];

/// A message to add to the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The producer's unique key; a second enqueue with it adds nothing.
    /// Reminders: `inst:<installment id>:<offset days>:<channel>`.
    pub dedupe_key: String,
    pub channel: Channel,
    /// Mobile number (11 digits) or email address, already validated.
    pub recipient: String,
    pub recipient_name: Option<String>,
    /// e.g. `reminder_overdue`.
    pub template_kind: String,
    pub subject: Option<String>,
    /// The rendered text.
    pub content: String,
    pub sign_name: Option<String>,
    pub provider_template_code: Option<String>,
    pub provider_params: BTreeMap<String, String>,
    /// The moment the message is meant for (not sent before it).
    pub due_at: DateTime<Utc>,
    /// Not sent after this: skipped instead.
    pub expires_at: DateTime<Utc>,
}

/// Adds a message unless its dedupe key is taken; returns the new id. Runs
/// in the caller's tenant transaction and writes the audit record there.
pub async fn enqueue(
    conn: &mut PgConnection,
    message: &NewMessage,
    actor: &Actor,
) -> anyhow::Result<Option<Uuid>> {
    let id = Uuid::new_v4();
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "insert into message_outbox (id, dedupe_key, channel, recipient, recipient_name, template_kind, subject,
                content, sign_name, provider_template_code, provider_params, due_at, not_before, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
         on conflict (dedupe_key) do nothing
         returning id",
    )
    .bind(id)
    .bind(&message.dedupe_key)
    .bind(message.channel.as_str())
    .bind(&message.recipient)
    .bind(&message.recipient_name)
    .bind(&message.template_kind)
    .bind(&message.subject)
    .bind(&message.content)
    .bind(&message.sign_name)
    .bind(&message.provider_template_code)
    .bind(serde_json::to_value(&message.provider_params)?)
    .bind(message.due_at)
    .bind(message.expires_at)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        let change = Change {
            action: "message.enqueue",
            entity_type: "message",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "dedupe_key": message.dedupe_key, "channel": message.channel, "template_kind": message.template_kind,
                "due_at": message.due_at, "expires_at": message.expires_at, "status": "pending",
            })),
        };
        audit::record(conn, Trail::Tenant, actor, change).await?;
    }
    Ok(inserted)
}

/// A message in the outbox.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct OutboxMessage {
    /// Stable id; the provider's idempotency key.
    pub id: Uuid,
    pub dedupe_key: String,
    pub channel: String,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub template_kind: String,
    pub subject: Option<String>,
    pub content: String,
    pub sign_name: Option<String>,
    pub provider_template_code: Option<String>,
    pub provider_params: serde_json::Value,
    /// `pending`, `deferred`, `sending`, `sent`, `in_doubt`, `failed_permanent` or `skipped`.
    pub status: String,
    /// Why it was skipped, deferred or failed, or how it was resolved.
    pub status_reason: Option<String>,
    pub due_at: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub attempts: i32,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every column of [`OutboxMessage`].
pub const COLUMNS: &str = "id, dedupe_key, channel, recipient, recipient_name, template_kind, subject, content,
    sign_name, provider_template_code, provider_params, status, status_reason, due_at, not_before, expires_at,
    attempts, provider, provider_message_id, sent_at, created_at, updated_at";

/// One attempt to hand a message to a provider.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct MessageAttempt {
    pub attempt: i32,
    pub provider: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `sent`, `transient`, `permanent`, `in_doubt`, `not_received`; null while in flight.
    pub outcome: Option<String>,
    pub provider_response: Option<String>,
}

/// A message with its attempts.
#[derive(Debug, Clone, Object)]
pub struct OutboxMessageDetail {
    pub message: OutboxMessage,
    pub attempt_log: Vec<MessageAttempt>,
}

/// How staff settle a message left in doubt.
#[derive(Debug, Clone, Object)]
pub struct ResolveMessage {
    /// `sent` (the provider did deliver it) or `not_sent` (send it again).
    pub outcome: String,
    /// Why, e.g. what the provider's console showed (1 to 500 characters).
    pub reason: String,
}

/// Outbox endpoints.
pub struct OutboxApi;

#[OpenApi(tag = "ApiTag::Messaging")]
impl OutboxApi {
    /// List messages, newest first; `status=in_doubt` and `status=failed_permanent` are the work lists.
    #[oai(path = "/messages", method = "get", operation_id = "list_messages")]
    #[allow(clippy::too_many_arguments)] // one parameter per query filter
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// One of the message statuses.
        status: Query<Option<String>>,
        /// `sms` or `email`.
        channel: Query<Option<String>>,
        /// Exact recipient.
        recipient: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<OutboxMessage>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if status.0.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
            return Err(ApiError::validation(
                "status",
                "invalid_status",
                format!("status is one of {}", STATUSES.join(", ")),
            ));
        }
        if channel
            .0
            .as_deref()
            .is_some_and(|c| Channel::parse(c).is_none())
        {
            return Err(ApiError::validation(
                "channel",
                "invalid_channel",
                "channel is sms or email",
            ));
        }
        const WHERE: &str =
            "($1::text is null or status = $1) and ($2::text is null or channel = $2)
            and ($3::text is null or recipient = $3)";
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "select count(*) from message_outbox where {WHERE}"
        ))
        .bind(&status.0)
        .bind(&channel.0)
        .bind(&recipient.0)
        .fetch_one(&mut *tx)
        .await?;
        let items = sqlx::query_as(&format!(
            "select {COLUMNS} from message_outbox where {WHERE} order by created_at desc, id limit $4 offset $5"
        ))
        .bind(&status.0)
        .bind(&channel.0)
        .bind(&recipient.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// One message with every attempt.
    #[oai(path = "/messages/:id", method = "get", operation_id = "get_message")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<OutboxMessageDetail>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let message: Option<OutboxMessage> = sqlx::query_as(&format!(
            "select {COLUMNS} from message_outbox where id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(message) = message else {
            return Err(ApiError::not_found("message"));
        };
        let attempt_log = sqlx::query_as(
            "select attempt, provider, started_at, finished_at, outcome, provider_response
               from message_attempts where message_id = $1 order by attempt",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(OutboxMessageDetail {
            message,
            attempt_log,
        }))
    }

    /// Settle a message in doubt: `sent` closes it, `not_sent` puts it back in the queue.
    #[oai(
        path = "/messages/:id/resolve",
        method = "post",
        operation_id = "resolve_message"
    )]
    async fn resolve(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<Uuid>,
        body: Json<ResolveMessage>,
    ) -> ApiResult<Json<OutboxMessage>> {
        let sent = match body.outcome.as_str() {
            "sent" => true,
            "not_sent" => false,
            _ => {
                return Err(ApiError::validation(
                    "outcome",
                    "invalid_outcome",
                    "outcome is sent or not_sent",
                ))
            }
        };
        let reason = body.reason.trim();
        if !(1..=500).contains(&reason.chars().count()) {
            return Err(ApiError::validation(
                "reason",
                "invalid_reason",
                "a reason of 1 to 500 characters",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before: Option<OutboxMessage> = sqlx::query_as(&format!(
            "select {COLUMNS} from message_outbox where id = $1 for update"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before else {
            return Err(ApiError::not_found("message"));
        };
        if before.status != "in_doubt" {
            return Err(ApiError::conflict(
                "message_not_in_doubt",
                format!(
                    "only messages in doubt are resolved; this one is {}",
                    before.status
                ),
            ));
        }
        let settings = super::settings::load(&mut tx, false).await?;
        let status_reason = format!("resolved by {}: {reason}", auth.0.actor.name);
        let after: OutboxMessage = if sent {
            sqlx::query_as(&format!(
                "update message_outbox set status = 'sent', sent_at = now(), status_reason = $2
                  where id = $1 returning {COLUMNS}"
            ))
            .bind(id.0)
            .bind(&status_reason)
            .fetch_one(&mut *tx)
            .await?
        } else {
            // Staff asked for it to go out: give it a fresh window to be sent in.
            sqlx::query_as(&format!(
                "update message_outbox set status = 'pending', not_before = now(), status_reason = $2,
                        expires_at = greatest(expires_at, now() + make_interval(hours => $3))
                  where id = $1 returning {COLUMNS}"
            ))
            .bind(id.0)
            .bind(&status_reason)
            .bind(settings.late_window_hours)
            .fetch_one(&mut *tx)
            .await?
        };
        let change = Change {
            action: if sent {
                "message.resolve_sent"
            } else {
                "message.resolve_not_sent"
            },
            entity_type: "message",
            entity_id: Some(id.0.to_string()),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
