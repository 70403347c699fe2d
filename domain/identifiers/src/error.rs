//! The one error type of this crate: which field, a stable code, a message for people.

/// An input that is not a valid identifier, with a stable machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message} ({code})")]
pub struct IdentifierError {
    /// The input field the value was meant for, e.g. `"id_card_number"`.
    pub field: &'static str,
    /// Stable machine-readable code, e.g. `"invalid_id_card"`.
    pub code: &'static str,
    /// What is wrong, for people; never contains the rejected value in full.
    pub message: String,
}

impl IdentifierError {
    /// Builds an error from its three parts.
    pub(crate) fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}
