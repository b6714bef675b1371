//! The app's session, typed: one extractor with `const` keys instead of
//! strings scattered across handlers. tower-sessions keeps the data
//! server-side (in memory here); the cookie holds only a random id.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use token_hook::PatientId;
use tower_sessions::Session;

use crate::error::AppError;

const PENDING_LOGIN: &str = "pending_login";
const SIGNED_IN: &str = "signed_in";

/// A sign-in in progress, between `/login` and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// The signed-in user. The tokens stay here, server-side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The verified ID token, as issued.
    pub id_token: String,
    pub name: String,
    /// The patient id the hook added, if any.
    pub ext_patient_id: Option<PatientId>,
    /// Token for the logout form (protection against cross-site requests).
    pub csrf_token: String,
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
    /// Remembers a sign-in in progress.
    pub async fn begin_login(&self, pending: &PendingLogin) -> Result<(), AppError> {
        Ok(self.0.insert(PENDING_LOGIN, pending).await?)
    }

    /// Takes the sign-in in progress out: a callback can use it once.
    pub async fn take_pending_login(&self) -> Result<Option<PendingLogin>, AppError> {
        Ok(self.0.remove(PENDING_LOGIN).await?)
    }

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
