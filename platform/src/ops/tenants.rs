//! Tenants for operators: list and create, and the lifecycle — suspend,
//! reactivate, end the trial, extend it, change plan, close, link to the
//! regulator's registry, send the admin a new password link. Every action
//! takes a reason and is audited.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde_json::json;

use super::OpsTag;
use crate::{
    audit::{self, Change, Trail},
    auth::OperatorAuth,
    error::{ApiError, ApiResult},
    lifecycle,
    notify::email::Email,
    password_links,
    provisioning::{self, NewTenant, TenantRow},
    registry, signup,
    state::AppState,
    tenancy, usage,
};

/// A new tenant.
#[derive(Debug, Object)]
struct CreateTenant {
    /// Lowercase letters, digits and `_`, starting with a letter; the schema is `t_<code>`.
    code: String,
    /// The lending company's name.
    name: String,
    /// The regulator's jurisdiction (region code).
    jurisdiction: Option<String>,
    /// Plan code; `standard` when absent.
    plan: Option<String>,
}

/// A tenant just created, with its admin's one-time password (shown once).
#[derive(Debug, Object)]
struct CreatedTenantBody {
    code: String,
    schema: String,
    admin_username: String,
    admin_password: String,
}

/// What a tenant uses.
#[derive(Debug, Object)]
struct UsageBody {
    /// The day measured (China time); absent for a live measurement.
    day: Option<NaiveDate>,
    staff_users: i64,
    active_loans: i64,
    storage_bytes: i64,
}

/// A tenant as operators see it.
#[derive(Debug, Object)]
struct TenantBody {
    code: String,
    name: String,
    schema: String,
    jurisdiction: Option<String>,
    /// trial, active, suspended or closed.
    status: String,
    /// Whether its users, jobs and reminders may work now.
    operational: bool,
    /// Why not: `tenant_suspended`, `trial_expired` or `tenant_closed`.
    blocked_code: Option<String>,
    plan: String,
    plan_name: String,
    trial_ends_at: Option<DateTime<Utc>>,
    /// The reason given for the last lifecycle change.
    status_reason: Option<String>,
    status_changed_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    /// A closed tenant's schema is dropped after this.
    purge_after: Option<DateTime<Utc>>,
    purged_at: Option<DateTime<Utc>>,
    /// Where a closed tenant's export was written.
    export_path: Option<String>,
    /// Last staff request (to within five minutes).
    last_activity_at: Option<DateTime<Utc>>,
    /// The tenant migration version its schema is on.
    schema_version: i32,
    credit_code: Option<String>,
    licence_number: Option<String>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    contact_mobile: Option<String>,
    /// The regulator's licence it is linked to.
    regulator_licence_id: Option<i64>,
    /// Latest daily measurement (or live, for a single tenant).
    usage: Option<UsageBody>,
    created_at: DateTime<Utc>,
}

impl From<TenantRow> for TenantBody {
    fn from(r: TenantRow) -> Self {
        let standing = r.standing();
        let usage = match (r.staff_users, r.active_loans, r.storage_bytes) {
            (Some(staff_users), Some(active_loans), Some(storage_bytes)) => Some(UsageBody {
                day: r.usage_day,
                staff_users,
                active_loans,
                storage_bytes,
            }),
            _ => None,
        };
        TenantBody {
            operational: standing == tenancy::Standing::Operational,
            blocked_code: standing.code().map(str::to_string),
            code: r.code,
            name: r.name,
            schema: r.schema_name,
            jurisdiction: r.jurisdiction,
            status: r.status,
            plan: r.plan_code,
            plan_name: r.plan_name,
            trial_ends_at: r.trial_ends_at,
            status_reason: r.status_reason,
            status_changed_at: r.status_changed_at,
            closed_at: r.closed_at,
            purge_after: r.purge_after,
            purged_at: r.purged_at,
            export_path: r.export_path,
            last_activity_at: r.last_activity_at,
            schema_version: r.schema_version,
            credit_code: r.credit_code,
            licence_number: r.licence_number,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_mobile: r.contact_mobile,
            regulator_licence_id: r.regulator_licence_id,
            usage,
            created_at: r.created_at,
        }
    }
}

/// A lifecycle action's reason (2 to 500 characters; audited).
#[derive(Debug, Object)]
struct ReasonBody {
    reason: String,
}

/// End a trial.
#[derive(Debug, Object)]
struct ActivateBody {
    reason: String,
    /// Move to this plan at the same time.
    plan: Option<String>,
}

/// Lengthen a trial.
#[derive(Debug, Object)]
struct ExtendTrialBody {
    reason: String,
    /// 1 to 365.
    days: u32,
}

/// Change plan.
#[derive(Debug, Object)]
struct PlanBody {
    reason: String,
    plan: String,
}

