//! Background jobs: a queue in PostgreSQL (`platform.jobs`), workers that
//! claim rows with `for update skip locked` under a renewable lease, retries
//! with exponential backoff, dead letters, and a scheduler that only *ticks*
//! (on every instance) to enqueue periodic jobs under unique keys — so any
//! number of instances never run a job twice and a crashed worker loses
//! nothing (its lease expires and the job is claimed again).
//!
//! Handlers must be idempotent: a worker that loses its lease (a stalled
//! process) may still finish after another worker re-ran the job. The job's
//! own database effects should be guarded by unique keys or row locks.

pub mod handler;
pub mod kinds;
pub mod queue;
pub mod schedule;
pub mod tenants;
pub mod worker;

pub use handler::{JobContext, JobError, JobHandler, Registry};
pub use queue::{Job, JobFilter, NewJob};
pub use schedule::{Periodic, Scope};
pub use worker::{run_once, Backoff, RunReport, WorkerOptions, WorkerPool};
