//! The catalogue: every operation of the three APIs (read from their OpenAPI
//! specs) with the permission it needs (from the areas' `ROUTES`).

use std::sync::OnceLock;

use super::{RouteRule, PUBLIC};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with(':') || (s.starts_with('{') && s.ends_with('}')) {
                Segment::Param
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

/// The template in poem's syntax (`/a/:id`), whichever syntax it came in.
fn canonical(template: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                format!(":{}", &s[1..s.len() - 1])
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a template matches a path; the number of literal segments when it does.
fn matches(template: &[Segment], path: &str) -> Option<usize> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if parts.len() != template.len() {
        return None;
    }
    let mut literals = 0;
    for (seg, part) in template.iter().zip(parts) {
        match seg {
            Segment::Literal(l) if l == part => literals += 1,
            Segment::Literal(_) => return None,
            Segment::Param if part.is_empty() => return None,
            Segment::Param => {}
        }
    }
    Some(literals)
}

/// One operation of an API.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    /// The full template, poem syntax: `/api/v1/branches/:id`.
    pub template: String,
    segments: Vec<Segment>,
}

/// What a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Not an operation of the APIs (the router answers 404/405).
    Unknown,
    /// A public operation.
    Public,
    /// An operation without a permission in the catalogue.
    Undefined { template: String },
    /// An operation and its permission.
    Permission {
        template: String,
        permission: &'static str,
    },
}

/// Operations and rules.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    operations: Vec<Operation>,
    rules: Vec<(RouteRule, Vec<Segment>)>,
}

impl Catalogue {
    /// A catalogue of rules; operations come from [`Catalogue::with_spec`].
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a RouteRule>) -> Self {
        Self {
            operations: Vec::new(),
            rules: rules.into_iter().map(|r| (*r, segments(r.path))).collect(),
        }
    }

    /// Adds the operations of an OpenAPI spec (JSON) served under `base`.
    pub fn with_spec(mut self, base: &str, spec: &str) -> Self {
        let parsed: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        if let Some(paths) = parsed.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for method in item.keys() {
                    let template = canonical(&format!("{base}{path}"));
                    self.operations.push(Operation {
                        method: method.to_ascii_uppercase(),
                        segments: segments(&template),
                        template,
                    });
                }
            }
        }
        self
    }

    /// Every operation read from the specs.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The rules.
    pub fn rules(&self) -> impl Iterator<Item = &RouteRule> {
        self.rules.iter().map(|(r, _)| r)
    }

    /// The permission codes the catalogue uses, sorted, without duplicates.
    pub fn permissions(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = self.rules.iter().map(|(r, _)| r.permission).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// Operations that are neither public nor in the rules.
    pub fn undefined(&self) -> Vec<(String, String)> {
        self.operations
            .iter()
            .filter(|op| {
                !is_public(&op.method, &op.template)
                    && self.rule_for(&op.method, &op.template).is_none()
            })
            .map(|op| (op.method.clone(), op.template.clone()))
            .collect()
    }

    fn rule_for(&self, method: &str, template: &str) -> Option<&RouteRule> {
        let segs = segments(template);
        self.rules
            .iter()
            .find(|(r, s)| r.method.eq_ignore_ascii_case(method) && *s == segs)
            .map(|(r, _)| r)
    }

    /// The permission of a rule by operation, if any.
    pub fn permission_of(&self, method: &str, template: &str) -> Option<&'static str> {
        self.rule_for(method, template).map(|r| r.permission)
    }

    /// What a request needs: the operation is found among the specs'
    /// operations (the most literal template wins), then its rule.
    pub fn requirement(&self, method: &str, path: &str) -> Requirement {
        let template = if self.operations.is_empty() {
            best(
                self.rules
                    .iter()
                    .filter(|(r, _)| r.method.eq_ignore_ascii_case(method))
                    .map(|(r, s)| (r.path.to_string(), s)),
                path,
            )
        } else {
            best(
                self.operations
                    .iter()
                    .filter(|op| op.method.eq_ignore_ascii_case(method))
                    .map(|op| (op.template.clone(), &op.segments)),
                path,
            )
        };
        let Some(template) = template else {
            return Requirement::Unknown;
        };
        if is_public(method, &template) {
            return Requirement::Public;
        }
        match self.rule_for(method, &template) {
            Some(rule) => Requirement::Permission {
                template: canonical(&template),
                permission: rule.permission,
            },
            None => Requirement::Undefined {
                template: canonical(&template),
            },
        }
    }
}

fn best<'a>(
    candidates: impl Iterator<Item = (String, &'a Vec<Segment>)>,
    path: &str,
) -> Option<String> {
    candidates
        .filter_map(|(t, s)| matches(s, path).map(|n| (n, t)))
        .fold(None, |acc: Option<(usize, String)>, (n, t)| match acc {
            Some((m, _)) if m >= n => acc,
            _ => Some((n, t)),
        })
        .map(|(_, t)| t)
}

/// Whether an operation is on the public list.
pub fn is_public(method: &str, template: &str) -> bool {
    let segs = segments(template);
    PUBLIC
        .iter()
        .any(|(m, p)| m.eq_ignore_ascii_case(method) && segments(p) == segs)
}

static INSTALLED: OnceLock<Catalogue> = OnceLock::new();

/// Makes the application's catalogue reachable to handlers (the first wins;
/// every instance in a process composes the same one).
pub fn install(catalogue: Catalogue) {
    let _ = INSTALLED.set(catalogue);
}

/// The installed catalogue.
pub fn installed() -> Option<&'static Catalogue> {
    INSTALLED.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[RouteRule] = &[
        RouteRule::new("GET", "/api/v1/branches", "branch.read"),
        RouteRule::new("GET", "/api/v1/branches/:id", "branch.read"),
        RouteRule::new("POST", "/api/v1/branches/:id/close", "branch.write"),
        RouteRule::new("GET", "/api/v1/branches/export", "branch.export"),
    ];

    #[test]
    fn most_literal_template_wins() {
        let c = Catalogue::new(RULES);
        assert_eq!(
            c.requirement("GET", "/api/v1/branches/7"),
            Requirement::Permission {
                template: "/api/v1/branches/:id".into(),
                permission: "branch.read"
            }
        );
        assert!(matches!(
            c.requirement("GET", "/api/v1/branches/export"),
            Requirement::Permission {
                permission: "branch.export",
                ..
            }
        ));
        assert_eq!(
            c.requirement("DELETE", "/api/v1/branches/7"),
            Requirement::Unknown
        );
    }

    #[test]
    fn spec_operations_without_rules_are_undefined() {
        let spec = r#"{"paths":{"/branches/{id}":{"get":{}},"/widgets":{"post":{}},"/auth/login":{"post":{}}}}"#;
        let c = Catalogue::new(RULES).with_spec("/api/v1", spec);
        assert!(matches!(
            c.requirement("GET", "/api/v1/branches/3"),
            Requirement::Permission { .. }
        ));
        assert_eq!(
            c.requirement("POST", "/api/v1/widgets"),
            Requirement::Undefined {
                template: "/api/v1/widgets".into()
            }
        );
        assert_eq!(
            c.requirement("POST", "/api/v1/auth/login"),
            Requirement::Public
        );
        assert_eq!(
            c.requirement("GET", "/api/v1/nothing"),
            Requirement::Unknown
        );
        assert_eq!(
            c.undefined(),
            vec![("POST".to_string(), "/api/v1/widgets".to_string())]
        );
    }
}
