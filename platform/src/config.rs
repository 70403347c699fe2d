//! Configuration: built-in defaults, then an optional TOML file
//! (`XIAODAI_CONFIG`, default `xiaodai.toml` when present), then environment
//! variables `XIAODAI__SECTION__KEY` and the conventional `DATABASE_URL` /
//! `REDIS_URL`. Everything is validated at start-up; secrets never print.

use std::{fmt, net::SocketAddr, path::Path};

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

/// A value that must never appear in logs or output.
#[derive(Clone, Deserialize, Default, PartialEq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub tenancy: TenancyConfig,
    pub auth: AuthConfig,
    pub smtp: SmtpConfig,
    pub subscription: SubscriptionConfig,
    pub jobs: JobsConfig,
    pub messaging: MessagingConfig,
    pub sms: SmsConfig,
    pub borrower_link: BorrowerLinkConfig,
}

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerConfig {
    /// Listen address, `HOST:PORT`.
    pub addr: String,
    /// Public base URL used in links sent to people.
    pub public_url: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client
    /// (for rate limits and the audit trail); empty = use the peer address.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// PostgreSQL settings.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseConfig {
    /// Connection URL; may contain a password, so it is a secret.
    pub url: Secret,
    pub max_connections: u32,
    /// How many tenants `migrate` upgrades at once.
    pub migrate_parallelism: usize,
}

/// Redis settings.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisConfig {
    pub url: Secret,
}

/// Tenancy settings.
#[derive(Debug, Clone, Deserialize)]
pub struct TenancyConfig {
    /// Prefix for tenant role names (roles are global to a PostgreSQL server,
    /// so two deployments sharing one server use different prefixes).
    pub role_prefix: String,
}

/// Authentication settings for all three audiences.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthConfig {
    /// Absolute lifetime of a session token, in minutes.
    pub token_ttl_minutes: u64,
    /// A session unused for this long expires, in minutes.
    pub idle_timeout_minutes: u64,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// TLS from the first byte (SMTPS), usually port 465.
    Tls,
    /// No encryption: only for a mail server on the same host or network.
    None,
}

/// Outgoing email (SMTP).
#[derive(Debug, Clone, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Login, when the server requires one (with `password`).
    #[serde(default)]
    pub username: Option<Secret>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The sender address, e.g. `noreply@xiaodai.example.cn`.
    pub from_address: String,
    /// The sender's display name.
    pub sender_name: String,
    /// Timeout of each SMTP command, in seconds.
    pub timeout_seconds: u64,
}

/// Online sign-up, plans and the tenant lifecycle.
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionConfig {
    /// HMAC-SHA256 key signing the links sent by email (at least 32
    /// characters). Empty: a random key per process, so links do not survive
    /// a restart and do not work across instances — set it in production.
    pub link_secret: Secret,
    /// How long an email verification link works, in minutes.
    pub verify_link_minutes: u64,
    /// How long a set-password link works, in minutes.
    pub password_link_minutes: u64,
    /// How long a regulator's invitation works, in days.
    pub invitation_days: u64,
    /// Sign-up attempts allowed per client address per hour.
    pub signups_per_address_per_hour: u64,
    /// Sign-ups allowed per email address per day.
    pub signups_per_email_per_day: u64,
    /// Unverified sign-ups allowed across the platform per hour.
    pub unverified_signups_per_hour: u64,
    /// A tenant may leave its trial only once its licence is linked to the
    /// regulator's registry.
    pub require_registry_licence: bool,
    /// Where tenant exports (closing tenants) are written.
    pub export_dir: String,
    /// Days a closed tenant's schema is kept before the sweep drops it.
    pub closed_retention_days: u64,
    /// How long a tenant's status is cached in Redis, in seconds (changes
    /// invalidate it at once).
    pub status_cache_seconds: u64,
    /// The `pg_dump` program (PostgreSQL client) used for exports.
    pub pg_dump: String,
    /// Cron (with seconds, UTC) of the daily lifecycle sweep job: usage
    /// meter, purge of closed tenants past retention, stale sign-ups.
    pub sweep_cron: String,
}

