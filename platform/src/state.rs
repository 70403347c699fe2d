//! The state every request handler can reach.

use std::sync::Arc;

use anyhow::Context;
use sqlx::PgPool;

use crate::{
    auth::SessionStore, config::Config, notify::email::Mailer, rbac::Access,
    signed_link::LinkSigner,
};

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub redis: redis::aio::ConnectionManager,
    pub sessions: SessionStore,
    /// Outgoing email.
    pub mailer: Mailer,
    /// Signs and checks the links sent by email.
    pub links: LinkSigner,
    /// Roles and permissions (casbin), kept fresh across instances.
    pub access: Arc<Access>,
}

impl AppState {
    /// Connects to PostgreSQL and Redis.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let pool = crate::db::connect(&config.database).await?;
        let client = redis::Client::open(config.redis.url.expose()).context("invalid redis.url")?;
        let redis = redis::aio::ConnectionManager::new(client.clone())
            .await
            .context("failed to connect to Redis (redis.url / REDIS_URL)")?;
        let sessions = SessionStore::new(redis.clone(), &config.auth);
        let mailer = Mailer::new(&config.smtp)?;
        let links = LinkSigner::new(&config.subscription.link_secret);
        let access = Arc::new(Access::new(pool.clone(), redis.clone()));
        access.listen(client);
        Ok(Self {
            access,
            config: Arc::new(config),
            pool,
            redis,
            sessions,
            mailer,
            links,
        })
    }
}
