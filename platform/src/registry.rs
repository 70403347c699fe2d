//! The regulator's licensing registry and its links to tenants. A regulator
//! records an approved licence (the full intake and review workflow comes
//! with the supervision portal); the approval invites the firm by email; the
//! firm's admin accepts the invitation from inside its tenant, or an operator
//! links licence and tenant with a reason. The link is what routes the
//! firm's filings and snapshots into the `supervision` schema.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use identifiers::{CreditCode, EmailAddress};
use poem::http::StatusCode;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::{
    audit::{self, Actor, Change, Trail},
    error::{ApiError, ApiResult},
    notify::email::{escape_html, Email},
    signed_link::LinkError,
    signup::parse_jurisdiction,
    state::AppState,
    tenancy::{self, TenantRef},
};

/// The purpose under which invitation links are signed.
pub const INVITATION_PURPOSE: &str = "licence-invitation";

/// A licence in the registry.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Licence {
    pub id: i64,
    pub firm_name: String,
    pub credit_code: String,
    pub licence_number: String,
    pub jurisdiction: String,
    /// approved or revoked.
    pub status: String,
    pub decided_at: NaiveDate,
    /// The tenant linked to this licence.
    pub tenant_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A licence linked to a tenant.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Link {
    pub licence_id: i64,
    pub tenant_code: String,
    pub firm_name: String,
    pub credit_code: String,
    pub licence_number: String,
    pub jurisdiction: String,
    /// tenant (the firm accepted an invitation) or operator.
    pub linked_by: String,
    pub actor_name: String,
    pub reason: Option<String>,
    pub linked_at: DateTime<Utc>,
}

/// A regulator's approval.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub firm_name: String,
    pub credit_code: String,
    pub licence_number: String,
    pub jurisdiction: String,
    /// Today (China) when `None`.
    pub decided_at: Option<NaiveDate>,
    /// Where the invitation goes; the linked-to-be tenant's contact when `None`.
    pub invite_email: Option<String>,
}

/// A licence just recorded, and what happened to its invitation.
#[derive(Debug, Clone)]
pub struct Approved {
    pub licence: Licence,
    pub invitation_id: Option<i64>,
    pub invitation_email: Option<String>,
    pub invitation_sent: bool,
}

const LICENCE_SELECT: &str = "
    select l.id, l.firm_name, l.credit_code, l.licence_number, l.jurisdiction, l.status, l.decided_at,
           k.tenant_code, l.created_at
      from supervision.licences l left join supervision.licence_links k on k.licence_id = l.id";

const LINK_SELECT: &str = "
    select k.licence_id, k.tenant_code, l.firm_name, l.credit_code, l.licence_number, l.jurisdiction,
           k.linked_by, k.actor_name, k.reason, k.linked_at
      from supervision.licence_links k join supervision.licences l on l.id = k.licence_id";

