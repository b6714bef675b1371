//! The management API, in Okta's shapes, behind `Authorization: SSWS <token>`:
//! `GET /api/v1/logs`, `GET /api/v1/inlineHooks[/{id}]` and
//! `POST /api/v1/inlineHooks/{id}/execute` (Preview's API twin).

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::hook::{self, CallResult};
use crate::org::InlineHook;
use crate::startup::SharedState;
use crate::system_log::LogEvent;

/// Middleware: the org's API token, as `SSWS <token>`.
pub async fn require_api_token(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Result<Response, Error> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("SSWS "))
        .unwrap_or_default();
    let expected = state.config.org.org.api_token.expose_secret();
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(Error::ApiUnauthorized);
    }
    Ok(next.run(request).await)
}

/// `GET /api/v1/logs` parameters (a subset of Okta's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// `ASCENDING` (Okta's default) or `DESCENDING`.
    sort_order: Option<String>,
    /// At most this many events (default 100, at most 1000).
    limit: Option<usize>,
    /// `eventType`, `target.id`, `actor.id` or `outcome.result` `eq "…"`,
    /// joined with `and`.
    filter: Option<String>,
}

/// `GET /api/v1/logs`.
pub async fn logs(
    State(state): State<SharedState>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<LogEvent>>, Error> {
    let conditions = match query.filter.as_deref() {
        None => Vec::new(),
        Some(filter) => parse_filter(filter).ok_or_else(|| {
            Error::ApiBadRequest(format!(
                "Invalid filter {filter:?}: local-okta understands eventType, target.id, \
                 actor.id and outcome.result with eq \"…\", joined with and"
            ))
        })?,
    };
    let mut events: Vec<LogEvent> = state
        .system_log
        .events()
        .into_iter()
        .filter(|event| conditions.iter().all(|condition| condition.holds(event)))
        .collect();
    match query.sort_order.as_deref() {
        None | Some("ASCENDING") => {}
        Some("DESCENDING") => events.reverse(),
        Some(other) => {
            return Err(Error::ApiBadRequest(format!("Invalid sortOrder {other:?}")));
        }
    }
    events.truncate(query.limit.unwrap_or(100).min(1000));
    Ok(Json(events))
}

/// One `field eq "value"` condition of a System Log filter.
#[derive(Debug, Clone, PartialEq)]
struct Condition<'a> {
    field: &'a str,
    value: &'a str,
}

impl Condition<'_> {
    fn holds(&self, event: &LogEvent) -> bool {
        match self.field {
            "eventType" => event.event_type == self.value,
            "actor.id" => event.actor.id == self.value,
            "outcome.result" => event.outcome.result == self.value,
            // As in Okta: the value must be among the event's targets.
            "target.id" => event.target.iter().any(|target| target.id == self.value),
            _ => false,
        }
    }
}

/// `eventType eq "x" and target.id eq "y"`: the subset of Okta's SCIM
/// filter that developers use on these events.
fn parse_filter(filter: &str) -> Option<Vec<Condition<'_>>> {
    filter
        .split(" and ")
        .map(|part| {
            let (field, value) = part.trim().split_once(" eq ")?;
            let field = field.trim();
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            ["eventType", "actor.id", "outcome.result", "target.id"]
                .contains(&field)
                .then_some(Condition { field, value })
        })
        .collect()
}

/// `GET /api/v1/inlineHooks`.
pub async fn inline_hooks(State(state): State<SharedState>) -> Json<Vec<Value>> {
    Json(state.config.org.inline_hook.iter().map(describe).collect())
}

/// `GET /api/v1/inlineHooks/{id}`.
pub async fn inline_hook(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    find(&state, &id).map(|hook| Json(describe(hook)))
}

/// `POST /api/v1/inlineHooks/{id}/execute`: sends the body to the hook as
/// Okta would and returns the hook's answer. Like Okta's API, it waits 3 s
/// for an answer and tries once more when none came; with still no answer,
/// or a non-2xx one, it answers 400 in Okta's error shape.
pub async fn execute(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    Json(request): Json<Value>,
) -> Result<Json<Value>, Error> {
    let hook = find(&state, &id)?;
    let mut result = call_once(&state, hook, &request).await;
    if matches!(result, CallResult::TimedOut(_) | CallResult::Unreachable(_)) {
        result = call_once(&state, hook, &request).await;
    }
    match result {
        CallResult::Answered {
            status: 200..=299,
            body,
        } if body.is_empty() => Ok(Json(json!({}))),
        CallResult::Answered {
            status: 200..=299,
            body,
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
    let (result, _) =
        hook::call(&state.hook_client, hook, request, state.config.hook_timeout).await;
    result
}

fn find<'a>(state: &'a SharedState, id: &str) -> Result<&'a InlineHook, Error> {
    state
        .config
        .org
        .inline_hook
        .as_ref()
        .filter(|hook| hook.id == id)
        .ok_or(Error::NotFound)
}

/// A hook as Okta's API shows it; the secret is never included.
fn describe(hook: &InlineHook) -> Value {
    json!({
        "id": hook.id,
        "status": hook.status.get_ref(),
        "name": hook.name,
        "type": token_hook::EVENT_TYPE,
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": hook.url.get_ref(),
                "headers": [],
                "method": "POST",
                "authScheme": { "type": "HEADER", "key": hook.auth_header },
            }
        },
    })
}
