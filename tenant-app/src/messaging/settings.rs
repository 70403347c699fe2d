//! A tenant's reminder settings: the offsets (days before or after the due
//! date) and channels of each, the local send time and time zone, quiet
//! hours for SMS, the SMS signature and how late a reminder may still go.
//! One row per tenant (`reminder_settings`), created with defaults by the
//! migration: −3, 0, +1, +7 days; no SMS 21:00–08:00 Asia/Shanghai.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    notify::Channel,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};
use sqlx::PgConnection;

use super::quiet_hours::QuietHours;
use crate::ApiTag;

/// One offset: how many days from the due date, and by which channels.
#[derive(Debug, Clone, PartialEq, Eq, Object, serde::Serialize, serde::Deserialize)]
pub struct OffsetRule {
    /// Days relative to the due date: −3 is three days before, 0 the due date, 7 a week after.
    pub days: i32,
    /// `sms` and/or `email`.
    pub channels: Vec<String>,
}

/// A tenant's reminder settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    pub enabled: bool,
    pub offsets: Vec<OffsetRule>,
    pub send_time: NaiveTime,
    pub time_zone: Tz,
    pub quiet_hours: Option<QuietHours>,
    /// The SMS signature; `None`: the company's name.
    pub sms_signature: Option<String>,
    pub late_window_hours: i32,
    pub updated_at: DateTime<Utc>,
}