/// The job queue's workers and the scheduler that enqueues periodic jobs.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsConfig {
    /// Whether `xiaodai serve` runs workers and the scheduler on this instance.
    pub enabled: bool,
    /// Jobs run at once by this instance.
    pub concurrency: usize,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// A claimed job is the worker's for this long (renewed while it runs), in seconds.
    pub lease_seconds: u64,
    /// First retry delay after a transient failure, doubling per attempt, in seconds.
    pub backoff_base_seconds: u64,
    /// Longest retry delay, in seconds.
    pub backoff_max_seconds: u64,
    /// Attempts before a job is dead (a job may set its own).
    pub max_attempts: i32,
    /// Finished jobs are deleted after this many days.
    pub retention_days: u32,
    /// Cron (with seconds) of the tick that enqueues reminder dispatch for every
    /// operational tenant; at most one dispatch job per tenant and minute is
    /// kept (the key names the minute), so ticking more often adds nothing.
    pub dispatch_cron: String,
    /// Cron (with seconds) of the daily prune of finished jobs.
    pub prune_cron: String,
    /// Cron (with seconds) of the tick that enqueues each operational
    /// tenant's close of business once its local run time has passed (the
    /// time itself is a tenant setting; this is how often it is looked at).
    pub cob_cron: String,
}

/// Reminder dispatch (the outbox in each tenant schema).
#[derive(Debug, Clone, Deserialize)]
pub struct MessagingConfig {
    /// Outbox rows claimed per round.
    pub batch_size: i64,
    /// Rounds per dispatch job (a job ends when nothing is due).
    pub max_rounds: u32,
    /// A message marked `sending` is the dispatcher's for this long, in
    /// seconds; after it, the row is resolved by the provider's status query
    /// or marked in doubt. Must exceed the providers' timeouts.
    pub send_lease_seconds: u64,
    /// First retry delay after a transient provider error, doubling per attempt, in seconds.
    pub retry_base_seconds: u64,
    /// Longest retry delay, in seconds.
    pub retry_max_seconds: u64,
    /// Attempts before a message is failed for good.
    pub max_attempts: i32,
}

/// SMS provider.
#[derive(Debug, Clone, Deserialize)]
pub struct SmsConfig {
    /// `none`, `gateway` (generic JSON over HTTP) or `aliyun`.
    pub provider: String,
    /// Messages per second to this provider, across all instances (Redis).
    pub rate_per_second: u64,
    /// Timeout of one provider request, in seconds.
    pub timeout_seconds: u64,
    pub gateway: SmsGatewayConfig,
    pub aliyun: AliyunSmsConfig,
}

/// The generic JSON-over-HTTP SMS gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct SmsGatewayConfig {
    /// Name of this provider in the outbox and in rate-limit keys.
    pub name: String,
    /// Base URL; messages are POSTed to `<url>/messages`.
    pub url: String,
    /// Header carrying the credential, e.g. `Authorization`.
    pub auth_header: String,
    /// The header's value, e.g. `Bearer ...`; empty sends no header.
    pub auth_value: Secret,
}

/// Aliyun SMS (dysmsapi, RPC style, HMAC-SHA1 signature).
#[derive(Debug, Clone, Deserialize)]
pub struct AliyunSmsConfig {
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub region_id: String,
}

/// Signed links to the borrower's page `/b/{token}`.
#[derive(Debug, Clone, Deserialize)]
pub struct BorrowerLinkConfig {
    /// HMAC-SHA256 key (at least 32 characters). Empty: a random key per
    /// process (links then die with the process) — set it in production.
    pub secret: Secret,
    /// Requests to `/b/...` allowed per client address per minute.
    pub per_ip_per_minute: u64,
}

const DEFAULTS: &str = r#"
[server]
addr = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080"
max_body_bytes = 2097152

[database]
url = "postgres://xiaodai:xiaodai@127.0.0.1:5432/xiaodai"
max_connections = 20
migrate_parallelism = 4

[redis]
url = "redis://127.0.0.1:6379"

[tenancy]
role_prefix = ""

[auth]
token_ttl_minutes = 480
idle_timeout_minutes = 30

[smtp]
host = "127.0.0.1"
port = 1025
tls = "none"
from_address = "noreply@xiaodai.localhost"
sender_name = "小贷云"
timeout_seconds = 20

