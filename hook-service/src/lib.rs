//! # hook-service: the guide's token inline hook
//!
//! Okta calls `POST /tokenHook` while it mints tokens for a sign-in. This
//! service authenticates the call (HTTP Basic, or an OAuth 2.0 bearer token), looks the user's login up in
//! a patient store, and for a patient answers with a command that adds
//! the patient-id claim (`token_hook::PATIENT_ID_CLAIM`) to the ID token. See the workspace's ARCHITECTURE.md for
//! how it fits with `local-okta` and the sample app.
//!
//! # Layout
//!
//! - [`configuration`]: `Config` from the environment and `.env`.
//! - [`startup`]: `app()` builds the router, `serve()` runs it on a bound
//!   listener, so tests serve on port 0.
//! - [`auth`]: Basic authentication, compared in constant time, or
//!   [`bearer`]: OAuth 2.0 access tokens verified against the issuer's keys.
//! - [`okta_call`]: the body of Okta's call as an extractor, checked and parsed.
//! - [`routes`]: `POST /tokenHook` (`add_patient_claim`: the guide's three
//!   steps) and `GET /healthz`.
//! - [`telemetry`]: one log line per call, with its outcome and latency.
//! - [`patients`]: the SQLite patient store (sqlx, migrations under `migrations/`).
//! - [`cli`]: `hook-service [serve]` and `hook-service patients list|add|remove`.
//! - [`error`]: the one error type and its HTTP mapping.
//!
//! Logging and graceful shutdown come from the `service-kit` crate.
//!
//! The wire types and Okta's rules live in the `token-hook` crate (`shared/`).

pub mod auth;
pub mod bearer;
pub mod cli;
pub mod configuration;
pub mod error;
pub mod okta_call;
pub mod patients;
pub mod routes;
pub mod startup;
pub mod telemetry;
