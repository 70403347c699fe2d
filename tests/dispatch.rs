//! Reminder dispatch against a local SMS gateway: messages arrive once with
//! the right content; two dispatchers never send a message twice; a gateway
//! outage delays but loses nothing; quiet hours defer; opt-outs and late
//! reminders are skipped; a crash between the gateway's acceptance and our
//! commit is resolved by the status query (or left in doubt for staff where
//! the provider has none) — never resent blindly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::{NaiveDate, Utc};
use common::sms_gateway::{Mode, TestGateway, ALIYUN_SECRET, AUTH};
use platform::{
    audit::Actor,
    config::{MessagingConfig, Secret, SmsConfig},
    jobs::{kinds, queue::NewJob, Registry, WorkerOptions},
    notify::{sms, Channel, OutgoingMessage, Provider, Providers, SendOutcome, StatusOutcome},
    tenancy,
};
use serde_json::{json, Value};
use tenant_app::messaging::{
    dispatch::{DispatchJob, DispatchReport, Dispatcher},
    reminders::{self, Reminder},
    settings,
    template::{chinese_date, Placeholders},
};
use uuid::Uuid;

fn messaging_config() -> MessagingConfig {
    MessagingConfig {
        batch_size: 100,
        max_rounds: 20,
        send_lease_seconds: 3,
        retry_base_seconds: 1,
        retry_max_seconds: 2,
        max_attempts: 8,
    }
}

fn gateway_config(gw: &TestGateway) -> SmsConfig {
    let mut cfg = common::config().sms;
    cfg.provider = "gateway".into();
    cfg.rate_per_second = 100_000;
    cfg.timeout_seconds = 1;
    cfg.gateway.name = common::unique_code("gw");
    cfg.gateway.url = gw.url.clone();
    cfg.gateway.auth_header = "Authorization".into();
    cfg.gateway.auth_value = Secret::new(AUTH);
    cfg
}

fn gateway_provider(gw: &TestGateway) -> Arc<dyn Provider> {
    sms::from_config(&gateway_config(gw)).unwrap().unwrap()
}

fn dispatcher(provider: Arc<dyn Provider>) -> Dispatcher {
    Dispatcher::new(
        Providers {
            sms: Some(provider),
            email: None,
        },
        messaging_config(),
    )
}

