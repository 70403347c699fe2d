//! What the firms report, as the regulator reads it: the firm profile's published versions,
//! and the monthly filings with their status against the jurisdiction's deadline (on time,
//! late, missing, not yet due), each version's table (JSON, CSV or XLSX), and the difference
//! between two versions. Reads run as the reader role; the deadline setting is written as the
//! writer role. Only firms of the regulator's jurisdictions are visible (404 otherwise).

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use platform::{
    audit::{self, Change, Trail},
    auth::RegulatorAuth,
    export::{Cell, Format, Report, Table},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use rust_decimal::Decimal;
use supervision_metrics::filing::{content_hash, diff, FilingContent, FILING_KINDS};

use crate::access::SupervisionTx;
use crate::monitoring::{check_jurisdiction, my_jurisdictions, read_tx, write_tx};
use crate::SupervisionTag;

/// Permissions of the regulators' profile and filing endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/profile",
        "firm_profile.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/profile/versions",
        "firm_profile.read",
    ),
    platform::rbac::RouteRule::new("GET", "/supervision/v1/filings", "filing.read"),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/filings/:kind/:period",
        "filing.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/filings/:kind/:period/versions/:version",
        "filing.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/firms/:code/filings/:kind/:period/diff",
        "filing.read",
    ),
    platform::rbac::RouteRule::new(
        "GET",
        "/supervision/v1/filing-deadlines/:jurisdiction",
        "filing_deadline.read",
    ),
    platform::rbac::RouteRule::new(
        "PUT",
        "/supervision/v1/filing-deadlines/:jurisdiction",
        "filing_deadline.write",
    ),
];

/// The deadline day when a jurisdiction sets none (SUPERVISION.md §2).
pub const DEFAULT_DEADLINE_DAY: i32 = 5;

fn parse_period(text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .ok()
        .filter(|_| text.trim().len() == 7)
        .ok_or_else(|| {
            ApiError::validation("period", "invalid_period", "a period is written YYYY-MM")
        })
}

fn check_kind(kind: &str) -> ApiResult<()> {
    if FILING_KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "kind",
            "unknown_filing_kind",
            "financial_position, loan_report or operating_indicators",
        ))
    }
}

/// The end of the deadline day for a period: day `day` of the next month, 24:00 China Standard Time.
pub fn deadline(period: NaiveDate, day: i32) -> DateTime<Utc> {
    let next = period.checked_add_months(Months::new(1)).unwrap_or(period);
    let day_after =
        NaiveDate::from_ymd_opt(next.year(), next.month(), u32::try_from(day).unwrap_or(5))
            .and_then(|d| d.succ_opt())
            .unwrap_or(next);
    Shanghai
        .from_local_datetime(&day_after.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

async fn deadline_day(tx: &mut SupervisionTx, jurisdiction: &str) -> ApiResult<(i32, bool)> {
    let day: Option<i32> = sqlx::query_scalar(
        "select day_of_next_month from supervision.filing_deadlines where jurisdiction = $1",
    )
    .bind(jurisdiction)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match day {
        Some(d) => (d, false),
        None => (DEFAULT_DEADLINE_DAY, true),
    })
}

/// The tenant code and name of a linked firm in one of `mine`; 404 otherwise.
async fn firm_in(
    tx: &mut SupervisionTx,
    mine: &[String],
    code: &str,
) -> ApiResult<(String, String)> {
    sqlx::query_as(
        "select k.tenant_code, l.firm_name from supervision.licences l
           join supervision.licence_links k on k.licence_id = l.id
          where l.jurisdiction = any($1) and k.tenant_code = $2",
    )
    .bind(mine)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("firm"))
}

/// A published version of a firm profile.
#[derive(Debug, Object)]
struct ProfileVersion {
    firm: String,
    version: i32,
    /// Basic data, shareholders, executives, bank accounts and funding, as published.
    content: serde_json::Value,
    /// SHA-256 (hex) of the canonical JSON of `content`.
    content_hash: String,
    /// The hash recomputed from `content` equals `content_hash`.
    hash_verified: bool,
    published_by: String,
    published_at: DateTime<Utc>,
}

