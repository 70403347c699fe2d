//! Message templates per tenant, kind and channel (Chinese defaults come
//! with the migration). Saving a template that does not render is refused
//! with 422 naming the field; an SMS template may map to the provider's
//! registered template (Aliyun TemplateCode) and its variables.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    notify::Channel,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};
use sqlx::PgConnection;

use super::template;
use crate::ApiTag;

/// The kinds of message a template is for.
pub const KINDS: [&str; 3] = [
    "reminder_before_due",
    "reminder_due_today",
    "reminder_overdue",
];

/// The template kind of a reminder `days` from its due date.
pub fn reminder_kind(days: i32) -> &'static str {
    match days {
        d if d < 0 => "reminder_before_due",
        0 => "reminder_due_today",
        _ => "reminder_overdue",
    }
}

/// A template.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct MessageTemplate {
    /// `reminder_before_due`, `reminder_due_today` or `reminder_overdue`.
    pub kind: String,
    /// `sms` or `email`.
    pub channel: String,
    /// Email subject (email only), with placeholders.
    pub subject: Option<String>,
    /// The text with placeholders `{borrower_name}`, `{amount_due}`, `{due_date}`,
    /// `{contract_number}`, `{company_name}`, `{link}`.
    pub body: String,
    /// The provider's registered template code (Aliyun TemplateCode), SMS only.
    pub provider_template_code: Option<String>,
    /// Provider template variable → placeholder, e.g. `{"name": "borrower_name"}`.
    pub provider_params: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

/// A template's new content.
#[derive(Debug, Clone, Object)]
pub struct PutTemplate {
    /// Required for email, absent for SMS.
    pub subject: Option<String>,
    pub body: String,
    pub provider_template_code: Option<String>,
    /// Provider variable → placeholder name.
    pub provider_params: Option<BTreeMap<String, String>>,
}

const COLUMNS: &str =
    "kind, channel, subject, body, provider_template_code, provider_params, updated_at";

/// A template by kind and channel.
pub async fn load(
    conn: &mut PgConnection,
    kind: &str,
    channel: Channel,
) -> sqlx::Result<Option<MessageTemplate>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from message_templates where kind = $1 and channel = $2"
    ))
    .bind(kind)
    .bind(channel.as_str())
    .fetch_optional(conn)
    .await
}

fn template_error(field: &str, err: template::TemplateError) -> ApiError {
    ApiError::validation(field, err.code, err.message)
}

fn validate(channel: Channel, body: &PutTemplate) -> ApiResult<BTreeMap<String, String>> {
    let limit = if channel == Channel::Sms { 500 } else { 4000 };
    if body.body.chars().count() > limit {
        return Err(ApiError::validation(
            "body",
            "template_too_long",
            format!("at most {limit} characters"),
        ));
    }
    template::parse(&body.body).map_err(|e| template_error("body", e))?;
    match (channel, &body.subject) {
        (Channel::Email, None) => {
            return Err(ApiError::validation(
                "subject",
                "subject_required",
                "an email needs a subject",
            ))
        }
        (Channel::Email, Some(subject)) => {
            if subject.chars().count() > 200 {
                return Err(ApiError::validation(
                    "subject",
                    "template_too_long",
                    "at most 200 characters",
                ));
            }
            template::parse(subject).map_err(|e| template_error("subject", e))?;
        }
        (Channel::Sms, Some(_)) => {
            return Err(ApiError::validation(
                "subject",
                "subject_not_allowed",
                "an SMS has no subject",
            ))
        }
        (Channel::Sms, None) => {}
    }
    let params = body.provider_params.clone().unwrap_or_default();
    if channel == Channel::Email && (body.provider_template_code.is_some() || !params.is_empty()) {
        return Err(ApiError::validation(
            "provider_template_code",
            "provider_template_not_allowed",
            "provider templates are for SMS only",
        ));
    }
    if let Some(code) = &body.provider_template_code {
        let ok = (1..=64).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(ApiError::validation(
                "provider_template_code",
                "invalid_provider_template_code",
                "1 to 64 letters, digits or _, e.g. SMS_123456789",
            ));
        }
    }
    template::check_provider_params(&params)
        .map_err(|(key, e)| template_error(&format!("provider_params.{key}"), e))?;
    Ok(params)
}

fn parse_key(kind: &str, channel: &str) -> ApiResult<(&'static str, Channel)> {
    let kind = KINDS.iter().find(|k| **k == kind).ok_or_else(|| {
        ApiError::validation(
            "kind",
            "invalid_template_kind",
            format!("kind is one of {}", KINDS.join(", ")),
        )
    })?;
    let channel = Channel::parse(channel).ok_or_else(|| {
        ApiError::validation("channel", "invalid_channel", "channel is sms or email")
    })?;
    Ok((kind, channel))
}

/// Template endpoints.
pub struct TemplatesApi;

#[OpenApi(tag = "ApiTag::Messaging")]
impl TemplatesApi {
    /// Every template of the company.
    #[oai(
        path = "/message-templates",
        method = "get",
        operation_id = "list_message_templates"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<Vec<MessageTemplate>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let items = sqlx::query_as(&format!(
            "select {COLUMNS} from message_templates order by kind, channel"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Replace the template of a kind and channel (refused with 422 if it would not render).
    #[oai(
        path = "/message-templates/:kind/:channel",
        method = "put",
        operation_id = "put_message_template"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        kind: Path<String>,
        channel: Path<String>,
        body: Json<PutTemplate>,
    ) -> ApiResult<Json<MessageTemplate>> {
        let (kind, channel) = parse_key(&kind.0, &channel.0)?;
        let params = validate(channel, &body)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = sqlx::query_as::<_, MessageTemplate>(&format!(
            "select {COLUMNS} from message_templates where kind = $1 and channel = $2 for update"
        ))
        .bind(kind)
        .bind(channel.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let saved: MessageTemplate = sqlx::query_as(&format!(
            "insert into message_templates (kind, channel, subject, body, provider_template_code, provider_params)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (kind, channel) do update set subject = excluded.subject, body = excluded.body,
                 provider_template_code = excluded.provider_template_code, provider_params = excluded.provider_params
             returning {COLUMNS}"
        ))
        .bind(kind)
        .bind(channel.as_str())
        .bind(&body.subject)
        .bind(&body.body)
        .bind(&body.provider_template_code)
        .bind(serde_json::to_value(&params).map_err(anyhow::Error::from)?)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: "message_template.update",
            entity_type: "message_template",
            entity_id: Some(format!("{kind}/{channel}")),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&saved).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(saved))
    }
}
