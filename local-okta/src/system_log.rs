//! The System Log (docs/token-hook-protocol.md §6), in the shape of Okta's
//! System Log API (`GET /api/v1/logs`): each hook call, and the token
//! events a developer filters on.
//!
//! - `inline_hook.executed`: the call failed (unreachable, timeout, non-2xx).
//! - `inline_hook.response.processed`: a response was processed, success or
//!   not; it carries the hook's `debugContext` and, when the commands could
//!   not be applied, an `error_message` such as
//!   `Path not found(op=replace, path=/claims/x)`.
//! - `app.oauth2.as.authorize.code` when a code is issued;
//!   `app.oauth2.as.authorize.implicit.id_token` / `.access_token` for the
//!   implicit flow; `app.oauth2.as.token.grant.id_token`, `.access_token`
//!   and `.refresh_token` when `/v1/token` grants them; and the failures
//!   `app.oauth2.as.authorize` and `app.oauth2.as.token.grant`, with
//!   `outcome.result` `FAILURE`, as Okta logs a failed request under the bare
//!   event type. Each has the client as `actor`, the user as `target`,
//!   `client.ipAddress` and `authenticationContext.externalSessionId`.
//!
//! Okta's event catalogue names these types and their target kinds, but
//! documents no `debugData` keys or display messages: those here are
//! local-okta's own wording, kept stable for tests and filters.
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
/// An authorization code was issued.
pub const AUTHORIZE_CODE: &str = "app.oauth2.as.authorize.code";
/// An authorization request failed.
pub const AUTHORIZE_FAILURE: &str = "app.oauth2.as.authorize";
/// The implicit flow returned an ID token.
pub const IMPLICIT_ID_TOKEN: &str = "app.oauth2.as.authorize.implicit.id_token";
/// The implicit flow returned an access token.
pub const IMPLICIT_ACCESS_TOKEN: &str = "app.oauth2.as.authorize.implicit.access_token";
/// `/v1/token` granted an ID token.
pub const GRANT_ID_TOKEN: &str = "app.oauth2.as.token.grant.id_token";
/// `/v1/token` granted an access token.
pub const GRANT_ACCESS_TOKEN: &str = "app.oauth2.as.token.grant.access_token";
/// `/v1/token` granted a refresh token.
pub const GRANT_REFRESH_TOKEN: &str = "app.oauth2.as.token.grant.refresh_token";
/// A token request failed.
pub const GRANT_FAILURE: &str = "app.oauth2.as.token.grant";

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
    /// What was acted on: the hook, or the user tokens were minted for.
    pub target: Vec<Actor>,
    /// The caller's address, for token events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// The user's sign-in session, for token events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_context: Option<AuthenticationContext>,
    /// The token request this belongs to.
    pub transaction: Transaction,
    /// `debugData`: the details.
    pub debug_context: DebugContext,
}

/// `client`: who called.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    pub ip_address: String,
}

/// `authenticationContext`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationContext {
    /// The sign-in session's id.
    pub external_session_id: String,
}

/// An actor or target: an inline hook, an OAuth client or a user.
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

/// An actor or target of a token event, as [`Actor`]; named for clarity.
pub type Party = Actor;

impl Actor {
    /// The OAuth client, as Okta's token events name it.
    pub fn client(app: &crate::org::App) -> Actor {
        Actor {
            id: app.client_id.clone(),
            actor_type: "PublicClientApp".to_owned(),
            alternate_id: app.client_id.clone(),
            display_name: app.name.clone(),
        }
    }

    /// A user, as a target.
    pub fn user(user: &crate::org::User) -> Actor {
        Actor {
            id: user.id.clone(),
            actor_type: "User".to_owned(),
            alternate_id: user.login.clone(),
            display_name: user.full_name(),
        }
    }
}

/// Who is behind a token event: the caller's address, and the user and
/// their sign-in session when there is one (none for client credentials).
#[derive(Debug, Clone)]
pub struct SessionFacts {
    pub user: Option<Actor>,
    pub session_id: Option<String>,
    pub ip_address: String,
}

impl SessionFacts {
    /// The facts of a signed-in user's request from `ip_address`.
    pub fn new(
        user: &crate::org::User,
        session: &crate::grants::SignInSession,
        ip_address: &str,
    ) -> SessionFacts {
        SessionFacts {
            user: Some(Actor::user(user)),
            session_id: Some(session.id.clone()),
            ip_address: ip_address.to_owned(),
        }
    }

    /// Only the caller's address: no user is known, or there is none.
    pub fn caller(ip_address: &str) -> SessionFacts {
        SessionFacts {
            user: None,
            session_id: None,
            ip_address: ip_address.to_owned(),
        }
    }
}

/// A successful token event.
pub fn oauth_success(event_type: &str, actor: &Actor, session: Option<&SessionFacts>) -> LogEvent {
    oauth_event(event_type, actor, session, None)
}

/// A failed authorize or token request, with OAuth's `error` and description.
pub fn oauth_failure(
    event_type: &str,
    actor: &Actor,
    session: Option<&SessionFacts>,
    error: &str,
    description: &str,
) -> LogEvent {
    oauth_event(event_type, actor, session, Some((error, description)))
}

fn oauth_event(
    event_type: &str,
    actor: &Actor,
    session: Option<&SessionFacts>,
    failure: Option<(&str, &str)>,
) -> LogEvent {
    let mut debug_data = Map::new();
    if let Some((error, description)) = failure {
        debug_data.insert("error".to_owned(), Value::from(error));
        debug_data.insert("error_description".to_owned(), Value::from(description));
    }
    LogEvent {
        uuid: ids::okta_id("evt"),
        published: ids::iso_now(),
        event_type: event_type.to_owned(),
        version: "0".to_owned(),
        severity: if failure.is_some() { "WARN" } else { "INFO" }.to_owned(),
        display_message: match failure {
            Some(_) => "OAuth 2.0 request failed",
            None => "OAuth 2.0 request succeeded",
        }
        .to_owned(),
        actor: actor.clone(),
        outcome: Outcome {
            result: if failure.is_some() {
                "FAILURE"
            } else {
                "SUCCESS"
            }
            .to_owned(),
            reason: failure.map(|(error, _)| error.to_owned()),
        },
        target: session
            .and_then(|facts| facts.user.clone())
            .into_iter()
            .collect(),
        client: session.map(|facts| ClientInfo {
            ip_address: facts.ip_address.clone(),
        }),
        authentication_context: session.and_then(|facts| facts.session_id.clone()).map(
            |external_session_id| AuthenticationContext {
                external_session_id,
            },
        ),
        transaction: Transaction {
            transaction_type: "WEB".to_owned(),
            id: ids::okta_id("req"),
        },
        debug_context: DebugContext { debug_data },
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
        client: None,
        authentication_context: None,
        transaction: Transaction {
            transaction_type: "WEB".to_owned(),
            id: facts.request_id.to_owned(),
        },
        debug_context: DebugContext { debug_data },
    }
}
