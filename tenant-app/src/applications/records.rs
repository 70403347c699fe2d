//! Application records: a draft (product, amount, term, rate, purpose with its
//! industry code, security kinds with guarantors and collateral items), the
//! pre-loan investigation report with attachments, reads and lists.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::{Money, Rate},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::Path,
    payload::{Attachment, Json},
    types::ToJSON,
    ApiResponse, Object, OpenApi,
};
use rust_decimal::Decimal;

use crate::attachments::{self, AttachmentInfo, NewAttachment};
use crate::customers::{profile::industry_code, records as customers};
use crate::products::{self, Product};
use crate::ApiTag;

/// Permissions of these endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("POST", "/api/v1/applications", "application.create"),
    platform::rbac::RouteRule::new("GET", "/api/v1/applications/:id", "application.read"),
    platform::rbac::RouteRule::new("PUT", "/api/v1/applications/:id", "application.write"),
    platform::rbac::RouteRule::new(
        "PUT",
        "/api/v1/applications/:id/investigation",
        "application.write",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/applications/:id/attachments",
        "application.write",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/api/v1/applications/:id/attachments",
        "application.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/api/v1/applications/:id/attachments/:attachment_id/content",
        "application.read",
    ),
];

/// A guarantor (保证人): a customer on record.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
#[oai(rename = "ApplicationGuarantor")]
pub struct Guarantor {
    #[oai(read_only)]
    pub id: i64,
    pub customer_id: i64,
    /// joint (连带责任) or general (一般保证).
    pub guarantee_kind: String,
    /// The guaranteed amount; null: the whole debt.
    pub amount: Option<Money>,
}

/// A collateral item (抵押物 / 质押物).
#[derive(Debug, Clone, Object, sqlx::FromRow)]
#[oai(rename = "ApplicationCollateral")]
pub struct CollateralItem {
    #[oai(read_only)]
    pub id: i64,
    /// mortgage or pledge.
    pub kind: String,
    pub description: String,
    pub owner_name: String,
    /// Assessed value.
    pub value: Money,
    pub warrant_number: Option<String>,
}

/// The pre-loan investigation report (贷前调查).
#[derive(Debug, Clone, Object)]
#[oai(rename = "ApplicationInvestigation")]
pub struct Investigation {
    pub visited_on: NaiveDate,
    pub summary: String,
    pub findings: Option<String>,
    /// approve, approve_with_conditions or decline.
    pub recommendation: String,
    #[oai(read_only)]
    pub investigator_id: Option<i64>,
}

/// An application.
#[derive(Debug, Clone, Object)]
#[oai(rename = "LoanApplication")]
pub struct Application {
    pub id: i64,
    /// e.g. SQ202611230001.
    pub number: String,
    pub customer_id: i64,
    pub product_id: i64,
    pub branch_id: i64,
    pub manager_id: Option<i64>,
    pub amount: Money,
    /// In the product's term unit.
    pub term: u32,
    pub rate: Rate,
    pub repay_day: Option<u32>,
    pub purpose: String,
    /// National industry classification (GB/T 4754) code of the purpose.
    pub industry_code: String,
    /// credit, guarantee, mortgage, pledge.
    pub security_kinds: Vec<String>,
    pub guarantors: Vec<Guarantor>,
    pub collateral: Vec<CollateralItem>,
    pub investigation: Option<Investigation>,
    /// draft, in_review, returned, approved or rejected.
    pub status: String,
    pub flow_id: Option<i64>,
    /// Position of the step waiting for a decision.
    pub current_step: Option<u32>,
    /// The APR of the terms, computed at submission.
    pub apr: Option<String>,
    pub created_by: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An application's terms (a new draft, or the replacement of a draft's terms).
#[derive(Debug, Object)]
pub struct ApplicationTerms {
    pub customer_id: i64,
    pub product_id: i64,
    pub amount: Money,
    pub term: u32,
    pub rate: Rate,
    /// Fixed repayment day 1–28 (interest_monthly, equal_principal, equal_installment).
    pub repay_day: Option<u32>,
    pub purpose: String,
    pub industry_code: String,
    pub security_kinds: Vec<String>,
    #[oai(default)]
    pub guarantors: Vec<Guarantor>,
    #[oai(default)]
    pub collateral: Vec<CollateralItem>,
}

