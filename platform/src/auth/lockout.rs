//! The password and lockout policy, and the failed-login counters in Redis:
//! after `threshold` failures within `window` the account is locked for
//! `lock` (tenant setting for staff; the defaults for operators and
//! regulators).

use redis::AsyncCommands;
use sqlx::{PgPool, Row};

use super::directory::Directory;
use crate::tenancy;

/// A password and lockout policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub min_password_length: usize,
    /// How many earlier passwords may not be reused.
    pub password_history: usize,
    pub lockout_threshold: u32,
    pub lockout_window_minutes: u32,
    pub lockout_minutes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_password_length: 10,
            password_history: 5,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
        }
    }
}

fn positive(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(1).max(1)
}

/// The policy of a directory: the tenant's `security_settings` for staff.
pub async fn policy(pool: &PgPool, directory: &Directory) -> sqlx::Result<Policy> {
    let Directory::Staff(tenant) = directory else {
        return Ok(Policy::default());
    };
    let mut tx = tenancy::begin(pool, tenant).await?;
    let row = sqlx::query(
        "select min_password_length, password_history, lockout_threshold, lockout_window_minutes, lockout_minutes
           from security_settings",
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row
        .map(|r| Policy {
            min_password_length: usize::try_from(r.get::<i32, _>(0)).unwrap_or(10),
            password_history: usize::try_from(r.get::<i32, _>(1)).unwrap_or(5),
            lockout_threshold: positive(r.get(2)),
            lockout_window_minutes: positive(r.get(3)),
            lockout_minutes: positive(r.get(4)),
        })
        .unwrap_or_default())
}

fn scope(directory: &Directory) -> String {
    match directory {
        Directory::Staff(t) => format!("staff:{}", t.code),
        Directory::Operators => "operator".into(),
        Directory::Regulators => "regulator".into(),
    }
}

fn fail_key(directory: &Directory, username: &str) -> String {
    format!(
        "xd:login-failures:{}:{}",
        scope(directory),
        username.to_lowercase()
    )
}

fn lock_key(directory: &Directory, username: &str) -> String {
    format!(
        "xd:login-locked:{}:{}",
        scope(directory),
        username.to_lowercase()
    )
}

/// Seconds left on a lock, if the username is locked.
pub async fn locked(
    redis: &redis::aio::ConnectionManager,
    directory: &Directory,
    username: &str,
) -> redis::RedisResult<Option<i64>> {
    let mut conn = redis.clone();
    let ttl: i64 = conn.ttl(lock_key(directory, username)).await?;
    Ok((ttl > 0 || ttl == -1).then_some(ttl.max(1)))
}

/// Counts a failure; true when it locked the account.
pub async fn failed(
    redis: &redis::aio::ConnectionManager,
    directory: &Directory,
    username: &str,
    policy: &Policy,
) -> redis::RedisResult<bool> {
    let mut conn = redis.clone();
    let key = fail_key(directory, username);
    let count: u32 = conn.incr(&key, 1).await?;
    if count == 1 {
        let _: () = conn
            .expire(&key, i64::from(policy.lockout_window_minutes) * 60)
            .await?;
    }
    if count >= policy.lockout_threshold {
        let _: () = conn
            .set_ex(
                lock_key(directory, username),
                "1",
                u64::from(policy.lockout_minutes) * 60,
            )
            .await?;
        let _: () = conn.del(&key).await?;
        return Ok(true);
    }
    Ok(false)
}

/// Forgets the failures after a successful login.
pub async fn succeeded(
    redis: &redis::aio::ConnectionManager,
    directory: &Directory,
    username: &str,
) -> redis::RedisResult<()> {
    let mut conn = redis.clone();
    let _: () = conn.del(fail_key(directory, username)).await?;
    Ok(())
}

/// Lifts a lock (an admin's action).
pub async fn unlock(
    redis: &redis::aio::ConnectionManager,
    directory: &Directory,
    username: &str,
) -> redis::RedisResult<()> {
    let mut conn = redis.clone();
    let _: () = conn
        .del(&[lock_key(directory, username), fail_key(directory, username)])
        .await?;
    Ok(())
}
