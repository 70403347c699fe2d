//! Opt-outs: a recipient who asked not to be messaged on a channel. Until
//! customers exist they are keyed by the recipient itself (mobile number or
//! email address) and channel. The dispatcher skips their messages.

use chrono::{DateTime, Utc};
use identifiers::{EmailAddress, MobileNumber};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    notify::Channel,
    pagination::{Page, Paging},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use sqlx::PgConnection;

use crate::ApiTag;

/// The recipient in its stored form (mobile: 11 digits; email: domain in
/// lower case), or the validation error naming `field`.
pub fn normalise_recipient(field: &str, channel: Channel, recipient: &str) -> ApiResult<String> {
    match channel {
        Channel::Sms => MobileNumber::parse(recipient)
            .map(|m| m.as_str().to_string())
            .map_err(|e| ApiError::validation(field, e.code, e.message)),
        Channel::Email => EmailAddress::parse(recipient)
            .map(|m| m.as_str().to_string())
            .map_err(|e| ApiError::validation(field, e.code, e.message)),
    }
}

/// Whether a recipient opted out of a channel.
pub async fn is_opted_out(
    conn: &mut PgConnection,
    recipient: &str,
    channel: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from contact_opt_outs where recipient = $1 and channel = $2)",
    )
    .bind(recipient)
    .bind(channel)
    .fetch_one(conn)
    .await
}

/// An opt-out.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct OptOut {
    pub recipient: String,
    /// `sms` or `email`.
    pub channel: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A new opt-out.
#[derive(Debug, Clone, Object)]
pub struct NewOptOut {
    /// Mobile number or email address.
    pub recipient: String,
    pub channel: String,
    /// e.g. 借款人来电要求不再发送短信.
    pub reason: Option<String>,
}

#[derive(ApiResponse)]
enum CreatedOptOut {
    /// Created.
    #[oai(status = 201)]
    Created(Json<OptOut>),
}

fn parse_channel(text: &str) -> ApiResult<Channel> {
    Channel::parse(text).ok_or_else(|| {
        ApiError::validation("channel", "invalid_channel", "channel is sms or email")
    })
}

/// Opt-out endpoints.
pub struct OptOutsApi;

#[OpenApi(tag = "ApiTag::Messaging")]
impl OptOutsApi {
    /// List opt-outs.
    #[oai(
        path = "/contact-opt-outs",
        method = "get",
        operation_id = "list_contact_opt_outs"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        channel: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<OptOut>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if let Some(c) = channel.0.as_deref() {
            parse_channel(c)?;
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from contact_opt_outs where ($1::text is null or channel = $1)",
        )
        .bind(&channel.0)
        .fetch_one(&mut *tx)
        .await?;
        let items = sqlx::query_as(
            "select recipient, channel, reason, created_at from contact_opt_outs
              where ($1::text is null or channel = $1) order by created_at desc, recipient limit $2 offset $3",
        )
        .bind(&channel.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }

    /// Record that a recipient wants no more messages on a channel.
    #[oai(
        path = "/contact-opt-outs",
        method = "post",
        operation_id = "create_contact_opt_out"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewOptOut>,
    ) -> ApiResult<CreatedOptOut> {
        let channel = parse_channel(&body.channel)?;
        let recipient = normalise_recipient("recipient", channel, &body.recipient)?;
        let reason = body.reason.as_deref().unwrap_or("").trim().to_string();
        if reason.chars().count() > 500 {
            return Err(ApiError::validation(
                "reason",
                "invalid_reason",
                "at most 500 characters",
            ));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let created: OptOut = sqlx::query_as(
            "insert into contact_opt_outs (recipient, channel, reason) values ($1, $2, $3)
             returning recipient, channel, reason, created_at",
        )
        .bind(&recipient)
        .bind(channel.as_str())
        .bind(&reason)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("contact_opt_outs_pkey", || {
            ApiError::conflict(
                "opt_out_exists",
                "this recipient already opted out of this channel",
            )
        })?;
        let change = Change {
            action: "contact_opt_out.create",
            entity_type: "contact_opt_out",
            entity_id: Some(format!("{}/{}", channel, recipient)),
            before: None,
            after: serde_json::to_value(&created).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedOptOut::Created(Json(created)))
    }

    /// Remove an opt-out (the recipient agreed to messages again).
    #[oai(
        path = "/contact-opt-outs/:channel/:recipient",
        method = "delete",
        operation_id = "delete_contact_opt_out"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        channel: Path<String>,
        recipient: Path<String>,
    ) -> ApiResult<Json<OptOut>> {
        let channel = parse_channel(&channel.0)?;
        let recipient = normalise_recipient("recipient", channel, &recipient.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let removed: Option<OptOut> = sqlx::query_as(
            "delete from contact_opt_outs where recipient = $1 and channel = $2
             returning recipient, channel, reason, created_at",
        )
        .bind(&recipient)
        .bind(channel.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(removed) = removed else {
            return Err(ApiError::not_found("opt-out"));
        };
        let change = Change {
            action: "contact_opt_out.delete",
            entity_type: "contact_opt_out",
            entity_id: Some(format!("{}/{}", channel, recipient)),
            before: serde_json::to_value(&removed).ok(),
            after: None,
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(removed))
    }
}
