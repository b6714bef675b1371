//! Minting tokens: claims shaped like Okta's, the token inline hook, RS256.
//!
//! Minting is two steps, because Okta calls the hook where the tokens are
//! first asked for (docs/token-hook-protocol.md §1), which is not always
//! where they are handed out:
//!
//! 1. [`mint`]: build the ID token (when one is asked for) and the access
//!    token with the authorization server's claims, let the active hook
//!    patch them (see [`crate::hook`]), and record the call in the System
//!    Log. In the Authorization Code flow this runs at `/v1/authorize`,
//!    and the code is bound to the result; for the implicit flow also at
//!    `/v1/authorize`; for refresh and client credentials at `/v1/token`.
//! 2. [`sign`]: stamp `iat`/`exp` and sign. `at_hash` is added after the
//!    hook, since it hashes the final access token; a hook could not
//!    change it anyway.

use serde::Serialize;
use serde_json::{Map, Value, json};
use token_hook::{MintedToken, MintedTokens};

use crate::claims::custom_claims;
use crate::error::Error;
use crate::grants::SignInSession;
use crate::hook::{self, Effect, MintContext};
use crate::ids;
use crate::inspector;
use crate::keys;
use crate::org::{App, ClaimToken, Match, Org, User};
use crate::startup::AppState;
use crate::system_log::{self, HookEventFacts};

/// Lifetime of ID and access tokens before any hook changes it.
pub const DEFAULT_LIFETIME_SECONDS: u64 = 3600;

/// The HTTP request the authorization server received, as Okta reports it
/// to the hook in `data.context.request` and `source`.
#[derive(Debug, Clone)]
pub struct Site {
    /// `GET` at `/authorize`, `POST` at `/token`.
    pub method: String,
    /// The whole URL, query string included.
    pub url: String,
    /// The caller: the browser at `/authorize`, the client at `/token`.
    pub ip_address: String,
}

/// Who the tokens are for: a user and their sign-in session. Absent for
/// client credentials, where the client acts for itself.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user: &'a User,
    pub session: &'a SignInSession,
}

/// The OAuth parameters of the request, as the hook sees them in
/// `data.context.protocol.request`: only those that were sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProtocolParams<'a> {
    pub grant_type: Option<&'a str>,
    pub response_type: Option<&'a str>,
    pub response_mode: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub state: Option<&'a str>,
}

/// One request that mints tokens.
#[derive(Debug, Clone)]
pub struct Issue<'a> {
    /// The org as it was when the request arrived.
    pub org: &'a Org,
    /// The access policy rule the request matched: its hook is the one called.
    pub matched: Match<'a>,
    pub client: &'a App,
    pub subject: Option<Subject<'a>>,
    pub scopes: &'a [String],
    /// The nonce to echo in the ID token.
    pub nonce: Option<&'a str>,
    pub protocol: ProtocolParams<'a>,
    /// Whether an ID token is minted (`openid` granted, and asked for).
    pub mint_identity: bool,
    /// Whether an access token is minted (not for `response_type=id_token`).
    pub mint_access: bool,
    /// The refresh token being minted (`data.refresh_token.jti`).
    pub refresh_jti: Option<&'a str>,
    /// On a refresh grant, the refresh token used (`OriginalGrant`).
    pub original_refresh_jti: Option<&'a str>,
    pub site: &'a Site,
}

/// What minting came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Minted {
    /// The tokens, as the hook left them.
    Tokens(MintedTokens),
    /// The hook answered with an `error` object: no tokens, and the
    /// client gets `server_error` with this description.
    Refused(String),
    /// Strict mode (local-okta's own): Okta would have minted the tokens
    /// unchanged and said nothing, for this reason; local-okta stops the
    /// sign-in instead and points at the inspector's `call_id`.
    Strict { reason: String, call_id: String },
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

/// Signed tokens, before they are packed into an answer.
#[derive(Debug, Clone)]
pub struct Signed {
    pub access_token: Option<String>,
    /// The access token's lifetime (or the ID token's, when there is no access token).
    pub expires_in: u64,
    pub id_token: Option<String>,
}

impl Signed {
    /// The token endpoint's answer; every grant there mints an access token.
    pub fn into_token_response(
        self,
        scopes: &[String],
        refresh_token: Option<String>,
    ) -> Result<TokenResponse, Error> {
        Ok(TokenResponse {
            token_type: "Bearer",
            expires_in: self.expires_in,
            access_token: self.access_token.ok_or(Error::NoAccessToken)?,
            scope: scopes.join(" "),
            id_token: self.id_token,
            refresh_token,
        })
    }
}

/// Step 1: the tokens as Okta builds them, then the hook's say on them.
pub async fn mint(state: &AppState, issue: &Issue<'_>) -> Minted {
    let tokens = initial_tokens(state, issue);
    run_hook(state, issue, tokens).await
}

