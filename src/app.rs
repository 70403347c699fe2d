//! Builds and serves the application: the three OpenAPI services, health,
//! readiness and metrics, the borrower page `/b/{token}`, under the
//! JSON-error and request-id middleware; `serve` also runs the job workers.

use std::net::SocketAddr;

use anyhow::Context;
use platform::{http::errors::JsonErrors, AppState};
use poem::{
    get, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    middleware::{AddData, CatchPanic},
    web::{Data, Json},
    EndpointExt, IntoResponse, Response, Route, Server,
};
use poem_openapi::OpenApiService;

/// The staff API's base path.
pub const API_BASE: &str = "/api/v1";
/// The operators' API base path.
pub const OPS_BASE: &str = "/ops/v1";
/// The regulators' API base path.
pub const SUPERVISION_BASE: &str = "/supervision/v1";

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The staff API service.
pub fn tenant_service() -> OpenApiService<tenant_app::TenantApi, ()> {
    OpenApiService::new(tenant_app::api(), "Xiaodai lending company API", VERSION).server(API_BASE)
}

/// The operators' API service.
pub fn ops_service() -> OpenApiService<platform::ops::OpsApi, ()> {
    OpenApiService::new(platform::ops::api(), "Xiaodai operators API", VERSION).server(OPS_BASE)
}

/// The regulators' API service.
pub fn supervision_service() -> OpenApiService<supervisor_portal::SupervisionApi, ()> {
    OpenApiService::new(supervisor_portal::api(), "Xiaodai supervision API", VERSION)
        .server(SUPERVISION_BASE)
}

/// The three specs as JSON, by file name (committed under `docs/openapi/`).
pub fn specs() -> Vec<(&'static str, String)> {
    vec![
        ("api-v1.json", tenant_service().spec()),
        ("ops-v1.json", ops_service().spec()),
        ("supervision-v1.json", supervision_service().spec()),
    ]
}

/// Every area's permission rules (`ROUTES`): the catalogue the enforcing
/// middleware uses. Add a new area's `ROUTES` here.
pub fn route_rules() -> Vec<platform::rbac::RouteRule> {
    let tables: &[&[platform::rbac::RouteRule]] = &[
        tenant_app::auth::ROUTES,
        tenant_app::access::users::ROUTES,
        tenant_app::access::roles::ROUTES,
        tenant_app::access::security::ROUTES,
        tenant_app::access::audit_events::ROUTES,
        tenant_app::branches::ROUTES,
        tenant_app::schedule_previews::ROUTES,
        tenant_app::regulator_link::ROUTES,
        tenant_app::ledger::ROUTES,
        tenant_app::messaging::ROUTES,
        tenant_app::close_of_business::ROUTES,
        tenant_app::customers::records::ROUTES,
        tenant_app::customers::links::ROUTES,
        tenant_app::customers::blacklist::ROUTES,
        tenant_app::customers::handover::ROUTES,
        tenant_app::customers::merges::ROUTES,
        tenant_app::customers::attachments::ROUTES,
        tenant_app::ratings::ROUTES,
        tenant_app::limits::ROUTES,
        tenant_app::products::ROUTES,
        tenant_app::lending_settings::ROUTES,
        tenant_app::applications::records::ROUTES,
        tenant_app::approval::flows::ROUTES,
        tenant_app::approval::workflow::ROUTES,
        tenant_app::approval::queues::ROUTES,
        tenant_app::inbox::ROUTES,
        tenant_app::firm_profile::ROUTES,
        tenant_app::filings::ROUTES,
        platform::ops::ROUTES,
        supervisor_portal::ROUTES,
        supervisor_portal::filings::ROUTES,
    ];
    tables.iter().flat_map(|t| t.iter().copied()).collect()
}

/// The catalogue: the operations of the three specs with their permissions.
pub fn catalogue() -> platform::rbac::Catalogue {
    let rules = route_rules();
    platform::rbac::Catalogue::new(&rules)
        .with_spec(API_BASE, &tenant_service().spec())
        .with_spec(OPS_BASE, &ops_service().spec())
        .with_spec(SUPERVISION_BASE, &supervision_service().spec())
}

#[handler]
fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

#[handler]
async fn readyz(state: Data<&AppState>) -> Response {
    let db = sqlx::query("select 1").execute(&state.pool).await.is_ok();
    let mut redis = state.redis.clone();
    let cache = redis::cmd("PING")
        .query_async::<String>(&mut redis)
        .await
        .is_ok();
    let body = Json(serde_json::json!({
        "status": if db && cache { "ready" } else { "unavailable" },
        "postgres": if db { "ok" } else { "down" },
        "redis": if cache { "ok" } else { "down" },
    }));
    let status = if db && cache {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    body.with_status(status).into_response()
}

#[handler]
fn metrics(state: Data<&AppState>) -> Response {
    platform::http::metrics::render(state.pool.size(), state.pool.num_idle())
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}

/// The whole HTTP application.
pub fn route(state: AppState) -> impl poem::Endpoint<Output = Response> {
    let max_body = state.config.server.max_body_bytes;
    let links = platform::borrower_link::BorrowerLinks::from_config(&state.config.borrower_link);
    let api = tenant_service();
    let ops = ops_service();
    let sup = supervision_service();
    let catalogue = catalogue();
    for (method, template) in catalogue.undefined() {
        tracing::warn!(%method, %template, "operation without a permission: refused");
    }
    platform::rbac::catalogue::install(catalogue.clone());
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics))
        .at("/b/:token", get(tenant_app::borrower_page::borrower_page))
        .at(format!("{API_BASE}/openapi.json"), api.spec_endpoint())
        .nest(format!("{API_BASE}/docs"), api.swagger_ui())
        .nest(API_BASE, api)
        .at(format!("{OPS_BASE}/openapi.json"), ops.spec_endpoint())
        .nest(format!("{OPS_BASE}/docs"), ops.swagger_ui())
        .nest(OPS_BASE, ops)
        .at(
            format!("{SUPERVISION_BASE}/openapi.json"),
            sup.spec_endpoint(),
        )
        .nest(format!("{SUPERVISION_BASE}/docs"), sup.swagger_ui())
        .nest(SUPERVISION_BASE, sup)
        .with(platform::rbac::middleware::Enforce::new(
            std::sync::Arc::new(catalogue),
        ))
        .with(AddData::new(state))
        .with(AddData::new(links))
        .with(CatchPanic::new())
        .with(JsonErrors {
            max_body_bytes: max_body,
        })
        .map_to_response()
}

/// A running server.
pub struct RunningApp {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The server task.
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `addr` (port 0 picks a free port) and serves in the background.
pub async fn start(state: AppState, addr: &str) -> anyhow::Result<RunningApp> {
    let acceptor = TcpListener::bind(addr.to_string())
        .into_acceptor()
        .await
        .with_context(|| format!("failed to listen on {addr}"))?;
    let local = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("listener has no socket address")?;
    let app = route(state);
    let handle = tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });
    Ok(RunningApp {
        addr: local,
        handle,
    })
}

/// Serves until Ctrl-C, with the job workers and scheduler (`[jobs]`).
pub async fn serve(state: AppState, addr: &str) -> anyhow::Result<()> {
    let background = crate::jobs::Background::start(&state).await?;
    let app = start(state, addr).await?;
    tracing::info!(addr = %app.addr, "listening");
    let result = tokio::select! {
        res = app.handle => res.context("server task failed").and_then(|r| r.context("server failed")),
        _ = tokio::signal::ctrl_c() => { tracing::info!("shutting down"); Ok(()) }
    };
    if let Some(background) = background {
        background.shutdown().await;
    }
    result
}