#[derive(ApiResponse)]
enum CreatedApplication {
    /// Created as a draft.
    #[oai(status = 201)]
    Created(Json<Application>),
}

#[derive(ApiResponse)]
enum CreatedAttachment {
    /// Stored.
    #[oai(status = 201)]
    Created(Json<AttachmentInfo>),
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    number: String,
    customer_id: i64,
    product_id: i64,
    branch_id: i64,
    manager_id: Option<i64>,
    amount: Money,
    term: i32,
    rate: Decimal,
    repay_day: Option<i32>,
    purpose: String,
    industry_code: String,
    security_kinds: Vec<String>,
    investigation: Option<serde_json::Value>,
    status: String,
    flow_id: Option<i64>,
    current_step: Option<i32>,
    apr: Option<Decimal>,
    created_by: i64,
    submitted_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The columns of an application row (prefix `a.` usable).
pub const COLUMNS: &str = "a.id, a.number, a.customer_id, a.product_id, a.branch_id, a.manager_id, a.amount, a.term, a.rate, a.repay_day, a.purpose, a.industry_code, a.security_kinds, a.investigation, a.status, a.flow_id, a.current_step, a.apr, a.created_by, a.submitted_at, a.decided_at, a.created_at, a.updated_at";

fn rate_of(d: Decimal) -> Rate {
    Rate::new(d.clamp(Decimal::ZERO, Decimal::ONE)).unwrap_or_else(|_| unreachable!())
}

impl Row {
    pub(crate) fn into_application(
        self,
        guarantors: Vec<Guarantor>,
        collateral: Vec<CollateralItem>,
    ) -> Application {
        use poem_openapi::types::ParseFromJSON;
        Application {
            id: self.id,
            number: self.number,
            customer_id: self.customer_id,
            product_id: self.product_id,
            branch_id: self.branch_id,
            manager_id: self.manager_id,
            amount: self.amount,
            term: u32::try_from(self.term).unwrap_or(0),
            rate: rate_of(self.rate),
            repay_day: self.repay_day.and_then(|d| u32::try_from(d).ok()),
            purpose: self.purpose,
            industry_code: self.industry_code,
            security_kinds: self.security_kinds,
            guarantors,
            collateral,
            investigation: self
                .investigation
                .and_then(|v| Investigation::parse_from_json(Some(v)).ok()),
            status: self.status,
            flow_id: self.flow_id,
            current_step: self.current_step.and_then(|s| u32::try_from(s).ok()),
            apr: self.apr.map(|a| a.round_dp(4).to_string()),
            created_by: self.created_by,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// An application with its guarantors and collateral (optionally locked); 404 otherwise.
pub async fn load(tx: &mut TenantTx, id: i64, lock: bool) -> ApiResult<Application> {
    let row: Row = sqlx::query_as(&format!(
        "select {COLUMNS} from applications a where a.id = $1{}",
        if lock { " for update" } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("application"))?;
    let guarantors = sqlx::query_as(
        "select id, customer_id, guarantee_kind, amount from application_guarantors where application_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let collateral = sqlx::query_as(
        "select id, kind, description, owner_name, value, warrant_number from application_collateral where application_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(row.into_application(guarantors, collateral))
}

/// An application the caller may see (branch scope); 404 otherwise.
pub async fn load_scoped(
    tx: &mut TenantTx,
    auth: &StaffAuth,
    id: i64,
    lock: bool,
) -> ApiResult<Application> {
    let a = load(tx, id, lock).await?;
    auth.0.ensure_branch(Some(a.branch_id), "application")?;
    Ok(a)
}

/// The audit JSON of an application.
pub fn json(a: &Application) -> serde_json::Value {
    a.to_json().unwrap_or_default()
}

const SECURITY_KINDS: [&str; 4] = ["credit", "guarantee", "mortgage", "pledge"];

/// Checks terms against the product and the records; errors name the field.
async fn validate(
    tx: &mut TenantTx,
    auth: &StaffAuth,
    t: &ApplicationTerms,
) -> ApiResult<(customers::Customer, Product)> {
    let customer = customers::load(tx, t.customer_id, false)
        .await
        .map_err(|_| ApiError::validation("customer_id", "unknown_customer", "no such customer"))?;
    if !auth.0.can_see_branch(Some(customer.branch_id)) {
        return Err(ApiError::validation(
            "customer_id",
            "unknown_customer",
            "no such customer",
        ));
    }
    if customer.status == "merged" {
        return Err(ApiError::validation(
            "customer_id",
            "customer_merged",
            "the customer was merged into another",
        ));
    }
    let product = products::load(tx, t.product_id)
        .await
        .map_err(|_| ApiError::validation("product_id", "unknown_product", "no such product"))?;
    if product.status != "active" {
        return Err(ApiError::validation(
            "product_id",
            "product_retired",
            "the product is retired",
        ));
    }
    if t.amount < product.min_amount || t.amount > product.max_amount {
        return Err(ApiError::validation(
            "amount",
            "amount_out_of_range",
            format!(
                "the product lends {} to {}",
                product.min_amount, product.max_amount
            ),
        ));
    }
    if t.term < product.min_term || t.term > product.max_term {
        return Err(ApiError::validation(
            "term",
            "term_out_of_range",
            format!(
                "the product's term is {} to {} {}",
                product.min_term, product.max_term, product.term_unit
            ),
        ));
    }
    if t.rate < product.min_rate || t.rate > product.max_rate {
        return Err(ApiError::validation(
            "rate",
            "rate_out_of_range",
            format!(
                "the product's rate is {} to {}",
                product.min_rate, product.max_rate
            ),
        ));
    }
    if let Some(d) = t.repay_day {
        let method = product.method()?;
        if !(1..=28).contains(&d) || !method.allows_repay_day() {
            return Err(ApiError::validation(
                "repay_day",
                "invalid_repay_day",
                "1 to 28, for interest_monthly, equal_principal and equal_installment only",
            ));
        }
    }
    let purpose = t.purpose.trim();
    if !(1..=500).contains(&purpose.chars().count()) {
        return Err(ApiError::validation(
            "purpose",
            "invalid_purpose",
            "1 to 500 characters",
        ));
    }
    industry_code("industry_code", &t.industry_code)?;
    if t.security_kinds.is_empty() {
        return Err(ApiError::validation(
            "security_kinds",
            "invalid_security_kinds",
            "at least one of credit, guarantee, mortgage, pledge",
        ));
    }
    for (i, k) in t.security_kinds.iter().enumerate() {
        if !SECURITY_KINDS.contains(&k.as_str()) || t.security_kinds[..i].contains(k) {
            return Err(ApiError::validation(
                format!("security_kinds[{i}]"),
                "invalid_security_kinds",
                "credit, guarantee, mortgage or pledge, each once",
            ));
        }
    }
    let has = |k: &str| t.security_kinds.iter().any(|s| s == k);
    if has("guarantee") != !t.guarantors.is_empty() {
        return Err(ApiError::validation(
            "guarantors",
            "guarantors_mismatch",
            "guarantors are given exactly when the security includes guarantee",
        ));
    }
    for (i, g) in t.guarantors.iter().enumerate() {
        let field = format!("guarantors[{i}].customer_id");
        if g.customer_id == t.customer_id
            || t.guarantors[..i]
                .iter()
                .any(|o| o.customer_id == g.customer_id)
        {
            return Err(ApiError::validation(
                field,
                "invalid_guarantor",
                "a guarantor is another customer, named once",
            ));
        }
        let gc = customers::load(tx, g.customer_id, false)
            .await
            .map_err(|_| {
                ApiError::validation(field.clone(), "unknown_customer", "no such customer")
            })?;
        if gc.status == "merged" {
            return Err(ApiError::validation(
                field,
                "customer_merged",
                "the guarantor was merged into another customer",
            ));
        }
        if !matches!(g.guarantee_kind.as_str(), "joint" | "general") {
            return Err(ApiError::validation(
                format!("guarantors[{i}].guarantee_kind"),
                "invalid_guarantee_kind",
                "joint or general",
            ));
        }
        if g.amount.is_some_and(|a| a.amount() <= Decimal::ZERO) {
            return Err(ApiError::validation(
                format!("guarantors[{i}].amount"),
                "invalid_amount",
                "above 0",
            ));
        }
    }
    for kind in ["mortgage", "pledge"] {
        if has(kind) != t.collateral.iter().any(|c| c.kind == kind) {
            return Err(ApiError::validation(
                "collateral",
                "collateral_mismatch",
                format!("{kind} items are given exactly when the security includes {kind}"),
            ));
        }
    }
    for (i, c) in t.collateral.iter().enumerate() {
        if !matches!(c.kind.as_str(), "mortgage" | "pledge") {
            return Err(ApiError::validation(
                format!("collateral[{i}].kind"),
                "invalid_collateral",
                "mortgage or pledge",
            ));
        }
        if !(1..=500).contains(&c.description.trim().chars().count()) {
            return Err(ApiError::validation(
                format!("collateral[{i}].description"),
                "invalid_collateral",
                "1 to 500 characters",
            ));
        }
        if !(1..=200).contains(&c.owner_name.trim().chars().count()) {
            return Err(ApiError::validation(
                format!("collateral[{i}].owner_name"),
                "invalid_collateral",
                "1 to 200 characters",
            ));
        }
        if c.value.amount() <= Decimal::ZERO {
            return Err(ApiError::validation(
                format!("collateral[{i}].value"),
                "invalid_collateral",
                "above 0",
            ));
        }
    }
    Ok((customer, product))
}

async fn write_security(tx: &mut TenantTx, id: i64, t: &ApplicationTerms) -> ApiResult<()> {
    sqlx::query("delete from application_guarantors where application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from application_collateral where application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for g in &t.guarantors {
        sqlx::query("insert into application_guarantors (application_id, customer_id, guarantee_kind, amount) values ($1, $2, $3, $4)")
            .bind(id)
            .bind(g.customer_id)
            .bind(&g.guarantee_kind)
            .bind(g.amount)
            .execute(&mut **tx)
            .await?;
    }
    for c in &t.collateral {
        sqlx::query("insert into application_collateral (application_id, kind, description, owner_name, value, warrant_number) values ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(&c.kind)
            .bind(c.description.trim())
            .bind(c.owner_name.trim())
            .bind(c.value)
            .bind(&c.warrant_number)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Application record endpoints.
pub struct ApplicationsApi;

#[OpenApi(tag = "ApiTag::Applications")]
impl ApplicationsApi {
    /// Start an application (a draft). Refused: a malformed field or terms
    /// outside the product (422 naming the field).
    #[oai(
        path = "/applications",
        method = "post",
        operation_id = "create_application"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<ApplicationTerms>,
    ) -> ApiResult<CreatedApplication> {
        let t = body.0;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let (customer, _product) = validate(&mut tx, &auth, &t).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into applications (number, customer_id, product_id, branch_id, manager_id, amount, term, rate, repay_day,
                purpose, industry_code, security_kinds, created_by)
             values ('pending-' || gen_random_uuid()::text,
                $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
        )
        .bind(t.customer_id)
        .bind(t.product_id)
        .bind(customer.branch_id)
        .bind(customer.manager_id)
        .bind(t.amount)
        .bind(to_i32(t.term))
        .bind(t.rate.value())
        .bind(t.repay_day.map(to_i32))
        .bind(t.purpose.trim())
        .bind(&t.industry_code)
        .bind(&t.security_kinds)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "update applications set number = 'SQ' || to_char(created_at at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(id::text, 6, '0') where id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        write_security(&mut tx, id, &t).await?;
        let app = load(&mut tx, id, false).await?;
        let change = Change {
            action: "application.create",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json(&app)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedApplication::Created(Json(app)))
    }

    /// One application.
    #[oai(
        path = "/applications/:id",
        method = "get",
        operation_id = "get_application"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Application>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let a = load_scoped(&mut tx, &auth, id.0, false).await?;
        tx.commit().await?;
        Ok(Json(a))
    }

    /// Replace a draft's or a returned application's terms (same checks as at creation).
    /// Refused: `application_not_editable` (409).
    #[oai(
        path = "/applications/:id",
        method = "put",
        operation_id = "replace_application_terms"
    )]
    async fn replace(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<ApplicationTerms>,
    ) -> ApiResult<Json<Application>> {
        let t = body.0;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load_scoped(&mut tx, &auth, id.0, true).await?;
        if !matches!(before.status.as_str(), "draft" | "returned") {
            return Err(ApiError::conflict(
                "application_not_editable",
                "only a draft or a returned application can be changed",
            ));
        }
        let (customer, _) = validate(&mut tx, &auth, &t).await?;
        sqlx::query(
            "update applications set customer_id = $2, product_id = $3, branch_id = $4, manager_id = $5, amount = $6, term = $7,
                rate = $8, repay_day = $9, purpose = $10, industry_code = $11, security_kinds = $12 where id = $1",
        )
        .bind(id.0)
        .bind(t.customer_id)
        .bind(t.product_id)
        .bind(customer.branch_id)
        .bind(customer.manager_id)
        .bind(t.amount)
        .bind(to_i32(t.term))
        .bind(t.rate.value())
        .bind(t.repay_day.map(to_i32))
        .bind(t.purpose.trim())
        .bind(&t.industry_code)
        .bind(&t.security_kinds)
        .execute(&mut *tx)
        .await?;
        write_security(&mut tx, id.0, &t).await?;
        let after = load(&mut tx, id.0, false).await?;
        let change = Change {
            action: "application.update",
            entity_type: "application",
            entity_id: Some(id.0.to_string()),
            before: Some(json(&before)),
            after: Some(json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }

    /// Record the pre-loan investigation report (replaces an earlier one) while
    /// the application is a draft or returned.
    #[oai(
        path = "/applications/:id/investigation",
        method = "put",
        operation_id = "put_application_investigation"
    )]
    async fn investigation(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Investigation>,
    ) -> ApiResult<Json<Application>> {
        let mut inv = body.0;
        if !(1..=5000).contains(&inv.summary.trim().chars().count()) {
            return Err(ApiError::validation(
                "summary",
                "invalid_investigation",
                "1 to 5000 characters",
            ));
        }
        if !matches!(
            inv.recommendation.as_str(),
            "approve" | "approve_with_conditions" | "decline"
        ) {
            return Err(ApiError::validation(
                "recommendation",
                "invalid_investigation",
                "approve, approve_with_conditions or decline",
            ));
        }
        if inv.visited_on > chrono::Utc::now().date_naive() + chrono::Days::new(1) {
            return Err(ApiError::validation(
                "visited_on",
                "invalid_investigation",
                "the visit date is in the future",
            ));
        }
        inv.investigator_id = Some(auth.0.session.user_id);
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load_scoped(&mut tx, &auth, id.0, true).await?;
        if !matches!(before.status.as_str(), "draft" | "returned") {
            return Err(ApiError::conflict(
                "application_not_editable",
                "only a draft or a returned application can be changed",
            ));
        }
        sqlx::query("update applications set investigation = $2 where id = $1")
            .bind(id.0)
            .bind(inv.to_json())
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id.0, false).await?;
        let change = Change {
            action: "application.investigation",
            entity_type: "application",
            entity_id: Some(id.0.to_string()),
            before: before.investigation.to_json(),
            after: after.investigation.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }

    /// Attach a file to the investigation report (JPEG, PNG or PDF, at most 1 MiB, base64).
    #[oai(
        path = "/applications/:id/attachments",
        method = "post",
        operation_id = "create_application_attachment"
    )]
    async fn attach(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewAttachment>,
    ) -> ApiResult<CreatedAttachment> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let a = load_scoped(&mut tx, &auth, id.0, true).await?;
        let info = attachments::store(
            &mut tx,
            "application",
            id.0,
            a.branch_id,
            auth.0.session.user_id,
            &body,
        )
        .await?;
        let change = Change {
            action: "application.attach",
            entity_type: "application",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: Some(serde_json::to_value(&info).unwrap_or_default()),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedAttachment::Created(Json(info)))
    }

    /// The investigation report's attachments.
    #[oai(
        path = "/applications/:id/attachments",
        method = "get",
        operation_id = "list_application_attachments"
    )]
    async fn attachments(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<AttachmentInfo>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load_scoped(&mut tx, &auth, id.0, false).await?;
        let items = attachments::list(&mut tx, "application", id.0).await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Download an attachment of the investigation report.
    #[oai(
        path = "/applications/:id/attachments/:attachment_id/content",
        method = "get",
        operation_id = "get_application_attachment_content"
    )]
    async fn attachment_content(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> ApiResult<Attachment<Vec<u8>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load_scoped(&mut tx, &auth, id.0, false).await?;
        let (info, bytes) =
            attachments::content(&mut tx, "application", id.0, attachment_id.0).await?;
        tx.commit().await?;
        Ok(Attachment::new(bytes).filename(info.file_name))
    }
}
