//! The app's session, typed: one extractor with `const` keys instead of
//! strings scattered across handlers.
//!
//! Two places, on purpose:
//!
//! - A sign-in in progress (`state`, `nonce`, PKCE verifier, where to go
//!   back) lives in a short-lived **encrypted cookie**, not on the server:
//!   anyone can start a sign-in, and a server-side record per anonymous
//!   `GET /login` would let them fill the server's memory.
//! - A signed-in user lives in tower-sessions, server-side, in a store that
//!   expires records and holds a bounded number; the cookie holds only a
//!   random id.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use token_hook::PatientId;
use tower_cookies::{Cookie, Cookies, Key};
use tower_sessions::Session;
use tower_sessions::cookie::SameSite;

use crate::error::AppError;

const SIGNED_IN: &str = "signed_in";
/// The encrypted cookie of a sign-in in progress. Browsers share cookies
/// across ports of one host, so the name is the app's own.
pub const PENDING_LOGIN_COOKIE: &str = "sample_app_login";
/// How long a sign-in may take, from `/login` to the callback.
pub const PENDING_LOGIN_MINUTES: i64 = 10;

/// A sign-in in progress, between `/login` and the callback.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// `state` sent to the authorization server.
    pub state: String,
    /// `nonce` expected in the ID token.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
    /// Where to go after signing in (a local path).
    pub return_to: String,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

/// The signed-in user. The tokens stay here, server-side.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The verified ID token, as issued.
    pub id_token: String,
    /// Display name.
    pub name: String,
    /// The patient id the hook added, if any.
    pub ext_patient_id: Option<PatientId>,
    /// Token for the logout form (protection against cross-site requests).
    pub csrf_token: String,
}

impl fmt::Debug for SignedInUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedInUser")
            .field("name", &self.name)
            .field("ext_patient_id", &self.ext_patient_id)
            .finish_non_exhaustive()
    }
}

/// The session, with typed accessors.
pub struct AppSession(Session);

impl<S: Send + Sync> FromRequestParts<S> for AppSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::NoSessionLayer(message))?;
        Ok(AppSession(session))
    }
}

impl AppSession {
    /// The signed-in user, if any.
    pub async fn user(&self) -> Result<Option<SignedInUser>, AppError> {
        Ok(self.0.get(SIGNED_IN).await?)
    }

    /// Signs the user in under a new session id (no session fixation).
    pub async fn sign_in(&self, user: &SignedInUser) -> Result<(), AppError> {
        self.0.cycle_id().await?;
        Ok(self.0.insert(SIGNED_IN, user).await?)
    }

    /// Forgets everything and drops the cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        Ok(self.0.flush().await?)
    }
}

/// Remembers a sign-in in progress in its encrypted cookie.
pub fn begin_login(cookies: &Cookies, key: &Key, pending: &PendingLogin, secure: bool) {
    let Ok(value) = serde_json::to_string(pending) else {
        return;
    };
    let cookie = Cookie::build((PENDING_LOGIN_COOKIE, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(tower_sessions::cookie::time::Duration::minutes(
            PENDING_LOGIN_MINUTES,
        ))
        .build();
    cookies.private(key).add(cookie);
}

/// The sign-in in progress, if any. A cookie that does not decrypt
/// (forged, or from before a restart) is no sign-in.
pub fn pending_login(cookies: &Cookies, key: &Key) -> Option<PendingLogin> {
    let cookie = cookies.private(key).get(PENDING_LOGIN_COOKIE)?;
    serde_json::from_str(cookie.value()).ok()
}

/// Ends the sign-in in progress: a callback can use it once.
pub fn end_pending_login(cookies: &Cookies, key: &Key) {
    cookies
        .private(key)
        .remove(Cookie::build(PENDING_LOGIN_COOKIE).path("/").build());
}
