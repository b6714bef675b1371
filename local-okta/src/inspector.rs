//! The hook inspector: **local-okta's own**, not Okta's. Okta's console
//! shows a one-line System Log entry per hook call, and Preview stops at the
//! raw answer; a workshop needs to see every call whole.
//!
//! Every hook call local-okta makes (sign-ins and token requests, Preview,
//! the Management API's `execute`, and replays) is recorded as one
//! [`HookCall`]: the request with its headers (the secret masked to its
//! scheme), the answer's status, headers and body,
//! the duration against Okta's 3-second budget, the verdict under Okta's
//! rules, and the token claims before and after. The newest
//! [`Inspector::capacity`] calls are kept (200 unless
//! `LOCAL_OKTA_INSPECTOR_CAPACITY` says otherwise); older ones are dropped.
//!
//! Shown at `/admin/hooks`, and as JSON at `/api/v1/dev/hookCalls` (behind
//! the SSWS token, like Okta's API, but not part of it).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use token_hook::MintedTokens;

use crate::error::Error;
use crate::hook::{self, CallResult, Effect, Evaluation};
use crate::org::InlineHook;
use crate::startup::AppState;

/// Calls kept when `LOCAL_OKTA_INSPECTOR_CAPACITY` is unset.
pub const DEFAULT_CAPACITY: usize = 200;
/// The most of an answer's body a call keeps, so that 200 calls of hooks
/// answering too much stay a few megabytes.
pub const MAX_KEPT_BODY_BYTES: usize = 32 * 1024;

/// Where a call came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A sign-in or a token request (`/v1/authorize`, `/v1/token`).
    Token,
    /// The Preview page.
    Preview,
    /// The Management API's `execute`.
    Execute,
    /// A replay of a recorded call.
    Replay,
}

/// One recorded hook call.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookCall {
    /// `hc…`, in the order of the calls.
    pub id: String,
    /// When it was made (ISO 8601).
    pub published: String,
    pub source: Source,
    /// The recorded call this one replays.
    pub replay_of: Option<String>,
    pub hook_id: String,
    pub hook_name: String,
    pub url: String,
    /// The request's `eventId`: the System Log's `trace_id`.
    pub trace_id: String,
    pub request_headers: Vec<(String, String)>,
    pub request: Value,
    /// `None` when no HTTP answer came.
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), or why there is none.
    pub response_body: String,
    pub duration_ms: u128,
    /// Okta's budget, for comparison.
    pub budget_ms: u128,
    /// `true` when the tokens were minted with the commands applied.
    pub applied: bool,
    /// What Okta does with the answer, in words.
    pub verdict: String,
    /// `{ "id": {…}, "access": {…} }` before and after the hook.
    pub claims_before: Value,
    pub claims_after: Value,
}

impl HookCall {
    /// The recorded call, from what [`crate::hook::call`] and
    /// [`crate::hook::evaluate`] gave.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: Source,
        hook: &InlineHook,
        request: &Value,
        result: &CallResult,
        duration: Duration,
        budget: Duration,
        tokens: &MintedTokens,
        evaluation: &Evaluation,
    ) -> HookCall {
        let (status, response_headers, response_body) = match result {
            CallResult::Answered {
                status,
                headers,
                body,
            } => (Some(*status), headers.clone(), kept_body(body)),
            CallResult::Unreachable(reason) => (None, Vec::new(), format!("no answer: {reason}")),
            CallResult::TimedOut(after) => (
                None,
                Vec::new(),
                format!("no answer within {} ms", after.as_millis()),
            ),
        };
        let (applied, verdict, after) = verdict(evaluation, tokens);
        HookCall {
            id: String::new(),
            published: crate::ids::iso_now(),
            source,
            replay_of: None,
            hook_id: hook.id.clone(),
            hook_name: hook.name.clone(),
            url: hook.url.clone(),
            trace_id: request["eventId"].as_str().unwrap_or_default().to_owned(),
            request_headers: request_headers(hook),
            request: request.clone(),
            status,
            response_headers,
            response_body,
            duration_ms: duration.as_millis(),
            budget_ms: budget.as_millis(),
            applied,
            verdict,
            claims_before: claims(tokens),
            claims_after: after.map(claims).unwrap_or(Value::Null),
        }
    }

    /// Where it came from, in words.
    pub fn source_name(&self) -> &'static str {
        match self.source {
            Source::Token => "a token request",
            Source::Preview => "Preview",
            Source::Execute => "the API's execute",
            Source::Replay => "a replay",
        }
    }

    /// The login the call was about, or `-` (client credentials).
    pub fn login(&self) -> &str {
        self.request["data"]["identity"]["claims"]["preferred_username"]
            .as_str()
            .unwrap_or("-")
    }

    /// Whether the call took more than half of Okta's budget.
    pub fn slow(&self) -> bool {
        self.duration_ms * 2 > self.budget_ms
    }

    /// The request, indented, for the pages.
    pub fn request_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.request).unwrap_or_default()
    }

    /// The answer's body, indented when it is JSON.
    pub fn response_pretty(&self) -> String {
        serde_json::from_str::<Value>(&self.response_body)
            .and_then(|value| serde_json::to_string_pretty(&value))
            .unwrap_or_else(|_| self.response_body.clone())
    }

    /// The claims before or after, indented.
    pub fn claims_pretty(&self, after: bool) -> String {
        let claims = if after {
            &self.claims_after
        } else {
            &self.claims_before
        };
        serde_json::to_string_pretty(claims).unwrap_or_default()
    }
}

