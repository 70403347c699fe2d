//! Rate limits shared by every instance: a fixed-window counter per key in
//! Redis (`xd:rl:<key>`), expiring with its window.

use crate::error::ApiError;

/// One counted attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Attempts in the current window, this one included.
    pub count: u64,
    /// Seconds until the window ends.
    pub resets_in: u64,
}

/// Counts one attempt under `key` in a window of `window_seconds`.
pub async fn count(
    redis: &redis::aio::ConnectionManager,
    key: &str,
    window_seconds: u64,
) -> redis::RedisResult<Count> {
    let mut conn = redis.clone();
    let key = format!("xd:rl:{key}");
    let window = window_seconds.max(1);
    // The window starts with the first attempt: NX sets the expiry only on
    // a key that has none, in the same atomic step as the increment.
    let (count, _, ttl): (u64, i64, i64) = redis::pipe()
        .atomic()
        .incr(&key, 1)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window)
        .arg("NX")
        .ttl(&key)
        .query_async(&mut conn)
        .await?;
    Ok(Count {
        count,
        resets_in: u64::try_from(ttl).unwrap_or(window),
    })
}

/// Counts one attempt and refuses it with 429 `rate_limited` once more than
/// `limit` were made in the window; `what` names what is limited.
pub async fn enforce(
    redis: &redis::aio::ConnectionManager,
    key: &str,
    limit: u64,
    window_seconds: u64,
    what: &str,
) -> Result<(), ApiError> {
    let counted = count(redis, key, window_seconds).await?;
    if counted.count > limit {
        return Err(ApiError::new(
            poem::http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many {what}; try again in {} seconds",
                counted.resets_in.max(1)
            ),
        ));
    }
    Ok(())
}