/// A tenant whose reminders are due at once: send time 00:00, no quiet hours.
async fn tenant(app: &common::TestApp) -> common::TestTenant {
    let t = app.tenant().await;
    let (s, b) = app
        .put(
            "/api/v1/reminder-settings",
            Some(&t.token),
            json!({
                "enabled": true,
                "offsets": [{"days": -3, "channels": ["sms"]}, {"days": 0, "channels": ["sms", "email"]}],
                "send_time": "00:00",
                "time_zone": "Asia/Shanghai",
                "quiet_hours": null,
                "sms_signature": null,
                "late_window_hours": 24
            }),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    t
}

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn mobile(i: i64) -> String {
    format!("1380013{:04}", i)
}

fn values(i: i64, due: NaiveDate) -> Placeholders {
    Placeholders {
        borrower_name: format!("张{i}"),
        amount_due: "1234.50".into(),
        due_date: chinese_date(due),
        contract_number: format!("HT-{i:04}"),
        company_name: "测试小贷".into(),
        link: format!("https://xd.example/b/tok{i}"),
    }
}

/// Produces the reminder of installment `i` as close of business would.
async fn remind(
    app: &common::TestApp,
    t: &common::TestTenant,
    i: i64,
    offset: i32,
    channel: Channel,
    send_date: NaiveDate,
) -> Option<Uuid> {
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let settings = settings::load(&mut tx, false).await.unwrap();
    let due = send_date - chrono::Duration::days(i64::from(offset));
    let recipient = match channel {
        Channel::Sms => mobile(i),
        Channel::Email => format!("borrower{i}@example.com"),
    };
    let reminder = Reminder {
        installment_id: i,
        offset_days: offset,
        channel,
        recipient,
        recipient_name: Some(format!("张{i}")),
        send_date,
        values: values(i, due),
    };
    let id = reminders::enqueue_reminder(&mut tx, &settings, &reminder, &Actor::system("cob"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[derive(Debug, sqlx::FromRow)]
struct Msg {
    id: Uuid,
    status: String,
    status_reason: Option<String>,
    attempts: i32,
    content: String,
    not_before: chrono::DateTime<Utc>,
    locked_until: Option<chrono::DateTime<Utc>>,
    provider_message_id: Option<String>,
}

async fn messages(app: &common::TestApp, t: &common::TestTenant) -> Vec<Msg> {
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "select id, status, status_reason, attempts, content, not_before, locked_until, provider_message_id
           from message_outbox order by dedupe_key",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

async fn attempt_outcomes(
    app: &common::TestApp,
    t: &common::TestTenant,
    id: Uuid,
) -> Vec<(Option<String>, Option<String>)> {
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let rows = sqlx::query_as("select outcome, provider_response from message_attempts where message_id = $1 order by attempt")
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

async fn dispatch(app: &common::TestApp, t: &common::TestTenant, d: &Dispatcher) -> DispatchReport {
    d.dispatch_tenant(&app.state, &t.created.tenant)
        .await
        .unwrap()
}

#[tokio::test]
async fn reminders_arrive_once_with_the_right_content() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    let day = today();
    let mut ids = Vec::new();
    for i in 1..=3 {
        ids.push(remind(&app, &t, i, 0, Channel::Sms, day).await.unwrap());
        // Close of business running again produces nothing new.
        assert!(remind(&app, &t, i, 0, Channel::Sms, day).await.is_none());
    }
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.sent, 3, "{report:?}");

    let delivered = gw.delivered();
    assert_eq!(delivered.len(), 3);
    for (n, id) in ids.iter().enumerate() {
        let i = n as i64 + 1;
        let body = &delivered[&id.to_string()];
        let expected = format!(
            "【测试小贷】尊敬的张{i}，您的借款（合同号HT-{i:04}）今日（{}）到期，应还金额1234.50元，请于今日还款。详情：https://xd.example/b/tok{i}",
            chinese_date(day)
        );
        assert_eq!(body["text"], expected.as_str());
        assert_eq!(body["to"], mobile(i).as_str());
        assert_eq!(body["sign_name"], "测试小贷");
        assert_eq!(gw.sends_of(&id.to_string()), 1);
    }
    assert!(gw
        .requests()
        .iter()
        .all(|r| r.authorization.as_deref() == Some(AUTH)));

    for m in messages(&app, &t).await {
        assert_eq!((m.status.as_str(), m.attempts), ("sent", 1));
        assert_eq!(m.provider_message_id, Some(m.id.to_string()));
        assert_eq!(
            attempt_outcomes(&app, &t, m.id).await[0].0.as_deref(),
            Some("sent")
        );
    }
    // Dispatching again sends nothing.
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report, DispatchReport::default());
    assert_eq!(gw.requests().len(), 3);

    // Every state change is in the audit trail.
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let actions: Vec<(String, i64)> = sqlx::query_as(
        "select action, count(*) from audit_events where entity_type = 'message' and actor_kind = 'system'
          group by action order by action",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        actions,
        vec![
            ("message.enqueue".into(), 3),
            ("message.sending".into(), 3),
            ("message.sent".into(), 3)
        ]
    );
}

#[tokio::test]
async fn two_dispatchers_at_once_send_each_message_exactly_once() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let provider = gateway_provider(&gw);
    let mut cfg = messaging_config();
    cfg.batch_size = 7;
    let one = Dispatcher::new(
        Providers {
            sms: Some(provider.clone()),
            email: None,
        },
        cfg.clone(),
    );
    let two = Dispatcher::new(
        Providers {
            sms: Some(provider),
            email: None,
        },
        cfg,
    );
    const N: i64 = 60;
    for i in 1..=N {
        remind(&app, &t, i, -3, Channel::Sms, today())
            .await
            .unwrap();
    }
    let (a, b) = tokio::join!(dispatch(&app, &t, &one), dispatch(&app, &t, &two));
    assert_eq!(a.sent + b.sent, N as u32, "{a:?} {b:?}");
    let requests = gw.requests();
    assert_eq!(
        requests.len(),
        N as usize,
        "no message was handed to the gateway twice"
    );
    let keys: std::collections::BTreeSet<_> = requests
        .iter()
        .map(|r| r.idempotency_key.clone().unwrap())
        .collect();
    assert_eq!(keys.len(), N as usize);
    let rows = messages(&app, &t).await;
    assert!(rows.iter().all(|m| m.status == "sent" && m.attempts == 1));
}

#[tokio::test]
async fn gateway_down_then_up_delivers_everything_and_refusals_are_listed_for_staff() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    gw.set_mode(Mode::Unavailable);
    for i in 1..=5 {
        remind(&app, &t, i, 0, Channel::Sms, today()).await.unwrap();
    }
    let report = dispatch(&app, &t, &d).await;
    assert_eq!((report.retrying, report.sent), (5, 0));
    for m in messages(&app, &t).await {
        assert_eq!((m.status.as_str(), m.attempts), ("pending", 1));
        assert!(m
            .status_reason
            .unwrap()
            .starts_with("transient failure; retry at"));
        assert!(m.not_before > Utc::now() - chrono::Duration::milliseconds(200));
        let attempts = attempt_outcomes(&app, &t, m.id).await;
        assert_eq!(attempts[0].0.as_deref(), Some("transient"));
        assert!(attempts[0].1.as_deref().unwrap().starts_with("503"));
    }

    gw.set_mode(Mode::Normal);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while messages(&app, &t).await.iter().any(|m| m.status != "sent") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not everything was delivered after recovery"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        dispatch(&app, &t, &d).await;
    }
    assert_eq!(gw.delivered().len(), 5);
    for m in messages(&app, &t).await {
        assert_eq!(m.attempts, 2);
        assert_eq!(
            gw.sends_of(&m.id.to_string()),
            2,
            "one refused by the outage, one delivered"
        );
    }

    gw.set_mode(Mode::Reject);
    for i in 6..=7 {
        remind(&app, &t, i, 0, Channel::Sms, today()).await.unwrap();
    }
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.failed, 2);
    let (s, page) = app
        .get("/api/v1/messages?status=failed_permanent", Some(&t.token))
        .await;
    assert_eq!(s, 200);
    assert_eq!(page["total"], 2);
    assert!(page["items"][0]["status_reason"]
        .as_str()
        .unwrap()
        .starts_with("refused by the provider: 400"));
}

