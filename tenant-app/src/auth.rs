//! Staff login, password change and logout.

use platform::{
    auth::{
        directory::Directory,
        login::{self, ChangePasswordRequest, LoginResponse},
        Realm, StaffAuth,
    },
    http::client,
    lifecycle, password_links, tenancy, ApiError, ApiResult, AppState,
};
use poem::{web::Data, Request};
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};

use crate::{access::users::SessionInfo, ApiTag};

/// Permissions of the session endpoints (login and reset are public).
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("POST", "/api/v1/auth/password", "self"),
    platform::rbac::RouteRule::new("POST", "/api/v1/auth/logout", "self"),
    platform::rbac::RouteRule::new("GET", "/api/v1/auth/sessions", "self"),
    platform::rbac::RouteRule::new("DELETE", "/api/v1/auth/sessions/:id", "self"),
];

/// Staff credentials.
#[derive(Debug, Object)]
struct StaffLogin {
    /// The lending company's tenant code.
    tenant: String,
    username: String,
    password: String,
}

/// Setting a password with an emailed one-time link.
#[derive(Debug, Object)]
struct PasswordReset {
    /// The lending company's tenant code.
    tenant: String,
    /// The token from the emailed link.
    token: String,
    new_password: String,
}

/// Staff session endpoints.
pub struct StaffAuthApi;

#[OpenApi(tag = "ApiTag::Auth")]
impl StaffAuthApi {
    /// Log in as a member of a lending company's staff.
    #[oai(path = "/auth/login", method = "post", operation_id = "staff_login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<StaffLogin>,
    ) -> ApiResult<Json<LoginResponse>> {
        let found = tenancy::find(&state.pool, &body.tenant).await?;
        let Some(found) = found else {
            return Err(ApiError::unauthorized(
                "invalid_credentials",
                "wrong tenant, username or password",
            ));
        };
        if let Some(refused) = lifecycle::refusal(found.standing()) {
            return Err(refused);
        }
        let code = found.tenant.code.clone();
        let session = login::login_from(
            &state,
            Directory::Staff(found.tenant),
            &body.username,
            &body.password,
            &login::Origin::of(req, &state),
        )
        .await?;
        lifecycle::note_activity(&state, &code).await?;
        Ok(Json(session))
    }

    /// Change the user's own password (required first after a one-time password).
    #[oai(
        path = "/auth/password",
        method = "post",
        operation_id = "staff_change_password"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<Json<serde_json::Value>> {
        let tenant = auth.tenant()?.clone();
        login::change_password(&state, Directory::Staff(tenant), &auth.0.session, &body).await?;
        Ok(Json(serde_json::json!({"changed": true})))
    }

    /// Set a password with the one-time link sent by email (public; e.g. the
    /// first admin after sign-up). Refused: `password_link_invalid` (400),
    /// `password_link_used` (409), `password_link_expired` (410).
    #[oai(
        path = "/auth/password-reset",
        method = "post",
        operation_id = "staff_password_reset"
    )]
    async fn password_reset(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<PasswordReset>,
    ) -> ApiResult<Json<serde_json::Value>> {
        let ip = client::ip(req, &state.config.server.trusted_proxies);
        let username = password_links::redeem(
            &state,
            &body.tenant,
            &body.token,
            &body.new_password,
            Some(ip),
            client::user_agent(req),
        )
        .await?;
        Ok(Json(
            serde_json::json!({"password_set": true, "username": username}),
        ))
    }

    /// End the current session.
    #[oai(path = "/auth/logout", method = "post", operation_id = "staff_logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<serde_json::Value>> {
        state.sessions.revoke(&auth.0.session.id).await?;
        Ok(Json(serde_json::json!({"logged_out": true})))
    }

    /// The caller's own live sessions.
    #[oai(
        path = "/auth/sessions",
        method = "get",
        operation_id = "list_own_sessions"
    )]
    async fn sessions(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<Vec<SessionInfo>>> {
        let s = &auth.0.session;
        let list = state
            .sessions
            .list(Realm::Staff, s.tenant.as_ref(), s.user_id)
            .await?;
        Ok(Json(
            list.into_iter()
                .map(|x| SessionInfo {
                    current: x.id == s.id,
                    id: x.id,
                    created_at: x.created_at,
                    expires_at: x.expires_at,
                })
                .collect(),
        ))
    }

    /// End one of the caller's own sessions (404 when it is not theirs).
    #[oai(
        path = "/auth/sessions/:id",
        method = "delete",
        operation_id = "revoke_own_session"
    )]
    async fn revoke_session(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<String>,
    ) -> ApiResult<Json<serde_json::Value>> {
        let s = &auth.0.session;
        let revoked = state
            .sessions
            .revoke_of(Realm::Staff, s.tenant.as_ref(), s.user_id, &id.0)
            .await?;
        if !revoked {
            return Err(ApiError::not_found("session"));
        }
        Ok(Json(serde_json::json!({"revoked": true})))
    }
}
