//! The approval workflow of an application: submission (the checks, the
//! flow chosen by product and amount, the step plan with an extra step when
//! the amount is above the last approver's authority), then decisions —
//! approve, return to the previous step (from the first: to the applicant),
//! reject — each with an opinion, by a holder of the step's role who is not
//! the application's creator; a committee step passes with N votes for and
//! fails when N can no longer be reached. Every action is kept; the next
//! approver gets an in-app message.

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};
use rust_decimal::Decimal;

use super::flows::{self, Flow};
use crate::applications::{
    checks,
    records::{self, Application},
};
use crate::{inbox, products, ApiTag};

/// Permissions of these endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/applications/:id/submit",
        "application.submit",
    ),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/applications/:id/decisions",
        "application.decide",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/api/v1/applications/:id/approval",
        "application.read",
    ),
];

/// A step of an application's plan.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct PlannedStep {
    pub position: i32,
    pub name: String,
    /// role or committee.
    pub kind: String,
    pub role: String,
    pub committee_size: Option<i32>,
    pub votes_needed: Option<i32>,
    /// Added because the amount is above the last approver's authority.
    pub extra: bool,
}

/// One action of the history.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct ApprovalAction {
    pub id: i64,
    pub step_position: Option<i32>,
    pub step_name: Option<String>,
    /// submit, approve, return, reject, vote_for or vote_against.
    pub action: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub opinion: String,
    pub created_at: DateTime<Utc>,
}

/// An application's plan and full history.
#[derive(Debug, Object)]
struct ApprovalRecord {
    status: String,
    current_step: Option<u32>,
    steps: Vec<PlannedStep>,
    actions: Vec<ApprovalAction>,
}

/// A submission.
#[derive(Debug, Object)]
#[oai(rename = "ApplicationSubmission")]
struct Submission {
    opinion: Option<String>,
}

/// A decision on the current step.
#[derive(Debug, Object)]
#[oai(rename = "ApprovalDecision")]
struct Decision {
    /// approve, return or reject (on a committee step approve and reject are votes).
    decision: String,
    opinion: String,
}

/// The step plan of a flow for an amount: its steps, plus an extra step when
/// the last step's role has an authority limit below the amount.
pub fn plan(flow: &Flow, amount: Decimal) -> ApiResult<Vec<PlannedStep>> {
    let mut steps: Vec<PlannedStep> = flow
        .steps
        .iter()
        .map(|s| PlannedStep {
            position: s.position,
            name: s.name.clone(),
            kind: s.kind.clone(),
            role: s.role.clone(),
            committee_size: s.committee_size,
            votes_needed: s.votes_needed,
            extra: false,
        })
        .collect();
    let Some(last) = steps.last() else {
        return Err(ApiError::conflict(
            "no_approval_flow",
            "the flow has no steps",
        ));
    };
    let limit_of = |role: &str| {
        flow.authority_limits
            .iter()
            .find(|a| a.role == role)
            .map(|a| a.max_amount.map(|m| m.amount()))
    };
    // None: no limit declared; Some(None): unlimited; Some(Some(m)): at most m.
    if let Some(Some(max)) = limit_of(&last.role) {
        if amount > max {
            let escalate = flow
                .authority_limits
                .iter()
                .filter(|a| a.max_amount.is_none_or(|m| m.amount() >= amount))
                .min_by_key(|a| a.max_amount.map_or(Decimal::MAX, |m| m.amount()))
                .ok_or_else(|| {
                    ApiError::conflict(
                        "no_approval_authority",
                        format!("no role of the flow may approve {amount}"),
                    )
                })?;
            let position = last.position + 1;
            steps.push(PlannedStep {
                position,
                name: format!("超权限审批 ({})", escalate.role),
                kind: "role".into(),
                role: escalate.role.clone(),
                committee_size: None,
                votes_needed: None,
                extra: true,
            });
        }
    }
    Ok(steps)
}

async fn steps_of(tx: &mut TenantTx, application_id: i64) -> ApiResult<Vec<PlannedStep>> {
    Ok(sqlx::query_as(
        "select position, name, kind, role, committee_size, votes_needed, extra from application_steps
          where application_id = $1 order by position",
    )
    .bind(application_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Active users holding a role, except one.
async fn holders(tx: &mut TenantTx, role: &str, except: i64) -> ApiResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "select u.id from user_roles r join users u on u.id = r.user_id
          where r.role_code = $1 and u.status = 'active' and u.id <> $2 order by u.id",
    )
    .bind(role)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?)
}

async fn notify_step(tx: &mut TenantTx, a: &Application, step: &PlannedStep) -> ApiResult<()> {
    let users = holders(tx, &step.role, a.created_by).await?;
    inbox::send(
        tx,
        &users,
        &format!("待审批：贷款申请 {} ({})", a.number, step.name),
        &format!(
            "申请 {}，金额 {}，等待您在「{}」环节审批。",
            a.number, a.amount, step.name
        ),
        ("application", a.id),
    )
    .await
}

