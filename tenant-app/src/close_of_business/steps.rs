//! The steps of one business date, in LOAN-MATH order, each run in the
//! date's transaction and each idempotent within it.

use chrono::{Duration, NaiveDate};
use platform::{
    audit::Actor,
    tenancy::{TenantRef, TenantTx},
};
use serde_json::Value;

/// Reminders produced by the close of `date` go out on the next day (at the
/// tenant's send time, after the night's close): the close of D produces the
/// reminders whose send date is D + 1.
pub fn reminder_send_date(date: NaiveDate) -> NaiveDate {
    date + Duration::days(1)
}

/// Runs the steps for `date`; returns each step's name and result.
pub async fn run(
    _tx: &mut TenantTx,
    _tenant: &TenantRef,
    _date: NaiveDate,
    _actor: &Actor,
) -> anyhow::Result<Vec<(&'static str, Value)>> {
    Ok(Vec::new())
}
