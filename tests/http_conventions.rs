//! Every failure is the JSON error with a stable code; health, readiness,
//! metrics and the committed OpenAPI specs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{json, Value};

#[tokio::test]
async fn malformed_requests_of_every_kind_get_the_json_error() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let url = |p: &str| format!("{}{}", app.base, p);

    let (s, b) = app.get("/no/such/route", None).await;
    common::assert_error(s, &b, 404, "route_not_found");

    let (s, b) = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/branches",
            Some(&t.token),
            None,
        )
        .await;
    common::assert_error(s, &b, 405, "method_not_allowed");

    let resp = app
        .client
        .post(url("/api/v1/branches"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body("{\"code\": \"X\",")
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    let b: Value = resp.json().await.unwrap();
    common::assert_error(s, &b, 400, "malformed_json");

    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": ["X"], "name": "x"}),
        )
        .await;
    common::assert_error(s, &b, 400, "invalid_body");
    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"name": "missing code"}),
        )
        .await;
    common::assert_error(s, &b, 400, "invalid_body");

    let (s, b) = app.get("/api/v1/branches/abc", Some(&t.token)).await;
    common::assert_error(s, &b, 400, "invalid_parameter");
    let (s, b) = app
        .get("/api/v1/branches?per_page=100000", Some(&t.token))
        .await;
    common::assert_error(s, &b, 422, "invalid_per_page");

    let (s, b) = app.get("/api/v1/branches", None).await;
    common::assert_error(s, &b, 401, "unauthorized");
    let (s, b) = app.get("/api/v1/branches", Some("not-a-real-token")).await;
    common::assert_error(s, &b, 401, "unauthorized");

    let big = "x".repeat(app.state.config.server.max_body_bytes + 10);
    let resp = app
        .client
        .post(url("/api/v1/branches"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body(format!("{{\"code\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    let b: Value = resp.json().await.unwrap();
    common::assert_error(s, &b, 413, "payload_too_large");

    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "bad code!", "name": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_branch_code");
    assert_eq!(b["field"], "code");
    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "OK", "name": "   "}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_branch_name");
    assert_eq!(b["field"], "name");
}

#[tokio::test]
async fn the_request_id_is_echoed_and_named_in_errors() {
    let app = common::spawn().await;
    let resp = app
        .client
        .get(format!("{}/api/v1/branches", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["request_id"], "abc-123");
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(generated, "bad id with spaces");
    assert_eq!(generated.len(), 36);
}

#[tokio::test]
async fn branches_list_create_rename_close_with_pagination() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    for i in 0..5 {
        let (s, b) = app
            .post(
                "/api/v1/branches",
                Some(&t.token),
                json!({"code": format!("B{i}"), "name": format!("支行{i}")}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        assert!(b["id"].as_i64().is_some());
    }
    let (s, b) = app
        .post(
            "/api/v1/branches",
            Some(&t.token),
            json!({"code": "B1", "name": "dup"}),
        )
        .await;
    common::assert_error(s, &b, 409, "branch_code_taken");

    let (_, page1) = app
        .get("/api/v1/branches?per_page=2&page=1", Some(&t.token))
        .await;
    assert_eq!(page1["total"], 6, "HQ plus five");
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    let (_, page3) = app
        .get("/api/v1/branches?per_page=2&page=3", Some(&t.token))
        .await;
    assert_eq!(page3["items"].as_array().unwrap().len(), 2);
    let (_, found) = app
        .get("/api/v1/branches?q=%E6%94%AF%E8%A1%8C3", Some(&t.token))
        .await;
    assert_eq!(found["total"], 1);
    let id = found["items"][0]["id"].as_i64().unwrap();

    let (s, b) = app
        .patch(
            &format!("/api/v1/branches/{id}"),
            Some(&t.token),
            json!({"name": "新名字"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["name"], "新名字");
    let (s, b) = app
        .post(
            &format!("/api/v1/branches/{id}/close"),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["status"], "closed");
    let (s, b) = app
        .post(
            &format!("/api/v1/branches/{id}/close"),
            Some(&t.token),
            json!({}),
        )
        .await;
    common::assert_error(s, &b, 409, "branch_closed");
    let (_, closed) = app
        .get("/api/v1/branches?status=closed", Some(&t.token))
        .await;
    assert_eq!(closed["total"], 1);
    let (s, b) = app.get("/api/v1/branches/999999", Some(&t.token)).await;
    common::assert_error(s, &b, 404, "not_found");

    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let trail: Vec<(String, String, serde_json::Value)> = sqlx::query_as(
        "select action, actor_name, diff from audit_events where entity_type = 'branch' and entity_id = $1 order by id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, ["branch.create", "branch.rename", "branch.close"]);
    assert_eq!(trail[1].1, "admin");
    assert_eq!(trail[1].2["name"], json!(["支行3", "新名字"]));
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = common::spawn().await;
    let (s, b) = app.get("/healthz", None).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")));
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["postgres"], "ok");
    assert_eq!(b["redis"], "ok");
    app.get("/api/v1/branches/17", None).await;
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("xiaodai_http_requests_total{method=\"GET\",route=\"/api/v1/branches/:param0\",status=\"401\"}"), "{text}");
    assert!(text.contains("xiaodai_db_pool_connections{state=\"open\"}"));
}

#[tokio::test]
async fn specs_and_docs_are_served_without_a_token() {
    let app = common::spawn().await;
    for base in ["/api/v1", "/ops/v1", "/supervision/v1"] {
        let (s, spec) = app.get(&format!("{base}/openapi.json"), None).await;
        assert_eq!(s, 200, "{base}");
        assert_eq!(spec["servers"][0]["url"], base);
        let resp = app
            .client
            .get(format!("{}{base}/docs", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{base}/docs");
    }
}

#[test]
fn committed_openapi_specs_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi");
    for (name, spec) in xiaodai::app::specs() {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert_eq!(
            committed.trim_end(),
            spec.trim_end(),
            "docs/openapi/{name} is stale: run `cargo run -- openapi` and commit the result"
        );
    }
}
