//! When a tenant's close of business runs: a local time and time zone
//! (default 00:30 Asia/Shanghai), and the first business date to close.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

/// The tenant's close-of-business settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CobSettings {
    /// Local time at which the previous day is closed.
    pub run_at: NaiveTime,
    pub time_zone: Tz,
    /// The first business date to close (None: the date before the first run).
    pub first_business_date: Option<NaiveDate>,
}

impl CobSettings {
    /// The latest business date that may be closed at `now`: yesterday
    /// (local) once today's `run_at` has passed, else the day before.
    pub fn closable_through(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = now.with_timezone(&self.time_zone).naive_local();
        let shifted = local - (self.run_at - NaiveTime::MIN);
        shifted.date() - Duration::days(1)
    }
}

/// Loads the settings.
pub async fn load(conn: &mut PgConnection) -> anyhow::Result<CobSettings> {
    let (run_at, zone, first): (NaiveTime, String, Option<NaiveDate>) = sqlx::query_as(
        "select run_at, time_zone, first_business_date from cob_settings where id = 1",
    )
    .fetch_one(conn)
    .await
    .context("failed to read the close-of-business settings")?;
    let time_zone = zone
        .parse::<Tz>()
        .map_err(|e| anyhow::anyhow!("bad close-of-business time zone {zone:?}: {e}"))?;
    Ok(CobSettings {
        run_at,
        time_zone,
        first_business_date: first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn settings() -> CobSettings {
        CobSettings {
            run_at: NaiveTime::from_hms_opt(0, 30, 0).unwrap_or_default(),
            time_zone: chrono_tz::Asia::Shanghai,
            first_business_date: None,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_previous_day_closes_after_the_local_run_time() {
        let s = settings();
        // 00:29 in Shanghai on 1 April is 16:29 UTC on 31 March: 30 March closable.
        let before = Utc
            .with_ymd_and_hms(2026, 3, 31, 16, 29, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(s.closable_through(before), d(2026, 3, 30));
        // 00:30 in Shanghai: 31 March closes.
        let at = Utc
            .with_ymd_and_hms(2026, 3, 31, 16, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(s.closable_through(at), d(2026, 3, 31));
    }
}