[subscription]
link_secret = ""
verify_link_minutes = 1440
password_link_minutes = 4320
invitation_days = 30
signups_per_address_per_hour = 10
signups_per_email_per_day = 5
unverified_signups_per_hour = 500
require_registry_licence = false
export_dir = "exports"
closed_retention_days = 90
status_cache_seconds = 300
pg_dump = "pg_dump"
sweep_cron = "0 30 18 * * *"

[jobs]
enabled = true
concurrency = 4
poll_interval_ms = 1000
lease_seconds = 300
backoff_base_seconds = 10
backoff_max_seconds = 3600
max_attempts = 10
retention_days = 14
dispatch_cron = "0 * * * * *"
prune_cron = "0 17 3 * * *"
cob_cron = "0 */5 * * * *"

[messaging]
batch_size = 100
max_rounds = 20
send_lease_seconds = 120
retry_base_seconds = 60
retry_max_seconds = 3600
max_attempts = 8

[sms]
provider = "none"
rate_per_second = 50
timeout_seconds = 15

[sms.gateway]
name = "gateway"
url = ""
auth_header = "Authorization"
auth_value = ""

[sms.aliyun]
endpoint = "https://dysmsapi.aliyuncs.com/"
access_key_id = ""
access_key_secret = ""
region_id = "cn-hangzhou"

[borrower_link]
secret = ""
per_ip_per_minute = 30
"#;

