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
//! - [`configuration`]: environment variables; [`org`]: `org.toml`;
//!   [`claims`]: the authorization server's custom claims;
//!   [`redirect_uri`]: comparing redirect URIs as Okta must.
//! - [`startup`]: `app()` and `serve()`, the shared [`startup::AppState`].
//! - [`routes`]: one module per endpoint: `authorize` (and the sign-in
//!   form), `token`, `discovery` (and keys), `userinfo`, `logout`,
//!   `introspect` (and revoke), `admin`, `preview`, `api`.
//! - [`tokens`]: minting: claims, the hook step, signing.
//! - [`hook`]: building Okta's hook request, calling it, Okta's rules on the answer.
//! - [`system_log`]: `inline_hook.*` events in Okta's System Log shape.
//! - [`inspector`]: local-okta's own record of every hook call, with replay.
//! - [`trigger`]: `local-okta trigger`, a token request without a browser.
//! - [`grants`]: codes, refresh tokens and revocations, in memory.
//! - [`keys`]: the RS256 key under the data directory, and the JWKS.
//! - [`pages`]: askama templates. [`error`]: the one error type. [`ids`]:
//!   random ids and Okta's time format. Logging and shutdown: `service-kit`.
//! - [`spawn`]: the built-in org on a listener, in one call, for tests.

pub mod claims;
pub mod configuration;
pub mod error;
pub mod forms;
pub mod grants;
pub mod hook;
pub mod ids;
pub mod inspector;
pub mod keys;
pub mod management;
pub mod org;
pub mod pages;
pub mod redirect_uri;
pub mod routes;
pub mod startup;
pub mod system_log;
pub mod tokens;
pub mod trigger;

use std::sync::OnceLock;

use tokio::net::TcpListener;

use crate::configuration::{Config, OKTA_HOOK_TIMEOUT};
use crate::error::Error;
use crate::keys::SigningKey;
use crate::org::{AppType, Org};

/// Serves the built-in org on `listener`, in the background, for tests and
/// tools that need an Okta org: its hook is called at `hook_url`, and its
/// app accepts `redirect_uri` (and signs out to that URI's origin). Returns
/// the issuer, `http://{listener's address}/oauth2/default`.
///
/// The signing key is made once per process and kept in memory only.
pub async fn spawn(
    listener: TcpListener,
    hook_url: &str,
    redirect_uri: &str,
) -> Result<String, Error> {
    spawn_org(listener, demo_org(hook_url, redirect_uri)?).await
}

/// The built-in org, its hook at `hook_url` and its web app's redirect URI
/// `redirect_uri`: what [`spawn`] serves, for tests that change it first.
pub fn demo_org(hook_url: &str, redirect_uri: &str) -> Result<Org, Error> {
    let mut org = Org::default_org()?;
    if let Some(app) = org.apps.iter_mut().find(|app| app.app_type == AppType::Web) {
        app.redirect_uris = vec![redirect_uri.to_owned()];
        if let Ok(uri) = url::Url::parse(redirect_uri) {
            app.post_logout_redirect_uris = vec![uri.origin().ascii_serialization()];
        }
    }
    for hook in &mut org.inline_hooks {
        hook.url = hook_url.to_owned();
    }
    Ok(org)
}

/// Serves `org` on `listener`, in the background, with its Management API
/// changes kept in memory only; returns the issuer.
pub async fn spawn_org(listener: TcpListener, org: Org) -> Result<String, Error> {
    static KEY_PEM: OnceLock<String> = OnceLock::new();
    let listen_addr = listener.local_addr().map_err(|source| Error::Io {
        context: "read the listener's address".to_owned(),
        source,
    })?;
    let issuer = format!("http://{listen_addr}/oauth2/default");
    let pem = match KEY_PEM.get() {
        Some(pem) => pem,
        None => {
            let pem = keys::generate_pem()?;
            KEY_PEM.get_or_init(|| pem)
        }
    };
    let config = Config {
        listen_addr,
        issuer: issuer.clone(),
        org,
        // Nothing is written: the key is in memory and so are API changes.
        data_dir: std::env::temp_dir(),
        state_file: None,
        hook_timeout: OKTA_HOOK_TIMEOUT,
        inspector_capacity: inspector::DEFAULT_CAPACITY,
        strict_hooks: false,
    };
    let state = startup::AppState::new(config, SigningKey::from_pem(pem)?)?;
    tokio::spawn(startup::serve(listener, state, std::future::pending()));
    Ok(issuer)
}
