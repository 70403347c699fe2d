//! Test harness: the real application (the same `app::start` as `main`) on a
//! free port, against the PostgreSQL and Redis named by `DATABASE_URL` and
//! `REDIS_URL` (set by `infra/test`). Every test makes its own tenants with
//! unique codes, so tests run in parallel and again.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod sms_gateway;
pub mod smtp;

use platform::{
    config::Config,
    provisioning::{self, CreatedTenant, NewTenant},
    AppState,
};
use serde_json::{json, Value};

/// A running application.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
}

/// A tenant with a logged-in admin.
pub struct TestTenant {
    pub code: String,
    pub created: CreatedTenant,
    pub token: String,
}

/// The password test tenants' admins get.
pub const ADMIN_PASSWORD: &str = "Test-Admin-Password-1";

/// The password of users made by [`TestApp::staff_user`].
pub const STAFF_PASSWORD: &str = "Staff-Password-123";

/// A unique lowercase code with a prefix.
pub fn unique_code(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..12])
}

/// Configuration from the environment.
pub fn config() -> Config {
    Config::load().expect("configuration")
}

/// Starts the application on a free port.
pub async fn spawn() -> TestApp {
    spawn_with(config()).await
}

/// Starts the application with a given configuration.
pub async fn spawn_with(config: Config) -> TestApp {
    let state = AppState::connect(config).await.expect("connect");
    platform::migrate::migrate_database_with_prefix(&state.pool, &state.config.tenancy.role_prefix)
        .await
        .expect("migrate");
    let app = xiaodai::app::start(state.clone(), "127.0.0.1:0")
        .await
        .expect("start");
    TestApp {
        base: format!("http://{}", app.addr),
        client: reqwest::Client::new(),
        state,
    }
}

/// Starts a real SMTP server and the application sending through it; the
/// application believes `X-Forwarded-For` from 127.0.0.1, so tests can act
/// as distinct client addresses. `adjust` tweaks the configuration.
pub async fn spawn_with_mail(adjust: impl FnOnce(&mut Config)) -> (TestApp, smtp::MailServer) {
    let mail = smtp::MailServer::start().await;
    let mut config = config();
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = mail.port;
    config.smtp.tls = platform::config::SmtpTls::None;
    config.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    config.subscription.unverified_signups_per_hour = 100_000;
    adjust(&mut config);
    (spawn_with(config).await, mail)
}

/// A valid unified social credit code, unique per call (Shanghai, enterprise).
pub fn credit_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut code = String::from("91310000");
    for b in &bytes[..9] {
        code.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    }
    ALPHABET
        .iter()
        .map(|c| format!("{code}{}", char::from(*c)))
        .find(|c| identifiers::CreditCode::parse(c).is_ok())
        .expect("one check character fits")
}

/// A unique client address for rate limits (`X-Forwarded-For`).
pub fn unique_ip() -> String {
    let b = uuid::Uuid::new_v4().into_bytes();
    format!("10.{}.{}.{}", b[0], b[1], b[2].max(1))
}

impl TestApp {
    /// Creates a regulator of some jurisdictions and returns a token.
    pub async fn regulator_token(&self, jurisdictions: &[&str]) -> String {
        let username = unique_code("reg");
        let hash = platform::auth::password::hash(ADMIN_PASSWORD).unwrap();
        let list: Vec<String> = jurisdictions.iter().map(|j| j.to_string()).collect();
        sqlx::query("insert into supervision.regulators (username, password_hash, must_change_password, jurisdictions) values ($1, $2, false, $3)")
            .bind(&username)
            .bind(hash)
            .bind(&list)
            .execute(&self.state.pool)
            .await
            .unwrap();
        let (status, body) = self
            .post(
                "/supervision/v1/auth/login",
                None,
                json!({"username": username, "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(status, 200, "regulator login failed: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Sends a POST as the client address `ip` (through the trusted proxy header).
    pub async fn post_from(&self, ip: &str, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("x-forwarded-for", ip)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Creates a tenant whose admin has a known password, and logs in.
    pub async fn tenant(&self) -> TestTenant {
        let code = unique_code("it");
        let created = provisioning::create_tenant(
            &self.state.pool,
            &self.state.config.tenancy.role_prefix,
            NewTenant {
                code: code.clone(),
                name: format!("测试小贷 {code}"),
                jurisdiction: Some("310000".into()),
                status: "active".into(),
                admin_password: Some(ADMIN_PASSWORD.into()),
            },
        )
        .await
        .expect("create tenant");
        let token = self.staff_login(&code, "admin", ADMIN_PASSWORD).await;
        TestTenant {
            code,
            created,
            token,
        }
    }

    /// Logs a staff user in and returns the token.
    pub async fn staff_login(&self, tenant: &str, username: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"tenant": tenant, "username": username, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login failed: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Sends a request and returns status and JSON body (Null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, token, Some(body))
            .await
    }
}

/// Asserts the standard JSON error shape and code.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, expected_code: &str) {
    assert_eq!(status, expected_status, "unexpected status, body: {body}");
    assert_eq!(body["code"], expected_code, "unexpected code, body: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|m| !m.is_empty()),
        "no request id: {body}"
    );
}

impl TestApp {
    /// Creates an operator with a known password and logs in.
    pub async fn operator_token(&self) -> String {
        let username = unique_code("op");
        let pw = "Operator-Password-1";
        let hash = platform::auth::password::hash(pw).unwrap();
        sqlx::query(
            "insert into platform.operators (username, password_hash, must_change_password) values ($1, $2, false)",
        )
        .bind(&username)
        .bind(&hash)
        .execute(&self.state.pool)
        .await
        .unwrap();
        let (status, body) = self
            .post(
                "/ops/v1/auth/login",
                None,
                json!({"username": username, "password": pw}),
            )
            .await;
        assert_eq!(status, 200, "operator login failed: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Creates a staff user of a tenant with roles (and optionally a branch),
    /// announces the policy change, and logs in.
    pub async fn staff_user(
        &self,
        tenant: &TestTenant,
        username: &str,
        roles: &[&str],
        branch_id: Option<i64>,
    ) -> String {
        let hash = platform::auth::password::hash(STAFF_PASSWORD).unwrap();
        let mut tx = platform::tenancy::begin(&self.state.pool, &tenant.created.tenant)
            .await
            .unwrap();
        let id: i64 = sqlx::query_scalar(
            "insert into users (username, display_name, password_hash, must_change_password, branch_id)
             values ($1, $1, $2, false, $3) returning id",
        )
        .bind(username)
        .bind(hash)
        .bind(branch_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for role in roles {
            sqlx::query("insert into user_roles (user_id, role_code) values ($1, $2)")
                .bind(id)
                .bind(role)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        self.state
            .access
            .changed(&platform::rbac::policy::PolicySet::Tenant(
                tenant.created.tenant.clone(),
            ))
            .await
            .unwrap();
        self.staff_login(&tenant.code, username, STAFF_PASSWORD)
            .await
    }

    /// Sends a PUT with a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, token, Some(body))
            .await
    }

    /// Sends a DELETE.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, token, None).await
    }
}
