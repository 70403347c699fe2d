//! Login, password change and logout, the same for all three audiences:
//! lockout after repeated failures (Redis counters), the password policy
//! (length, not the username, not one of the last passwords), and every
//! login, failure and lockout on the audit trail of the account's world.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem_openapi::Object;

use super::{
    directory::{Account, Directory},
    lockout::{self, Policy},
    password,
    session::Session,
};
use crate::{
    audit::{self, Actor, Change},
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The minimum password length of the default policy.
pub const MIN_PASSWORD_LEN: usize = 10;

/// A successful login.
#[derive(Debug, Object)]
pub struct LoginResponse {
    /// Opaque bearer token for the `Authorization` header.
    pub token: String,
    /// When the token expires at the latest (it also expires when idle).
    pub expires_at: DateTime<Utc>,
    /// True for a one-time password: change it before anything else.
    pub must_change_password: bool,
}

/// A password change.
#[derive(Debug, Object)]
pub struct ChangePasswordRequest {
    pub old_password: String,
    pub new_password: String,
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// The origin of a request (the peer address, or the client named by a
    /// trusted proxy).
    pub fn of(req: &poem::Request, state: &AppState) -> Self {
        Self {
            ip: Some(crate::http::client::ip(
                req,
                &state.config.server.trusted_proxies,
            )),
            user_agent: crate::http::client::user_agent(req),
        }
    }
}

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "wrong username or password")
}

fn actor_kind(directory: &Directory) -> &'static str {
    match directory {
        Directory::Staff(_) => "staff",
        Directory::Operators => "operator",
        Directory::Regulators => "regulator",
    }
}

/// Writes an authentication event on the directory's trail.
async fn audit_auth(
    state: &AppState,
    directory: &Directory,
    account: Option<&Account>,
    username: &str,
    origin: &Origin,
    action: &str,
) -> ApiResult<()> {
    let actor = Actor {
        kind: if account.is_some() {
            actor_kind(directory)
        } else {
            "anonymous"
        },
        id: account.map(|a| a.id),
        name: username.chars().take(64).collect(),
        roles: Vec::new(),
        request_id: Some(crate::http::request_id::current()),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    let mut tx = directory.begin(&state.pool).await?;
    let change = Change {
        action,
        entity_type: actor_kind(directory),
        entity_id: account.map(|a| a.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&mut tx, directory.trail(), &actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a username and password against a directory and opens a session.
pub async fn login(
    state: &AppState,
    directory: Directory,
    username: &str,
    password_text: &str,
) -> ApiResult<LoginResponse> {
    login_from(
        state,
        directory,
        username,
        password_text,
        &Origin::default(),
    )
    .await
}

/// [`login`], with the request's origin for the audit trail.
pub async fn login_from(
    state: &AppState,
    directory: Directory,
    username: &str,
    password_text: &str,
    origin: &Origin,
) -> ApiResult<LoginResponse> {
    let policy = lockout::policy(&state.pool, &directory).await?;
    if let Some(seconds) = lockout::locked(&state.redis, &directory, username).await? {
        password::dummy_verify(password_text);
        let account = directory.find(&state.pool, username).await?;
        audit_auth(
            state,
            &directory,
            account.as_ref(),
            username,
            origin,
            "auth.login_refused_locked",
        )
        .await?;
        return Err(ApiError::new(
            StatusCode::LOCKED,
            "account_locked",
            format!(
                "too many failed logins; try again in {} minutes",
                (seconds + 59) / 60
            ),
        ));
    }
    let account = directory.find(&state.pool, username).await?;
    let verified = match &account {
        Some(a) => password::verify(&a.password_hash, password_text),
        None => {
            password::dummy_verify(password_text);
            false
        }
    };
    if !verified {
        audit_auth(
            state,
            &directory,
            account.as_ref(),
            username,
            origin,
            "auth.login_failed",
        )
        .await?;
        if lockout::failed(&state.redis, &directory, username, &policy).await? {
            audit_auth(
                state,
                &directory,
                account.as_ref(),
                username,
                origin,
                "auth.lockout",
            )
            .await?;
        }
        return Err(bad_credentials());
    }
    let Some(account) = account else {
        return Err(bad_credentials());
    };
    if !account.active {
        return Err(ApiError::forbidden(
            "account_disabled",
            "this account is disabled",
        ));
    }
    lockout::succeeded(&state.redis, &directory, username).await?;
    let tenant = match &directory {
        Directory::Staff(t) => Some(t.clone()),
        _ => None,
    };
    let (token, session) = state
        .sessions
        .create(
            directory.realm(),
            tenant,
            account.id,
            &account.username,
            account.must_change_password,
            account.branch_id,
        )
        .await?;
    audit_auth(
        state,
        &directory,
        Some(&account),
        &account.username,
        origin,
        "auth.login",
    )
    .await?;
    Ok(LoginResponse {
        token,
        expires_at: session.expires_at,
        must_change_password: account.must_change_password,
    })
}

/// Checks a new password against a policy: length, not the username, not
/// the current nor one of the last `password_history` passwords.
pub fn check_new_password(policy: &Policy, account: &Account, new_password: &str) -> ApiResult<()> {
    password::check_policy(
        &account.username,
        new_password,
        policy.min_password_length.max(MIN_PASSWORD_LEN),
    )?;
    let reused = std::iter::once(&account.password_hash)
        .chain(
            account
                .previous_password_hashes
                .iter()
                .take(policy.password_history),
        )
        .any(|h| password::verify(h, new_password));
    if reused {
        return Err(ApiError::validation(
            "new_password",
            "password_reused",
            format!(
                "the new password must differ from the current one and the last {}",
                policy.password_history
            ),
        ));
    }
    Ok(())
}

/// Changes the session user's password (the old one is required).
pub async fn change_password(
    state: &AppState,
    directory: Directory,
    session: &Session,
    req: &ChangePasswordRequest,
) -> ApiResult<()> {
    let account = directory
        .find_by_id(&state.pool, session.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "the account no longer exists"))?;
    if !password::verify(&account.password_hash, &req.old_password) {
        return Err(ApiError::validation(
            "old_password",
            "wrong_password",
            "the old password is wrong",
        ));
    }
    let policy = lockout::policy(&state.pool, &directory).await?;
    check_new_password(&policy, &account, &req.new_password)?;
    let hash = password::hash(&req.new_password)?;
    let mut tx = directory.begin(&state.pool).await?;
    directory
        .set_password(&mut tx, account.id, &hash, policy.password_history)
        .await?;
    let actor = Actor::from_session(session, None, None);
    let change = Change {
        action: "auth.password_change",
        entity_type: actor_kind(&directory),
        entity_id: Some(account.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&mut tx, directory.trail(), &actor, change).await?;
    tx.commit().await?;
    let mut updated = session.clone();
    updated.must_change_password = false;
    state.sessions.update(&updated).await?;
    Ok(())
}
