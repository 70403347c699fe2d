//! The borrower's page, `GET /b/{token}`: what a borrower sees from the link
//! in a reminder. The token is a signed, expiring borrower link
//! (`platform::borrower_link`); a bad or expired one answers 404
//! `link_invalid`. The page itself (masked name, amount due, schedule, how
//! to pay) comes with the loan book; until then a valid token for an
//! operational tenant answers 404 `loan_not_found`. Rate limited per client
//! address (`borrower_link.per_ip_per_minute`) in Redis.

use platform::{
    borrower_link::BorrowerLinks, error::ApiError, jobs::tenants, rate_limit, AppState,
};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, RemoteAddr},
    IntoResponse, Response,
};

/// `GET /b/:token`.
#[handler]
pub async fn borrower_page(
    state: Data<&AppState>,
    links: Data<&BorrowerLinks>,
    remote: &RemoteAddr,
    Path(token): Path<String>,
) -> Response {
    match page(&state, &links, remote, &token).await {
        Ok(resp) => resp,
        Err(err) => err.to_response(),
    }
}

async fn page(
    state: &AppState,
    links: &BorrowerLinks,
    remote: &RemoteAddr,
    token: &str,
) -> Result<Response, ApiError> {
    let ip = remote
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    rate_limit::enforce(
        &state.redis,
        &format!("borrower_page:{ip}"),
        state.config.borrower_link.per_ip_per_minute,
        60,
        "requests for borrower pages",
    )
    .await?;
    let link = links.verify(token).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "link_invalid",
            "this link is invalid or has expired",
        )
    })?;
    if !tenants::is_operational(&state.pool, &link.tenant).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "link_invalid",
            "this link is invalid or has expired",
        ));
    }
    // The loan book does not exist yet: every loan is unknown.
    Err::<Response, _>(ApiError::new(
        StatusCode::NOT_FOUND,
        "loan_not_found",
        "loan not found",
    ))
    .map(IntoResponse::into_response)
}
