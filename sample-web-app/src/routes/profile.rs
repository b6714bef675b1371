//! `GET /profile`: My Profile, the ID token's claims. Signed-out visitors
//! go through sign-in and come back here.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::pages::{self, Nav};
use crate::routes::found;
use crate::session_state::AppSession;
use crate::startup::SharedState;

/// `GET /profile`.
pub async fn profile(
    State(state): State<SharedState>,
    session: AppSession,
) -> Result<Response, AppError> {
    let Some(user) = session.user().await? else {
        return Ok(found("/login?return_to=%2Fprofile"));
    };
    let page = pages::profile(Nav::new(&state.config, Some(&user)), &user)?;
    Ok(Html(page).into_response())
}
