//! Applications and the approval workflow: two flows configured through the
//! API, each walked on every path (straight through, returned and
//! resubmitted, rejected, committee votes for and against, an authority limit
//! forcing an extra step, the creator refused); every limit breach at
//! submission with its own code and nothing changed; the queues and inbox;
//! the approved terms for servicing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod lending_support;

use lending_support::{assert_field, count, staff};
use serde_json::{json, Value};

struct World {
    app: common::TestApp,
    t: common::TestTenant,
    /// Customer manager, also holding `reviewer` (to show a creator is refused).
    manager: String,
    reviewer: String,
    approver: String,
    gm: String,
    members: Vec<String>,
    product_a: i64,
    product_b: i64,
}

fn first_of_month() -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    today.format("%Y-%m-01").to_string()
}

async fn world() -> World {
    let app = common::spawn().await;
    let t = app.tenant().await;
    // A role with unlimited authority, defined by the tenant.
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    sqlx::query("insert into roles (code, name) values ('general_manager', '总经理')")
        .execute(&mut *tx)
        .await
        .unwrap();
    for p in ["application.*", "customer.read", "scope.all_branches"] {
        sqlx::query(
            "insert into role_permissions (role_code, permission) values ('general_manager', $1)",
        )
        .bind(p)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let (_, manager) = staff(&app, &t, "manager", &["customer_manager", "reviewer"]).await;
    let (_, reviewer) = staff(&app, &t, "reviewer1", &["reviewer"]).await;
    let (_, approver) = staff(&app, &t, "approver1", &["approver"]).await;
    let (_, gm) = staff(&app, &t, "gm1", &["general_manager"]).await;
    let mut members = Vec::new();
    for i in 1..=3 {
        members.push(
            staff(&app, &t, &format!("member{i}"), &["committee"])
                .await
                .1,
        );
    }
    let (_, finance) = staff(&app, &t, "finance1", &["finance"]).await;
    // Net assets 1,000,000 from the ledger's opening balances.
    let (s, b) = app
        .post(
            "/api/v1/ledger/bank-accounts",
            Some(&t.token),
            json!({"bank_name": "中国工商银行", "branch_name": "上海分行", "account_number": "6222000011112222", "opened_on": "2025-06-01"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, v) = app
        .post(
            "/api/v1/ledger/manual-vouchers",
            Some(&t.token),
            json!({"kind": "opening_balance", "voucher_date": first_of_month(), "memo": "期初", "lines": [
                {"account": "1002.01", "debit": "1000000.00"}, {"account": "4001", "credit": "1000000.00"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let vid = v["id"].as_i64().unwrap();
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{vid}/review"),
            Some(&finance),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(
            &format!("/api/v1/ledger/manual-vouchers/{vid}/post"),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let mut ids = Vec::new();
    for code in ["PA", "PB"] {
        let (s, p) = app
            .post(
                "/api/v1/products",
                Some(&t.token),
                json!({"code": code, "name": format!("产品{code}"), "method": "equal_installment",
                       "min_term": 3, "max_term": 12, "min_amount": "10000.00", "max_amount": "200000.00",
                       "min_rate": "0.10", "max_rate": "0.18"}),
            )
            .await;
        assert_eq!(s, 201, "{p}");
        ids.push(p["id"].as_i64().unwrap());
    }
    World {
        app,
        t,
        manager,
        reviewer,
        approver,
        gm,
        members,
        product_a: ids[0],
        product_b: ids[1],
    }
}

impl World {
    fn admin(&self) -> Option<&str> {
        Some(self.t.token.as_str())
    }

    /// A customer with a large credit limit.
    async fn customer(&self, seq: u32) -> i64 {
        let c = lending_support::customer(&self.app, &self.t, seq).await;
        let (s, l) = self
            .app
            .post(
                &format!("/api/v1/customers/{c}/credit-limits"),
                self.admin(),
                json!({"amount": "500000.00", "valid_from": "2026-01-01", "valid_to": "2099-12-31"}),
            )
            .await;
        assert_eq!(s, 201, "{l}");
        c
    }

    /// A draft by the manager.
    async fn draft(&self, customer: i64, product: i64, amount: &str) -> i64 {
        let (s, a) = self
            .app
            .post(
                "/api/v1/applications",
                Some(&self.manager),
                json!({"customer_id": customer, "product_id": product, "amount": amount, "term": 12, "rate": "0.12",
                       "purpose": "进货周转", "industry_code": "F52", "security_kinds": ["credit"]}),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        a["id"].as_i64().unwrap()
    }

    async fn submit(&self, id: i64) -> (u16, Value) {
        self.app
            .post(
                &format!("/api/v1/applications/{id}/submit"),
                Some(&self.manager),
                json!({"opinion": "请审批"}),
            )
            .await
    }

    async fn decide(&self, token: &str, id: i64, decision: &str) -> (u16, Value) {
        self.app
            .post(
                &format!("/api/v1/applications/{id}/decisions"),
                Some(token),
                json!({"decision": decision, "opinion": format!("{decision} 意见")}),
            )
            .await
    }

    async fn ok(&self, token: &str, id: i64, decision: &str) -> Value {
        let (s, a) = self.decide(token, id, decision).await;
        assert_eq!(s, 200, "{a}");
        a
    }

    async fn queue(&self, token: &str, queue: &str) -> Vec<i64> {
        let (s, q) = self
            .app
            .get(
                &format!("/api/v1/approval-queue?queue={queue}"),
                Some(token),
            )
            .await;
        assert_eq!(s, 200, "{q}");
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    }
}

async fn configure_flows(w: &World) -> (i64, i64) {
    // Flow A, product PA below 95,000: review → committee 2 of 3 → final
    // approval; the approver's authority ends at 60,000, then the general manager.
    let (s, a) = w
        .app
        .post(
            "/api/v1/approval-flows",
            w.admin(),
            json!({"name": "经营贷流程", "product_id": w.product_a, "max_amount": "95000.00",
                   "steps": [{"name": "初审", "kind": "role", "role": "reviewer"},
                             {"name": "审贷会", "kind": "committee", "role": "committee", "committee_size": 3, "votes_needed": 2},
                             {"name": "终审", "kind": "role", "role": "approver"}],
                   "authority_limits": [{"role": "approver", "max_amount": "60000.00"}, {"role": "general_manager"}]}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    // Flow B, any product: review → unanimous committee (3 of 3) with
    // authority to 50,000, above that the approver.
    let (s, b) = w
        .app
        .post(
            "/api/v1/approval-flows",
            w.admin(),
            json!({"name": "通用流程",
                   "steps": [{"name": "审查", "kind": "role", "role": "reviewer"},
                             {"name": "审贷会", "kind": "committee", "role": "committee", "committee_size": 3, "votes_needed": 3}],
                   "authority_limits": [{"role": "committee", "max_amount": "50000.00"}, {"role": "approver", "max_amount": "1000000.00"}]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // Malformed flows name the field.
    let (s, e) = w
        .app
        .post("/api/v1/approval-flows", w.admin(), json!({"name": "x", "steps": [{"name": "a", "kind": "committee", "role": "committee", "committee_size": 2, "votes_needed": 3}]}))
        .await;
    assert_field(s, &e, "steps[0].votes_needed", "invalid_flow");
    let (s, e) = w
        .app
        .post(
            "/api/v1/approval-flows",
            w.admin(),
            json!({"name": "x", "steps": [{"name": "a", "kind": "role", "role": "wizard"}]}),
        )
        .await;
    assert_field(s, &e, "steps[0].role", "unknown_role");
    (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap())
}

#[tokio::test]
async fn flow_a_every_path() {
    let w = world().await;
    let (flow_a, _) = configure_flows(&w).await;
    let [m1, m2, m3] = [&w.members[0], &w.members[1], &w.members[2]];

    // Straight through (50,000: within the approver's authority).
    let c1 = w.customer(1).await;
    let id = w.draft(c1, w.product_a, "50000.00").await;
    let (s, a) = w.submit(id).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "in_review");
    assert_eq!(a["flow_id"], flow_a);
    assert_eq!(a["current_step"], 1);
    assert!(w.queue(&w.reviewer, "pending").await.contains(&id));
    assert!(
        !w.queue(&w.manager, "pending").await.contains(&id),
        "a creator never sees their own in pending"
    );
    let (_, inbox) = w
        .app
        .get("/api/v1/inbox?unread=true", Some(&w.reviewer))
        .await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["entity_id"] == id),
        "{inbox}"
    );
    // The creator holds the reviewer role but may never decide; others without the role neither.
    let (s, e) = w.decide(&w.manager, id, "approve").await;
    common::assert_error(s, &e, 403, "creator_cannot_approve");
    let (s, e) = w.decide(&w.approver, id, "approve").await;
    common::assert_error(s, &e, 403, "not_your_step");
    w.ok(&w.reviewer, id, "approve").await;
    assert!(w.queue(&w.reviewer, "done").await.contains(&id));
    let a = w.ok(m1, id, "approve").await;
    assert_eq!(a["current_step"], 2, "one vote of two");
    let (s, e) = w.decide(m1, id, "approve").await;
    common::assert_error(s, &e, 409, "already_voted");
    assert!(!w.queue(m1, "pending").await.contains(&id));
    assert!(w.queue(m2, "pending").await.contains(&id));
    let a = w.ok(m2, id, "approve").await;
    assert_eq!(a["current_step"], 3);
    let a = w.ok(&w.approver, id, "approve").await;
    assert_eq!(a["status"], "approved");
    let (_, rec) = w
        .app
        .get(&format!("/api/v1/applications/{id}/approval"), w.admin())
        .await;
    let actions: Vec<&str> = rec["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "approve", "vote_for", "vote_for", "approve"]
    );
    assert!(rec["actions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["opinion"].is_string()));

    // The approved terms for servicing.
    let mut tx = platform::tenancy::begin(&w.app.state.pool, &w.t.created.tenant)
        .await
        .unwrap();
    let terms = tenant_app::applications::approved_terms(&mut tx, id)
        .await
        .unwrap();
    assert_eq!(terms.customer_id, c1);
    assert_eq!(terms.principal.to_string(), "50000.00");
    assert_eq!(terms.method, loan_engine::Method::EqualInstallment);
    assert_eq!(terms.term, loan_engine::Term::Months(12));
    assert_eq!(terms.product_snapshot["code"], "PA");
    tx.rollback().await.unwrap();

    // Returned and resubmitted: the committee returns to the review, the
    // review returns to the applicant, who changes the terms and resubmits.
    let c2 = w.customer(2).await;
    let id = w.draft(c2, w.product_a, "40000.00").await;
    w.submit(id).await;
    w.ok(&w.reviewer, id, "approve").await;
    let a = w.ok(m3, id, "return").await;
    assert_eq!(a["current_step"], 1);
    assert!(w.queue(&w.reviewer, "returned").await.contains(&id));
    let a = w.ok(&w.reviewer, id, "return").await;
    assert_eq!(a["status"], "returned");
    assert!(w.queue(&w.manager, "returned").await.contains(&id));
    let (s, e) = w.decide(&w.reviewer, id, "approve").await;
    common::assert_error(s, &e, 409, "application_not_in_review");
    let (s, a) = w
        .app
        .put(
            &format!("/api/v1/applications/{id}"),
            Some(&w.manager),
            json!({"customer_id": c2, "product_id": w.product_a, "amount": "30000.00", "term": 6, "rate": "0.12",
                   "purpose": "进货周转", "industry_code": "F52", "security_kinds": ["credit"]}),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    let (s, a) = w.submit(id).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["current_step"], 1);
    w.ok(&w.reviewer, id, "approve").await;
    w.ok(m1, id, "approve").await;
    w.ok(m3, id, "approve").await;
    let a = w.ok(&w.approver, id, "approve").await;
    assert_eq!(a["status"], "approved");
    assert_eq!(a["amount"], "30000.00");

    // Rejected at the review.
    let c3 = w.customer(3).await;
    let id = w.draft(c3, w.product_a, "20000.00").await;
    w.submit(id).await;
    let a = w.ok(&w.reviewer, id, "reject").await;
    assert_eq!(a["status"], "rejected");
    let (_, inbox) = w.app.get("/api/v1/inbox", Some(&w.manager)).await;
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["entity_id"] == id && m["subject"].as_str().unwrap().contains("否决")));

    // Committee with votes for and against: 2 for 1 against passes; 2 against fails.
    let c4 = w.customer(4).await;
    let id = w.draft(c4, w.product_a, "20000.00").await;
    w.submit(id).await;
    w.ok(&w.reviewer, id, "approve").await;
    w.ok(m1, id, "approve").await;
    let a = w.ok(m2, id, "reject").await;
    assert_eq!(a["current_step"], 2);
    let a = w.ok(m3, id, "approve").await;
    assert_eq!(a["current_step"], 3);
    let id2 = w.draft(c4, w.product_a, "20000.00").await;
    w.submit(id2).await;
    w.ok(&w.reviewer, id2, "approve").await;
    w.ok(m1, id2, "reject").await;
    let a = w.ok(m2, id2, "reject").await;
    assert_eq!(a["status"], "rejected");

    // Authority limit: 100,000 is above the approver's 60,000: an extra step for the general manager.
    let c5 = w.customer(5).await;
    let id = w.draft(c5, w.product_a, "90000.00").await;
    w.submit(id).await;
    let (_, rec) = w
        .app
        .get(&format!("/api/v1/applications/{id}/approval"), w.admin())
        .await;
    assert_eq!(rec["steps"].as_array().unwrap().len(), 4);
    assert_eq!(rec["steps"][3]["role"], "general_manager");
    assert_eq!(rec["steps"][3]["extra"], true);
    w.ok(&w.reviewer, id, "approve").await;
    w.ok(m1, id, "approve").await;
    w.ok(m2, id, "approve").await;
    let a = w.ok(&w.approver, id, "approve").await;
    assert_eq!(a["status"], "in_review");
    assert_eq!(a["current_step"], 4);
    let a = w.ok(&w.gm, id, "approve").await;
    assert_eq!(a["status"], "approved");

    // The band: PA at 95,000 or more has no flow (flow B names no product,
    // so it covers PA too; retire it to show the refusal).
    let (_, flows) = w.app.get("/api/v1/approval-flows", w.admin()).await;
    let flow_b = flows[1]["id"].as_i64().unwrap();
    let (s, _) = w
        .app
        .post(
            &format!("/api/v1/approval-flows/{flow_b}/retire"),
            w.admin(),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let c6 = w.customer(6).await;
    let id = w.draft(c6, w.product_a, "95000.00").await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "no_approval_flow");
    assert!(w.queue(&w.admin().unwrap().to_string(), "all").await.len() >= 7);
}

#[tokio::test]
async fn flow_b_every_path() {
    let w = world().await;
    let (_, flow_b) = configure_flows(&w).await;
    let [m1, m2, m3] = [&w.members[0], &w.members[1], &w.members[2]];

    // Straight through: product PB uses the general flow; unanimous committee.
    let c1 = w.customer(1).await;
    let id = w.draft(c1, w.product_b, "30000.00").await;
    let (s, a) = w.submit(id).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["flow_id"], flow_b);
    let (s, e) = w.decide(&w.manager, id, "approve").await;
    common::assert_error(s, &e, 403, "creator_cannot_approve");
    w.ok(&w.reviewer, id, "approve").await;
    let (s, e) = w.decide(&w.reviewer, id, "approve").await;
    common::assert_error(s, &e, 403, "not_your_step");
    w.ok(m1, id, "approve").await;
    w.ok(m2, id, "approve").await;
    let a = w.ok(m3, id, "approve").await;
    assert_eq!(a["status"], "approved");

    // Returned from the first step to the applicant, then resubmitted.
    let c2 = w.customer(2).await;
    let id = w.draft(c2, w.product_b, "30000.00").await;
    w.submit(id).await;
    let a = w.ok(&w.reviewer, id, "return").await;
    assert_eq!(a["status"], "returned");
    let (s, a) = w.submit(id).await;
    assert_eq!(s, 200, "{a}");
    w.ok(&w.reviewer, id, "approve").await;
    for m in [m1, m2, m3] {
        w.ok(m, id, "approve").await;
    }
    let (_, a) = w
        .app
        .get(&format!("/api/v1/applications/{id}"), w.admin())
        .await;
    assert_eq!(a["status"], "approved");
    let (_, rec) = w
        .app
        .get(&format!("/api/v1/applications/{id}/approval"), w.admin())
        .await;
    let actions: Vec<&str> = rec["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "return", "submit", "approve", "vote_for", "vote_for", "vote_for"]
    );

    // Rejected by the committee: unanimity, so one vote against decides.
    let c3 = w.customer(3).await;
    let id = w.draft(c3, w.product_b, "30000.00").await;
    w.submit(id).await;
    w.ok(&w.reviewer, id, "approve").await;
    w.ok(m1, id, "approve").await;
    let a = w.ok(m2, id, "reject").await;
    assert_eq!(a["status"], "rejected");
    let (s, e) = w.decide(m3, id, "approve").await;
    common::assert_error(s, &e, 409, "application_not_in_review");

    // Reviewer rejects outright.
    let id = w.draft(c3, w.product_b, "30000.00").await;
    w.submit(id).await;
    let a = w.ok(&w.reviewer, id, "reject").await;
    assert_eq!(a["status"], "rejected");

    // Authority: 80,000 is above the committee's 50,000: the approver decides last.
    let c4 = w.customer(4).await;
    let id = w.draft(c4, w.product_b, "80000.00").await;
    w.submit(id).await;
    w.ok(&w.reviewer, id, "approve").await;
    for m in [m1, m2, m3] {
        w.ok(m, id, "approve").await;
    }
    let (_, a) = w
        .app
        .get(&format!("/api/v1/applications/{id}"), w.admin())
        .await;
    assert_eq!(a["status"], "in_review");
    assert_eq!(a["current_step"], 3);
    assert!(w.queue(&w.approver, "pending").await.contains(&id));
    let a = w.ok(&w.approver, id, "approve").await;
    assert_eq!(a["status"], "approved");
}

/// The state a refused submission must leave untouched.
async fn snapshot(w: &World, id: i64) -> (Value, i64, i64, i64, i64) {
    let (_, a) = w
        .app
        .get(&format!("/api/v1/applications/{id}"), w.admin())
        .await;
    (
        a,
        count(&w.app, &w.t, "approval_actions").await,
        count(&w.app, &w.t, "application_steps").await,
        count(&w.app, &w.t, "messages").await,
        count(&w.app, &w.t, "audit_events").await,
    )
}

#[tokio::test]
async fn every_limit_breach_has_its_own_code_and_changes_nothing() {
    let w = world().await;
    configure_flows(&w).await;

    // Blacklisted borrower.
    let c = w.customer(1).await;
    let id = w.draft(c, w.product_b, "30000.00").await;
    let (s, _) = w
        .app
        .post(
            &format!("/api/v1/customers/{c}/blacklist"),
            w.admin(),
            json!({"reason": "欺诈"}),
        )
        .await;
    assert_eq!(s, 200);
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "customer_blacklisted");
    assert_eq!(snapshot(&w, id).await, before);

    // No credit limit; then a limit too small.
    let c = lending_support::customer(&w.app, &w.t, 2).await;
    let id = w.draft(c, w.product_b, "30000.00").await;
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "credit_limit_missing");
    assert_eq!(snapshot(&w, id).await, before);
    let (s, _) = w
        .app
        .post(
            &format!("/api/v1/customers/{c}/credit-limits"),
            w.admin(),
            json!({"amount": "20000.00", "valid_from": "2026-01-01", "valid_to": "2099-12-31"}),
        )
        .await;
    assert_eq!(s, 201);
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "credit_limit_exceeded");
    assert_eq!(snapshot(&w, id).await, before);

    // A guarantor on the blacklist.
    let g = w.customer(3).await;
    let borrower = w.customer(4).await;
    let (s, _) = w
        .app
        .post(
            &format!("/api/v1/customers/{g}/blacklist"),
            w.admin(),
            json!({"reason": "失信"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, a) = w
        .app
        .post(
            "/api/v1/applications",
            Some(&w.manager),
            json!({"customer_id": borrower, "product_id": w.product_b, "amount": "30000.00", "term": 12, "rate": "0.12",
                   "purpose": "装修", "industry_code": "E50", "security_kinds": ["guarantee", "mortgage"],
                   "guarantors": [{"customer_id": g, "guarantee_kind": "joint"}],
                   "collateral": [{"kind": "mortgage", "description": "住房一套", "owner_name": "客户4", "value": "800000.00", "warrant_number": "沪(2020)0001"}]}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["guarantors"].as_array().unwrap().len(), 1);
    let id = a["id"].as_i64().unwrap();
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "guarantor_blacklisted");
    assert_eq!(snapshot(&w, id).await, before);

    // The APR cap in force (the tenant made it stricter after the product).
    let c = w.customer(5).await;
    let id = w.draft(c, w.product_b, "30000.00").await;
    let (s, _) = w
        .app
        .put(
            "/api/v1/lending-settings",
            w.admin(),
            json!({"apr_cap": "0.11"}),
        )
        .await;
    assert_eq!(s, 200);
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    assert_field(s, &e, "rate", "apr_above_cap");
    assert!(e["message"].as_str().unwrap().contains("0.11"), "{e}");
    assert_eq!(snapshot(&w, id).await, before);
    let (s, _) = w
        .app
        .put("/api/v1/lending-settings", w.admin(), json!({}))
        .await;
    assert_eq!(s, 200);

    // Single borrower: 10 % of 1,000,000 = 100,000, counting what is in review.
    let c = w.customer(6).await;
    let first = w.draft(c, w.product_b, "60000.00").await;
    let (s, a) = w.submit(first).await;
    assert_eq!(s, 200, "{a}");
    let id = w.draft(c, w.product_b, "50000.00").await;
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "single_borrower_limit_exceeded");
    assert_eq!(snapshot(&w, id).await, before);

    // Related group: 15 % = 150,000 over the linked customers.
    let x = w.customer(7).await;
    let y = w.customer(8).await;
    let (s, _) = w
        .app
        .post(
            &format!("/api/v1/customers/{x}/links"),
            w.admin(),
            json!({"related_id": y, "kind": "same_controller"}),
        )
        .await;
    assert_eq!(s, 201);
    let first = w.draft(x, w.product_b, "90000.00").await;
    let (s, a) = w.submit(first).await;
    assert_eq!(s, 200, "{a}");
    let id = w.draft(y, w.product_b, "80000.00").await;
    let before = snapshot(&w, id).await;
    let (s, e) = w.submit(id).await;
    common::assert_error(s, &e, 409, "related_group_limit_exceeded");
    assert_eq!(snapshot(&w, id).await, before);

    // Malformed applications name the field.
    let c = w.customer(9).await;
    let base = json!({"customer_id": c, "product_id": w.product_b, "amount": "30000.00", "term": 12, "rate": "0.12",
                      "purpose": "进货", "industry_code": "F52", "security_kinds": ["credit"]});
    let cases = vec![
        (json!({"amount": "500.00"}), "amount", "amount_out_of_range"),
        (json!({"term": 36}), "term", "term_out_of_range"),
        (json!({"rate": "0.20"}), "rate", "rate_out_of_range"),
        (
            json!({"industry_code": "9x"}),
            "industry_code",
            "invalid_industry_code",
        ),
        (
            json!({"security_kinds": ["hope"]}),
            "security_kinds[0]",
            "invalid_security_kinds",
        ),
        (
            json!({"security_kinds": ["guarantee"]}),
            "guarantors",
            "guarantors_mismatch",
        ),
        (json!({"repay_day": 31}), "repay_day", "invalid_repay_day"),
        (
            json!({"customer_id": 999999}),
            "customer_id",
            "unknown_customer",
        ),
    ];
    for (patch, field, code) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = w
            .app
            .post("/api/v1/applications", Some(&w.manager), body)
            .await;
        assert_field(s, &e, field, code);
    }
}
