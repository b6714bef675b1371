//! # local-okta: an offline stand-in for an Okta org
//!
//! One custom authorization server, `default`, faithful where Okta's guide
//! and the sample app touch Okta: OpenID Connect at Okta's paths, tokens
//! shaped and signed like Okta's, and the token inline hook called and
//! applied exactly as Okta does, with a System Log and a Preview page.
//! **For local development only**: it keeps everything in memory, has one
//! demo password, and is not secure.
//!
//! # Layout
//!
//! - [`configuration`]: environment variables; [`org`]: `org.toml`.
//! - [`startup`]: `app()` and `serve()`, the shared [`startup::AppState`].
//! - [`routes`]: one module per endpoint: `authorize` (and the sign-in
//!   form), `token`, `discovery` (and keys), `userinfo`, `logout`,
//!   `introspect` (and revoke), `admin`, `preview`, `api`.
//! - [`tokens`]: minting: claims, the hook step, signing.
//! - [`hook`]: building Okta's hook request, calling it, Okta's rules on the answer.
//! - [`system_log`]: `inline_hook.*` events in Okta's System Log shape.
//! - [`grants`]: codes, refresh tokens and revocations, in memory.
//! - [`keys`]: the RS256 key under the data directory, and the JWKS.
//! - [`pages`]: askama templates. [`error`]: the one error type. [`ids`]:
//!   random ids and Okta's time format. Logging and shutdown: `service-kit`.

pub mod configuration;
pub mod error;
pub mod grants;
pub mod hook;
pub mod ids;
pub mod keys;
pub mod org;
pub mod pages;
pub mod routes;
pub mod startup;
pub mod system_log;
pub mod tokens;
