//! The one error type of the engine: a stable machine code, the input field at fault, a message.

use serde::Serialize;

/// A refusal by the engine: `code` is stable snake_case for machines, `field` names the input at fault, `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    /// The input field at fault (`"principal"`, `"rate"`, `"months"`, `"custom"`, …), when one is.
    pub field: Option<&'static str>,
    /// Stable snake_case code (`"invalid_principal"`, `"apr_above_cap"`, …).
    pub code: &'static str,
    /// Human-readable explanation, in English.
    pub message: String,
}

impl EngineError {
    /// An error caused by one named input field.
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            code,
            message: message.into(),
        }
    }

    /// An error not attributable to a single input field.
    pub fn general(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: None,
            code,
            message: message.into(),
        }
    }
}

/// Result alias used throughout the engine.
pub type EngineResult<T> = Result<T, EngineError>;
