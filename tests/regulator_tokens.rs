//! Realm separation: a regulator's token is refused by every write of the
//! staff API and the operators' API (operations read from the committed specs).

mod common;

use serde_json::{json, Value};

#[tokio::test]
async fn every_staff_and_operator_write_refuses_a_regulator_token() {
    let app = common::spawn().await;
    let reg = app.regulator_token(&["310000"]).await;
    let mut checked = 0;
    for (file, prefix) in [
        ("docs/openapi/api-v1.json", "/api/v1"),
        ("docs/openapi/ops-v1.json", "/ops/v1"),
    ] {
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let base = spec["servers"][0]["url"]
            .as_str()
            .unwrap_or(prefix)
            .to_string();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for method in ["post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                // public operations (login, sign-up, password reset) take no token at all
                if op["security"].as_array().is_none_or(|s| s.is_empty()) {
                    continue;
                }
                let concrete: String = path
                    .split('/')
                    .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/");
                let url = format!("{base}{concrete}");
                let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let (s, b) = app.send(m, &url, Some(&reg), Some(json!({}))).await;
                assert!(
                    s == 401 || s == 403,
                    "{method} {url} with a regulator token gave {s}: {b}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "only {checked} writes found");
}
