//! The preview shared by the CLI and the API: output shape, validation naming the field, the table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loan_engine::{preview, render_table, EngineError, Lang, ScheduleInput};
use serde_json::json;

fn input(v: serde_json::Value) -> ScheduleInput {
    serde_json::from_value(v).unwrap()
}

fn refused(v: serde_json::Value) -> EngineError {
    preview(&input(v)).unwrap_err()
}

#[test]
fn json_shape_two_and_four_decimals() {
    let p = preview(&input(json!({
        "method": "equal_installment", "principal": "1000000", "rate": "0.049",
        "months": 360, "start": "2026-01-15"
    })))
    .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["apr"], "0.0490");
    assert_eq!(
        v["installments"][0],
        json!({"number": 1, "due_date": "2026-02-15", "principal": "1223.94", "interest": "4083.33",
               "total": "5307.27", "balance_after": "998776.06"})
    );
    assert_eq!(v["installments"][359]["balance_after"], "0.00");
    // 359 × 5,307.27 + 5,305.19 − 1,000,000.
    assert_eq!(v["total_interest"], "910615.12");
    assert_eq!(v.as_object().unwrap().len(), 3);
}

#[test]
fn interest_upfront_has_installment_zero() {
    let p = preview(&input(json!({
        "method": "interest_upfront", "principal": "10000", "rate": "0.12", "days": 90, "start": "2026-03-01"
    })))
    .unwrap();
    assert_eq!(p.installments[0].number, 0);
    assert_eq!(p.installments[0].interest, "300.00");
    assert_eq!(p.installments[0].due_date.to_string(), "2026-03-01");
    assert_eq!(p.installments[1].principal, "10000.00");
    assert_eq!(p.total_interest, "300.00");
    assert_eq!(p.apr, "0.1237");
}

#[test]
fn custom_preview() {
    let p = preview(&input(json!({
        "method": "custom", "principal": "10000", "rate": "0.12", "start": "2026-01-01",
        "custom": [{"due_date": "2026-02-01", "principal": "3000"}, {"due_date": "2026-06-30", "principal": "7000.00"}]
    })))
    .unwrap();
    assert_eq!(p.installments.len(), 2);
    assert_eq!(p.installments[1].interest, "347.67"); // 7,000 × 12 % × 149 / 360 = 347.666…
}

#[test]
fn every_invalid_input_names_its_field() {
    let base = json!({"method": "equal_installment", "principal": "10000", "rate": "0.12", "months": 12, "start": "2026-01-10"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v;
        }
        b
    };
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (with("method", json!("annuity")), "method", "invalid_method"),
        (
            with("principal", json!("0")),
            "principal",
            "invalid_principal",
        ),
        (
            with("principal", json!("-100")),
            "principal",
            "invalid_principal",
        ),
        (
            with("principal", json!("1e5")),
            "principal",
            "invalid_principal",
        ),
        (
            with("principal", json!("100.005")),
            "principal",
            "invalid_principal",
        ),
        (
            with("principal", json!("10,000")),
            "principal",
            "invalid_principal",
        ),
        (with("rate", json!("-0.01")), "rate", "invalid_rate"),
        (with("rate", json!("1.2")), "rate", "invalid_rate"),
        (with("rate", json!("12%")), "rate", "invalid_rate"),
        (with("months", json!(0)), "months", "invalid_term"),
        (with("months", json!(361)), "months", "invalid_term"),
        (
            with("months", serde_json::Value::Null),
            "months",
            "invalid_term",
        ),
        (with("days", json!(30)), "days", "invalid_term"),
        (
            with("repay_day", json!(29)),
            "repay_day",
            "invalid_repay_day",
        ),
        (
            with("repay_day", json!(0)),
            "repay_day",
            "invalid_repay_day",
        ),
        (with("cap", json!("0.10")), "rate", "apr_above_cap"),
        (with("cap", json!("1.5")), "cap", "invalid_cap"),
        (with("cap", json!("abc")), "cap", "invalid_cap"),
        (
            json!({"method": "equal_principal", "principal": "10000", "rate": "0.12", "days": 30, "start": "2026-01-10"}),
            "days",
            "invalid_term",
        ),
        (
            json!({"method": "bullet", "principal": "10000", "rate": "0.12", "days": 3651, "start": "2026-01-10"}),
            "days",
            "invalid_term",
        ),
        (
            json!({"method": "bullet", "principal": "10000", "rate": "0.12", "months": 3, "repay_day": 10, "start": "2026-01-10"}),
            "repay_day",
            "invalid_repay_day",
        ),
        (
            json!({"method": "interest_upfront", "principal": "10000", "rate": "0.9", "months": 24, "start": "2026-01-10"}),
            "rate",
            "net_payout_not_positive",
        ),
    ];
    for (v, field, code) in cases {
        let e = refused(v.clone());
        assert_eq!((e.field, e.code), (Some(field), code), "{v}: {}", e.message);
        assert!(!e.message.is_empty());
    }
}

