//! Read-only by construction: every portal request runs in a transaction
//! whose role is the supervision reader (SELECT on `supervision` only) or,
//! for the regulator's own records, the supervision writer — set locally,
//! like a tenant transaction, so nothing leaks to the pooled connection.

use sqlx::{PgPool, Postgres, Transaction};

/// What a portal transaction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read the supervision schema (the reader role).
    Read,
    /// Write the regulator's own records (the writer role).
    Write,
}

impl Access {
    /// The database role for this access under a deployment's role prefix.
    pub fn role(self, role_prefix: &str) -> String {
        match self {
            Self::Read => format!("{role_prefix}supervision_reader"),
            Self::Write => format!("{role_prefix}supervision_writer"),
        }
    }
}

/// A portal transaction.
pub type SupervisionTx = Transaction<'static, Postgres>;

/// Starts a portal transaction as the reader or writer role (local to the transaction).
pub async fn supervision_tx(
    pool: &PgPool,
    role_prefix: &str,
    access: Access,
) -> sqlx::Result<SupervisionTx> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "select set_config('search_path', 'supervision', true), set_config('role', $1, true)",
    )
    .bind(access.role(role_prefix))
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}
