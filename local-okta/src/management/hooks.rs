//! `/api/v1/inlineHooks`: token inline hooks, as Okta's Inline Hooks API
//! manages them (docs/token-hook-protocol.md §5, §7).
//!
//! A hook is created `ACTIVE`; its secret (`authScheme.value`) is
//! write-only and never returned; a `PUT` replaces the whole hook, secret
//! included; only an `INACTIVE` hook can be deleted; `execute` is Preview's
//! API twin. Okta accepts only `https://` URLs; local-okta also accepts
//! `http://` to a loopback host, so that it can call a hook on this machine.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::hook::CallResult;
use crate::ids;
use crate::inspector;
use crate::management::link;
use crate::org::InlineHook;
use crate::startup::SharedState;

/// The only hook type local-okta runs.
const TOKEN_HOOK: &str = token_hook::EVENT_TYPE;
/// Okta's limit on a hook's URL.
const MAX_URI_CHARS: usize = 1024;

/// `GET /api/v1/inlineHooks?type=…` parameters.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    hook_type: Option<String>,
}

/// `GET /api/v1/inlineHooks`: every hook, or only those of `type`.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<ListQuery>,
) -> Json<Vec<Value>> {
    let org = state.org();
    let wanted = query.hook_type.as_deref().unwrap_or(TOKEN_HOOK);
    let hooks = org
        .inline_hooks
        .iter()
        .filter(|_| wanted == TOKEN_HOOK)
        .map(|hook| describe(&state, hook))
        .collect();
    Json(hooks)
}

/// `GET /api/v1/inlineHooks/{id}`.
pub async fn get_one(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let org = state.org();
    let hook = org.hook(&id).ok_or_else(|| Error::not_found(&id))?;
    Ok(Json(describe(&state, hook)))
}

/// The body of a create or a replace (`InlineHookCreate` / `InlineHookReplace`).
#[derive(Debug, Deserialize)]
pub struct HookBody {
    name: Option<String>,
    #[serde(rename = "type")]
    hook_type: Option<String>,
    version: Option<String>,
    channel: Option<Channel>,
}

