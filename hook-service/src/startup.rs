//! Building the router and serving it.
//!
//! `main` binds the port; [`serve`] takes the bound listener, so tests bind
//! `127.0.0.1:0` and run the very same service on a free port.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::auth::require_basic_auth;
use crate::configuration::BasicCredentials;
use crate::error::Error;
use crate::patients::PatientStore;
use crate::routes::{MAX_BODY_BYTES, health, token_hook};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The credentials Okta must present.
    pub credentials: Arc<BasicCredentials>,
    /// The patient store.
    pub patients: PatientStore,
}

/// The service's routes: `POST /tokenHook` behind Basic auth, `GET /healthz` open.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/tokenHook",
            post(token_hook).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_basic_auth,
        ))
        .route("/healthz", get(health))
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets calls in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| Error::Io {
            context: "serve HTTP".to_owned(),
            source,
        })
}
