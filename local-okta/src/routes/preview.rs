//! Preview (docs/token-hook-protocol.md §7), as in the Admin Console: pick a user, a grant
//! type and scopes; generate the request Okta would send; edit it; send it
//! to the real hook; see its answer and what Okta would do with the tokens.
//! Preview calls are not written to the System Log.

use std::collections::BTreeSet;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use token_hook::{MintedTokens, TokenHookRequest};

use crate::error::Error;
use crate::forms;
use crate::grants::SignInSession;
use crate::hook::{self, CallResult, Effect, MintContext};
use crate::ids;
use crate::inspector;
use crate::org::{InlineHook, Org, User};
use crate::pages::{ClaimChange, PreviewPage, PreviewResult};
use crate::startup::SharedState;
use crate::tokens::{self, Issue, ProtocolParams, Site, Subject};

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
    /// A hook call kept by the inspector, whose request to start from
    /// ("Edit in Preview", local-okta's own).
    from: Option<String>,
}

/// `GET /admin/preview`: the form, with a generated request.
pub async fn preview_form(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(params): Query<GenerateParams>,
) -> Result<Response, Error> {
    let org = state.org();
    let hook = registered_hook(&org)?;
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
    let recorded = params
        .from
        .as_deref()
        .and_then(|id| state.inspector.get(id));
    let request = match (recorded, generate(&state, &org, user, grant, scope)) {
        (Some(call), _) => call.request_pretty(),
        (None, Ok(request)) => serde_json::to_string_pretty(&request).unwrap_or_default(),
        (None, Err(problem)) => {
            format!("{{}}\n\nlocal-okta cannot generate this request: {problem}")
        }
    };
    let choice = Choice {
        login: &user.login,
        grant,
        scope,
    };
    render(&state, &headers, &org, hook, &choice, &request, None)
}

/// "View Response" form: the request, and the choices it was generated with.
#[derive(Debug, Deserialize)]
pub struct SendForm {
    request: String,
    /// The form's token (see [`crate::forms`]).
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    grant_type: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// `POST /admin/preview`: sends the (edited) request to the hook.
pub async fn preview_send(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<SendForm>,
) -> Result<Response, Error> {
    // The send calls the hook with its secret: only from Preview's own page.
    if !forms::from_own_page(&headers, &state.own_origin())
        || !state
            .forms
            .check(&headers, PREVIEW_PURPOSE, &form.csrf_token)
    {
        return Err(Error::Forbidden(
            "This Preview request did not come from local-okta's own Preview page in this \
             browser, so nothing was sent."
                .to_owned(),
        ));
    }
    let org = state.org();
    let hook = registered_hook(&org)?;
    let result = match serde_json::from_str::<Value>(&form.request) {
        Ok(request) => send(&state, hook, &request).await,
        Err(error) => PreviewResult {
            input_error: Some(format!("The request is not valid JSON: {error}")),
            verdict: "Nothing was sent.".to_owned(),
            ..PreviewResult::default()
        },
    };
    // The page comes back with the choices the request was generated with.
    let choice = Choice {
        login: form
            .user
            .as_deref()
            .unwrap_or_else(|| first_login(&org.users)),
        grant: form
            .grant_type
            .as_deref()
            .filter(|grant| GRANT_TYPES.contains(grant))
            .unwrap_or(GRANT_TYPES[0]),
        scope: form.scope.as_deref().unwrap_or(DEFAULT_SCOPE),
    };
    render(
        &state,
        &headers,
        &org,
        hook,
        &choice,
        &form.request,
        Some(result),
    )
}

/// What a Preview form's token is bound to.
const PREVIEW_PURPOSE: &str = "preview";

/// What the form was filled with.
#[derive(Debug, Clone, Copy)]
struct Choice<'a> {
    login: &'a str,
    grant: &'a str,
    scope: &'a str,
}

