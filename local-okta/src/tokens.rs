//! Minting tokens: claims shaped like Okta's, the token inline hook, RS256.
//!
//! [`issue`] is the whole pipeline of a token request that mints tokens:
//! build the ID token (when `openid` is granted) and the access token, let
//! the active hook patch them (see [`crate::hook`]), record the call in the
//! System Log, then sign. `at_hash` is added after the hook, since it hashes
//! the final access token; a hook could not change it anyway.

use serde::Serialize;
use serde_json::{Map, Value, json};
use token_hook::{MintedToken, MintedTokens};

use crate::error::Error;
use crate::grants::{RefreshGrant, SignInSession};
use crate::hook::{self, Effect, MintContext};
use crate::ids;
use crate::keys;
use crate::org::User;
use crate::startup::AppState;
use crate::system_log::{self, HookEventFacts};

/// Lifetime of ID and access tokens before any hook changes it.
pub const DEFAULT_LIFETIME_SECONDS: u64 = 3600;

/// One token request that mints tokens.
#[derive(Debug, Clone)]
pub struct Issue<'a> {
    /// Who the tokens are for.
    pub user: &'a User,
    pub session: &'a SignInSession,
    pub scopes: &'a [String],
    /// The nonce to echo in the ID token.
    pub nonce: Option<&'a str>,
    /// `authorization_code` or `refresh_token`.
    pub grant_type: &'a str,
    /// The original authorization request's redirect URI.
    pub redirect_uri: &'a str,
    /// The original authorization request's state.
    pub state: &'a str,
    /// On a refresh grant: the refresh token used, and its grant.
    pub refreshing: Option<(&'a str, &'a RefreshGrant)>,
    /// The caller's IP address.
    pub ip_address: &'a str,
}

/// The token endpoint's successful answer (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    /// `Bearer`.
    pub token_type: &'static str,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
    pub access_token: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The ID token, when `openid` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// A refresh token, when `offline_access` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Mints, lets the hook patch, records, signs.