#[test]
fn custom_validation() {
    let c = |custom: serde_json::Value, extra: Option<(&str, serde_json::Value)>| {
        let mut v = json!({"method": "custom", "principal": "10000", "rate": "0.12", "start": "2026-01-01", "custom": custom});
        if let Some((k, x)) = extra {
            v[k] = x;
        }
        refused(v)
    };
    let e = c(
        json!([{"due_date": "2026-02-01", "principal": "3000"}, {"due_date": "2026-03-01", "principal": "6999.99"}]),
        None,
    );
    assert_eq!((e.field, e.code), (Some("custom"), "custom_principal_sum"));
    let e = c(
        json!([{"due_date": "2026-03-01", "principal": "3000"}, {"due_date": "2026-03-01", "principal": "7000"}]),
        None,
    );
    assert_eq!((e.field, e.code), (Some("custom"), "custom_dates"));
    let e = c(
        json!([{"due_date": "2026-01-01", "principal": "10000"}]),
        None,
    );
    assert_eq!((e.field, e.code), (Some("custom"), "custom_dates"));
    let e = c(
        json!([{"due_date": "2026-02-01", "principal": "10000.001"}]),
        None,
    );
    assert_eq!((e.field, e.code), (Some("custom"), "invalid_custom"));
    let e = c(json!([]), None);
    assert_eq!((e.field, e.code), (Some("custom"), "invalid_custom"));
    let e = c(
        json!([{"due_date": "2026-02-01", "principal": "10000"}]),
        Some(("months", json!(1))),
    );
    assert_eq!((e.field, e.code), (Some("months"), "invalid_term"));
    let e = refused(
        json!({"method": "custom", "principal": "10000", "rate": "0.12", "start": "2026-01-01"}),
    );
    assert_eq!((e.field, e.code), (Some("custom"), "invalid_custom"));
    let e = refused(
        json!({"method": "bullet", "principal": "10000", "rate": "0.12", "months": 3, "start": "2026-01-01",
                          "custom": [{"due_date": "2026-02-01", "principal": "10000"}]}),
    );
    assert_eq!((e.field, e.code), (Some("custom"), "invalid_custom"));
}

#[test]
fn both_months_and_days_refused() {
    let e = refused(
        json!({"method": "bullet", "principal": "10000", "rate": "0.12", "months": 1, "days": 30, "start": "2026-01-10"}),
    );
    assert_eq!((e.field, e.code), (Some("days"), "invalid_term"));
}

#[test]
fn cap_is_enforced_only_when_given() {
    let v = json!({"method": "equal_installment", "principal": "10000", "rate": "0.24", "months": 12, "start": "2026-01-10", "cap": "0.2400"});
    assert_eq!(preview(&input(v)).unwrap().apr, "0.2400");
    let v = json!({"method": "equal_installment", "principal": "10000", "rate": "0.2401", "months": 12, "start": "2026-01-10", "cap": "0.24"});
    assert_eq!(refused(v).code, "apr_above_cap");
    let v = json!({"method": "equal_installment", "principal": "10000", "rate": "0.36", "months": 12, "start": "2026-01-10"});
    assert_eq!(preview(&input(v)).unwrap().apr, "0.3600");
}

#[test]
fn unknown_fields_are_refused_by_serde() {
    let v = json!({"method": "bullet", "principal": "1", "rate": "0.1", "months": 1, "start": "2026-01-10", "repayDay": 3});
    assert!(serde_json::from_value::<ScheduleInput>(v).is_err());
}

#[test]
fn readable_tables() {
    let p = preview(&input(json!({
        "method": "equal_installment", "principal": "12000", "rate": "0.12", "months": 3, "start": "2026-01-10"
    })))
    .unwrap();
    let zh = render_table(&p, Lang::Zh);
    let lines: Vec<&str> = zh.lines().collect();
    assert!(lines[0].starts_with("期数"), "{zh}");
    for h in ["还款日", "本金", "利息", "合计", "剩余本金"] {
        assert!(lines[0].contains(h), "{zh}");
    }
    assert!(
        lines[2].contains("2026-02-10") && lines[2].contains("4,080.27"),
        "{zh}"
    );
    assert!(zh.contains("总计"), "{zh}");
    assert!(zh.contains("12,000.00"), "{zh}");
    assert!(
        zh.trim_end()
            .ends_with("综合年化利率（IRR）：0.1200（12.00%）"),
        "{zh}"
    );
    let en = render_table(&p, Lang::En);
    assert!(en.starts_with("No."), "{en}");
    assert!(en.contains("APR (IRR method): 0.1200 (12.00%)"), "{en}");
    // Every row is as wide as the header: the columns line up.
    let widths: Vec<usize> = en.lines().take(6).map(|l| l.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{en}");
    assert_eq!("en".parse::<Lang>().unwrap(), Lang::En);
    assert_eq!(Lang::default(), Lang::Zh);
}

#[test]
fn json_numbers_are_taken_by_their_exact_text() {
    let p = preview(&input(json!({"method": "bullet", "principal": 10000.5, "rate": 0.12, "months": 1, "start": "2026-01-10"}))).unwrap();
    assert_eq!(p.installments[0].principal, "10000.50");
    let v: ScheduleInput = serde_json::from_str(
        r#"{"method":"bullet","principal":1e5,"rate":"0.12","months":1,"start":"2026-01-10"}"#,
    )
    .unwrap();
    let e = preview(&v).unwrap_err();
    assert_eq!((e.field, e.code), (Some("principal"), "invalid_principal"));
    let v: ScheduleInput = serde_json::from_str(
        r#"{"method":"bullet","principal":0.30000000000000004,"rate":"0.1","months":1,"start":"2026-01-10"}"#,
    )
    .unwrap();
    assert_eq!(v.principal, "0.30000000000000004");
    assert_eq!(preview(&v).unwrap_err().code, "invalid_principal");
}
