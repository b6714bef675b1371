//! The request Okta POSTs to a token inline hook (docs/token-hook-protocol.md §2).
//!
//! Every field Okta documents is modelled, so `local-okta` can build the
//! request exactly as Okta does and a hook can read what it needs with types.
//! Three rules shape these types:
//!
//! - Unknown fields are tolerated (no `deny_unknown_fields`): Okta adds
//!   fields over time, and a hook must not start failing when it does.
//! - Almost everything is optional: a Preview request edited by hand, or a
//!   client-credentials grant, carries much less than a sign-in does. In
//!   particular `data.identity` is absent whenever no ID token is minted.
//! - Claims keep the claims nobody named in `other`, so custom claims survive
//!   a round trip.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::patch::{MintedToken, MintedTokens};

/// The only event type a token inline hook receives.
pub const EVENT_TYPE: &str = "com.okta.oauth2.tokens.transform";

/// The whole body of Okta's call, a CloudEvents 0.1 envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenHookRequest {
    /// Always [`EVENT_TYPE`].
    pub event_type: String,
    /// `"1.0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type_version: Option<String>,
    /// `"0.1"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_event_version: Option<String>,
    /// `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// URL of the authorization server endpoint that was called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Unique per call; Okta may deliver the same id twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// ISO-8601 UTC time of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// What is being minted, and for whom.
    pub data: Data,
}

/// `data`: the context of the token request and the tokens being minted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Data {
    /// Who asked for tokens, how, and under which policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// The ID token being minted; absent when none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityToken>,
    /// The access token being minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessToken>,
    /// Present when a refresh token is minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
}

/// `data.context`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The HTTP request the authorization server received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HttpRequest>,
    /// The OAuth 2.0 view of that request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// The user's Okta session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// The user the tokens are for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The access policy and rule that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
}

/// `data.context.request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    /// Okta's request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `GET` or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The full URL, wrapped in an object as Okta sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<UrlValue>,
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// A URL as Okta wraps it: `{ "value": "https://…" }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlValue {
    /// The URL itself.
    pub value: String,
}

/// `data.context.protocol`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    /// `OAUTH2.0`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub protocol_type: Option<String>,
    /// The OAuth parameters of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<ProtocolRequest>,
    /// The authorization server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Issuer>,
    /// The OAuth client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Client>,
    /// On a refresh grant: the grant being refreshed. Okta spells it with a capital O.
    #[serde(
        rename = "OriginalGrant",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub original_grant: Option<OriginalGrant>,
}

/// `data.context.protocol.request`: OAuth parameters, named as on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtocolRequest {
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client's `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The registered redirect URI used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// `query`, `fragment`, `form_post`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_mode: Option<String>,
    /// `code`, `token id_token`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// The client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `authorization_code`, `refresh_token`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
}

/// `data.context.protocol.issuer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Issuer {
    /// The issuer URI, e.g. `https://{org}/oauth2/default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// `data.context.protocol.client`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name of the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `PUBLIC` or `CONFIDENTIAL`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub client_type: Option<String>,
}

/// `data.context.protocol.OriginalGrant`, sent on refresh grants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OriginalGrant {
    /// The original authorization request, as Okta records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Value>,
    /// The refresh token being used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
}

/// `data.context.session`: the user's Okta session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's id (`00u…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `ACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_password_verification: Option<String>,
    /// Authentication methods, e.g. `["PASSWORD"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<IdentityProvider>,
    /// Whether MFA was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_active: Option<bool>,
}

/// `data.context.session.idp`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityProvider {
    /// Id (`00o…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `OKTA`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub idp_type: Option<String>,
}

/// `data.context.user`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (`00u…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// ISO-8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed: Option<String>,
    /// The user's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<UserProfile>,
    /// Links to the user's groups and factors.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<UserLinks>,
}

/// `data.context.user.profile`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Okta login, usually an email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// e.g. `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// `data.context.user._links`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserLinks {
    /// The user's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Link>,
    /// The user's factors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Link>,
}

/// A link: `{ "href": "…" }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The URL.
    pub href: String,
}

/// `data.context.policy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rule that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<PolicyRule>,
}

/// `data.context.policy.rule`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `data.identity`: the ID token being minted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityToken {
    /// Its claims so far.
    #[serde(default)]
    pub claims: IdentityClaims,
    /// Its lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
}

