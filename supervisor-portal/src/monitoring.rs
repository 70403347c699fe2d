//! What the regulator watches: the registry of linked firms with their latest
//! snapshot, the metrics dashboard of a day (cross-firm figures as ratios of
//! sums with nearest-rank percentiles, per-firm table, firms in breach), a
//! time series per firm and metric, thresholds per jurisdiction and the
//! alerts breaches raise. Reads run as the reader role; the regulator's own
//! records (thresholds, acknowledgements) as the writer role.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::RegulatorAuth,
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use supervision_metrics::{aggregate, breaches, FirmMetrics, Metric, Thresholds};

use crate::access::{supervision_tx, Access, SupervisionTx};
use crate::SupervisionTag;

/// The jurisdictions the logged-in regulator supervises.
pub(crate) async fn my_jurisdictions(
    tx: &mut SupervisionTx,
    auth: &RegulatorAuth,
) -> ApiResult<Vec<String>> {
    let list: Option<Vec<String>> =
        sqlx::query_scalar("select jurisdictions from supervision.regulators where id = $1")
            .bind(auth.0.session.user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(list.unwrap_or_default())
}

pub(crate) async fn read_tx(state: &AppState) -> ApiResult<SupervisionTx> {
    Ok(supervision_tx(&state.pool, &state.config.tenancy.role_prefix, Access::Read).await?)
}

pub(crate) async fn write_tx(state: &AppState) -> ApiResult<SupervisionTx> {
    Ok(supervision_tx(
        &state.pool,
        &state.config.tenancy.role_prefix,
        Access::Write,
    )
    .await?)
}

/// The limits of a jurisdiction (defaults when none are set).
async fn thresholds_of(tx: &mut SupervisionTx, jurisdiction: &str) -> ApiResult<Thresholds> {
    let set: Option<serde_json::Value> =
        sqlx::query_scalar("select thresholds from supervision.thresholds where jurisdiction = $1")
            .bind(jurisdiction)
            .fetch_optional(&mut **tx)
            .await?;
    match set {
        Some(v) => serde_json::from_value(v).map_err(ApiError::internal),
        None => Ok(Thresholds::default()),
    }
}

/// A firm on the registry: its licence, linked tenant and latest snapshot date.
#[derive(Debug, Object, sqlx::FromRow)]
struct FirmRow {
    licence_id: i64,
    firm_name: String,
    credit_code: String,
    licence_number: String,
    jurisdiction: String,
    /// approved or revoked.
    status: String,
    decided_at: NaiveDate,
    /// The tenant code of the firm on the platform.
    tenant_code: String,
    linked_at: DateTime<Utc>,
    /// Date of the latest metric snapshot, if any.
    latest_snapshot: Option<NaiveDate>,
}

const FIRMS: &str = "select l.id as licence_id, l.firm_name, l.credit_code, l.licence_number, l.jurisdiction,
        l.status, l.decided_at, k.tenant_code, k.linked_at,
        (select max(s.as_of) from supervision.metric_snapshots s where s.firm = k.tenant_code) as latest_snapshot
   from supervision.licences l join supervision.licence_links k on k.licence_id = l.id
  where l.jurisdiction = any($1)";

/// A firm with its latest snapshot.
#[derive(Debug, Object)]
struct FirmDetail {
    firm: FirmRow,
    /// The latest snapshot's metrics (FirmMetrics JSON), if any.
    latest_metrics: Option<serde_json::Value>,
    /// Metric codes in breach on the latest snapshot.
    latest_breaches: Vec<String>,
}

/// One firm's figure for one metric on the dashboard.
#[derive(Debug, Object)]
struct FirmFigure {
    firm: String,
    metric: String,
    /// Decimal text.
    numerator: String,
    /// Decimal text.
    denominator: String,
    /// Decimal text; absent when the denominator is not positive.
    value: Option<String>,
    breached: bool,
}

/// The dashboard of one jurisdiction on one day.
#[derive(Debug, Object)]
struct Dashboard {
    jurisdiction: String,
    as_of: NaiveDate,
    /// Linked firms of the jurisdiction without a snapshot that day.
    firms_without_snapshot: Vec<String>,
    /// Cross-firm figures (CrossFirm JSON: ratio of sums, median, p10, p90, firms in breach).
    cross_firm: serde_json::Value,
    /// Every firm's figure for every metric.
    per_firm: Vec<FirmFigure>,
    /// Firms with at least one metric outside its limit.
    firms_in_breach: Vec<String>,
}

/// A point of a firm's metric series.
#[derive(Debug, Object)]
struct SeriesPoint {
    as_of: NaiveDate,
    /// Decimal text.
    numerator: String,
    /// Decimal text.
    denominator: String,
    /// Decimal text; absent when the denominator is not positive.
    value: Option<String>,
}

/// Limits of a jurisdiction.
#[derive(Debug, Object)]
struct ThresholdsBody {
    jurisdiction: String,
    /// Thresholds JSON (decimal strings; class bands).
    thresholds: serde_json::Value,
    /// Whether these are the defaults of SUPERVISION.md §3 (nothing set).
    default: bool,
}

/// New limits for a jurisdiction.
#[derive(Debug, Object)]
struct SetThresholds {
    /// Thresholds JSON in the shape `GET` returns.
    thresholds: serde_json::Value,
}

/// An alert: one firm, one metric, one breach episode.
#[derive(Debug, Object, sqlx::FromRow)]
struct AlertBody {
    id: i64,
    firm: String,
    metric: String,
    opened_on: NaiveDate,
    /// The first day back within the limit; absent while the breach lasts.
    closed_on: Option<NaiveDate>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<i64>,
    note: Option<String>,
}

/// An acknowledgement.
#[derive(Debug, Object)]
struct Acknowledge {
    note: String,
}

fn metric_by_code(code: &str) -> Option<Metric> {
    Metric::ALL.into_iter().find(|m| m.code() == code)
}

pub(crate) fn check_jurisdiction(mine: &[String], jurisdiction: &str) -> ApiResult<()> {
    if mine.iter().any(|j| j == jurisdiction) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "outside_jurisdiction",
            "this jurisdiction is not yours",
        ))
    }
}