#[tokio::test]
async fn sms_in_quiet_hours_is_deferred_to_the_end_of_the_window() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    let local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let start = (local - chrono::Duration::hours(1))
        .format("%H:%M")
        .to_string();
    let end = (local + chrono::Duration::hours(1))
        .format("%H:%M")
        .to_string();
    let (_, mut settings) = app.get("/api/v1/reminder-settings", Some(&t.token)).await;
    settings["quiet_hours"] = json!({"start": start, "end": end});
    let settings = settings.as_object().unwrap().clone();
    let (s, b) = app
        .put(
            "/api/v1/reminder-settings",
            Some(&t.token),
            Value::Object(settings),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let sms = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    let email = remind(&app, &t, 1, 0, Channel::Email, today())
        .await
        .unwrap();
    let before = Utc::now();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!((report.deferred, report.sent), (1, 0), "{report:?}");
    assert!(gw.requests().is_empty(), "nothing sent in quiet hours");
    let rows = messages(&app, &t).await;
    let deferred = rows.iter().find(|m| m.id == sms).unwrap();
    assert_eq!(deferred.status, "deferred");
    assert!(deferred
        .status_reason
        .as_deref()
        .unwrap()
        .starts_with("quiet hours"));
    let until = deferred
        .not_before
        .with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(
        until.format("%H:%M").to_string(),
        end,
        "deferred to the window's end"
    );
    assert!(
        deferred.not_before > before
            && deferred.not_before <= before + chrono::Duration::minutes(61)
    );
    // Quiet hours are for SMS only: the email is not deferred (there is no
    // email provider on this branch, so it fails visibly instead).
    let mail = rows.iter().find(|m| m.id == email).unwrap();
    assert_eq!(mail.status, "failed_permanent");
    assert_eq!(
        mail.status_reason.as_deref(),
        Some("no email provider is configured")
    );
    // Not due again before the window ends.
    assert_eq!(dispatch(&app, &t, &d).await, DispatchReport::default());
}

#[tokio::test]
async fn opted_out_recipients_are_skipped_with_the_reason() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    let (s, b) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": mobile(1), "channel": "sms"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let out = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    let kept = remind(&app, &t, 2, 0, Channel::Sms, today()).await.unwrap();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!((report.skipped, report.sent), (1, 1));
    let rows = messages(&app, &t).await;
    let skipped = rows.iter().find(|m| m.id == out).unwrap();
    assert_eq!((skipped.status.as_str(), skipped.attempts), ("skipped", 0));
    assert_eq!(
        skipped.status_reason.as_deref(),
        Some("opted_out: the recipient opted out of sms")
    );
    assert_eq!(
        gw.delivered().keys().cloned().collect::<Vec<_>>(),
        vec![kept.to_string()]
    );
}

