//! Public sign-up (no token): apply, then verify the email to get the tenant.

use chrono::{DateTime, Utc};
use poem::{web::Data, Request};
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};

use super::OpsTag;
use crate::{
    error::ApiResult,
    http::client,
    signup::{self, SignupForm},
    state::AppState,
};

/// A lending company's application to use the platform.
#[derive(Debug, Object)]
struct SignupBody {
    /// The company's registered name.
    company_name: String,
    /// Unified social credit code (统一社会信用代码, 18 characters, checksum verified).
    credit_code: String,
    /// The micro-lending licence number, if the company holds one.
    licence_number: Option<String>,
    /// The regulator's jurisdiction: a 6-digit region code, e.g. 310000.
    jurisdiction: String,
    /// Who we talk to.
    contact_name: String,
    /// Where the verification link goes; later the admin's password link.
    email: String,
    /// Mainland mobile number.
    mobile: String,
    /// The chosen tenant code: 2–30 of a-z, 0-9 and _, starting with a letter.
    tenant_code: String,
    /// Plan code (see `GET /plans`).
    plan: String,
}

/// An application awaiting email verification.
#[derive(Debug, Object)]
struct SignupAccepted {
    signup_id: i64,
    /// The verification link was sent here.
    email: String,
    /// The link works until then.
    expires_at: DateTime<Utc>,
}

/// A verification.
#[derive(Debug, Object)]
struct VerifyBody {
    /// The token from the emailed link.
    token: String,
}

/// The tenant created by a verification.
#[derive(Debug, Object)]
struct VerifiedBody {
    tenant_code: String,
    /// The admin's username; the password is set through the emailed link.
    admin_username: String,
    trial_ends_at: Option<DateTime<Utc>>,
    /// False when the password email failed (an operator can send a new link).
    password_email_sent: bool,
}

#[derive(ApiResponse)]
enum SignupResponse {
    /// Accepted: check your email.
    #[oai(status = 202)]
    Accepted(Json<SignupAccepted>),
}

#[derive(ApiResponse)]
enum VerifiedResponse {
    /// The tenant was created.
    #[oai(status = 201)]
    Created(Json<VerifiedBody>),
}

/// Sign-up endpoints.
pub struct SignupsApi;

#[OpenApi(tag = "OpsTag::Signups")]
impl SignupsApi {
    /// Apply for the platform (public). Nothing is created until the email is
    /// verified; limited per address, per email and platform-wide (429 `rate_limited`).
    #[oai(path = "/signups", method = "post", operation_id = "signup")]
    async fn sign_up(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<SignupBody>,
    ) -> ApiResult<SignupResponse> {
        let b = body.0;
        let ip = client::ip(req, &state.config.server.trusted_proxies);
        let pending = signup::sign_up(
            &state,
            SignupForm {
                company_name: b.company_name,
                credit_code: b.credit_code,
                licence_number: b.licence_number,
                jurisdiction: b.jurisdiction,
                contact_name: b.contact_name,
                email: b.email,
                mobile: b.mobile,
                tenant_code: b.tenant_code,
                plan: b.plan,
            },
            &ip,
            client::user_agent(req),
        )
        .await?;
        Ok(SignupResponse::Accepted(Json(SignupAccepted {
            signup_id: pending.id,
            email: pending.email,
            expires_at: pending.expires_at,
        })))
    }

    /// Verify the email with the emailed token (public): the tenant is
    /// provisioned in trial and its admin gets a link to set a password.
    /// Refused: `verification_link_invalid` (400), `verification_link_used`
    /// (409), `verification_link_expired` (410).
    #[oai(
        path = "/signups/verify",
        method = "post",
        operation_id = "verify_signup"
    )]
    async fn verify(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<VerifyBody>,
    ) -> ApiResult<VerifiedResponse> {
        let ip = client::ip(req, &state.config.server.trusted_proxies);
        let verified = signup::verify(&state, &body.token, &ip, client::user_agent(req)).await?;
        Ok(VerifiedResponse::Created(Json(VerifiedBody {
            tenant_code: verified.tenant_code,
            admin_username: verified.admin_username,
            trial_ends_at: verified.trial_ends_at,
            password_email_sent: verified.password_email_sent,
        })))
    }
}
