//! Reserved claims: the claims a hook may never add, replace or remove
//! (docs/token-hook-protocol.md §3). `aud` and `sub` are reserved in ID tokens only.

use crate::patch::TokenKind;

/// Claims reserved in the ID token.
pub const ID_TOKEN_RESERVED: &[&str] = &[
    "acr",
    "active",
    "aid",
    "amr",
    "app_id",
    "app_type",
    "at_hash",
    "aud",
    "auth_time",
    "c_hash",
    "cid",
    "client_id",
    "client_ip",
    "client_req_id",
    "client_type",
    "client_user_agent",
    "cnf",
    "device_compliance",
    "device_id",
    "device_known",
    "device_managed",
    "device_name",
    "device_trust",
    "did",
    "dst",
    "exp",
    "group",
    "groups",
    "hotk",
    "iat",
    "idp",
    "idp_iss",
    "iss",
    "jti",
    "mac_key",
    "may_act",
    "nonce",
    "oid",
    "okta_emailVerified",
    "okta_lastUpdated",
    "orig",
    "permissions",
    "purpose",
    "pwd_exp_days",
    "pwd_exp_time",
    "rid",
    "role",
    "scope",
    "scopes",
    "sid",
    "sub",
    "term",
    "token_type",
    "user_ip",
    "ver",
];

/// Claims reserved in the access token. Okta's reference list leaves out
/// `amr`; its support article on reserved claim names lists it, and a hook
/// has no business rewriting how the user signed in, so it is reserved here.
pub const ACCESS_TOKEN_RESERVED: &[&str] = &[
    "acr",
    "amr",
    "as_uri",
    "auth_time",
    "authorization_details",
    "cid",
    "cnf",
    "exp",
    "groups",
    "iat",
    "iss",
    "jti",
    "rpt",
    "rsi",
    "scp",
    "sid",
    "token_type",
    "uid",
    "username",
    "ver",
];

/// Whether a hook may not touch `claim` in a token of this kind.
pub fn is_reserved(kind: TokenKind, claim: &str) -> bool {
    let reserved = match kind {
        TokenKind::Identity => ID_TOKEN_RESERVED,
        TokenKind::Access => ACCESS_TOKEN_RESERVED,
    };
    reserved.contains(&claim)
}