#[tokio::test]
async fn a_reminder_whose_moment_passed_is_skipped_not_sent_late() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    // Three days ago, with a 24-hour window (e.g. the tenant was suspended meanwhile).
    let late = remind(
        &app,
        &t,
        1,
        0,
        Channel::Sms,
        today() - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!((report.skipped, report.sent), (1, 0));
    let row = messages(&app, &t)
        .await
        .into_iter()
        .find(|m| m.id == late)
        .unwrap();
    assert_eq!(row.status, "skipped");
    assert!(row.status_reason.unwrap().starts_with("expired"));
    assert!(gw.requests().is_empty());
}

#[tokio::test]
async fn the_dispatch_job_runs_per_tenant_and_not_for_a_suspended_tenant() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let mut registry = Registry::new();
    registry.register(
        kinds::MESSAGES_DISPATCH,
        DispatchJob(Arc::new(dispatcher(gateway_provider(&gw)))),
    );
    let mut options = WorkerOptions::from_config(&app.state.config.jobs);
    options.tenant = Some(t.code.clone());
    let job = |n: u32| {
        NewJob::new(
            kinds::MESSAGES_DISPATCH,
            format!("messages.dispatch:{}:test-{n}", t.code),
        )
        .tenant(&t.code)
    };

    let first = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    platform::jobs::queue::enqueue(&app.state.pool, &job(1))
        .await
        .unwrap()
        .unwrap();
    let report = platform::jobs::run_once(&app.state, &registry, &options, 10)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 1);
    assert_eq!(
        gw.delivered().keys().cloned().collect::<Vec<_>>(),
        vec![first.to_string()]
    );

    sqlx::query(
        "update platform.tenants set status = 'suspended', suspended_from = status where code = $1",
    )
    .bind(&t.code)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let second = remind(&app, &t, 2, 0, Channel::Sms, today()).await.unwrap();
    platform::jobs::queue::enqueue(&app.state.pool, &job(2))
        .await
        .unwrap()
        .unwrap();
    let report = platform::jobs::run_once(&app.state, &registry, &options, 10)
        .await
        .unwrap();
    assert_eq!(report.succeeded, 1, "the job ends without dispatching");
    let row = messages(&app, &t)
        .await
        .into_iter()
        .find(|m| m.id == second)
        .unwrap();
    assert_eq!(row.status, "pending", "kept for when the tenant is back");
    assert_eq!(gw.delivered().len(), 1);
}

