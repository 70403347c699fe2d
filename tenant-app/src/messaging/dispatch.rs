//! Dispatch, exactly once: the `messages.dispatch` job sends a tenant's due
//! outbox messages.
//!
//! 1. Recover: rows left `sending` after their lease (a dispatcher died
//!    between marking and settling) are never resent blindly. Where the
//!    provider has a status query it decides: received → `sent`, never
//!    received → `pending` again; without one the row becomes `in_doubt`
//!    and waits for staff.
//! 2. Claim: due `pending`/`deferred` rows, `for update skip locked` (two
//!    dispatchers never take the same row). Expired rows (their moment passed
//!    more than the late window ago) are `skipped`; opted-out recipients
//!    `skipped`; SMS in quiet hours `deferred` to the window's end; the rest,
//!    within the provider's rate limit (Redis), are marked `sending` with an
//!    attempt row — and COMMITTED before any provider call.
//! 3. Deliver: each message goes to its provider with its id as the
//!    idempotency key; the outcome is committed after: `sent`; transient →
//!    `pending` with backoff (`failed_permanent` after max attempts);
//!    permanent → `failed_permanent`; ambiguous (the request left, no clear
//!    answer) → resolved by the status query at once where possible,
//!    otherwise `in_doubt`.
//!
//! Every transition is audited (actor `system`, name `messages.dispatch`).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use platform::{
    audit::{self, Actor, Change, Trail},
    config::MessagingConfig,
    jobs::{self, Backoff, Job, JobContext, JobError, JobHandler},
    notify::{Channel, OutgoingMessage, Provider, Providers, SendOutcome, StatusOutcome},
    tenancy::{self, TenantRef},
    AppState,
};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{opt_outs, settings};

/// How many messages of one tenant are handed to providers at once.
const PARALLEL_SENDS: usize = 8;

/// Sends outbox messages through the configured providers.
pub struct Dispatcher {
    providers: Providers,
    cfg: MessagingConfig,
}

/// What one dispatch run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DispatchReport {
    pub sent: u32,
    /// Transient failures, retried later.
    pub retrying: u32,
    pub failed: u32,
    pub in_doubt: u32,
    pub skipped: u32,
    pub deferred: u32,
    /// Found never received by the provider after a crash: queued again.
    pub requeued: u32,
    /// Still `sending`: the status query could not tell; asked again next run.
    pub unresolved: u32,
    /// Whether the provider's rate limit held messages back.
    pub rate_limited: bool,
}

impl DispatchReport {
    fn add(&mut self, settled: Settled) {
        match settled {
            Settled::Sent => self.sent += 1,
            Settled::Retrying => self.retrying += 1,
            Settled::Failed => self.failed += 1,
            Settled::InDoubt => self.in_doubt += 1,
            Settled::Requeued => self.requeued += 1,
            Settled::Unresolved => self.unresolved += 1,
            Settled::Superseded => {}
        }
    }
}

/// The columns of a row the dispatcher needs.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: Uuid,
    channel: String,
    recipient: String,
    recipient_name: Option<String>,
    subject: Option<String>,
    content: String,
    sign_name: Option<String>,
    provider_template_code: Option<String>,
    provider_params: serde_json::Value,
    expires_at: DateTime<Utc>,
    attempts: i32,
    provider: Option<String>,
}

const ROW_COLUMNS: &str = "id, channel, recipient, recipient_name, subject, content, sign_name,
    provider_template_code, provider_params, expires_at, attempts, provider";

impl Row {
    fn channel(&self) -> Option<Channel> {
        Channel::parse(&self.channel)
    }

    fn message(&self) -> OutgoingMessage {
        let params: BTreeMap<String, String> =
            serde_json::from_value(self.provider_params.clone()).unwrap_or_default();
        OutgoingMessage {
            id: self.id,
            channel: self.channel().unwrap_or(Channel::Sms),
            to: self.recipient.clone(),
            to_name: self.recipient_name.clone(),
            subject: self.subject.clone(),
            text: self.content.clone(),
            sign_name: self.sign_name.clone(),
            template_code: self.provider_template_code.clone(),
            template_params: params,
        }
    }
}

