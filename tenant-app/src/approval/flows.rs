//! Approval flows (审批流程), defined per tenant through the API: ordered
//! steps, each for a role or a committee (审贷会) decided by N of M votes;
//! authority limits (the most a role may approve as the last step); chosen
//! for an application by product and amount band.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::Money,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::Path,
    payload::Json,
    types::{ParseFromJSON, ToJSON},
    ApiResponse, Object, OpenApi,
};
use rust_decimal::Decimal;

use crate::ApiTag;

/// Permissions of these endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("POST", "/api/v1/approval-flows", "approval_flow.write"),
    platform::rbac::RouteRule::new("GET", "/api/v1/approval-flows", "approval_flow.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/approval-flows/:id", "approval_flow.read"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/approval-flows/:id/retire",
        "approval_flow.write",
    ),
];

/// A step of a flow.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
#[oai(rename = "ApprovalFlowStep")]
pub struct FlowStep {
    /// 1, 2, … in order.
    #[oai(read_only)]
    pub position: i32,
    /// e.g. 初审, 复审, 审贷会, 终审.
    pub name: String,
    /// role (one person holding the role decides) or committee (N of M votes).
    pub kind: String,
    /// The role code whose holders act on the step (committee: its members).
    pub role: String,
    /// Committee: M, the members voting.
    pub committee_size: Option<i32>,
    /// Committee: N, the votes for needed.
    pub votes_needed: Option<i32>,
}

/// The most a role may approve as the last step; above it an extra step for
/// the role with the smallest sufficient authority is added (no max: unlimited).
#[derive(Debug, Clone, Object)]
#[oai(rename = "ApprovalAuthorityLimit")]
pub struct AuthorityLimit {
    pub role: String,
    pub max_amount: Option<Money>,
}

/// An approval flow.
#[derive(Debug, Clone, Object)]
#[oai(rename = "ApprovalFlow")]
pub struct Flow {
    pub id: i64,
    pub name: String,
    /// Null: any product.
    pub product_id: Option<i64>,
    /// The flow applies to min_amount ≤ amount < max_amount.
    pub min_amount: Money,
    pub max_amount: Option<Money>,
    /// active or retired.
    pub status: String,
    pub steps: Vec<FlowStep>,
    pub authority_limits: Vec<AuthorityLimit>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(rename = "NewApprovalFlow")]
struct NewFlow {
    name: String,
    product_id: Option<i64>,
    min_amount: Option<Money>,
    max_amount: Option<Money>,
    steps: Vec<FlowStep>,
    #[oai(default)]
    authority_limits: Vec<AuthorityLimit>,
}

#[derive(ApiResponse)]
enum CreatedFlow {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Flow>),
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    product_id: Option<i64>,
    min_amount: Money,
    max_amount: Option<Money>,
    status: String,
    authority_limits: serde_json::Value,
    created_at: DateTime<Utc>,
}

const COLS: &str =
    "id, name, product_id, min_amount, max_amount, status, authority_limits, created_at";

async fn with_steps(tx: &mut TenantTx, r: Row) -> ApiResult<Flow> {
    let steps = sqlx::query_as(
        "select position, name, kind, role, committee_size, votes_needed from approval_flow_steps where flow_id = $1 order by position",
    )
    .bind(r.id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Flow {
        id: r.id,
        name: r.name,
        product_id: r.product_id,
        min_amount: r.min_amount,
        max_amount: r.max_amount,
        status: r.status,
        steps,
        authority_limits: Vec::parse_from_json(Some(r.authority_limits)).unwrap_or_default(),
        created_at: r.created_at,
    })
}

