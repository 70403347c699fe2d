//! Loan products (贷款产品), per LOAN-MATH: method and term unit, amount, term
//! and rate ranges, fees, penalty markup, grace days, compound interest,
//! allocation order, prepayment fee and mode, maximum extensions. At setup the
//! loan engine's APR of the four worst cases (maximum rate with the fees, at
//! the minimum and maximum amount and the shortest and longest term) must be
//! within the cap in force; otherwise the product is refused with both figures.
//! A product's approval flows are those naming it ([`crate::approval::flows`]).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use loan_engine::{
    apr::{check_product_apr, ProductAprCheck},
    fees::{FeeBasis, FeeKind},
    AllocationOrder, Fee, Method, PrepaymentMode, ServicingRules, Term,
};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    money::{DecimalText, Money, Rate},
    pagination::{Page, Paging},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    types::{ParseFromJSON, ToJSON},
    ApiResponse, Object, OpenApi,
};
use rust_decimal::Decimal;

use crate::{lending_settings, schedule_previews::engine_error, ApiTag};

/// A product fee.
#[derive(Debug, Clone, Object)]
pub struct ProductFee {
    /// The label, e.g. 服务费, 咨询费.
    pub name: String,
    /// at_payout, per_installment, prepayment (a percentage of the principal prepaid) or late (fixed).
    pub kind: String,
    /// fixed (CNY) or percent (a fraction of the principal: "0.01" = 1 %).
    pub basis: String,
    pub value: DecimalText,
}

/// One of the four worst cases checked at setup.
#[derive(Debug, Clone, Object)]
pub struct AprCase {
    pub principal: String,
    /// e.g. `12 months`, `30 days`.
    pub term: String,
    pub apr: String,
}