impl Config {
    /// Loads defaults, the optional file, then the environment, and validates.
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("XIAODAI_CONFIG").ok();
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::from_sources(file.as_deref().map(Path::new), &env)
    }

    /// Builds a configuration from an optional file and environment pairs.
    pub fn from_sources(file: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Self> {
        let mut tree = toml_to_json(DEFAULTS).context("failed to parse built-in defaults")?;
        let default_file = Path::new("xiaodai.toml");
        let file = match file {
            Some(path) => Some(path),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read config file {}", path.display()))?;
            let overlay = toml_to_json(&text)
                .with_context(|| format!("failed to parse config file {}", path.display()))?;
            merge(&mut tree, overlay);
        }
        for (key, value) in env {
            if key == "DATABASE_URL" {
                set_path(&mut tree, &["database", "url"], value);
            } else if key == "REDIS_URL" {
                set_path(&mut tree, &["redis", "url"], value);
            }
        }
        for (key, value) in env {
            if let Some(rest) = key.strip_prefix("XIAODAI__") {
                let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                set_path(&mut tree, &path, value);
            }
        }
        let config: Config = serde_json::from_value(tree).context("invalid configuration value")?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses a configuration that cannot work, naming the setting.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.server
            .addr
            .parse::<SocketAddr>()
            .with_context(|| format!("server.addr {:?} is not HOST:PORT", self.server.addr))?;
        url::Url::parse(&self.server.public_url).context("server.public_url is not a URL")?;
        let db =
            url::Url::parse(self.database.url.expose()).context("database.url is not a URL")?;
        if !matches!(db.scheme(), "postgres" | "postgresql") {
            bail!("database.url must be a postgres:// URL");
        }
        let redis = url::Url::parse(self.redis.url.expose()).context("redis.url is not a URL")?;
        if !matches!(redis.scheme(), "redis" | "rediss") {
            bail!("redis.url must be a redis:// URL");
        }
        if self.database.max_connections == 0 || self.database.migrate_parallelism == 0 {
            bail!("database.max_connections and database.migrate_parallelism must be positive");
        }
        if !self
            .tenancy
            .role_prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || self.tenancy.role_prefix.len() > 20
        {
            bail!("tenancy.role_prefix may hold only a-z, 0-9 and _ (at most 20)");
        }
        if self.auth.token_ttl_minutes == 0 || self.auth.idle_timeout_minutes == 0 {
            bail!("auth token lifetimes must be positive");
        }
        if self.smtp.host.trim().is_empty() || self.smtp.port == 0 {
            bail!("smtp.host and smtp.port must be set");
        }
        identifiers::EmailAddress::parse(&self.smtp.from_address)
            .map_err(|e| anyhow::anyhow!("smtp.from_address: {}", e.message))?;
        if self.smtp.username.is_some() != self.smtp.password.is_some() {
            bail!("smtp.username and smtp.password go together");
        }
        let sub = &self.subscription;
        let secret = sub.link_secret.expose();
        if !secret.is_empty() && secret.len() < 32 {
            bail!("subscription.link_secret needs at least 32 characters");
        }
        if sub.verify_link_minutes == 0
            || sub.password_link_minutes == 0
            || sub.invitation_days == 0
            || sub.status_cache_seconds == 0
        {
            bail!("subscription link lifetimes and status_cache_seconds must be positive");
        }
        if sub.export_dir.trim().is_empty() || sub.pg_dump.trim().is_empty() {
            bail!("subscription.export_dir and subscription.pg_dump must be set");
        }
        if sub.sweep_cron.split_whitespace().count() != 6 {
            bail!(
                "subscription.sweep_cron {:?} must have six fields (seconds first)",
                sub.sweep_cron
            );
        }
        self.validate_jobs()?;
        self.validate_messaging()
    }

    fn validate_jobs(&self) -> anyhow::Result<()> {
        let j = &self.jobs;
        if j.concurrency == 0 || j.concurrency > 256 {
            bail!("jobs.concurrency must be 1 to 256");
        }
        if j.poll_interval_ms == 0 || j.lease_seconds == 0 || j.backoff_base_seconds == 0 {
            bail!("jobs.poll_interval_ms, jobs.lease_seconds and jobs.backoff_base_seconds must be positive");
        }
        if j.backoff_max_seconds < j.backoff_base_seconds {
            bail!("jobs.backoff_max_seconds must be at least jobs.backoff_base_seconds");
        }
        if !(1..=100).contains(&j.max_attempts) {
            bail!("jobs.max_attempts must be 1 to 100");
        }
        for (name, cron) in [
            ("jobs.dispatch_cron", &j.dispatch_cron),
            ("jobs.prune_cron", &j.prune_cron),
            ("jobs.cob_cron", &j.cob_cron),
        ] {
            if cron.split_whitespace().count() != 6 {
                bail!("{name} {cron:?} must have six fields (seconds first)");
            }
        }
        Ok(())
    }

    fn validate_messaging(&self) -> anyhow::Result<()> {
        let m = &self.messaging;
        if !(1..=1000).contains(&m.batch_size) || m.max_rounds == 0 {
            bail!("messaging.batch_size must be 1 to 1000 and messaging.max_rounds positive");
        }
        if m.retry_base_seconds == 0 || m.retry_max_seconds < m.retry_base_seconds {
            bail!("messaging.retry_base_seconds must be positive and at most messaging.retry_max_seconds");
        }
        if !(1..=100).contains(&m.max_attempts) {
            bail!("messaging.max_attempts must be 1 to 100");
        }
        let sms = &self.sms;
        if sms.timeout_seconds == 0 || sms.rate_per_second == 0 {
            bail!("sms.timeout_seconds and sms.rate_per_second must be positive");
        }
        if m.send_lease_seconds <= sms.timeout_seconds * 2 {
            bail!("messaging.send_lease_seconds must exceed twice sms.timeout_seconds");
        }
        match sms.provider.as_str() {
            "none" => {}
            "gateway" => {
                let url =
                    url::Url::parse(&sms.gateway.url).context("sms.gateway.url is not a URL")?;
                if !matches!(url.scheme(), "http" | "https") {
                    bail!("sms.gateway.url must be http(s)");
                }
                if sms.gateway.name.is_empty() || sms.gateway.auth_header.is_empty() {
                    bail!("sms.gateway.name and sms.gateway.auth_header must be set");
                }
            }
            "aliyun" => {
                url::Url::parse(&sms.aliyun.endpoint)
                    .context("sms.aliyun.endpoint is not a URL")?;
                if sms.aliyun.access_key_id.is_empty()
                    || sms.aliyun.access_key_secret.expose().is_empty()
                {
                    bail!("sms.aliyun.access_key_id and sms.aliyun.access_key_secret must be set");
                }
            }
            other => bail!("sms.provider {other:?} must be none, gateway or aliyun"),
        }
        let secret = self.borrower_link.secret.expose();
        if !secret.is_empty() && secret.len() < 32 {
            bail!("borrower_link.secret must have at least 32 characters (or be empty for a per-process key)");
        }
        if self.borrower_link.per_ip_per_minute == 0 {
            bail!("borrower_link.per_ip_per_minute must be positive");
        }
        Ok(())
    }
}

