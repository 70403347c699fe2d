//! The supervisor portal: read-only database roles, daily metric snapshots
//! written only through the firm-from-role function, the dashboard's figures
//! against values computed here from known loan books, and alerts.

mod common;

use chrono::NaiveDate;
use common::{assert_error, TestApp, TestTenant};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use std::str::FromStr;
use supervision_metrics::{
    BorrowerType, FirmInput, FundingBalances, LoanClass, LoanFacts, Purpose, Security,
};
use supervisor_portal::access::{supervision_tx, Access};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A jurisdiction code of its own for each test (6 digits).
fn jurisdiction() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 900_000 + 100_000;
    n.to_string()
}

/// Registers a licence for the tenant in the jurisdiction and links it (as
/// the operator's link would).
async fn link(app: &TestApp, tenant: &TestTenant, jurisdiction: &str) {
    let licence_id: i64 = sqlx::query_scalar(
        "insert into supervision.licences (firm_name, credit_code, licence_number, jurisdiction, decided_at)
         values ($1, $2, $3, $4, '2026-01-05') returning id",
    )
    .bind(format!("测试小贷 {}", tenant.code))
    .bind(common::credit_code())
    .bind(format!("批复-{}", tenant.code))
    .bind(jurisdiction)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into supervision.licence_links (licence_id, tenant_code, linked_by, actor_name, reason)
         values ($1, $2, 'operator', 'test', 'test link')",
    )
    .bind(licence_id)
    .bind(&tenant.code)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

/// Submits a snapshot in the tenant's own transaction, as close of business does.
async fn submit(app: &TestApp, tenant: &TestTenant, input: &FirmInput) {
    let mut tx = platform::tenancy::begin(&app.state.pool, &tenant.created.tenant)
        .await
        .unwrap();
    supervisor_portal::snapshot::submit(&mut tx, input.as_of, input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn sqlstate(e: &sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|d| d.code().map(|c| c.to_string()))
        .unwrap_or_default()
}

/// Runs one statement in a fresh portal transaction and returns its SQLSTATE.
async fn portal_denied(app: &TestApp, access: Access, sql: &str) -> String {
    let mut tx = supervision_tx(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        access,
    )
    .await
    .unwrap();
    let r = sqlx::query(sql).execute(&mut *tx).await;
    tx.rollback().await.unwrap();
    match r {
        Ok(_) => format!("allowed: {sql}"),
        Err(e) => sqlstate(&e),
    }
}

#[tokio::test]
async fn the_portal_roles_cannot_write_firm_data_nor_read_tenant_schemas() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let schema = &t.created.schema;
    let denied = "42501";
    for sql in [
        "insert into supervision.thresholds (jurisdiction, thresholds) values ('999999', '{}')".to_string(),
        "update supervision.regulators set display_name = 'x'".to_string(),
        "delete from supervision.licences".to_string(),
        "update supervision.alerts set note = 'x'".to_string(),
        format!("insert into supervision.metric_snapshots (firm, as_of, metrics, inputs) values ('{}', '2026-01-01', '{{}}', '{{}}')", t.code),
        "insert into supervision.audit_events (actor_kind, action, entity_type) values ('x', 'x', 'x')".to_string(),
        format!("select * from {schema}.audit_events"),
        format!("select * from {schema}.accounts"),
        format!("insert into {schema}.branches (code, name) values ('x', 'x')"),
        "select * from platform.tenants".to_string(),
    ] {
        assert_eq!(portal_denied(&app, Access::Read, &sql).await, denied, "reader: {sql}");
    }
    // the reader reads the supervision schema
    assert_ne!(
        portal_denied(
            &app,
            Access::Read,
            "select count(*) from supervision.licences"
        )
        .await,
        denied
    );
    // the writer writes only the regulator's own records
    for sql in [
        "update supervision.regulators set display_name = 'x'".to_string(),
        "delete from supervision.metric_snapshots".to_string(),
        format!("insert into supervision.metric_snapshots (firm, as_of, metrics, inputs) values ('{}', '2026-01-01', '{{}}', '{{}}')", t.code),
        "update supervision.audit_events set action = 'x'".to_string(),
        "delete from supervision.audit_anchors".to_string(),
        format!("select * from {schema}.audit_events"),
        format!("update {schema}.branches set name = 'x'"),
    ] {
        let code = portal_denied(&app, Access::Write, &sql).await;
        // audit_anchors exists only once identity is merged (42P01 until then)
        assert!(code == denied || (sql.contains("audit_anchors") && code == "42P01"), "writer: {sql}: {code}");
    }
    // the roles are set for the transaction only
    let mut tx = supervision_tx(
        &app.state.pool,
        &app.state.config.tenancy.role_prefix,
        Access::Read,
    )
    .await
    .unwrap();
    let role: String = sqlx::query_scalar("select current_user::text")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(role.ends_with("supervision_reader"), "{role}");
    tx.commit().await.unwrap();
}

