//! Monthly filings (报送) to the regulator: 财务状况表, 贷款业务状况表 and 主要经营指标及资金来源情况表,
//! generated from the firm's ledger and loan book. Finance prepares a filing (a draft it may
//! regenerate), the admin submits it: it is then published to `supervision` through
//! `supervision.submit_filing`, which takes the firm from the tenant role, and never changes
//! again (here and there, enforced by triggers). A correction is a new version; earlier
//! versions stay.

mod financial_position;
pub mod loan_book;
mod loan_report;
mod operating_indicators;
mod table;

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Enum, Object, OpenApi,
};
use supervision_metrics::filing::{content_hash, FilingContent};

use crate::ledger::periods;
use crate::ApiTag;

/// Permissions: finance prepares (`filing.prepare`), the admin submits (`filing.submit`).
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("POST", "/api/v1/filings", "filing.prepare"),
    platform::rbac::RouteRule::new("GET", "/api/v1/filings", "filing.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/filings/:id", "filing.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/filings/:id/submit", "filing.submit"),
];

/// The kinds of monthly filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum FilingKind {
    /// 财务状况表.
    FinancialPosition,
    /// 贷款业务状况表.
    LoanReport,
    /// 主要经营指标及资金来源情况表.
    OperatingIndicators,
}

impl FilingKind {
    /// The stored text.
    pub fn text(self) -> &'static str {
        match self {
            Self::FinancialPosition => "financial_position",
            Self::LoanReport => "loan_report",
            Self::OperatingIndicators => "operating_indicators",
        }
    }
}

/// Generates a filing's content from the ledger and the loan book.
pub async fn generate(
    tx: &mut TenantTx,
    kind: FilingKind,
    period: NaiveDate,
) -> ApiResult<FilingContent> {
    match kind {
        FilingKind::FinancialPosition => financial_position::generate(tx, period).await,
        FilingKind::LoanReport => loan_report::generate(tx, period).await,
        FilingKind::OperatingIndicators => operating_indicators::generate(tx, period).await,
    }
}

/// A filing of the firm: a draft (`prepared`) or a submitted version.
#[derive(Debug, Clone, Object)]
pub struct Filing {
    pub id: i64,
    /// `financial_position`, `loan_report` or `operating_indicators`.
    pub kind: String,
    /// `YYYY-MM`.
    pub period: String,
    pub version: i32,
    /// `prepared` or `submitted`.
    pub status: String,
    /// The table (FilingContent JSON: kind, period, title, columns, rows of key, label, values).
    pub content: serde_json::Value,
    /// SHA-256 (hex) of the canonical JSON of `content`.
    pub content_hash: String,
    pub prepared_by_name: String,
    pub prepared_at: DateTime<Utc>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

type Row = (
    i64,
    String,
    NaiveDate,
    i32,
    String,
    serde_json::Value,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
);

const COLUMNS: &str = "id, kind, period, version, status, content, content_hash, prepared_by_name, prepared_at, submitted_by_name, submitted_at";

fn filing(r: Row) -> Filing {
    Filing {
        id: r.0,
        kind: r.1,
        period: periods::name(r.2),
        version: r.3,
        status: r.4,
        content: r.5,
        content_hash: r.6,
        prepared_by_name: r.7,
        prepared_at: r.8,
        submitted_by_name: r.9,
        submitted_at: r.10,
    }
}

async fn find(tx: &mut TenantTx, id: i64, lock: bool) -> ApiResult<Filing> {
    let lock = if lock { " for update" } else { "" };
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from filings where id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(filing).ok_or_else(|| ApiError::not_found("filing"))
}

/// Prepares (or regenerates) the draft of a kind and period: the next version after the
/// submitted ones.
pub async fn prepare(
    tx: &mut TenantTx,
    actor: &Actor,
    kind: FilingKind,
    period: NaiveDate,
) -> ApiResult<Filing> {
    let today = chrono::Utc::now().date_naive();
    if period > periods::month_start(today) {
        return Err(ApiError::validation(
            "period",
            "period_in_future",
            "a filing is prepared for the current or an earlier month",
        ));
    }
    let content = generate(tx, kind, period).await?;
    let value = serde_json::to_value(&content).map_err(ApiError::internal)?;
    let hash = content_hash(&value);
    // Serializes preparations and submissions of the same kind and period.
    sqlx::query("select pg_advisory_xact_lock(hashtext('filing:' || $1 || ':' || $2::text))")
        .bind(kind.text())
        .bind(period)
        .execute(&mut **tx)
        .await?;
    let draft: Option<i64> = sqlx::query_scalar(
        "select id from filings where kind = $1 and period = $2 and status = 'prepared'",
    )
    .bind(kind.text())
    .bind(period)
    .fetch_optional(&mut **tx)
    .await?;
    let row: Row = match draft {
        Some(id) => sqlx::query_as(&format!(
            "update filings set content = $2, content_hash = $3, prepared_by = $4, prepared_by_name = $5,
                    prepared_at = now()
              where id = $1 returning {COLUMNS}"
        ))
        .bind(id)
        .bind(&value)
        .bind(&hash)
        .bind(actor.id)
        .bind(&actor.name)
        .fetch_one(&mut **tx)
        .await?,
        None => sqlx::query_as(&format!(
            "insert into filings (kind, period, version, content, content_hash, prepared_by, prepared_by_name)
             values ($1, $2, (select coalesce(max(version), 0) + 1 from filings where kind = $1 and period = $2),
                     $3, $4, $5, $6)
             returning {COLUMNS}"
        ))
        .bind(kind.text())
        .bind(period)
        .bind(&value)
        .bind(&hash)
        .bind(actor.id)
        .bind(&actor.name)
        .fetch_one(&mut **tx)
        .await
        .on_constraint("filings_version_key", || {
            ApiError::conflict("filing_busy", "another preparation of this filing ran at the same time; retry")
        })?,
    };
    let filing = filing(row);
    audit::record(
        tx,
        Trail::Tenant,
        actor,
        Change {
            action: "filing.prepare",
            entity_type: "filing",
            entity_id: Some(filing.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "kind": filing.kind, "period": filing.period, "version": filing.version,
                "content_hash": filing.content_hash,
            })),
        },
    )
    .await?;
    Ok(filing)
}

