//! Borrower reminders, as close of business will produce them: which
//! reminders fall on a day ([`plan`]), and one outbox row per (installment,
//! offset, channel) rendered from the tenant's template ([`enqueue_reminder`]).
//! Both are idempotent, so a re-run of close of business adds nothing.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use platform::{audit::Actor, notify::Channel};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    opt_outs::normalise_recipient,
    outbox::{self, NewMessage},
    settings::ReminderSettings,
    template::{self, Placeholders},
    templates,
};

/// The reminders of one offset that fall on a send date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSlot {
    pub offset_days: i32,
    /// Installments due on this date (and unpaid) get the reminder.
    pub due_date: NaiveDate,
    pub channels: Vec<Channel>,
    /// The template kind.
    pub kind: &'static str,
}

/// The reminders to produce for `send_date`: for each configured offset,
/// the installments due `offset` days before it (none when reminders are off).
pub fn plan(settings: &ReminderSettings, send_date: NaiveDate) -> Vec<ReminderSlot> {
    if !settings.enabled {
        return Vec::new();
    }
    settings
        .offsets
        .iter()
        .map(|o| ReminderSlot {
            offset_days: o.days,
            due_date: send_date - Duration::days(i64::from(o.days)),
            channels: settings.channels_for(o.days),
            kind: templates::reminder_kind(o.days),
        })
        .collect()
}

/// The moment reminders of a send date are meant for: its local send time.
pub fn moment(settings: &ReminderSettings, send_date: NaiveDate) -> DateTime<Utc> {
    let local = send_date.and_time(settings.send_time);
    settings
        .time_zone
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            settings
                .time_zone
                .from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// The outbox dedupe key of a reminder: `inst:<installment id>:<offset days>:<channel>`.
pub fn dedupe_key(installment_id: i64, offset_days: i32, channel: Channel) -> String {
    format!("inst:{installment_id}:{offset_days}:{channel}")
}

/// One reminder to produce.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub installment_id: i64,
    pub offset_days: i32,
    pub channel: Channel,
    /// The borrower's mobile number or email address.
    pub recipient: String,
    pub recipient_name: Option<String>,
    /// The day it goes out (its moment is that day's send time).
    pub send_date: NaiveDate,
    /// The placeholders' values (`company_name` included).
    pub values: Placeholders,
}

/// Renders a reminder from the tenant's template and adds it to the
/// outbox; `None` when it was there already. Runs in the caller's tenant
/// transaction (close of business's), auditing as `actor`.
pub async fn enqueue_reminder(
    conn: &mut PgConnection,
    settings: &ReminderSettings,
    reminder: &Reminder,
    actor: &Actor,
) -> anyhow::Result<Option<Uuid>> {
    let recipient = normalise_recipient("recipient", reminder.channel, &reminder.recipient)
        .map_err(|e| anyhow::anyhow!("installment {}: {}", reminder.installment_id, e.message))?;
    let kind = templates::reminder_kind(reminder.offset_days);
    let tpl = templates::load(conn, kind, reminder.channel)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no {kind} template for {}", reminder.channel))?;
    let body = template::render(&tpl.body, &reminder.values)?;
    let subject = tpl
        .subject
        .as_deref()
        .map(|s| template::render(s, &reminder.values))
        .transpose()?;
    let (content, sign_name) = match reminder.channel {
        Channel::Sms => {
            let sign = settings
                .sms_signature
                .clone()
                .unwrap_or_else(|| reminder.values.company_name.clone());
            (format!("【{sign}】{body}"), Some(sign))
        }
        Channel::Email => (body, None),
    };
    let params: std::collections::BTreeMap<String, String> =
        serde_json::from_value(tpl.provider_params.clone())?;
    let due_at = moment(settings, reminder.send_date);
    let message = NewMessage {
        dedupe_key: dedupe_key(
            reminder.installment_id,
            reminder.offset_days,
            reminder.channel,
        ),
        channel: reminder.channel,
        recipient,
        recipient_name: reminder.recipient_name.clone(),
        template_kind: kind.to_string(),
        subject,
        content,
        sign_name,
        provider_template_code: tpl.provider_template_code.clone(),
        provider_params: template::render_provider_params(&params, &reminder.values),
        due_at,
        expires_at: due_at + Duration::hours(i64::from(settings.late_window_hours)),
    };
    outbox::enqueue(conn, &message, actor).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::settings::OffsetRule;

    fn settings() -> ReminderSettings {
        ReminderSettings {
            enabled: true,
            offsets: vec![
                OffsetRule {
                    days: -3,
                    channels: vec!["sms".into()],
                },
                OffsetRule {
                    days: 0,
                    channels: vec!["sms".into(), "email".into()],
                },
                OffsetRule {
                    days: 7,
                    channels: vec!["email".into()],
                },
            ],
            send_time: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            time_zone: chrono_tz::Asia::Shanghai,
            quiet_hours: None,
            sms_signature: None,
            late_window_hours: 24,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_send_date_collects_each_offsets_due_date() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 10).unwrap_or_default();
        let slots = plan(&settings(), d);
        let due: Vec<(i32, String)> = slots
            .iter()
            .map(|s| (s.offset_days, s.due_date.to_string()))
            .collect();
        assert_eq!(
            due,
            vec![
                (-3, "2026-04-13".into()),
                (0, "2026-04-10".into()),
                (7, "2026-04-03".into())
            ]
        );
        assert_eq!(slots[1].channels, vec![Channel::Sms, Channel::Email]);
        assert_eq!(slots[2].kind, "reminder_overdue");
        let mut off = settings();
        off.enabled = false;
        assert!(plan(&off, d).is_empty());
    }

    #[test]
    fn the_moment_is_the_local_send_time() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 10).unwrap_or_default();
        assert_eq!(
            moment(&settings(), d).to_rfc3339(),
            "2026-04-10T01:00:00+00:00"
        );
        assert_eq!(dedupe_key(42, -3, Channel::Sms), "inst:42:-3:sms");
    }
}
