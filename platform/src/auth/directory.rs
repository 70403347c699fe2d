//! Where each audience's accounts live: staff in their tenant's `users`,
//! operators in `platform.operators`, regulators in `supervision.regulators`.

use sqlx::{PgPool, Row};

use super::session::Realm;
use crate::{
    error::ApiResult,
    tenancy::{self, TenantRef},
};

/// An account's credentials as stored.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    /// The staff member's branch.
    pub branch_id: Option<i64>,
    /// Hashes of earlier passwords, newest first.
    pub previous_password_hashes: Vec<String>,
}

/// One audience's account table.
#[derive(Debug, Clone)]
pub enum Directory {
    Staff(TenantRef),
    Operators,
    Regulators,
}

impl Directory {
    /// The realm of sessions opened against this directory.
    pub fn realm(&self) -> Realm {
        match self {
            Directory::Staff(_) => Realm::Staff,
            Directory::Operators => Realm::Operator,
            Directory::Regulators => Realm::Regulator,
        }
    }

    fn table(&self) -> &'static str {
        match self {
            Directory::Staff(_) => "users",
            Directory::Operators => "platform.operators",
            Directory::Regulators => "supervision.regulators",
        }
    }

    /// The audit trail of this directory's accounts.
    pub fn trail(&self) -> crate::audit::Trail {
        match self {
            Directory::Staff(_) => crate::audit::Trail::Tenant,
            Directory::Operators => crate::audit::Trail::Platform,
            Directory::Regulators => crate::audit::Trail::Supervision,
        }
    }

    /// A transaction in this directory's world (the tenant's for staff).
    pub async fn begin(
        &self,
        pool: &PgPool,
    ) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        match self {
            Directory::Staff(tenant) => tenancy::begin(pool, tenant).await,
            _ => pool.begin().await,
        }
    }

    /// Finds an account by username.
    pub async fn find(&self, pool: &PgPool, username: &str) -> ApiResult<Option<Account>> {
        self.fetch(pool, Some(username), None).await
    }

    /// Finds an account by id.
    pub async fn find_by_id(&self, pool: &PgPool, id: i64) -> ApiResult<Option<Account>> {
        self.fetch(pool, None, Some(id)).await
    }

    async fn fetch(
        &self,
        pool: &PgPool,
        username: Option<&str>,
        id: Option<i64>,
    ) -> ApiResult<Option<Account>> {
        let mut tx = self.begin(pool).await?;
        let sql = format!(
            "select id, username, password_hash, must_change_password, status = 'active' as active, {} as branch_id, previous_password_hashes from {}
              where ($1::text is null or username = $1) and ($2::bigint is null or id = $2)",
            match self {
                Directory::Staff(_) => "branch_id",
                _ => "null::bigint",
            },
            self.table()
        );
        let row = sqlx::query(&sql)
            .bind(username)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|r| Account {
            id: r.get("id"),
            username: r.get("username"),
            password_hash: r.get("password_hash"),
            must_change_password: r.get("must_change_password"),
            active: r.get("active"),
            branch_id: r.get("branch_id"),
            previous_password_hashes: r.get("previous_password_hashes"),
        }))
    }

    /// Stores a new password hash, clears the must-change flag and keeps
    /// the replaced hash among the last `history` ones.
    pub async fn set_password(
        &self,
        conn: &mut sqlx::PgConnection,
        id: i64,
        hash: &str,
        history: usize,
    ) -> ApiResult<()> {
        let sql = format!(
            "update {} set password_hash = $1, must_change_password = false, password_changed_at = now(),
                    previous_password_hashes = (array[password_hash] || previous_password_hashes)[1:$3]
              where id = $2",
            self.table()
        );
        sqlx::query(&sql)
            .bind(hash)
            .bind(id)
            .bind(i32::try_from(history).unwrap_or(5))
            .execute(conn)
            .await?;
        Ok(())
    }
}
