//! The staff's messaging API: reminder settings, templates (refused when
//! they would not render), opt-outs, and the outbox lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{json, Value};

async fn audit_count(app: &common::TestApp, t: &common::TestTenant, action: &str) -> i64 {
    let mut tx = platform::tenancy::begin(&app.state.pool, &t.created.tenant)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = $1 and actor_kind = 'staff'",
    )
    .bind(action)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}

fn settings_body() -> Value {
    json!({
        "enabled": true,
        "offsets": [
            {"days": 0, "channels": ["sms", "sms", "email"]},
            {"days": -5, "channels": ["sms"]},
            {"days": 15, "channels": ["email"]}
        ],
        "send_time": "10:30",
        "time_zone": "Asia/Urumqi",
        "quiet_hours": {"start": "22:00", "end": "07:30"},
        "sms_signature": "快易贷",
        "late_window_hours": 48
    })
}

#[tokio::test]
async fn reminder_settings_have_defaults_and_are_replaced_with_validation() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, d) = app.get("/api/v1/reminder-settings", Some(&t.token)).await;
    assert_eq!(s, 200, "{d}");
    let days: Vec<i64> = d["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["days"].as_i64().unwrap())
        .collect();
    assert_eq!(days, vec![-3, 0, 1, 7]);
    assert_eq!(d["quiet_hours"], json!({"start": "21:00", "end": "08:00"}));
    assert_eq!(d["time_zone"], "Asia/Shanghai");
    assert_eq!(d["sms_signature"], Value::Null);
    assert_eq!(d["enabled"], true);

    let (s, saved) = app
        .put("/api/v1/reminder-settings", Some(&t.token), settings_body())
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(
        saved["offsets"],
        json!([{"days": -5, "channels": ["sms"]}, {"days": 0, "channels": ["sms", "email"]}, {"days": 15, "channels": ["email"]}])
    );
    assert_eq!(saved["send_time"], "10:30");
    assert_eq!(
        saved["quiet_hours"],
        json!({"start": "22:00", "end": "07:30"})
    );
    let (_, again) = app.get("/api/v1/reminder-settings", Some(&t.token)).await;
    assert_eq!(again, saved);
    assert_eq!(audit_count(&app, &t, "reminder_settings.update").await, 1);

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"offsets": [{"days": 1, "channels": ["sms"]}, {"days": 1, "channels": ["email"]}]}),
            "offsets[1].days",
            "duplicate_offset",
        ),
        (
            json!({"offsets": [{"days": 91, "channels": ["sms"]}]}),
            "offsets[0].days",
            "invalid_offset",
        ),
        (
            json!({"offsets": [{"days": 1, "channels": ["fax"]}]}),
            "offsets[0].channels",
            "invalid_channel",
        ),
        (
            json!({"offsets": [{"days": 1, "channels": []}]}),
            "offsets[0].channels",
            "invalid_channel",
        ),
        (json!({"send_time": "9am"}), "send_time", "invalid_time"),
        (
            json!({"time_zone": "Mars/Olympus"}),
            "time_zone",
            "invalid_time_zone",
        ),
        (
            json!({"quiet_hours": {"start": "25:00", "end": "08:00"}}),
            "quiet_hours.start",
            "invalid_time",
        ),
        (
            json!({"quiet_hours": {"start": "08:00", "end": "08:00"}}),
            "quiet_hours.end",
            "invalid_time",
        ),
        (
            json!({"sms_signature": "【x】"}),
            "sms_signature",
            "invalid_sms_signature",
        ),
        (
            json!({"late_window_hours": 0}),
            "late_window_hours",
            "invalid_late_window",
        ),
    ];
    for (patch, field, code) in cases {
        let mut body = settings_body();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, b) = app
            .put("/api/v1/reminder-settings", Some(&t.token), body)
            .await;
        common::assert_error(s, &b, 422, code);
        assert_eq!(b["field"], field, "{b}");
    }
    let (_, unchanged) = app.get("/api/v1/reminder-settings", Some(&t.token)).await;
    assert_eq!(unchanged, saved, "refused changes change nothing");

    // No quiet hours at all.
    let mut body = settings_body();
    body["quiet_hours"] = Value::Null;
    let (s, b) = app
        .put("/api/v1/reminder-settings", Some(&t.token), body)
        .await;
    assert_eq!((s, &b["quiet_hours"]), (200, &Value::Null));
    let (s, b) = app.get("/api/v1/reminder-settings", None).await;
    common::assert_error(s, &b, 401, "unauthorized");
}

