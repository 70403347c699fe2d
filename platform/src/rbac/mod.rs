//! Role-based access control: every API operation (method + route template)
//! maps to a permission code `<resource>.<action>` in a catalogue composed by
//! the application from each area's `ROUTES`; roles hold permission patterns
//! (casbin policies, RBAC with domains, stored in PostgreSQL — see
//! [`policy`]); the [`middleware`] enforces the catalogue on every request.
//!
//! An operation absent from the catalogue is refused with 403
//! `permission_undefined`; a caller without the permission gets 403
//! `forbidden`. The public operations (login, sign-up, …) are listed in
//! [`PUBLIC`]. The permission [`SELF_SERVICE`] (own password, logout, own
//! sessions) is held by every authenticated account.

pub mod catalogue;
pub mod middleware;
pub mod policy;

pub use catalogue::Catalogue;
pub use policy::Access;

/// One operation and the permission it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRule {
    /// HTTP method, upper case: `GET`, `POST`, …
    pub method: &'static str,
    /// The full route template as poem writes it, e.g. `/api/v1/branches/:id`
    /// (`{id}` is accepted too).
    pub path: &'static str,
    /// The permission code, e.g. `branch.read`.
    pub permission: &'static str,
}

impl RouteRule {
    /// A rule.
    pub const fn new(method: &'static str, path: &'static str, permission: &'static str) -> Self {
        Self {
            method,
            path,
            permission,
        }
    }
}

/// The permission every authenticated account holds (own password, logout,
/// own sessions).
pub const SELF_SERVICE: &str = "self";

/// The permission that lifts a staff member's branch scope.
pub const ALL_BRANCHES: &str = "scope.all_branches";

/// Operations anyone may call without a token.
pub const PUBLIC: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/ops/v1/auth/login"),
    ("POST", "/ops/v1/signups"),
    ("POST", "/ops/v1/signups/verify"),
    ("GET", "/ops/v1/plans"),
    ("POST", "/supervision/v1/auth/login"),
];

/// Whether a permission pattern grants a permission code: `*` grants every
/// code, one `*` inside a pattern matches any text (`customer.*`, `*.read`),
/// otherwise the codes must be equal.
pub fn pattern_grants(pattern: &str, code: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == code,
        Some((prefix, suffix)) => {
            code.len() >= prefix.len() + suffix.len()
                && code.starts_with(prefix)
                && code.ends_with(suffix)
        }
    }
}

/// Whether a permission code (or pattern) is well-formed: lowercase
/// segments of letters, digits and `_`, separated by dots, at most one `*`.
pub fn valid_pattern(pattern: &str) -> bool {
    (1..=80).contains(&pattern.len())
        && pattern.matches('*').count() <= 1
        && pattern
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '*'))
        && !pattern.starts_with('.')
        && !pattern.ends_with('.')
        && !pattern.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(pattern_grants("*", "customer.read"));
        assert!(pattern_grants("customer.*", "customer.read"));
        assert!(!pattern_grants("customer.*", "customers.read"));
        assert!(pattern_grants("*.read", "ledger.read"));
        assert!(!pattern_grants("*.read", "ledger.write"));
        assert!(pattern_grants("loan.read", "loan.read"));
        assert!(!pattern_grants("loan.read", "loan.repay"));
        assert!(valid_pattern("customer.*"));
        assert!(valid_pattern("*"));
        assert!(!valid_pattern("a**"));
        assert!(!valid_pattern("Customer.read"));
    }
}