fn loan(id: &str, borrower: &str, balance: &str) -> LoanFacts {
    LoanFacts {
        loan_id: id.into(),
        borrower_id: borrower.into(),
        related_group_id: None,
        related_party: false,
        dpd: 0,
        class: LoanClass::Normal,
        balance: d(balance),
        overdue_principal: Decimal::ZERO,
        apr: d("0.12"),
        contract_principal: d(balance),
        recorded_payout: d(balance),
        payout_from_dedicated_account: true,
        payout_override: false,
        term_months: 12,
        contract_size: d(balance),
        purpose: Purpose::IndustryCommerce,
        security: Security::Credit,
        borrower_type: BorrowerType::Company,
    }
}

/// Firm `i`'s synthetic book: net assets and a few loans whose facts vary with `i`.
fn book(i: u32, as_of: NaiveDate) -> FirmInput {
    let k = Decimal::from(i);
    let na = d("10000000") + k * d("1000000");
    let mut loans = Vec::new();
    // borrower A: two loans (one overdue, substandard), group G1
    let mut a1 = loan("a1", "A", &(d("300000") * k).to_string());
    a1.related_group_id = Some("G1".into());
    a1.dpd = 10 * i;
    a1.overdue_principal = d("5000") * k;
    a1.class = if i >= 3 {
        LoanClass::Substandard
    } else {
        LoanClass::SpecialMention
    };
    loans.push(a1);
    let mut a2 = loan("a2", "A", "200000");
    a2.related_group_id = Some("G1".into());
    a2.apr = d("0.30");
    loans.push(a2);
    // borrower B: related party, in G1 too
    let mut b = loan("b", "B", &(d("150000") + d("10000") * k).to_string());
    b.related_party = true;
    b.related_group_id = Some("G1".into());
    loans.push(b);
    // borrower C: 100 dpd booked normal (misclassified for i odd), paid out short
    let mut c = loan("c", "C", "80000");
    c.dpd = if i % 2 == 1 { 100 } else { 0 };
    c.recorded_payout = d("75000");
    c.contract_principal = d("80000");
    c.apr = d("0.24") + d("0.01") * k;
    loans.push(c);
    // small borrowers
    for j in 0..(8 + i) {
        let mut l = loan(
            &format!("s{j}"),
            &format!("S{j}"),
            &(d("20000") + Decimal::from(j) * d("1000")).to_string(),
        );
        if j == 0 {
            l.payout_from_dedicated_account = false;
            l.payout_override = i == 2;
        }
        if j == 1 {
            l.class = LoanClass::Loss;
            l.dpd = 400;
            l.overdue_principal = l.balance;
        }
        loans.push(l);
    }
    FirmInput {
        firm_id: format!("firm{i}"),
        as_of,
        net_assets: na,
        loan_balance: loans.iter().map(|l| l.balance).sum(),
        loans,
        funding: FundingBalances {
            bank: d("2000000") * k,
            shareholder: d("1000000"),
            other_non_standard: d("500000"),
            bonds: d("3000000") * k,
            abs: d("1000000"),
        },
        allowance: d("90000") + d("1000") * k,
        required_allowance: d("100000"),
        net_profit_ytd: d("250000") * k,
        average_total_assets: na * d("1.5"),
        average_equity: na,
        days: 73,
    }
}

