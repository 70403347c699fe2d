//! Online sign-up: a lending company applies on its own; nothing is
//! provisioned until its email address is verified through a signed,
//! expiring link. Verification provisions the tenant in trial (schema, role,
//! defaults, admin user) and emails the admin a link to set a password.
//!
//! Abuse is held off by limits in Redis per client address (attempts per
//! hour) and per email (sign-ups per day), and by a platform-wide cap on
//! sign-ups still unverified from the last hour (counted in PostgreSQL under
//! a lock, so concurrent requests cannot overshoot it).

use chrono::{DateTime, Duration, Utc};
use identifiers::{CreditCode, EmailAddress, MobileNumber, TenantCode};
use poem::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::{
    audit::{self, Actor, Change, Trail},
    error::{ApiError, ApiResult},
    notify::email::{escape_html, Email},
    password_links,
    provisioning::{self, NewTenant, Subscription},
    rate_limit,
    signed_link::LinkError,
    state::AppState,
    tenancy::{self, TenantRef},
};

/// The purpose under which verification links are signed.
pub const LINK_PURPOSE: &str = "signup";

/// Province-level prefixes of the administrative division codes (GB/T 2260).
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// What a company submits.
#[derive(Debug, Clone)]
pub struct SignupForm {
    pub company_name: String,
    pub credit_code: String,
    pub licence_number: Option<String>,
    pub jurisdiction: String,
    pub contact_name: String,
    pub email: String,
    pub mobile: String,
    pub tenant_code: String,
    pub plan: String,
}

/// A sign-up form that passed every check.
#[derive(Debug, Clone)]
struct ValidSignup {
    company_name: String,
    credit_code: CreditCode,
    licence_number: Option<String>,
    jurisdiction: String,
    contact_name: String,
    email: EmailAddress,
    mobile: MobileNumber,
    tenant_code: TenantCode,
    plan: String,
}

/// A sign-up awaiting verification.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// A verified sign-up: the tenant now exists.
#[derive(Debug, Clone)]
pub struct Verified {
    pub tenant_code: String,
    pub admin_username: String,
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// False when the set-password email could not be sent (an operator can
    /// send a new link).
    pub password_email_sent: bool,
}

/// Checks a region code: 6 digits with a known province prefix.
pub fn parse_jurisdiction(code: &str) -> ApiResult<String> {
    let code = code.trim();
    let ok = code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
        && PROVINCES.contains(&&code[..2]);
    if !ok {
        return Err(ApiError::validation(
            "jurisdiction",
            "invalid_jurisdiction",
            "the jurisdiction is a 6-digit administrative region code, e.g. 310000",
        ));
    }
    Ok(code.to_string())
}

fn text_field(field: &'static str, value: &str, max: usize, what: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ApiError::validation(
            field,
            format!("invalid_{field}"),
            format!("{what} needs 1 to {max} characters"),
        ));
    }
    Ok(value.to_string())
}

fn identifier<T>(
    field: &'static str,
    parsed: Result<T, identifiers::IdentifierError>,
) -> ApiResult<T> {
    parsed.map_err(|e| ApiError::validation(field, e.code, e.message))
}

fn validate(form: SignupForm) -> ApiResult<ValidSignup> {
    Ok(ValidSignup {
        company_name: text_field("company_name", &form.company_name, 200, "the company name")?,
        credit_code: identifier("credit_code", CreditCode::parse(&form.credit_code))?,
        licence_number: match form.licence_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(text_field("licence_number", n, 64, "the licence number")?),
        },
        jurisdiction: parse_jurisdiction(&form.jurisdiction)?,
        contact_name: text_field(
            "contact_name",
            &form.contact_name,
            100,
            "the contact's name",
        )?,
        email: identifier("email", EmailAddress::parse(&form.email))?,
        mobile: identifier("mobile", MobileNumber::parse(&form.mobile))?,
        tenant_code: identifier("tenant_code", TenantCode::parse(&form.tenant_code))?,
        plan: form.plan.trim().to_string(),
    })
}

