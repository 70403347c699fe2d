//! The regulator's portal (`/supervision/v1`): read-only over the firms.

pub mod access;
mod auth;
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
}

/// Every operation of `/supervision/v1`.
pub type SupervisionApi = (
    auth::RegulatorAuthApi,
    licences::LicencesApi,
    licensing::LicensingApi,
    monitoring::MonitoringApi,
);

/// The API value to serve.
pub fn api() -> SupervisionApi {
    (
        auth::RegulatorAuthApi,
        licences::LicencesApi,
        licensing::LicensingApi,
        monitoring::MonitoringApi,
    )
}