/// One call made and recorded.
#[derive(Debug)]
pub struct Outcome {
    pub result: CallResult,
    pub duration: Duration,
    pub evaluation: Evaluation,
    /// The inspector's id for it.
    pub call_id: String,
}

/// Calls `hook` once with `request` ([`hook::call`]), applies Okta's rules
/// to the answer against `tokens` ([`hook::evaluate`]), and records it all.
pub async fn call(
    state: &AppState,
    source: Source,
    replay_of: Option<&str>,
    hook: &InlineHook,
    request: &Value,
    tokens: &MintedTokens,
) -> Outcome {
    let budget = state.config.hook_timeout;
    let (result, duration) = hook::call(
        &state.hook_client,
        &state.hook_tokens,
        hook,
        request,
        budget,
    )
    .await;
    let evaluation = hook::evaluate(&result, tokens);
    let mut recorded = HookCall::new(
        source,
        hook,
        request,
        &result,
        duration,
        budget,
        tokens,
        &evaluation,
    );
    recorded.replay_of = replay_of.map(str::to_owned);
    let call_id = state.inspector.record(recorded);
    Outcome {
        result,
        duration,
        evaluation,
        call_id,
    }
}

/// Sends a recorded call's request to its hook again (as the hook is
/// configured now): for after the hook's code was fixed. Returns the new
/// call.
pub async fn replay(state: &AppState, id: &str) -> Result<HookCall, Error> {
    let old = state.inspector.get(id).ok_or(Error::NotFound)?;
    let org = state.org();
    let hook = org.hook(&old.hook_id).ok_or(Error::NotFound)?;
    let tokens = tokens_of(&old.request);
    let outcome = call(state, Source::Replay, Some(id), hook, &old.request, &tokens).await;
    state.inspector.get(&outcome.call_id).ok_or(Error::NotFound)
}

/// The tokens a hook request says are being minted.
pub fn tokens_of(request: &Value) -> MintedTokens {
    serde_json::from_value::<token_hook::TokenHookRequest>(request.clone())
        .map(|request| request.minted_tokens())
        .unwrap_or_default()
}

/// The body as text, cut at [`MAX_KEPT_BODY_BYTES`] with a note saying so.
fn kept_body(body: &[u8]) -> String {
    if body.len() <= MAX_KEPT_BODY_BYTES {
        return String::from_utf8_lossy(body).into_owned();
    }
    format!(
        "{}\n… (the inspector keeps the first {} KB of {} bytes)",
        String::from_utf8_lossy(&body[..MAX_KEPT_BODY_BYTES]),
        MAX_KEPT_BODY_BYTES / 1024,
        body.len()
    )
}

/// What Okta does, in words, and the tokens after, if minted.
fn verdict<'a>(
    evaluation: &'a Evaluation,
    before: &MintedTokens,
) -> (bool, String, Option<&'a MintedTokens>) {
    match (&evaluation.effect, &evaluation.error_message) {
        (Effect::Fail(description), _) => (
            false,
            format!("The token request fails: server_error, \"{description}\"."),
            None,
        ),
        (Effect::Mint(after), Some(message)) => (
            false,
            format!("The answer is discarded and the tokens minted unchanged: {message}"),
            Some(after),
        ),
        (Effect::Mint(after), None) if after == before => (
            true,
            "The tokens are minted unchanged: the answer asks for no change.".to_owned(),
            Some(after),
        ),
        (Effect::Mint(after), None) => (
            true,
            "Every command applies: the tokens are minted with them.".to_owned(),
            Some(after),
        ),
    }
}

