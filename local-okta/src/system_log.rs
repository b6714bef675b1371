//! The System Log (docs/token-hook-protocol.md §6): what happened to each hook call, in the
//! shape of Okta's System Log API (`GET /api/v1/logs`).
//!
//! - `inline_hook.executed`: the call failed (unreachable, timeout, non-2xx).
//! - `inline_hook.response.processed`: a response was processed, success or
//!   not; it carries the hook's `debugContext` and, when the commands could
//!   not be applied, an `error_message` such as
//!   `Path not found(op=replace, path=/claims/x)`.
//!
//! Kept in memory, newest last, at most [`CAPACITY`] events.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::ids;

/// Events kept before the oldest are dropped.
pub const CAPACITY: usize = 1000;
/// A failed hook call.
pub const EXECUTED: &str = "inline_hook.executed";
/// A processed hook response.
pub const RESPONSE_PROCESSED: &str = "inline_hook.response.processed";

/// One event, serialised as Okta's System Log API does.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    pub uuid: String,
    /// ISO-8601 UTC.
    pub published: String,
    /// `inline_hook.executed` or `inline_hook.response.processed`.
    pub event_type: String,
    /// Always `"0"`.
    pub version: String,
    /// `INFO` or `WARN`.
    pub severity: String,
    /// A sentence for people.
    pub display_message: String,
    /// Who acted: the hook.
    pub actor: Actor,
    /// `SUCCESS` or `FAILURE`, with a reason.
    pub outcome: Outcome,
    /// What was acted on: the hook.
    pub target: Vec<Actor>,
    /// The token request this belongs to.
    pub transaction: Transaction,
    /// `debugData`: the details.
    pub debug_context: DebugContext,
}

/// An actor or target: here always the inline hook.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    /// `InlineHook`.
    #[serde(rename = "type")]
    pub actor_type: String,
    pub alternate_id: String,
    pub display_name: String,
}

/// `outcome`.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `SUCCESS` or `FAILURE`.
    pub result: String,
    /// Why, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `transaction`.
#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    /// `WEB`.
    #[serde(rename = "type")]
    pub transaction_type: String,
    /// The token request's id.
    pub id: String,
}

/// `debugContext`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugContext {
    /// Free-form details, strings as in Okta.
    pub debug_data: Map<String, Value>,
}

impl LogEvent {
    /// Whether the outcome was `SUCCESS`.
    pub fn succeeded(&self) -> bool {
        self.outcome.result == "SUCCESS"
    }

    /// A `debugData` entry as text, for pages.
    pub fn debug(&self, key: &str) -> String {
        match self.debug_context.debug_data.get(key) {
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct SystemLog {
    events: Mutex<VecDeque<LogEvent>>,
}

impl SystemLog {
    /// Appends an event, dropping the oldest beyond [`CAPACITY`].
    pub fn record(&self, event: LogEvent) {
        tracing::info!(
            event_type = %event.event_type, outcome = %event.outcome.result,
            reason = event.outcome.reason.as_deref().unwrap_or(""), "system log"
        );
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if events.len() == CAPACITY {
            events.pop_front();
        }
        events.push_back(event);
    }

    /// Every event, oldest first (Okta's default order).
    pub fn events(&self) -> Vec<LogEvent> {
        let events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        events.iter().cloned().collect()
    }
}

/// What a hook event is about, for [`hook_event`].
#[derive(Debug, Clone)]
pub struct HookEventFacts<'a> {
    pub hook_id: &'a str,
    pub hook_name: &'a str,
    pub hook_url: &'a str,
    /// The token request's id (`data.context.request.id`).
    pub request_id: &'a str,
    /// The endpoint called, e.g. `…/v1/token`.
    pub request_uri: &'a str,
    /// The hook call's `eventId`.
    pub trace_id: &'a str,
    /// How long the call took.
    pub duration_ms: u128,
}

/// Builds a hook event; `error` makes it a failure with that message.
pub fn hook_event(
    event_type: &str,
    facts: &HookEventFacts<'_>,
    error: Option<&str>,
    mut debug_data: Map<String, Value>,
) -> LogEvent {
    let hook = Actor {
        id: facts.hook_id.to_owned(),
        actor_type: "InlineHook".to_owned(),
        alternate_id: facts.hook_url.to_owned(),
        display_name: facts.hook_name.to_owned(),
    };
    let display_message = match event_type {
        EXECUTED => "Inline hook executed",
        _ => "Inline hook response processed",
    };
    for (key, value) in [
        ("inline_hook_id", facts.hook_id),
        ("inline_hook_type", token_hook::EVENT_TYPE),
        ("request_uri", facts.request_uri),
        ("trace_id", facts.trace_id),
    ] {
        debug_data.insert(key.to_owned(), Value::from(value));
    }
    debug_data.insert(
        "duration_ms".to_owned(),
        Value::from(facts.duration_ms.to_string()),
    );
    if let Some(message) = error {
        debug_data.insert("error_message".to_owned(), Value::from(message));
    }
    LogEvent {
        uuid: ids::okta_id("evt"),
        published: ids::iso_now(),
        event_type: event_type.to_owned(),
        version: "0".to_owned(),
        severity: if error.is_some() { "WARN" } else { "INFO" }.to_owned(),
        display_message: display_message.to_owned(),
        actor: hook.clone(),
        outcome: Outcome {
            result: if error.is_some() {
                "FAILURE"
            } else {
                "SUCCESS"
            }
            .to_owned(),
            reason: error.map(str::to_owned),
        },
        target: vec![hook],
        transaction: Transaction {
            transaction_type: "WEB".to_owned(),
            id: facts.request_id.to_owned(),
        },
        debug_context: DebugContext { debug_data },
    }
}