/// A provider that dies in the middle: after handing the message to the
/// real gateway (or before), it never returns — as if the process was
/// killed between the gateway's acceptance and our commit.
struct DiesDuringSend {
    inner: Arc<dyn Provider>,
    call_first: bool,
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl Provider for DiesDuringSend {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn channel(&self) -> Channel {
        self.inner.channel()
    }
    fn rate_per_second(&self) -> Option<u64> {
        self.inner.rate_per_second()
    }
    fn has_status_query(&self) -> bool {
        self.inner.has_status_query()
    }
    async fn send(&self, message: &OutgoingMessage) -> SendOutcome {
        if self.call_first {
            let _ = self.inner.send(message).await;
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
    async fn status(&self, message: &OutgoingMessage) -> StatusOutcome {
        self.inner.status(message).await
    }
}

/// Runs a dispatcher whose provider dies during `n` sends, then kills the task.
async fn crash_during_sends(
    app: &common::TestApp,
    t: &common::TestTenant,
    inner: Arc<dyn Provider>,
    call_first: bool,
    n: usize,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let dying = dispatcher(Arc::new(DiesDuringSend {
        inner,
        call_first,
        calls: calls.clone(),
    }));
    let (state, tenant) = (app.state.clone(), t.created.tenant.clone());
    let task = tokio::spawn(async move { dying.dispatch_tenant(&state, &tenant).await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while calls.load(Ordering::SeqCst) < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dispatcher never reached the provider"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    let _ = task.await;
}

async fn sleep_past_leases(app: &common::TestApp, t: &common::TestTenant) {
    let until = messages(app, t)
        .await
        .iter()
        .filter_map(|m| m.locked_until)
        .max()
        .unwrap();
    tokio::time::sleep(
        (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200),
    )
    .await;
}

#[tokio::test]
async fn a_crash_between_acceptance_and_commit_is_resolved_by_the_status_query() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let provider = gateway_provider(&gw);
    for i in 1..=3 {
        remind(&app, &t, i, 0, Channel::Sms, today()).await.unwrap();
    }
    crash_during_sends(&app, &t, provider.clone(), true, 3).await;
    assert_eq!(gw.delivered().len(), 3, "the gateway accepted all three");
    let rows = messages(&app, &t).await;
    assert!(
        rows.iter().all(|m| m.status == "sending"),
        "our commit never happened"
    );

    // Restarted: while the dead dispatcher's lease runs, nothing is touched.
    let d = dispatcher(provider);
    assert_eq!(dispatch(&app, &t, &d).await, DispatchReport::default());
    sleep_past_leases(&app, &t).await;
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.sent, 3, "{report:?}");
    for m in messages(&app, &t).await {
        assert_eq!((m.status.as_str(), m.attempts), ("sent", 1));
        assert_eq!(
            gw.sends_of(&m.id.to_string()),
            1,
            "the gateway got it exactly once"
        );
        let attempts = attempt_outcomes(&app, &t, m.id).await;
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].0.as_deref(), Some("sent"));
        assert!(attempts[0]
            .1
            .as_deref()
            .unwrap()
            .starts_with("status query: 200"));
    }
    assert!(gw.status_queries() >= 3);
}

#[tokio::test]
async fn a_crash_before_the_call_is_found_not_received_and_sent_once() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let provider = gateway_provider(&gw);
    let id = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    crash_during_sends(&app, &t, provider.clone(), false, 1).await;
    assert!(gw.requests().is_empty());
    sleep_past_leases(&app, &t).await;
    let report = dispatch(&app, &t, &dispatcher(provider)).await;
    assert_eq!((report.requeued, report.sent), (1, 1), "{report:?}");
    let m = messages(&app, &t).await.into_iter().next().unwrap();
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 2));
    assert_eq!(gw.sends_of(&id.to_string()), 1);
    let outcomes: Vec<_> = attempt_outcomes(&app, &t, id)
        .await
        .into_iter()
        .map(|a| a.0.unwrap())
        .collect();
    assert_eq!(outcomes, vec!["not_received", "sent"]);
}

#[tokio::test]
async fn a_connection_dropped_after_acceptance_is_resolved_at_once_by_the_status_query() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let d = dispatcher(gateway_provider(&gw));
    gw.set_mode(Mode::AcceptThenDrop);
    let id = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(gw.sends_of(&id.to_string()), 1);
    let attempts = attempt_outcomes(&app, &t, id).await;
    assert_eq!(attempts[0].0.as_deref(), Some("sent"));
    assert!(
        attempts[0]
            .1
            .as_deref()
            .unwrap()
            .contains("status query: 200"),
        "{attempts:?}"
    );
}

#[tokio::test]
async fn the_provider_rate_limit_spreads_sends_over_seconds() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let mut cfg = gateway_config(&gw);
    cfg.rate_per_second = 4;
    let d = dispatcher(sms::from_config(&cfg).unwrap().unwrap());
    for i in 1..=9 {
        remind(&app, &t, i, 0, Channel::Sms, today()).await.unwrap();
    }
    let report = dispatch(&app, &t, &d).await;
    assert!(report.rate_limited, "{report:?}");
    assert_eq!(report.sent, 9, "held back, not dropped");
    assert_eq!(gw.delivered().len(), 9);
}

