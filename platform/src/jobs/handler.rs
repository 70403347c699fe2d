//! What a job kind does: the [`JobHandler`] trait, its error, and the
//! [`Registry`] of handlers by kind that a worker pool runs.

use std::{collections::BTreeMap, sync::Arc};

use super::queue::Job;
use crate::state::AppState;

/// What a handler gets besides its job.
#[derive(Clone)]
pub struct JobContext {
    /// The application state (pool, Redis, configuration).
    pub state: AppState,
    /// The worker running the job (also in the job row while it runs).
    pub worker_id: String,
}

/// Why a job did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (a database or network hiccup): retried with
    /// backoff until the job's max attempts, then dead.
    #[error("{0:#}")]
    Transient(anyhow::Error),
    /// Retrying cannot help (bad payload, unknown tenant): dead at once.
    #[error("{0:#}")]
    Permanent(anyhow::Error),
}

impl JobError {
    /// A failure worth retrying.
    pub fn transient(err: impl Into<anyhow::Error>) -> Self {
        Self::Transient(err.into())
    }
    /// A failure that retrying cannot fix.
    pub fn permanent(err: impl Into<anyhow::Error>) -> Self {
        Self::Permanent(err.into())
    }
    /// Whether the job should be retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

impl From<sqlx::Error> for JobError {
    fn from(err: sqlx::Error) -> Self {
        Self::Transient(err.into())
    }
}

impl From<anyhow::Error> for JobError {
    fn from(err: anyhow::Error) -> Self {
        Self::Transient(err)
    }
}

/// Runs jobs of one kind.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Does the job's work. Must be idempotent (see the module docs).
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError>;
}

/// Handlers by kind. A worker pool claims only the kinds it has handlers
/// for, so an instance never takes a job it cannot run (e.g. during a
/// rolling upgrade that adds a kind).
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<String, Arc<dyn JobHandler>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) the handler of `kind`.
    pub fn register(&mut self, kind: impl Into<String>, handler: impl JobHandler) -> &mut Self {
        self.handlers.insert(kind.into(), Arc::new(handler));
        self
    }

    /// The handler of a kind.
    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(kind).cloned()
    }

    /// Whether a kind has a handler.
    pub fn contains(&self, kind: &str) -> bool {
        self.handlers.contains_key(kind)
    }

    /// Every registered kind.
    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }
}
