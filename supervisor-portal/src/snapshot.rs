//! The daily metric snapshot a firm sends to the regulator (called by close
//! of business inside the firm's tenant transaction): the metrics are computed
//! here from the firm's figures with its jurisdiction's limits, and written by
//! `supervision.submit_snapshot`, which takes the firm from the transaction's
//! role, so no firm can write another's row.

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::PgConnection;
use supervision_metrics::{breaches, firm_metrics, FirmInput, FirmMetrics, Thresholds};

/// The limits of the calling firm's jurisdiction (defaults when none are set
/// or the firm is not linked to a licence yet). `tx` is a tenant transaction.
pub async fn firm_thresholds(tx: &mut PgConnection) -> anyhow::Result<Thresholds> {
    let set: Option<serde_json::Value> = sqlx::query_scalar("select supervision.firm_thresholds()")
        .fetch_one(&mut *tx)
        .await
        .context("failed to read the firm's thresholds")?;
    match set {
        Some(v) => serde_json::from_value(v).context("failed to read stored thresholds"),
        None => Ok(Thresholds::default()),
    }
}

/// Computes the firm's metrics for `as_of` and submits them with their inputs
/// and breaches; returns the metrics. `tx` is the firm's tenant transaction.
pub async fn submit(
    tx: &mut PgConnection,
    as_of: NaiveDate,
    input: &FirmInput,
) -> anyhow::Result<FirmMetrics> {
    anyhow::ensure!(input.as_of == as_of, "snapshot input is for another date");
    let thresholds = firm_thresholds(tx).await?;
    let metrics = firm_metrics(input, &thresholds).context("failed to compute firm metrics")?;
    let breached: Vec<String> = breaches(&metrics, &thresholds)
        .iter()
        .map(|b| b.metric.code().to_string())
        .collect();
    sqlx::query("select supervision.submit_snapshot($1, $2, $3, $4)")
        .bind(as_of)
        .bind(serde_json::to_value(input).context("failed to serialise snapshot inputs")?)
        .bind(serde_json::to_value(&metrics).context("failed to serialise metrics")?)
        .bind(&breached)
        .execute(&mut *tx)
        .await
        .context("failed to submit the snapshot")?;
    Ok(metrics)
}
