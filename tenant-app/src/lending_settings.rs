//! Lending limits: the APR cap and the concentration limits (single borrower,
//! related group, as shares of net assets). The jurisdiction's values come
//! from the regulator's thresholds (`supervision.firm_thresholds()`, the
//! defaults of SUPERVISION.md when the firm has none: 24 %, 10 %, 15 %); a
//! tenant may only make them stricter.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::Rate,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};
use rust_decimal::Decimal;

use crate::ApiTag;

/// One set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub apr_cap: Decimal,
    pub single_borrower_max: Decimal,
    pub related_group_max: Decimal,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            apr_cap: loan_engine::DEFAULT_APR_CAP,
            single_borrower_max: Decimal::new(10, 2),
            related_group_max: Decimal::new(15, 2),
        }
    }
}

/// The jurisdiction's limits for the tenant of the transaction.
pub async fn jurisdiction(tx: &mut TenantTx) -> ApiResult<Limits> {
    let row: (Option<Decimal>, Option<Decimal>, Option<Decimal>) = sqlx::query_as(
        "select (t->>'apr_cap')::numeric, (t->>'single_borrower_max')::numeric, (t->>'related_group_max')::numeric
           from (select supervision.firm_thresholds() as t) x",
    )
    .fetch_one(&mut **tx)
    .await?;
    let d = Limits::default();
    Ok(Limits {
        apr_cap: row.0.unwrap_or(d.apr_cap),
        single_borrower_max: row.1.unwrap_or(d.single_borrower_max),
        related_group_max: row.2.unwrap_or(d.related_group_max),
    })
}

async fn own(tx: &mut TenantTx) -> ApiResult<(Option<Decimal>, Option<Decimal>, Option<Decimal>)> {
    Ok(sqlx::query_as(
        "select apr_cap, single_borrower_max, related_group_max from lending_settings",
    )
    .fetch_one(&mut **tx)
    .await?)
}

fn stricter(own: Option<Decimal>, j: Decimal) -> Decimal {
    own.map_or(j, |o| o.min(j))
}

/// The limits in force: the stricter of the jurisdiction's and the tenant's.
pub async fn effective(tx: &mut TenantTx) -> ApiResult<Limits> {
    let j = jurisdiction(tx).await?;
    let o = own(tx).await?;
    Ok(Limits {
        apr_cap: stricter(o.0, j.apr_cap),
        single_borrower_max: stricter(o.1, j.single_borrower_max),
        related_group_max: stricter(o.2, j.related_group_max),
    })
}

/// The lending limits: the jurisdiction's, the tenant's own and those in force.
#[derive(Debug, Object)]
struct LendingSettingsBody {
    jurisdiction: LimitsBody,
    /// The tenant's own (null: the jurisdiction's).
    own: OwnLimits,
    effective: LimitsBody,
    updated_at: Option<DateTime<Utc>>,
}

/// A set of limits.
#[derive(Debug, Object)]
struct LimitsBody {
    apr_cap: Rate,
    single_borrower_max: Rate,
    related_group_max: Rate,
}

/// The tenant's own limits; each may only be at or below the jurisdiction's.
#[derive(Debug, Object)]
struct OwnLimits {
    apr_cap: Option<Rate>,
    single_borrower_max: Option<Rate>,
    related_group_max: Option<Rate>,
}

fn rate(d: Decimal) -> Rate {
    Rate::new(d).unwrap_or_else(|_| Rate::new(Decimal::ONE).unwrap_or_else(|_| unreachable!()))
}

fn limits_body(l: Limits) -> LimitsBody {
    LimitsBody {
        apr_cap: rate(l.apr_cap),
        single_borrower_max: rate(l.single_borrower_max),
        related_group_max: rate(l.related_group_max),
    }
}

async fn body(tx: &mut TenantTx) -> ApiResult<LendingSettingsBody> {
    let j = jurisdiction(tx).await?;
    let o = own(tx).await?;
    let e = effective(tx).await?;
    let updated_at: Option<DateTime<Utc>> =
        sqlx::query_scalar("select updated_at from lending_settings")
            .fetch_one(&mut **tx)
            .await?;
    Ok(LendingSettingsBody {
        jurisdiction: limits_body(j),
        own: OwnLimits {
            apr_cap: o.0.map(rate),
            single_borrower_max: o.1.map(rate),
            related_group_max: o.2.map(rate),
        },
        effective: limits_body(e),
        updated_at,
    })
}

/// Lending settings endpoints.
pub struct LendingSettingsApi;

#[OpenApi(tag = "ApiTag::Products")]
impl LendingSettingsApi {
    /// The lending limits: jurisdiction, the tenant's own, in force.
    #[oai(
        path = "/lending-settings",
        method = "get",
        operation_id = "get_lending_settings"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<LendingSettingsBody>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let b = body(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(b))
    }

    /// Replace the tenant's own limits (null: the jurisdiction's). Refused:
    /// `looser_than_jurisdiction` (422 naming the field), a zero limit.
    #[oai(
        path = "/lending-settings",
        method = "put",
        operation_id = "put_lending_settings"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        req: Json<OwnLimits>,
    ) -> ApiResult<Json<LendingSettingsBody>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let j = jurisdiction(&mut tx).await?;
        let checks = [
            ("apr_cap", req.apr_cap, j.apr_cap),
            (
                "single_borrower_max",
                req.single_borrower_max,
                j.single_borrower_max,
            ),
            (
                "related_group_max",
                req.related_group_max,
                j.related_group_max,
            ),
        ];
        for (field, own, jur) in checks {
            if let Some(v) = own {
                if v.value() <= Decimal::ZERO {
                    return Err(ApiError::validation(
                        field,
                        "invalid_limit",
                        "a limit must be above 0",
                    ));
                }
                if v.value() > jur {
                    return Err(ApiError::validation(
                        field,
                        "looser_than_jurisdiction",
                        format!("{field} {} is above the jurisdiction's {jur}; a company may only be stricter", v.value()),
                    ));
                }
            }
        }
        let before = body(&mut tx).await?;
        sqlx::query("update lending_settings set apr_cap = $1, single_borrower_max = $2, related_group_max = $3, updated_by = $4")
            .bind(req.apr_cap.map(Rate::value))
            .bind(req.single_borrower_max.map(Rate::value))
            .bind(req.related_group_max.map(Rate::value))
            .bind(auth.0.session.user_id)
            .execute(&mut *tx)
            .await?;
        let after = body(&mut tx).await?;
        use poem_openapi::types::ToJSON;
        let change = Change {
            action: "lending_settings.update",
            entity_type: "lending_settings",
            entity_id: None,
            before: before.own.to_json(),
            after: after.own.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
