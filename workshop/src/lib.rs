//! # workshop: `just run`
//!
//! Starts the guide's services from the directory its own binary is in, Cargo's
//! target directory wherever that is (offline:
//! hook-service, local-okta, the sample app; with a `testenv` for a real
//! org: hook-service and the app), waits until each answers, prints where
//! everything is, and stops them all together.
//!
//! # Layout
//!
//! - [`plan`]: what to start, from `testenv`, `.env` and the environment.
//! - [`credentials`]: no published password on a hook that faces the internet.
//! - [`org`]: the demo users and the app's client, read from local-okta's org file.
//! - [`supervise`]: ports, processes, readiness, output, shutdown.
//! - [`banner`]: what to tell the user once everything answers.
//! - [`check`]: `just check <n>`: the exercises' checks.
//! - [`dev`]: `just dev`'s edit loop: watch, rebuild, restart the hook.
//! - [`error`]: the one error type.

pub mod banner;
pub mod check;
pub mod credentials;
pub mod dev;
pub mod error;
pub mod org;
pub mod plan;
pub mod supervise;