/// The request Okta would send for this user, grant and scopes, built as
/// local-okta builds it for a real sign-in at the endpoint where that grant
/// calls the hook: `/v1/authorize` for the code and implicit flows,
/// `/v1/token` for refresh and client credentials. The app is the first
/// one allowed the grant. Fails when no app or no access policy rule would
/// let the request through, as a real one would fail.
pub fn generate(
    state: &SharedState,
    org: &Org,
    user: &User,
    grant_type: &str,
    scope: &str,
) -> Result<TokenHookRequest, String> {
    let client = org
        .all_apps()
        .find(|app| app.allows_grant(grant_type))
        .ok_or_else(|| format!("no app integration is allowed the {grant_type} grant"))?;
    let with_user = grant_type != "client_credentials";
    let matched = org
        .matching_rule(&client.client_id, grant_type, with_user.then_some(user))
        .ok_or_else(|| format!("no access policy rule matches the {grant_type} grant"))?;
    let scopes: Vec<String> = if with_user {
        scope.split_whitespace().map(str::to_owned).collect()
    } else {
        // Only the server's own scopes make sense without a user.
        org.authorization_server.scopes.clone()
    };
    let has = |wanted: &str| scopes.iter().any(|scope| scope == wanted);
    let session = SignInSession {
        id: ids::okta_id("102"),
        user_id: user.id.clone(),
        auth_time: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let subject = with_user.then_some(Subject {
        user,
        session: &session,
    });
    let issuer = &state.config.issuer;
    let redirect_uri = client.redirect_uris.first().cloned().unwrap_or_default();
    let response_type = match grant_type {
        "implicit" => Some("id_token token"),
        "authorization_code" => Some("code"),
        _ => None,
    };
    let site = match response_type {
        // The authorize request as a browser would send it: exactly these parameters.
        Some(response_type) => {
            let query = serde_urlencoded::to_string([
                ("client_id", client.client_id.as_str()),
                ("response_type", response_type),
                ("scope", &scopes.join(" ")),
                ("redirect_uri", &redirect_uri),
                ("state", "preview-state"),
                ("nonce", "preview-nonce"),
            ])
            .unwrap_or_default();
            Site {
                method: "GET".to_owned(),
                url: format!("{issuer}/v1/authorize?{query}"),
                ip_address: "127.0.0.1".to_owned(),
            }
        }
        None => Site {
            method: "POST".to_owned(),
            url: format!("{issuer}/v1/token"),
            ip_address: "127.0.0.1".to_owned(),
        },
    };
    let at_authorize = response_type.is_some();
    let refresh_jti = ids::okta_id("oar");
    let refresh = match grant_type {
        "refresh_token" => Some(refresh_jti.as_str()),
        "authorization_code" if has("offline_access") => Some(refresh_jti.as_str()),
        _ => None,
    };
    let issue = Issue {
        org,
        matched,
        client,
        subject,
        scopes: &scopes,
        nonce: at_authorize.then_some("preview-nonce"),
        protocol: ProtocolParams {
            grant_type: (!at_authorize).then_some(grant_type),
            response_type,
            response_mode: None,
            redirect_uri: at_authorize.then_some(redirect_uri.as_str()),
            state: at_authorize.then_some("preview-state"),
        },
        mint_identity: with_user && has("openid"),
        mint_access: true,
        refresh_jti: refresh,
        original_refresh_jti: (grant_type == "refresh_token").then_some(refresh_jti.as_str()),
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
    Ok(hook::build_request(&context, &tokens))
}

/// Sends `request` to the hook and describes what Okta would do.
pub async fn send(state: &SharedState, hook: &InlineHook, request: &Value) -> PreviewResult {
    let tokens = inspector::tokens_of(request);
    let inspector::Outcome {
        result, evaluation, ..
    } = inspector::call(
        state,
        inspector::Source::Preview,
        None,
        hook,
        request,
        &tokens,
    )
    .await;
    let (status, body) = match &result {
        CallResult::Answered { status, body, .. } => (Some(*status), pretty(body)),
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

/// The hook Preview calls: the one a rule uses, else the first registered.
fn registered_hook(org: &Org) -> Result<&InlineHook, Error> {
    org.active_hook()
        .or_else(|| org.inline_hooks.first())
        .ok_or_else(|| Error::BadPage("No inline hook is registered.".to_owned()))
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
    headers: &HeaderMap,
    org: &Org,
    hook: &InlineHook,
    choice: &Choice<'_>,
    request: &str,
    result: Option<PreviewResult>,
) -> Result<Response, Error> {
    let token = state
        .forms
        .issue(headers, PREVIEW_PURPOSE, state.is_https());
    let page = PreviewPage {
        csrf_token: &token.field,
        hook_name: &hook.name,
        users: &org.users,
        selected_user: choice.login,
        server_name: &org.authorization_server.name,
        grant_types: GRANT_TYPES,
        selected_grant: choice.grant,
        scope: choice.scope,
        request,
        result,
    };
    let mut response = Html(page.render()?).into_response();
    if let Some(cookie) = token.set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
