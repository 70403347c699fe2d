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

    async fn begin(
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
            "select id, username, password_hash, must_change_password, status = 'active' as active from {}
              where ($1::text is null or username = $1) and ($2::bigint is null or id = $2)",
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
        }))
    }

    /// Stores a new password hash and clears the must-change flag.
    pub async fn set_password(&self, pool: &PgPool, id: i64, hash: &str) -> ApiResult<()> {
        let mut tx = self.begin(pool).await?;
        let sql = format!(
            "update {} set password_hash = $1, must_change_password = false where id = $2",
            self.table()
        );
        sqlx::query(&sql)
            .bind(hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
