//! The licensing registry (minimal): record an approved licence, which
//! invites the firm to link its tenant; list the licences of the
//! regulator's jurisdictions. The full intake and review workflow comes with
//! the supervision portal.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    auth::RegulatorAuth,
    registry::{self, Licence, NewLicence},
    ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};

use crate::SupervisionTag;

/// A licence decision to record.
#[derive(Debug, Object)]
struct ApproveLicence {
    firm_name: String,
    /// Unified social credit code (checksum verified).
    credit_code: String,
    /// The licence (批复) number, unique.
    licence_number: String,
    /// One of your jurisdictions (6-digit region code).
    jurisdiction: String,
    /// Date of the decision; today when absent.
    decided_at: Option<NaiveDate>,
    /// Where to send the invitation; the firm's contact on the platform when absent.
    invite_email: Option<String>,
}

/// A licence in the registry.
#[derive(Debug, Object)]
struct LicenceBody {
    id: i64,
    firm_name: String,
    credit_code: String,
    licence_number: String,
    jurisdiction: String,
    /// approved or revoked.
    status: String,
    decided_at: NaiveDate,
    /// The tenant (platform company) linked to it.
    tenant_code: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<Licence> for LicenceBody {
    fn from(l: Licence) -> Self {
        Self {
            id: l.id,
            firm_name: l.firm_name,
            credit_code: l.credit_code,
            licence_number: l.licence_number,
            jurisdiction: l.jurisdiction,
            status: l.status,
            decided_at: l.decided_at,
            tenant_code: l.tenant_code,
            created_at: l.created_at,
        }
    }
}

/// A licence just approved, and its invitation.
#[derive(Debug, Object)]
struct ApprovedBody {
    licence: LicenceBody,
    /// Where the invitation went (absent: nobody to invite yet).
    invitation_email: Option<String>,
    invitation_sent: bool,
}

#[derive(ApiResponse)]
enum Created {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ApprovedBody>),
}

async fn jurisdictions(state: &AppState, auth: &RegulatorAuth) -> ApiResult<Vec<String>> {
    let list: Option<Vec<String>> =
        sqlx::query_scalar("select jurisdictions from supervision.regulators where id = $1")
            .bind(auth.0.session.user_id)
            .fetch_optional(&state.pool)
            .await?;
    Ok(list.unwrap_or_default())
}

/// Licensing registry endpoints.
pub struct LicencesApi;

#[OpenApi(tag = "SupervisionTag::Licences")]
impl LicencesApi {
    /// Record an approved licence; the firm is invited by email to link it
    /// to its tenant. Refused: `outside_jurisdiction` (403),
    /// `licence_number_taken`, `firm_already_licensed` (409).
    #[oai(path = "/licences", method = "post", operation_id = "approve_licence")]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        body: Json<ApproveLicence>,
    ) -> ApiResult<Created> {
        let b = body.0;
        let mine = jurisdictions(&state, &auth).await?;
        let approved = registry::approve(
            &state,
            &auth.0.actor,
            &mine,
            NewLicence {
                firm_name: b.firm_name,
                credit_code: b.credit_code,
                licence_number: b.licence_number,
                jurisdiction: b.jurisdiction,
                decided_at: b.decided_at,
                invite_email: b.invite_email,
            },
        )
        .await?;
        Ok(Created::Created(Json(ApprovedBody {
            licence: approved.licence.into(),
            invitation_email: approved.invitation_email,
            invitation_sent: approved.invitation_sent,
        })))
    }

    /// The licences of your jurisdictions, newest first, with the linked tenant.
    #[oai(path = "/licences", method = "get", operation_id = "list_licences")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
    ) -> ApiResult<Json<Vec<LicenceBody>>> {
        let mine = jurisdictions(&state, &auth).await?;
        let list = registry::licences(&state.pool, &mine).await?;
        Ok(Json(list.into_iter().map(LicenceBody::from).collect()))
    }
}
