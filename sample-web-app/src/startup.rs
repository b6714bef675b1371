//! Building the router and serving it. `main` binds; [`serve`] takes the
//! bound listener, so tests serve on port 0 after putting the real URL in
//! [`Config::base_url`].

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use service_kit::AllowedHosts;
use tokio::net::TcpListener;
use tower_cookies::{CookieManagerLayer, Key};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_moka_store::MokaStore;

use crate::configuration::{CALLBACK_PATH, Config};
use crate::error::AppError;
use crate::oidc::Oidc;
use crate::routes::{self, callback, home, login, logout, profile};

/// The session cookie. local-okta runs on the same host (another port) and
/// browsers share cookies across ports, so the name must differ from its.
pub const SESSION_COOKIE: &str = "sample_app_session";

/// Signed-in sessions kept at most; the least used go first beyond that.
pub const MAX_SESSIONS: u64 = 10_000;

/// What every handler can reach.
pub struct AppState {
    pub config: Config,
    /// The discovered OIDC client.
    pub oidc: Oidc,
    /// Encrypts the cookie of a sign-in in progress; new at every start.
    pub login_key: Key,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The state as handlers receive it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// Discovers the issuer (failing with the URL tried and why) and builds the state.
    pub async fn new(config: Config) -> Result<SharedState, AppError> {
        let oidc = Oidc::discover(&config).await?;
        Ok(Arc::new(AppState {
            config,
            oidc,
            login_key: Key::generate(),
        }))
    }
}

/// The app's routes, with sessions.
pub fn app(state: SharedState) -> Router {
    // A store that expires records and holds a bounded number of them:
    // tower-sessions' MemoryStore never deletes an expired session.
    let store = MokaStore::new(Some(MAX_SESSIONS));
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_secure(state.config.base_url.starts_with("https://"))
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(1)));
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::login))
        .route(CALLBACK_PATH, get(callback::callback))
        .route("/profile", get(profile::profile))
        .route("/logout", post(logout::logout))
        .route("/static/app.css", get(routes::stylesheet))
        .layer(sessions)
        .layer(CookieManagerLayer::new())
        .layer(middleware::from_fn(service_kit::html_safety_headers))
        .layer(middleware::from_fn(service_kit::server_timing))
        .layer(middleware::from_fn_with_state(
            AllowedHosts::for_url(&state.config.base_url),
            service_kit::check_host,
        ))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: SharedState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| AppError::Io {
            context: "serve HTTP".to_owned(),
            source,
        })
}
