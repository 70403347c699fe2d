//! Jobs for operators: list with filters, one job, re-run a dead or failed one.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};

use super::OpsTag;
use crate::{
    audit::{self, Change, Trail},
    auth::OperatorAuth,
    error::{ApiError, ApiResult},
    jobs::queue::{self, Job, ListFilter, RerunRefused},
    pagination::{Page, Paging},
    state::AppState,
};

/// A background job.
#[derive(Debug, Object, serde::Serialize)]
pub struct JobBody {
    pub id: i64,
    /// Unique key, e.g. `cob:demo:2026-03-31`.
    pub key: String,
    /// What the job does, e.g. `messages.dispatch`.
    pub kind: String,
    /// The tenant it works for.
    pub tenant: Option<String>,
    pub payload: serde_json::Value,
    /// `queued`, `running`, `succeeded`, `failed` (a retry is due at `run_at`) or `dead`.
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    /// While running: when the worker's lease ends.
    pub locked_until: Option<DateTime<Utc>>,
    pub worker_id: Option<String>,
    pub last_error: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Job> for JobBody {
    fn from(j: Job) -> Self {
        Self {
            id: j.id,
            key: j.key,
            kind: j.kind,
            tenant: j.tenant_code,
            payload: j.payload,
            status: j.status,
            run_at: j.run_at,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            locked_until: j.locked_until,
            worker_id: j.worker_id,
            last_error: j.last_error,
            started_at: j.started_at,
            finished_at: j.finished_at,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

const STATUSES: &[&str] = &["queued", "running", "succeeded", "failed", "dead"];

/// Job endpoints.
pub struct JobsApi;

#[OpenApi(tag = "OpsTag::Jobs")]
impl JobsApi {
    /// List jobs, newest first, filtered by status, kind or tenant.
    #[oai(path = "/jobs", method = "get", operation_id = "ops_list_jobs")]
    #[allow(clippy::too_many_arguments)] // one parameter per query filter
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: OperatorAuth,
        /// `queued`, `running`, `succeeded`, `failed` or `dead`.
        status: Query<Option<String>>,
        /// e.g. `messages.dispatch`.
        kind: Query<Option<String>>,
        /// A tenant code.
        tenant: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<JobBody>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        if let Some(s) = status.0.as_deref() {
            if !STATUSES.contains(&s) {
                return Err(ApiError::validation(
                    "status",
                    "invalid_status",
                    format!("status is one of {}", STATUSES.join(", ")),
                ));
            }
        }
        let filter = ListFilter {
            status: status.0,
            kind: kind.0,
            tenant: tenant.0,
        };
        let (items, total) = queue::list(&state.pool, &filter, paging).await?;
        Ok(Json(Page::new(
            items.into_iter().map(JobBody::from).collect(),
            paging,
            total,
        )))
    }

    /// One job.
    #[oai(path = "/jobs/:id", method = "get", operation_id = "ops_get_job")]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: OperatorAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<JobBody>> {
        queue::get(&state.pool, id.0)
            .await?
            .map(|j| Json(j.into()))
            .ok_or_else(|| ApiError::not_found("job"))
    }

    /// Re-run a dead or failed job now, with its attempts reset.
    #[oai(
        path = "/jobs/:id/rerun",
        method = "post",
        operation_id = "ops_rerun_job"
    )]
    async fn rerun(
        &self,
        state: Data<&AppState>,
        auth: OperatorAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<JobBody>> {
        let mut tx = state.pool.begin().await?;
        let (before, after) = match queue::rerun(&mut tx, id.0).await? {
            Ok(pair) => pair,
            Err(RerunRefused::NotFound) => return Err(ApiError::not_found("job")),
            Err(RerunRefused::NotRerunnable(status)) => {
                return Err(ApiError::conflict(
                    "job_not_rerunnable",
                    format!("only dead or failed jobs are re-run; this one is {status}"),
                ))
            }
        };
        let change = Change {
            action: "job.rerun",
            entity_type: "job",
            entity_id: Some(after.id.to_string()),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        audit::record(&mut tx, Trail::Platform, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after.into()))
    }
}