async fn firm_in(tx: &mut SupervisionTx, mine: &[String], code: &str) -> ApiResult<FirmRow> {
    let sql = format!("{FIRMS} and k.tenant_code = $2");
    sqlx::query_as::<_, FirmRow>(&sql)
        .bind(mine)
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("firm"))
}

const ALERTS: &str = "select a.id, a.firm, a.metric, a.opened_on, a.closed_on, a.acknowledged_at, a.acknowledged_by, a.note
   from supervision.alerts a
   join supervision.licence_links k on k.tenant_code = a.firm
   join supervision.licences l on l.id = k.licence_id
  where l.jurisdiction = any($1)";

/// Registry, metrics, thresholds and alerts.
pub struct MonitoringApi;

#[OpenApi(tag = "SupervisionTag::Monitoring")]
impl MonitoringApi {
    /// The firms of your jurisdictions linked to a tenant, with their latest snapshot date.
    #[oai(path = "/firms", method = "get", operation_id = "list_firms")]
    async fn firms(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
    ) -> ApiResult<Json<Vec<FirmRow>>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let sql = format!("{FIRMS} order by l.firm_name, l.id");
        let rows = sqlx::query_as::<_, FirmRow>(&sql)
            .bind(&mine)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Json(rows))
    }

    /// One firm (by tenant code): registry data and latest snapshot; 404 outside your jurisdictions.
    #[oai(path = "/firms/:code", method = "get", operation_id = "get_firm")]
    async fn firm(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
    ) -> ApiResult<Json<FirmDetail>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let firm = firm_in(&mut tx, &mine, &code).await?;
        let latest: Option<(serde_json::Value, Vec<String>)> = sqlx::query_as(
            "select metrics, breaches from supervision.metric_snapshots where firm = $1 order by as_of desc limit 1",
        )
        .bind(&firm.tenant_code)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let (latest_metrics, latest_breaches) = match latest {
            Some((m, b)) => (Some(m), b),
            None => (None, Vec::new()),
        };
        Ok(Json(FirmDetail {
            firm,
            latest_metrics,
            latest_breaches,
        }))
    }

    /// The dashboard of one of your jurisdictions on a day: cross-firm figures
    /// (ratio of sums, nearest-rank median, p10, p90), per-firm table, firms in breach
    /// under the jurisdiction's thresholds.
    #[oai(path = "/dashboard", method = "get", operation_id = "get_dashboard")]
    async fn dashboard(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Query<String>,
        as_of: Query<NaiveDate>,
    ) -> ApiResult<Json<Dashboard>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let thresholds = thresholds_of(&mut tx, &jurisdiction).await?;
        let rows: Vec<(String, Option<serde_json::Value>)> = sqlx::query_as(
            "select k.tenant_code, s.metrics
               from supervision.licences l
               join supervision.licence_links k on k.licence_id = l.id
               left join supervision.metric_snapshots s on s.firm = k.tenant_code and s.as_of = $2
              where l.jurisdiction = $1 and l.status = 'approved'
              order by k.tenant_code",
        )
        .bind(&*jurisdiction)
        .bind(*as_of)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut firms = Vec::new();
        let mut without = Vec::new();
        for (code, metrics) in rows {
            match metrics {
                Some(v) => {
                    let mut m: FirmMetrics =
                        serde_json::from_value(v).map_err(ApiError::internal)?;
                    m.firm_id = code;
                    firms.push(m);
                }
                None => without.push(code),
            }
        }
        let cross = aggregate(&firms, &thresholds);
        let mut per_firm = Vec::new();
        for m in &firms {
            let breached: Vec<Metric> = breaches(m, &thresholds).iter().map(|b| b.metric).collect();
            for metric in Metric::ALL {
                let r = m.figure(metric);
                per_firm.push(FirmFigure {
                    firm: m.firm_id.clone(),
                    metric: metric.code().to_string(),
                    numerator: r.numerator.to_string(),
                    denominator: r.denominator.to_string(),
                    value: r.value.map(|v| v.to_string()),
                    breached: breached.contains(&metric),
                });
            }
        }
        Ok(Json(Dashboard {
            jurisdiction: jurisdiction.0,
            as_of: as_of.0,
            firms_without_snapshot: without,
            firms_in_breach: cross.firms_in_breach.clone(),
            cross_firm: serde_json::to_value(&cross).map_err(ApiError::internal)?,
            per_firm,
        }))
    }

    /// A firm's daily series of one metric (code as in the dashboard), oldest first.
    #[oai(
        path = "/firms/:code/metrics/:metric",
        method = "get",
        operation_id = "get_metric_series"
    )]
    async fn series(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        code: Path<String>,
        metric: Path<String>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<Vec<SeriesPoint>>> {
        let metric = metric_by_code(&metric)
            .ok_or_else(|| ApiError::validation("metric", "unknown_metric", "no such metric"))?;
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let firm = firm_in(&mut tx, &mine, &code).await?;
        let rows: Vec<(NaiveDate, serde_json::Value)> = sqlx::query_as(
            "select as_of, metrics from supervision.metric_snapshots
              where firm = $1 and ($2::date is null or as_of >= $2) and ($3::date is null or as_of <= $3)
              order by as_of",
        )
        .bind(&firm.tenant_code)
        .bind(*from)
        .bind(*to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for (as_of, v) in rows {
            let m: FirmMetrics = serde_json::from_value(v).map_err(ApiError::internal)?;
            let r = m.figure(metric);
            out.push(SeriesPoint {
                as_of,
                numerator: r.numerator.to_string(),
                denominator: r.denominator.to_string(),
                value: r.value.map(|v| v.to_string()),
            });
        }
        Ok(Json(out))
    }

    /// The limits of one of your jurisdictions.
    #[oai(
        path = "/thresholds/:jurisdiction",
        method = "get",
        operation_id = "get_thresholds"
    )]
    async fn thresholds(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Path<String>,
    ) -> ApiResult<Json<ThresholdsBody>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let set: Option<serde_json::Value> = sqlx::query_scalar(
            "select thresholds from supervision.thresholds where jurisdiction = $1",
        )
        .bind(&*jurisdiction)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let default = set.is_none();
        let thresholds = match set {
            Some(v) => v,
            None => serde_json::to_value(Thresholds::default()).map_err(ApiError::internal)?,
        };
        Ok(Json(ThresholdsBody {
            jurisdiction: jurisdiction.0,
            thresholds,
            default,
        }))
    }

    /// Set the limits of one of your jurisdictions (audited).
    #[oai(
        path = "/thresholds/:jurisdiction",
        method = "put",
        operation_id = "set_thresholds"
    )]
    async fn set_thresholds(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        jurisdiction: Path<String>,
        body: Json<SetThresholds>,
    ) -> ApiResult<Json<ThresholdsBody>> {
        let parsed: Thresholds = serde_json::from_value(body.0.thresholds)
            .map_err(|e| ApiError::validation("thresholds", "invalid_thresholds", e.to_string()))?;
        let value = serde_json::to_value(parsed).map_err(ApiError::internal)?;
        let mut tx = write_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        check_jurisdiction(&mine, &jurisdiction)?;
        let before: Option<serde_json::Value> = sqlx::query_scalar(
            "select thresholds from supervision.thresholds where jurisdiction = $1 for update",
        )
        .bind(&*jurisdiction)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "insert into supervision.thresholds (jurisdiction, thresholds, updated_by) values ($1, $2, $3)
             on conflict (jurisdiction) do update set thresholds = excluded.thresholds, updated_by = excluded.updated_by",
        )
        .bind(&*jurisdiction)
        .bind(&value)
        .bind(auth.0.session.user_id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            Trail::Supervision,
            &auth.0.actor,
            Change {
                action: "thresholds.set",
                entity_type: "thresholds",
                entity_id: Some(jurisdiction.0.clone()),
                before,
                after: Some(value.clone()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Json(ThresholdsBody {
            jurisdiction: jurisdiction.0,
            thresholds: value,
            default: false,
        }))
    }

    /// Alerts of your jurisdictions' firms, newest first; `open=true` for breaches still lasting.
    #[oai(path = "/alerts", method = "get", operation_id = "list_alerts")]
    async fn alerts(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        open: Query<Option<bool>>,
        firm: Query<Option<String>>,
    ) -> ApiResult<Json<Vec<AlertBody>>> {
        let mut tx = read_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let sql = format!(
            "{ALERTS} and ($2::boolean is null or (a.closed_on is null) = $2)
               and ($3::text is null or a.firm = $3) order by a.opened_on desc, a.id desc"
        );
        let rows = sqlx::query_as::<_, AlertBody>(&sql)
            .bind(&mine)
            .bind(*open)
            .bind(firm.0)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Json(rows))
    }

    /// Acknowledge an alert with a note, once; a second acknowledgement is
    /// `already_acknowledged` (409); `note` required (422).
    #[oai(
        path = "/alerts/:id/acknowledge",
        method = "post",
        operation_id = "acknowledge_alert"
    )]
    async fn acknowledge(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
        body: Json<Acknowledge>,
    ) -> ApiResult<Json<AlertBody>> {
        let note = body.0.note.trim().to_string();
        if note.is_empty() || note.chars().count() > 2000 {
            return Err(ApiError::validation(
                "note",
                "invalid_note",
                "a note of 1 to 2000 characters is required",
            ));
        }
        let mut tx = write_tx(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let sql = format!("{ALERTS} and a.id = $2 for update of a");
        let alert = sqlx::query_as::<_, AlertBody>(&sql)
            .bind(&mine)
            .bind(*id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| ApiError::not_found("alert"))?;
        if alert.acknowledged_at.is_some() {
            return Err(ApiError::conflict(
                "already_acknowledged",
                "this alert was already acknowledged",
            ));
        }
        let after = sqlx::query_as::<_, AlertBody>(
            "update supervision.alerts set acknowledged_at = now(), acknowledged_by = $2, note = $3
              where id = $1
              returning id, firm, metric, opened_on, closed_on, acknowledged_at, acknowledged_by, note",
        )
        .bind(*id)
        .bind(auth.0.session.user_id)
        .bind(&note)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            Trail::Supervision,
            &auth.0.actor,
            Change {
                action: "alert.acknowledge",
                entity_type: "alert",
                entity_id: Some(id.0.to_string()),
                before: None,
                after: Some(
                    serde_json::json!({"note": note, "firm": after.firm, "metric": after.metric}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}
