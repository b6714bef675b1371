//! Building the router and serving it. `main` binds; [`serve`] takes the
//! bound listener, so tests serve on port 0 after putting the real URL in
//! [`Config::base_url`].

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};

use crate::configuration::{CALLBACK_PATH, Config};
use crate::error::AppError;
use crate::oidc::Oidc;
use crate::routes::{self, callback, home, login, logout, profile};

/// The session cookie. local-okta runs on the same host (another port) and
/// browsers share cookies across ports, so the name must differ from its.
pub const SESSION_COOKIE: &str = "sample_app_session";

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    /// The discovered OIDC client.
    pub oidc: Oidc,
}

/// The state as handlers receive it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// Discovers the issuer (failing with the URL tried and why) and builds the state.
    pub async fn new(config: Config) -> Result<SharedState, AppError> {
        let oidc = Oidc::discover(&config).await?;
        Ok(Arc::new(AppState { config, oidc }))
    }
}

/// The app's routes, with sessions.
pub fn app(state: SharedState) -> Router {
    let sessions = SessionManagerLayer::new(MemoryStore::default())
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