/// The expected numerator and denominator of every metric, computed plainly from the book.
fn expected(f: &FirmInput) -> Vec<(&'static str, Decimal, Decimal)> {
    let na = f.net_assets;
    let lb: Decimal = f.loans.iter().map(|l| l.balance).sum();
    let mut by_borrower: std::collections::BTreeMap<&str, Decimal> = Default::default();
    let mut by_group: std::collections::BTreeMap<&str, Decimal> = Default::default();
    for l in &f.loans {
        *by_borrower.entry(&l.borrower_id).or_default() += l.balance;
        if let Some(g) = &l.related_group_id {
            *by_group.entry(g).or_default() += l.balance;
        }
    }
    let mut borrowers: Vec<Decimal> = by_borrower.values().copied().collect();
    borrowers.sort_by(|a, b| b.cmp(a));
    let largest_group = by_group.values().copied().max().unwrap_or_default();
    let sum = |p: &dyn Fn(&LoanFacts) -> bool| -> Decimal {
        f.loans.iter().filter(|l| p(l)).map(|l| l.balance).sum()
    };
    let count = |p: &dyn Fn(&LoanFacts) -> bool| -> Decimal {
        Decimal::from(f.loans.iter().filter(|l| p(l)).count() as u64)
    };
    let n = Decimal::from(f.loans.len() as u64);
    let npl = sum(&|l| {
        matches!(
            l.class,
            LoanClass::Substandard | LoanClass::Doubtful | LoanClass::Loss
        )
    });
    let profit = (f.net_profit_ytd * d("365") / Decimal::from(f.days))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let fu = &f.funding;
    vec![
        (
            "non_standard_funding_multiple",
            fu.bank + fu.shareholder + fu.other_non_standard,
            na,
        ),
        ("standardised_funding_multiple", fu.bonds + fu.abs, na),
        ("largest_single_borrower", borrowers[0], na),
        ("largest_related_group", largest_group, na),
        (
            "top10_borrowers",
            borrowers.iter().take(10).copied().sum(),
            na,
        ),
        ("related_party_loans", sum(&|l| l.related_party), na),
        ("overdue_loan_ratio", sum(&|l| l.dpd > 0), lb),
        (
            "overdue_principal_ratio",
            f.loans.iter().map(|l| l.overdue_principal).sum(),
            lb,
        ),
        ("npl_ratio", npl, lb),
        (
            "misclassified_loans",
            count(&|l| {
                l.dpd >= 91 && matches!(l.class, LoanClass::Normal | LoanClass::SpecialMention)
            }),
            n,
        ),
        ("provision_coverage", f.allowance, npl),
        ("provision_adequacy", f.allowance, f.required_allowance),
        (
            "weighted_apr",
            f.loans.iter().map(|l| l.apr * l.balance).sum(),
            lb,
        ),
        ("above_cap_share", sum(&|l| l.apr > d("0.24")), lb),
        (
            "upfront_deduction",
            count(&|l| l.recorded_payout < l.contract_principal),
            n,
        ),
        (
            "payout_outside_dedicated_account",
            count(&|l| !l.payout_from_dedicated_account && !l.payout_override),
            n,
        ),
        ("roa", profit, f.average_total_assets),
        ("roe", profit, f.average_equity),
    ]
}

fn round6(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
}

fn nearest_rank(sorted: &[Decimal], p: usize) -> Option<Decimal> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len()) + 99) / 100;
    Some(sorted[rank.max(1) - 1])
}

fn dec(v: &Value) -> Option<Decimal> {
    v.as_str().map(d)
}

