//! The outermost middleware: assigns the request id, checks the body (size,
//! JSON syntax), and turns every error — ours or the framework's — into the
//! JSON error body.

use poem::{
    error::{MethodNotAllowedError, NotFoundError, ParseJsonError},
    http::{header, HeaderValue, StatusCode},
    Endpoint, IntoResponse, Request, Response, Result,
};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
    ParseRequestPayloadError,
};
use tracing::Instrument;

use super::{metrics, request_id};
use crate::error::ApiError;

/// Middleware state: the largest body accepted.
pub struct JsonErrors {
    pub max_body_bytes: usize,
}

impl<E: Endpoint> poem::Middleware<E> for JsonErrors {
    type Output = JsonErrorsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        JsonErrorsEndpoint {
            inner: ep,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// See [`JsonErrors`].
pub struct JsonErrorsEndpoint<E> {
    inner: E,
    max_body_bytes: usize,
}

impl<E: Endpoint> Endpoint for JsonErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let id = request_id::accept_or_generate(
            req.headers()
                .get(request_id::HEADER)
                .and_then(|v| v.to_str().ok()),
        );
        let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
        let started = std::time::Instant::now();
        let method = req.method().to_string();
        let id_for_scope = id.clone();
        let mut resp = request_id::scope(id_for_scope, async {
            if let Err(err) = check_body(&mut req, self.max_body_bytes).await {
                return err.to_response();
            }
            match self.inner.call(req).await {
                Ok(resp) => resp.into_response(),
                Err(err) => {
                    let pattern = err.data::<poem::PathPattern>().cloned();
                    let mut resp = error_to_api(err).to_response();
                    if let Some(p) = pattern {
                        resp.set_data(p);
                    }
                    resp
                }
            }
        })
        .instrument(span.clone())
        .await;
        let route = resp
            .data::<poem::PathPattern>()
            .map(|p| p.0.to_string())
            .unwrap_or_else(|| "unmatched".to_string());
        metrics::record_request(&method, &route, resp.status().as_u16(), started.elapsed());
        span.in_scope(
            || tracing::info!(status = resp.status().as_u16(), route = %route, "request done"),
        );
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert(request_id::HEADER, value);
        }
        Ok(resp)
    }
}

/// Reads the body once with a size limit and refuses syntactically broken JSON.
async fn check_body(req: &mut Request, limit: usize) -> std::result::Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !is_json {
        return Ok(());
    }
    let bytes = req
        .take_body()
        .into_bytes_limit(limit)
        .await
        .map_err(|err| match err {
            poem::error::ReadBodyError::PayloadTooLarge => too_large(limit),
            other => ApiError::bad_request(
                "unreadable_body",
                format!("could not read the request body: {other}"),
            ),
        })?;
    if !bytes.is_empty() {
        if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {err}"),
            ));
        }
    }
    req.set_body(bytes);
    Ok(())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body exceeds {limit} bytes"),
    )
}

/// Maps any error to our JSON error with a stable code.
pub fn error_to_api(err: poem::Error) -> ApiError {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return ApiError {
            status: api.status,
            code: api.code.clone(),
            message: api.message.clone(),
            field: api.field.clone(),
            source: None,
        };
    }
    let status = err.status();
    let message = err.to_string();
    if err.is::<NotFoundError>() {
        ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route")
    } else if err.is::<MethodNotAllowedError>() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this route",
        )
    } else if let Some(e) = err.downcast_ref::<ParseParamError>() {
        ApiError {
            field: Some(e.name.to_string()),
            ..ApiError::bad_request("invalid_parameter", message)
        }
    } else if let Some(e) = err.downcast_ref::<ParsePathError>() {
        ApiError {
            field: Some(e.name.to_string()),
            ..ApiError::bad_request("invalid_parameter", message)
        }
    } else if err.is::<ParseRequestPayloadError>()
        || err.is::<ParseJsonError>()
        || err.is::<ParseMultipartError>()
    {
        ApiError::bad_request("invalid_body", message)
    } else if err.is::<ContentTypeError>() {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    } else if err.is::<AuthorizationError>() || status == StatusCode::UNAUTHORIZED {
        ApiError::unauthorized("unauthorized", "a valid bearer token is required")
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "payload_too_large", message)
    } else if status.is_server_error() {
        ApiError::internal(anyhow::anyhow!(message))
    } else {
        let code = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace(' ', "_");
        ApiError::new(status, code, message)
    }
}