/// Link the tenant to a licence in the regulator's registry.
#[derive(Debug, Object)]
struct LinkBody {
    reason: String,
    licence_id: i64,
}

/// A tenant's link to the regulator's registry.
#[derive(Debug, Object)]
pub struct RegulatorLinkBody {
    pub licence_id: i64,
    pub tenant_code: String,
    pub firm_name: String,
    pub credit_code: String,
    pub licence_number: String,
    pub jurisdiction: String,
    /// tenant (invitation accepted) or operator.
    pub linked_by: String,
    pub actor_name: String,
    pub reason: Option<String>,
    pub linked_at: DateTime<Utc>,
}

impl From<registry::Link> for RegulatorLinkBody {
    fn from(l: registry::Link) -> Self {
        Self {
            licence_id: l.licence_id,
            tenant_code: l.tenant_code,
            firm_name: l.firm_name,
            credit_code: l.credit_code,
            licence_number: l.licence_number,
            jurisdiction: l.jurisdiction,
            linked_by: l.linked_by,
            actor_name: l.actor_name,
            reason: l.reason,
            linked_at: l.linked_at,
        }
    }
}

/// A password link sent.
#[derive(Debug, Object)]
struct PasswordLinkSent {
    email: String,
    expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum CreatedResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CreatedTenantBody>),
}

#[derive(ApiResponse)]
enum LinkedResponse {
    /// Linked.
    #[oai(status = 201)]
    Created(Json<RegulatorLinkBody>),
}

async fn tenant_body(state: &AppState, code: &str) -> ApiResult<TenantBody> {
    let row = provisioning::find_tenant(&state.pool, code)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    Ok(row.into())
}

/// Tenant management.
pub struct TenantsApi;

