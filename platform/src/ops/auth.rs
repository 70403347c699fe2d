//! Operator login, password change and logout.

use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};

use super::OpsTag;
use crate::{
    auth::{
        directory::Directory,
        login::{self, ChangePasswordRequest, LoginResponse},
        OperatorAuth,
    },
    error::ApiResult,
    state::AppState,
};

/// Operator credentials.
#[derive(Debug, Object)]
struct OperatorLogin {
    username: String,
    password: String,
}

/// Operator session endpoints.
pub struct OpsAuthApi;

#[OpenApi(tag = "OpsTag::Auth")]
impl OpsAuthApi {
    /// Log in as a platform operator.
    #[oai(path = "/auth/login", method = "post", operation_id = "ops_login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &poem::Request,
        body: Json<OperatorLogin>,
    ) -> ApiResult<Json<LoginResponse>> {
        login::login_from(
            &state,
            Directory::Operators,
            &body.username,
            &body.password,
            &login::Origin::of(req, &state),
        )
        .await
        .map(Json)
    }

    /// Change the operator's own password.
    #[oai(
        path = "/auth/password",
        method = "post",
        operation_id = "ops_change_password"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<Json<serde_json::Value>> {
        login::change_password(&state, Directory::Operators, &auth.0.session, &body).await?;
        Ok(Json(serde_json::json!({"changed": true})))
    }

    /// End the current session.
    #[oai(path = "/auth/logout", method = "post", operation_id = "ops_logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
    ) -> ApiResult<Json<serde_json::Value>> {
        state.sessions.revoke(&auth.0.session.id).await?;
        Ok(Json(serde_json::json!({"logged_out": true})))
    }
}