impl ReminderSettings {
    /// The channels of an offset (empty when the offset is not configured).
    pub fn channels_for(&self, days: i32) -> Vec<Channel> {
        self.offsets
            .iter()
            .find(|o| o.days == days)
            .map(|o| {
                o.channels
                    .iter()
                    .filter_map(|c| Channel::parse(c))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    enabled: bool,
    offsets: serde_json::Value,
    send_time: NaiveTime,
    time_zone: String,
    quiet_start: Option<NaiveTime>,
    quiet_end: Option<NaiveTime>,
    sms_signature: Option<String>,
    late_window_hours: i32,
    updated_at: DateTime<Utc>,
}

/// Loads the settings inside a tenant transaction (locking the row when `for_update`).
pub async fn load(conn: &mut PgConnection, for_update: bool) -> anyhow::Result<ReminderSettings> {
    let sql = format!(
        "select enabled, offsets, send_time, time_zone, quiet_start, quiet_end, sms_signature, late_window_hours, updated_at
           from reminder_settings where id = 1{}",
        if for_update { " for update" } else { "" }
    );
    let row: SettingsRow = sqlx::query_as(&sql).fetch_one(&mut *conn).await?;
    let time_zone: Tz = row
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("stored time zone {:?} is unknown", row.time_zone))?;
    let offsets: Vec<OffsetRule> = serde_json::from_value(row.offsets)?;
    Ok(ReminderSettings {
        enabled: row.enabled,
        offsets,
        send_time: row.send_time,
        time_zone,
        quiet_hours: match (row.quiet_start, row.quiet_end) {
            (Some(start), Some(end)) => Some(QuietHours {
                start,
                end,
                time_zone,
            }),
            _ => None,
        },
        sms_signature: row.sms_signature,
        late_window_hours: row.late_window_hours,
        updated_at: row.updated_at,
    })
}

/// A daily window of local time.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct TimeWindow {
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM`, local time; before `start` spans midnight.
    pub end: String,
}

/// Reminder settings as staff see and change them.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct ReminderSettingsBody {
    /// Whether close of business produces reminders at all.
    pub enabled: bool,
    /// Up to 10 offsets, days unique, −30 to 90.
    pub offsets: Vec<OffsetRule>,
    /// `HH:MM`: the local time reminders are meant to go out.
    pub send_time: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// No SMS in this window (deferred to its end); null: none.
    pub quiet_hours: Option<TimeWindow>,
    /// SMS signature (签名), 2 to 20 characters; null: the company's name.
    pub sms_signature: Option<String>,
    /// A reminder not sent within this many hours of its moment is skipped, not sent late (1 to 720).
    pub late_window_hours: i32,
    pub updated_at: DateTime<Utc>,
}

/// New reminder settings (every field; a missing optional one means none).
#[derive(Debug, Clone, Object)]
pub struct PutReminderSettings {
    pub enabled: bool,
    pub offsets: Vec<OffsetRule>,
    pub send_time: String,
    pub time_zone: String,
    pub quiet_hours: Option<TimeWindow>,
    pub sms_signature: Option<String>,
    pub late_window_hours: i32,
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn parse_hhmm(field: &str, text: &str) -> ApiResult<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| ApiError::validation(field, "invalid_time", "a local time HH:MM, e.g. 09:00"))
}

impl From<&ReminderSettings> for ReminderSettingsBody {
    fn from(s: &ReminderSettings) -> Self {
        Self {
            enabled: s.enabled,
            offsets: s.offsets.clone(),
            send_time: hhmm(s.send_time),
            time_zone: s.time_zone.name().to_string(),
            quiet_hours: s.quiet_hours.map(|q| TimeWindow {
                start: hhmm(q.start),
                end: hhmm(q.end),
            }),
            sms_signature: s.sms_signature.clone(),
            late_window_hours: s.late_window_hours,
            updated_at: s.updated_at,
        }
    }
}

/// Validates new settings into their stored form, naming the field at fault.
/// New settings in their stored form.
struct Validated {
    offsets: Vec<OffsetRule>,
    send_time: NaiveTime,
    time_zone: Tz,
    quiet: Option<(NaiveTime, NaiveTime)>,
    signature: Option<String>,
}

fn validate(body: &PutReminderSettings) -> ApiResult<Validated> {
    if body.offsets.len() > 10 {
        return Err(ApiError::validation(
            "offsets",
            "too_many_offsets",
            "at most 10 offsets",
        ));
    }
    let mut offsets = Vec::with_capacity(body.offsets.len());
    for (i, rule) in body.offsets.iter().enumerate() {
        if !(-30..=90).contains(&rule.days) {
            return Err(ApiError::validation(
                format!("offsets[{i}].days"),
                "invalid_offset",
                "days from −30 to 90",
            ));
        }
        if offsets.iter().any(|o: &OffsetRule| o.days == rule.days) {
            return Err(ApiError::validation(
                format!("offsets[{i}].days"),
                "duplicate_offset",
                "each offset once",
            ));
        }
        let mut channels: Vec<String> = Vec::new();
        for c in &rule.channels {
            if Channel::parse(c).is_none() {
                return Err(ApiError::validation(
                    format!("offsets[{i}].channels"),
                    "invalid_channel",
                    "channels are sms or email",
                ));
            }
            if !channels.contains(c) {
                channels.push(c.clone());
            }
        }
        if channels.is_empty() {
            return Err(ApiError::validation(
                format!("offsets[{i}].channels"),
                "invalid_channel",
                "at least one channel",
            ));
        }
        offsets.push(OffsetRule {
            days: rule.days,
            channels,
        });
    }
    offsets.sort_by_key(|o| o.days);
    let send_time = parse_hhmm("send_time", &body.send_time)?;
    let time_zone: Tz = body.time_zone.parse().map_err(|_| {
        ApiError::validation(
            "time_zone",
            "invalid_time_zone",
            "an IANA time zone, e.g. Asia/Shanghai",
        )
    })?;
    let quiet = match &body.quiet_hours {
        None => None,
        Some(w) => {
            let start = parse_hhmm("quiet_hours.start", &w.start)?;
            let end = parse_hhmm("quiet_hours.end", &w.end)?;
            if start == end {
                return Err(ApiError::validation(
                    "quiet_hours.end",
                    "invalid_time",
                    "the window is empty; send null for no quiet hours",
                ));
            }
            Some((start, end))
        }
    };
    let signature = match body.sms_signature.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(sig) => {
            let n = sig.chars().count();
            if !(2..=20).contains(&n) || sig.contains(['【', '】', '[', ']']) {
                return Err(ApiError::validation(
                    "sms_signature",
                    "invalid_sms_signature",
                    "2 to 20 characters, without brackets",
                ));
            }
            Some(sig.to_string())
        }
    };
    if !(1..=720).contains(&body.late_window_hours) {
        return Err(ApiError::validation(
            "late_window_hours",
            "invalid_late_window",
            "1 to 720 hours",
        ));
    }
    Ok(Validated {
        offsets,
        send_time,
        time_zone,
        quiet,
        signature,
    })
}

/// Reminder settings endpoints.
pub struct ReminderSettingsApi;

#[OpenApi(tag = "ApiTag::Messaging")]
impl ReminderSettingsApi {
    /// The company's reminder settings.
    #[oai(
        path = "/reminder-settings",
        method = "get",
        operation_id = "get_reminder_settings"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<ReminderSettingsBody>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let settings = load(&mut tx, false).await?;
        tx.commit().await?;
        Ok(Json((&settings).into()))
    }

    /// Replace the company's reminder settings.
    #[oai(
        path = "/reminder-settings",
        method = "put",
        operation_id = "put_reminder_settings"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<PutReminderSettings>,
    ) -> ApiResult<Json<ReminderSettingsBody>> {
        let Validated {
            offsets,
            send_time,
            time_zone,
            quiet,
            signature,
        } = validate(&body)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before = load(&mut tx, true).await?;
        sqlx::query(
            "update reminder_settings set enabled = $1, offsets = $2, send_time = $3, time_zone = $4,
                    quiet_start = $5, quiet_end = $6, sms_signature = $7, late_window_hours = $8
              where id = 1",
        )
        .bind(body.enabled)
        .bind(serde_json::to_value(&offsets).map_err(anyhow::Error::from)?)
        .bind(send_time)
        .bind(time_zone.name())
        .bind(quiet.map(|q| q.0))
        .bind(quiet.map(|q| q.1))
        .bind(&signature)
        .bind(body.late_window_hours)
        .execute(&mut *tx)
        .await?;
        let after = load(&mut tx, false).await?;
        let change = Change {
            action: "reminder_settings.update",
            entity_type: "reminder_settings",
            entity_id: Some("1".into()),
            before: serde_json::to_value(ReminderSettingsBody::from(&before)).ok(),
            after: serde_json::to_value(ReminderSettingsBody::from(&after)).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json((&after).into()))
    }
}
