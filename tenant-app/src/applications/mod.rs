//! Loan applications (项目办理): drafts with security and the pre-loan
//! investigation ([`records`]), the checks at submission ([`checks`]), and
//! [`approved_terms`], everything a contract needs once approved.
//! The approval workflow itself is [`crate::approval`].

pub mod checks;
pub mod records;

use chrono::{DateTime, Utc};
use loan_engine::{Fee, Method, ServicingRules, Term};
use platform::{tenancy::TenantTx, ApiError, ApiResult};
use poem_openapi::types::ToJSON;
use rust_decimal::Decimal;

use crate::products;

/// An approved application: what servicing turns into a contract.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApprovedApplication {
    pub application_id: i64,
    /// The application number (SQ…).
    pub number: String,
    pub customer_id: i64,
    pub branch_id: i64,
    pub manager_id: Option<i64>,
    pub product_id: i64,
    pub product_code: String,
    /// The product's full definition (JSON of [`products::Product`]).
    pub product_snapshot: serde_json::Value,
    pub method: Method,
    pub principal: Decimal,
    pub term: Term,
    pub annual_rate: Decimal,
    pub repay_day: Option<u32>,
    pub fees: Vec<Fee>,
    /// Penalty markup, grace days, compound flag, allocation order, prepayment mode, upfront refund.
    pub rules: ServicingRules,
    pub max_extensions: u32,
    /// The APR computed at submission (value date = submission day).
    pub apr: Option<Decimal>,
    pub purpose: String,
    pub industry_code: String,
    /// credit, guarantee, mortgage, pledge.
    pub security_kinds: Vec<String>,
    /// `application_guarantors` ids.
    pub guarantor_ids: Vec<i64>,
    /// The guarantors as customers.
    pub guarantor_customer_ids: Vec<i64>,
    /// `application_collateral` ids.
    pub collateral_ids: Vec<i64>,
    pub approved_at: DateTime<Utc>,
}

/// The terms of an approved application, in the caller's transaction.
/// Refused: `not_found`, `application_not_approved` (409).
pub async fn approved_terms(
    tx: &mut TenantTx,
    application_id: i64,
) -> ApiResult<ApprovedApplication> {
    let a = records::load(tx, application_id, false).await?;
    if a.status != "approved" {
        return Err(ApiError::conflict(
            "application_not_approved",
            format!("application {} is {}, not approved", a.number, a.status),
        ));
    }
    let p = products::load(tx, a.product_id).await?;
    let apr: Option<Decimal> = sqlx::query_scalar("select apr from applications where id = $1")
        .bind(application_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(ApprovedApplication {
        application_id: a.id,
        number: a.number.clone(),
        customer_id: a.customer_id,
        branch_id: a.branch_id,
        manager_id: a.manager_id,
        product_id: p.id,
        product_code: p.code.clone(),
        product_snapshot: p.to_json().unwrap_or_default(),
        method: p.method()?,
        principal: a.amount.amount(),
        term: p.term(a.term),
        annual_rate: a.rate.value(),
        repay_day: a.repay_day,
        fees: p.engine_fees()?,
        rules: p.servicing_rules(),
        max_extensions: p.max_extensions,
        apr,
        purpose: a.purpose.clone(),
        industry_code: a.industry_code.clone(),
        security_kinds: a.security_kinds.clone(),
        guarantor_ids: a.guarantors.iter().map(|g| g.id).collect(),
        guarantor_customer_ids: a.guarantors.iter().map(|g| g.customer_id).collect(),
        collateral_ids: a.collateral.iter().map(|c| c.id).collect(),
        approved_at: a.decided_at.unwrap_or_else(Utc::now),
    })
}