fn claims(tokens: &MintedTokens) -> Value {
    let mut claims = Map::new();
    if let Some(identity) = &tokens.identity {
        claims.insert("id".to_owned(), Value::Object(identity.claims.clone()));
    }
    if let Some(access) = &tokens.access {
        claims.insert("access".to_owned(), Value::Object(access.claims.clone()));
    }
    Value::Object(claims)
}

/// The headers local-okta sends, the secret masked to its scheme: even a
/// few characters of base64 would give away the end of a Basic password.
fn request_headers(hook: &InlineHook) -> Vec<(String, String)> {
    let (name, secret) = match &hook.oauth {
        Some(_) => ("authorization".to_owned(), "Bearer ****".to_owned()),
        None => {
            use secrecy::ExposeSecret as _;
            (
                hook.auth_header.to_ascii_lowercase(),
                mask(hook.auth_secret.expose_secret()),
            )
        }
    };
    vec![
        ("accept".to_owned(), "application/json".to_owned()),
        ("content-type".to_owned(), "application/json".to_owned()),
        (name, secret),
    ]
}

/// `Basic YWRtaW46c3VwZXJzZWNyZXQ=` → `Basic ****`; a secret with no
/// scheme → `****`.
pub fn mask(secret: &str) -> String {
    match secret.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} ****"),
        None => "****".to_owned(),
    }
}

/// The recorded calls, newest last, at most `capacity`.
#[derive(Debug)]
pub struct Inspector {
    capacity: usize,
    calls: Mutex<VecDeque<HookCall>>,
    next_id: AtomicU64,
}

impl Inspector {
    pub fn new(capacity: usize) -> Inspector {
        Inspector {
            capacity,
            calls: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            next_id: AtomicU64::new(1),
        }
    }

    /// How many calls are kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `call` (dropping the oldest past the capacity); returns its id.
    pub fn record(&self, mut call: HookCall) -> String {
        let number = self.next_id.fetch_add(1, Ordering::Relaxed);
        call.id = format!("hc{number:06}");
        let id = call.id.clone();
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.push_back(call);
        while calls.len() > self.capacity {
            calls.pop_front();
        }
        id
    }

    /// Every kept call, newest first.
    pub fn newest_first(&self) -> Vec<HookCall> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.iter().rev().cloned().collect()
    }

    /// The call with this id, if still kept.
    pub fn get(&self, id: &str) -> Option<HookCall> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.iter().find(|call| call.id == id).cloned()
    }

    /// The first kept call with this System Log `trace_id`.
    pub fn by_trace(&self, trace_id: &str) -> Option<HookCall> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls
            .iter()
            .find(|call| !trace_id.is_empty() && call.trace_id == trace_id)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_calls_only() {
        let org = crate::org::Org::default_org().expect("the built-in org");
        let hook = &org.inline_hooks[0];
        let result = CallResult::TimedOut(Duration::from_secs(3));
        let tokens = MintedTokens::default();
        let evaluation = hook::evaluate(&result, &tokens);
        let inspector = Inspector::new(2);
        let ids: Vec<String> = (0..3)
            .map(|_| {
                let request = serde_json::json!({ "eventId": "trace" });
                inspector.record(HookCall::new(
                    Source::Token,
                    hook,
                    &request,
                    &result,
                    Duration::from_secs(3),
                    Duration::from_secs(3),
                    &tokens,
                    &evaluation,
                ))
            })
            .collect();
        let kept: Vec<String> = inspector.newest_first().into_iter().map(|c| c.id).collect();
        assert_eq!(kept, vec![ids[2].clone(), ids[1].clone()]);
        assert!(inspector.get(&ids[0]).is_none());
        let call = inspector.get(&ids[2]).expect("kept");
        assert!(call.slow() && !call.applied);
        assert!(call.verdict.contains("timed out"), "{}", call.verdict);
    }

    #[test]
    fn secrets_show_their_scheme_only() {
        assert_eq!(mask("Basic YWRtaW46c3VwZXJzZWNyZXQ="), "Basic ****");
        assert_eq!(mask("a-raw-secret"), "****");
    }
}