async fn record_action(
    tx: &mut TenantTx,
    a_id: i64,
    step: Option<i32>,
    activation: i32,
    actor: i64,
    action: &str,
    opinion: &str,
) -> ApiResult<()> {
    sqlx::query(
        "insert into approval_actions (application_id, step_position, activation, actor_id, action, opinion)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a_id)
    .bind(step)
    .bind(activation)
    .bind(actor)
    .bind(action)
    .bind(opinion)
    .execute(&mut **tx)
    .await
    .on_constraint("approval_actions_one_vote", || {
        ApiError::conflict("already_voted", "you already voted on this step")
    })?;
    Ok(())
}

async fn activation_of(tx: &mut TenantTx, id: i64) -> ApiResult<i32> {
    Ok(
        sqlx::query_scalar("select activation from applications where id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

fn opinion_text(o: &str) -> ApiResult<String> {
    let o = o.trim();
    if (1..=2000).contains(&o.chars().count()) {
        Ok(o.to_string())
    } else {
        Err(ApiError::validation(
            "opinion",
            "opinion_required",
            "an opinion of 1 to 2000 characters",
        ))
    }
}

/// Moves to a step (bumping the activation) and tells its role holders.
async fn go_to(tx: &mut TenantTx, a: &Application, step: &PlannedStep) -> ApiResult<()> {
    sqlx::query(
        "update applications set current_step = $2, activation = activation + 1 where id = $1",
    )
    .bind(a.id)
    .bind(step.position)
    .execute(&mut **tx)
    .await?;
    notify_step(tx, a, step).await
}

async fn finish(tx: &mut TenantTx, a: &Application, status: &str) -> ApiResult<()> {
    let decided = if status == "returned" {
        ""
    } else {
        ", decided_at = now()"
    };
    sqlx::query(&format!(
        "update applications set status = $2, current_step = null, activation = activation + 1{decided} where id = $1"
    ))
    .bind(a.id)
    .bind(status)
    .execute(&mut **tx)
    .await?;
    let subject = match status {
        "approved" => format!("已批准：贷款申请 {}", a.number),
        "rejected" => format!("已否决：贷款申请 {}", a.number),
        _ => format!("已退回：贷款申请 {}，请修改后重新提交", a.number),
    };
    inbox::send(tx, &[a.created_by], &subject, "", ("application", a.id)).await
}

/// Workflow endpoints.
pub struct WorkflowApi;

#[OpenApi(tag = "ApiTag::Approval")]
impl WorkflowApi {
    /// Submit a draft or returned application: the checks run (each refusal
    /// has its own code and changes nothing: `customer_blacklisted`,
    /// `guarantor_blacklisted`, `credit_limit_missing`, `credit_limit_expired`,
    /// `credit_limit_exceeded`, `apr_above_cap`, `single_borrower_limit_exceeded`,
    /// `related_group_limit_exceeded`, `opening_balances_missing`,
    /// `no_approval_flow`, `no_approval_authority`), the flow is chosen and
    /// the first step's role holders are told.
    #[oai(
        path = "/applications/:id/submit",
        method = "post",
        operation_id = "submit_application"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Submission>,
    ) -> ApiResult<Json<Application>> {
        let opinion = body.opinion.as_deref().unwrap_or("").trim().to_string();
        let user = auth.0.session.user_id;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = records::load_scoped(&mut tx, &auth, id.0, true).await?;
        if !matches!(before.status.as_str(), "draft" | "returned") {
            return Err(ApiError::conflict(
                "application_not_submittable",
                "only a draft or a returned application can be submitted",
            ));
        }
        let product = products::load(&mut tx, before.product_id).await?;
        let today = crate::limits::today();
        let apr = checks::run(&mut tx, &before, &product, today).await?;
        let flow = flows::choose(&mut tx, before.product_id, before.amount.amount()).await?;
        let steps = plan(&flow, before.amount.amount())?;
        sqlx::query("delete from application_steps where application_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        for s in &steps {
            sqlx::query(
                "insert into application_steps (application_id, position, name, kind, role, committee_size, votes_needed, extra)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(s.position)
            .bind(&s.name)
            .bind(&s.kind)
            .bind(&s.role)
            .bind(s.committee_size)
            .bind(s.votes_needed)
            .bind(s.extra)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "update applications set status = 'in_review', flow_id = $2, apr = $3, submitted_at = now(), decided_at = null where id = $1",
        )
        .bind(id.0)
        .bind(flow.id)
        .bind(apr)
        .execute(&mut *tx)
        .await?;
        let activation = activation_of(&mut tx, id.0).await? + 1;
        record_action(&mut tx, id.0, None, activation, user, "submit", &opinion).await?;
        go_to(&mut tx, &before, &steps[0]).await?;
        let after = records::load(&mut tx, id.0, false).await?;
        let change = Change {
            action: "application.submit",
            entity_type: "application",
            entity_id: Some(id.0.to_string()),
            before: Some(records::json(&before)),
            after: Some(records::json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }

    /// Decide the current step: approve, return (to the previous step, or to
    /// the applicant from the first) or reject, with an opinion. Refused:
    /// `creator_cannot_approve` (403), `not_your_step` (403, the caller lacks
    /// the step's role), `already_voted` (409), `application_not_in_review` (409).
    #[oai(
        path = "/applications/:id/decisions",
        method = "post",
        operation_id = "decide_application"
    )]
    async fn decide(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Decision>,
    ) -> ApiResult<Json<Application>> {
        let opinion = opinion_text(&body.opinion)?;
        if !matches!(body.decision.as_str(), "approve" | "return" | "reject") {
            return Err(ApiError::validation(
                "decision",
                "invalid_decision",
                "approve, return or reject",
            ));
        }
        let user = auth.0.session.user_id;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = records::load_scoped(&mut tx, &auth, id.0, true).await?;
        if before.status != "in_review" {
            return Err(ApiError::conflict(
                "application_not_in_review",
                "the application is not waiting for a decision",
            ));
        }
        if before.created_by == user {
            return Err(ApiError::forbidden(
                "creator_cannot_approve",
                "the creator of an application can never decide on it",
            ));
        }
        let steps = steps_of(&mut tx, id.0).await?;
        let current = i32::try_from(before.current_step.unwrap_or(0)).unwrap_or(0);
        let idx = steps
            .iter()
            .position(|s| s.position == current)
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!(
                    "application {} has no step {current}",
                    id.0
                ))
            })?;
        let step = steps[idx].clone();
        if !auth.0.roles.iter().any(|r| r == &step.role) {
            return Err(ApiError::forbidden(
                "not_your_step",
                format!(
                    "the step {} is decided by the role {}",
                    step.name, step.role
                ),
            ));
        }
        let activation = activation_of(&mut tx, id.0).await?;
        let decision = body.decision.as_str();
        let action = match (step.kind.as_str(), decision) {
            ("committee", "approve") => "vote_for",
            ("committee", "reject") => "vote_against",
            (_, d) => d,
        };
        record_action(
            &mut tx,
            id.0,
            Some(step.position),
            activation,
            user,
            action,
            &opinion,
        )
        .await?;
        let outcome = match action {
            "vote_for" | "vote_against" => {
                let (yes, no): (i64, i64) = sqlx::query_as(
                    "select count(*) filter (where action = 'vote_for'), count(*) filter (where action = 'vote_against')
                       from approval_actions where application_id = $1 and activation = $2",
                )
                .bind(id.0)
                .bind(activation)
                .fetch_one(&mut *tx)
                .await?;
                let m = i64::from(step.committee_size.unwrap_or(1));
                let n = i64::from(step.votes_needed.unwrap_or(1));
                if yes >= n {
                    "approve"
                } else if no > m - n {
                    "reject"
                } else {
                    "pending"
                }
            }
            other => other,
        };
        match outcome {
            "approve" => match steps.get(idx + 1) {
                Some(next) => go_to(&mut tx, &before, next).await?,
                None => finish(&mut tx, &before, "approved").await?,
            },
            "reject" => finish(&mut tx, &before, "rejected").await?,
            "return" => match idx.checked_sub(1).and_then(|i| steps.get(i)) {
                Some(prev) => go_to(&mut tx, &before, prev).await?,
                None => finish(&mut tx, &before, "returned").await?,
            },
            _ => {}
        }
        let after = records::load(&mut tx, id.0, false).await?;
        let change = Change {
            action: match action {
                "approve" => "application.approve",
                "reject" => "application.reject",
                "return" => "application.return",
                "vote_for" => "application.vote_for",
                _ => "application.vote_against",
            },
            entity_type: "application",
            entity_id: Some(id.0.to_string()),
            before: Some(records::json(&before)),
            after: Some(records::json(&after)),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }

    /// An application's step plan and full history of actions with opinions.
    #[oai(
        path = "/applications/:id/approval",
        method = "get",
        operation_id = "get_application_approval"
    )]
    async fn record(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ApprovalRecord>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let a = records::load_scoped(&mut tx, &auth, id.0, false).await?;
        let steps = steps_of(&mut tx, id.0).await?;
        let actions = sqlx::query_as(
            "select x.id, x.step_position, s.name as step_name, x.action, x.actor_id, u.username as actor_name, x.opinion, x.created_at
               from approval_actions x join users u on u.id = x.actor_id
               left join application_steps s on s.application_id = x.application_id and s.position = x.step_position
              where x.application_id = $1 order by x.id",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(ApprovalRecord {
            status: a.status,
            current_step: a.current_step,
            steps,
            actions,
        }))
    }
}