#[tokio::test]
async fn five_firms_metrics_equal_their_books_and_cross_firm_figures_are_ratios_of_sums() {
    let app = common::spawn().await;
    let j = jurisdiction();
    let as_of = day("2026-03-14");
    let mut firms = Vec::new();
    for i in 1..=5u32 {
        let t = app.tenant().await;
        link(&app, &t, &j).await;
        let input = book(i, as_of);
        submit(&app, &t, &input).await;
        firms.push((t, input));
    }
    // a firm of another jurisdiction is not on this dashboard
    let other = app.tenant().await;
    link(&app, &other, &jurisdiction()).await;
    submit(&app, &other, &book(1, as_of)).await;

    let reg = app.regulator_token(&[&j]).await;
    let (s, dash) = app
        .get(
            &format!("/supervision/v1/dashboard?jurisdiction={j}&as_of=2026-03-14"),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{dash}");
    let per_firm = dash["per_firm"].as_array().unwrap();
    assert_eq!(per_firm.len(), 5 * 18);
    let mut sums: std::collections::BTreeMap<&str, (Decimal, Decimal, Vec<Decimal>)> =
        Default::default();
    for (t, input) in &firms {
        for (metric, num, den) in expected(input) {
            let row = per_firm
                .iter()
                .find(|r| r["firm"] == t.code.as_str() && r["metric"] == metric)
                .unwrap_or_else(|| panic!("{metric} of {}", t.code));
            assert_eq!(
                dec(&row["numerator"]),
                Some(num),
                "{metric} numerator of {}",
                t.code
            );
            assert_eq!(
                dec(&row["denominator"]),
                Some(den),
                "{metric} denominator of {}",
                t.code
            );
            let value = (!den.is_zero()).then(|| round6(num / den));
            assert_eq!(dec(&row["value"]), value, "{metric} value of {}", t.code);
            let e = sums.entry(metric).or_default();
            e.0 += num;
            e.1 += den;
            if let Some(v) = value {
                e.2.push(v);
            }
        }
    }
    // cross-firm: ratio of sums, nearest-rank median and 10th/90th percentiles
    let cross = dash["cross_firm"]["metrics"].as_array().unwrap();
    assert_eq!(dash["cross_firm"]["firm_count"], 5);
    for (metric, (num, den, mut values)) in sums {
        let c = cross.iter().find(|c| c["metric"] == metric).unwrap();
        assert_eq!(dec(&c["total"]["numerator"]), Some(num), "{metric}");
        assert_eq!(dec(&c["total"]["denominator"]), Some(den), "{metric}");
        assert_eq!(
            dec(&c["total"]["value"]),
            Some(round6(num / den)),
            "{metric}"
        );
        values.sort();
        assert_eq!(
            dec(&c["median"]),
            nearest_rank(&values, 50),
            "{metric} median"
        );
        assert_eq!(dec(&c["p10"]), nearest_rank(&values, 10), "{metric} p10");
        assert_eq!(dec(&c["p90"]), nearest_rank(&values, 90), "{metric} p90");
    }
    // every firm breaches (misclassified or payout outside the account, APR above cap)
    assert_eq!(dash["firms_in_breach"].as_array().unwrap().len(), 5);

    // the registry and the time series
    let (s, list) = app.get("/supervision/v1/firms", Some(&reg)).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["latest_snapshot"] == "2026-03-14"));
    let (s, _) = app
        .get(&format!("/supervision/v1/firms/{}", other.code), Some(&reg))
        .await;
    assert_eq!(s, 404);
    let (t1, input1) = &firms[0];
    let mut next = book(1, day("2026-03-15"));
    next.net_assets = d("22000000");
    submit(&app, t1, &next).await;
    let (s, series) = app
        .get(
            &format!(
                "/supervision/v1/firms/{}/metrics/largest_single_borrower",
                t1.code
            ),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{series}");
    let points = series.as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(dec(&points[0]["denominator"]), Some(input1.net_assets));
    assert_eq!(dec(&points[1]["denominator"]), Some(d("22000000")));
    let (s, b) = app
        .get(
            &format!("/supervision/v1/firms/{}/metrics/nonsense", t1.code),
            Some(&reg),
        )
        .await;
    assert_error(s, &b, 422, "unknown_metric");
}

