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