#[tokio::test]
async fn aliyun_requests_are_signed_and_uncertain_sends_wait_in_doubt_for_staff() {
    let app = common::spawn().await;
    let t = tenant(&app).await;
    let gw = TestGateway::start().await;
    let mut cfg = common::config().sms;
    cfg.provider = "aliyun".into();
    cfg.timeout_seconds = 1;
    cfg.rate_per_second = 100_000;
    cfg.aliyun.endpoint = format!("{}/aliyun/", gw.url);
    cfg.aliyun.access_key_id = "test-key-id".into();
    cfg.aliyun.access_key_secret = Secret::new(ALIYUN_SECRET);
    let aliyun = sms::from_config(&cfg).unwrap().unwrap();
    let d = dispatcher(aliyun.clone());
    let (s, b) = app
        .put(
            "/api/v1/message-templates/reminder_due_today/sms",
            Some(&t.token),
            json!({"body": "{borrower_name}您好，今日应还{amount_due}元。", "provider_template_code": "SMS_480210",
                   "provider_params": {"name": "borrower_name", "amount": "amount_due"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, mut settings) = app.get("/api/v1/reminder-settings", Some(&t.token)).await;
    settings["sms_signature"] = json!("测试签名");
    let (s, b) = app
        .put("/api/v1/reminder-settings", Some(&t.token), settings)
        .await;
    assert_eq!(s, 200, "{b}");

    let first = remind(&app, &t, 1, 0, Channel::Sms, today()).await.unwrap();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = &gw.aliyun_deliveries()[0];
    assert_eq!(sent["Action"], "SendSms");
    assert_eq!(sent["PhoneNumbers"], mobile(1));
    assert_eq!(sent["SignName"], "测试签名");
    assert_eq!(sent["TemplateCode"], "SMS_480210");
    let params: Value = serde_json::from_str(&sent["TemplateParam"]).unwrap();
    assert_eq!(params, json!({"amount": "1234.50", "name": "张1"}));
    assert_eq!(sent["OutId"], first.to_string());
    assert_eq!(sent["SignatureMethod"], "HMAC-SHA1");
    let row = messages(&app, &t)
        .await
        .into_iter()
        .find(|m| m.id == first)
        .unwrap();
    assert_eq!(row.provider_message_id, Some(format!("biz-{first}")));
    assert_eq!(row.content, "【测试签名】张1您好，今日应还1234.50元。");

    // Aliyun took the messages but the answers were lost: no status query, so in doubt.
    gw.set_mode(Mode::AcceptThenDrop);
    let second = remind(&app, &t, 2, 0, Channel::Sms, today()).await.unwrap();
    let third = remind(&app, &t, 3, 0, Channel::Sms, today()).await.unwrap();
    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.in_doubt, 2, "{report:?}");
    gw.set_mode(Mode::Normal);
    // A dispatcher killed right after handing a message over: in doubt too, after its lease.
    let fourth = remind(&app, &t, 4, 0, Channel::Sms, today()).await.unwrap();
    crash_during_sends(&app, &t, aliyun.clone(), true, 1).await;
    sleep_past_leases(&app, &t).await;
    let report = dispatch(&app, &t, &d).await;
    assert_eq!((report.in_doubt, report.sent), (1, 0), "{report:?}");
    assert_eq!(gw.aliyun_deliveries().len(), 4, "nothing resent blindly");

    let (s, page) = app
        .get("/api/v1/messages?status=in_doubt", Some(&t.token))
        .await;
    assert_eq!((s, page["total"].as_i64()), (200, Some(3)));
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [second, third, fourth] {
        assert!(listed.contains(&id.to_string().as_str()));
    }
    let resolve = |id: Uuid, outcome: &str, reason: &str| {
        let body = json!({"outcome": outcome, "reason": reason});
        let path = format!("/api/v1/messages/{id}/resolve");
        let app = &app;
        let token = t.token.clone();
        async move { app.post(&path, Some(&token), body).await }
    };
    let (s, m) = resolve(second, "sent", "阿里云控制台显示已发送").await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["status"], "sent");
    assert!(m["status_reason"]
        .as_str()
        .unwrap()
        .ends_with("阿里云控制台显示已发送"));
    let (s, m) = resolve(third, "not_sent", "控制台无发送记录").await;
    assert_eq!((s, m["status"].as_str()), (200, Some("pending")));
    let (s, e) = resolve(third, "sent", "again").await;
    common::assert_error(s, &e, 409, "message_not_in_doubt");
    let (s, e) = resolve(fourth, "sent", "   ").await;
    common::assert_error(s, &e, 422, "invalid_reason");

    let report = dispatch(&app, &t, &d).await;
    assert_eq!(report.sent, 1, "the message staff found unsent goes out");
    let (_, detail) = app
        .get(&format!("/api/v1/messages/{third}"), Some(&t.token))
        .await;
    let outcomes: Vec<&str> = detail["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["in_doubt", "sent"]);
    let mut tx = tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let staff_resolutions: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action like 'message.resolve_%' and actor_kind = 'staff'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(staff_resolutions, 2);
}