/// A loan product.
#[derive(Debug, Clone, Object)]
pub struct Product {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// active or retired.
    pub status: String,
    /// bullet, interest_monthly, interest_quarterly, interest_upfront, equal_principal or equal_installment.
    pub method: String,
    /// months or days (days: bullet and interest_upfront only).
    pub term_unit: String,
    pub min_term: u32,
    pub max_term: u32,
    pub min_amount: Money,
    pub max_amount: Money,
    pub min_rate: Rate,
    pub max_rate: Rate,
    pub fees: Vec<ProductFee>,
    /// Penalty rate = rate × (1 + markup).
    pub penalty_markup: Rate,
    pub grace_days: u32,
    pub compound_interest: bool,
    /// installment_first, interest_first_across or principal_first.
    pub allocation: String,
    /// keep_term or keep_installment.
    pub prepayment_mode: String,
    pub refund_unearned_upfront_interest: bool,
    pub max_extensions: u32,
    /// The worst cases' APRs, and the cap in force when they were checked.
    pub apr_cases: Vec<AprCase>,
    pub apr_cap: Rate,
    pub created_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new product.
#[derive(Debug, Object)]
struct NewProduct {
    code: String,
    name: String,
    method: String,
    /// months (default) or days.
    term_unit: Option<String>,
    min_term: u32,
    max_term: u32,
    min_amount: Money,
    max_amount: Money,
    min_rate: Rate,
    max_rate: Rate,
    #[oai(default)]
    fees: Vec<ProductFee>,
    /// Default 0.5.
    penalty_markup: Option<Rate>,
    #[oai(default)]
    grace_days: u32,
    #[oai(default)]
    compound_interest: bool,
    /// Default installment_first.
    allocation: Option<String>,
    /// Default keep_term.
    prepayment_mode: Option<String>,
    /// Default true.
    refund_unearned_upfront_interest: Option<bool>,
    /// Default 2.
    max_extensions: Option<u32>,
}

#[derive(ApiResponse)]
enum CreatedProduct {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Product>),
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    name: String,
    status: String,
    method: String,
    term_unit: String,
    min_term: i32,
    max_term: i32,
    min_amount: Money,
    max_amount: Money,
    min_rate: Decimal,
    max_rate: Decimal,
    fees: serde_json::Value,
    penalty_markup: Decimal,
    grace_days: i32,
    compound_interest: bool,
    allocation: String,
    prepayment_mode: String,
    refund_unearned_upfront_interest: bool,
    max_extensions: i32,
    apr_cases: serde_json::Value,
    apr_cap: Decimal,
    created_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, code, name, status, method, term_unit, min_term, max_term, min_amount, max_amount, min_rate, max_rate, fees, penalty_markup, grace_days, compound_interest, allocation, prepayment_mode, refund_unearned_upfront_interest, max_extensions, apr_cases, apr_cap, created_on, created_at, updated_at";

fn rate_of(d: Decimal) -> Rate {
    Rate::new(d.clamp(Decimal::ZERO, Decimal::ONE)).unwrap_or_else(|_| unreachable!())
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl From<Row> for Product {
    fn from(r: Row) -> Self {
        Product {
            id: r.id,
            code: r.code,
            name: r.name,
            status: r.status,
            method: r.method,
            term_unit: r.term_unit,
            min_term: u32_of(r.min_term),
            max_term: u32_of(r.max_term),
            min_amount: r.min_amount,
            max_amount: r.max_amount,
            min_rate: rate_of(r.min_rate),
            max_rate: rate_of(r.max_rate),
            fees: Vec::<ProductFee>::parse_from_json(Some(r.fees)).unwrap_or_default(),
            penalty_markup: rate_of(r.penalty_markup),
            grace_days: u32_of(r.grace_days),
            compound_interest: r.compound_interest,
            allocation: r.allocation,
            prepayment_mode: r.prepayment_mode,
            refund_unearned_upfront_interest: r.refund_unearned_upfront_interest,
            max_extensions: u32_of(r.max_extensions),
            apr_cases: Vec::<AprCase>::parse_from_json(Some(r.apr_cases)).unwrap_or_default(),
            apr_cap: rate_of(r.apr_cap),
            created_on: r.created_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl Product {
    /// The repayment method.
    pub fn method(&self) -> ApiResult<Method> {
        Method::from_str(&self.method).map_err(engine_error)
    }

    /// The product's fees as the loan engine's.
    pub fn engine_fees(&self) -> ApiResult<Vec<Fee>> {
        engine_fees(&self.fees)
    }

    /// A term of `n` in the product's unit.
    pub fn term(&self, n: u32) -> Term {
        if self.term_unit == "days" {
            Term::Days(n)
        } else {
            Term::Months(n)
        }
    }

    /// The servicing rules of the loan engine.
    pub fn servicing_rules(&self) -> ServicingRules {
        ServicingRules {
            penalty_markup: self.penalty_markup.value(),
            grace_days: self.grace_days,
            compound_interest: self.compound_interest,
            allocation: allocation_of(&self.allocation).unwrap_or_default(),
            refund_unearned_upfront_interest: self.refund_unearned_upfront_interest,
            prepayment_mode: prepayment_mode_of(&self.prepayment_mode).unwrap_or_default(),
        }
    }
}

fn allocation_of(s: &str) -> Option<AllocationOrder> {
    match s {
        "installment_first" => Some(AllocationOrder::InstallmentFirst),
        "interest_first_across" => Some(AllocationOrder::InterestFirstAcross),
        "principal_first" => Some(AllocationOrder::PrincipalFirst),
        _ => None,
    }
}

fn prepayment_mode_of(s: &str) -> Option<PrepaymentMode> {
    match s {
        "keep_term" => Some(PrepaymentMode::KeepTerm),
        "keep_installment" => Some(PrepaymentMode::KeepInstallment),
        _ => None,
    }
}

/// The loan engine's fees of a product's fee list; errors name `fees[i]`.
pub fn engine_fees(fees: &[ProductFee]) -> ApiResult<Vec<Fee>> {
    fees.iter()
        .enumerate()
        .map(|(i, f)| {
            let kind = match f.kind.as_str() {
                "at_payout" => FeeKind::AtPayout,
                "per_installment" => FeeKind::PerInstallment,
                "prepayment" => FeeKind::Prepayment,
                "late" => FeeKind::Late,
                _ => {
                    return Err(ApiError::validation(
                        format!("fees[{i}].kind"),
                        "invalid_fee",
                        "kind is at_payout, per_installment, prepayment or late",
                    ))
                }
            };
            let value = Decimal::from_str(&f.value.0).map_err(|_| {
                ApiError::validation(
                    format!("fees[{i}].value"),
                    "invalid_fee",
                    "a decimal such as \"100.00\"",
                )
            })?;
            let basis = match f.basis.as_str() {
                "fixed" => FeeBasis::Fixed(value),
                "percent" => FeeBasis::PercentOfPrincipal(value),
                _ => {
                    return Err(ApiError::validation(
                        format!("fees[{i}].basis"),
                        "invalid_fee",
                        "basis is fixed or percent",
                    ))
                }
            };
            Fee::new(kind, basis, f.name.clone())
                .map_err(|e| ApiError::validation(format!("fees[{i}]"), e.code, e.message))
        })
        .collect()
}

/// A product by id; 404 when it is not in this tenant.
pub async fn load(tx: &mut TenantTx, id: i64) -> ApiResult<Product> {
    let row: Option<Row> = sqlx::query_as(&format!("select {COLUMNS} from products where id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(Product::from)
        .ok_or_else(|| ApiError::not_found("product"))
}

fn term_text(t: Term) -> String {
    match t {
        Term::Months(n) => format!("{n} months"),
        Term::Days(n) => format!("{n} days"),
    }
}

/// Product endpoints.
pub struct ProductsApi;

#[OpenApi(tag = "ApiTag::Products")]
impl ProductsApi {
    /// Define a product. Refused: a malformed field (422 naming it),
    /// `apr_above_cap` (422, field `max_rate`, the worst-case APR and the cap
    /// in the message), `product_code_taken` (409).
    #[oai(path = "/products", method = "post", operation_id = "create_product")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewProduct>,
    ) -> ApiResult<CreatedProduct> {
        let b = body.0;
        let code_ok = (1..=20).contains(&b.code.len())
            && b.code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !code_ok {
            return Err(ApiError::validation(
                "code",
                "invalid_product_code",
                "1 to 20 letters, digits, _ or -",
            ));
        }
        let name = b.name.trim();
        if !(1..=100).contains(&name.chars().count()) {
            return Err(ApiError::validation(
                "name",
                "invalid_product_name",
                "1 to 100 characters",
            ));
        }
        let method = Method::from_str(&b.method).map_err(engine_error)?;
        if method == Method::Custom {
            return Err(ApiError::validation(
                "method",
                "invalid_method",
                "a product needs a standard method; custom schedules are checked on each contract",
            ));
        }
        let term_unit = b.term_unit.as_deref().unwrap_or("months");
        match term_unit {
            "months" => {}
            "days" if method.allows_day_term() => {}
            "days" => {
                return Err(ApiError::validation(
                    "term_unit",
                    "day_term_not_allowed",
                    format!(
                    "{method} does not accept a term in days (bullet and interest_upfront only)"
                ),
                ))
            }
            _ => {
                return Err(ApiError::validation(
                    "term_unit",
                    "invalid_term_unit",
                    "months or days",
                ))
            }
        }
        let max_allowed = if term_unit == "days" {
            Term::MAX_DAYS
        } else {
            Term::MAX_MONTHS
        };
        if b.min_term == 0 || b.min_term > max_allowed {
            return Err(ApiError::validation(
                "min_term",
                "invalid_term",
                format!("1 to {max_allowed}"),
            ));
        }
        if b.max_term < b.min_term || b.max_term > max_allowed {
            return Err(ApiError::validation(
                "max_term",
                "invalid_term",
                format!("min_term to {max_allowed}"),
            ));
        }
        if b.min_amount.amount() <= Decimal::ZERO {
            return Err(ApiError::validation(
                "min_amount",
                "invalid_amount",
                "above 0",
            ));
        }
        if b.max_amount < b.min_amount {
            return Err(ApiError::validation(
                "max_amount",
                "invalid_amount",
                "at least min_amount",
            ));
        }
        if b.max_rate < b.min_rate {
            return Err(ApiError::validation(
                "max_rate",
                "invalid_rate",
                "at least min_rate",
            ));
        }
        let fees = engine_fees(&b.fees)?;
        if b.grace_days > 90 {
            return Err(ApiError::validation(
                "grace_days",
                "invalid_grace_days",
                "0 to 90",
            ));
        }
        let allocation = b.allocation.as_deref().unwrap_or("installment_first");
        if allocation_of(allocation).is_none() {
            return Err(ApiError::validation(
                "allocation",
                "invalid_allocation",
                "installment_first, interest_first_across or principal_first",
            ));
        }
        let prepayment_mode = b.prepayment_mode.as_deref().unwrap_or("keep_term");
        if prepayment_mode_of(prepayment_mode).is_none() {
            return Err(ApiError::validation(
                "prepayment_mode",
                "invalid_prepayment_mode",
                "keep_term or keep_installment",
            ));
        }
        let max_extensions = b.max_extensions.unwrap_or(2);
        if max_extensions > 10 {
            return Err(ApiError::validation(
                "max_extensions",
                "invalid_max_extensions",
                "0 to 10",
            ));
        }
        let penalty_markup = b.penalty_markup.map_or(Decimal::new(5, 1), Rate::value);

        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let cap = lending_settings::effective(&mut tx).await?.apr_cap;
        let today = chrono::Utc::now().date_naive();
        let unit = |n: u32| {
            if term_unit == "days" {
                Term::Days(n)
            } else {
                Term::Months(n)
            }
        };
        let check = ProductAprCheck {
            method,
            max_rate: b.max_rate.value(),
            fees: fees.clone(),
            min_amount: b.min_amount.amount(),
            max_amount: b.max_amount.amount(),
            shortest: unit(b.min_term),
            longest: unit(b.max_term),
            created_on: today,
            cap: Decimal::ONE,
        };
        let cases = check_product_apr(&check).map_err(engine_error)?;
        if let Some(worst) = cases.iter().max_by_key(|c| c.apr) {
            if worst.apr > cap {
                return Err(ApiError::validation(
                    "max_rate",
                    "apr_above_cap",
                    format!(
                        "the worst-case APR {} (at {} over {}) is above the cap {}",
                        worst.apr,
                        worst.principal,
                        term_text(worst.term),
                        cap.normalize()
                    ),
                ));
            }
        }
        let apr_cases: Vec<AprCase> = cases
            .iter()
            .map(|c| AprCase {
                principal: c.principal.to_string(),
                term: term_text(c.term),
                apr: c.apr.to_string(),
            })
            .collect();
        let id: i64 = sqlx::query_scalar(
            "insert into products (code, name, method, term_unit, min_term, max_term, min_amount, max_amount, min_rate, max_rate,
                fees, penalty_markup, grace_days, compound_interest, allocation, prepayment_mode, refund_unearned_upfront_interest,
                max_extensions, apr_cases, apr_cap, created_on, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) returning id",
        )
        .bind(&b.code)
        .bind(name)
        .bind(method.code())
        .bind(term_unit)
        .bind(i32::try_from(b.min_term).unwrap_or(i32::MAX))
        .bind(i32::try_from(b.max_term).unwrap_or(i32::MAX))
        .bind(b.min_amount)
        .bind(b.max_amount)
        .bind(b.min_rate.value())
        .bind(b.max_rate.value())
        .bind(b.fees.to_json().unwrap_or_default())
        .bind(penalty_markup)
        .bind(i32::try_from(b.grace_days).unwrap_or(0))
        .bind(b.compound_interest)
        .bind(allocation)
        .bind(prepayment_mode)
        .bind(b.refund_unearned_upfront_interest.unwrap_or(true))
        .bind(i32::try_from(max_extensions).unwrap_or(2))
        .bind(apr_cases.to_json().unwrap_or_default())
        .bind(cap)
        .bind(today)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("products_code_key", || {
            ApiError::conflict("product_code_taken", format!("product code {} is taken", b.code))
        })?;
        let product = load(&mut tx, id).await?;
        let change = Change {
            action: "product.create",
            entity_type: "product",
            entity_id: Some(id.to_string()),
            before: None,
            after: product.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedProduct::Created(Json(product)))
    }

    /// Products, optionally by status.
    #[oai(path = "/products", method = "get", operation_id = "list_products")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        status: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Product>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(
            "select count(*) from products where ($1::text is null or status = $1)",
        )
        .bind(&status.0)
        .fetch_one(&mut *tx)
        .await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from products where ($1::text is null or status = $1) order by id limit $2 offset $3"
        ))
        .bind(&status.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(
            rows.into_iter().map(Product::from).collect(),
            paging,
            total,
        )))
    }

    /// One product.
    #[oai(path = "/products/:id", method = "get", operation_id = "get_product")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Product>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let p = load(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok(Json(p))
    }

    /// Retire a product: no new applications (existing ones continue).
    #[oai(
        path = "/products/:id/retire",
        method = "post",
        operation_id = "retire_product"
    )]
    async fn retire(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Product>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, id.0).await?;
        if before.status == "retired" {
            return Err(ApiError::conflict(
                "product_retired",
                "the product is already retired",
            ));
        }
        sqlx::query("update products set status = 'retired' where id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id.0).await?;
        let change = Change {
            action: "product.retire",
            entity_type: "product",
            entity_id: Some(id.0.to_string()),
            before: before.to_json(),
            after: after.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
