//! Messages to borrowers (消息中心): reminder settings and templates, the
//! outbox with its staff work lists, opt-outs, and the dispatcher that sends
//! each message exactly once (see [`dispatch`]).
//!
//! Close of business produces reminders through [`reminders::plan`] and
//! [`reminders::enqueue_reminder`]; the `messages.dispatch` job
//! ([`dispatch::DispatchJob`]) sends them.

pub mod dispatch;
pub mod opt_outs;
pub mod outbox;
pub mod quiet_hours;
pub mod reminders;
pub mod settings;
pub mod template;
pub mod templates;

/// The messaging endpoints of `/api/v1`.
pub type MessagingApi = (
    settings::ReminderSettingsApi,
    templates::TemplatesApi,
    outbox::OutboxApi,
    opt_outs::OptOutsApi,
);

/// The messaging endpoints.
pub fn api() -> MessagingApi {
    (
        settings::ReminderSettingsApi,
        templates::TemplatesApi,
        outbox::OutboxApi,
        opt_outs::OptOutsApi,
    )
}