#[tokio::test]
async fn a_tenant_can_only_write_its_own_snapshot() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let b = app.tenant().await;
    let as_of = day("2026-03-14");
    // writing the table directly is refused, for its own firm or another
    for firm in [&a.code, &b.code] {
        let mut tx = platform::tenancy::begin(&app.state.pool, &a.created.tenant)
            .await
            .unwrap();
        let e = sqlx::query("insert into supervision.metric_snapshots (firm, as_of, metrics, inputs) values ($1, $2, '{}', '{}')")
            .bind(firm)
            .bind(as_of)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&e), "42501");
    }
    // the function writes the caller's firm whatever the input claims
    let mut input = book(1, as_of);
    input.firm_id = b.code.clone();
    submit(&app, &a, &input).await;
    let rows: Vec<String> =
        sqlx::query_scalar("select firm from supervision.metric_snapshots where firm in ($1, $2)")
            .bind(&a.code)
            .bind(&b.code)
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![a.code.clone()]);
    // outside a tenant role the function refuses
    let e = sqlx::query("select supervision.submit_snapshot('2026-03-14', '{}', '{}', '{}')")
        .execute(&app.state.pool)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "42501");
}

#[tokio::test]
async fn a_single_borrower_above_ten_percent_raises_one_alert_acknowledged_once() {
    let app = common::spawn().await;
    let j = jurisdiction();
    let t = app.tenant().await;
    link(&app, &t, &j).await;
    let firm = |as_of: &str, big: &str| FirmInput {
        firm_id: t.code.clone(),
        as_of: day(as_of),
        net_assets: d("1000000"),
        loan_balance: d(big) + d("50000"),
        loans: vec![loan("1", "X", big), loan("2", "Y", "50000")],
        funding: FundingBalances::default(),
        allowance: Decimal::ZERO,
        required_allowance: Decimal::ZERO,
        net_profit_ytd: Decimal::ZERO,
        average_total_assets: d("1000000"),
        average_equity: d("1000000"),
        days: 73,
    };
    // within the limit, then in breach two days running, then back, then in breach again
    submit(&app, &t, &firm("2026-03-10", "100000")).await;
    submit(&app, &t, &firm("2026-03-11", "100001")).await;
    submit(&app, &t, &firm("2026-03-12", "150000")).await;
    let reg = app.regulator_token(&[&j]).await;
    let (s, alerts) = app
        .get(
            &format!("/supervision/v1/alerts?firm={}", t.code),
            Some(&reg),
        )
        .await;
    assert_eq!(s, 200, "{alerts}");
    let list = alerts.as_array().unwrap();
    assert_eq!(list.len(), 1, "{alerts}");
    assert_eq!(list[0]["metric"], "largest_single_borrower");
    assert_eq!(list[0]["opened_on"], "2026-03-11");
    assert!(list[0]["closed_on"].is_null());
    let id = list[0]["id"].as_i64().unwrap();

    let path = format!("/supervision/v1/alerts/{id}/acknowledge");
    let (s, b) = app.post(&path, Some(&reg), json!({"note": " "})).await;
    assert_error(s, &b, 422, "invalid_note");
    let (s, b) = app
        .post(&path, Some(&reg), json!({"note": "已约谈公司负责人"}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["note"], "已约谈公司负责人");
    let (s, b) = app.post(&path, Some(&reg), json!({"note": "again"})).await;
    assert_error(s, &b, 409, "already_acknowledged");
    // another jurisdiction's regulator does not see it
    let stranger = app.regulator_token(&[&jurisdiction()]).await;
    let (s, b) = app.post(&path, Some(&stranger), json!({"note": "x"})).await;
    assert_error(s, &b, 404, "not_found");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from supervision.audit_events where action = 'alert.acknowledge' and entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // the episode ends, and a later breach is a new alert
    submit(&app, &t, &firm("2026-03-13", "90000")).await;
    submit(&app, &t, &firm("2026-03-14", "200000")).await;
    let (_, alerts) = app
        .get(
            &format!("/supervision/v1/alerts?firm={}", t.code),
            Some(&reg),
        )
        .await;
    let list = alerts.as_array().unwrap();
    assert_eq!(list.len(), 2, "{alerts}");
    assert_eq!(list[0]["opened_on"], "2026-03-14");
    assert!(list[0]["acknowledged_at"].is_null());
    assert_eq!(list[1]["closed_on"], "2026-03-13");
}

#[tokio::test]
async fn thresholds_are_per_jurisdiction_set_by_its_regulator_and_audited() {
    let app = common::spawn().await;
    let j = jurisdiction();
    let reg = app.regulator_token(&[&j]).await;
    let path = format!("/supervision/v1/thresholds/{j}");
    let (s, b) = app.get(&path, Some(&reg)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["default"], true);
    assert_eq!(
        dec(&b["thresholds"]["single_borrower_max"]),
        Some(d("0.10"))
    );
    let mut set = b["thresholds"].clone();
    set["single_borrower_max"] = json!("0.08");
    let (s, b) = app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&reg),
            Some(json!({"thresholds": set})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = app.get(&path, Some(&reg)).await;
    assert_eq!(b["default"], false);
    assert_eq!(
        dec(&b["thresholds"]["single_borrower_max"]),
        Some(d("0.08"))
    );
    let (s, b) = app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&reg),
            Some(json!({"thresholds": {"nope": 1}})),
        )
        .await;
    assert_error(s, &b, 422, "invalid_thresholds");
    let stranger = app.regulator_token(&[&jurisdiction()]).await;
    let (s, b) = app.get(&path, Some(&stranger)).await;
    assert_error(s, &b, 403, "outside_jurisdiction");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from supervision.audit_events where action = 'thresholds.set' and entity_id = $1",
    )
    .bind(&j)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn licensing_goes_from_intake_through_review_to_a_decision_that_registers_the_licence() {
    let app = common::spawn().await;
    let j = jurisdiction();
    let reg = app.regulator_token(&[&j]).await;
    let credit_code = common::credit_code();
    let intake = json!({
        "jurisdiction": j, "city": "上海市", "county": "浦东新区", "firm_name": "浦东测试小贷",
        "credit_code": credit_code, "registered_capital": "100000000.00", "received_on": "2026-01-05",
        "submitted_by": "张三", "submitting_unit": "浦东新区金融办", "received_by": "李四"
    });
    let (s, a) = app
        .post(
            "/supervision/v1/licence-applications",
            Some(&reg),
            intake.clone(),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["status"], "pending");
    let id = a["id"].as_i64().unwrap();
    let mut bad = intake.clone();
    bad["credit_code"] = json!("123");
    let (s, b) = app
        .post("/supervision/v1/licence-applications", Some(&reg), bad)
        .await;
    assert_eq!(s, 422, "{b}");
    let decision = json!({"meeting_date": "2026-02-01", "meeting_number": "2026-3", "meeting_result": "同意",
        "decided_on": "2026-02-03", "document_number": format!("沪金办{id}号"), "approved": true});
    // no decision before review
    let (s, b) = app
        .post(
            &format!("/supervision/v1/licence-applications/{id}/decision"),
            Some(&reg),
            decision.clone(),
        )
        .await;
    assert_error(s, &b, 409, "invalid_status");
    let (s, a) = app
        .post(
            &format!("/supervision/v1/licence-applications/{id}/review"),
            Some(&reg),
            json!({"sent_on": "2026-01-10", "reviewer": "王五", "receiving_unit": "市金融局"}),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "in_review");
    let (s, a) = app
        .post(
            &format!("/supervision/v1/licence-applications/{id}/decision"),
            Some(&reg),
            decision,
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "approved");
    let licence_id = a["licence_id"].as_i64().unwrap();
    let (_, list) = app.get("/supervision/v1/licences", Some(&reg)).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == licence_id && l["credit_code"] == credit_code.as_str()));
    // annual inspections, one per year
    let path = format!("/supervision/v1/licences/{licence_id}/inspections");
    let insp = json!({"year": 2026, "result": "passed", "inspected_on": "2026-11-01", "notes": ""});
    let (s, b) = app.post(&path, Some(&reg), insp.clone()).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app.post(&path, Some(&reg), insp).await;
    assert_error(s, &b, 409, "inspection_exists");
    let (_, l) = app.get(&path, Some(&reg)).await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    // another jurisdiction's regulator sees none of it
    let stranger = app.regulator_token(&[&jurisdiction()]).await;
    let (s, _) = app
        .get(
            &format!("/supervision/v1/licence-applications/{id}"),
            Some(&stranger),
        )
        .await;
    assert_eq!(s, 404);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from supervision.audit_events where entity_type = 'licence_application' and entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
}

