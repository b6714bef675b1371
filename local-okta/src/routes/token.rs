//! `POST /v1/token`: the authorization code, refresh token and client
//! credentials grants (RFC 6749 §4.1.3, §6, §4.4), with PKCE verification
//! (RFC 7636 §4.6).
//!
//! Where the hook runs (docs/token-hook-protocol.md §1): a code is
//! exchanged for the tokens the hook already shaped at `/v1/authorize`, so
//! no hook call happens here; refresh and client credentials mint here, and
//! call the hook with this request's context (`POST`, the token URL, the
//! caller's address).

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

use token_hook::MintedTokens;

use crate::error::{Error, no_store};
use crate::grants::{RefreshGrant, SignInSession};
use crate::org::{App, Match, Org, User};
use crate::routes::authorize::{
    NO_MATCHING_POLICY, OIDC_SCOPES, check_grant as check_grant_at_authorize, check_scopes,
};
use crate::routes::client_auth::authenticate_client;
use crate::startup::SharedState;
use crate::system_log::{self, Party, SessionFacts};
use crate::tokens::{self, Issue, Minted, ProtocolParams, Site, Subject};

/// The token request's form fields. `Debug` shows only the grant type.
#[derive(Deserialize)]
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

impl std::fmt::Debug for TokenForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenForm")
            .field("grant_type", &self.grant_type)
            .finish_non_exhaustive()
    }
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
    let org = state.org();
    let client = authenticate_client(
        &org,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let site = Site {
        method: "POST".to_owned(),
        url: format!("{}/v1/token", state.config.issuer),
        ip_address: peer.ip().to_string(),
    };
    let answer = match form.grant_type.as_deref() {
        Some("authorization_code") => code_grant(&state, &org, client, &form, &site),
        Some("refresh_token") => refresh_grant(&state, &org, client, &form, &site).await,
        Some("client_credentials") => {
            client_credentials_grant(&state, &org, client, &form, &site).await
        }
        Some(other) => Err(Error::oauth(
            "unsupported_grant_type",
            format!("The grant type '{other}' is not supported."),
        )),
        None => Err(Error::oauth(
            "invalid_request",
            "The 'grant_type' is required.",
        )),
    };
    match answer {
        Ok(response) => Ok((no_store(), Json(response)).into_response()),
        Err(error) => {
            if let Error::OAuth {
                error: code,
                description,
                ..
            } = &error
            {
                state.system_log.record(system_log::oauth_failure(
                    system_log::GRANT_FAILURE,
                    &Party::client(client),
                    Some(&SessionFacts::caller(&site.ip_address)),
                    code,
                    description,
                ));
            }
            Err(error)
        }
    }
}

/// The grant type must be the app's, and an access policy rule must match
/// it (and the user, when there is one); Okta answers `access_denied` here
/// where `/authorize` says `no_matching_policy`.
fn check_grant<'a>(
    org: &'a Org,
    client: &App,
    grant_type: &str,
    user: Option<&User>,
) -> Result<Match<'a>, Error> {
    check_grant_at_authorize(org, client, grant_type).map_err(
        |(error, description)| match error {
            "no_matching_policy" => Error::oauth("access_denied", description),
            other => Error::oauth(other, description),
        },
    )?;
    org.matching_rule(&client.client_id, grant_type, user)
        .ok_or_else(|| Error::oauth("access_denied", NO_MATCHING_POLICY))
}

/// Exchanges a code for the tokens bound to it at `/authorize`: the hook
/// already ran there, so it is not called again.
fn code_grant(
    state: &SharedState,
    org: &Org,
    client: &App,
    form: &TokenForm,
    site: &Site,
) -> Result<tokens::TokenResponse, Error> {
    check_grant(org, client, "authorization_code", None)?;
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
    if grant.client_id != client.client_id {
        return Err(Error::oauth(
            "invalid_grant",
            "The authorization code was issued to another client.",
        ));
    }
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(Error::oauth(
            "invalid_grant",
            "The 'redirect_uri' does not match the redirection URI used in the authorization \
             request.",
        ));
    }
    let verifier = form
        .code_verifier
        .as_deref()
        .filter(|verifier| !verifier.is_empty());
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            if !is_valid_verifier(verifier) {
                return Err(Error::oauth(
                    "invalid_request",
                    "The 'code_verifier' must be 43 to 128 characters: letters, digits, '-', \
                     '.', '_' or '~'.",
                ));
            }
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                return Err(Error::oauth("invalid_grant", "PKCE verification failed."));
            }
        }
        (Some(_), None) => {
            return Err(Error::oauth("invalid_grant", "PKCE verification failed."));
        }
        // RFC 9700 §2.1.1: a verifier for a code issued without a challenge
        // is a downgrade attempt, and refused.
        (None, Some(_)) => {
            return Err(Error::oauth(
                "invalid_grant",
                "PKCE verification failed: no code challenge was sent for this code.",
            ));
        }
        // A public client has no secret: PKCE is what proves the code is its own.
        (None, None) if client.client_secret.is_none() => {
            return Err(Error::oauth(
                "invalid_request",
                "PKCE code verifier is required when the client is a public client.",
            ));
        }
        (None, None) => {}
    }
    let user = signed_in_user(org, &grant.session)?;
    let signed = tokens::sign(state, grant.tokens)?;
    let refresh_token = grant.refresh.map(|(token, jti)| {
        state.grants.insert_refresh_token(
            token.clone(),
            RefreshGrant {
                jti,
                client_id: client.client_id.clone(),
                scopes: grant.scopes.clone(),
                session: grant.session.clone(),
                redirect_uri: grant.redirect_uri.clone(),
                state: grant.state.clone(),
                issued_at: std::time::Instant::now(),
            },
        );
        token
    });
    let session = SessionFacts::new(user, &grant.session, &site.ip_address);
    record_grants(
        state,
        client,
        Some(&session),
        &signed,
        refresh_token.is_some(),
    );
    signed.into_token_response(&grant.scopes, refresh_token)
}

