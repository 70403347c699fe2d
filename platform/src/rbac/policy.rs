//! Casbin enforcers, one per domain set (a tenant, the operators, the
//! regulators), loaded lazily from PostgreSQL by [`PgAdapter`] and enforced
//! under a read lock. A change anywhere is published on Redis
//! (`xd:rbac:changed`); every instance drops its copy and reloads on next use.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use casbin::{
    function_map::OperatorFunction, prelude::*, rhai::Dynamic, Adapter, DefaultModel, Filter,
};
use futures::StreamExt;
use sqlx::{PgPool, Row};
use tokio::sync::RwLock;

use super::{pattern_grants, ALL_BRANCHES};
use crate::{
    auth::session::{Realm, Session},
    error::{ApiError, ApiResult},
    tenancy::{self, TenantRef},
};

/// The casbin model (in the repository: `platform/src/rbac/model.conf`).
pub const MODEL: &str = include_str!("model.conf");

/// The Redis channel announcing policy changes (payload: the domain key).
pub const CHANNEL: &str = "xd:rbac:changed";

/// A cached copy is reloaded after this long even without an announcement.
const MAX_AGE: Duration = Duration::from_secs(300);

/// Which policies: a tenant's, the operators', or the regulators'.
#[derive(Debug, Clone)]
pub enum PolicySet {
    Tenant(TenantRef),
    Operators,
    Regulators,
}

impl PolicySet {
    /// The cache and announcement key.
    pub fn key(&self) -> String {
        match self {
            PolicySet::Tenant(t) => format!("t:{}", t.code),
            PolicySet::Operators => "ops".into(),
            PolicySet::Regulators => "supervision".into(),
        }
    }

    /// The policy set of a session.
    pub fn of(session: &Session) -> Option<Self> {
        match session.realm {
            Realm::Staff => session.tenant.clone().map(PolicySet::Tenant),
            Realm::Operator => Some(PolicySet::Operators),
            Realm::Regulator => Some(PolicySet::Regulators),
        }
    }
}

/// The casbin subject of a session's account.
pub fn subject(realm: Realm, user_id: i64) -> String {
    match realm {
        Realm::Staff => format!("u:{user_id}"),
        Realm::Operator => format!("o:{user_id}"),
        Realm::Regulator => format!("r:{user_id}"),
    }
}

/// Reads a policy set from PostgreSQL. Changes are made with SQL by the
/// management API and announced; the enforcer never writes through it.
pub struct PgAdapter {
    pool: PgPool,
    set: PolicySet,
}

impl PgAdapter {
    /// An adapter for one policy set.
    pub fn new(pool: PgPool, set: PolicySet) -> Self {
        Self { pool, set }
    }