fn china_today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// Records an approved licence (in one of the regulator's jurisdictions)
/// and emails the firm an invitation to link it.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    regulator_jurisdictions: &[String],
    new: NewLicence,
) -> ApiResult<Approved> {
    let firm_name = new.firm_name.trim().to_string();
    if firm_name.is_empty() || firm_name.chars().count() > 200 {
        return Err(ApiError::validation(
            "firm_name",
            "invalid_firm_name",
            "the firm's name needs 1 to 200 characters",
        ));
    }
    let credit_code = CreditCode::parse(&new.credit_code)
        .map_err(|e| ApiError::validation("credit_code", e.code, e.message))?;
    let licence_number = new.licence_number.trim().to_string();
    if licence_number.is_empty() || licence_number.chars().count() > 64 {
        return Err(ApiError::validation(
            "licence_number",
            "invalid_licence_number",
            "the licence number needs 1 to 64 characters",
        ));
    }
    let jurisdiction = parse_jurisdiction(&new.jurisdiction)?;
    if !regulator_jurisdictions.contains(&jurisdiction) {
        return Err(ApiError::forbidden(
            "outside_jurisdiction",
            format!("jurisdiction {jurisdiction} is not one you supervise"),
        ));
    }
    let decided_at = new.decided_at.unwrap_or_else(china_today);
    if decided_at > china_today() {
        return Err(ApiError::validation(
            "decided_at",
            "decided_in_future",
            "the decision date cannot be in the future",
        ));
    }
    let invite_email = match new.invite_email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(
            EmailAddress::parse(e)
                .map_err(|err| ApiError::validation("invite_email", err.code, err.message))?,
        ),
    };

    let mut tx = state.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "insert into supervision.licences (firm_name, credit_code, licence_number, jurisdiction, decided_at, decided_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(&firm_name)
    .bind(credit_code.as_str())
    .bind(&licence_number)
    .bind(&jurisdiction)
    .bind(decided_at)
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match e.as_database_error().and_then(|d| d.constraint()) {
        Some("licences_number_key") => ApiError::conflict(
            "licence_number_taken",
            format!("licence number {licence_number} is already registered"),
        ),
        Some("licences_approved_credit_code") => ApiError::conflict(
            "firm_already_licensed",
            "this firm already holds an approved licence",
        ),
        _ => ApiError::internal(e),
    })?;
    let recipient = match invite_email {
        Some(e) => Some(e),
        None => {
            let contact: Option<String> = sqlx::query_scalar(
                "select contact_email from platform.tenants
                  where credit_code = $1 and status <> 'closed' and contact_email is not null
                  order by created_at desc limit 1",
            )
            .bind(credit_code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            contact.and_then(|c| EmailAddress::parse(&c).ok())
        }
    };
    let days = i64::try_from(state.config.subscription.invitation_days).unwrap_or(30);
    let expires_at = Utc::now() + Duration::days(days);
    let invitation_id: Option<i64> = match &recipient {
        Some(to) => Some(
            sqlx::query_scalar(
                "insert into supervision.licence_invitations (licence_id, email, expires_at)
                 values ($1, $2, $3) returning id",
            )
            .bind(id)
            .bind(to.as_str())
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?,
        ),
        None => None,
    };
    audit::record(
        &mut tx,
        Trail::Supervision,
        actor,
        Change {
            action: "licence.approve",
            entity_type: "licence",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "firm_name": firm_name,
                "credit_code": credit_code.as_str(),
                "licence_number": licence_number,
                "jurisdiction": jurisdiction,
                "decided_at": decided_at,
                "invitation_email": recipient.as_ref().map(|e| e.as_str()),
            })),
        },
    )
    .await?;
    tx.commit().await?;

    let mut sent = false;
    if let (Some(to), Some(inv)) = (&recipient, invitation_id) {
        let token = state.links.sign(INVITATION_PURPOSE, inv, expires_at);
        let email = invitation_email(
            state,
            inv,
            to.clone(),
            &firm_name,
            &licence_number,
            &token,
            expires_at,
        );
        sent = state.mailer.send(&email).await.is_ok();
        if sent {
            sqlx::query("update supervision.licence_invitations set sent_at = now() where id = $1")
                .bind(inv)
                .execute(&state.pool)
                .await?;
        }
    }
    let licence = licence(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("licence"))?;
    Ok(Approved {
        licence,
        invitation_id,
        invitation_email: recipient.map(|e| e.as_str().to_string()),
        invitation_sent: sent,
    })
}

