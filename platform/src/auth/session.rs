//! Sessions in Redis. The client holds an opaque random token; Redis holds the
//! session under the token's SHA-256, with a TTL that is the idle timeout
//! (refreshed on use, never past the absolute expiry).

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{config::AuthConfig, tenancy::TenantRef};

/// Which audience a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Realm {
    Staff,
    Operator,
    Regulator,
}

/// A logged-in user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 of the token, hex; the session's id.
    pub id: String,
    pub realm: Realm,
    /// The tenant, for staff.
    pub tenant: Option<TenantRef>,
    pub user_id: i64,
    pub username: String,
    pub must_change_password: bool,
    /// The staff member's branch (as at login).
    #[serde(default)]
    pub branch_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Creates, finds and revokes sessions.
#[derive(Clone)]
pub struct SessionStore {
    redis: redis::aio::ConnectionManager,
    ttl: Duration,
    idle: Duration,
}

fn key(id: &str) -> String {
    format!("xd:session:{id}")
}

/// The set of an account's session ids.
fn index_key(realm: Realm, tenant: Option<&TenantRef>, user_id: i64) -> String {
    let realm = match realm {
        Realm::Staff => "staff",
        Realm::Operator => "operator",
        Realm::Regulator => "regulator",
    };
    let tenant = tenant.map(|t| t.code.as_str()).unwrap_or("-");
    format!("xd:sessions-of:{realm}:{tenant}:{user_id}")
}

fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl SessionStore {
    /// A store over a Redis connection.
    pub fn new(redis: redis::aio::ConnectionManager, cfg: &AuthConfig) -> Self {
        let minutes = |m: u64| Duration::minutes(i64::try_from(m).unwrap_or(i64::MAX / 120_000));
        Self {
            redis,
            ttl: minutes(cfg.token_ttl_minutes),
            idle: minutes(cfg.idle_timeout_minutes),
        }
    }

    fn idle_seconds(&self, session: &Session) -> u64 {
        let left = (session.expires_at - Utc::now()).num_seconds().max(1);
        u64::try_from(left.min(self.idle.num_seconds())).unwrap_or(1)
    }

    /// Starts a session and returns its bearer token.
    pub async fn create(
        &self,
        realm: Realm,
        tenant: Option<TenantRef>,
        user_id: i64,
        username: &str,
        must_change_password: bool,
        branch_id: Option<i64>,
    ) -> redis::RedisResult<(String, Session)> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = Utc::now();
        let session = Session {
            id: token_id(&token),
            realm,
            tenant,
            user_id,
            username: username.to_string(),
            must_change_password,
            branch_id,
            created_at: now,
            expires_at: now + self.ttl,
        };
        self.save(&session).await?;
        let mut conn = self.redis.clone();
        let index = index_key(realm, session.tenant.as_ref(), user_id);
        let _: () = conn.sadd(&index, &session.id).await?;
        let _: () = conn.expire(&index, self.ttl.num_seconds()).await?;
        Ok((token, session))
    }

    async fn save(&self, session: &Session) -> redis::RedisResult<()> {
        let mut conn = self.redis.clone();
        let json = serde_json::to_string(session).unwrap_or_default();
        let _: () = conn
            .set_ex(key(&session.id), json, self.idle_seconds(session))
            .await?;
        Ok(())
    }

    /// The live session of a token, its idle timer restarted; `None` when
    /// unknown, idle too long or expired.
    pub async fn find(&self, token: &str) -> redis::RedisResult<Option<Session>> {
        let id = token_id(token);
        let mut conn = self.redis.clone();
        let raw: Option<String> = conn.get(key(&id)).await?;
        let Some(session) = raw.and_then(|r| serde_json::from_str::<Session>(&r).ok()) else {
            return Ok(None);
        };
        if session.expires_at <= Utc::now() {
            let _: () = conn.del(key(&id)).await?;
            return Ok(None);
        }
        let _: () = conn
            .expire(
                key(&id),
                i64::try_from(self.idle_seconds(&session)).unwrap_or(1),
            )
            .await?;
        Ok(Some(session))
    }

    /// Rewrites a session after a change (e.g. the password was changed).
    pub async fn update(&self, session: &Session) -> redis::RedisResult<()> {
        self.save(session).await
    }

    /// Ends a session.
    pub async fn revoke(&self, session_id: &str) -> redis::RedisResult<()> {
        let mut conn = self.redis.clone();
        let _: () = conn.del(key(session_id)).await?;
        Ok(())
    }

    /// An account's live sessions, oldest first (idle or expired ones are
    /// dropped from the index on the way).
    pub async fn list(
        &self,
        realm: Realm,
        tenant: Option<&TenantRef>,
        user_id: i64,
    ) -> redis::RedisResult<Vec<Session>> {
        let mut conn = self.redis.clone();
        let index = index_key(realm, tenant, user_id);
        let ids: Vec<String> = conn.smembers(&index).await?;
        let mut out = Vec::new();
        for id in ids {
            let raw: Option<String> = conn.get(key(&id)).await?;
            match raw.and_then(|r| serde_json::from_str::<Session>(&r).ok()) {
                Some(s) if s.expires_at > Utc::now() => out.push(s),
                _ => {
                    let _: () = conn.srem(&index, &id).await?;
                }
            }
        }
        out.sort_by_key(|s| s.created_at);
        Ok(out)
    }

    /// Ends one of an account's sessions; false when it is not theirs or gone.
    pub async fn revoke_of(
        &self,
        realm: Realm,
        tenant: Option<&TenantRef>,
        user_id: i64,
        session_id: &str,
    ) -> redis::RedisResult<bool> {
        let mut conn = self.redis.clone();
        let index = index_key(realm, tenant, user_id);
        let member: bool = conn.sismember(&index, session_id).await?;
        if !member {
            return Ok(false);
        }
        let removed: i64 = conn.del(key(session_id)).await?;
        let _: () = conn.srem(&index, session_id).await?;
        Ok(removed > 0)
    }

    /// Ends every session of an account; returns how many were live.
    pub async fn revoke_all(
        &self,
        realm: Realm,
        tenant: Option<&TenantRef>,
        user_id: i64,
    ) -> redis::RedisResult<usize> {
        let live = self.list(realm, tenant, user_id).await?;
        let mut conn = self.redis.clone();
        for s in &live {
            let _: () = conn.del(key(&s.id)).await?;
        }
        let _: () = conn.del(index_key(realm, tenant, user_id)).await?;
        Ok(live.len())
    }
}