#[OpenApi(tag = "OpsTag::Tenants")]
impl TenantsApi {
    /// List every tenant with its status, plan, latest usage, last activity and schema version.
    #[oai(path = "/tenants", method = "get", operation_id = "ops_list_tenants")]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: OperatorAuth,
    ) -> ApiResult<Json<Vec<TenantBody>>> {
        let rows = provisioning::list_tenants(&state.pool).await?;
        Ok(Json(rows.into_iter().map(TenantBody::from).collect()))
    }

    /// One tenant, with its usage measured now.
    #[oai(
        path = "/tenants/:code",
        method = "get",
        operation_id = "ops_get_tenant"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: OperatorAuth,
        code: Path<String>,
    ) -> ApiResult<Json<TenantBody>> {
        let mut body = tenant_body(&state, &code).await?;
        if body.purged_at.is_none() {
            if let Some(found) = tenancy::find(&state.pool, &code).await? {
                let live = usage::measure(&state.pool, &found.tenant).await?;
                body.usage = Some(UsageBody {
                    day: None,
                    staff_users: live.staff_users,
                    active_loans: live.active_loans,
                    storage_bytes: live.storage_bytes,
                });
            }
        }
        Ok(Json(body))
    }

    /// Create a tenant: schema, role, migrations, defaults and its admin user.
    #[oai(path = "/tenants", method = "post", operation_id = "ops_create_tenant")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        body: Json<CreateTenant>,
    ) -> ApiResult<CreatedResponse> {
        let body = body.0;
        let mut tx = state.pool.begin().await?;
        let created = provisioning::create_tenant_in(
            &mut tx,
            &state.config.tenancy.role_prefix,
            NewTenant {
                code: body.code,
                name: body.name,
                jurisdiction: body.jurisdiction,
                status: "active".into(),
                admin_password: None,
            },
            provisioning::Subscription {
                plan: body.plan,
                ..Default::default()
            },
        )
        .await?;
        audit::record(
            &mut tx,
            Trail::Platform,
            &auth.0.actor,
            Change {
                action: "tenant.create",
                entity_type: "tenant",
                entity_id: Some(created.code.clone()),
                before: None,
                after: Some(json!({"schema": created.schema, "status": "active"})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedResponse::Created(Json(CreatedTenantBody {
            code: created.code,
            schema: created.schema,
            admin_username: created.admin_username,
            admin_password: created.admin_password,
        })))
    }

    /// Suspend: staff logins and API calls are refused (`tenant_suspended`),
    /// jobs and reminders pause; nothing is deleted.
    #[oai(
        path = "/tenants/:code/suspend",
        method = "post",
        operation_id = "ops_suspend_tenant"
    )]
    async fn suspend(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ReasonBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::suspend(&state, &code, &auth.0.actor, &reason).await?;
        Ok(Json(row.into()))
    }

    /// Reactivate a suspended tenant (back to trial or active, as before).
    #[oai(
        path = "/tenants/:code/reactivate",
        method = "post",
        operation_id = "ops_reactivate_tenant"
    )]
    async fn reactivate(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ReasonBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::reactivate(&state, &code, &auth.0.actor, &reason).await?;
        Ok(Json(row.into()))
    }

    /// End the trial: the tenant becomes active (on another plan if given).
    /// When the platform requires it, its licence must be linked to the
    /// regulator's registry first (`licence_not_linked`).
    #[oai(
        path = "/tenants/:code/activate",
        method = "post",
        operation_id = "ops_activate_tenant"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ActivateBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let body = body.0;
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::activate(&state, &code, &auth.0.actor, &reason, body.plan).await?;
        Ok(Json(row.into()))
    }

    /// Lengthen a trial (also one that has ended).
    #[oai(
        path = "/tenants/:code/extend-trial",
        method = "post",
        operation_id = "ops_extend_trial"
    )]
    async fn extend_trial(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ExtendTrialBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::extend_trial(&state, &code, &auth.0.actor, &reason, body.days).await?;
        Ok(Json(row.into()))
    }

    /// Change the tenant's plan (`plan_too_small` when it has more staff users than the plan allows).
    #[oai(
        path = "/tenants/:code/plan",
        method = "post",
        operation_id = "ops_change_plan"
    )]
    async fn change_plan(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<PlanBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let body = body.0;
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::change_plan(&state, &code, &auth.0.actor, &reason, body.plan).await?;
        Ok(Json(row.into()))
    }

    /// Close: the tenant stops at once; its data are exported (`pg_dump` of
    /// the schema and JSON) to the export directory; the schema is dropped
    /// after the retention period.
    #[oai(
        path = "/tenants/:code/close",
        method = "post",
        operation_id = "ops_close_tenant"
    )]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ReasonBody>,
    ) -> ApiResult<Json<TenantBody>> {
        let reason = lifecycle::reason(&body.reason)?;
        let row = lifecycle::close(&state, &code, &auth.0.actor, &reason).await?;
        Ok(Json(row.into()))
    }

    /// Link the tenant to a licence in the regulator's registry.
    #[oai(
        path = "/tenants/:code/regulator-link",
        method = "post",
        operation_id = "ops_link_licence"
    )]
    async fn link_licence(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<LinkBody>,
    ) -> ApiResult<LinkedResponse> {
        let reason = lifecycle::reason(&body.reason)?;
        let link =
            registry::link_by_operator(&state.pool, &code, body.licence_id, &auth.0.actor, &reason)
                .await?;
        Ok(LinkedResponse::Created(Json(link.into())))
    }

    /// Email the tenant's contact a new link to set the `admin` password.
    #[oai(
        path = "/tenants/:code/admin-password-link",
        method = "post",
        operation_id = "ops_send_admin_password_link"
    )]
    async fn admin_password_link(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        code: Path<String>,
        body: Json<ReasonBody>,
    ) -> ApiResult<Json<PasswordLinkSent>> {
        let reason = lifecycle::reason(&body.reason)?;
        let row = provisioning::find_tenant(&state.pool, &code)
            .await?
            .ok_or_else(|| ApiError::not_found("tenant"))?;
        if row.status == "closed" {
            return Err(ApiError::conflict(
                "tenant_closed",
                format!("tenant {} is closed", row.code),
            ));
        }
        let to = row
            .contact_email
            .as_deref()
            .and_then(|e| identifiers::EmailAddress::parse(e).ok())
            .ok_or_else(|| {
                ApiError::conflict(
                    "no_contact_email",
                    "the tenant has no contact email address",
                )
            })?;
        let found = tenancy::find(&state.pool, &code)
            .await?
            .ok_or_else(|| ApiError::not_found("tenant"))?;
        let valid_for = chrono::Duration::minutes(
            i64::try_from(state.config.subscription.password_link_minutes).unwrap_or(4320),
        );
        let mut tx = state.pool.begin().await?;
        let link = signup::issue_admin_link(&mut tx, &found.tenant, "admin", valid_for).await?;
        audit::record(
            &mut tx,
            Trail::Platform,
            &auth.0.actor,
            Change {
                action: "tenant.admin_password_link",
                entity_type: "tenant",
                entity_id: Some(row.code.clone()),
                before: None,
                after: Some(
                    json!({"email": to.as_str(), "reason": reason, "expires_at": link.expires_at}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        let email: Email = password_links::email(
            &state,
            to.clone(),
            row.contact_name.clone(),
            &row.code,
            &row.name,
            "admin",
            &link,
        );
        state.mailer.send(&email).await.map_err(|e| ApiError {
            source: Some(e.into()),
            ..ApiError::new(
                poem::http::StatusCode::SERVICE_UNAVAILABLE,
                "email_unavailable",
                "the link was issued but the email could not be sent; try again",
            )
        })?;
        Ok(Json(PasswordLinkSent {
            email: to.as_str().to_string(),
            expires_at: link.expires_at,
        }))
    }
}