/// A filing's status against the deadline.
#[derive(Debug, Object)]
struct FilingStatus {
    firm: String,
    firm_name: String,
    kind: String,
    /// `on_time`, `late`, `missing` (deadline passed, nothing submitted) or `not_due`.
    status: String,
    /// How many versions were submitted.
    versions: i64,
    /// When version 1 was submitted (what on time is judged by).
    first_submitted_at: Option<DateTime<Utc>>,
    latest_submitted_at: Option<DateTime<Utc>>,
}

/// The filings of a jurisdiction for a period.
#[derive(Debug, Object)]
struct FilingList {
    jurisdiction: String,
    /// `YYYY-MM`.
    period: String,
    /// The end of the deadline day.
    deadline: DateTime<Utc>,
    /// One row per linked firm and kind.
    items: Vec<FilingStatus>,
}

/// One submitted version of a filing.
#[derive(Debug, Clone, Object)]
struct FilingVersion {
    firm: String,
    kind: String,
    /// `YYYY-MM`.
    period: String,
    version: i32,
    /// The table (title, columns, rows of key, label, values).
    content: serde_json::Value,
    content_hash: String,
    /// The hash recomputed from `content` equals `content_hash`.
    hash_verified: bool,
    prepared_by: String,
    submitted_by: String,
    submitted_at: DateTime<Utc>,
}

/// A value that differs between two versions.
#[derive(Debug, Object)]
struct ValueChange {
    key: String,
    label: String,
    column: String,
    from: Option<String>,
    to: Option<String>,
}

/// The difference between two versions of a filing.
#[derive(Debug, Object)]
struct FilingDiff {
    firm: String,
    kind: String,
    period: String,
    from_version: i32,
    to_version: i32,
    changes: Vec<ValueChange>,
}

/// A jurisdiction's filing deadline.
#[derive(Debug, Object)]
struct DeadlineBody {
    jurisdiction: String,
    /// Filings are due by the end of this day of the month after the period.
    day_of_next_month: i32,
    /// Nothing set: the default (the 5th).
    default: bool,
}

/// A new deadline.
#[derive(Debug, Object)]
struct SetDeadline {
    /// 1 to 28.
    day_of_next_month: i32,
}

type VersionRow = (
    String,
    String,
    NaiveDate,
    i32,
    serde_json::Value,
    String,
    String,
    String,
    DateTime<Utc>,
);

fn version_of(r: VersionRow) -> FilingVersion {
    FilingVersion {
        hash_verified: content_hash(&r.4) == r.5,
        firm: r.0,
        kind: r.1,
        period: r.2.format("%Y-%m").to_string(),
        version: r.3,
        content: r.4,
        content_hash: r.5,
        prepared_by: r.6,
        submitted_by: r.7,
        submitted_at: r.8,
    }
}

async fn filing_version(
    tx: &mut SupervisionTx,
    firm: &str,
    kind: &str,
    period: NaiveDate,
    version: i32,
) -> ApiResult<FilingVersion> {
    let row: Option<VersionRow> = sqlx::query_as(
        "select firm, kind, period, version, content, content_hash, prepared_by, submitted_by, submitted_at
           from supervision.filings where firm = $1 and kind = $2 and period = $3 and version = $4",
    )
    .bind(firm)
    .bind(kind)
    .bind(period)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(version_of)
        .ok_or_else(|| ApiError::not_found("filing version"))
}

fn cell(v: &Option<String>) -> Cell {
    match v.as_deref().map(str::parse::<Decimal>) {
        Some(Ok(d)) => Cell::Number(d),
        Some(Err(_)) => Cell::Text(v.clone().unwrap_or_default()),
        None => Cell::Empty,
    }
}

fn filing_table(f: &FilingVersion) -> Table {
    let content: FilingContent = match serde_json::from_value(f.content.clone()) {
        Ok(c) => c,
        Err(_) => {
            let mut t = Table::new(
                format!("{} {} v{}", f.kind, f.period, f.version),
                &["content"],
            );
            t.row(vec![Cell::Text(f.content.to_string())]);
            return t;
        }
    };
    let mut headers = vec!["项目 Item"];
    headers.extend(content.columns.iter().map(String::as_str));
    let mut t = Table::new(
        format!(
            "{} {} {} 第{}版 (sha256 {})",
            content.title, f.firm, content.period, f.version, f.content_hash
        ),
        &headers,
    );
    for row in &content.rows {
        let mut cells = vec![Cell::Text(row.label.clone())];
        cells.extend(row.values.iter().map(cell));
        t.row(cells);
    }
    t
}

/// Firm profiles and filings.
pub struct FilingsApi;

