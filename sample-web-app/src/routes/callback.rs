//! `GET /authorization-code/callback`: the end of the sign-in.
//!
//! In order: the sign-in in progress must exist; `state` must match,
//! **before anything the request says is shown**, so that a forged callback
//! can neither put its text on the page nor cancel a sign-in in progress
//! (only then is the sign-in used up); then an error sent back by the authorization server
//! (a hook's `errorSummary` included) is shown as it is; then the code is
//! exchanged and the ID token verified (see [`crate::oidc`]); the session
//! gets a new id and the user.

use axum::extract::{Query, State};
use axum::response::Response;
use openidconnect::CsrfToken;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_cookies::Cookies;

use crate::error::AppError;
use crate::routes::found;
use crate::session_state::{AppSession, SignedInUser, end_pending_login, pending_login};
use crate::startup::SharedState;

/// The callback's query: a code, or an error.
#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /authorization-code/callback`.
pub async fn callback(
    State(state): State<SharedState>,
    session: AppSession,
    cookies: Cookies,
    Query(params): Query<CallbackParams>,
) -> Result<Response, AppError> {
    let pending = pending_login(&cookies, &state.login_key).ok_or(AppError::NoPendingLogin)?;
    let returned_state = params.state.unwrap_or_default();
    if !bool::from(returned_state.as_bytes().ct_eq(pending.state.as_bytes())) {
        // A forged callback: the real sign-in in progress goes on.
        return Err(AppError::StateMismatch);
    }
    end_pending_login(&cookies, &state.login_key);
    if let Some(error) = params.error {
        return Err(AppError::AuthorizationServer {
            error,
            description: params.error_description,
        });
    }
    let code = params.code.ok_or_else(|| {
        AppError::BadRequest("The callback has no authorization code.".to_owned())
    })?;

    // The time spent on the authorization server's side, for Server-Timing.
    let exchange = std::time::Instant::now();
    let verified = state
        .oidc
        .exchange_and_verify(code, pending.pkce_verifier, &pending.nonce)
        .await;
    service_kit::record_timing("upstream", exchange.elapsed());
    let verified = verified?;
    let user = SignedInUser {
        id_token: verified.id_token,
        name: verified.name,
        ext_patient_id: verified.ext_patient_id,
        csrf_token: CsrfToken::new_random().secret().clone(),
    };
    tracing::info!(
        name = %user.name,
        ext_patient_id = user.ext_patient_id.as_ref().map_or("(none)", |id| id.as_str()),
        "signed in"
    );
    session.sign_in(&user).await?;
    Ok(found(&pending.return_to))
}