/// A flow by id; 404 otherwise.
pub async fn load(tx: &mut TenantTx, id: i64) -> ApiResult<Flow> {
    let r: Row = sqlx::query_as(&format!("select {COLS} from approval_flows where id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("approval flow"))?;
    with_steps(tx, r).await
}

/// The flow for a product and amount: the product's own before a general
/// one, then the narrowest band. Refused: `no_approval_flow` (409).
pub async fn choose(tx: &mut TenantTx, product_id: i64, amount: Decimal) -> ApiResult<Flow> {
    let r: Option<Row> = sqlx::query_as(&format!(
        "select {COLS} from approval_flows
          where status = 'active' and (product_id = $1 or product_id is null)
            and min_amount <= $2 and (max_amount is null or $2 < max_amount)
          order by product_id is null, min_amount desc, id desc limit 1"
    ))
    .bind(product_id)
    .bind(amount)
    .fetch_optional(&mut **tx)
    .await?;
    match r {
        Some(r) => with_steps(tx, r).await,
        None => Err(ApiError::conflict(
            "no_approval_flow",
            "no active approval flow covers this product and amount",
        )),
    }
}

async fn role_exists(tx: &mut TenantTx, role: &str) -> ApiResult<bool> {
    Ok(
        sqlx::query_scalar("select exists (select 1 from roles where code = $1)")
            .bind(role)
            .fetch_one(&mut **tx)
            .await?,
    )
}

async fn validate(tx: &mut TenantTx, f: &NewFlow) -> ApiResult<()> {
    if !(1..=100).contains(&f.name.trim().chars().count()) {
        return Err(ApiError::validation(
            "name",
            "invalid_flow",
            "1 to 100 characters",
        ));
    }
    if let Some(p) = f.product_id {
        let ok: bool = sqlx::query_scalar("select exists (select 1 from products where id = $1)")
            .bind(p)
            .fetch_one(&mut **tx)
            .await?;
        if !ok {
            return Err(ApiError::validation(
                "product_id",
                "unknown_product",
                "no such product",
            ));
        }
    }
    let min = f.min_amount.map_or(Decimal::ZERO, Money::amount);
    if min.is_sign_negative() {
        return Err(ApiError::validation(
            "min_amount",
            "invalid_flow",
            "not negative",
        ));
    }
    if f.max_amount.is_some_and(|m| m.amount() <= min) {
        return Err(ApiError::validation(
            "max_amount",
            "invalid_flow",
            "above min_amount",
        ));
    }
    if f.steps.is_empty() || f.steps.len() > 20 {
        return Err(ApiError::validation(
            "steps",
            "invalid_flow",
            "1 to 20 steps",
        ));
    }
    for (i, s) in f.steps.iter().enumerate() {
        let p = format!("steps[{i}]");
        if !(1..=100).contains(&s.name.trim().chars().count()) {
            return Err(ApiError::validation(
                format!("{p}.name"),
                "invalid_flow",
                "1 to 100 characters",
            ));
        }
        if !role_exists(tx, &s.role).await? {
            return Err(ApiError::validation(
                format!("{p}.role"),
                "unknown_role",
                format!("no role {}", s.role),
            ));
        }
        match s.kind.as_str() {
            "role" => {
                if s.committee_size.is_some() || s.votes_needed.is_some() {
                    return Err(ApiError::validation(
                        format!("{p}.kind"),
                        "invalid_flow",
                        "a role step has no votes",
                    ));
                }
            }
            "committee" => {
                let (Some(m), Some(n)) = (s.committee_size, s.votes_needed) else {
                    return Err(ApiError::validation(
                        format!("{p}.votes_needed"),
                        "invalid_flow",
                        "a committee step needs committee_size (M) and votes_needed (N)",
                    ));
                };
                if !(1..=50).contains(&m) || !(1..=m).contains(&n) {
                    return Err(ApiError::validation(
                        format!("{p}.votes_needed"),
                        "invalid_flow",
                        "1 ≤ N ≤ M ≤ 50",
                    ));
                }
            }
            _ => {
                return Err(ApiError::validation(
                    format!("{p}.kind"),
                    "invalid_flow",
                    "role or committee",
                ))
            }
        }
    }
    for (i, a) in f.authority_limits.iter().enumerate() {
        if !role_exists(tx, &a.role).await? {
            return Err(ApiError::validation(
                format!("authority_limits[{i}].role"),
                "unknown_role",
                format!("no role {}", a.role),
            ));
        }
        if f.authority_limits[..i].iter().any(|o| o.role == a.role) {
            return Err(ApiError::validation(
                format!("authority_limits[{i}].role"),
                "invalid_flow",
                "one limit per role",
            ));
        }
        if a.max_amount.is_some_and(|m| m.amount() <= Decimal::ZERO) {
            return Err(ApiError::validation(
                format!("authority_limits[{i}].max_amount"),
                "invalid_flow",
                "above 0",
            ));
        }
    }
    Ok(())
}

/// Approval flow endpoints.
pub struct FlowsApi;

#[OpenApi(tag = "ApiTag::Approval")]
impl FlowsApi {
    /// Define an approval flow. Refused: `invalid_flow`, `unknown_role`,
    /// `unknown_product` (422 naming the field).
    #[oai(
        path = "/approval-flows",
        method = "post",
        operation_id = "create_approval_flow"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewFlow>,
    ) -> ApiResult<CreatedFlow> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        validate(&mut tx, &body).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into approval_flows (name, product_id, min_amount, max_amount, authority_limits, created_by)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(body.name.trim())
        .bind(body.product_id)
        .bind(body.min_amount.map_or(Decimal::ZERO, Money::amount))
        .bind(body.max_amount)
        .bind(body.authority_limits.to_json().unwrap_or_default())
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        for (i, s) in body.steps.iter().enumerate() {
            sqlx::query(
                "insert into approval_flow_steps (flow_id, position, name, kind, role, committee_size, votes_needed)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
            .bind(s.name.trim())
            .bind(&s.kind)
            .bind(&s.role)
            .bind(s.committee_size)
            .bind(s.votes_needed)
            .execute(&mut *tx)
            .await?;
        }
        let flow = load(&mut tx, id).await?;
        let change = Change {
            action: "approval_flow.create",
            entity_type: "approval_flow",
            entity_id: Some(id.to_string()),
            before: None,
            after: flow.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedFlow::Created(Json(flow)))
    }

    /// Every approval flow.
    #[oai(
        path = "/approval-flows",
        method = "get",
        operation_id = "list_approval_flows"
    )]
    async fn list(&self, state: Data<&AppState>, auth: StaffAuth) -> ApiResult<Json<Vec<Flow>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let rows: Vec<Row> =
            sqlx::query_as(&format!("select {COLS} from approval_flows order by id"))
                .fetch_all(&mut *tx)
                .await?;
        let mut flows = Vec::with_capacity(rows.len());
        for r in rows {
            flows.push(with_steps(&mut tx, r).await?);
        }
        tx.commit().await?;
        Ok(Json(flows))
    }

    /// One approval flow.
    #[oai(
        path = "/approval-flows/:id",
        method = "get",
        operation_id = "get_approval_flow"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Flow>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let f = load(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok(Json(f))
    }

    /// Retire a flow: new submissions no longer use it; applications in review keep their plan.
    #[oai(
        path = "/approval-flows/:id/retire",
        method = "post",
        operation_id = "retire_approval_flow"
    )]
    async fn retire(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Flow>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, id.0).await?;
        if before.status == "retired" {
            return Err(ApiError::conflict(
                "flow_retired",
                "the flow is already retired",
            ));
        }
        sqlx::query("update approval_flows set status = 'retired' where id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let after = load(&mut tx, id.0).await?;
        let change = Change {
            action: "approval_flow.retire",
            entity_type: "approval_flow",
            entity_id: Some(id.0.to_string()),
            before: before.to_json(),
            after: after.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
