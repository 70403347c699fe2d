//! Customer records: create (one customer per ID number), read, update,
//! search with filters and pagination.

use chrono::{DateTime, NaiveDate, Utc};
use identifiers::{CreditCode, EmailAddress, IdCardNumber, MobileNumber};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    pagination::{Page, Paging},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    types::ToJSON,
    ApiResponse, Object, OpenApi,
};

use super::profile::{self, CompanyProfile, IndividualProfile};
use crate::ApiTag;

/// A customer (客户).
#[derive(Debug, Clone, Object)]
pub struct Customer {
    pub id: i64,
    /// `individual` or `company`.
    pub kind: String,
    pub name: String,
    /// ID card number (individual) or unified social credit code (company).
    pub id_number: String,
    /// Individuals: from the ID number.
    pub birth_date: Option<NaiveDate>,
    /// Individuals: `male` or `female`, from the ID number.
    pub sex: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub branch_id: i64,
    pub manager_id: Option<i64>,
    /// `active` or `merged`.
    pub status: String,
    pub merged_into: Option<i64>,
    /// Related-party group (the smallest customer id of the linked parties), null when unlinked.
    pub group_id: Option<i64>,
    pub blacklisted: bool,
    pub blacklist_reason: Option<String>,
    pub blacklisted_at: Option<DateTime<Utc>>,
    pub individual: Option<IndividualProfile>,
    pub company: Option<CompanyProfile>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    name: String,
    id_number: String,
    mobile: Option<String>,
    email: Option<String>,
    address: Option<String>,
    branch_id: i64,
    manager_id: Option<i64>,
    status: String,
    merged_into: Option<i64>,
    group_id: Option<i64>,
    blacklisted: bool,
    blacklist_reason: Option<String>,
    blacklisted_at: Option<DateTime<Utc>>,
    profile: serde_json::Value,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The columns of [`Row`].
pub const COLUMNS: &str = "id, kind, name, id_number, mobile, email, address, branch_id, manager_id, status, merged_into, group_id, blacklisted, blacklist_reason, blacklisted_at, profile, created_by, created_at, updated_at";

impl From<Row> for Customer {
    fn from(r: Row) -> Self {
        let (individual, company) = profile::from_stored(&r.profile);
        let card = (r.kind == "individual")
            .then(|| IdCardNumber::parse(&r.id_number).ok())
            .flatten();
        Customer {
            id: r.id,
            birth_date: card.as_ref().map(IdCardNumber::birth_date),
            sex: card.as_ref().map(|c| {
                match c.sex() {
                    identifiers::Sex::Male => "male",
                    identifiers::Sex::Female => "female",
                }
                .to_string()
            }),
            kind: r.kind,
            name: r.name,
            id_number: r.id_number,
            mobile: r.mobile,
            email: r.email,
            address: r.address,
            branch_id: r.branch_id,
            manager_id: r.manager_id,
            status: r.status,
            merged_into: r.merged_into,
            group_id: r.group_id,
            blacklisted: r.blacklisted,
            blacklist_reason: r.blacklist_reason,
            blacklisted_at: r.blacklisted_at,
            individual,
            company,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The audit JSON of a customer.
pub fn json(c: &Customer) -> serde_json::Value {
    c.to_json().unwrap_or_default()
}

/// A customer by id (optionally locked); 404 when it is not in this tenant.
pub async fn load(tx: &mut TenantTx, id: i64, lock: bool) -> ApiResult<Customer> {
    let sql = format!(
        "select {COLUMNS} from customers where id = $1{}",
        if lock { " for update" } else { "" }
    );
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(Customer::from)
        .ok_or_else(|| ApiError::not_found("customer"))
}

/// A new customer.
#[derive(Debug, Object)]
struct NewCustomer {
    /// `individual` or `company`.
    kind: String,
    name: String,
    /// ID card number (GB 11643) for individuals, unified social credit code (GB 32100) for companies.
    id_number: String,
    mobile: Option<String>,
    email: Option<String>,
    address: Option<String>,
    /// Defaults to the creator's branch.
    branch_id: Option<i64>,
    /// The customer manager; defaults to the creator.
    manager_id: Option<i64>,
    individual: Option<IndividualProfile>,
    company: Option<CompanyProfile>,
}

/// Changes to a customer (the ID number never changes; absent fields stay).
#[derive(Debug, Object)]
struct CustomerUpdate {
    name: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    address: Option<String>,
    /// Replaces the whole sub-document.
    individual: Option<IndividualProfile>,
    /// Replaces the whole sub-document.
    company: Option<CompanyProfile>,
}

#[derive(ApiResponse)]
enum CreatedCustomer {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Customer>),
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if (1..=200).contains(&name.chars().count()) {
        Ok(name.to_string())
    } else {
        Err(ApiError::validation(
            "name",
            "invalid_customer_name",
            "1 to 200 characters",
        ))
    }
}

fn valid_mobile(m: &Option<String>) -> ApiResult<Option<String>> {
    m.as_deref()
        .map(|m| {
            MobileNumber::parse(m)
                .map(|m| m.as_str().to_string())
                .map_err(|e| ApiError::validation("mobile", e.code, e.message))
        })
        .transpose()
}

fn valid_email(m: &Option<String>) -> ApiResult<Option<String>> {
    m.as_deref()
        .map(|m| {
            EmailAddress::parse(m)
                .map(|m| m.as_str().to_string())
                .map_err(|e| ApiError::validation("email", e.code, e.message))
        })
        .transpose()
}

fn valid_address(a: &Option<String>) -> ApiResult<Option<String>> {
    match a.as_deref().map(str::trim) {
        Some(a) if a.chars().count() > 300 => Err(ApiError::validation(
            "address",
            "invalid_address",
            "at most 300 characters",
        )),
        Some("") | None => Ok(None),
        Some(a) => Ok(Some(a.to_string())),
    }
}

/// The normalised ID number of a customer kind, or the error naming `id_number`.
pub fn valid_id_number(kind: &str, id_number: &str) -> ApiResult<String> {
    match kind {
        "individual" => IdCardNumber::parse(id_number)
            .map(|c| c.as_str().to_string())
            .map_err(|e| ApiError::validation("id_number", e.code, e.message)),
        "company" => CreditCode::parse(id_number)
            .map(|c| c.as_str().to_string())
            .map_err(|e| ApiError::validation("id_number", e.code, e.message)),
        _ => Err(ApiError::validation(
            "kind",
            "invalid_customer_kind",
            "kind is individual or company",
        )),
    }
}

fn check_profile_kind(
    kind: &str,
    individual: &Option<IndividualProfile>,
    company: &Option<CompanyProfile>,
) -> ApiResult<()> {
    if kind == "individual" && company.is_some() {
        return Err(ApiError::validation(
            "company",
            "profile_kind_mismatch",
            "an individual has no company sub-document",
        ));
    }
    if kind == "company" && individual.is_some() {
        return Err(ApiError::validation(
            "individual",
            "profile_kind_mismatch",
            "a company has no individual sub-document",
        ));
    }
    if let Some(i) = individual {
        i.validate()?;
    }
    if let Some(c) = company {
        c.validate()?;
    }
    Ok(())
}

/// The staff member's own branch.
pub async fn user_branch(tx: &mut TenantTx, user_id: i64) -> ApiResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("select branch_id from users where id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten(),
    )
}

/// Checks that an active branch exists (422 naming `field` otherwise).
pub async fn check_branch(tx: &mut TenantTx, field: &str, branch_id: i64) -> ApiResult<()> {
    let ok: bool = sqlx::query_scalar(
        "select exists (select 1 from branches where id = $1 and status = 'active')",
    )
    .bind(branch_id)
    .fetch_one(&mut **tx)
    .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "unknown_branch",
            "no active branch with this id",
        ))
    }
}