/// The claims of the ID token being minted. Named ones are those Okta
/// documents; everything else lands in `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// The user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Okta's token format version, `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<u32>,
    /// The issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// `ID.…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// e.g. `["pwd"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// Identity provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// The client's nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The user's login: what the guide's hook looks up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Any other claim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `data.access`: the access token being minted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    /// Its claims so far (`ver, jti, iss, aud, cid, uid, sub, scp` and custom ones).
    #[serde(default)]
    pub claims: Map<String, Value>,
    /// Its lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
    /// Granted scopes by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<BTreeMap<String, ScopeGrant>>,
}

/// `token`: facts about a token other than its claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// How long it is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<Lifetime>,
}

/// `token.lifetime`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lifetime {
    /// Seconds, e.g. 3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<u32>,
}

/// `data.access.scopes.<name>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeGrant {
    /// Scope id (`scp…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `GRANT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// `data.refresh_token` and `OriginalGrant.refresh_token`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// The refresh token's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Okta's documented example request (with its placeholder domain), the
/// body a tool can send to `execute` as Okta's Preview would, once it has set
/// the user it wants.
pub const OKTA_EXAMPLE_REQUEST: &str =
    include_str!("../tests/fixtures/okta-reference-request.json");

/// A token's lifetime when the request does not say (Okta's default, an hour).
pub const DEFAULT_LIFETIME_SECONDS: u64 = 3600;

impl TokenHookRequest {
    /// The tokens this request says are being minted, as Okta's rules see
    /// them: what [`crate::process_response`] patches.
    pub fn minted_tokens(&self) -> MintedTokens {
        let lifetime = |info: &Option<TokenInfo>| {
            info.as_ref()
                .and_then(|info| info.lifetime.as_ref())
                .and_then(|lifetime| lifetime.expiration)
                .map_or(DEFAULT_LIFETIME_SECONDS, u64::from)
        };
        MintedTokens {
            identity: self.data.identity.as_ref().map(|identity| MintedToken {
                claims: match serde_json::to_value(&identity.claims) {
                    Ok(Value::Object(claims)) => claims,
                    _ => Map::new(),
                },
                lifetime_seconds: lifetime(&identity.token),
            }),
            access: self.data.access.as_ref().map(|access| MintedToken {
                claims: access.claims.clone(),
                lifetime_seconds: lifetime(&access.token),
            }),
        }
    }

    /// The login a hook should look up: `data.identity.claims.preferred_username`,
    /// as the guide's hook does. `None` when no ID token is being minted.
    pub fn preferred_username(&self) -> Option<&str> {
        self.data
            .identity
            .as_ref()?
            .claims
            .preferred_username
            .as_deref()
    }
}

/// The few fields a hook like the guide's reads, borrowed from the body.
///
/// Parsing only these keeps the hook's hot path free of copies and makes it
/// tolerant of anything else in the request, including fields Okta adds or
/// re-types later. `local-okta` and tests use the full [`TokenHookRequest`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEssentials<'a> {
    /// Must be [`EVENT_TYPE`].
    #[serde(borrow)]
    pub event_type: Cow<'a, str>,
    /// Okta's id for this call, for logs and de-duplication.
    #[serde(borrow, default)]
    pub event_id: Option<Cow<'a, str>>,
    /// Only the ID token's `preferred_username` is read.
    #[serde(borrow)]
    pub data: EssentialData<'a>,
}

/// `data`, reduced to the ID token being minted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EssentialData<'a> {
    /// Absent when no ID token is minted.
    #[serde(borrow, default)]
    pub identity: Option<EssentialIdentity<'a>>,
}

/// `data.identity`, reduced to its claims.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EssentialIdentity<'a> {
    /// Only `preferred_username` is read.
    #[serde(borrow, default)]
    pub claims: Option<EssentialClaims<'a>>,
}

/// `data.identity.claims`, reduced to `preferred_username`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EssentialClaims<'a> {
    /// The user's login.
    #[serde(borrow, default)]
    pub preferred_username: Option<Cow<'a, str>>,
}

impl RequestEssentials<'_> {
    /// `data.identity.claims.preferred_username`, when an ID token is minted.
    pub fn preferred_username(&self) -> Option<&str> {
        self.data
            .identity
            .as_ref()?
            .claims
            .as_ref()?
            .preferred_username
            .as_deref()
    }
}
