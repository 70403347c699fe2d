//! HTTP conventions shared by the three APIs: request ids, JSON errors for
//! everything (including the framework's own), metrics by route template.

pub mod client;
pub mod errors;
pub mod metrics;
pub mod request_id;
