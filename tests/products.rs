//! Products (the worst-case APR against the cap, with both figures), the
//! tenant's stricter lending limits, credit rating models and ratings, credit
//! limits with reserve and release.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod lending_support;

use lending_support::assert_field;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

pub fn product_body(code: &str, max_rate: &str) -> Value {
    json!({
        "code": code, "name": "经营贷", "method": "equal_installment",
        "min_term": 3, "max_term": 12, "min_amount": "10000.00", "max_amount": "100000.00",
        "min_rate": "0.10", "max_rate": max_rate,
        "fees": [{"name": "服务费", "kind": "per_installment", "basis": "fixed", "value": "10.00"},
                 {"name": "提前还款手续费", "kind": "prepayment", "basis": "percent", "value": "0.01"}],
        "penalty_markup": "0.5", "grace_days": 3, "allocation": "interest_first_across",
        "prepayment_mode": "keep_installment", "max_extensions": 1
    })
}

#[tokio::test]
async fn products_are_checked_against_the_apr_cap_in_force() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let tok = Some(t.token.as_str());

    let (s, p) = app
        .post("/api/v1/products", tok, product_body("P1", "0.18"))
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["apr_cases"].as_array().unwrap().len(), 4);
    assert_eq!(p["apr_cap"], "0.240000");
    assert_eq!(p["allocation"], "interest_first_across");
    assert_eq!(p["fees"][1]["kind"], "prepayment");
    let (s, e) = app
        .post("/api/v1/products", tok, product_body("P1", "0.18"))
        .await;
    common::assert_error(s, &e, 409, "product_code_taken");

    // 23.5 % plus a 2 % payout fee over 3 months is far above 24 %: refused with both figures.
    let mut body = product_body("P2", "0.235");
    body["fees"] =
        json!([{"name": "咨询费", "kind": "at_payout", "basis": "percent", "value": "0.02"}]);
    let (s, e) = app.post("/api/v1/products", tok, body).await;
    assert_field(s, &e, "max_rate", "apr_above_cap");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("0.24") && msg.contains("APR 0."), "{msg}");

    // A tenant may only be stricter than its jurisdiction.
    let (s, e) = app
        .put("/api/v1/lending-settings", tok, json!({"apr_cap": "0.30"}))
        .await;
    assert_field(s, &e, "apr_cap", "looser_than_jurisdiction");
    let (s, st) = app
        .put(
            "/api/v1/lending-settings",
            tok,
            json!({"apr_cap": "0.15", "single_borrower_max": "0.05"}),
        )
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["effective"]["apr_cap"], "0.150000");
    assert_eq!(st["effective"]["related_group_max"], "0.150000");
    assert_eq!(st["jurisdiction"]["apr_cap"], "0.240000");
    let (s, e) = app
        .post("/api/v1/products", tok, product_body("P3", "0.18"))
        .await;
    assert_field(s, &e, "max_rate", "apr_above_cap");
    assert!(e["message"].as_str().unwrap().contains("0.15"), "{e}");

    // Malformed fields are named.
    let cases = vec![
        (json!({"method": "weekly"}), "method", "invalid_method"),
        (
            json!({"term_unit": "days"}),
            "term_unit",
            "day_term_not_allowed",
        ),
        (json!({"max_term": 2}), "max_term", "invalid_term"),
        (
            json!({"max_amount": "5000.00"}),
            "max_amount",
            "invalid_amount",
        ),
        (
            json!({"allocation": "random"}),
            "allocation",
            "invalid_allocation",
        ),
        (
            json!({"fees": [{"name": "x", "kind": "monthly", "basis": "fixed", "value": "1"}]}),
            "fees[0].kind",
            "invalid_fee",
        ),
        (
            json!({"fees": [{"name": "x", "kind": "late", "basis": "percent", "value": "0.1"}]}),
            "fees[0]",
            "invalid_fee",
        ),
        (json!({"code": "bad code!"}), "code", "invalid_product_code"),
    ];
    for (patch, field, code) in cases {
        let mut body = product_body("P9", "0.12");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = app.post("/api/v1/products", tok, body).await;
        assert_field(s, &e, field, code);
    }
    let (_, list) = app.get("/api/v1/products", tok).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn ratings_score_and_grade_and_limits_are_used_and_freed() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let tok = Some(t.token.as_str());
    let c = lending_support::customer(&app, &t, 7).await;
    let model = json!({
        "name": "个人资信评分卡",
        "items": [
            {"code": "housing", "name": "住房", "weight": "0.6", "kind": "options",
             "options": [{"code": "own", "label": "自有", "score": 100}, {"code": "rent", "label": "租住", "score": 50}]},
            {"code": "income", "name": "月收入", "weight": "0.4", "kind": "ranges",
             "ranges": [{"min": "0", "max": "5000", "score": 40}, {"min": "5000", "score": 90}]}
        ],
        "grades": [{"grade": "A", "min_score": 80}, {"grade": "B", "min_score": 60}, {"grade": "C", "min_score": 0}]
    });
    let (s, m) = app.post("/api/v1/rating-models", tok, model.clone()).await;
    assert_eq!(s, 201, "{m}");
    let mut bad = model.clone();
    bad["items"][1]["weight"] = json!("0.5");
    let (s, e) = app.post("/api/v1/rating-models", tok, bad).await;
    assert_field(s, &e, "items", "invalid_rating_model");
    let (s, r) = app
        .post(
            &format!("/api/v1/customers/{c}/ratings"),
            tok,
            json!({"model_id": m["id"], "answers": [{"item": "housing", "option": "rent"}, {"item": "income", "value": "8000"}]}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["score"], "66.00");
    assert_eq!(r["grade"], "B");
    assert!(r["rated_by"].as_i64().is_some());
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{c}/ratings"),
            tok,
            json!({"model_id": m["id"], "answers": [{"item": "housing", "option": "castle"}, {"item": "income", "value": "8000"}]}),
        )
        .await;
    assert_field(s, &e, "answers[0].option", "invalid_rating_answer");

    let (s, l) = app
        .post(
            &format!("/api/v1/customers/{c}/credit-limits"),
            tok,
            json!({"amount": "100000.00", "valid_from": "2026-01-01", "valid_to": "2099-12-31", "rating_id": r["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{l}");
    assert_eq!(l["available"], "100000.00");
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{c}/credit-limits"),
            tok,
            json!({"amount": "100000.00", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}),
        )
        .await;
    assert_field(s, &e, "valid_to", "invalid_validity");

    // Servicing's calls: a loan uses the limit, repaid principal frees it.
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let used = tenant_app::limits::reserve(&mut tx, c, dec!(30000))
        .await
        .unwrap();
    assert_eq!(used.available.to_string(), "70000.00");
    let err = tenant_app::limits::reserve(&mut tx, c, dec!(80000))
        .await
        .unwrap_err();
    assert_eq!(err.code, "credit_limit_exceeded");
    tenant_app::limits::release(&mut tx, c, dec!(10000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, ls) = app
        .get(&format!("/api/v1/customers/{c}/credit-limits"), tok)
        .await;
    assert_eq!(ls[0]["used"], "20000.00");

    // A replacement carries the use; a non-revolving limit is not freed.
    let (s, l2) = app
        .post(
            &format!("/api/v1/customers/{c}/credit-limits"),
            tok,
            json!({"amount": "50000.00", "valid_from": "2026-01-01", "valid_to": "2099-12-31", "revolving": false}),
        )
        .await;
    assert_eq!(s, 201, "{l2}");
    assert_eq!(l2["used"], "20000.00");
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    tenant_app::limits::release(&mut tx, c, dec!(10000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, ls) = app
        .get(&format!("/api/v1/customers/{c}/credit-limits"), tok)
        .await;
    assert_eq!(ls[0]["used"], "20000.00");
    assert_eq!(ls[1]["status"], "closed");
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{c}/credit-limits"),
            tok,
            json!({"amount": "10000.00", "valid_from": "2026-01-01", "valid_to": "2099-12-31"}),
        )
        .await;
    common::assert_error(s, &e, 409, "credit_limit_below_used");
}
