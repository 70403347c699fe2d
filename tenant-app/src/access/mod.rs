//! Identity and access inside the company: users, roles and permissions,
//! the password and lockout policy, own sessions, and the audit trail.

pub mod audit_events;
pub mod roles;
pub mod security;
pub mod users;

pub use audit_events::AuditEventsApi;
pub use roles::RolesApi;
pub use security::SecurityApi;
pub use users::UsersApi;

/// Every access operation.
pub type AccessApi = (UsersApi, RolesApi, SecurityApi, AuditEventsApi);

/// The access API value.
pub fn api() -> AccessApi {
    (UsersApi, RolesApi, SecurityApi, AuditEventsApi)
}
