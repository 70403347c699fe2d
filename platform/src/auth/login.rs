//! Login, password change and logout, the same for all three audiences.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use super::{directory::Directory, password, session::Session};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The minimum password length before tenant policies exist.
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

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "wrong username or password")
}

/// Checks a username and password against a directory and opens a session.
pub async fn login(
    state: &AppState,
    directory: Directory,
    username: &str,
    password_text: &str,
) -> ApiResult<LoginResponse> {
    let account = directory.find(&state.pool, username).await?;
    let Some(account) = account else {
        password::dummy_verify(password_text);
        return Err(bad_credentials());
    };
    if !password::verify(&account.password_hash, password_text) {
        return Err(bad_credentials());
    }
    if !account.active {
        return Err(ApiError::forbidden(
            "account_disabled",
            "this account is disabled",
        ));
    }
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
        )
        .await?;
    Ok(LoginResponse {
        token,
        expires_at: session.expires_at,
        must_change_password: account.must_change_password,
    })
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
    password::check_policy(&account.username, &req.new_password, MIN_PASSWORD_LEN)?;
    if req.new_password == req.old_password {
        return Err(ApiError::validation(
            "new_password",
            "password_reused",
            "the new password must differ from the old one",
        ));
    }
    let hash = password::hash(&req.new_password)?;
    directory
        .set_password(&state.pool, account.id, &hash)
        .await?;
    let mut updated = session.clone();
    updated.must_change_password = false;
    state.sessions.update(&updated).await?;
    Ok(())
}
