//! Customers: ID number and credit code checks, duplicates, malformed fields
//! naming the field, search with filters and pagination.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod lending_support;

use lending_support::{assert_field, count, id_card};
use serde_json::json;

#[tokio::test]
async fn customers_are_checked_unique_and_searchable() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let tok = Some(t.token.as_str());

    let (s, c) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({
                "kind": "individual", "name": "张三", "id_number": id_card(1), "mobile": "13912345678",
                "individual": {
                    "occupation": "个体户", "monthly_income": "8000.00",
                    "family_members": [{"name": "李四", "relation": "spouse", "id_card_number": id_card(2)}],
                    "business": {"name": "张三小卖部", "industry_code": "F52"}
                }
            }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["birth_date"], "1990-03-07");
    assert_eq!(c["individual"]["family_members"][0]["name"], "李四");
    assert_eq!(c["individual"]["monthly_income"], "8000.00");
    assert!(c["branch_id"].as_i64().is_some());
    assert!(c["manager_id"].as_i64().is_some());
    let first = c["id"].as_i64().unwrap();

    // The same ID number (lower-case x normalised) is a duplicate.
    let (s, e) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({"kind": "individual", "name": "张三二", "id_number": id_card(1)}),
        )
        .await;
    common::assert_error(s, &e, 409, "customer_duplicate");

    // Bad ID number: checksum, length.
    let mut bad = id_card(3);
    let last = bad.pop().unwrap();
    bad.push(if last == '1' { '2' } else { '1' });
    let (s, e) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({"kind": "individual", "name": "王五", "id_number": bad}),
        )
        .await;
    assert_field(s, &e, "id_number", "invalid_id_card");
    let (s, e) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({"kind": "individual", "name": "王五", "id_number": "12345"}),
        )
        .await;
    assert_field(s, &e, "id_number", "invalid_id_card");

    // Companies need a valid credit code.
    let code = common::credit_code();
    let mut bad_code = code.clone();
    let last = bad_code.pop().unwrap();
    bad_code.push(if last == '0' { '1' } else { '0' });
    let (s, e) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({"kind": "company", "name": "某某公司", "id_number": bad_code}),
        )
        .await;
    assert_field(s, &e, "id_number", "invalid_credit_code");
    let (s, co) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({
                "kind": "company", "name": "上海某某贸易有限公司", "id_number": code,
                "company": {
                    "registration": {"registered_capital": "1000000.00", "industry_code": "F51"},
                    "legal_representative": {"name": "赵六", "id_card_number": id_card(4)},
                    "shareholders": [{"name": "赵六", "share": "0.6"}],
                    "bank_accounts": [{"bank": "工商银行", "account_name": "上海某某贸易有限公司", "account_number": "6222020200112233"}]
                }
            }),
        )
        .await;
    assert_eq!(s, 201, "{co}");
    assert_eq!(co["company"]["shareholders"][0]["share"], "0.600000");

    // Malformed fields are named.
    let cases = vec![
        (
            json!({"kind": "individual", "name": "", "id_number": id_card(5)}),
            "name",
            "invalid_customer_name",
        ),
        (
            json!({"kind": "person", "name": "甲", "id_number": id_card(5)}),
            "kind",
            "invalid_customer_kind",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "mobile": "12345"}),
            "mobile",
            "invalid_mobile",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "email": "not-an-email"}),
            "email",
            "invalid_email",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "individual": {"family_members": [{"name": "乙", "relation": "child", "id_card_number": "110101199003070000"}]}}),
            "individual.family_members[0].id_card_number",
            "invalid_id_card",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "individual": {"business": {"industry_code": "Z99"}}}),
            "individual.business.industry_code",
            "invalid_industry_code",
        ),
        (
            json!({"kind": "company", "name": "甲", "id_number": common::credit_code(), "company": {"bank_accounts": [{"bank": "工行", "account_name": "甲", "account_number": "12ab"}]}}),
            "company.bank_accounts[0].account_number",
            "invalid_account_number",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "company": {}}),
            "company",
            "profile_kind_mismatch",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "branch_id": 999999}),
            "branch_id",
            "unknown_branch",
        ),
        (
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "manager_id": 999999}),
            "manager_id",
            "unknown_user",
        ),
    ];
    for (body, field, code) in cases {
        let (s, e) = app.post("/api/v1/customers", tok, body).await;
        assert_field(s, &e, field, code);
    }
    // A JSON number for an amount is refused.
    let (s, e) = app
        .post(
            "/api/v1/customers",
            tok,
            json!({"kind": "individual", "name": "甲", "id_number": id_card(5), "individual": {"monthly_income": 100}}),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(count(&app, &t, "customers").await, 2);

    // Update keeps what is not given and validates what is.
    let (s, u) = app
        .patch(
            &format!("/api/v1/customers/{first}"),
            tok,
            json!({"address": "北京市东城区某街1号", "mobile": "13700000000"}),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["mobile"], "13700000000");
    assert_eq!(u["individual"]["occupation"], "个体户");
    let (s, e) = app
        .patch(
            &format!("/api/v1/customers/{first}"),
            tok,
            json!({"mobile": "1"}),
        )
        .await;
    assert_field(s, &e, "mobile", "invalid_mobile");

    // Search, filters, pagination.
    for seq in 10..15 {
        lending_support::customer(&app, &t, seq).await;
    }
    let (s, p) = app
        .get("/api/v1/customers?kind=individual&per_page=2&page=2", tok)
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["total"], 6);
    assert_eq!(p["items"].as_array().unwrap().len(), 2);
    let (_, p) = app.get("/api/v1/customers?q=%E5%BC%A0%E4%B8%89", tok).await;
    assert_eq!(p["total"], 1);
    let (_, p) = app
        .get(&format!("/api/v1/customers?q={}", &id_card(12)[..18]), tok)
        .await;
    assert_eq!(p["total"], 1);
    let (_, p) = app.get("/api/v1/customers?kind=company", tok).await;
    assert_eq!(p["total"], 1);
    let (s, e) = app.get("/api/v1/customers?per_page=500", tok).await;
    assert_field(s, &e, "per_page", "invalid_per_page");
    let (s, e) = app.get("/api/v1/customers/999999", tok).await;
    common::assert_error(s, &e, 404, "not_found");

    // Another tenant sees none of them.
    let other = app.tenant().await;
    let (s, e) = app
        .get(&format!("/api/v1/customers/{first}"), Some(&other.token))
        .await;
    common::assert_error(s, &e, 404, "not_found");
}
