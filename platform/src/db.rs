//! The connection pool. Nothing here sets session state: every setting a
//! request needs is transaction-local (see [`crate::tenancy`]).

use std::time::Duration;

use anyhow::Context;
use sqlx::{postgres::PgPoolOptions, PgPool};

use crate::config::DatabaseConfig;

/// Opens the pool (lazily connecting; `readyz` tells whether it answers).
pub async fn connect(cfg: &DatabaseConfig) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(cfg.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(cfg.url.expose())
        .await
        .context("failed to connect to PostgreSQL (database.url / DATABASE_URL)")
}

/// Quotes an identifier that was already validated (tenant schemas and roles);
/// identifiers cannot be bound as parameters in DDL.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}
