//! The loan engine through its two doors: `xiaodai schedule` and
//! `POST /api/v1/schedule-previews` give the same figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{json, Value};

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodai"))
        .arg("schedule")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_reproduces_the_bank_reference_figures_as_json() {
    let (ok, out, err) = cli(&[
        "--method",
        "equal_installment",
        "--principal",
        "1000000",
        "--rate",
        "0.049",
        "--months",
        "360",
        "--start",
        "2026-01-31",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let inst = v["installments"].as_array().unwrap();
    assert_eq!(inst.len(), 360);
    assert_eq!(inst[0]["total"], "5307.27");
    assert_eq!(inst[0]["due_date"], "2026-02-28", "month-end start clamps");
    assert_eq!(inst[1]["due_date"], "2026-03-31");
    assert_eq!(inst[359]["balance_after"], "0.00");
    assert_eq!(v["apr"], "0.0490");

    let (ok, out, _) = cli(&[
        "--method",
        "equal_principal",
        "--principal",
        "1000000",
        "--rate",
        "0.049",
        "--months",
        "360",
        "--start",
        "2026-01-15",
        "--json",
    ]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["installments"][0]["total"], "6861.11");
    assert_eq!(v["installments"][1]["total"], "6849.77");
}

#[test]
fn cli_prints_a_chinese_table_by_default_and_english_on_request() {
    let (ok, out, _) = cli(&[
        "--method",
        "interest_upfront",
        "--principal",
        "10000",
        "--rate",
        "0.12",
        "--days",
        "90",
        "--start",
        "2026-03-01",
    ]);
    assert!(ok);
    assert!(
        out.contains("期数") && out.contains("还款日") && out.contains("本金"),
        "{out}"
    );
    let (ok, out, _) = cli(&[
        "--method",
        "bullet",
        "--principal",
        "10000",
        "--rate",
        "0.12",
        "--months",
        "6",
        "--start",
        "2026-03-01",
        "--lang",
        "en",
    ]);
    assert!(ok);
    assert!(out.to_lowercase().contains("due date"), "{out}");
}

#[test]
fn cli_custom_schedule_from_a_file_and_refusals_name_the_field() {
    let dir = std::env::temp_dir().join(format!("xd-custom-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("custom.json");
    std::fs::write(&file, r#"[{"due_date":"2026-04-10","principal":"400.00"},{"due_date":"2026-07-10","principal":"600.00"}]"#).unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = cli(&[
        "--method",
        "custom",
        "--principal",
        "1000",
        "--rate",
        "0.12",
        "--start",
        "2026-01-10",
        "--custom",
        path,
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["installments"][0]["interest"], "30.00",
        "1000 × 0.12 × 90/360"
    );
    assert_eq!(
        v["installments"][1]["interest"], "18.20",
        "600 × 0.12 × 91/360 = 18.20"
    );

    let (ok, _, err) = cli(&[
        "--method",
        "custom",
        "--principal",
        "999",
        "--rate",
        "0.12",
        "--start",
        "2026-01-10",
        "--custom",
        path,
    ]);
    assert!(!ok);
    assert!(err.contains("custom"), "{err}");
    let (ok, _, err) = cli(&[
        "--method",
        "equal_installment",
        "--principal",
        "1000",
        "--rate",
        "0.12",
        "--days",
        "30",
        "--start",
        "2026-01-10",
    ]);
    assert!(!ok);
    assert!(err.contains("days"), "{err}");
    let (ok, _, err) = cli(&[
        "--method",
        "equal_installment",
        "--principal",
        "1000",
        "--rate",
        "0.30",
        "--months",
        "12",
        "--start",
        "2026-01-10",
        "--cap",
        "0.24",
    ]);
    assert!(!ok);
    assert!(err.contains("cap") || err.contains("apr"), "{err}");
}

#[tokio::test]
async fn api_gives_the_same_figures_as_the_cli_and_refuses_bad_fields() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, body) = app
        .post(
            "/api/v1/schedule-previews",
            Some(&t.token),
            json!({"method": "equal_installment", "principal": "1000000", "rate": "0.049", "months": 360, "start": "2026-01-31"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, out, _) = cli(&[
        "--method",
        "equal_installment",
        "--principal",
        "1000000",
        "--rate",
        "0.049",
        "--months",
        "360",
        "--start",
        "2026-01-31",
        "--json",
    ]);
    let from_cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(body, from_cli);

    let cases = [
        (
            json!({"method": "bullet", "principal": "0", "rate": "0.1", "months": 3, "start": "2026-01-01"}),
            "principal",
        ),
        (
            json!({"method": "bullet", "principal": "100", "rate": "1.5", "months": 3, "start": "2026-01-01"}),
            "rate",
        ),
        (
            json!({"method": "bullet", "principal": "100", "rate": "0.1", "months": 361, "start": "2026-01-01"}),
            "months",
        ),
        (
            json!({"method": "bullet", "principal": "100", "rate": "0.1", "days": 3651, "start": "2026-01-01"}),
            "days",
        ),
        (
            json!({"method": "bullet", "principal": "100", "rate": "0.1", "months": 3, "repay_day": 10, "start": "2026-01-01"}),
            "repay_day",
        ),
        (
            json!({"method": "equal_installment", "principal": "100", "rate": "0.1", "months": 3, "repay_day": 29, "start": "2026-01-01"}),
            "repay_day",
        ),
        (
            json!({"method": "bullet", "principal": "100.001", "rate": "0.1", "months": 3, "start": "2026-01-01"}),
            "principal",
        ),
        (
            json!({"method": "equal_installment", "principal": "100000", "rate": "0.3", "months": 12, "start": "2026-01-01", "cap": "0.24"}),
            "rate",
        ),
    ];
    for (input, field) in cases {
        let (s, b) = app
            .post("/api/v1/schedule-previews", Some(&t.token), input.clone())
            .await;
        assert_eq!(s, 422, "{input} → {b}");
        assert_eq!(b["field"], field, "{input} → {b}");
        assert!(b["code"].as_str().is_some_and(|c| !c.is_empty()));
    }
    let (s, b) = app
        .post("/api/v1/schedule-previews", Some(&t.token), json!({"method": "bullet", "principal": 100, "rate": "0.1", "months": 3, "start": "2026-01-01"}))
        .await;
    common::assert_error(s, &b, 400, "invalid_body");
    assert!(
        b["message"].as_str().unwrap().contains("JSON number"),
        "{b}"
    );
    let (s, b) = app.post("/api/v1/schedule-previews", None, json!({})).await;
    common::assert_error(s, &b, 401, "unauthorized");
}
