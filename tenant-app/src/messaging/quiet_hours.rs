//! Quiet hours: a daily window of local time in which no SMS goes out; a
//! message due inside it waits for the window's end (deferred, not dropped).

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A daily window `[start, end)` in a time zone; `start > end` spans midnight
/// (21:00–08:00); `start == end` is no window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub time_zone: Tz,
}

impl QuietHours {
    /// `None` when `now` is outside the window, else the moment it ends.
    pub fn until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.time_zone);
        let t = local.time();
        let today = local.date_naive();
        let end_day = if self.start == self.end {
            return None;
        } else if self.start < self.end {
            if t >= self.start && t < self.end {
                today
            } else {
                return None;
            }
        } else if t >= self.start {
            today + Duration::days(1)
        } else if t < self.end {
            today
        } else {
            return None;
        };
        let end = end_day.and_time(self.end);
        // A gap (daylight saving) has no such local time: take the first moment after it.
        let resolved = self
            .time_zone
            .from_local_datetime(&end)
            .earliest()
            .or_else(|| {
                self.time_zone
                    .from_local_datetime(&(end + Duration::hours(1)))
                    .earliest()
            })?;
        Some(resolved.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn overnight_window_defers_to_the_next_morning() {
        let q = QuietHours {
            start: hm(21, 0),
            end: hm(8, 0),
            time_zone: chrono_tz::Asia::Shanghai,
        };
        assert_eq!(q.until(shanghai(2026, 3, 31, 20, 59)), None);
        assert_eq!(
            q.until(shanghai(2026, 3, 31, 21, 0)),
            Some(shanghai(2026, 4, 1, 8, 0))
        );
        assert_eq!(
            q.until(shanghai(2026, 3, 31, 23, 30)),
            Some(shanghai(2026, 4, 1, 8, 0))
        );
        assert_eq!(
            q.until(shanghai(2026, 4, 1, 7, 59)),
            Some(shanghai(2026, 4, 1, 8, 0))
        );
        assert_eq!(q.until(shanghai(2026, 4, 1, 8, 0)), None);
        // 21:00 Shanghai is 13:00 UTC
        assert_eq!(
            shanghai(2026, 3, 31, 21, 0).format("%H:%M").to_string(),
            "13:00"
        );
    }

    #[test]
    fn same_day_window_and_empty_window() {
        let q = QuietHours {
            start: hm(12, 0),
            end: hm(14, 0),
            time_zone: chrono_tz::Asia::Shanghai,
        };
        assert_eq!(
            q.until(shanghai(2026, 3, 31, 13, 0)),
            Some(shanghai(2026, 3, 31, 14, 0))
        );
        assert_eq!(q.until(shanghai(2026, 3, 31, 14, 0)), None);
        let none = QuietHours {
            start: hm(9, 0),
            end: hm(9, 0),
            time_zone: chrono_tz::Asia::Shanghai,
        };
        assert_eq!(none.until(shanghai(2026, 3, 31, 9, 0)), None);
    }
}
