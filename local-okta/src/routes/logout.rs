//! `GET /v1/logout`: RP-initiated logout (OpenID Connect RP-Initiated
//! Logout 1.0). Ends the sign-in session, then returns to a registered
//! sign-out redirect URI with `state`, or shows a signed-out page.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::error::Error;
use crate::pages;
use crate::routes::found;
use crate::startup::SharedState;
use crate::tokens::verify_id_token;

/// The logout request's query.
#[derive(Debug, Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// `GET /v1/logout`.
pub async fn logout(
    State(state): State<SharedState>,
    session: Session,
    Query(params): Query<LogoutParams>,
) -> Result<Response, Error> {
    // The app the hint was issued to: its sign-out URIs are the ones allowed.
    let org = state.org();
    let mut app = None;
    if let Some(hint) = &params.id_token_hint {
        // An expired ID token is a fine hint: users sign out of old sessions.
        let claims = verify_id_token(&state, hint, true).map_err(|reason| {
            Error::BadPage(format!("The 'id_token_hint' is invalid: {reason}"))
        })?;
        let audience = claims.get("aud").and_then(|aud| aud.as_str());
        app = audience.and_then(|client_id| org.client(client_id).cloned());
    }
    let redirect = match &params.post_logout_redirect_uri {
        None => None,
        Some(_) if params.id_token_hint.is_none() => {
            return Err(Error::BadPage(
                "A 'post_logout_redirect_uri' needs an 'id_token_hint'.".to_owned(),
            ));
        }
        Some(uri) if app.is_some_and(|app| app.has_post_logout_redirect_uri(uri)) => Some(uri),
        Some(_) => {
            return Err(Error::BadPage(
                "The 'post_logout_redirect_uri' is not a Logout redirect URI registered for the \
                 app."
                    .to_owned(),
            ));
        }
    };
    session.flush().await?;
    match redirect {
        Some(uri) => {
            let mut url = url::Url::parse(uri)
                .map_err(|error| Error::BadPage(format!("Bad sign-out redirect URI: {error}")))?;
            if let Some(value) = &params.state {
                url.query_pairs_mut().append_pair("state", value);
            }
            Ok(found(url.as_str()))
        }
        None => Ok(Html(pages::message(
            "Signed out",
            "You are signed out of local-okta.",
        )?)
        .into_response()),
    }
}