fn code_taken(code: &str) -> ApiError {
    ApiError::conflict(
        "tenant_code_taken",
        format!("the tenant code {code} is taken; choose another"),
    )
}

/// Accepts a sign-up and emails the verification link. Nothing is
/// provisioned yet.
pub async fn sign_up(
    state: &AppState,
    form: SignupForm,
    ip: &str,
    user_agent: Option<String>,
) -> ApiResult<Pending> {
    let cfg = &state.config.subscription;
    rate_limit::enforce(
        &state.redis,
        &format!("signup:ip:{ip}"),
        cfg.signups_per_address_per_hour,
        3600,
        "sign-ups from this address",
    )
    .await?;
    let form = validate(form)?;
    rate_limit::enforce(
        &state.redis,
        &format!("signup:email:{}", form.email.as_str().to_ascii_lowercase()),
        cfg.signups_per_email_per_day,
        86_400,
        "sign-ups for this email address",
    )
    .await?;

    let mut tx = state.pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtext('xiaodai.signup'))")
        .execute(&mut *tx)
        .await?;
    sqlx::query("update platform.signups set status = 'expired' where status = 'pending' and expires_at <= now()")
        .execute(&mut *tx)
        .await?;
    let unverified: i64 = sqlx::query_scalar(
        "select count(*) from platform.signups where status = 'pending' and created_at > now() - interval '1 hour'",
    )
    .fetch_one(&mut *tx)
    .await?;
    if u64::try_from(unverified).unwrap_or(0) >= cfg.unverified_signups_per_hour {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "the platform is receiving too many sign-ups right now; try again in an hour",
        ));
    }
    let plan_public: Option<bool> =
        sqlx::query_scalar("select public from platform.plans where code = $1")
            .bind(&form.plan)
            .fetch_optional(&mut *tx)
            .await?;
    if plan_public != Some(true) {
        return Err(ApiError::validation(
            "plan",
            "unknown_plan",
            format!("there is no plan {} to sign up for", form.plan),
        ));
    }
    let code = form.tenant_code.as_str();
    let taken: bool = sqlx::query_scalar(
        "select exists (select 1 from platform.tenants where code = $1)
             or exists (select 1 from platform.signups where tenant_code = $1 and status = 'pending')
             or exists (select 1 from pg_namespace where nspname = $2)",
    )
    .bind(code)
    .bind(form.tenant_code.schema_name())
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Err(code_taken(code));
    }
    let registered: bool = sqlx::query_scalar(
        "select exists (select 1 from platform.tenants where credit_code = $1 and status <> 'closed')",
    )
    .bind(form.credit_code.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if registered {
        return Err(ApiError::conflict(
            "company_already_registered",
            "a company with this unified social credit code already uses the platform",
        ));
    }
    let expires_at =
        Utc::now() + Duration::minutes(i64::try_from(cfg.verify_link_minutes).unwrap_or(1440));
    let id: i64 = sqlx::query_scalar(
        "insert into platform.signups
            (company_name, credit_code, licence_number, jurisdiction, contact_name, email, mobile,
             tenant_code, plan_code, client_ip, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
    )
    .bind(&form.company_name)
    .bind(form.credit_code.as_str())
    .bind(&form.licence_number)
    .bind(&form.jurisdiction)
    .bind(&form.contact_name)
    .bind(form.email.as_str())
    .bind(form.mobile.as_str())
    .bind(code)
    .bind(&form.plan)
    .bind(ip)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(
        |e| match e.as_database_error().and_then(|d| d.constraint()) {
            Some("signups_pending_code") => code_taken(code),
            _ => ApiError::internal(e),
        },
    )?;
    let actor = Actor {
        kind: "anonymous",
        name: form.email.as_str().to_string(),
        request_id: Some(crate::http::request_id::current()),
        ip: Some(ip.to_string()),
        user_agent,
        ..Default::default()
    };
    audit::record(
        &mut tx,
        Trail::Platform,
        &actor,
        Change {
            action: "signup.create",
            entity_type: "signup",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "company_name": form.company_name,
                "credit_code": form.credit_code.as_str(),
                "tenant_code": code,
                "plan": form.plan,
                "email": form.email.as_str(),
            })),
        },
    )
    .await?;
    tx.commit().await?;

    let token = state.links.sign(LINK_PURPOSE, id, expires_at);
    let email = verification_email(state, id, &form, &token, expires_at);
    if let Err(err) = state.mailer.send(&email).await {
        // Release the code and let the company try again.
        sqlx::query("update platform.signups set status = 'expired' where id = $1")
            .bind(id)
            .execute(&state.pool)
            .await?;
        return Err(ApiError {
            source: Some(err.into()),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "email_unavailable",
                "the verification email could not be sent; try again later",
            )
        });
    }
    Ok(Pending {
        id,
        email: form.email.as_str().to_string(),
        expires_at,
    })
}