/// Mints again for a refresh token: the hook runs here, at `/v1/token`.
async fn refresh_grant(
    state: &SharedState,
    org: &Org,
    client: &App,
    form: &TokenForm,
    site: &Site,
) -> Result<tokens::TokenResponse, Error> {
    let token = form
        .refresh_token
        .as_deref()
        .ok_or_else(|| Error::oauth("invalid_request", "The 'refresh_token' is required."))?;
    let grant = state
        .grants
        .refresh_grant(token)
        .filter(|grant| grant.client_id == client.client_id)
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
    let user = signed_in_user(org, &grant.session)?;
    let matched = check_grant(org, client, "refresh_token", Some(user))?;
    let issue = Issue {
        org,
        matched,
        client,
        subject: Some(Subject {
            user,
            session: &grant.session,
        }),
        scopes: &scopes,
        nonce: None,
        protocol: ProtocolParams {
            grant_type: Some("refresh_token"),
            ..ProtocolParams::default()
        },
        mint_identity: scopes.iter().any(|scope| scope == "openid"),
        mint_access: true,
        refresh_jti: Some(&grant.jti),
        original_refresh_jti: Some(&grant.jti),
        site,
    };
    let tokens = minted(tokens::mint(state, &issue).await)?;
    let signed = tokens::sign(state, tokens)?;
    let session = SessionFacts::new(user, &grant.session, &site.ip_address);
    record_grants(state, client, Some(&session), &signed, true);
    signed.into_token_response(&scopes, Some(token.to_owned()))
}

/// A service app's own access token: no user, no ID token. The hook runs
/// here, and sees no `identity`, `user` or `session`.
async fn client_credentials_grant(
    state: &SharedState,
    org: &Org,
    client: &App,
    form: &TokenForm,
    site: &Site,
) -> Result<tokens::TokenResponse, Error> {
    let matched = check_grant(org, client, "client_credentials", None)?;
    let scopes = check_scopes(org, form.scope.as_deref())
        .map_err(|description| Error::oauth("invalid_scope", description))?;
    // Only the server's own scopes: there is no user to say anything about.
    if let Some(oidc) = scopes.iter().find(|s| OIDC_SCOPES.contains(&s.as_str())) {
        return Err(Error::oauth(
            "invalid_scope",
            format!("The client credentials grant cannot request the '{oidc}' scope."),
        ));
    }
    let issue = Issue {
        org,
        matched,
        client,
        subject: None,
        scopes: &scopes,
        nonce: None,
        protocol: ProtocolParams {
            grant_type: Some("client_credentials"),
            ..ProtocolParams::default()
        },
        mint_identity: false,
        mint_access: true,
        refresh_jti: None,
        original_refresh_jti: None,
        site,
    };
    let tokens = minted(tokens::mint(state, &issue).await)?;
    let signed = tokens::sign(state, tokens)?;
    let caller = SessionFacts::caller(&site.ip_address);
    record_grants(state, client, Some(&caller), &signed, false);
    signed.into_token_response(&scopes, None)
}

/// A hook's `error` object fails the token request with `server_error`.
fn minted(minted: Minted) -> Result<MintedTokens, Error> {
    match minted {
        Minted::Tokens(tokens) => Ok(tokens),
        Minted::Refused(description) => Err(Error::oauth("server_error", description)),
        Minted::Strict { reason, call_id } => Err(Error::oauth(
            "server_error",
            format!(
                "local-okta's strict mode: Okta would mint the tokens unchanged, because: \
                 {reason} (see /admin/hooks/{call_id})"
            ),
        )),
    }
}

/// The System Log's `app.oauth2.as.token.grant.*` events for what was granted.
fn record_grants(
    state: &SharedState,
    client: &App,
    session: Option<&SessionFacts>,
    signed: &tokens::Signed,
    refresh_token: bool,
) {
    let actor = Party::client(client);
    let granted = [
        (signed.id_token.is_some(), system_log::GRANT_ID_TOKEN),
        (
            signed.access_token.is_some(),
            system_log::GRANT_ACCESS_TOKEN,
        ),
        (refresh_token, system_log::GRANT_REFRESH_TOKEN),
    ];
    for (_, event_type) in granted.iter().filter(|(granted, _)| *granted) {
        state
            .system_log
            .record(system_log::oauth_success(event_type, &actor, session));
    }
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
}

/// The user a grant was issued to; gone users get `invalid_grant`.
fn signed_in_user<'a>(org: &'a Org, session: &SignInSession) -> Result<&'a User, Error> {
    org.user_by_id(&session.user_id)
        .ok_or_else(|| Error::oauth("invalid_grant", "The user no longer exists."))
}
