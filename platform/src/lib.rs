//! The kernel every audience's API stands on: configuration, database and
//! tenancy, migrations, authentication, the HTTP conventions (errors, request
//! ids, metrics, pagination), money types, background jobs, notifications
//! (SMS), and the operators' API.

pub mod audit;
pub mod audit_chain;
pub mod auth;
pub mod borrower_link;
pub mod config;
pub mod db;
pub mod error;
pub mod export;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod migrate;
pub mod money;
pub mod notify;
pub mod ops;
pub mod pagination;
pub mod password_links;
pub mod plan_limits;
pub mod provisioning;
pub mod rate_limit;
pub mod rbac;
pub mod registry;
pub mod signed_link;
pub mod signup;
pub mod state;
pub mod tenancy;
pub mod tenant_export;
pub mod usage;

pub use error::{ApiError, ApiResult};
pub use state::AppState;
