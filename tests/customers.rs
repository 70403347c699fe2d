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

#[tokio::test]
async fn links_form_groups_and_blacklist_handover_merge_and_attachments_work() {
    use base64::Engine;
    let app = common::spawn().await;
    let t = app.tenant().await;
    let tok = Some(t.token.as_str());
    let a = lending_support::customer(&app, &t, 1).await;
    let b = lending_support::customer(&app, &t, 2).await;
    let c = lending_support::customer(&app, &t, 3).await;
    let d = lending_support::customer(&app, &t, 4).await;

    // a–b and b–c link into one group named by the smallest id; d stays alone.
    let (s, l1) = app
        .post(
            &format!("/api/v1/customers/{a}/links"),
            tok,
            json!({"related_id": b, "kind": "family"}),
        )
        .await;
    assert_eq!(s, 201, "{l1}");
    let (s, l2) = app
        .post(
            &format!("/api/v1/customers/{c}/links"),
            tok,
            json!({"related_id": b, "kind": "guarantor"}),
        )
        .await;
    assert_eq!(s, 201, "{l2}");
    let (_, g) = app.get(&format!("/api/v1/customers/{c}/links"), tok).await;
    assert_eq!(g["group_id"], a);
    assert_eq!(g["group_members"], json!([a, b, c]));
    let (_, p) = app
        .get(&format!("/api/v1/customers?group_id={a}"), tok)
        .await;
    assert_eq!(p["total"], 3);
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{b}/links"),
            tok,
            json!({"related_id": a, "kind": "family"}),
        )
        .await;
    common::assert_error(s, &e, 409, "link_exists");
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{a}/links"),
            tok,
            json!({"related_id": a, "kind": "family"}),
        )
        .await;
    assert_field(s, &e, "related_id", "self_link");
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{a}/links"),
            tok,
            json!({"related_id": d, "kind": "cousin"}),
        )
        .await;
    assert_field(s, &e, "kind", "invalid_link_kind");
    // Removing a–b splits: a alone, b and c a group named b.
    let (s, _) = app
        .delete(&format!("/api/v1/customers/{a}/links/{}", l1["id"]), tok)
        .await;
    assert_eq!(s, 200);
    let (_, ca) = app.get(&format!("/api/v1/customers/{a}"), tok).await;
    assert!(ca["group_id"].is_null(), "{ca}");
    let (_, cc) = app.get(&format!("/api/v1/customers/{c}"), tok).await;
    assert_eq!(cc["group_id"], b);

    // Blacklist with reason and date; twice is refused; removal keeps history.
    let (s, bl) = app
        .post(
            &format!("/api/v1/customers/{d}/blacklist"),
            tok,
            json!({"reason": "恶意逃债"}),
        )
        .await;
    assert_eq!(s, 200, "{bl}");
    assert_eq!(bl["blacklisted"], true);
    assert_eq!(bl["blacklist_reason"], "恶意逃债");
    assert!(bl["blacklisted_at"].is_string());
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{d}/blacklist"),
            tok,
            json!({"reason": "again"}),
        )
        .await;
    common::assert_error(s, &e, 409, "already_blacklisted");
    let (_, p) = app.get("/api/v1/customers?blacklisted=true", tok).await;
    assert_eq!(p["total"], 1);
    let (s, _) = app
        .post(
            &format!("/api/v1/customers/{d}/blacklist/remove"),
            tok,
            json!({"reason": "已结清"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, h) = app
        .get(&format!("/api/v1/customers/{d}/blacklist"), tok)
        .await;
    assert_eq!(h.as_array().unwrap().len(), 2);

    // Hand-over to another manager.
    let (other_id, other) =
        lending_support::staff(&app, &t, "manager2", &["customer_manager"]).await;
    let (s, ho) = app
        .post(
            &format!("/api/v1/customers/{a}/handover"),
            tok,
            json!({"to_manager_id": other_id, "reason": "调岗"}),
        )
        .await;
    assert_eq!(s, 200, "{ho}");
    assert_eq!(ho["manager_id"], other_id);
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{a}/handover"),
            tok,
            json!({"to_manager_id": other_id, "reason": "调岗"}),
        )
        .await;
    common::assert_error(s, &e, 409, "same_manager");
    let (_, hs) = app
        .get(&format!("/api/v1/customers/{a}/handovers"), tok)
        .await;
    assert_eq!(hs.as_array().unwrap().len(), 1);

    // Attachments: content-addressed, typed from content, size-limited.
    let pdf = b"%PDF-1.4\n% test file\n".to_vec();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let (s, at) = app
        .post(
            &format!("/api/v1/customers/{c}/attachments"),
            tok,
            json!({"file_name": "身份证.pdf", "category": "id_card", "content_base64": b64}),
        )
        .await;
    assert_eq!(s, 201, "{at}");
    assert_eq!(at["content_type"], "application/pdf");
    let (s, _) = app
        .post(
            &format!("/api/v1/customers/{c}/attachments"),
            tok,
            json!({"file_name": "copy.pdf", "content_base64": b64}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(count(&app, &t, "attachment_blobs").await, 1);
    let (s, e) = app
        .post(&format!("/api/v1/customers/{c}/attachments"), tok, json!({"file_name": "x.exe", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00binary")}))
        .await;
    assert_field(s, &e, "content_base64", "attachment_type_not_allowed");
    let big = base64::engine::general_purpose::STANDARD
        .encode([b"%PDF-".to_vec(), vec![b'a'; 1024 * 1024]].concat());
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{c}/attachments"),
            tok,
            json!({"file_name": "big.pdf", "content_base64": big}),
        )
        .await;
    assert!(s == 422 || s == 413, "{s} {e}");
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/customers/{c}/attachments/{}/content",
            app.base, at["id"]
        ))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);

    // Merge of a duplicate: asked by one person, approved by a second; the
    // duplicate's links and attachments move to the kept customer.
    let (s, m) = app
        .post(
            "/api/v1/customer-merges",
            tok,
            json!({"source_id": c, "target_id": d, "reason": "同一人重复建档"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let mid = m["id"].as_i64().unwrap();
    let (s, e) = app
        .post(
            &format!("/api/v1/customer-merges/{mid}/approve"),
            tok,
            json!({"opinion": "同意"}),
        )
        .await;
    common::assert_error(s, &e, 403, "same_person");
    let (s, m) = app
        .post(
            &format!("/api/v1/customer-merges/{mid}/approve"),
            Some(&other),
            json!({"opinion": "同意"}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["status"], "approved");
    let (_, src) = app.get(&format!("/api/v1/customers/{c}"), tok).await;
    assert_eq!(src["status"], "merged");
    assert_eq!(src["merged_into"], d);
    let (_, dl) = app.get(&format!("/api/v1/customers/{d}/links"), tok).await;
    assert_eq!(dl["group_members"], json!([b, d]));
    let (_, da) = app
        .get(&format!("/api/v1/customers/{d}/attachments"), tok)
        .await;
    assert_eq!(da.as_array().unwrap().len(), 2);
    let (s, e) = app
        .post(
            &format!("/api/v1/customer-merges/{mid}/reject"),
            Some(&other),
            json!({"opinion": "x"}),
        )
        .await;
    common::assert_error(s, &e, 409, "merge_decided");
}
