//! Calendar helpers: month arithmetic from the value date, actual-day counts, the fixed repayment day.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::error::{EngineError, EngineResult};

/// `add_months(d, m)`: the same day `m` months later, clamped to the month's length (01-31 + 1 → 02-28/29).
pub fn add_months(d: NaiveDate, months: u32) -> EngineResult<NaiveDate> {
    d.checked_add_months(Months::new(months))
        .ok_or_else(out_of_range)
}

/// `d + days`.
pub fn add_days(d: NaiveDate, days: u32) -> EngineResult<NaiveDate> {
    d.checked_add_days(Days::new(u64::from(days)))
        .ok_or_else(out_of_range)
}

/// Actual days `later − earlier` (算头不算尾: 2026-01-10 to 2026-02-10 is 31); negative when `later` is earlier.
pub fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    (later - earlier).num_days()
}

/// Days from `earlier` to `later` as a non-negative count (0 when `later` is not after `earlier`).
pub(crate) fn days_after(earlier: NaiveDate, later: NaiveDate) -> u32 {
    u32::try_from(days_between(earlier, later).max(0)).unwrap_or(u32::MAX)
}

/// The first due date for fixed repayment day `day` (1–28): the first date after `d0` on that day of the month and at least 15 days after `d0`.
pub fn first_fixed_due_date(d0: NaiveDate, day: u32) -> EngineResult<NaiveDate> {
    let mut candidate = if day > d0.day() {
        d0.with_day(day).ok_or_else(out_of_range)?
    } else {
        add_months(d0.with_day(day).ok_or_else(out_of_range)?, 1)?
    };
    while days_between(d0, candidate) < 15 {
        candidate = add_months(candidate, 1)?;
    }
    Ok(candidate)
}

/// Whether `d` is the last day of its month.
pub fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.month() != d.month())
}

fn out_of_range() -> EngineError {
    EngineError::new(
        "start",
        "date_out_of_range",
        "the schedule runs past the last supported calendar date",
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_end_clamping_from_the_value_date() {
        let d0 = d("2026-01-31");
        assert_eq!(add_months(d0, 1).unwrap(), d("2026-02-28"));
        assert_eq!(add_months(d0, 2).unwrap(), d("2026-03-31"));
        assert_eq!(add_months(d0, 3).unwrap(), d("2026-04-30"));
        assert_eq!(add_months(d("2028-01-31"), 1).unwrap(), d("2028-02-29"));
        assert_eq!(add_months(d("2028-02-29"), 12).unwrap(), d("2029-02-28"));
    }

    #[test]
    fn actual_days() {
        assert_eq!(days_between(d("2026-01-10"), d("2026-02-10")), 31);
    }

    #[test]
    fn fixed_repay_day() {
        assert_eq!(
            first_fixed_due_date(d("2026-01-10"), 10).unwrap(),
            d("2026-02-10")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-05"), 25).unwrap(),
            d("2026-01-25")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-20"), 1).unwrap(),
            d("2026-03-01")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-20"), 5).unwrap(),
            d("2026-02-05")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-31"), 28).unwrap(),
            d("2026-02-28")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-13"), 28).unwrap(),
            d("2026-01-28")
        );
        assert_eq!(
            first_fixed_due_date(d("2026-01-14"), 28).unwrap(),
            d("2026-02-28")
        );
    }

    #[test]
    fn month_ends() {
        assert!(is_month_end(d("2028-02-29")));
        assert!(!is_month_end(d("2028-02-28")));
        assert!(is_month_end(d("2026-12-31")));
    }
}
