//! The request id: taken from `X-Request-Id` when it is sane, else generated;
//! carried in a task-local so errors and log lines can name it.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header carrying the request id in both directions.
pub const HEADER: &str = "x-request-id";

/// The current request's id, or `-` outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_string())
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Accepts a client's id only if it is short and plain; otherwise makes one.
pub fn accept_or_generate(header: Option<&str>) -> String {
    match header {
        Some(h)
            if !h.is_empty()
                && h.len() <= 64
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
        {
            h.to_string()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}
