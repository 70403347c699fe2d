//! The lending company's API (`/api/v1`): everything its staff do.

pub mod access;
pub mod applications;
pub mod approval;
pub mod attachments;
pub mod auth;
pub mod borrower_page;
pub mod branches;
pub mod close_of_business;
pub mod customers;
pub mod filings;
pub mod firm_profile;
pub mod inbox;
pub mod ledger;
pub mod lending_settings;
pub mod limits;
pub mod messaging;
pub mod products;
pub mod ratings;
pub mod regulator_link;
pub mod schedule_previews;
pub mod supervision_feed;

use poem_openapi::Tags;

/// Operation groups of `/api/v1`.
#[derive(Tags)]
enum ApiTag {
    /// Staff login and sessions.
    Auth,
    /// Users, roles and permissions, the security policy, the audit trail (权限管理).
    Access,
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
    /// Customers (客户管理): records, links, blacklist, hand-overs, merges, attachments.
    Customers,
    /// Credit rating (资信评价) and credit limits (授信额度).
    Credit,
    /// Loan products (贷款产品) and lending limits.
    Products,
    /// Loan applications (项目办理), approval flows and work queues (贷款审批), the staff inbox.
    Applications,
    /// Approval flows, decisions, work queues and the staff inbox (贷款审批).
    Approval,
}

/// Every operation of `/api/v1`.
pub type TenantApi = (
    auth::StaffAuthApi,
    access::AccessApi,
    branches::BranchesApi,
    schedule_previews::SchedulePreviewsApi,
    regulator_link::RegulatorLinkApi,
    ledger::LedgerApi,
    messaging::MessagingApi,
    firm_profile::FirmProfileApi,
    filings::FilingsApi,
    close_of_business::CloseOfBusinessApi,
    customers::CustomersApi,
    (ratings::RatingsApi, limits::LimitsApi),
    (products::ProductsApi, lending_settings::LendingSettingsApi),
    approval::ApprovalApi,
);

/// The API value to serve.
pub fn api() -> TenantApi {
    (
        auth::StaffAuthApi,
        access::api(),
        branches::BranchesApi,
        schedule_previews::SchedulePreviewsApi,
        regulator_link::RegulatorLinkApi,
        ledger::api(),
        messaging::api(),
        firm_profile::FirmProfileApi,
        filings::FilingsApi,
        close_of_business::CloseOfBusinessApi,
        customers::api(),
        (ratings::RatingsApi, limits::LimitsApi),
        (products::ProductsApi, lending_settings::LendingSettingsApi),
        approval::api(),
    )
}
