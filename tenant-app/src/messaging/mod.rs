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
/// Permissions of the messaging endpoints.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/reminder-settings", "message.read"),
    platform::rbac::RouteRule::new("PUT", "/api/v1/reminder-settings", "message.configure"),
    platform::rbac::RouteRule::new("GET", "/api/v1/message-templates", "message.read"),
    platform::rbac::RouteRule::new(
        "PUT",
        "/api/v1/message-templates/:kind/:channel",
        "message.configure",
    ),
    platform::rbac::RouteRule::new("GET", "/api/v1/messages", "message.read"),
    platform::rbac::RouteRule::new("GET", "/api/v1/messages/:id", "message.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/messages/:id/resolve", "message.resolve"),
    platform::rbac::RouteRule::new("GET", "/api/v1/contact-opt-outs", "message.read"),
    platform::rbac::RouteRule::new("POST", "/api/v1/contact-opt-outs", "message.opt_out"),
    platform::rbac::RouteRule::new(
        "DELETE",
        "/api/v1/contact-opt-outs/:channel/:recipient",
        "message.opt_out",
    ),
];

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