fn verification_email(
    state: &AppState,
    id: i64,
    form: &ValidSignup,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Email {
    let url = format!(
        "{}/signup/verify?token={token}",
        state.config.server.public_url.trim_end_matches('/')
    );
    let expires = (expires_at + Duration::hours(8)).format("%Y-%m-%d %H:%M");
    let code = form.tenant_code.as_str();
    let text = format!(
        "{} 您好：\n\n您为「{}」申请开通小贷云（租户代码 {code}）。请在 {expires}（北京时间）前打开以下链接验证邮箱，验证后系统即为贵公司开通试用：\n\n{url}\n\n如非本人操作，请忽略本邮件。\n\nVerification token: {token}\n",
        form.contact_name, form.company_name
    );
    let html = format!(
        "<p>{} 您好：</p><p>您为「{}」申请开通小贷云（租户代码 <b>{code}</b>）。请在 {expires}（北京时间）前打开以下链接验证邮箱，验证后系统即为贵公司开通试用：</p><p><a href=\"{url}\">验证邮箱</a></p><p>如非本人操作，请忽略本邮件。</p>",
        escape_html(&form.contact_name),
        escape_html(&form.company_name)
    );
    Email {
        id: format!("signup-{id}-verify"),
        to: form.email.clone(),
        to_name: Some(form.contact_name.clone()),
        subject: "小贷云：请验证您的邮箱".to_string(),
        text,
        html: Some(html),
    }
}

/// The signed-up company as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct SignupRow {
    id: i64,
    company_name: String,
    credit_code: String,
    licence_number: Option<String>,
    jurisdiction: String,
    contact_name: String,
    email: String,
    mobile: String,
    tenant_code: String,
    plan_code: String,
    status: String,
    expires_at: DateTime<Utc>,
}

fn link_used() -> ApiError {
    ApiError::conflict(
        "verification_link_used",
        "this verification link was already used: the company is set up; log in or use the password link sent by email",
    )
}

fn link_expired() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "verification_link_expired",
        "this verification link has expired; sign up again",
    )
}

fn link_invalid() -> ApiError {
    ApiError::bad_request(
        "verification_link_invalid",
        "this verification link is not valid",
    )
}

