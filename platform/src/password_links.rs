//! One-time links to set a password: the first admin after sign-up, or a
//! fresh link an operator sends. The token is 32 random bytes; the tenant's
//! `password_tokens` keeps only its SHA-256. A link works once, until it
//! expires; using it sets the password and clears "must change".

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use poem::http::StatusCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::{
    audit::{self, Actor, Change, Trail},
    auth::{login::MIN_PASSWORD_LEN, password},
    error::{ApiError, ApiResult},
    notify::email::{escape_html, Email},
    state::AppState,
    tenancy::{self, Standing},
};

/// A link just issued.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub token_id: i64,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// Issues a set-password token for `user_id` inside a tenant transaction.
pub async fn issue(
    conn: &mut PgConnection,
    user_id: i64,
    valid_for: Duration,
) -> sqlx::Result<IssuedLink> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = Utc::now() + valid_for;
    let token_id: i64 = sqlx::query_scalar(
        "insert into password_tokens (user_id, token_sha256, purpose, expires_at)
         values ($1, $2, 'set_password', $3) returning id",
    )
    .bind(user_id)
    .bind(digest(&token))
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok(IssuedLink {
        token_id,
        token,
        expires_at,
    })
}

/// The email carrying a set-password link.
pub fn email(
    state: &AppState,
    to: identifiers::EmailAddress,
    to_name: Option<String>,
    tenant_code: &str,
    company: &str,
    username: &str,
    link: &IssuedLink,
) -> Email {
    let url = format!(
        "{}/set-password?tenant={tenant_code}&token={}",
        state.config.server.public_url.trim_end_matches('/'),
        link.token
    );
    let expires = (link.expires_at + Duration::hours(8)).format("%Y-%m-%d %H:%M");
    let text = format!(
        "您好：\n\n「{company}」已在小贷云开通（租户代码 {tenant_code}）。请在 {expires}（北京时间）前打开以下链接，为管理员账号 {username} 设置密码，然后登录：\n\n{url}\n\n链接只能使用一次。\n\nTenant: {tenant_code}\nUsername: {username}\nPassword link token: {}\n",
        link.token
    );
    let html = format!(
        "<p>您好：</p><p>「{}」已在小贷云开通（租户代码 <b>{tenant_code}</b>）。请在 {expires}（北京时间）前打开以下链接，为管理员账号 <b>{}</b> 设置密码，然后登录：</p><p><a href=\"{url}\">设置密码</a></p><p>链接只能使用一次。</p>",
        escape_html(company),
        escape_html(username)
    );
    Email {
        id: format!("set-password-{tenant_code}-{}", link.token_id),
        to,
        to_name,
        subject: format!("小贷云：为 {company} 的管理员设置密码"),
        text,
        html: Some(html),
    }
}

fn invalid() -> ApiError {
    ApiError::bad_request(
        "password_link_invalid",
        "this password link is not valid; ask for a new one",
    )
}

/// Sets a user's password with a one-time link (public: the link is the
/// credential). Refuses unknown (`password_link_invalid`), used
/// (`password_link_used`) and expired (`password_link_expired`) links.
pub async fn redeem(
    state: &AppState,
    tenant_code: &str,
    token: &str,
    new_password: &str,
    ip: Option<String>,
    user_agent: Option<String>,
) -> ApiResult<String> {
    let Some(found) = tenancy::find(&state.pool, tenant_code).await? else {
        return Err(invalid());
    };
    if found.standing() == Standing::Closed {
        return Err(invalid());
    }
    let mut tx = tenancy::begin(&state.pool, &found.tenant).await?;
    #[derive(sqlx::FromRow)]
    struct Token {
        id: i64,
        user_id: i64,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
        username: String,
    }
    let row: Option<Token> = sqlx::query_as(
        "select t.id, t.user_id, t.expires_at, t.used_at, u.username
           from password_tokens t join users u on u.id = t.user_id
          where t.token_sha256 = $1 for update of t",
    )
    .bind(digest(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Token {
        id: token_id,
        user_id,
        expires_at,
        used_at,
        username,
    }) = row
    else {
        return Err(invalid());
    };
    if used_at.is_some() {
        return Err(ApiError::conflict(
            "password_link_used",
            "this password link was already used; log in, or ask for a new link",
        ));
    }
    if expires_at <= Utc::now() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "password_link_expired",
            "this password link has expired; ask for a new one",
        ));
    }
    password::check_policy(&username, new_password, MIN_PASSWORD_LEN)?;
    let hash = password::hash(new_password)?;
    sqlx::query("update users set password_hash = $2, must_change_password = false where id = $1")
        .bind(user_id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update password_tokens set used_at = now() where user_id = $1 and used_at is null",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let actor = Actor {
        kind: "staff",
        id: Some(user_id),
        name: username.clone(),
        request_id: Some(crate::http::request_id::current()),
        ip,
        user_agent,
        ..Default::default()
    };
    audit::record(
        &mut tx,
        Trail::Tenant,
        &actor,
        Change {
            action: "user.set_password",
            entity_type: "user",
            entity_id: Some(user_id.to_string()),
            before: None,
            after: Some(serde_json::json!({"password_link": token_id})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(username)
}