/// A row marked `sending` by this dispatcher.
struct Claimed {
    row: Row,
    /// The attempt number (the row's `attempts` after the claim).
    attempt: i32,
    provider: Arc<dyn Provider>,
}

/// How a `sending` row is settled.
#[derive(Debug)]
enum Settle {
    Sent {
        provider_message_id: Option<String>,
        response: String,
        outcome: &'static str,
    },
    Transient {
        response: String,
    },
    Permanent {
        response: String,
    },
    InDoubt {
        reason: String,
        response: String,
    },
    NotReceived {
        response: String,
    },
    /// Keep `sending`, with the lease ended so the next run asks again.
    Unresolved {
        response: String,
    },
}

/// What settling came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Sent,
    Retrying,
    Failed,
    InDoubt,
    Requeued,
    Unresolved,
    /// Another dispatcher settled the row first (this one's lease had ended).
    Superseded,
}

fn system() -> Actor {
    Actor::system("messages.dispatch")
}

async fn record(
    conn: &mut PgConnection,
    id: Uuid,
    action: &str,
    after: serde_json::Value,
) -> anyhow::Result<()> {
    let change = Change {
        action,
        entity_type: "message",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::record(conn, Trail::Tenant, &system(), change).await?;
    Ok(())
}

impl Dispatcher {
    /// A dispatcher over providers with the `[messaging]` settings.
    pub fn new(providers: Providers, cfg: MessagingConfig) -> Self {
        Self { providers, cfg }
    }

    fn lease(&self) -> Duration {
        Duration::from_secs(self.cfg.send_lease_seconds)
    }

    fn backoff(&self) -> Backoff {
        Backoff {
            base: Duration::from_secs(self.cfg.retry_base_seconds),
            max: Duration::from_secs(self.cfg.retry_max_seconds),
        }
    }

    fn provider_named(
        &self,
        channel: Option<Channel>,
        name: Option<&str>,
    ) -> Option<Arc<dyn Provider>> {
        let provider = self.providers.for_channel(channel?)?;
        (Some(provider.name()) == name).then(|| provider.clone())
    }

    /// Sends a tenant's due messages: recovery, then rounds of claim and
    /// delivery until nothing is due (at most `messaging.max_rounds`).
    pub async fn dispatch_tenant(
        &self,
        state: &AppState,
        tenant: &TenantRef,
    ) -> anyhow::Result<DispatchReport> {
        let mut report = DispatchReport::default();
        self.recover(state, tenant, &mut report).await?;
        for _ in 0..self.cfg.max_rounds {
            let (claimed, processed, limited) = self.claim(state, tenant, &mut report).await?;
            let settled: Vec<anyhow::Result<Settled>> = futures::stream::iter(claimed)
                .map(|c| self.deliver(state, tenant, c))
                .buffer_unordered(PARALLEL_SENDS)
                .collect()
                .await;
            for s in settled {
                report.add(s?);
            }
            if limited {
                report.rate_limited = true;
                // The provider's window is a second: wait for the next one.
                let ms = 1000 - u64::from(Utc::now().timestamp_subsec_millis()).min(999);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            } else if processed == 0 {
                break;
            }
        }
        Ok(report)
    }

    /// Step 1: rows left `sending` after their lease.
    async fn recover(
        &self,
        state: &AppState,
        tenant: &TenantRef,
        report: &mut DispatchReport,
    ) -> anyhow::Result<()> {
        let mut tx = tenancy::begin(&state.pool, tenant).await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {ROW_COLUMNS} from message_outbox
              where status = 'sending' and locked_until < now()
              order by locked_until limit $1 for update skip locked"
        ))
        .bind(self.cfg.batch_size)
        .fetch_all(&mut *tx)
        .await?;
        let mut to_query = Vec::new();
        for row in rows {
            let provider = self.provider_named(row.channel(), row.provider.as_deref());
            match provider.filter(|p| p.has_status_query()) {
                Some(provider) => {
                    sqlx::query("update message_outbox set locked_until = now() + make_interval(secs => $2) where id = $1")
                        .bind(row.id)
                        .bind(self.lease().as_secs_f64())
                        .execute(&mut *tx)
                        .await?;
                    to_query.push(Claimed {
                        attempt: row.attempts,
                        row,
                        provider,
                    });
                }
                None => {
                    let reason = format!(
                        "the dispatcher stopped after handing the message to {} and it has no status query: \
                         check with the provider, then resolve it",
                        row.provider.as_deref().unwrap_or("the provider")
                    );
                    self.mark_in_doubt(&mut tx, &row, row.attempts, &reason, "")
                        .await?;
                    report.in_doubt += 1;
                }
            }
        }
        tx.commit().await?;
        for claimed in to_query {
            let outcome = match claimed.provider.status(&claimed.row.message()).await {
                StatusOutcome::Received {
                    provider_message_id,
                    response,
                } => Settle::Sent {
                    provider_message_id,
                    response: format!("status query: {response}"),
                    outcome: "sent",
                },
                StatusOutcome::NotReceived { response } => Settle::NotReceived {
                    response: format!("status query: {response}"),
                },
                StatusOutcome::Unknown { response } => Settle::Unresolved {
                    response: format!("status query: {response}"),
                },
            };
            report.add(
                self.settle(state, tenant, &claimed.row, claimed.attempt, outcome)
                    .await?,
            );
        }
        Ok(())
    }

    async fn mark_in_doubt(
        &self,
        tx: &mut PgConnection,
        row: &Row,
        attempt: i32,
        reason: &str,
        response: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "update message_outbox set status = 'in_doubt', locked_until = null, status_reason = $2 where id = $1",
        )
        .bind(row.id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update message_attempts set outcome = 'in_doubt', finished_at = now(),
                    provider_response = coalesce(nullif($3, ''), provider_response)
              where message_id = $1 and attempt = $2 and outcome is null",
        )
        .bind(row.id)
        .bind(attempt)
        .bind(response)
        .execute(&mut *tx)
        .await?;
        record(
            tx,
            row.id,
            "message.in_doubt",
            serde_json::json!({"status": "in_doubt", "status_reason": reason}),
        )
        .await
    }

    /// Step 2: claims due rows; returns those marked `sending`, how many
    /// rows were processed, and whether the rate limit stopped the round.
    async fn claim(
        &self,
        state: &AppState,
        tenant: &TenantRef,
        report: &mut DispatchReport,
    ) -> anyhow::Result<(Vec<Claimed>, usize, bool)> {
        let mut tx = tenancy::begin(&state.pool, tenant).await?;
        let settings = settings::load(&mut tx, false).await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {ROW_COLUMNS} from message_outbox
              where status in ('pending', 'deferred') and not_before <= now()
              order by not_before, id limit $1 for update skip locked"
        ))
        .bind(self.cfg.batch_size)
        .fetch_all(&mut *tx)
        .await?;
        let now = Utc::now();
        let mut claimed = Vec::new();
        let mut processed = 0;
        let mut limited = false;
        for row in rows {
            let channel = row.channel();
            if now > row.expires_at {
                let reason = format!(
                    "expired: not sent by {} (its moment passed more than the late window ago); not sent late",
                    row.expires_at.to_rfc3339()
                );
                self.skip(&mut tx, &row, &reason).await?;
                report.skipped += 1;
            } else if opt_outs::is_opted_out(&mut tx, &row.recipient, &row.channel).await? {
                self.skip(
                    &mut tx,
                    &row,
                    &format!("opted_out: the recipient opted out of {}", row.channel),
                )
                .await?;
                report.skipped += 1;
            } else if let Some(until) = settings
                .quiet_hours
                .filter(|_| channel == Some(Channel::Sms))
                .and_then(|q| q.until(now))
            {
                let reason = format!("quiet hours: deferred to {}", until.to_rfc3339());
                sqlx::query("update message_outbox set status = 'deferred', not_before = $2, status_reason = $3 where id = $1")
                    .bind(row.id)
                    .bind(until)
                    .bind(&reason)
                    .execute(&mut *tx)
                    .await?;
                record(
                    &mut tx,
                    row.id,
                    "message.defer",
                    serde_json::json!({"status": "deferred", "not_before": until}),
                )
                .await?;
                report.deferred += 1;
            } else {
                let Some(provider) = channel.and_then(|c| self.providers.for_channel(c)).cloned()
                else {
                    let reason = format!("no {} provider is configured", row.channel);
                    self.fail(&mut tx, &row, &reason).await?;
                    report.failed += 1;
                    processed += 1;
                    continue;
                };
                if let Some(rate) = provider.rate_per_second() {
                    let key = format!("notify:{}:{}", provider.name(), now.timestamp());
                    let counted = platform::rate_limit::count(&state.redis, &key, 2).await?;
                    if counted.count > rate {
                        limited = true;
                        break;
                    }
                }
                let attempt = row.attempts + 1;
                sqlx::query(
                    "update message_outbox set status = 'sending', attempts = $2, provider = $3, status_reason = null,
                            locked_until = now() + make_interval(secs => $4)
                      where id = $1",
                )
                .bind(row.id)
                .bind(attempt)
                .bind(provider.name())
                .bind(self.lease().as_secs_f64())
                .execute(&mut *tx)
                .await?;
                sqlx::query("insert into message_attempts (message_id, attempt, provider) values ($1, $2, $3)")
                    .bind(row.id)
                    .bind(attempt)
                    .bind(provider.name())
                    .execute(&mut *tx)
                    .await?;
                record(
                    &mut tx,
                    row.id,
                    "message.sending",
                    serde_json::json!({"status": "sending", "attempt": attempt, "provider": provider.name()}),
                )
                .await?;
                claimed.push(Claimed {
                    row,
                    attempt,
                    provider,
                });
            }
            processed += 1;
        }
        // The marks are committed before any provider is called.
        tx.commit()
            .await
            .context("failed to commit the claimed messages")?;
        Ok((claimed, processed, limited))
    }

    async fn skip(&self, tx: &mut PgConnection, row: &Row, reason: &str) -> anyhow::Result<()> {
        sqlx::query(
            "update message_outbox set status = 'skipped', status_reason = $2 where id = $1",
        )
        .bind(row.id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        record(
            tx,
            row.id,
            "message.skip",
            serde_json::json!({"status": "skipped", "status_reason": reason}),
        )
        .await
    }

    async fn fail(&self, tx: &mut PgConnection, row: &Row, reason: &str) -> anyhow::Result<()> {
        sqlx::query("update message_outbox set status = 'failed_permanent', status_reason = $2 where id = $1")
            .bind(row.id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        record(
            tx,
            row.id,
            "message.fail",
            serde_json::json!({"status": "failed_permanent", "status_reason": reason}),
        )
        .await
    }

    /// Step 3: one message to its provider, then its outcome committed.
    async fn deliver(
        &self,
        state: &AppState,
        tenant: &TenantRef,
        claimed: Claimed,
    ) -> anyhow::Result<Settled> {
        let message = claimed.row.message();
        let settle = match claimed.provider.send(&message).await {
            SendOutcome::Accepted { provider_message_id, response } => Settle::Sent { provider_message_id, response, outcome: "sent" },
            SendOutcome::Transient { response } => Settle::Transient { response },
            SendOutcome::Permanent { response } => Settle::Permanent { response },
            SendOutcome::Ambiguous { response } if claimed.provider.has_status_query() => {
                match claimed.provider.status(&message).await {
                    StatusOutcome::Received { provider_message_id, response: status } => Settle::Sent {
                        provider_message_id,
                        response: format!("{response}; status query: {status}"),
                        outcome: "sent",
                    },
                    StatusOutcome::NotReceived { response: status } => Settle::NotReceived {
                        response: format!("{response}; status query: {status}"),
                    },
                    StatusOutcome::Unknown { response: status } => Settle::Unresolved {
                        response: format!("{response}; status query: {status}"),
                    },
                }
            }
            SendOutcome::Ambiguous { response } => Settle::InDoubt {
                reason: format!(
                    "{} may have received the message (no clear answer) and has no status query: check with the provider, then resolve it",
                    claimed.provider.name()
                ),
                response,
            },
        };
        self.settle(state, tenant, &claimed.row, claimed.attempt, settle)
            .await
    }

    /// Commits the outcome of a `sending` row, provided it is still this
    /// attempt's (fenced on status and attempt number).
    async fn settle(
        &self,
        state: &AppState,
        tenant: &TenantRef,
        row: &Row,
        attempt: i32,
        settle: Settle,
    ) -> anyhow::Result<Settled> {
        let mut tx = tenancy::begin(&state.pool, tenant).await?;
        const FENCE: &str = "where id = $1 and status = 'sending' and attempts = $2";
        let (settled, outcome, response, changed) = match settle {
            Settle::Sent {
                provider_message_id,
                response,
                outcome,
            } => {
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'sent', sent_at = now(), locked_until = null,
                            provider_message_id = $3, status_reason = null {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .bind(&provider_message_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Sent, Some(outcome), response, n)
            }
            Settle::Transient { response } if attempt >= self.cfg.max_attempts => {
                let reason = format!("gave up after {attempt} attempts; last: {response}");
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'failed_permanent', locked_until = null, status_reason = $3 {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .bind(&reason)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Failed, Some("transient"), response, n)
            }
            Settle::Transient { response } => {
                let retry_at = Utc::now() + self.backoff().delay(attempt);
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'pending', locked_until = null, not_before = $3, status_reason = $4 {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .bind(retry_at)
                .bind(format!("transient failure; retry at {}", retry_at.to_rfc3339()))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Retrying, Some("transient"), response, n)
            }
            Settle::Permanent { response } => {
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'failed_permanent', locked_until = null, status_reason = $3 {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .bind(format!("refused by the provider: {response}"))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Failed, Some("permanent"), response, n)
            }
            Settle::InDoubt { reason, response } => {
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'in_doubt', locked_until = null, status_reason = $3 {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .bind(&reason)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::InDoubt, Some("in_doubt"), response, n)
            }
            Settle::NotReceived { response } => {
                let n = sqlx::query(&format!(
                    "update message_outbox set status = 'pending', locked_until = null, not_before = now(),
                            status_reason = 'the provider never received it; sending again' {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Requeued, Some("not_received"), response, n)
            }
            Settle::Unresolved { response } => {
                let n = sqlx::query(&format!(
                    "update message_outbox set locked_until = now() {FENCE}"
                ))
                .bind(row.id)
                .bind(attempt)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (Settled::Unresolved, None, response, n)
            }
        };
        if changed == 0 {
            tracing::warn!(message = %row.id, attempt, "another dispatcher settled the message first");
            return Ok(Settled::Superseded);
        }
        sqlx::query(
            "update message_attempts set outcome = $3, provider_response = $4,
                    finished_at = case when $3::text is null then finished_at else now() end
              where message_id = $1 and attempt = $2 and outcome is null",
        )
        .bind(row.id)
        .bind(attempt)
        .bind(outcome)
        .bind(&response)
        .execute(&mut *tx)
        .await?;
        if settled != Settled::Unresolved {
            let status = match settled {
                Settled::Sent => "sent",
                Settled::Retrying | Settled::Requeued => "pending",
                Settled::InDoubt => "in_doubt",
                _ => "failed_permanent",
            };
            record(
                &mut tx,
                row.id,
                &format!("message.{}", outcome.unwrap_or("settle")),
                serde_json::json!({"status": status, "attempt": attempt}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(settled)
    }
}

/// The `messages.dispatch` job: one tenant's dispatch run (skipped for a
/// tenant that is not operational; its messages wait, and those whose
/// moment passes are skipped later rather than sent late).
pub struct DispatchJob(pub Arc<Dispatcher>);

#[async_trait::async_trait]
impl JobHandler for DispatchJob {
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let code = job
            .tenant_code
            .as_deref()
            .ok_or_else(|| JobError::permanent(anyhow::anyhow!("a dispatch job needs a tenant")))?;
        let pool = &ctx.state.pool;
        if !jobs::tenants::is_operational(pool, code).await? {
            tracing::info!(tenant = code, "tenant not operational: no dispatch");
            return Ok(());
        }
        let found = tenancy::find(pool, code)
            .await?
            .ok_or_else(|| JobError::permanent(anyhow::anyhow!("unknown tenant {code}")))?;
        let report = self
            .0
            .dispatch_tenant(&ctx.state, &found.tenant)
            .await
            .map_err(JobError::transient)?;
        if report == DispatchReport::default() {
            tracing::debug!(tenant = code, "nothing to dispatch");
        } else {
            tracing::info!(tenant = code, ?report, "dispatched messages");
        }
        Ok(())
    }
}
