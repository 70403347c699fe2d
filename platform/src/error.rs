//! The one error type of the HTTP APIs. Every failure leaves as JSON
//! `{"code","message","request_id"}` (plus `field` for validation errors),
//! with a stable machine-readable `code`; internal details are logged, never sent.

use std::borrow::Cow;

use poem::{http::StatusCode, IntoResponse, Response};
use poem_openapi::{
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    ApiResponse, Object,
};

use crate::http::request_id;

/// Result of a handler or repository function.
pub type ApiResult<T> = Result<T, ApiError>;

/// An error a client receives.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    pub field: Option<String>,
    #[source]
    pub source: Option<anyhow::Error>,
}

/// The JSON body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The request id, also in the `X-Request-Id` response header and the logs.
    pub request_id: String,
    /// The input field at fault, for validation errors.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
            source: None,
        }
    }
    /// 422: the input is well-formed but not acceptable; names the field.
    pub fn validation(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }
    /// 400: the request itself is malformed.
    pub fn bad_request(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 404 for an entity that does not exist or is outside the caller's reach.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    /// 409: the request conflicts with the current state.
    pub fn conflict(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// 401: no valid credentials.
    pub fn unauthorized(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    /// 403: authenticated but not allowed.
    pub fn forbidden(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    /// 500: logged with its cause chain; the client sees only the request id.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(err.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "internal error; quote the request id to support",
            )
        }
    }
    /// The JSON body, with the current request's id.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.to_string(),
            message: self.message.clone(),
            request_id: request_id::current(),
            field: self.field.clone(),
        }
    }
    /// Builds the JSON response (logging internal errors with their cause chain).
    pub fn to_response(&self) -> Response {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => tracing::error!(code = %self.code, "request failed: {source:#}"),
                None => tracing::error!(code = %self.code, "request failed: {}", self.message),
            }
        }
        poem::web::Json(self.body())
            .with_status(self.status)
            .into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<ApiError>() {
            Ok(api) => api,
            Err(err) => Self::internal(err),
        }
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(err: redis::RedisError) -> Self {
        Self::internal(err)
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn as_response(&self) -> Response {
        self.to_response()
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let content = || {
            vec![MetaMediaType {
                content_type: "application/json; charset=utf-8",
                schema: <ErrorBody as poem_openapi::types::Type>::schema_ref(),
            }]
        };
        let statuses: [(u16, &'static str); 11] = [
            (
                400,
                "Malformed request (`malformed_json`, `invalid_body`, `invalid_parameter`)",
            ),
            (401, "Missing, invalid or expired token (`unauthorized`)"),
            (
                403,
                "Not permitted (`forbidden`, `password_change_required`, `tenant_suspended`, `trial_expired`, `tenant_closed`, `plan_limit_reached`)",
            ),
            (
                404,
                "Not found, or outside the caller's tenant or scope (`not_found`)",
            ),
            (409, "Conflicts with the current state"),
            (410, "An emailed link that has expired (`*_expired`)"),
            (413, "Payload too large (`payload_too_large`)"),
            (422, "Validation failed; `field` names the input"),
            (429, "Too many requests (`rate_limited`)"),
            (500, "Internal error (`internal_error`)"),
            (503, "A service the request needs is unavailable (`email_unavailable`)"),
        ];
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: content(),
                    headers: vec![],
                })
                .collect(),
        }
    }
    fn register(registry: &mut Registry) {
        <ErrorBody as poem_openapi::types::Type>::register(registry);
    }
}

/// Turns unique and check constraint violations into domain errors, in one place.
pub trait ConstraintExt<T> {
    /// When the error is a violation of `constraint`, returns `make()` instead.
    fn on_constraint(self, constraint: &str, make: impl FnOnce() -> ApiError) -> ApiResult<T>;
}

impl<T> ConstraintExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: &str, make: impl FnOnce() -> ApiError) -> ApiResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(sqlx::Error::Database(db)) if db.constraint() == Some(constraint) => Err(make()),
            Err(err) => Err(ApiError::internal(err)),
        }
    }
}

impl<T> ConstraintExt<T> for ApiResult<T> {
    fn on_constraint(self, constraint: &str, make: impl FnOnce() -> ApiError) -> ApiResult<T> {
        match self {
            Err(ApiError {
                source: Some(source),
                ..
            }) if source
                .downcast_ref::<sqlx::Error>()
                .and_then(|e| e.as_database_error())
                .and_then(|d| d.constraint())
                == Some(constraint) =>
            {
                Err(make())
            }
            other => other,
        }
    }
}