/// Verifies the email of a sign-up and provisions its tenant in trial, then
/// emails the admin a link to set a password.
pub async fn verify(
    state: &AppState,
    token: &str,
    ip: &str,
    user_agent: Option<String>,
) -> ApiResult<Verified> {
    let signup_id = match state.links.verify(LINK_PURPOSE, token) {
        Ok(link) => link.subject,
        Err(LinkError::Expired(link)) => {
            let status: Option<String> =
                sqlx::query_scalar("select status from platform.signups where id = $1")
                    .bind(link.subject)
                    .fetch_optional(&state.pool)
                    .await?;
            return Err(match status.as_deref() {
                Some("verified") => link_used(),
                Some(_) => link_expired(),
                None => link_invalid(),
            });
        }
        Err(LinkError::Invalid) => return Err(link_invalid()),
    };
    let mut tx = state.pool.begin().await?;
    let signup: SignupRow = sqlx::query_as(
        "select id, company_name, credit_code, licence_number, jurisdiction, contact_name, email, mobile,
                tenant_code, plan_code, status, expires_at
           from platform.signups where id = $1 for update",
    )
    .bind(signup_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(link_invalid)?;
    match signup.status.as_str() {
        "verified" => return Err(link_used()),
        "expired" => return Err(link_expired()),
        _ if signup.expires_at <= Utc::now() => return Err(link_expired()),
        _ => {}
    }
    let created = provisioning::create_tenant_in(
        &mut tx,
        &state.config.tenancy.role_prefix,
        NewTenant {
            code: signup.tenant_code.clone(),
            name: signup.company_name.clone(),
            jurisdiction: Some(signup.jurisdiction.clone()),
            status: "trial".into(),
            admin_password: None,
        },
        Subscription {
            plan: Some(signup.plan_code.clone()),
            trial_ends_at: None,
            credit_code: Some(signup.credit_code.clone()),
            licence_number: signup.licence_number.clone(),
            contact_name: Some(signup.contact_name.clone()),
            contact_email: Some(signup.email.clone()),
            contact_mobile: Some(signup.mobile.clone()),
        },
    )
    .await?;
    let valid_for = Duration::minutes(
        i64::try_from(state.config.subscription.password_link_minutes).unwrap_or(4320),
    );
    let link =
        issue_admin_link(&mut tx, &created.tenant, &created.admin_username, valid_for).await?;
    sqlx::query(
        "update platform.signups set status = 'verified', verified_at = now() where id = $1",
    )
    .bind(signup.id)
    .execute(&mut *tx)
    .await?;
    let trial_ends_at: Option<DateTime<Utc>> =
        sqlx::query_scalar("select trial_ends_at from platform.tenants where code = $1")
            .bind(&created.code)
            .fetch_one(&mut *tx)
            .await?;
    let actor = Actor {
        kind: "anonymous",
        name: signup.email.clone(),
        request_id: Some(crate::http::request_id::current()),
        ip: Some(ip.to_string()),
        user_agent,
        ..Default::default()
    };
    audit::record(
        &mut tx,
        Trail::Platform,
        &actor,
        Change {
            action: "tenant.provision",
            entity_type: "tenant",
            entity_id: Some(created.code.clone()),
            before: None,
            after: Some(json!({
                "signup_id": signup.id,
                "status": "trial",
                "plan": signup.plan_code,
                "trial_ends_at": trial_ends_at,
                "schema": created.schema,
            })),
        },
    )
    .await?;
    tx.commit().await?;

    let sent = match EmailAddress::parse(&signup.email) {
        Ok(to) => {
            let email = password_links::email(
                state,
                to,
                Some(signup.contact_name.clone()),
                &created.code,
                &signup.company_name,
                &created.admin_username,
                &link,
            );
            state.mailer.send(&email).await.is_ok()
        }
        Err(_) => false,
    };
    Ok(Verified {
        tenant_code: created.code,
        admin_username: created.admin_username,
        trial_ends_at,
        password_email_sent: sent,
    })
}

/// Issues a set-password link for a tenant user inside a login-role
/// transaction (entering the tenant and leaving again).
pub async fn issue_admin_link(
    conn: &mut sqlx::PgConnection,
    tenant: &TenantRef,
    username: &str,
    valid_for: Duration,
) -> ApiResult<password_links::IssuedLink> {
    tenancy::enter(conn, tenant).await?;
    let user_id: i64 = sqlx::query_scalar("select id from users where username = $1")
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let link = password_links::issue(conn, user_id, valid_for).await?;
    tenancy::leave(conn).await?;
    Ok(link)
}

/// Marks sign-ups whose link expired unverified; returns how many.
pub async fn expire_stale(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "update platform.signups set status = 'expired' where status = 'pending' and expires_at <= now()",
    )
    .execute(pool)
    .await?
    .rows_affected())
}
