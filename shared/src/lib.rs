//! # token-hook: Okta's token inline hook, typed
//!
//! The wire types of the token inline hook and Okta's rules for applying a
//! hook's answer, shared by the hook service (which answers Okta) and by
//! `local-okta` (which calls hooks as Okta does). Protocol facts come from the
//! workspace's protocol notes; section numbers (§2…) refer to them.
//!
//! # Layout
//!
//! - [`request`]: the body Okta POSTs to the hook (§2).
//! - [`response`]: the answer, `commands` / `error` / `debugContext`, and a
//!   builder for it (§3).
//! - [`patch`]: what Okta does with the answer: apply all commands or none,
//!   or fail the token request (§3, §4).
//! - [`reserved`]: the claims a hook may never touch.
//! - [`pointer`]: JSON Pointer escaping for claim names in paths.
//!
//! Nothing here does I/O or depends on a web framework.

pub mod patch;
pub mod pointer;
pub mod request;
pub mod reserved;
pub mod response;

pub use patch::{
    DEFAULT_ERROR_SUMMARY, MintedToken, MintedTokens, PatchError, TokenKind, Verdict,
    apply_commands, process_response,
};
pub use request::{EVENT_TYPE, RequestEssentials, TokenHookRequest};
pub use response::{Command, CommandType, Op, PatchOperation, TokenHookResponse};
