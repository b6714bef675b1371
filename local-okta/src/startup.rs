//! Building the router and serving it. `main` binds the port; [`serve`]
//! takes the bound listener, so tests serve on `127.0.0.1:0` after putting
//! the real URL into [`Config::issuer`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use service_kit::AllowedHosts;
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_moka_store::MokaStore;

use crate::configuration::Config;
use crate::error::Error;
use crate::forms::FormGuard;
use crate::grants::Grants;
use crate::keys::{KEY_FILE, KeyRing, SigningKey};
use crate::management::state::Directory;
use crate::management::{self, RATE_LIMIT_PER_MINUTE, RateLimit};
use crate::org::Org;
use crate::routes::{admin, authorize, discovery, introspect, logout, preview, token, userinfo};
use crate::system_log::SystemLog;

/// Sign-in sessions kept at most; the least used go first beyond that.
pub const MAX_SESSIONS: u64 = 10_000;

/// The sign-in session cookie. Browsers share cookies across the ports of
/// one host, so it must not collide with the sample app's cookie.
pub const SESSION_COOKIE: &str = "local_okta_sid";

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// Configuration; its org is the seed.
    pub config: Config,
    /// The org as it is now: the seed, changed by the Management API.
    pub directory: Directory,
    /// The Management API's rate limit.
    pub rate_limit: RateLimit,
    /// Tokens of the sign-in and Preview forms.
    pub forms: FormGuard,
    /// The signing keys: rotated by the Management API.
    pub keys: KeyRing,
    /// Codes, refresh tokens, revocations.
    pub grants: Grants,
    pub system_log: SystemLog,
    /// The client that calls the hook: no redirects followed.
    pub hook_client: reqwest::Client,
    /// Access tokens of hooks with an `OAUTH` channel.
    pub hook_tokens: crate::hook::HookTokens,
    /// local-okta's own record of every hook call.
    pub inspector: crate::inspector::Inspector,
    /// Strict mode (local-okta's own): a hook answer Okta would discard
    /// silently fails the sign-in instead.
    pub strict_hooks: std::sync::atomic::AtomicBool,
}

/// The state as handlers receive it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// A snapshot of the org for one request (see [`Directory::org`]).
    pub fn org(&self) -> Arc<Org> {
        self.directory.org()
    }

    /// `scheme://host:port` of the issuer: what `Origin` says on local-okta's pages.
    pub fn own_origin(&self) -> String {
        url::Url::parse(&self.config.issuer)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default()
    }

    /// Whether strict mode is on (see [`AppState::strict_hooks`]).
    pub fn strict_hooks(&self) -> bool {
        self.strict_hooks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Turns strict mode on or off.
    pub fn set_strict_hooks(&self, on: bool) {
        self.strict_hooks
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether local-okta is served over https (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.config.issuer.starts_with("https://")
    }
}

impl AppState {
    /// Builds the state from a configuration and a signing key.
    pub fn new(config: Config, keys: SigningKey) -> Result<SharedState, Error> {
        let hook_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::HttpClient)?;
        let directory = Directory::open(config.org.clone(), config.state_file.clone())?;
        // Like the org's changes, a rotated key is kept when the org is.
        let key_file = config
            .state_file
            .as_ref()
            .map(|_| config.data_dir.join(KEY_FILE));
        let keys = KeyRing::new(keys, key_file);
        let inspector = crate::inspector::Inspector::new(config.inspector_capacity);
        let strict_hooks = std::sync::atomic::AtomicBool::new(config.strict_hooks);
        Ok(Arc::new(AppState {
            inspector,
            strict_hooks,
            config,
            directory,
            rate_limit: RateLimit::new(RATE_LIMIT_PER_MINUTE),
            forms: FormGuard::default(),
            keys,
            grants: Grants::default(),
            system_log: SystemLog::default(),
            hook_client,
            hook_tokens: Default::default(),
        }))
    }
}

/// Every route: OIDC under `/oauth2/{server}`, the sign-in form, the admin
/// pages and the management API.
pub fn app(state: SharedState) -> Router {
    let server = format!("/oauth2/{}", state.org().authorization_server.id);
    let oidc = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::oauth_metadata),
        )
        .route("/v1/authorize", get(authorize::authorize))
        .route("/v1/token", post(token::token))
        .route("/v1/keys", get(discovery::keys))
        .route(
            "/v1/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/v1/logout", get(logout::logout))
        .route("/v1/introspect", post(introspect::introspect))
        .route("/v1/revoke", post(introspect::revoke));
    let management = management::router(state.clone());
    let secure = state.config.issuer.starts_with("https://");
    // A store that expires sessions and holds a bounded number of them:
    // tower-sessions' MemoryStore never deletes an expired session.
    let sessions = SessionManagerLayer::new(MokaStore::new(Some(MAX_SESSIONS)))
        .with_name(SESSION_COOKIE)
        .with_secure(secure)
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(2)));
    Router::new()
        .route("/", get(admin::home))
        .route("/admin/logs", get(admin::logs))
        .route(
            "/admin/preview",
            get(preview::preview_form).post(preview::preview_send),
        )
        .route("/admin/hooks", get(admin::hooks))
        .route("/admin/hooks/strict", post(admin::set_strict))
        .route("/admin/hooks/{id}", get(admin::hook_call))
        .route("/admin/hooks/{id}/replay", post(admin::replay))
        .route(
            "/admin/hooks/trace/{trace_id}",
            get(admin::hook_call_by_trace),
        )
        .route("/local-okta.css", get(admin::stylesheet))
        .route("/signin", post(authorize::sign_in))
        .nest(&server, oidc)
        .nest("/api/v1", management)
        .layer(sessions)
        .layer(middleware::from_fn(service_kit::html_safety_headers))
        .layer(middleware::from_fn(service_kit::server_timing))
        .layer(middleware::from_fn_with_state(
            AllowedHosts::for_url(&state.config.issuer),
            service_kit::check_host,
        ))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: SharedState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| Error::Io {
            context: "serve HTTP".to_owned(),
            source,
        })
}