pub async fn issue(state: &AppState, issue: Issue<'_>) -> Result<TokenResponse, Error> {
    let has = |scope: &str| issue.scopes.iter().any(|granted| granted == scope);
    // The refresh token exists before the hook runs: Okta reports its `jti`.
    let refresh = match issue.refreshing {
        Some((token, grant)) => Some((token.to_owned(), grant.jti.clone())),
        None if has("offline_access") => Some((ids::secret_token(), ids::okta_id("oar"))),
        None => None,
    };
    let tokens = initial_tokens(state, &issue);
    let tokens = run_hook(
        state,
        &issue,
        refresh.as_ref().map(|(_, jti)| jti.as_str()),
        tokens,
    )
    .await?;

    if let (Some((token, jti)), None) = (&refresh, issue.refreshing) {
        let grant = RefreshGrant {
            jti: jti.clone(),
            client_id: state.config.org.app.client_id.clone(),
            scopes: issue.scopes.to_vec(),
            session: issue.session.clone(),
            redirect_uri: issue.redirect_uri.to_owned(),
            state: issue.state.to_owned(),
        };
        state.grants.insert_refresh_token(token.clone(), grant);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let access = tokens.access.ok_or(Error::NoAccessToken)?;
    let expires_in = access.lifetime_seconds;
    let access_token = state.keys.sign(&with_times(access, now))?;
    let id_token = match tokens.identity {
        Some(mut identity) => {
            let hash = keys::at_hash(&access_token);
            identity
                .claims
                .insert("at_hash".to_owned(), Value::from(hash));
            Some(state.keys.sign(&with_times(identity, now))?)
        }
        None => None,
    };
    Ok(TokenResponse {
        token_type: "Bearer",
        expires_in,
        access_token,
        scope: issue.scopes.join(" "),
        id_token,
        refresh_token: refresh.map(|(token, _)| token),
    })
}

/// The tokens as Okta builds them before the hook, without `iat`/`exp`.
pub fn initial_tokens(state: &AppState, issue: &Issue<'_>) -> MintedTokens {
    let org = &state.config.org;
    let user = issue.user;
    let has = |scope: &str| issue.scopes.iter().any(|granted| granted == scope);
    let identity = has("openid").then(|| {
        let mut claims = object(json!({
            "sub": user.id, "ver": 1, "iss": state.config.issuer, "aud": org.app.client_id,
            "jti": format!("ID.{}", ids::secret_token()), "amr": ["pwd"],
            "idp": org.org.idp_id, "auth_time": issue.session.auth_time,
        }));
        if has("profile") {
            claims.insert("name".to_owned(), Value::from(user.full_name()));
            claims.insert(
                "preferred_username".to_owned(),
                Value::from(user.login.clone()),
            );
        }
        if has("email") {
            claims.insert("email".to_owned(), Value::from(user.login.clone()));
        }
        if let Some(nonce) = issue.nonce {
            claims.insert("nonce".to_owned(), Value::from(nonce));
        }
        MintedToken {
            claims,
            lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
        }
    });
    let access = MintedToken {
        claims: object(json!({
            "ver": 1, "jti": format!("AT.{}", ids::secret_token()), "iss": state.config.issuer,
            "aud": org.authorization_server.audience, "cid": org.app.client_id, "uid": user.id,
            "scp": issue.scopes, "auth_time": issue.session.auth_time, "sub": user.login,
        })),
        lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
    };
    MintedTokens {
        identity,
        access: Some(access),
    }
}

/// Calls the rule's hook, if any, records the outcome and applies Okta's rules.
async fn run_hook(
    state: &AppState,
    issue: &Issue<'_>,
    refresh_jti: Option<&str>,
    tokens: MintedTokens,
) -> Result<MintedTokens, Error> {
    let Some(hook) = state.config.org.active_hook() else {
        return Ok(tokens);
    };
    let request_id = ids::okta_id("req");
    let request_url = format!("{}/v1/token", state.config.issuer);
    let context = MintContext {
        issuer: &state.config.issuer,
        org: &state.config.org,
        user: issue.user,
        session: issue.session,
        grant_type: issue.grant_type,
        scopes: issue.scopes,
        state: Some(issue.state),
        redirect_uri: Some(issue.redirect_uri),
        request_id: &request_id,
        request_url: &request_url,
        ip_address: issue.ip_address,
        refresh_jti,
        original_refresh_jti: issue.refreshing.map(|(_, grant)| grant.jti.as_str()),
    };
    let request = hook::build_request(&context, &tokens);
    let (result, duration) = hook::call(
        &state.hook_client,
        hook,
        &request,
        state.config.hook_timeout,
    )
    .await;
    let evaluation = hook::evaluate(&result, &tokens);

    let mut debug_data = Map::new();
    if let Some(debug_context) = &evaluation.debug_context {
        debug_data.insert(
            "debug_context".to_owned(),
            Value::from(Value::Object(debug_context.clone()).to_string()),
        );
    }
    if let hook::CallResult::Answered { status, .. } = &result {
        debug_data.insert("http_status".to_owned(), Value::from(status.to_string()));
    }
    let facts = HookEventFacts {
        hook_id: &hook.id,
        hook_name: &hook.name,
        hook_url: hook.url.get_ref(),
        request_id: &request_id,
        request_uri: &request_url,
        trace_id: request.event_id.as_deref().unwrap_or_default(),
        duration_ms: duration.as_millis(),
    };
    state.system_log.record(system_log::hook_event(
        evaluation.event_type,
        &facts,
        evaluation.error_message.as_deref(),
        debug_data,
    ));
    match evaluation.effect {
        Effect::Mint(tokens) => Ok(tokens),
        Effect::Fail(description) => Err(Error::oauth("server_error", description)),
    }
}

fn with_times(token: MintedToken, now: i64) -> Map<String, Value> {
    let mut claims = token.claims;
    claims.insert("iat".to_owned(), Value::from(now));
    let lifetime = i64::try_from(token.lifetime_seconds).unwrap_or(i64::MAX);
    claims.insert("exp".to_owned(), Value::from(now.saturating_add(lifetime)));
    claims
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Verifies an access token this org issued: signature, issuer, audience,
/// expiry, and that it was not revoked. Returns its claims.
pub fn verify_access_token(state: &AppState, token: &str) -> Result<Map<String, Value>, String> {
    let mut validation = validation(state);
    validation.set_audience(&[&state.config.org.authorization_server.audience]);
    let claims: Map<String, Value> = state
        .keys
        .verify(token, &validation)
        .map_err(|error| error.to_string())?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if state.grants.is_access_token_revoked(jti) {
        return Err("the access token was revoked".to_owned());
    }
    Ok(claims)
}

/// Verifies an ID token this org issued to the app. An expired one is
/// accepted when `allow_expired` (as `id_token_hint` at logout).
pub fn verify_id_token(
    state: &AppState,
    token: &str,
    allow_expired: bool,
) -> Result<Map<String, Value>, String> {
    let mut validation = validation(state);
    validation.set_audience(&[&state.config.org.app.client_id]);
    validation.validate_exp = !allow_expired;
    state
        .keys
        .verify(token, &validation)
        .map_err(|error| error.to_string())
}

fn validation(state: &AppState) -> jsonwebtoken::Validation {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&state.config.issuer]);
    validation.leeway = 0;
    validation
}