#[OpenApi(tag = "SupervisionTag::Filings")]
impl FilingsApi {
    /// The published versions of a firm's profile, newest first (content included).
    #[oai(
        path = "/firms/:code/profile/versions",
        method = "get",
        operation_id = "list_firm_profile_versions"
    )]
    async fn profile_versions(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
    ) -> ApiResult<Json<Vec<ProfileVersion>>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let (firm, _) = firm_in(&mut tx, &mine, &code).await?;
        let rows: Vec<(i32, serde_json::Value, String, String, DateTime<Utc>)> = sqlx::query_as(
            "select version, content, content_hash, published_by, published_at
               from supervision.firm_profiles where firm = $1 order by version desc",
        )
        .bind(&firm)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(
            rows.into_iter()
                .map(|(version, content, hash, by, at)| ProfileVersion {
                    firm: firm.clone(),
                    version,
                    hash_verified: content_hash(&content) == hash,
                    content,
                    content_hash: hash,
                    published_by: by,
                    published_at: at,
                })
                .collect(),
        ))
    }

    /// The latest published profile of a firm; 404 before the first publication.
    #[oai(
        path = "/firms/:code/profile",
        method = "get",
        operation_id = "get_firm_profile_latest"
    )]
    async fn profile(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
    ) -> ApiResult<Json<ProfileVersion>> {
        let Json(mut list) = self.profile_versions(state, auth, code).await?;
        if list.is_empty() {
            return Err(ApiError::not_found("firm profile"));
        }
        Ok(Json(list.swap_remove(0)))
    }

    /// The filings of one of your jurisdictions for a period: per linked firm and kind,
    /// on time, late, missing or not yet due against the jurisdiction's deadline.
    #[oai(path = "/filings", method = "get", operation_id = "list_filing_status")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Query<String>,
        /// `YYYY-MM`.
        period: Query<String>,
    ) -> ApiResult<Json<FilingList>> {
        let start = parse_period(&period)?;
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let (day, _) = deadline_day(&mut tx, &jurisdiction).await?;
        let due = deadline(start, day);
        type Row = (
            String,
            String,
            String,
            i64,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "select k.tenant_code, l.firm_name, kind.kind, count(f.version),
                    min(f.submitted_at) filter (where f.version = 1), max(f.submitted_at)
               from supervision.licences l
               join supervision.licence_links k on k.licence_id = l.id
              cross join unnest($3::text[]) as kind(kind)
               left join supervision.filings f on f.firm = k.tenant_code and f.kind = kind.kind and f.period = $2
              where l.jurisdiction = $1 and l.status = 'approved'
              group by k.tenant_code, l.firm_name, kind.kind
              order by l.firm_name, k.tenant_code, array_position($3::text[], kind.kind)",
        )
        .bind(&*jurisdiction)
        .bind(start)
        .bind(FILING_KINDS.map(String::from).to_vec())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let now = Utc::now();
        let items = rows
            .into_iter()
            .map(|(firm, firm_name, kind, versions, first, latest)| {
                let status = match first {
                    Some(at) if at <= due => "on_time",
                    Some(_) => "late",
                    None if now > due => "missing",
                    None => "not_due",
                };
                FilingStatus {
                    firm,
                    firm_name,
                    kind,
                    status: status.into(),
                    versions,
                    first_submitted_at: first,
                    latest_submitted_at: latest,
                }
            })
            .collect();
        Ok(Json(FilingList {
            jurisdiction: jurisdiction.0,
            period: start.format("%Y-%m").to_string(),
            deadline: due,
            items,
        }))
    }

    /// The submitted versions of a firm's filing of a kind and period, oldest first.
    #[oai(
        path = "/firms/:code/filings/:kind/:period",
        method = "get",
        operation_id = "list_filing_versions"
    )]
    async fn versions(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
        kind: Path<String>,
        period: Path<String>,
    ) -> ApiResult<Json<Vec<FilingVersion>>> {
        check_kind(&kind)?;
        let start = parse_period(&period)?;
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let (firm, _) = firm_in(&mut tx, &mine, &code).await?;
        let rows: Vec<VersionRow> = sqlx::query_as(
            "select firm, kind, period, version, content, content_hash, prepared_by, submitted_by, submitted_at
               from supervision.filings where firm = $1 and kind = $2 and period = $3 order by version",
        )
        .bind(&firm)
        .bind(&*kind)
        .bind(start)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(rows.into_iter().map(version_of).collect()))
    }

    /// One version of a filing: JSON, or `format=csv` / `format=xlsx` to download.
    #[oai(
        path = "/firms/:code/filings/:kind/:period/versions/:version",
        method = "get",
        operation_id = "get_filing_version"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn version(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
        kind: Path<String>,
        period: Path<String>,
        version: Path<i32>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<FilingVersion>> {
        check_kind(&kind)?;
        let start = parse_period(&period)?;
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let (firm, _) = firm_in(&mut tx, &mine, &code).await?;
        let f = filing_version(&mut tx, &firm, &kind, start, *version).await?;
        tx.commit().await?;
        let stem = format!("{}-{}-{}-v{}", f.firm, f.kind, f.period, f.version);
        Report::render(format.0.unwrap_or_default(), f, &stem, filing_table)
    }

    /// What changed between two versions of a filing (`from` defaults to the version before `to`).
    #[oai(
        path = "/firms/:code/filings/:kind/:period/diff",
        method = "get",
        operation_id = "diff_filing_versions"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn diff(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
        kind: Path<String>,
        period: Path<String>,
        to: Query<i32>,
        from: Query<Option<i32>>,
    ) -> ApiResult<Json<FilingDiff>> {
        check_kind(&kind)?;
        let start = parse_period(&period)?;
        let from_version = from.0.unwrap_or(*to - 1);
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let (firm, _) = firm_in(&mut tx, &mine, &code).await?;
        let old = filing_version(&mut tx, &firm, &kind, start, from_version).await?;
        let new = filing_version(&mut tx, &firm, &kind, start, *to).await?;
        tx.commit().await?;
        let parse = |v: &FilingVersion| -> ApiResult<FilingContent> {
            serde_json::from_value(v.content.clone()).map_err(ApiError::internal)
        };
        let changes = diff(&parse(&old)?, &parse(&new)?)
            .into_iter()
            .map(|c| ValueChange {
                key: c.key,
                label: c.label,
                column: c.column,
                from: c.from,
                to: c.to,
            })
            .collect();
        Ok(Json(FilingDiff {
            firm,
            kind: kind.0,
            period: new.period,
            from_version,
            to_version: *to,
            changes,
        }))
    }

    /// The filing deadline of one of your jurisdictions.
    #[oai(
        path = "/filing-deadlines/:jurisdiction",
        method = "get",
        operation_id = "get_filing_deadline"
    )]
    async fn get_deadline(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Path<String>,
    ) -> ApiResult<Json<DeadlineBody>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let (day, default) = deadline_day(&mut tx, &jurisdiction).await?;
        tx.commit().await?;
        Ok(Json(DeadlineBody {
            jurisdiction: jurisdiction.0,
            day_of_next_month: day,
            default,
        }))
    }

    /// Set the filing deadline of one of your jurisdictions (audited).
    #[oai(
        path = "/filing-deadlines/:jurisdiction",
        method = "put",
        operation_id = "set_filing_deadline"
    )]
    async fn set_deadline(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Path<String>,
        body: Json<SetDeadline>,
    ) -> ApiResult<Json<DeadlineBody>> {
        let day = body.day_of_next_month;
        if !(1..=28).contains(&day) {
            return Err(ApiError::validation(
                "day_of_next_month",
                "invalid_day",
                "a day from 1 to 28",
            ));
        }
        let mut tx = write_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let (before, _) = deadline_day(&mut tx, &jurisdiction).await?;
        sqlx::query(
            "insert into supervision.filing_deadlines (jurisdiction, day_of_next_month, updated_by) values ($1, $2, $3)
             on conflict (jurisdiction) do update set day_of_next_month = excluded.day_of_next_month,
                updated_by = excluded.updated_by",
        )
        .bind(&*jurisdiction)
        .bind(day)
        .bind(auth.0.session.user_id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            Trail::Supervision,
            &auth.0.actor,
            Change {
                action: "filing_deadline.set",
                entity_type: "filing_deadline",
                entity_id: Some(jurisdiction.0.clone()),
                before: Some(serde_json::json!({"day_of_next_month": before})),
                after: Some(serde_json::json!({"day_of_next_month": day})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Json(DeadlineBody {
            jurisdiction: jurisdiction.0,
            day_of_next_month: day,
            default: false,
        }))
    }
}
