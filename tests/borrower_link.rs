//! The borrower page's link: signed, expiring, rate limited per address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use platform::{borrower_link::BorrowerLinks, config::Secret};

const SECRET: &str = "test-borrower-link-secret-0123456789";

#[tokio::test]
async fn bad_and_expired_links_are_invalid_and_requests_are_rate_limited_per_address() {
    let mut config = common::config();
    config.borrower_link.secret = Secret::new(SECRET);
    config.borrower_link.per_ip_per_minute = 5;
    let app = common::spawn_with(config).await;
    // This test owns the counter of 127.0.0.1 (only it requests /b/...).
    let mut redis = app.state.redis.clone();
    let _: () = redis::cmd("DEL")
        .arg("xd:rl:borrower_page:127.0.0.1")
        .query_async(&mut redis)
        .await
        .unwrap();

    let t = app.tenant().await;
    let links = BorrowerLinks::new(SECRET.as_bytes());
    let valid = links.issue(&t.code, 42, Utc::now() + Duration::days(14));
    let expired = links.issue(&t.code, 42, Utc::now() - Duration::minutes(1));
    let forged = BorrowerLinks::new(b"some other key that is long enough").issue(
        &t.code,
        42,
        Utc::now() + Duration::days(1),
    );

    let (s, b) = app.get(&format!("/b/{valid}"), None).await;
    common::assert_error(s, &b, 404, "loan_not_found");
    for bad in ["garbage", expired.as_str(), forged.as_str()] {
        let (s, b) = app.get(&format!("/b/{bad}"), None).await;
        common::assert_error(s, &b, 404, "link_invalid");
    }
    sqlx::query(
        "update platform.tenants set status = 'suspended', suspended_from = status where code = $1",
    )
    .bind(&t.code)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let (s, b) = app.get(&format!("/b/{valid}"), None).await;
    common::assert_error(s, &b, 404, "link_invalid");
    // Five requests in this minute so far were allowed; the sixth is not.
    let (s, b) = app.get(&format!("/b/{valid}"), None).await;
    common::assert_error(s, &b, 429, "rate_limited");
}