/// Checks that an active staff user exists (422 naming `field` otherwise).
pub async fn check_user(tx: &mut TenantTx, field: &str, user_id: i64) -> ApiResult<()> {
    let ok: bool = sqlx::query_scalar(
        "select exists (select 1 from users where id = $1 and status = 'active')",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "unknown_user",
            "no active staff user with this id",
        ))
    }
}

fn like_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Customer record endpoints.
pub struct CustomersApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl CustomersApi {
    /// Record a customer. Refused: `invalid_id_card` / `invalid_credit_code`
    /// (422, field `id_number`), any malformed field (422 naming it),
    /// `customer_duplicate` (409) when the ID number is already on record.
    #[oai(path = "/customers", method = "post", operation_id = "create_customer")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewCustomer>,
    ) -> ApiResult<CreatedCustomer> {
        let b = body.0;
        let id_number = valid_id_number(&b.kind, &b.id_number)?;
        let name = valid_name(&b.name)?;
        let mobile = valid_mobile(&b.mobile)?;
        let email = valid_email(&b.email)?;
        let address = valid_address(&b.address)?;
        check_profile_kind(&b.kind, &b.individual, &b.company)?;
        let user = auth.0.session.user_id;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let branch_id = match b.branch_id {
            Some(id) => id,
            None => user_branch(&mut tx, user).await?.ok_or_else(|| {
                ApiError::validation(
                    "branch_id",
                    "branch_required",
                    "the creator has no branch; give branch_id",
                )
            })?,
        };
        check_branch(&mut tx, "branch_id", branch_id).await?;
        let manager_id = b.manager_id.unwrap_or(user);
        check_user(&mut tx, "manager_id", manager_id).await?;
        let stored = profile::to_stored(&b.individual, &b.company);
        let id: i64 = sqlx::query_scalar(
            "insert into customers (kind, name, id_number, mobile, email, address, branch_id, manager_id, profile, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        )
        .bind(&b.kind)
        .bind(&name)
        .bind(&id_number)
        .bind(&mobile)
        .bind(&email)
        .bind(&address)
        .bind(branch_id)
        .bind(manager_id)
        .bind(&stored)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .on_constraint("customers_id_number_key", || {
            ApiError::conflict(
                "customer_duplicate",
                "a customer with this ID number is already on record",
            )
        })?;
        let customer = load(&mut tx, id, false).await?;
        let change = Change {
            action: "customer.create",
            entity_type: "customer",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json(&customer)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedCustomer::Created(Json(customer)))
    }

    /// Search customers: `q` matches name, ID number or mobile; filters by
    /// kind, status, branch, manager, blacklist and related-party group.
    #[oai(path = "/customers", method = "get", operation_id = "list_customers")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        q: Query<Option<String>>,
        kind: Query<Option<String>>,
        status: Query<Option<String>>,
        branch_id: Query<Option<i64>>,
        manager_id: Query<Option<i64>>,
        blacklisted: Query<Option<bool>>,
        group_id: Query<Option<i64>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Customer>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if let Some(k) = kind.0.as_deref() {
            if !matches!(k, "individual" | "company") {
                return Err(ApiError::validation(
                    "kind",
                    "invalid_customer_kind",
                    "kind is individual or company",
                ));
            }
        }
        if let Some(s) = status.0.as_deref() {
            if !matches!(s, "active" | "merged") {
                return Err(ApiError::validation(
                    "status",
                    "invalid_status",
                    "status is active or merged",
                ));
            }
        }
        let pattern = q.0.as_deref().map(like_pattern);
        let filter = "($1::text is null or name ilike $1 or id_number ilike $1 or mobile ilike $1)
             and ($2::text is null or kind = $2) and ($3::text is null or status = $3)
             and ($4::bigint is null or branch_id = $4) and ($5::bigint is null or manager_id = $5)
             and ($6::boolean is null or blacklisted = $6) and ($7::bigint is null or group_id = $7)";
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 =
            sqlx::query_scalar(&format!("select count(*) from customers where {filter}"))
                .bind(&pattern)
                .bind(&kind.0)
                .bind(&status.0)
                .bind(branch_id.0)
                .bind(manager_id.0)
                .bind(blacklisted.0)
                .bind(group_id.0)
                .fetch_one(&mut *tx)
                .await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from customers where {filter} order by id limit $8 offset $9"
        ))
        .bind(&pattern)
        .bind(&kind.0)
        .bind(&status.0)
        .bind(branch_id.0)
        .bind(manager_id.0)
        .bind(blacklisted.0)
        .bind(group_id.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(Page::new(
            rows.into_iter().map(Customer::from).collect(),
            paging,
            total,
        )))
    }

    /// One customer.
    #[oai(path = "/customers/:id", method = "get", operation_id = "get_customer")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Customer>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let customer = load(&mut tx, id.0, false).await?;
        tx.commit().await?;
        Ok(Json(customer))
    }

    /// Change a customer's name, contact or profile sub-document.
    #[oai(
        path = "/customers/:id",
        method = "patch",
        operation_id = "update_customer"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<CustomerUpdate>,
    ) -> ApiResult<Json<Customer>> {
        let b = body.0;
        let name = b.name.as_deref().map(valid_name).transpose()?;
        let mobile = valid_mobile(&b.mobile)?;
        let email = valid_email(&b.email)?;
        let address = valid_address(&b.address)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, id.0, true).await?;
        if before.status == "merged" {
            return Err(ApiError::conflict(
                "customer_merged",
                "the customer was merged into another; change that one",
            ));
        }
        check_profile_kind(&before.kind, &b.individual, &b.company)?;
        let individual = b.individual.or(before.individual.clone());
        let company = b.company.or(before.company.clone());
        let stored = profile::to_stored(&individual, &company);
        sqlx::query(
            "update customers set name = coalesce($2, name), mobile = coalesce($3, mobile),
                    email = coalesce($4, email), address = coalesce($5, address), profile = $6
              where id = $1",
        )
        .bind(id.0)
        .bind(&name)
        .bind(&mobile)
        .bind(&email)
        .bind(&address)
        .bind(&stored)
        .execute(&mut *tx)
        .await?;
        let after = load(&mut tx, id.0, false).await?;
        let change = Change {
            action: "customer.update",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: Some(json(&before)),
            after: Some(json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