    /// The rules: (`p` or `g`, values).
    pub async fn rules(&self) -> sqlx::Result<Vec<(&'static str, Vec<String>)>> {
        let mut out = Vec::new();
        match &self.set {
            PolicySet::Tenant(t) => {
                let mut tx = tenancy::begin(&self.pool, t).await?;
                for row in sqlx::query("select role_code, permission from role_permissions")
                    .fetch_all(&mut *tx)
                    .await?
                {
                    out.push(("p", vec![row.get(0), t.code.clone(), row.get(1)]));
                }
                for row in sqlx::query(
                    "select ur.user_id, ur.role_code from user_roles ur
                       join users u on u.id = ur.user_id where u.status = 'active'",
                )
                .fetch_all(&mut *tx)
                .await?
                {
                    let id: i64 = row.get(0);
                    out.push((
                        "g",
                        vec![subject(Realm::Staff, id), row.get(1), t.code.clone()],
                    ));
                }
                tx.commit().await?;
            }
            PolicySet::Operators => {
                for row in sqlx::query(
                    "select role_code, permission from platform.operator_role_permissions",
                )
                .fetch_all(&self.pool)
                .await?
                {
                    out.push(("p", vec![row.get(0), "ops".into(), row.get(1)]));
                }
                for row in sqlx::query(
                    "select id, unnest(roles) from platform.operators where status = 'active'",
                )
                .fetch_all(&self.pool)
                .await?
                {
                    let id: i64 = row.get(0);
                    out.push((
                        "g",
                        vec![subject(Realm::Operator, id), row.get(1), "ops".into()],
                    ));
                }
            }
            PolicySet::Regulators => {
                for row in sqlx::query(
                    "select role_code, permission from supervision.regulator_role_permissions",
                )
                .fetch_all(&self.pool)
                .await?
                {
                    out.push(("p", vec![row.get(0), "*".into(), row.get(1)]));
                }
                for row in sqlx::query(
                    "select r.id, role, j from supervision.regulators r,
                            unnest(r.roles) role, unnest(r.jurisdictions) j
                      where r.status = 'active'",
                )
                .fetch_all(&self.pool)
                .await?
                {
                    let id: i64 = row.get(0);
                    out.push((
                        "g",
                        vec![subject(Realm::Regulator, id), row.get(1), row.get(2)],
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn adapter_error(e: sqlx::Error) -> casbin::Error {
    casbin::Error::AdapterError(casbin::error::AdapterError(Box::new(e)))
}

#[async_trait]
impl Adapter for PgAdapter {
    async fn load_policy(&mut self, m: &mut dyn casbin::Model) -> casbin::Result<()> {
        for (sec, rule) in self.rules().await.map_err(adapter_error)? {
            m.add_policy(sec, sec, rule);
        }
        Ok(())
    }
    async fn load_filtered_policy<'a>(
        &mut self,
        m: &mut dyn casbin::Model,
        _f: Filter<'a>,
    ) -> casbin::Result<()> {
        self.load_policy(m).await
    }
    async fn save_policy(&mut self, _m: &mut dyn casbin::Model) -> casbin::Result<()> {
        Ok(())
    }
    async fn clear_policy(&mut self) -> casbin::Result<()> {
        Ok(())
    }
    fn is_filtered(&self) -> bool {
        false
    }
    async fn add_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Ok(false)
    }
    async fn add_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Ok(false)
    }
    async fn remove_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Ok(false)
    }
    async fn remove_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Ok(false)
    }
    async fn remove_filtered_policy(
        &mut self,
        _: &str,
        _: &str,
        _: usize,
        _: Vec<String>,
    ) -> casbin::Result<bool> {
        Ok(false)
    }
}

/// One loaded policy set.
struct Loaded {
    enforcer: RwLock<Enforcer>,
    /// Each subject's domains (from the `g` rules).
    domains: HashMap<String, Vec<String>>,
    loaded_at: Instant,
}

/// What a session's account may do.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Role codes.
    pub roles: Vec<String>,
    /// Whether the branch scope is lifted (`scope.all_branches`).
    pub all_branches: bool,
}

/// The enforcers of this instance.
pub struct Access {
    pool: PgPool,
    redis: redis::aio::ConnectionManager,
    loaded: std::sync::RwLock<HashMap<String, Arc<Loaded>>>,
    versions: Mutex<HashMap<String, u64>>,
}

impl Access {
    /// Enforcers over the pool; announcements go out over `redis`.
    pub fn new(pool: PgPool, redis: redis::aio::ConnectionManager) -> Self {
        Self {
            pool,
            redis,
            loaded: Default::default(),
            versions: Default::default(),
        }
    }

    /// Listens for announcements from every instance (including this one)
    /// and drops the changed sets; reconnects after errors.
    pub fn listen(self: &Arc<Self>, client: redis::Client) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if pubsub.subscribe(CHANNEL).await.is_ok() {
                            // Anything missed while (re)connecting.
                            match weak.upgrade() {
                                Some(access) => access.forget_all(),
                                None => return,
                            }
                            let mut messages = pubsub.on_message();
                            while let Some(msg) = messages.next().await {
                                let key: String = msg.get_payload().unwrap_or_default();
                                match weak.upgrade() {
                                    Some(access) => access.forget(&key),
                                    None => return,
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "rbac listener cannot connect"),
                }
                if weak.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }

    fn forget(&self, key: &str) {
        if let Ok(mut versions) = self.versions.lock() {
            *versions.entry(key.to_string()).or_default() += 1;
        }
        if let Ok(mut loaded) = self.loaded.write() {
            loaded.remove(key);
        }
    }

