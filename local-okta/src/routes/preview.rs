//! Preview (docs/token-hook-protocol.md §7), as in the Admin Console: pick a user, a grant
//! type and scopes; generate the request Okta would send; edit it; send it
//! to the real hook; see its answer and what Okta would do with the tokens.
//! Preview calls are not written to the System Log.

use std::collections::BTreeSet;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use serde_json::{Map, Value};
use token_hook::{MintedToken, MintedTokens, TokenHookRequest};

use crate::error::Error;
use crate::grants::SignInSession;
use crate::hook::{self, CallResult, Effect, MintContext};
use crate::ids;
use crate::org::{App, InlineHook, User};
use crate::pages::{ClaimChange, PreviewPage, PreviewResult};
use crate::startup::SharedState;
use crate::tokens::{self, DEFAULT_LIFETIME_SECONDS, Issue, ProtocolParams, Site, Subject};

/// Grant types Preview can generate requests for: every grant that calls the hook.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
];
const DEFAULT_SCOPE: &str = "openid profile email";

/// "Generate Request" choices.
#[derive(Debug, Default, Deserialize)]
pub struct GenerateParams {
    user: Option<String>,
    grant_type: Option<String>,
    scope: Option<String>,
}

/// `GET /admin/preview`: the form, with a generated request.
pub async fn preview_form(
    State(state): State<SharedState>,
    Query(params): Query<GenerateParams>,
) -> Result<Html<String>, Error> {
    let hook = registered_hook(&state)?;
    let org = &state.config.org;
    let login = params
        .user
        .as_deref()
        .unwrap_or_else(|| first_login(&org.users));
    let user = org
        .user_by_login(login)
        .ok_or_else(|| Error::BadPage(format!("No user has the login {login:?}.")))?;
    let grant = params
        .grant_type
        .as_deref()
        .filter(|grant| GRANT_TYPES.contains(grant))
        .unwrap_or(GRANT_TYPES[0]);
    let scope = params.scope.as_deref().unwrap_or(DEFAULT_SCOPE);
    let request = generate(&state, user, grant, scope);
    let request = serde_json::to_string_pretty(&request).unwrap_or_default();
    render(&state, hook, &user.login, grant, scope, &request, None)
}

/// "View Response" form.
#[derive(Debug, Deserialize)]
pub struct SendForm {
    request: String,
}

/// `POST /admin/preview`: sends the (edited) request to the hook.
pub async fn preview_send(
    State(state): State<SharedState>,
    Form(form): Form<SendForm>,
) -> Result<Html<String>, Error> {
    let hook = registered_hook(&state)?;
    let result = match serde_json::from_str::<Value>(&form.request) {
        Ok(request) => send(&state, hook, &request).await,
        Err(error) => PreviewResult {
            input_error: Some(format!("The request is not valid JSON: {error}")),
            verdict: "Nothing was sent.".to_owned(),
            ..PreviewResult::default()
        },
    };
    let login = first_login(&state.config.org.users);
    render(
        &state,
        hook,
        login,
        GRANT_TYPES[0],
        DEFAULT_SCOPE,
        &form.request,
        Some(result),
    )
}

