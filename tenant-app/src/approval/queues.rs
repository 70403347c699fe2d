//! Work queues: my pending (the current step is for one of my roles, I did
//! not create the application and have not voted in this round), my done
//! (I acted on it), returned to me (returned to me as applicant, or back at a
//! step I had approved), and all in my scope.

use platform::{
    auth::StaffAuth,
    pagination::{Page, Paging},
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, OpenApi};

use crate::applications::records::{self, Application};
use crate::ApiTag;

/// Permissions of these endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[platform::rbac::RouteRule::new(
    "GET",
    "/api/v1/approval-queue",
    "application.read",
)];

/// Work queue endpoints.
pub struct QueuesApi;

#[OpenApi(tag = "ApiTag::Approval")]
impl QueuesApi {
    /// A work queue: `pending` (default), `done`, `returned` or `all`, with
    /// an optional status filter, newest first.
    #[oai(
        path = "/approval-queue",
        method = "get",
        operation_id = "approval_queue"
    )]
    async fn queue(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        queue: Query<Option<String>>,
        status: Query<Option<String>>,
        page: Query<Option<u32>>,
        per_page: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Application>>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let condition = match queue.0.as_deref().unwrap_or("pending") {
            "pending" => {
                "a.status = 'in_review' and a.created_by <> $1
                 and exists (select 1 from application_steps s where s.application_id = a.id
                               and s.position = a.current_step and s.role = any($2))
                 and not exists (select 1 from approval_actions x where x.application_id = a.id
                                   and x.activation = a.activation and x.actor_id = $1)"
            }
            "done" => {
                "exists (select 1 from approval_actions x where x.application_id = a.id
                           and x.actor_id = $1 and x.action <> 'submit')"
            }
            "returned" => {
                "((a.status = 'returned' and a.created_by = $1)
                  or (a.status = 'in_review'
                      and (select x.action from approval_actions x where x.application_id = a.id order by x.id desc limit 1) = 'return'
                      and exists (select 1 from approval_actions x where x.application_id = a.id and x.actor_id = $1
                                    and x.step_position = a.current_step and x.action in ('approve', 'vote_for'))))"
            }
            "all" => "true",
            _ => {
                return Err(ApiError::validation(
                    "queue",
                    "invalid_queue",
                    "pending, done, returned or all",
                ))
            }
        };
        let filter = format!(
            "{condition} and ($3::bigint is null or a.branch_id = $3) and ($4::text is null or a.status = $4)"
        );
        let user = auth.0.session.user_id;
        let roles = auth.0.roles.clone();
        let branch = auth.0.branch_filter();
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "select count(*) from applications a where {filter}"
        ))
        .bind(user)
        .bind(&roles)
        .bind(branch)
        .bind(&status.0)
        .fetch_one(&mut *tx)
        .await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "select a.id from applications a where {filter} order by a.id desc limit $5 offset $6"
        ))
        .bind(user)
        .bind(&roles)
        .bind(branch)
        .bind(&status.0)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&mut *tx)
        .await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            items.push(records::load(&mut tx, id, false).await?);
        }
        tx.commit().await?;
        Ok(Json(Page::new(items, paging, total)))
    }
}
