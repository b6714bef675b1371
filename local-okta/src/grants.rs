//! What the authorization server remembers between requests, in memory:
//! authorization codes (single-use, short-lived), refresh tokens and revoked
//! access tokens. A restart forgets them all, as a local stand-in may.
//!
//! Nothing here grows without bound: every entry has an end (a code after
//! a minute, a refresh token after its window, a revocation when the token
//! it revokes expires anyway), and each insert sweeps what has ended.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use token_hook::MintedTokens;

/// How long an authorization code can be exchanged.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// How long a refresh token lives: Okta's default refresh window, 7 days.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// The browser's sign-in session at local-okta, as the hook request reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInSession {
    /// Session id (`102…`).
    pub id: String,
    /// The signed-in user's id.
    pub user_id: String,
    /// When the user signed in, seconds since the epoch (`auth_time`).
    pub auth_time: i64,
}

/// An issued authorization code and what it was issued for.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// The client's state, reported to the hook.
    pub state: String,
    /// The PKCE challenge (S256), if the client sent one.
    pub code_challenge: Option<String>,
    pub session: SignInSession,
    /// The tokens as the hook shaped them at `/authorize`: the exchange
    /// signs them and calls no hook.
    pub tokens: MintedTokens,
    /// The refresh token minted with them, and its `jti`.
    pub refresh: Option<(String, String)>,
    pub issued_at: Instant,
}

/// A refresh token's grant.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// The refresh token's id, reported to the hook.
    pub jti: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// The sign-in it came from.
    pub session: SignInSession,
    /// The original redirect URI.
    pub redirect_uri: String,
    pub state: String,
    /// When it was minted; it ends [`REFRESH_TOKEN_LIFETIME`] later.
    pub issued_at: Instant,
}

#[derive(Debug, Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, AuthorizationCode>>,
    refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    /// Revoked access tokens' `jti`, with when the token expires anyway.
    revoked_access_tokens: Mutex<HashMap<String, Instant>>,
}

impl Grants {
    pub fn insert_code(&self, code: String, grant: AuthorizationCode) {
        let mut codes = lock(&self.codes);
        codes.retain(|_, grant| grant.issued_at.elapsed() < CODE_LIFETIME);
        codes.insert(code, grant);
    }

    /// Takes a code out: a second exchange of the same code finds nothing.
    /// An expired code is taken out too, and reported as absent.
    pub fn take_code(&self, code: &str) -> Option<AuthorizationCode> {
        lock(&self.codes)
            .remove(code)
            .filter(|grant| grant.issued_at.elapsed() < CODE_LIFETIME)
    }

    /// Remembers a refresh token, forgetting the ones that have ended.
    pub fn insert_refresh_token(&self, token: String, grant: RefreshGrant) {
        let mut tokens = lock(&self.refresh_tokens);
        tokens.retain(|_, grant| grant.issued_at.elapsed() < REFRESH_TOKEN_LIFETIME);
        tokens.insert(token, grant);
    }

    /// The grant behind a live refresh token.
    pub fn refresh_grant(&self, token: &str) -> Option<RefreshGrant> {
        lock(&self.refresh_tokens)
            .get(token)
            .filter(|grant| grant.issued_at.elapsed() < REFRESH_TOKEN_LIFETIME)
            .cloned()
    }

    /// How many entries are kept, for tests that check nothing grows.
    pub fn len(&self) -> usize {
        lock(&self.codes).len()
            + lock(&self.refresh_tokens).len()
            + lock(&self.revoked_access_tokens).len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Revokes a refresh token issued to `client_id`; `true` if there was one.
    pub fn revoke_refresh_token(&self, token: &str, client_id: &str) -> bool {
        let mut tokens = lock(&self.refresh_tokens);
        if tokens
            .get(token)
            .is_some_and(|grant| grant.client_id == client_id)
        {
            tokens.remove(token);
            return true;
        }
        false
    }

    /// Revokes an access token by its `jti`, until it expires (`lives_for`
    /// from now): after that it is refused anyway.
    pub fn revoke_access_token(&self, jti: &str, lives_for: Duration) {
        let mut revoked = lock(&self.revoked_access_tokens);
        let now = Instant::now();
        revoked.retain(|_, until| *until > now);
        revoked.insert(jti.to_owned(), now + lives_for);
    }

    /// Whether an access token was revoked.
    pub fn is_access_token_revoked(&self, jti: &str) -> bool {
        lock(&self.revoked_access_tokens).contains_key(jti)
    }
}

/// A poisoned lock only means another request panicked mid-update of a
/// plain map; the map itself is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
