//! The audit trail: every state-changing request writes one record, in the
//! same transaction as its effect, into the trail of the actor's world (the
//! tenant's schema for staff, `platform` for operators, `supervision` for
//! regulators). Sealing into a hash chain happens later, out of the writers' way.

use serde_json::{Map, Value};
use sqlx::PgConnection;

use crate::auth::session::{Realm, Session};

/// Who did something, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// staff, operator, regulator, system or anonymous.
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: String,
    pub roles: Vec<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    /// The actor behind a session, with the request's origin.
    pub fn from_session(session: &Session, ip: Option<String>, user_agent: Option<String>) -> Self {
        Self {
            kind: match session.realm {
                Realm::Staff => "staff",
                Realm::Operator => "operator",
                Realm::Regulator => "regulator",
            },
            id: Some(session.user_id),
            name: session.username.clone(),
            roles: Vec::new(),
            request_id: Some(crate::http::request_id::current()),
            ip,
            user_agent,
        }
    }

    /// The platform itself (jobs, close of business).
    pub fn system(name: &str) -> Self {
        Self {
            kind: "system",
            name: name.to_string(),
            request_id: Some(crate::http::request_id::current()),
            ..Default::default()
        }
    }
}

/// Which trail a record goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trail {
    /// The current tenant transaction's `audit_events` (search path = tenant schema).
    Tenant,
    /// `platform.audit_events`.
    Platform,
    /// `supervision.audit_events`.
    Supervision,
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What was done, e.g. `branch.create`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The fields that differ between two JSON objects: `{"field": [old, new]}`.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    for key in b.keys().chain(a.keys()) {
        if out.contains_key(key) {
            continue;
        }
        let old = b.get(key).cloned().unwrap_or(Value::Null);
        let new = a.get(key).cloned().unwrap_or(Value::Null);
        if old != new {
            out.insert(key.clone(), Value::Array(vec![old, new]));
        }
    }
    Value::Object(out)
}

/// Writes one audit record inside the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    trail: Trail,
    actor: &Actor,
    change: Change<'_>,
) -> sqlx::Result<()> {
    let sql = match trail {
        Trail::Tenant => INSERT_TENANT,
        Trail::Platform => INSERT_PLATFORM,
        Trail::Supervision => INSERT_SUPERVISION,
    };
    let diff = diff(change.before.as_ref(), change.after.as_ref());
    sqlx::query(sql)
        .bind(actor.kind)
        .bind(actor.id)
        .bind(&actor.name)
        .bind(&actor.roles)
        .bind(change.action)
        .bind(change.entity_type)
        .bind(change.entity_id)
        .bind(change.before)
        .bind(change.after)
        .bind(diff)
        .bind(&actor.request_id)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .execute(conn)
        .await?;
    Ok(())
}

const INSERT_TENANT: &str = "insert into audit_events
    (actor_kind, actor_id, actor_name, actor_roles, action, entity_type, entity_id, before, after, diff, request_id, ip, user_agent)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
const INSERT_PLATFORM: &str = "insert into platform.audit_events
    (actor_kind, actor_id, actor_name, actor_roles, action, entity_type, entity_id, before, after, diff, request_id, ip, user_agent)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
const INSERT_SUPERVISION: &str = "insert into supervision.audit_events
    (actor_kind, actor_id, actor_name, actor_roles, action, entity_type, entity_id, before, after, diff, request_id, ip, user_agent)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_changed_fields_only() {
        let d = diff(
            Some(&json!({"name": "a", "code": "X"})),
            Some(&json!({"name": "b", "code": "X"})),
        );
        assert_eq!(d, json!({"name": ["a", "b"]}));
        assert_eq!(diff(None, Some(&json!({"a": 1}))), json!({"a": [null, 1]}));
    }
}
