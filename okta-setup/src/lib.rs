//! # okta-setup: the guide's Admin Console clicks, as commands
//!
//! `just okta-setup` creates (or finds) the app integration, registers the
//! token inline hook at its public URL, attaches it to the `default`
//! authorization server's rule, and checks it with `execute`, through
//! Okta's Management API; run twice, it changes nothing the second time.
//! `just okta-teardown` removes what it created. `just preview <login>` is
//! Preview's command-line twin. local-okta serves the same API, which is
//! how the tests run it end to end.
//!
//! # Layout
//!
//! - [`config`]: `OKTA_ORG_URL`, `OKTA_API_TOKEN` and the rest, from
//!   `testenv`, `.env` and the environment.
//! - [`client`]: the Management API client: SSWS, Okta's errors, rate limits.
//! - [`setup`]: the five steps, and teardown.
//! - [`check`]: the request Okta would send, `execute`, and the verdict.
//! - [`ledger`]: what setup created, in `data/okta-setup.json`.
//! - [`testenv`]: writing the app's values into `testenv`, keeping the rest.

pub mod check;
pub mod client;
pub mod config;
pub mod error;
pub mod ledger;
pub mod setup;
pub mod testenv;
