//! Regulator login, password change, logout and the regulator's own profile.

use platform::{
    auth::{
        directory::Directory,
        login::{self, ChangePasswordRequest, LoginResponse},
        RegulatorAuth,
    },
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};

use crate::SupervisionTag;

/// Regulator credentials.
#[derive(Debug, Object)]
struct RegulatorLogin {
    username: String,
    password: String,
}

/// The logged-in regulator.
#[derive(Debug, Object)]
struct Me {
    id: i64,
    username: String,
    display_name: String,
    /// Jurisdiction codes this regulator supervises.
    jurisdictions: Vec<String>,
}

/// Regulator session endpoints.
pub struct RegulatorAuthApi;

#[OpenApi(tag = "SupervisionTag::Auth")]
impl RegulatorAuthApi {
    /// Log in as a regulator.
    #[oai(
        path = "/auth/login",
        method = "post",
        operation_id = "regulator_login"
    )]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &poem::Request,
        body: Json<RegulatorLogin>,
    ) -> ApiResult<Json<LoginResponse>> {
        login::login_from(
            &state,
            Directory::Regulators,
            &body.username,
            &body.password,
            &login::Origin::of(req, &state),
        )
        .await
        .map(Json)
    }

    /// Change the regulator's own password.
    #[oai(
        path = "/auth/password",
        method = "post",
        operation_id = "regulator_change_password"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<Json<serde_json::Value>> {
        login::change_password(&state, Directory::Regulators, &auth.0.session, &body).await?;
        Ok(Json(serde_json::json!({"changed": true})))
    }

    /// End the current session.
    #[oai(
        path = "/auth/logout",
        method = "post",
        operation_id = "regulator_logout"
    )]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
    ) -> ApiResult<Json<serde_json::Value>> {
        state.sessions.revoke(&auth.0.session.id).await?;
        Ok(Json(serde_json::json!({"logged_out": true})))
    }

    /// The logged-in regulator and the jurisdictions they supervise.
    #[oai(path = "/me", method = "get", operation_id = "regulator_me")]
    async fn me(&self, state: Data<&AppState>, auth: RegulatorAuth) -> ApiResult<Json<Me>> {
        let row: Option<(i64, String, String, Vec<String>)> =
            sqlx::query_as("select id, username, display_name, jurisdictions from supervision.regulators where id = $1")
                .bind(auth.0.session.user_id)
                .fetch_optional(&state.pool)
                .await?;
        let (id, username, display_name, jurisdictions) =
            row.ok_or_else(|| ApiError::not_found("regulator"))?;
        Ok(Json(Me {
            id,
            username,
            display_name,
            jurisdictions,
        }))
    }
}
