//! The regulator's portal (`/supervision/v1`): read-only over the firms.

pub mod access;
mod auth;
mod filings;
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
