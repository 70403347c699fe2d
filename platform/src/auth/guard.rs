//! Bearer-token security schemes, one per audience. A token of another
//! audience is refused as if unknown. A session whose password must be changed
//! may only change it or log out.

use poem::Request;
use poem_openapi::{auth::Bearer, SecurityScheme};

use super::session::{Realm, Session};
use crate::{audit::Actor, error::ApiError, state::AppState};

/// An authenticated caller: the session, the roles and branch scope, and,
/// for the audit trail, the actor.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Session,
    pub actor: Actor,
    /// Role codes (casbin, as of this request).
    pub roles: Vec<String>,
    /// The staff member's branch.
    pub branch_id: Option<i64>,
    /// Whether a role lifts the branch scope (`scope.all_branches`).
    pub all_branches: bool,
}

impl Principal {
    /// Whether the caller may see and change records of a branch (a record
    /// without a branch is visible to everyone of the tenant).
    pub fn can_see_branch(&self, branch_id: Option<i64>) -> bool {
        self.all_branches || branch_id.is_none() || branch_id == self.branch_id
    }

    /// The branch to filter by in SQL: `None` means all branches. A
    /// branch-scoped caller without a branch sees no branch's records
    /// (`Some(0)` matches none). Use as
    /// `($n::bigint is null or branch_id = $n)`.
    pub fn branch_filter(&self) -> Option<i64> {
        if self.all_branches {
            None
        } else {
            Some(self.branch_id.unwrap_or(0))
        }
    }

    /// 404 (`not_found`, as for another tenant's records) unless the caller
    /// may see the branch.
    pub fn ensure_branch(&self, branch_id: Option<i64>, what: &str) -> Result<(), ApiError> {
        if self.can_see_branch(branch_id) {
            Ok(())
        } else {
            Err(ApiError::not_found(what))
        }
    }

    /// Whether the caller holds a permission (same rules as the middleware).
    pub async fn can(&self, state: &AppState, permission: &str) -> Result<bool, ApiError> {
        state.access.allows(&self.session, permission).await
    }
}

async fn check(req: &Request, bearer: Bearer, realm: Realm) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let session = state
        .sessions
        .find(&bearer.token)
        .await
        .map_err(ApiError::from)?
        .filter(|s| s.realm == realm)
        .ok_or_else(|| {
            ApiError::unauthorized("unauthorized", "the token is missing, invalid or expired")
        })?;
    if let Some(tenant) = &session.tenant {
        // Suspended, closed or trial over: refused on every request, not only at login.
        crate::lifecycle::ensure_operational(state, &tenant.code).await?;
    }
    let path = req.uri().path();
    if session.must_change_password
        && !(path.ends_with("/auth/password") || path.ends_with("/auth/logout"))
    {
        return Err(ApiError::forbidden(
            "password_change_required",
            "change the one-time password first (POST auth/password)",
        )
        .into());
    }
    let ip = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string());
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    let grant = state.access.grant(&session).await?;
    let mut actor = Actor::from_session(&session, ip, user_agent);
    actor.roles = grant.roles.clone();
    Ok(Principal {
        branch_id: session.branch_id,
        actor,
        session,
        roles: grant.roles,
        all_branches: grant.all_branches,
    })
}

async fn check_staff(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    check(req, bearer, Realm::Staff).await
}
async fn check_operator(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    check(req, bearer, Realm::Operator).await
}
async fn check_regulator(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    check(req, bearer, Realm::Regulator).await
}

/// A lending company's staff member.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_staff")]
pub struct StaffAuth(pub Principal);

/// A platform operator.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_operator")]
pub struct OperatorAuth(pub Principal);

/// A regulator.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_regulator")]
pub struct RegulatorAuth(pub Principal);

impl StaffAuth {
    /// The tenant of this staff session.
    pub fn tenant(&self) -> Result<&crate::tenancy::TenantRef, ApiError> {
        self.0
            .session
            .tenant
            .as_ref()
            .ok_or_else(|| ApiError::unauthorized("unauthorized", "the token has no tenant"))
    }
}