fn invitation_email(
    state: &AppState,
    invitation_id: i64,
    to: EmailAddress,
    firm_name: &str,
    licence_number: &str,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Email {
    let base = state.config.server.public_url.trim_end_matches('/');
    let expires = (expires_at + Duration::hours(8)).format("%Y-%m-%d");
    let text = format!(
        "您好：\n\n「{firm_name}」的小额贷款公司经营许可（{licence_number}）已获监管部门批准。\n\n请贵公司管理员登录小贷云，在「监管关联」中输入以下邀请码，把贵公司与监管登记关联（{expires} 前有效）；尚未使用小贷云的，请先在 {base}/signup 注册。\n\n邀请码 / Invitation token: {token}\n"
    );
    let html = format!(
        "<p>您好：</p><p>「{}」的小额贷款公司经营许可（{}）已获监管部门批准。</p><p>请贵公司管理员登录小贷云，在「监管关联」中输入以下邀请码，把贵公司与监管登记关联（{expires} 前有效）；尚未使用小贷云的，请先<a href=\"{base}/signup\">注册</a>。</p><p>邀请码：<code>{token}</code></p>",
        escape_html(firm_name),
        escape_html(licence_number)
    );
    Email {
        id: format!("licence-invitation-{invitation_id}"),
        to,
        to_name: None,
        subject: format!("小贷云：{firm_name} 经营许可已获批准，请确认监管关联"),
        text,
        html: Some(html),
    }
}

/// One licence.
pub async fn licence(pool: &PgPool, id: i64) -> sqlx::Result<Option<Licence>> {
    sqlx::query_as(&format!("{LICENCE_SELECT} where l.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The licences of some jurisdictions, newest first.
pub async fn licences(pool: &PgPool, jurisdictions: &[String]) -> sqlx::Result<Vec<Licence>> {
    sqlx::query_as(&format!(
        "{LICENCE_SELECT} where l.jurisdiction = any($1) order by l.id desc"
    ))
    .bind(jurisdictions)
    .fetch_all(pool)
    .await
}

/// The registry link of a tenant, if any.
pub async fn link_of(pool: &PgPool, tenant_code: &str) -> sqlx::Result<Option<Link>> {
    sqlx::query_as(&format!("{LINK_SELECT} where k.tenant_code = $1"))
        .bind(tenant_code)
        .fetch_optional(pool)
        .await
}

/// Inserts a link after the checks both ways of linking share: the licence
/// is approved and unlinked, the tenant exists, is not closed, has no link
/// yet, and (when it gave one) has the licence's credit code.
async fn insert_link(
    conn: &mut PgConnection,
    licence_id: i64,
    tenant_code: &str,
    linked_by: &str,
    actor_name: &str,
    reason: Option<&str>,
    invitation_id: Option<i64>,
) -> ApiResult<()> {
    let licence: Option<(String, String)> = sqlx::query_as(
        "select status, credit_code from supervision.licences where id = $1 for update",
    )
    .bind(licence_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((status, credit_code)) = licence else {
        return Err(ApiError::not_found("licence"));
    };
    if status != "approved" {
        return Err(ApiError::conflict(
            "licence_revoked",
            "this licence has been revoked",
        ));
    }
    let tenant: Option<(String, Option<String>)> = sqlx::query_as(
        "select status, credit_code from platform.tenants where code = $1 for update",
    )
    .bind(tenant_code)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((tenant_status, tenant_credit_code)) = tenant else {
        return Err(ApiError::not_found("tenant"));
    };
    if tenant_status == "closed" {
        return Err(ApiError::conflict(
            "tenant_closed",
            format!("tenant {tenant_code} is closed"),
        ));
    }
    if tenant_credit_code.is_some_and(|c| c != credit_code) {
        return Err(ApiError::conflict(
            "credit_code_mismatch",
            "the licence was granted to a firm with another unified social credit code",
        ));
    }
    sqlx::query(
        "insert into supervision.licence_links (licence_id, tenant_code, linked_by, actor_name, reason, invitation_id)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(licence_id)
    .bind(tenant_code)
    .bind(linked_by)
    .bind(actor_name)
    .bind(reason)
    .bind(invitation_id)
    .execute(&mut *conn)
    .await
    .map_err(|e| match e.as_database_error().and_then(|d| d.constraint()) {
        Some("licence_links_pkey") => ApiError::conflict(
            "licence_already_linked",
            "this licence is already linked to a company on the platform",
        ),
        Some("licence_links_tenant_key") => ApiError::conflict(
            "tenant_already_linked",
            "this company is already linked to a licence",
        ),
        _ => ApiError::internal(e),
    })?;
    // A firm that gave no credit code at sign-up takes the licence's.
    sqlx::query(
        "update platform.tenants set credit_code = coalesce(credit_code, $2),
                licence_number = coalesce(licence_number, (select licence_number from supervision.licences where id = $3))
          where code = $1",
    )
    .bind(tenant_code)
    .bind(&credit_code)
    .bind(licence_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn invitation_invalid() -> ApiError {
    ApiError::bad_request("invitation_invalid", "this invitation is not valid")
}

fn invitation_used() -> ApiError {
    ApiError::conflict("invitation_used", "this invitation was already accepted")
}

/// The tenant's admin accepts a regulator's invitation: its licence is linked
/// to the tenant. Audited in the tenant's trail.
pub async fn accept(
    state: &AppState,
    tenant: &TenantRef,
    actor: &Actor,
    token: &str,
) -> ApiResult<Link> {
    let invitation_id = match state.links.verify(INVITATION_PURPOSE, token) {
        Ok(link) => link.subject,
        Err(LinkError::Expired(link)) => {
            let accepted: Option<bool> = sqlx::query_scalar(
                "select accepted_at is not null from supervision.licence_invitations where id = $1",
            )
            .bind(link.subject)
            .fetch_optional(&state.pool)
            .await?;
            return Err(match accepted {
                Some(true) => invitation_used(),
                Some(false) => ApiError::new(
                    StatusCode::GONE,
                    "invitation_expired",
                    "this invitation has expired; ask the regulator for a new one",
                ),
                None => invitation_invalid(),
            });
        }
        Err(LinkError::Invalid) => return Err(invitation_invalid()),
    };
    let mut tx = state.pool.begin().await?;
    let invitation: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select licence_id, accepted_at from supervision.licence_invitations where id = $1 for update",
    )
    .bind(invitation_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((licence_id, accepted_at)) = invitation else {
        return Err(invitation_invalid());
    };
    if accepted_at.is_some() {
        return Err(invitation_used());
    }
    insert_link(
        &mut tx,
        licence_id,
        &tenant.code,
        "tenant",
        &actor.name,
        None,
        Some(invitation_id),
    )
    .await?;
    sqlx::query(
        "update supervision.licence_invitations set accepted_at = now(), accepted_by_tenant = $2 where id = $1",
    )
    .bind(invitation_id)
    .bind(&tenant.code)
    .execute(&mut *tx)
    .await?;
    tenancy::enter(&mut tx, tenant).await?;
    audit::record(
        &mut tx,
        Trail::Tenant,
        actor,
        Change {
            action: "regulator_link.accept",
            entity_type: "regulator_link",
            entity_id: Some(licence_id.to_string()),
            before: None,
            after: Some(json!({"licence_id": licence_id, "invitation_id": invitation_id})),
        },
    )
    .await?;
    tenancy::leave(&mut tx).await?;
    tx.commit().await?;
    link_of(&state.pool, &tenant.code)
        .await?
        .ok_or_else(|| ApiError::not_found("regulator link"))
}

/// An operator links a licence to a tenant, with a reason (audited in the
/// platform's trail).
pub async fn link_by_operator(
    pool: &PgPool,
    tenant_code: &str,
    licence_id: i64,
    actor: &Actor,
    reason: &str,
) -> ApiResult<Link> {
    let mut tx = pool.begin().await?;
    insert_link(
        &mut tx,
        licence_id,
        tenant_code,
        "operator",
        &actor.name,
        Some(reason),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        Trail::Platform,
        actor,
        Change {
            action: "tenant.link_licence",
            entity_type: "tenant",
            entity_id: Some(tenant_code.to_string()),
            before: None,
            after: Some(json!({"licence_id": licence_id, "reason": reason})),
        },
    )
    .await?;
    tx.commit().await?;
    link_of(pool, tenant_code)
        .await?
        .ok_or_else(|| ApiError::not_found("regulator link"))
}