/// Submits a prepared filing: publishes it to the regulator and freezes it.
pub async fn submit(tx: &mut TenantTx, actor: &Actor, id: i64) -> ApiResult<Filing> {
    let draft = find(tx, id, true).await?;
    if draft.status != "prepared" {
        return Err(ApiError::conflict(
            "filing_already_submitted",
            "this filing was submitted and cannot change; prepare a correction (a new version) instead",
        ));
    }
    let period = periods::parse("period", &draft.period)?;
    sqlx::query("select pg_advisory_xact_lock(hashtext('filing:' || $1 || ':' || $2::text))")
        .bind(&draft.kind)
        .bind(period)
        .execute(&mut **tx)
        .await?;
    if content_hash(&draft.content) != draft.content_hash {
        return Err(ApiError::internal(anyhow::anyhow!(
            "filing {id}: stored content does not match its hash"
        )));
    }
    let submitted_at: DateTime<Utc> =
        sqlx::query_scalar("select supervision.submit_filing($1, $2, $3, $4, $5, $6, $7)")
            .bind(&draft.kind)
            .bind(period)
            .bind(draft.version)
            .bind(&draft.content)
            .bind(&draft.content_hash)
            .bind(&draft.prepared_by_name)
            .bind(&actor.name)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| match e.as_database_error().and_then(|d| d.code()) {
                Some(c) if c == "40001" => ApiError::conflict(
                    "filing_version_conflict",
                    "the regulator already has this version; prepare the filing again",
                ),
                _ => e.into(),
            })?;
    let row: Row = sqlx::query_as(&format!(
        "update filings set status = 'submitted', submitted_by = $2, submitted_by_name = $3, submitted_at = $4
          where id = $1 returning {COLUMNS}"
    ))
    .bind(id)
    .bind(actor.id)
    .bind(&actor.name)
    .bind(submitted_at)
    .fetch_one(&mut **tx)
    .await?;
    let filing = filing(row);
    audit::record(
        tx,
        Trail::Tenant,
        actor,
        Change {
            action: "filing.submit",
            entity_type: "filing",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({"status": "prepared"})),
            after: Some(serde_json::json!({
                "status": "submitted", "kind": filing.kind, "period": filing.period,
                "version": filing.version, "content_hash": filing.content_hash,
            })),
        },
    )
    .await?;
    Ok(filing)
}

/// A filing to prepare.
#[derive(Debug, Object)]
struct PrepareFiling {
    kind: FilingKind,
    /// `YYYY-MM`.
    period: String,
}

#[derive(ApiResponse)]
enum Prepared {
    /// Prepared (a new draft, or the existing draft regenerated).
    #[oai(status = 201)]
    Created(Json<Filing>),
}

/// Filing endpoints.
pub struct FilingsApi;

#[OpenApi(tag = "ApiTag::Supervision")]
impl FilingsApi {
    /// Prepare (or regenerate) the draft of a monthly filing from the ledger and the loan
    /// book (finance, `filing.prepare`). After a submission this starts the next version.
    #[oai(path = "/filings", method = "post", operation_id = "prepare_filing")]
    async fn prepare(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<PrepareFiling>,
    ) -> ApiResult<Prepared> {
        let period = periods::parse("period", &body.period)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let filing = prepare(&mut tx, &auth.0.actor, body.kind, period).await?;
        tx.commit().await?;
        Ok(Prepared::Created(Json(filing)))
    }

    /// The firm's filings, newest period first; filters by period and kind.
    #[oai(path = "/filings", method = "get", operation_id = "list_filings")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        period: Query<Option<String>>,
        kind: Query<Option<FilingKind>>,
    ) -> ApiResult<Json<Vec<Filing>>> {
        let period = period
            .0
            .as_deref()
            .map(|p| periods::parse("period", p))
            .transpose()?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from filings
              where ($1::date is null or period = $1) and ($2::text is null or kind = $2)
              order by period desc, kind, version desc"
        ))
        .bind(period)
        .bind(kind.0.map(FilingKind::text))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(rows.into_iter().map(filing).collect()))
    }

    /// One filing.
    #[oai(path = "/filings/:id", method = "get", operation_id = "get_filing")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Filing>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let filing = find(&mut tx, id.0, false).await?;
        tx.commit().await?;
        Ok(Json(filing))
    }

    /// Submit a prepared filing to the regulator (the admin, `filing.submit`): it becomes
    /// immutable; `filing_already_submitted` (409) for a submitted one.
    #[oai(
        path = "/filings/:id/submit",
        method = "post",
        operation_id = "submit_filing"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Filing>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let filing = submit(&mut tx, &auth.0.actor, id.0).await?;
        tx.commit().await?;
        Ok(Json(filing))
    }
}
