//! The company's link to the regulator's licensing registry: see it, and
//! accept the regulator's invitation (`regulator_link.accept`, the admin role by default).

use platform::{auth::StaffAuth, ops::RegulatorLinkBody, registry, ApiError, ApiResult, AppState};
use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};

use crate::ApiTag;

/// An invitation to accept.
#[derive(Debug, Object)]
struct AcceptBody {
    /// The invitation token from the regulator's email.
    token: String,
}

#[derive(ApiResponse)]
enum Accepted {
    /// Linked.
    #[oai(status = 201)]
    Created(Json<RegulatorLinkBody>),
}

/// Registry link endpoints.
pub struct RegulatorLinkApi;

/// Permissions of the regulator link endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/regulator-link", "regulator_link.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/regulator-link/accept",
        "regulator_link.accept",
    ),
];

#[OpenApi(tag = "ApiTag::RegulatorLink")]
impl RegulatorLinkApi {
    /// The company's licence in the regulator's registry, once linked.
    #[oai(
        path = "/regulator-link",
        method = "get",
        operation_id = "get_regulator_link"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<RegulatorLinkBody>> {
        let tenant = auth.tenant()?;
        let link = registry::link_of(&state.pool, &tenant.code)
            .await?
            .ok_or_else(|| ApiError::not_found("regulator link"))?;
        Ok(Json(link.into()))
    }

    /// Accept the regulator's invitation: the company is linked to its
    /// licence. Refused: `invitation_invalid` (400), `invitation_used`,
    /// `licence_already_linked`, `tenant_already_linked`, `credit_code_mismatch`
    /// (409), `invitation_expired` (410).
    #[oai(
        path = "/regulator-link/accept",
        method = "post",
        operation_id = "accept_regulator_link"
    )]
    async fn accept(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<AcceptBody>,
    ) -> ApiResult<Accepted> {
        let tenant = auth.tenant()?.clone();
        let link = registry::accept(&state, &tenant, &auth.0.actor, &body.token).await?;
        Ok(Accepted::Created(Json(link.into())))
    }
}
