//! The lending company's API (`/api/v1`): everything its staff do.

mod auth;
pub mod borrower_page;
mod branches;
pub mod close_of_business;
pub mod filings;
pub mod firm_profile;
pub mod ledger;
pub mod messaging;
mod regulator_link;
mod schedule_previews;

use poem_openapi::Tags;

/// Operation groups of `/api/v1`.
#[derive(Tags)]
enum ApiTag {
    /// Staff login and sessions.
    Auth,
    /// Branches (分支机构).
    Branches,
    /// Loan arithmetic previews.
    Schedules,
    /// The link to the regulator's licensing registry.
    RegulatorLink,
    /// General ledger (总账): accounts, vouchers, periods, statements, bank accounts, borrowings.
    Ledger,
    /// Borrower reminders: settings, templates, the outbox, opt-outs (消息中心).
    Messaging,
    /// What the company reports to the regulator: its firm profile and monthly filings (报送).
    Supervision,
    /// Close of business (日终): when it runs and what each closed date did.
    CloseOfBusiness,
}

/// Every operation of `/api/v1`.
pub type TenantApi = (
    auth::StaffAuthApi,
    branches::BranchesApi,
    schedule_previews::SchedulePreviewsApi,
    regulator_link::RegulatorLinkApi,
    ledger::LedgerApi,
    messaging::MessagingApi,
    firm_profile::FirmProfileApi,
    filings::FilingsApi,
    close_of_business::CloseOfBusinessApi,
);

/// The API value to serve.
pub fn api() -> TenantApi {
    (
        auth::StaffAuthApi,
        branches::BranchesApi,
        schedule_previews::SchedulePreviewsApi,
        regulator_link::RegulatorLinkApi,
        ledger::api(),
        messaging::api(),
        firm_profile::FirmProfileApi,
        filings::FilingsApi,
        close_of_business::CloseOfBusinessApi,
    )
}
