//! The checks at submission, each refusing with its own code and leaving
//! everything unchanged: the blacklist (borrower and guarantors), the credit
//! limit, the APR cap, the single-borrower and related-group concentration
//! limits as shares of net assets (from the ledger), with the jurisdiction's
//! limits or the tenant's stricter ones ([`crate::lending_settings`]).

use chrono::NaiveDate;
use loan_engine::{apr, build_schedule, LoanTerms};
use platform::{tenancy::TenantTx, ApiError, ApiResult};
use rust_decimal::Decimal;

use super::records::Application;
use crate::customers::records as customers;
use crate::products::Product;
use crate::{ledger, lending_settings, limits, schedule_previews::engine_error};

/// The loan engine's terms of an application with value date `on`.
pub fn loan_terms(a: &Application, p: &Product, on: NaiveDate) -> ApiResult<LoanTerms> {
    Ok(LoanTerms {
        method: p.method()?,
        principal: a.amount.amount(),
        annual_rate: a.rate.value(),
        term: Some(p.term(a.term)),
        value_date: on,
        repay_day: a.repay_day,
        custom: Vec::new(),
        fees: p.engine_fees()?,
    })
}

/// What the customers already owe or have in the pipeline: open loans'
/// outstanding principal (loans not yet paid out at their principal), plus
/// applications in review or approved that have no loan yet, except `except`.
pub async fn exposure(tx: &mut TenantTx, customer_ids: &[i64], except: i64) -> ApiResult<Decimal> {
    let has_loans: bool = sqlx::query_scalar("select to_regclass('loans') is not null")
        .fetch_one(&mut **tx)
        .await?;
    let pipeline_sql = if has_loans {
        "select coalesce(sum(amount), 0) from applications a
          where customer_id = any($1) and id <> $2 and status in ('in_review', 'approved')
            and not exists (select 1 from loans l where l.application_id = a.id)"
    } else {
        "select coalesce(sum(amount), 0) from applications
          where customer_id = any($1) and id <> $2 and status in ('in_review', 'approved')"
    };
    let pipeline: Decimal = sqlx::query_scalar(pipeline_sql)
        .bind(customer_ids)
        .bind(except)
        .fetch_one(&mut **tx)
        .await?;
    let loans: Decimal = if has_loans {
        sqlx::query_scalar(
            "select coalesce(sum(case when status in ('approved', 'pending') then principal
                                      when status = 'active' then outstanding_principal else 0 end), 0)::numeric
               from loans where customer_id = any($1)",
        )
        .bind(customer_ids)
        .fetch_one(&mut **tx)
        .await?
    } else {
        Decimal::ZERO
    };
    Ok(pipeline + loans)
}

/// Runs every check; returns the APR of the terms.
pub async fn run(
    tx: &mut TenantTx,
    a: &Application,
    p: &Product,
    today: NaiveDate,
) -> ApiResult<Decimal> {
    let customer = customers::load(tx, a.customer_id, true).await?;
    if customer.blacklisted {
        return Err(ApiError::conflict(
            "customer_blacklisted",
            format!(
                "the customer is on the blacklist: {}",
                customer.blacklist_reason.unwrap_or_default()
            ),
        ));
    }
    for g in &a.guarantors {
        let gc = customers::load(tx, g.customer_id, false).await?;
        if gc.blacklisted {
            return Err(ApiError::conflict(
                "guarantor_blacklisted",
                format!("the guarantor {} is on the blacklist", gc.name),
            ));
        }
    }
    limits::check(tx, a.customer_id, a.amount.amount(), today).await?;
    let l = lending_settings::effective(tx).await?;
    let terms = loan_terms(a, p, today)?;
    let schedule = build_schedule(&terms).map_err(engine_error)?;
    let apr = apr(&terms, &schedule).map_err(engine_error)?;
    if apr > l.apr_cap {
        return Err(ApiError::validation(
            "rate",
            "apr_above_cap",
            format!(
                "the APR {apr} of these terms is above the cap {}",
                l.apr_cap.normalize()
            ),
        ));
    }
    let net = ledger::net_assets(tx, today).await?;
    let own = exposure(tx, &[a.customer_id], a.id).await? + a.amount.amount();
    let single_max = (net * l.single_borrower_max).round_dp(2);
    if own > single_max {
        return Err(ApiError::conflict(
            "single_borrower_limit_exceeded",
            format!(
                "the customer's exposure would be {own}, above {} ({} of net assets {net})",
                single_max,
                l.single_borrower_max.normalize()
            ),
        ));
    }
    if let Some(group) = customer.group_id {
        let members: Vec<i64> = sqlx::query_scalar("select id from customers where group_id = $1")
            .bind(group)
            .fetch_all(&mut **tx)
            .await?;
        let total = exposure(tx, &members, a.id).await? + a.amount.amount();
        let group_max = (net * l.related_group_max).round_dp(2);
        if total > group_max {
            return Err(ApiError::conflict(
                "related_group_limit_exceeded",
                format!(
                    "the related group's exposure would be {total}, above {} ({} of net assets {net})",
                    group_max,
                    l.related_group_max.normalize()
                ),
            ));
        }
    }
    Ok(apr)
}