/// The request Okta would send for this user, grant and scopes, built as
/// local-okta builds it for a real sign-in at the endpoint where that grant
/// calls the hook: `/v1/authorize` for the code and implicit flows,
/// `/v1/token` for refresh and client credentials.
pub fn generate(
    state: &SharedState,
    user: &User,
    grant_type: &str,
    scope: &str,
) -> TokenHookRequest {
    let org = &state.config.org;
    let mut scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    let session = SignInSession {
        id: ids::okta_id("102"),
        user_id: user.id.clone(),
        auth_time: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let subject = Subject {
        user,
        session: &session,
    };
    let web_redirect = org.app.redirect_uris.first().cloned().unwrap_or_default();
    let issuer = &state.config.issuer;
    let authorize_url = |client: &App, response_type: &str, redirect_uri: &str| {
        let query = serde_urlencoded::to_string([
            ("client_id", client.client_id.as_str()),
            ("response_type", response_type),
            ("scope", &scopes.join(" ")),
            ("redirect_uri", redirect_uri),
            ("state", "preview-state"),
            ("nonce", "preview-nonce"),
        ])
        .unwrap_or_default();
        format!("{issuer}/v1/authorize?{query}")
    };
    let token_site = Site {
        method: "POST".to_owned(),
        url: format!("{issuer}/v1/token"),
        ip_address: "127.0.0.1".to_owned(),
    };
    let has_openid = scopes.iter().any(|scope| scope == "openid");
    let refresh_jti = ids::okta_id("oar");
    let (client, site, subject, protocol, mint_identity, refresh) = match grant_type {
        "implicit" => {
            let spa = org
                .all_apps()
                .find(|app| app.allows_grant("implicit"))
                .unwrap_or(&org.app);
            let redirect = spa.redirect_uris.first().cloned().unwrap_or_default();
            let site = Site {
                method: "GET".to_owned(),
                url: authorize_url(spa, "id_token token", &redirect),
                ip_address: "127.0.0.1".to_owned(),
            };
            let protocol = Protocol::authorize("id_token token", "fragment");
            (spa, site, Some(subject), protocol, has_openid, None)
        }
        "refresh_token" => {
            let protocol = Protocol::token("refresh_token");
            let refresh = Some(refresh_jti.as_str());
            (
                &org.app,
                token_site,
                Some(subject),
                protocol,
                has_openid,
                refresh,
            )
        }
        "client_credentials" => {
            let service = org
                .all_apps()
                .find(|app| app.allows_grant("client_credentials"))
                .unwrap_or(&org.app);
            // Only the server's own scopes make sense without a user.
            scopes = org.authorization_server.scopes.clone();
            let protocol = Protocol::token("client_credentials");
            (service, token_site, None, protocol, false, None)
        }
        _ => {
            let site = Site {
                method: "GET".to_owned(),
                url: authorize_url(&org.app, "code", &web_redirect),
                ip_address: "127.0.0.1".to_owned(),
            };
            let protocol = Protocol::authorize("code", "query");
            (&org.app, site, Some(subject), protocol, has_openid, None)
        }
    };
    let redirect_uri = match grant_type {
        "implicit" => client.redirect_uris.first().cloned(),
        "authorization_code" => Some(web_redirect.clone()),
        _ => None,
    };
    let issue = Issue {
        client,
        subject,
        scopes: &scopes,
        nonce: Some("preview-nonce").filter(|_| subject.is_some()),
        protocol: ProtocolParams {
            grant_type: protocol.grant_type,
            response_type: protocol.response_type,
            response_mode: protocol.response_mode,
            redirect_uri: redirect_uri.as_deref(),
            state: subject
                .is_some()
                .then_some("preview-state")
                .filter(|_| protocol.grant_type.is_none()),
        },
        mint_identity,
        mint_access: true,
        refresh_jti: refresh,
        original_refresh_jti: refresh,
        site: &site,
    };
    let tokens = tokens::initial_tokens(state, &issue);
    let request_id = ids::okta_id("req");
    let context = MintContext {
        issuer,
        org,
        issue: &issue,
        request_id: &request_id,
    };
    hook::build_request(&context, &tokens)
}

/// The protocol parameters a generated request reports as sent.
#[derive(Debug, Clone, Copy)]
struct Protocol {
    grant_type: Option<&'static str>,
    response_type: Option<&'static str>,
    response_mode: Option<&'static str>,
}

impl Protocol {
    fn authorize(response_type: &'static str, response_mode: &'static str) -> Protocol {
        Protocol {
            grant_type: None,
            response_type: Some(response_type),
            response_mode: Some(response_mode),
        }
    }

    fn token(grant_type: &'static str) -> Protocol {
        Protocol {
            grant_type: Some(grant_type),
            response_type: None,
            response_mode: None,
        }
    }
}

/// Sends `request` to the hook and describes what Okta would do.
pub async fn send(state: &SharedState, hook: &InlineHook, request: &Value) -> PreviewResult {
    let tokens = serde_json::from_value::<TokenHookRequest>(request.clone())
        .map(|request| tokens_in(&request))
        .unwrap_or_default();
    let (result, _) =
        hook::call(&state.hook_client, hook, request, state.config.hook_timeout).await;
    let evaluation = hook::evaluate(&result, &tokens);
    let (status, body) = match &result {
        CallResult::Answered { status, body } => (Some(*status), pretty(body)),
        _ => (None, String::new()),
    };
    let (verdict, applied, changes) = match (&evaluation.effect, &evaluation.error_message) {
        (Effect::Fail(description), _) => (
            format!("Fail the token request: server_error, \"{description}\"."),
            false,
            Vec::new(),
        ),
        (Effect::Mint(_), Some(message)) => (
            format!("Mint the tokens unchanged: {message}"),
            false,
            Vec::new(),
        ),
        (Effect::Mint(after), None) => {
            let changes = changes(&tokens, after);
            let verdict = if changes.is_empty() {
                "Mint the tokens unchanged: the response asks for no change."
            } else {
                "Apply every command, then mint the tokens:"
            };
            (verdict.to_owned(), true, changes)
        }
    };
    PreviewResult {
        input_error: None,
        status,
        body,
        verdict,
        applied,
        changes,
    }
}

/// The tokens a request describes, as the rules see them.
fn tokens_in(request: &TokenHookRequest) -> MintedTokens {
    let token = |claims: Value, lifetime: Option<u32>| MintedToken {
        claims: match claims {
            Value::Object(claims) => claims,
            _ => Map::new(),
        },
        lifetime_seconds: lifetime.map_or(DEFAULT_LIFETIME_SECONDS, u64::from),
    };
    let lifetime = |info: &Option<token_hook::request::TokenInfo>| {
        info.as_ref()
            .and_then(|info| info.lifetime.as_ref())
            .and_then(|l| l.expiration)
    };
    MintedTokens {
        identity: request.data.identity.as_ref().map(|identity| {
            let claims = serde_json::to_value(&identity.claims).unwrap_or_default();
            token(claims, lifetime(&identity.token))
        }),
        access: request.data.access.as_ref().map(|access| {
            token(
                Value::Object(access.claims.clone()),
                lifetime(&access.token),
            )
        }),
    }
}

fn changes(before: &MintedTokens, after: &MintedTokens) -> Vec<ClaimChange> {
    let mut changes = Vec::new();
    let pairs = [
        ("ID token", &before.identity, &after.identity),
        ("access token", &before.access, &after.access),
    ];
    for (name, before, after) in pairs {
        let (Some(before), Some(after)) = (before, after) else {
            continue;
        };
        let keys: BTreeSet<&String> = before.claims.keys().chain(after.claims.keys()).collect();
        for key in keys {
            let (old, new) = (before.claims.get(key), after.claims.get(key));
            if old != new {
                changes.push(ClaimChange {
                    token: name,
                    claim: key.clone(),
                    before: old.map_or_else(|| "(absent)".to_owned(), Value::to_string),
                    after: new.map_or_else(|| "(removed)".to_owned(), Value::to_string),
                });
            }
        }
        if before.lifetime_seconds != after.lifetime_seconds {
            changes.push(ClaimChange {
                token: name,
                claim: "lifetime (s)".to_owned(),
                before: before.lifetime_seconds.to_string(),
                after: after.lifetime_seconds.to_string(),
            });
        }
    }
    changes
}

fn registered_hook(state: &SharedState) -> Result<&InlineHook, Error> {
    state
        .config
        .org
        .inline_hook
        .as_ref()
        .ok_or_else(|| Error::BadPage("No inline hook is registered in org.toml.".to_owned()))
}

fn first_login(users: &[User]) -> &str {
    users.first().map_or("", |user| user.login.as_str())
}

fn pretty(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

fn render(
    state: &SharedState,
    hook: &InlineHook,
    login: &str,
    grant: &str,
    scope: &str,
    request: &str,
    result: Option<PreviewResult>,
) -> Result<Html<String>, Error> {
    let org = &state.config.org;
    let page = PreviewPage {
        hook_name: &hook.name,
        users: &org.users,
        selected_user: login,
        app_name: &org.app.name,
        server_name: &org.authorization_server.name,
        grant_types: GRANT_TYPES,
        selected_grant: grant,
        scope,
        request,
        result,
    };
    Ok(Html(page.render()?))
}