/// Step 2: stamps the times and signs.
pub fn sign(state: &AppState, tokens: MintedTokens) -> Result<Signed, Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut expires_in = DEFAULT_LIFETIME_SECONDS;
    let access_token = match tokens.access {
        Some(access) => {
            expires_in = access.lifetime_seconds;
            Some(state.keys.sign(&with_times(access, now))?)
        }
        None => None,
    };
    let id_token = match tokens.identity {
        Some(mut identity) => {
            if let Some(access_token) = &access_token {
                let hash = keys::at_hash(access_token);
                identity
                    .claims
                    .insert("at_hash".to_owned(), Value::from(hash));
            }
            if access_token.is_none() {
                expires_in = identity.lifetime_seconds;
            }
            Some(state.keys.sign(&with_times(identity, now))?)
        }
        None => None,
    };
    Ok(Signed {
        access_token,
        expires_in,
        id_token,
    })
}

/// The tokens as Okta builds them before the hook, without `iat`/`exp`.
pub fn initial_tokens(state: &AppState, issue: &Issue<'_>) -> MintedTokens {
    let org = issue.org;
    let has = |scope: &str| issue.scopes.iter().any(|granted| granted == scope);
    let user = issue.subject.map(|subject| subject.user);
    let identity = issue
        .subject
        .filter(|_| issue.mint_identity)
        .map(|subject| {
            let user = subject.user;
            let mut claims = object(json!({
                "sub": user.id, "ver": 1, "iss": state.config.issuer, "aud": issue.client.client_id,
                "jti": format!("ID.{}", ids::secret_token()),
                // How the user signed in: a password, at local-okta's form.
                "amr": ["pwd"],
                "idp": org.org.idp_id, "auth_time": subject.session.auth_time,
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
            claims.extend(custom_claims(org, ClaimToken::Id, Some(user), issue.scopes));
            MintedToken {
                claims,
                lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
            }
        });
    let access = issue.mint_access.then(|| {
        let mut claims = object(json!({
            "ver": 1, "jti": format!("AT.{}", ids::secret_token()), "iss": state.config.issuer,
            "aud": org.authorization_server.audience, "cid": issue.client.client_id,
            "scp": issue.scopes,
        }));
        match issue.subject {
            Some(subject) => {
                claims.insert("uid".to_owned(), Value::from(subject.user.id.clone()));
                claims.insert("sub".to_owned(), Value::from(subject.user.login.clone()));
                claims.insert(
                    "auth_time".to_owned(),
                    Value::from(subject.session.auth_time),
                );
            }
            // Client credentials: the client is the subject.
            None => {
                claims.insert(
                    "sub".to_owned(),
                    Value::from(issue.client.client_id.clone()),
                );
            }
        }
        claims.extend(custom_claims(org, ClaimToken::Access, user, issue.scopes));
        MintedToken {
            claims,
            lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
        }
    });
    MintedTokens { identity, access }
}

/// Calls the rule's hook, if any, records the outcome and applies Okta's rules.
async fn run_hook(state: &AppState, issue: &Issue<'_>, tokens: MintedTokens) -> Minted {
    let Some(hook) = issue.org.active_hook_of(issue.matched.rule) else {
        return Minted::Tokens(tokens);
    };
    let request_id = ids::okta_id("req");
    let context = MintContext {
        issuer: &state.config.issuer,
        org: issue.org,
        issue,
        request_id: &request_id,
    };
    let request = hook::build_request(&context, &tokens);
    let trace_id = request.event_id.clone().unwrap_or_default();
    let request = serde_json::to_value(&request).unwrap_or_default();
    let inspector::Outcome {
        result,
        duration,
        evaluation,
        call_id,
    } = inspector::call(
        state,
        inspector::Source::Token,
        None,
        hook,
        &request,
        &tokens,
    )
    .await;
    service_kit::record_timing("hook", duration);

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
        hook_url: hook.url.as_str(),
        request_id: &request_id,
        // A path, as Okta's event catalogue shows `request_uri`.
        request_uri: url_path(&issue.site.url),
        trace_id: &trace_id,
        duration_ms: duration.as_millis(),
    };
    state.system_log.record(system_log::hook_event(
        evaluation.event_type,
        &facts,
        evaluation.error_message.as_deref(),
        debug_data,
    ));
    match (evaluation.effect, evaluation.error_message) {
        (Effect::Mint(_), Some(reason)) if state.strict_hooks() => {
            Minted::Strict { reason, call_id }
        }
        (Effect::Mint(tokens), _) => Minted::Tokens(tokens),
        (Effect::Fail(description), _) => Minted::Refused(description),
    }
}

/// The path of a URL: `https://org/oauth2/default/v1/token?x` → `/oauth2/default/v1/token`.
fn url_path(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.find("://") {
        Some(scheme_end) => {
            let rest = &without_query[scheme_end + 3..];
            rest.find('/').map_or("/", |path| &rest[path..])
        }
        None => without_query,
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
    validation.set_audience(&[&state.org().authorization_server.audience]);
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
    let org = state.org();
    let audiences: Vec<&str> = org.all_apps().map(|app| app.client_id.as_str()).collect();
    validation.set_audience(&audiences);
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
