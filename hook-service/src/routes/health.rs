//! `GET /healthz`: readiness, for `just run` and for load balancers.

use axum::extract::State;

use crate::error::Error;
use crate::startup::AppState;
use service_kit::error_chain;

/// `200 ok` when the patient store answers, `503` otherwise.
pub async fn health(State(state): State<AppState>) -> Result<&'static str, Error> {
    state.patients.ping().inspect_err(|error| {
        tracing::error!(error = %error_chain(error), "health check: patient store unavailable");
    })?;
    Ok("ok")
}