#[derive(Debug, Deserialize)]
struct Channel {
    #[serde(rename = "type")]
    channel_type: Option<String>,
    config: Option<ChannelConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelConfig {
    uri: Option<String>,
    #[serde(default)]
    headers: Vec<Value>,
    method: Option<String>,
    auth_scheme: Option<AuthScheme>,
}

#[derive(Debug, Deserialize)]
struct AuthScheme {
    #[serde(rename = "type")]
    scheme_type: Option<String>,
    key: Option<String>,
    value: Option<String>,
}

/// What a valid body says.
struct Checked {
    name: String,
    uri: String,
    key: String,
    value: String,
}

/// `POST /api/v1/inlineHooks`: creates an `ACTIVE` hook; `200`, as Okta.
pub async fn create(
    State(state): State<SharedState>,
    body: Result<Json<HookBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, Error> {
    let Json(body) = body.map_err(malformed)?;
    match body.hook_type.as_deref() {
        Some(TOKEN_HOOK) => {}
        other => {
            return Err(validation(&format!(
                "type: local-okta runs token inline hooks ({TOKEN_HOOK}) only, not {other:?}"
            )));
        }
    }
    let checked = check(&body)?;
    let now = ids::iso_now();
    let hook = InlineHook {
        id: ids::okta_id("cal"),
        name: checked.name,
        url: checked.uri,
        auth_header: checked.key,
        auth_secret: SecretString::from(checked.value),
        oauth: None,
        status: "ACTIVE".to_owned(),
        created: Some(now.clone()),
        last_updated: Some(now),
    };
    let created = hook.clone();
    state.directory.update(|org| {
        if org.inline_hooks.iter().any(|other| other.name == hook.name) {
            return Err(validation(
                "name: An inline hook with this name already exists",
            ));
        }
        org.inline_hooks.push(hook);
        Ok(())
    })?;
    Ok(Json(describe(&state, &created)))
}

/// `PUT /api/v1/inlineHooks/{id}`: replaces name and channel, secret
/// included (responses never return it, so a replace must send it again).
pub async fn replace(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Result<Json<HookBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, Error> {
    let Json(body) = body.map_err(malformed)?;
    let checked = check(&body)?;
    let replaced = state.directory.update(|org| {
        if org
            .inline_hooks
            .iter()
            .any(|other| other.name == checked.name && other.id != id)
        {
            return Err(validation(
                "name: An inline hook with this name already exists",
            ));
        }
        let hook = org
            .inline_hooks
            .iter_mut()
            .find(|hook| hook.id == id)
            .ok_or_else(|| Error::not_found(&id))?;
        hook.name = checked.name;
        hook.url = checked.uri;
        hook.auth_header = checked.key;
        hook.auth_secret = SecretString::from(checked.value);
        hook.oauth = None;
        hook.last_updated = Some(ids::iso_now());
        Ok(hook.clone())
    })?;
    Ok(Json(describe(&state, &replaced)))
}

/// `DELETE /api/v1/inlineHooks/{id}`: `204`, only for an `INACTIVE` hook
/// that no rule uses any more.
pub async fn delete(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    state.directory.update(|org| {
        let hook = org.hook(&id).ok_or_else(|| Error::not_found(&id))?;
        if hook.is_active() {
            return Err(validation(
                "status: Only an INACTIVE inline hook can be deleted; deactivate it first",
            ));
        }
        org.inline_hooks.retain(|hook| hook.id != id);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/inlineHooks/{id}/lifecycle/activate`.
pub async fn activate(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    set_status(&state, &id, "ACTIVE")
}

/// `POST /api/v1/inlineHooks/{id}/lifecycle/deactivate`.
pub async fn deactivate(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    set_status(&state, &id, "INACTIVE")
}

fn set_status(state: &SharedState, id: &str, status: &str) -> Result<Json<Value>, Error> {
    let hook = state.directory.update(|org| {
        let hook = org
            .inline_hooks
            .iter_mut()
            .find(|hook| hook.id == id)
            .ok_or_else(|| Error::not_found(id))?;
        hook.status = status.to_owned();
        hook.last_updated = Some(ids::iso_now());
        Ok(hook.clone())
    })?;
    Ok(Json(describe(state, &hook)))
}

/// `POST /api/v1/inlineHooks/{id}/execute`: sends the body to the hook as
/// Okta would and returns the hook's answer. Like Okta's API, it waits 3 s
/// for an answer and tries once more when none came or the hook failed
/// (5xx); with still no good answer, it answers 400 in Okta's error shape.
pub async fn execute(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    Json(request): Json<Value>,
) -> Result<Json<Value>, Error> {
    let org = state.org();
    let hook = org.hook(&id).ok_or_else(|| Error::not_found(&id))?;
    let mut result = call_once(&state, hook, &request).await;
    let failed = |result: &CallResult| match result {
        CallResult::TimedOut(_) | CallResult::Unreachable(_) => true,
        CallResult::Answered { status, .. } => *status >= 500,
    };
    if failed(&result) {
        result = call_once(&state, hook, &request).await;
    }
    match result {
        CallResult::Answered {
            status: 200..=299,
            body,
            ..
        } if body.is_empty() => Ok(Json(json!({}))),
        CallResult::Answered {
            status: 200..=299,
            body,
            ..
        } => serde_json::from_slice(&body).map(Json).map_err(|error| {
            Error::ApiBadRequest(format!("The hook's answer is not JSON: {error}"))
        }),
        CallResult::Answered { status, .. } => Err(Error::ApiBadRequest(format!(
            "The inline hook responded with HTTP {status}"
        ))),
        CallResult::TimedOut(after) => Err(Error::ApiBadRequest(format!(
            "The inline hook did not answer within {} ms, twice",
            after.as_millis()
        ))),
        CallResult::Unreachable(reason) => Err(Error::ApiBadRequest(format!(
            "Unable to reach the inline hook, twice: {reason}"
        ))),
    }
}

async fn call_once(state: &SharedState, hook: &InlineHook, request: &Value) -> CallResult {
    let tokens = inspector::tokens_of(request);
    inspector::call(
        state,
        inspector::Source::Execute,
        None,
        hook,
        request,
        &tokens,
    )
    .await
    .result
}

/// A hook as Okta's API shows it; the secret is never included.
pub fn describe(state: &SharedState, hook: &InlineHook) -> Value {
    let path = format!("/inlineHooks/{}", hook.id);
    let lifecycle = if hook.is_active() {
        "deactivate"
    } else {
        "activate"
    };
    // Secrets are write-only: never in an answer.
    let channel = match &hook.oauth {
        None => json!({
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": hook.url,
                "headers": [],
                "method": "POST",
                "authScheme": { "type": "HEADER", "key": hook.auth_header },
            }
        }),
        Some(oauth) => json!({
            "type": "OAUTH",
            "version": "1.0.0",
            "config": {
                "uri": hook.url,
                "headers": [],
                "method": "POST",
                "authType": "client_secret_post",
                "clientId": oauth.client_id,
                "tokenUrl": oauth.token_url,
                "scope": oauth.scope,
            }
        }),
    };
    json!({
        "id": hook.id,
        "status": hook.status,
        "name": hook.name,
        "type": TOKEN_HOOK,
        "version": "1.0.0",
        "channel": channel,
        "created": hook.created,
        "lastUpdated": hook.last_updated,
        "_links": {
            "self": link(state, &path),
            lifecycle: link(state, &format!("{path}/lifecycle/{lifecycle}")),
            "execute": link(state, &format!("{path}/execute")),
        },
    })
}

fn check(body: &HookBody) -> Result<Checked, Error> {
    let name = body
        .name
        .clone()
        .filter(|name| (1..=255).contains(&name.chars().count()))
        .ok_or_else(|| validation("name: The field cannot be left blank"))?;
    if body
        .version
        .as_deref()
        .is_some_and(|version| version != "1.0.0")
    {
        return Err(validation("version: Only version 1.0.0 is supported"));
    }
    let channel = body
        .channel
        .as_ref()
        .ok_or_else(|| validation("channel: The field cannot be left blank"))?;
    if channel.channel_type.as_deref() != Some("HTTP") {
        return Err(validation(
            "channel.type: local-okta supports the HTTP channel (a header secret) only",
        ));
    }
    let config = channel
        .config
        .as_ref()
        .ok_or_else(|| validation("channel.config: The field cannot be left blank"))?;
    if config
        .method
        .as_deref()
        .is_some_and(|method| method != "POST")
    {
        return Err(validation("channel.config.method: Only POST is supported"));
    }
    if !config.headers.is_empty() {
        return Err(validation(
            "channel.config.headers: local-okta does not send custom headers",
        ));
    }
    let uri = config.uri.clone().unwrap_or_default();
    check_uri(&uri)?;
    let scheme = config
        .auth_scheme
        .as_ref()
        .ok_or_else(|| validation("channel.config.authScheme: The field cannot be left blank"))?;
    if !scheme
        .scheme_type
        .as_deref()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("HEADER"))
    {
        return Err(validation(
            "channel.config.authScheme.type: Only HEADER is supported",
        ));
    }
    let key = scheme
        .key
        .clone()
        .filter(|key| !key.trim().is_empty())
        .ok_or_else(|| {
            validation("channel.config.authScheme.key: The field cannot be left blank")
        })?;
    let value = scheme
        .value
        .clone()
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| {
            validation("channel.config.authScheme.value: The field cannot be left blank")
        })?;
    Ok(Checked {
        name,
        uri,
        key,
        value,
    })
}

/// `https://`, at most 1024 characters, no white space; `http://` only to
/// a loopback host (local-okta's own liberty, for hooks on this machine).
fn check_uri(uri: &str) -> Result<(), Error> {
    if uri.chars().count() > MAX_URI_CHARS || uri.chars().any(char::is_whitespace) {
        return Err(validation(
            "channel.config.uri: The URI must be at most 1024 characters, with no white space",
        ));
    }
    let parsed = url::Url::parse(uri)
        .map_err(|_| validation("channel.config.uri: The URI is not a valid absolute URI"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(validation(
            "channel.config.uri: The URI must use https (local-okta also accepts http to a \
             loopback host)",
        )),
    }
}

/// `E0000001`, as Okta answers a body that fails validation.
pub fn validation(cause: &str) -> Error {
    Error::ApiBadRequest(format!("Api validation failed: {cause}"))
}

/// `E0000003`: the body is not JSON, or not the right JSON.
pub fn malformed(rejection: axum::extract::rejection::JsonRejection) -> Error {
    Error::Api {
        status: StatusCode::BAD_REQUEST,
        code: "E0000003",
        summary: format!(
            "The request body was not well-formed. {}",
            rejection.body_text()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_uris_must_be_https_or_loopback_http() {
        assert!(check_uri("https://abc.ngrok-free.app/tokenHook").is_ok());
        assert!(check_uri("http://127.0.0.1:8082/tokenHook").is_ok());
        assert!(check_uri("http://localhost:8082/tokenHook").is_ok());
        assert!(check_uri("http://example.com/tokenHook").is_err());
        assert!(check_uri("ftp://127.0.0.1/x").is_err());
        assert!(check_uri("https://a.example/ x").is_err());
        assert!(check_uri(&format!("https://a.example/{}", "x".repeat(1100))).is_err());
    }
}
