//! `POST /v1/token`: the authorization code and refresh token grants
//! (RFC 6749 §4.1.3, §6), with PKCE verification (RFC 7636 §4.6). Both
//! grants mint tokens, so both run the token inline hook.

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, no_store};
use crate::grants::SignInSession;
use crate::org::User;
use crate::routes::client_auth::authenticate_client;
use crate::startup::SharedState;
use crate::tokens::{self, Issue};

/// The token request's form fields.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /v1/token`.
pub async fn token(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, Error> {
    let Form(form) = form.map_err(|rejection| {
        Error::oauth(
            "invalid_request",
            format!("The token request is malformed: {rejection}"),
        )
    })?;
    let org = &state.config.org;
    authenticate_client(
        org,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let ip_address = peer.ip().to_string();
    let response = match form.grant_type.as_deref() {
        Some("authorization_code") => code_grant(&state, &form, &ip_address).await?,
        Some("refresh_token") => refresh_grant(&state, &form, &ip_address).await?,
        Some(other) => {
            let description = format!("The grant type '{other}' is not supported.");
            return Err(Error::oauth("unsupported_grant_type", description));
        }
        None => {
            return Err(Error::oauth(
                "invalid_request",
                "The 'grant_type' is required.",
            ));
        }
    };
    Ok((no_store(), Json(response)).into_response())
}

async fn code_grant(
    state: &SharedState,
    form: &TokenForm,
    ip_address: &str,
) -> Result<tokens::TokenResponse, Error> {
    let code = form
        .code
        .as_deref()
        .ok_or_else(|| Error::oauth("invalid_request", "The 'code' is required."))?;
    // Taken out of the store: a code works once.
    let grant = state.grants.take_code(code).ok_or_else(|| {
        Error::oauth(
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        )
    })?;
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(Error::oauth(
            "invalid_grant",
            "The 'redirect_uri' does not match the redirection URI used in the authorization \
             request.",
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = form.code_verifier.as_deref().unwrap_or_default();
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
            return Err(Error::oauth("invalid_grant", "PKCE verification failed."));
        }
    }
    let user = signed_in_user(state, &grant.session)?;
    let issue = Issue {
        user,
        session: &grant.session,
        scopes: &grant.scopes,
        nonce: grant.nonce.as_deref(),
        grant_type: "authorization_code",
        redirect_uri: &grant.redirect_uri,
        state: &grant.state,
        refreshing: None,
        ip_address,
    };
    tokens::issue(state, issue).await
}

async fn refresh_grant(
    state: &SharedState,
    form: &TokenForm,
    ip_address: &str,
) -> Result<tokens::TokenResponse, Error> {
    let token = form
        .refresh_token
        .as_deref()
        .ok_or_else(|| Error::oauth("invalid_request", "The 'refresh_token' is required."))?;
    let grant = state
        .grants
        .refresh_grant(token)
        .ok_or_else(|| Error::oauth("invalid_grant", "The refresh token is invalid or expired."))?;
    // A refresh may narrow the scopes, never widen them.
    let scopes: Vec<String> = match form.scope.as_deref() {
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
        None => grant.scopes.clone(),
    };
    if scopes.iter().any(|scope| !grant.scopes.contains(scope)) {
        return Err(Error::oauth(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    let user = signed_in_user(state, &grant.session)?;
    let issue = Issue {
        user,
        session: &grant.session,
        scopes: &scopes,
        nonce: None,
        grant_type: "refresh_token",
        redirect_uri: &grant.redirect_uri,
        state: &grant.state,
        refreshing: Some((token, &grant)),
        ip_address,
    };
    tokens::issue(state, issue).await
}

/// The user a grant was issued to; gone users get `invalid_grant`.
fn signed_in_user<'a>(state: &'a SharedState, session: &SignInSession) -> Result<&'a User, Error> {
    state
        .config
        .org
        .user_by_id(&session.user_id)
        .ok_or_else(|| Error::oauth("invalid_grant", "The user no longer exists."))
}
