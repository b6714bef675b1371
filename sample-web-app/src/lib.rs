//! # sample-web-app: the guide's Express sample, in Rust
//!
//! Signs a user in with Authorization Code + PKCE against an Okta custom
//! authorization server (or local-okta), and shows the ID token's claims on
//! My Profile, including `extPatientId`, which the token inline hook added.
//!
//! # Layout
//!
//! - [`configuration`]: `testenv`, the environment, or local-okta's
//!   defaults, checked with helpful messages.
//! - [`oidc`]: the OpenID Connect steps, with the openidconnect crate.
//! - [`startup`]: `app()` and `serve()`.
//! - [`routes`]: `/`, `/login`, `/authorization-code/callback`, `/profile`,
//!   `POST /logout`.
//! - [`session_state`]: the typed session. [`pages`]: askama templates.
//! - [`error`]: the one error type, as pages. Logging and shutdown come
//!   from the `service-kit` crate.

pub mod configuration;
pub mod error;
pub mod oidc;
pub mod pages;
pub mod routes;
pub mod session_state;
pub mod startup;
