//! `GET /`: the scenario and a Log in button, or "Welcome back".

use axum::extract::State;
use axum::response::Html;

use crate::error::AppError;
use crate::pages::{self, Nav};
use crate::session_state::AppSession;
use crate::startup::SharedState;

/// `GET /`.
pub async fn home(
    State(state): State<SharedState>,
    session: AppSession,
) -> Result<Html<String>, AppError> {
    let user = session.user().await?;
    Ok(Html(pages::home(Nav::new(&state.config, user.as_ref()))?))
}
