//! The plans on offer (public, for the sign-up form).

use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};

use super::OpsTag;
use crate::{error::ApiResult, state::AppState};

/// A plan and its limits (absent = unlimited).
#[derive(Debug, Object, sqlx::FromRow)]
struct Plan {
    code: String,
    /// Name shown to customers, e.g. 标准版.
    name: String,
    max_staff_users: Option<i32>,
    max_active_loans: Option<i32>,
    max_storage_bytes: Option<i64>,
    /// Length of the trial a sign-up on this plan gets.
    trial_days: i32,
}

/// Plan endpoints.
pub struct PlansApi;

#[OpenApi(tag = "OpsTag::Signups")]
impl PlansApi {
    /// The plans a company can sign up for (public).
    #[oai(path = "/plans", method = "get", operation_id = "list_plans")]
    async fn list(&self, state: Data<&AppState>) -> ApiResult<Json<Vec<Plan>>> {
        let plans = sqlx::query_as(
            "select code, name, max_staff_users, max_active_loans, max_storage_bytes, trial_days
               from platform.plans where public order by max_staff_users nulls last, code",
        )
        .fetch_all(&state.pool)
        .await?;
        Ok(Json(plans))
    }
}
