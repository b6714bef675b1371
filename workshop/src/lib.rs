//! # workshop: `just run`
//!
//! Starts the guide's services from the same `target/` directory (offline:
//! hook-service, local-okta, the sample app; with a `testenv` for a real
//! org: hook-service and the app), waits until each answers, prints where
//! everything is, and stops them all together.
//!
//! # Layout
//!
//! - [`plan`]: what to start, from `testenv`, `.env` and the environment.
//! - [`supervise`]: ports, processes, readiness, output, shutdown.
//! - [`banner`]: what to tell the user once everything answers.
//! - [`error`]: the one error type.

pub mod banner;
pub mod error;
pub mod plan;
pub mod supervise;
