//! Building the router and serving it.
//!
//! `main` binds the port; [`serve`] takes the bound listener, so tests bind
//! `127.0.0.1:0` and run the very same service on a free port.

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::auth::{Authenticator, require_okta_auth};
use crate::error::Error;
use crate::okta_call::MAX_BODY_BYTES;
use crate::patients::PatientStore;
use crate::routes::{add_patient_claim, health};
use crate::telemetry::log_call;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// How Okta's call is authenticated.
    pub auth: Authenticator,
    pub patients: PatientStore,
    /// Whether the call's log line shows the patient id it added.
    pub log_patient_ids: bool,
}

/// The service's routes: `POST /tokenHook` behind Okta's authentication, `GET /healthz` open.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/tokenHook",
            post(add_patient_claim).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        // `route_layer` wraps only the routes added above it: authentication for
        // `/tokenHook`, inside the call's log line so refusals are logged too.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_okta_auth,
        ))
        .route_layer(middleware::from_fn(log_call))
        // Added after the layers, so open: `just run` and load balancers
        // probe it without Okta's secret, and learn nothing but "ok".
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
