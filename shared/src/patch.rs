//! Okta's rules for applying a hook's answer to the tokens being minted
//! (docs/token-hook-protocol.md §3 and §4).
//!
//! [`process_response`] is the whole decision Okta makes on a `200` answer:
//! fail the token request (an `error` object), apply every command, or
//! discard them all. [`apply_commands`] is all-or-nothing by construction: it
//! patches a copy and returns it only if every operation succeeded.
//!
//! Error messages follow Okta's System Log style,
//! `Path not found(op=replace, path=/claims/x)`.

use std::fmt;

use serde_json::{Map, Value};

use crate::pointer;
use crate::reserved::is_reserved;
use crate::response::{Command, CommandType, Op, PatchOperation, TokenHookResponse};

/// The only path outside `/claims` a hook may patch.
pub const LIFETIME_PATH: &str = "/token/lifetime/expiration";
/// Shortest token lifetime a hook may set, in seconds.
pub const MIN_LIFETIME_SECONDS: u64 = 300;
/// Longest token lifetime a hook may set, in seconds (one day).
pub const MAX_LIFETIME_SECONDS: u64 = 86_400;
/// What the client is told when a hook's `error` object has no `errorSummary`.
pub const DEFAULT_ERROR_SUMMARY: &str = "The callback service returned an error";

/// Which token a command patches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The ID token.
    Identity,
    /// The access token.
    Access,
}

/// A token being minted, as far as a hook can change it.
#[derive(Debug, Clone, PartialEq)]
pub struct MintedToken {
    /// Its claims.
    pub claims: Map<String, Value>,
    /// Its lifetime in seconds.
    pub lifetime_seconds: u64,
}

/// The tokens of one token request. `None` for a token not being minted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MintedTokens {
    /// The ID token, when `openid` was granted.
    pub identity: Option<MintedToken>,
    /// The access token.
    pub access: Option<MintedToken>,
}

/// What Okta does with a hook's `200` answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Mint these tokens (the commands applied; unchanged if there were none).
    Mint(MintedTokens),
    /// Fail the token request with OAuth `server_error` and this description.
    Fail {
        /// The `error_description` the client receives.
        error_description: String,
    },
    /// A command could not be applied: discard all, mint the tokens unchanged.
    Discard(PatchError),
}

/// Why a hook's commands were discarded. `Display` gives Okta's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A command `type` other than the two Okta knows.
    #[error("Unsupported command type({0})")]
    UnsupportedCommand(String),
    /// A command for a token that is not being minted.
    #[error("Token is not being minted(type={0})")]
    TokenNotMinted(String),
    /// An `op` other than add, replace or remove, or one not allowed on this path.
    #[error("Unsupported operation{0}")]
    UnsupportedOperation(Target),
    /// A path outside `/claims/…` and `/token/lifetime/expiration`, or badly escaped.
    #[error("Invalid path{0}")]
    InvalidPath(Target),
    /// `replace` or `remove` on something that does not exist, or a missing parent.
    #[error("Path not found{0}")]
    PathNotFound(Target),
    /// An array index that is not a number (or `-` where that makes no sense).
    #[error("Invalid array index{0}")]
    InvalidIndex(Target),
    /// A reserved claim.
    #[error("Modifying a reserved claim is not allowed{0}")]
    ReservedClaim(Target),
    /// A lifetime that is not a whole number of seconds in 300..=86400.
    #[error("Invalid token lifetime, must be between 300 and 86400 seconds{0}")]
    InvalidLifetime(Target),
    /// `add` or `replace` without a value.
    #[error("Missing value{0}")]
    MissingValue(Target),
    /// `remove` with a non-null value.
    #[error("Value must be absent or null for remove{0}")]
    ValueWithRemove(Target),
}

/// The operation an error is about, displayed as `(op=…, path=…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The operation's `op`.
    pub op: String,
    /// The operation's `path`, as sent.
    pub path: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(op={}, path={})", self.op, self.path)
    }
}

/// Decides what Okta does with a hook's `200` answer (docs/token-hook-protocol.md §4).
pub fn process_response(response: &TokenHookResponse, tokens: &MintedTokens) -> Verdict {
    if let Some(error) = &response.error {
        let description = error
            .error_summary
            .clone()
            .unwrap_or_else(|| DEFAULT_ERROR_SUMMARY.to_owned());
        return Verdict::Fail {
            error_description: description,
        };
    }
    match apply_commands(&response.commands, tokens) {
        Ok(patched) => Verdict::Mint(patched),
        Err(error) => Verdict::Discard(error),
    }
}

/// Applies every command to a copy of `tokens`; all or nothing.
pub fn apply_commands(
    commands: &[Command],
    tokens: &MintedTokens,
) -> Result<MintedTokens, PatchError> {
    let mut patched = tokens.clone();
    for command in commands {
        let (kind, token) = match &command.command_type {
            CommandType::IdentityPatch => (TokenKind::Identity, patched.identity.as_mut()),
            CommandType::AccessPatch => (TokenKind::Access, patched.access.as_mut()),
            CommandType::Unknown(name) => {
                return Err(PatchError::UnsupportedCommand(name.clone()));
            }
        };
        let token = token
            .ok_or_else(|| PatchError::TokenNotMinted(command.command_type.as_str().to_owned()))?;
        for operation in &command.value {
            apply_operation(kind, token, operation)?;
        }
    }
    Ok(patched)
}

