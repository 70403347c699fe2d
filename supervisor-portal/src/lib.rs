//! The regulator's portal (`/supervision/v1`): read-only over the firms.

pub mod access;
mod auth;
pub mod filings;
mod licences;
mod licensing;
mod monitoring;
pub mod snapshot;

use poem_openapi::Tags;

/// Operation groups of `/supervision/v1`.
#[derive(Tags)]
enum SupervisionTag {
    /// Regulator login and sessions.
    Auth,
    /// The licensing registry.
    Licences,
    /// Firms, metrics, thresholds and alerts.
    Monitoring,
    /// Firm profiles and monthly filings (报送) with their deadlines.
    Filings,
}

/// Every operation of `/supervision/v1`.
/// Permissions of the regulators' endpoints (login is public).
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("POST", "/supervision/v1/auth/password", "self"),
    platform::rbac::RouteRule::new("POST", "/supervision/v1/auth/logout", "self"),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/me", "self"),
    platform::rbac::RouteRule::new("POST", "/supervision/v1/licences", "licence.approve"),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/licences", "licence.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/supervision/v1/licence-applications",
        "licence_application.create",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/licence-applications",
        "licence_application.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/licence-applications/:id",
        "licence_application.read",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/supervision/v1/licence-applications/:id/review",
        "licence_application.review",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/supervision/v1/licence-applications/:id/decision",
        "licence_application.decide",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/supervision/v1/licences/:id/inspections",
        "inspection.create",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/licences/:id/inspections",
        "inspection.read",
    ),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/firms", "firm.read"),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/firms/:code", "firm.read"),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/dashboard", "dashboard.read"),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/metrics/:metric",
        "metric.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/thresholds/:jurisdiction",
        "threshold.read",
    ),
    platform::rbac::RouteRule::new(
        "PUT",
        "/supervision/v1/thresholds/:jurisdiction",
        "threshold.write",
    ),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/alerts", "alert.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/supervision/v1/alerts/:id/acknowledge",
        "alert.acknowledge",
    ),
];

pub type SupervisionApi = (
    auth::RegulatorAuthApi,
    licences::LicencesApi,
    licensing::LicensingApi,
    monitoring::MonitoringApi,
    filings::FilingsApi,
);

/// The API value to serve.
pub fn api() -> SupervisionApi {
    (
        auth::RegulatorAuthApi,
        licences::LicencesApi,
        licensing::LicensingApi,
        monitoring::MonitoringApi,
        filings::FilingsApi,
    )
}