fn toml_to_json(text: &str) -> anyhow::Result<Value> {
    let value: toml::Value = toml::from_str(text)?;
    Ok(serde_json::to_value(value)?)
}

fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (slot, value) => *slot = value,
    }
}

/// Sets a string from the environment, keeping the type of the default
/// (numbers and booleans parse; everything else stays a string).
fn set_path(tree: &mut Value, path: &[&str], raw: &str) {
    let mut node = tree;
    for key in &path[..path.len().saturating_sub(1)] {
        if !node.is_object() {
            *node = Value::Object(Default::default());
        }
        let Value::Object(map) = node else { return };
        node = map
            .entry((*key).to_string())
            .or_insert(Value::Object(Default::default()));
    }
    let Some(last) = path.last() else { return };
    if !node.is_object() {
        *node = Value::Object(Default::default());
    }
    let Value::Object(map) = node else { return };
    let typed = match map.get(*last) {
        Some(Value::Number(_)) => raw
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        Some(Value::Bool(_)) => raw
            .parse::<bool>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        _ => Value::String(raw.to_string()),
    };
    map.insert((*last).to_string(), typed);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_overrides_defaults() {
        let config = Config::from_sources(
            None,
            &env(&[
                ("DATABASE_URL", "postgres://a:secretpw@h/db"),
                ("XIAODAI__SERVER__ADDR", "0.0.0.0:9000"),
                ("XIAODAI__DATABASE__MAX_CONNECTIONS", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.addr, "0.0.0.0:9000");
        assert_eq!(config.database.max_connections, 7);
        assert!(!format!("{config:?}").contains("secretpw"));
    }

    #[test]
    fn invalid_values_are_refused_with_the_setting_named() {
        let err =
            Config::from_sources(None, &env(&[("XIAODAI__SERVER__ADDR", "nowhere")])).unwrap_err();
        assert!(format!("{err:#}").contains("server.addr"));
        let err = Config::from_sources(None, &env(&[("REDIS_URL", "http://x")])).unwrap_err();
        assert!(format!("{err:#}").contains("redis.url"));
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn email_and_subscription_settings_are_checked() {
        let config = Config::from_sources(
            None,
            &env(&[
                ("XIAODAI__SMTP__USERNAME", "mailer"),
                ("XIAODAI__SMTP__PASSWORD", "smtp-secret-pw"),
                ("XIAODAI__SUBSCRIPTION__LINK_SECRET", &"k".repeat(32)),
            ]),
        )
        .unwrap();
        assert_eq!(config.smtp.tls, SmtpTls::None);
        assert!(!format!("{config:?}").contains("smtp-secret-pw"));
        for (key, value, named) in [
            ("XIAODAI__SUBSCRIPTION__LINK_SECRET", "short", "link_secret"),
            ("XIAODAI__SMTP__USERNAME", "alone", "smtp.username"),
            ("XIAODAI__SMTP__FROM_ADDRESS", "nobody", "smtp.from_address"),
            ("XIAODAI__SMTP__TLS", "sometimes", "invalid configuration"),
        ] {
            let err = Config::from_sources(None, &env(&[(key, value)])).unwrap_err();
            assert!(format!("{err:#}").contains(named), "{key}: {err:#}");
        }
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn job_and_sms_settings_are_validated() {
        let err =
            Config::from_sources(None, &env(&[("XIAODAI__SMS__PROVIDER", "gateway")])).unwrap_err();
        assert!(format!("{err:#}").contains("sms.gateway.url"));
        let err =
            Config::from_sources(None, &env(&[("XIAODAI__JOBS__DISPATCH_CRON", "* * * * *")]))
                .unwrap_err();
        assert!(format!("{err:#}").contains("jobs.dispatch_cron"));
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn nested_sections_take_environment_overrides() {
        let config = Config::from_sources(
            None,
            &env(&[
                ("XIAODAI__SMS__PROVIDER", "gateway"),
                ("XIAODAI__SMS__GATEWAY__URL", "http://127.0.0.1:9/"),
                ("XIAODAI__JOBS__CONCURRENCY", "2"),
            ]),
        )
        .unwrap();
        assert_eq!(config.sms.gateway.url, "http://127.0.0.1:9/");
        assert_eq!(config.jobs.concurrency, 2);
        assert_eq!(config.messaging.max_attempts, 8);
    }
}
