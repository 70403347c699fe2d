//! The operators' API (`/ops/v1`): platform operators log in, manage tenants
//! and watch (and re-run) background jobs.

mod auth;
pub mod jobs;
mod plans;
mod signups;
mod tenants;

use poem_openapi::Tags;

pub use tenants::RegulatorLinkBody;

/// Operation groups of `/ops/v1`.
#[derive(Tags)]
enum OpsTag {
    /// Operator login and sessions.
    Auth,
    /// Lending companies on the platform: list, lifecycle, plans, registry links.
    Tenants,
    /// Online sign-up (public).
    Signups,
    /// Background jobs (close of business, reminder dispatch, ...).
    Jobs,
}

/// Every operation of `/ops/v1`.
/// Permissions of the operators' endpoints (login, sign-ups and plans are public).
pub const ROUTES: &[crate::rbac::RouteRule] = &[
    crate::rbac::RouteRule::new("POST", "/ops/v1/auth/password", "self"),
    crate::rbac::RouteRule::new("POST", "/ops/v1/auth/logout", "self"),
    crate::rbac::RouteRule::new("GET", "/ops/v1/tenants", "tenant.read"),
    crate::rbac::RouteRule::new("POST", "/ops/v1/tenants", "tenant.create"),
    crate::rbac::RouteRule::new("GET", "/ops/v1/tenants/:code", "tenant.read"),
    crate::rbac::RouteRule::new("POST", "/ops/v1/tenants/:code/suspend", "tenant.suspend"),
    crate::rbac::RouteRule::new(
        "POST",
        "/ops/v1/tenants/:code/reactivate",
        "tenant.reactivate",
    ),
    crate::rbac::RouteRule::new("POST", "/ops/v1/tenants/:code/activate", "tenant.activate"),
    crate::rbac::RouteRule::new(
        "POST",
        "/ops/v1/tenants/:code/extend-trial",
        "tenant.extend_trial",
    ),
    crate::rbac::RouteRule::new("POST", "/ops/v1/tenants/:code/plan", "tenant.change_plan"),
    crate::rbac::RouteRule::new("POST", "/ops/v1/tenants/:code/close", "tenant.close"),
    crate::rbac::RouteRule::new(
        "POST",
        "/ops/v1/tenants/:code/regulator-link",
        "tenant.link_licence",
    ),
    crate::rbac::RouteRule::new(
        "POST",
        "/ops/v1/tenants/:code/admin-password-link",
        "tenant.admin_password_link",
    ),
    crate::rbac::RouteRule::new("GET", "/ops/v1/jobs", "job.read"),
    crate::rbac::RouteRule::new("GET", "/ops/v1/jobs/:id", "job.read"),
    crate::rbac::RouteRule::new("POST", "/ops/v1/jobs/:id/rerun", "job.rerun"),
];

pub type OpsApi = (
    auth::OpsAuthApi,
    tenants::TenantsApi,
    signups::SignupsApi,
    plans::PlansApi,
    jobs::JobsApi,
);

/// The API value to serve.
pub fn api() -> OpsApi {
    (
        auth::OpsAuthApi,
        tenants::TenantsApi,
        signups::SignupsApi,
        plans::PlansApi,
        jobs::JobsApi,
    )
}