/// The table metrics of §3 (overdue buckets; mix by term, size, purpose, security and
/// borrower type) of five firms equal the counts and balances computed here from their books.
#[tokio::test]
async fn five_firms_overdue_buckets_and_mix_equal_their_books() {
    use supervision_metrics::{OverdueBucket, SizeBand, TermBand};
    let app = common::spawn().await;
    let j = jurisdiction();
    let reg = app.regulator_token(&[&j]).await;
    let as_of = day("2026-03-14");
    for i in 1..=5u32 {
        let t = app.tenant().await;
        link(&app, &t, &j).await;
        let mut input = book(i, as_of);
        // vary the bands: some loans short, large, agricultural, pledged, to farmers
        for (n, l) in input.loans.iter_mut().enumerate() {
            l.term_months = [1, 4, 7, 12, 36][n % 5];
            l.contract_size =
                [d("100000"), d("250000"), d("400000"), d("600000")][(n + i as usize) % 4];
            l.purpose = Purpose::ALL[n % 3];
            l.security = Security::ALL[(n + 1) % 4];
            l.borrower_type = BorrowerType::ALL[(n + 2) % 4];
        }
        submit(&app, &t, &input).await;
        let (s, firm) = app
            .get(&format!("/supervision/v1/firms/{}", t.code), Some(&reg))
            .await;
        assert_eq!(s, 200, "{firm}");
        let m = &firm["latest_metrics"];
        let lb: Decimal = input.loans.iter().map(|l| l.balance).sum();
        // a table's row of a key: (count, balance, share)
        let check = |table: &Value, key: Value, pick: &dyn Fn(&LoanFacts) -> bool| {
            let (n, b) = input
                .loans
                .iter()
                .filter(|l| pick(l))
                .fold((0u64, Decimal::ZERO), |(n, b), l| (n + 1, b + l.balance));
            let row = table.as_array().unwrap().iter().find(|r| r["key"] == key);
            match row {
                Some(r) => {
                    assert_eq!(r["count"], n, "{key} count of firm {i}");
                    assert_eq!(dec(&r["balance"]), Some(b), "{key} balance of firm {i}");
                    assert_eq!(
                        dec(&r["share"]["value"]),
                        Some(round6(b / lb)),
                        "{key} share of firm {i}"
                    );
                }
                None => assert_eq!(n, 0, "{key} missing for firm {i}: {table}"),
            }
        };
        let key = |v: &dyn erased::Key| v.json();
        for bucket in OverdueBucket::ALL {
            check(&m["overdue_buckets"], key(&bucket), &|l| {
                OverdueBucket::of(l.dpd) == Some(bucket)
            });
        }
        for band in TermBand::ALL {
            check(&m["mix"]["by_term"], key(&band), &|l| {
                TermBand::of(l.term_months) == band
            });
        }
        for band in SizeBand::ALL {
            check(&m["mix"]["by_size"], key(&band), &|l| {
                SizeBand::of(l.contract_size) == band
            });
        }
        for p in Purpose::ALL {
            check(&m["mix"]["by_purpose"], key(&p), &|l| l.purpose == p);
        }
        for s in Security::ALL {
            check(&m["mix"]["by_security"], key(&s), &|l| l.security == s);
        }
        for b in BorrowerType::ALL {
            check(&m["mix"]["by_borrower_type"], key(&b), &|l| {
                l.borrower_type == b
            });
        }
    }
}

mod erased {
    /// A band or kind as the JSON key the metrics use.
    pub trait Key {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Key for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}