fn apply_operation(
    kind: TokenKind,
    token: &mut MintedToken,
    operation: &PatchOperation,
) -> Result<(), PatchError> {
    let target = Target {
        op: operation.op.as_str().to_owned(),
        path: operation.path.clone(),
    };
    // JSON null and an absent value are the same thing on the wire.
    let value = operation.value.as_ref().filter(|value| !value.is_null());
    match (&operation.op, value) {
        (Op::Unknown(_), _) => return Err(PatchError::UnsupportedOperation(target)),
        (Op::Add | Op::Replace, None) => return Err(PatchError::MissingValue(target)),
        (Op::Remove, Some(_)) => return Err(PatchError::ValueWithRemove(target)),
        _ => {}
    }
    if operation.path == LIFETIME_PATH {
        return set_lifetime(token, &operation.op, value, target);
    }
    let segments = pointer::segments(&operation.path)
        .ok_or_else(|| PatchError::InvalidPath(target.clone()))?;
    let [root, claim_path @ ..] = segments.as_slice() else {
        return Err(PatchError::InvalidPath(target));
    };
    let Some(claim) = claim_path.first().filter(|_| root == "claims") else {
        return Err(PatchError::InvalidPath(target));
    };
    if claim.is_empty() {
        return Err(PatchError::InvalidPath(target));
    }
    if is_reserved(kind, claim) {
        return Err(PatchError::ReservedClaim(target));
    }
    patch_claims(&mut token.claims, claim_path, &operation.op, value, target)
}

fn set_lifetime(
    token: &mut MintedToken,
    op: &Op,
    value: Option<&Value>,
    target: Target,
) -> Result<(), PatchError> {
    if *op != Op::Replace {
        return Err(PatchError::UnsupportedOperation(target));
    }
    let seconds = value
        .and_then(Value::as_u64)
        .filter(|seconds| (MIN_LIFETIME_SECONDS..=MAX_LIFETIME_SECONDS).contains(seconds))
        .ok_or(PatchError::InvalidLifetime(target))?;
    token.lifetime_seconds = seconds;
    Ok(())
}

/// Walks to the parent of the last segment, then adds, replaces or removes
/// the last segment there, with RFC 6902 semantics for objects and arrays.
fn patch_claims(
    claims: &mut Map<String, Value>,
    path: &[String],
    op: &Op,
    value: Option<&Value>,
    target: Target,
) -> Result<(), PatchError> {
    let Some((last, parents)) = path.split_last() else {
        return Err(PatchError::InvalidPath(target));
    };
    let Some((first, rest)) = parents.split_first() else {
        // A top-level claim: `add` creates or overwrites, the others need it.
        return patch_object(claims, last, op, value, target);
    };
    let mut parent = claims
        .get_mut(first)
        .ok_or_else(|| PatchError::PathNotFound(target.clone()))?;
    for segment in rest {
        parent = match parent {
            Value::Object(members) => members.get_mut(segment),
            Value::Array(items) => {
                let index = parse_index(segment, &target)?;
                items.get_mut(index)
            }
            _ => None,
        }
        .ok_or_else(|| PatchError::PathNotFound(target.clone()))?;
    }
    match parent {
        Value::Object(members) => patch_object(members, last, op, value, target),
        Value::Array(items) => patch_array(items, last, op, value, target),
        _ => Err(PatchError::PathNotFound(target)),
    }
}

fn patch_object(
    members: &mut Map<String, Value>,
    key: &str,
    op: &Op,
    value: Option<&Value>,
    target: Target,
) -> Result<(), PatchError> {
    match (op, value) {
        (Op::Add, Some(value)) => {
            members.insert(key.to_owned(), value.clone());
            Ok(())
        }
        (Op::Replace, Some(value)) => match members.get_mut(key) {
            Some(existing) => {
                *existing = value.clone();
                Ok(())
            }
            None => Err(PatchError::PathNotFound(target)),
        },
        (Op::Remove, None) => members
            .remove(key)
            .map(drop)
            .ok_or(PatchError::PathNotFound(target)),
        _ => Err(PatchError::UnsupportedOperation(target)),
    }
}

fn patch_array(
    items: &mut Vec<Value>,
    segment: &str,
    op: &Op,
    value: Option<&Value>,
    target: Target,
) -> Result<(), PatchError> {
    if let (Op::Add, Some(value), "-") = (op, value, segment) {
        items.push(value.clone());
        return Ok(());
    }
    let index = parse_index(segment, &target)?;
    match (op, value) {
        (Op::Add, Some(value)) if index <= items.len() => {
            items.insert(index, value.clone());
            Ok(())
        }
        (Op::Replace, Some(value)) if index < items.len() => {
            items[index] = value.clone();
            Ok(())
        }
        (Op::Remove, None) if index < items.len() => {
            items.remove(index);
            Ok(())
        }
        _ => Err(PatchError::PathNotFound(target)),
    }
}

/// An array index as RFC 6901 spells it: digits, no leading zero.
fn parse_index(segment: &str, target: &Target) -> Result<usize, PatchError> {
    let well_formed = !segment.is_empty()
        && segment.bytes().all(|byte| byte.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    well_formed
        .then(|| segment.parse().ok())
        .flatten()
        .ok_or_else(|| PatchError::InvalidIndex(target.clone()))
}