    fn forget_all(&self) {
        let keys: Vec<String> = self
            .loaded
            .read()
            .map(|l| l.keys().cloned().collect())
            .unwrap_or_default();
        for key in keys {
            self.forget(&key);
        }
    }

    fn version(&self, key: &str) -> u64 {
        self.versions
            .lock()
            .map(|v| v.get(key).copied().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Announces that a policy set changed (after the change committed):
    /// this instance forgets it at once, the others on the message.
    pub async fn changed(&self, set: &PolicySet) -> ApiResult<()> {
        let key = set.key();
        self.forget(&key);
        let mut conn = self.redis.clone();
        let _: i64 = redis::cmd("PUBLISH")
            .arg(CHANNEL)
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    /// The loaded set; reloaded when old, or when `subject` is unknown to a
    /// copy older than a second (an account created since, e.g. by SQL).
    async fn get(&self, set: &PolicySet, subject: &str) -> ApiResult<Arc<Loaded>> {
        let key = set.key();
        if let Some(found) = self.loaded.read().ok().and_then(|l| l.get(&key).cloned()) {
            let age = found.loaded_at.elapsed();
            if age < MAX_AGE
                && (found.domains.contains_key(subject) || age < Duration::from_secs(1))
            {
                return Ok(found);
            }
        }
        let version = self.version(&key);
        let model = DefaultModel::from_str(MODEL)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("casbin model: {e}")))?;
        let adapter = PgAdapter::new(self.pool.clone(), set.clone());
        let mut enforcer = Enforcer::new(model, adapter)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("casbin policies: {e}")))?;
        enforcer.add_function(
            "permMatch",
            OperatorFunction::Arg2(|code: Dynamic, pattern: Dynamic| {
                let code = casbin::function_map::dynamic_to_str(&code);
                let pattern = casbin::function_map::dynamic_to_str(&pattern);
                pattern_grants(&pattern, &code).into()
            }),
        );
        let mut domains: HashMap<String, Vec<String>> = HashMap::new();
        for rule in enforcer.get_named_grouping_policy("g") {
            if let [sub, _role, dom, ..] = rule.as_slice() {
                let list = domains.entry(sub.clone()).or_default();
                if !list.contains(dom) {
                    list.push(dom.clone());
                }
            }
        }
        let loaded = Arc::new(Loaded {
            enforcer: RwLock::new(enforcer),
            domains,
            loaded_at: Instant::now(),
        });
        if self.version(&key) == version {
            if let Ok(mut l) = self.loaded.write() {
                l.insert(key, loaded.clone());
            }
        }
        Ok(loaded)
    }

    /// Whether a session's account holds a permission (in any of its domains).
    pub async fn allows(&self, session: &Session, permission: &str) -> ApiResult<bool> {
        let Some(set) = PolicySet::of(session) else {
            return Ok(false);
        };
        let sub = subject(session.realm, session.user_id);
        let loaded = self.get(&set, &sub).await?;
        let Some(domains) = loaded.domains.get(&sub) else {
            return Ok(false);
        };
        let enforcer = loaded.enforcer.read().await;
        for dom in domains {
            let ok = enforcer
                .enforce((sub.as_str(), dom.as_str(), permission))
                .map_err(|e| ApiError::internal(anyhow::anyhow!("casbin enforce: {e}")))?;
            if ok {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A session's roles and branch scope.
    pub async fn grant(&self, session: &Session) -> ApiResult<Grant> {
        let Some(set) = PolicySet::of(session) else {
            return Ok(Grant::default());
        };
        let sub = subject(session.realm, session.user_id);
        let loaded = self.get(&set, &sub).await?;
        let mut roles: Vec<String> = Vec::new();
        let mut all_branches = false;
        if let Some(domains) = loaded.domains.get(&sub) {
            let enforcer = loaded.enforcer.read().await;
            for dom in domains {
                for role in enforcer.get_roles_for_user(&sub, Some(dom)) {
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
                all_branches = all_branches
                    || enforcer
                        .enforce((sub.as_str(), dom.as_str(), ALL_BRANCHES))
                        .unwrap_or(false);
            }
        }
        roles.sort();
        Ok(Grant {
            roles,
            all_branches,
        })
    }
}
