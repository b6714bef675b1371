//! # token-hook: Okta's token inline hook, typed
//!
//! The wire types of the token inline hook and Okta's rules for applying a
//! hook's answer, shared by the hook service (which answers Okta), the sample
//! app (which reads the claim the hook adds) and `local-okta` (which calls
//! hooks as Okta does). Section numbers (§2…) refer to the workspace's
//! protocol notes, `docs/token-hook-protocol.md`.
//!
//! # Layout
//!
//! - [`request`]: the body Okta POSTs to the hook (§2).
//! - [`response`]: the answer, `commands` / `error` / `debugContext`, and a
//!   builder for it (§3).
//! - [`patch`]: what Okta does with the answer: apply all commands or none,
//!   or fail the token request (§3, §4).
//! - [`claims`]: the guide's patient claim, its name and value type, for the
//!   hook that adds it and the app that reads it (§8).
//! - [`reserved`]: the claims a hook may never touch.
//! - [`pointer`]: JSON Pointer escaping for claim names in paths.
//!
//! Nothing here does I/O or depends on a web framework.

// The one library crate of the workspace: everything public is documented.
#![warn(missing_docs)]

pub mod claims;
pub mod patch;
pub mod pointer;
pub mod request;
pub mod reserved;
pub mod response;

pub use claims::{PATIENT_ID_CLAIM, PatientClaims, PatientId};
pub use patch::{
    DEFAULT_ERROR_SUMMARY, MintedToken, MintedTokens, PatchError, TokenKind, Verdict,
    apply_commands, process_response,
};
pub use request::{EVENT_TYPE, RequestEssentials, TokenHookRequest};
pub use response::{Command, CommandType, Op, PatchOperation, TokenHookResponse};
