//! The app's one error type. Every error a visitor can cause becomes a page
//! that says what happened and offers to sign in again; unexpected ones are
//! logged with their cause and shown as a generic page. Never a panic.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A cause of any kind, kept for the log's error chain.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong in the sample app.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad or missing configuration; the message says what to fix.
    #[error("{0}")]
    Config(String),
    /// The `testenv` file exists but cannot be read.
    #[error("cannot read testenv")]
    Testenv(#[source] dotenvy::Error),
    /// The HTTP client could not be built.
    #[error("build the HTTP client")]
    HttpClient(#[source] openidconnect::reqwest::Error),
    /// Discovery failed at `url`.
    #[error("discovery failed at {url}")]
    Discovery {
        /// The discovery document's URL.
        url: String,
        #[source]
        source: Cause,
    },
    /// The authorization server sent an error (at the callback or the token endpoint).
    #[error("{error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AuthorizationServer {
        /// `error`, e.g. `server_error`.
        error: String,
        /// `error_description`, e.g. a hook's `errorSummary`.
        description: Option<String>,
    },
    /// The token request could not be made or read.
    #[error("the token request failed")]
    TokenRequest(#[source] Cause),
    /// The token response had no ID token.
    #[error("the authorization server returned no ID token")]
    NoIdToken,
    /// The ID token did not verify.
    #[error("the ID token is not valid")]
    IdToken(#[source] openidconnect::ClaimsVerificationError),
    /// The callback came with a state that is not ours.
    #[error("the state parameter does not match this sign-in")]
    StateMismatch,
    /// The callback came with no sign-in in progress.
    #[error("no sign-in is in progress in this browser")]
    NoPendingLogin,
    /// A request the app cannot serve as sent.
    #[error("{0}")]
    BadRequest(String),
    /// The session layer is missing from the router: a bug in the app.
    #[error("no session: {0}")]
    NoSessionLayer(&'static str),
    /// The session store failed.
    #[error("session store")]
    Session(#[from] tower_sessions::session::Error),
    /// A page could not be rendered.
    #[error("render a page")]
    Template(#[from] askama::Error),
    /// Binding or serving failed.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl AppError {
    fn status_and_explanation(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::AuthorizationServer { error, description } => (
                StatusCode::BAD_GATEWAY,
                "The authorization server refused the sign-in",
                format!(
                    "{error}{}",
                    description
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ),
            ),
            AppError::StateMismatch => (
                StatusCode::BAD_REQUEST,
                "This sign-in cannot be trusted",
                "The state sent back does not match the one this browser sent, so the \
                 response may come from someone else. Nothing was signed in."
                    .to_owned(),
            ),
            AppError::NoPendingLogin => (
                StatusCode::BAD_REQUEST,
                "No sign-in in progress",
                "This browser has no sign-in in progress: it may have expired, been used \
                 already, or cookies may be blocked."
                    .to_owned(),
            ),
            AppError::IdToken(_) | AppError::NoIdToken | AppError::TokenRequest(_) => (
                StatusCode::BAD_GATEWAY,
                "The sign-in could not be completed",
                service_kit::error_chain(self),
            ),
            AppError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "Bad request", message.clone())
            }
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The app hit an unexpected error; its log has the details.".to_owned(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, explanation) = self.status_and_explanation();
        if status.is_server_error() {
            tracing::error!(error = %service_kit::error_chain(&self), "request failed");
        } else {
            tracing::warn!(error = %self, "request refused");
        }
        let page = crate::pages::error(title, &explanation)
            .unwrap_or_else(|_| format!("{title}: {explanation}"));
        (status, Html(page)).into_response()
    }
}