#[tokio::test]
async fn templates_that_would_not_render_are_refused_naming_the_field() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, list) = app.get("/api/v1/message-templates", Some(&t.token)).await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 6, "three kinds by two channels");
    let overdue_sms = list
        .iter()
        .find(|x| x["kind"] == "reminder_overdue" && x["channel"] == "sms")
        .unwrap();
    assert!(overdue_sms["body"]
        .as_str()
        .unwrap()
        .starts_with("尊敬的{borrower_name}"));
    let email = list
        .iter()
        .find(|x| x["kind"] == "reminder_due_today" && x["channel"] == "email")
        .unwrap();
    assert!(email["subject"]
        .as_str()
        .unwrap()
        .contains("{company_name}"));

    let path = "/api/v1/message-templates/reminder_due_today/sms";
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"body": "尊敬的{客户名}，请还款"}),
            "body",
            "template_unknown_placeholder",
        ),
        (
            json!({"body": "尊敬的{borrower_name，请还款"}),
            "body",
            "template_unbalanced_braces",
        ),
        (
            json!({"body": "请还款}"}),
            "body",
            "template_unbalanced_braces",
        ),
        (json!({"body": "   "}), "body", "template_empty"),
        (
            json!({"body": "ok", "subject": "x"}),
            "subject",
            "subject_not_allowed",
        ),
        (
            json!({"body": "ok", "provider_template_code": "SMS 1"}),
            "provider_template_code",
            "invalid_provider_template_code",
        ),
        (
            json!({"body": "ok", "provider_params": {"amount": "money"}}),
            "provider_params.amount",
            "template_unknown_placeholder",
        ),
    ];
    for (body, field, code) in cases {
        let (s, b) = app.put(path, Some(&t.token), body).await;
        common::assert_error(s, &b, 422, code);
        assert_eq!(b["field"], field, "{b}");
    }
    let (s, b) = app
        .put(
            "/api/v1/message-templates/reminder_overdue/email",
            Some(&t.token),
            json!({"body": "{borrower_name}"}),
        )
        .await;
    common::assert_error(s, &b, 422, "subject_required");
    let (s, b) = app
        .put(
            "/api/v1/message-templates/reminder_overdue/email",
            Some(&t.token),
            json!({"subject": "{due_date", "body": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "template_unbalanced_braces");
    assert_eq!(b["field"], "subject");
    let (s, b) = app
        .put(
            "/api/v1/message-templates/birthday/sms",
            Some(&t.token),
            json!({"body": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_template_kind");
    let (s, b) = app
        .put(
            "/api/v1/message-templates/reminder_overdue/fax",
            Some(&t.token),
            json!({"body": "x"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_channel");

    let (_, after) = app.get("/api/v1/message-templates", Some(&t.token)).await;
    assert_eq!(
        after.as_array().unwrap(),
        list,
        "refused templates change nothing"
    );

    let (s, saved) = app
        .put(
            path,
            Some(&t.token),
            json!({
                "body": "{borrower_name}您好，今日应还{amount_due}元。{link}",
                "provider_template_code": "SMS_480210",
                "provider_params": {"name": "borrower_name", "amount": "amount_due"}
            }),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(
        saved["provider_params"],
        json!({"amount": "amount_due", "name": "borrower_name"})
    );
    assert_eq!(saved["provider_template_code"], "SMS_480210");
    assert_eq!(audit_count(&app, &t, "message_template.update").await, 1);
}

#[tokio::test]
async fn opt_outs_are_kept_per_recipient_and_channel() {
    let app = common::spawn().await;
    let t = app.tenant().await;
    let (s, created) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": "+86 13800138000", "channel": "sms", "reason": "借款人要求不再发送短信"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["recipient"], "13800138000");
    let (s, b) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": "13800138000", "channel": "sms"}),
        )
        .await;
    common::assert_error(s, &b, 409, "opt_out_exists");
    let (s, b) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": "12345", "channel": "sms"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_mobile");
    assert_eq!(b["field"], "recipient");
    let (s, b) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": "a@b", "channel": "email"}),
        )
        .await;
    common::assert_error(s, &b, 422, "invalid_email");
    let (s, _) = app
        .post(
            "/api/v1/contact-opt-outs",
            Some(&t.token),
            json!({"recipient": "Zhang@Example.COM", "channel": "email"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, page) = app
        .get("/api/v1/contact-opt-outs?channel=email", Some(&t.token))
        .await;
    assert_eq!((s, page["total"].as_i64()), (200, Some(1)));
    assert_eq!(page["items"][0]["recipient"], "Zhang@example.com");
    let (s, _) = app
        .delete("/api/v1/contact-opt-outs/sms/13800138000", Some(&t.token))
        .await;
    assert_eq!(s, 200);
    let (s, b) = app
        .delete("/api/v1/contact-opt-outs/sms/13800138000", Some(&t.token))
        .await;
    common::assert_error(s, &b, 404, "not_found");
    assert_eq!(audit_count(&app, &t, "contact_opt_out.create").await, 2);
    assert_eq!(audit_count(&app, &t, "contact_opt_out.delete").await, 1);
}

#[tokio::test]
async fn the_outbox_lists_validate_filters_and_stay_inside_the_tenant() {
    let app = common::spawn().await;
    let a = app.tenant().await;
    let b = app.tenant().await;
    let (s, page) = app
        .get("/api/v1/messages?status=in_doubt", Some(&a.token))
        .await;
    assert_eq!((s, page["total"].as_i64()), (200, Some(0)));
    let (s, e) = app
        .get("/api/v1/messages?status=lost", Some(&a.token))
        .await;
    common::assert_error(s, &e, 422, "invalid_status");
    let (s, e) = app
        .get("/api/v1/messages?channel=fax", Some(&a.token))
        .await;
    common::assert_error(s, &e, 422, "invalid_channel");

    // A message in A's outbox is invisible to B.
    let mut tx = platform::tenancy::begin(&app.state.pool, &a.created.tenant)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let id = tenant_app::messaging::outbox::enqueue(
        &mut tx,
        &tenant_app::messaging::outbox::NewMessage {
            dedupe_key: "inst:1:0:sms".into(),
            channel: platform::notify::Channel::Sms,
            recipient: "13800138000".into(),
            recipient_name: None,
            template_kind: "reminder_due_today".into(),
            subject: None,
            content: "【测试】您好".into(),
            sign_name: Some("测试".into()),
            provider_template_code: None,
            provider_params: Default::default(),
            due_at: now,
            expires_at: now + chrono::Duration::hours(1),
        },
        &platform::audit::Actor::system("test"),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let (s, m) = app
        .get(&format!("/api/v1/messages/{id}"), Some(&a.token))
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["message"]["status"], "pending");
    assert_eq!(m["attempt_log"], json!([]));
    let (s, e) = app
        .get(&format!("/api/v1/messages/{id}"), Some(&b.token))
        .await;
    common::assert_error(s, &e, 404, "not_found");
    let (s, e) = app
        .post(
            &format!("/api/v1/messages/{id}/resolve"),
            Some(&b.token),
            json!({"outcome": "sent", "reason": "x"}),
        )
        .await;
    common::assert_error(s, &e, 404, "not_found");
    let (s, e) = app
        .post(
            &format!("/api/v1/messages/{id}/resolve"),
            Some(&a.token),
            json!({"outcome": "sent", "reason": "x"}),
        )
        .await;
    common::assert_error(s, &e, 409, "message_not_in_doubt");
    let (s, e) = app
        .post(
            &format!("/api/v1/messages/{id}/resolve"),
            Some(&a.token),
            json!({"outcome": "maybe", "reason": "x"}),
        )
        .await;
    common::assert_error(s, &e, 422, "invalid_outcome");
    let (_, page) = app
        .get(
            "/api/v1/messages?status=pending&channel=sms",
            Some(&a.token),
        )
        .await;
    assert_eq!(page["total"], 1);
    let (_, page) = app.get("/api/v1/messages", Some(&b.token)).await;
    assert_eq!(page["total"], 0);
}
