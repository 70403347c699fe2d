//! The poem middleware enforcing the catalogue on every request: the
//! operation is looked up (method + route template), the caller's session
//! found, and the permission checked with casbin. Requests without a usable
//! token pass through to the operation's security scheme, which answers 401.

use std::sync::Arc;

use poem::{http::header, Endpoint, Middleware, Request, Result};

use super::{
    catalogue::{Catalogue, Requirement},
    SELF_SERVICE,
};
use crate::{auth::session::Realm, error::ApiError, state::AppState};

/// Enforces a catalogue.
pub struct Enforce {
    catalogue: Arc<Catalogue>,
}

impl Enforce {
    /// The middleware over a catalogue.
    pub fn new(catalogue: Arc<Catalogue>) -> Self {
        Self { catalogue }
    }
}

impl<E: Endpoint> Middleware<E> for Enforce {
    type Output = EnforceEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        EnforceEndpoint {
            inner: ep,
            catalogue: self.catalogue.clone(),
        }
    }
}

/// See [`Enforce`].
pub struct EnforceEndpoint<E> {
    inner: E,
    catalogue: Arc<Catalogue>,
}

/// The audience of an API path.
pub fn realm_of(path: &str) -> Option<Realm> {
    if path.starts_with("/api/") {
        Some(Realm::Staff)
    } else if path.starts_with("/ops/") {
        Some(Realm::Operator)
    } else if path.starts_with("/supervision/") {
        Some(Realm::Regulator)
    } else {
        None
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl<E: Endpoint> Endpoint for EnforceEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let path = req.uri().path().to_string();
        let requirement = self.catalogue.requirement(req.method().as_str(), &path);
        let permission = match requirement {
            Requirement::Unknown | Requirement::Public => return self.inner.call(req).await,
            Requirement::Undefined { template } => {
                return Err(ApiError::forbidden(
                    "permission_undefined",
                    format!("no permission is defined for {} {template}", req.method()),
                )
                .into())
            }
            Requirement::Permission { permission, .. } => permission,
        };
        if permission == SELF_SERVICE {
            return self.inner.call(req).await;
        }
        let (Some(state), Some(token)) = (req.data::<AppState>(), bearer(&req)) else {
            return self.inner.call(req).await;
        };
        let session = state.sessions.find(token).await.map_err(ApiError::from)?;
        let Some(session) = session.filter(|s| Some(s.realm) == realm_of(&path)) else {
            return self.inner.call(req).await;
        };
        if session.must_change_password {
            return self.inner.call(req).await;
        }
        if !state.access.allows(&session, permission).await? {
            return Err(ApiError::forbidden(
                "forbidden",
                format!("this operation needs the permission {permission}"),
            )
            .into());
        }
        self.inner.call(req).await
    }
}
