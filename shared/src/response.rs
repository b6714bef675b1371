//! The answer a token inline hook returns (docs/token-hook-protocol.md §3).
//!
//! The wire shape is `{ "commands": [...], "error": {...}, "debugContext": {...} }`.
//! Command types and operations are parsed leniently into enums with an
//! `Unknown` case, so that an answer with an unknown type or op still parses
//! and is then *rejected by the rules* with an Okta-style message
//! (see [`crate::patch`]), exactly as Okta rejects it, rather than failing as
//! unreadable JSON.
//!
//! A hook builds its answer with [`TokenHookResponse::builder`]:
//!
//! ```
//! use token_hook::TokenHookResponse;
//!
//! let answer = TokenHookResponse::builder()
//!     .add_id_token_claim("extPatientId", "1235")
//!     .build();
//! assert_eq!(
//!     serde_json::to_value(&answer).unwrap(),
//!     serde_json::json!({ "commands": [ { "type": "com.okta.identity.patch", "value": [
//!         { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ] })
//! );
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::pointer;

/// The whole answer. Every part is optional: `{}` means "no change".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenHookResponse {
    /// Patches to apply to the tokens being minted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Command>,
    /// When present, Okta fails the whole token request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<HookError>,
    /// Free-form data Okta copies into its System Log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_context: Option<Map<String, Value>>,
}

/// One command: a list of patch operations for one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    /// Which token the patch is for.
    #[serde(rename = "type")]
    pub command_type: CommandType,
    /// The operations, applied in order.
    pub value: Vec<PatchOperation>,
}

/// The token a command patches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum CommandType {
    /// `com.okta.identity.patch`: the ID token.
    IdentityPatch,
    /// `com.okta.access.patch`: the access token.
    AccessPatch,
    /// Anything else; Okta rejects the whole answer.
    Unknown(String),
}

impl CommandType {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            CommandType::IdentityPatch => "com.okta.identity.patch",
            CommandType::AccessPatch => "com.okta.access.patch",
            CommandType::Unknown(other) => other,
        }
    }
}

impl From<String> for CommandType {
    fn from(name: String) -> Self {
        match name.as_str() {
            "com.okta.identity.patch" => CommandType::IdentityPatch,
            "com.okta.access.patch" => CommandType::AccessPatch,
            _ => CommandType::Unknown(name),
        }
    }
}

impl From<CommandType> for String {
    fn from(command_type: CommandType) -> Self {
        command_type.as_str().to_owned()
    }
}

/// One JSON-Patch-like operation on a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `replace` or `remove`.
    pub op: Op,
    /// `/claims/<name>[/<member or index>…]` or `/token/lifetime/expiration`.
    pub path: String,
    /// The new value; must be absent or `null` for `remove`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A patch operation's `op`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Op {
    /// Adds a claim, or overwrites it if it exists.
    Add,
    /// Replaces a claim (or the lifetime) that must exist.
    Replace,
    /// Removes a claim that must exist.
    Remove,
    /// Anything else; Okta rejects the whole answer.
    Unknown(String),
}

impl Op {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Op::Add => "add",
            Op::Replace => "replace",
            Op::Remove => "remove",
            Op::Unknown(other) => other,
        }
    }
}

impl From<String> for Op {
    fn from(name: String) -> Self {
        match name.as_str() {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            _ => Op::Unknown(name),
        }
    }
}

impl From<Op> for String {
    fn from(op: Op) -> Self {
        op.as_str().to_owned()
    }
}

/// The `error` object: makes Okta fail the token request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookError {
    /// Shown to the client as `error_description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_summary: Option<String>,
}

impl TokenHookResponse {
    /// Starts an answer with no commands.
    pub fn builder() -> ResponseBuilder {
        ResponseBuilder::default()
    }

    /// An answer that fails the token request with `summary`.
    pub fn error(summary: impl Into<String>) -> Self {
        TokenHookResponse {
            error: Some(HookError {
                error_summary: Some(summary.into()),
            }),
            ..TokenHookResponse::default()
        }
    }
}

/// Builds a [`TokenHookResponse`], one operation at a time. Operations for
/// the same token are grouped into one command, in the order given.
#[derive(Debug, Default)]
pub struct ResponseBuilder {
    identity: Vec<PatchOperation>,
    access: Vec<PatchOperation>,
    debug_context: Option<Map<String, Value>>,
}

impl ResponseBuilder {
    /// Adds (or overwrites) a top-level claim in the ID token.
    pub fn add_id_token_claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.identity
            .push(claim_operation(Op::Add, name, Some(value.into())));
        self
    }

    /// Adds (or overwrites) a top-level claim in the access token.
    pub fn add_access_token_claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.access
            .push(claim_operation(Op::Add, name, Some(value.into())));
        self
    }

    /// Removes a top-level claim from the ID token.
    pub fn remove_id_token_claim(mut self, name: &str) -> Self {
        self.identity.push(claim_operation(Op::Remove, name, None));
        self
    }

    /// Removes a top-level claim from the access token.
    pub fn remove_access_token_claim(mut self, name: &str) -> Self {
        self.access.push(claim_operation(Op::Remove, name, None));
        self
    }

    /// Sets the ID token's lifetime in seconds (Okta accepts 300..=86400).
    pub fn id_token_lifetime(mut self, seconds: u32) -> Self {
        self.identity.push(lifetime_operation(seconds));
        self
    }

    /// Sets the access token's lifetime in seconds (Okta accepts 300..=86400).
    pub fn access_token_lifetime(mut self, seconds: u32) -> Self {
        self.access.push(lifetime_operation(seconds));
        self
    }

    /// Attaches a `debugContext` entry, which Okta shows in its System Log.
    pub fn debug(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.debug_context
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value.into());
        self
    }

    /// Finishes the answer.
    pub fn build(self) -> TokenHookResponse {
        let mut commands = Vec::new();
        if !self.identity.is_empty() {
            commands.push(Command {
                command_type: CommandType::IdentityPatch,
                value: self.identity,
            });
        }
        if !self.access.is_empty() {
            commands.push(Command {
                command_type: CommandType::AccessPatch,
                value: self.access,
            });
        }
        TokenHookResponse {
            commands,
            error: None,
            debug_context: self.debug_context,
        }
    }
}

fn claim_operation(op: Op, name: &str, value: Option<Value>) -> PatchOperation {
    PatchOperation {
        op,
        path: format!("/claims/{}", pointer::escape(name)),
        value,
    }
}

fn lifetime_operation(seconds: u32) -> PatchOperation {
    PatchOperation {
        op: Op::Replace,
        path: crate::patch::LIFETIME_PATH.to_owned(),
        value: Some(Value::from(seconds)),
    }
}
