//! `POST /logout`: ends the app's session, then signs out at the
//! authorization server (RP-initiated logout with `id_token_hint` and
//! `post_logout_redirect_uri`), which sends the browser back to `/`.
//!
//! A POST with a per-session token, so another site cannot sign users out.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::routes::found;
use crate::session_state::AppSession;
use crate::startup::SharedState;

/// The logout form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<SharedState>,
    session: AppSession,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    let Some(user) = session.user().await? else {
        return Ok(found("/"));
    };
    if !bool::from(form.csrf_token.as_bytes().ct_eq(user.csrf_token.as_bytes())) {
        return Err(AppError::BadRequest(
            "The logout form is stale or came from another site. Nothing was changed.".to_owned(),
        ));
    }
    session.sign_out().await?;
    let destination = state
        .oidc
        .end_session_url(&user.id_token)
        .unwrap_or_else(|| "/".to_owned());
    Ok(found(&destination))
}
