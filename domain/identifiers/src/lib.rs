//! Identifiers that cross the edge of the system, parsed once into newtypes
//! whose only constructor checks them: ID card numbers, unified social credit
//! codes, mobile numbers, tenant codes and e-mail addresses.
#![warn(missing_docs)]

mod credit_code;
mod email;
mod error;
mod id_card;
mod mobile;
mod tenant_code;

pub use credit_code::CreditCode;
pub use email::EmailAddress;
pub use error::IdentifierError;
pub use id_card::{IdCardNumber, Sex};
pub use mobile::MobileNumber;
pub use tenant_code::TenantCode;

/// Today's date in China (UTC+8, no daylight saving), the reference for "not in the future".
fn today_in_china() -> chrono::NaiveDate {
    const CHINA_OFFSET_SECONDS: i64 = 8 * 3600;
    (chrono::Utc::now().naive_utc() + chrono::Duration::seconds(CHINA_OFFSET_SECONDS)).date()
}
