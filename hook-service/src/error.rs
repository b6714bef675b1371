//! The service's one error type, and how each error becomes an HTTP answer.
//!
//! Okta treats any status other than 200 as "mint the tokens unchanged"
//! (docs/token-hook-protocol.md §4), so an error here never blocks a sign-in; the status
//! codes are for people debugging with curl or Preview. Bodies are short
//! JSON; a `4xx` says what was wrong with the request, a `5xx` carries no
//! internal detail: causes go to the log, with their whole chain.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything that can go wrong in the hook service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required variable is missing at startup.
    #[error(
        "{0} is not set: put it in the environment or in a .env file in the directory you run \
         from (`cp .env.example .env` gives the guide's values)"
    )]
    MissingVariable(&'static str),
    /// A variable has a value that cannot be used.
    #[error("{name}={value} is not valid: expected {expected}")]
    InvalidVariable {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    /// Missing or wrong credentials (Basic, or a bearer token that does
    /// not verify).
    #[error("missing or wrong credentials")]
    Unauthorized,
    /// A bearer token that does not verify (`HOOK_AUTH=oauth2`).
    #[error("missing or invalid bearer token")]
    BearerRefused,
    /// `HOOK_AUTH=oauth2`, and the issuer's keys cannot be fetched.
    #[error("the issuer's signing keys are unavailable: {0}")]
    KeysUnavailable(String),
    /// The body could not be read (the connection broke, for example).
    #[error("the body could not be read")]
    UnreadableBody(#[source] axum::extract::rejection::BytesRejection),
    /// The body is not JSON, or not shaped like Okta's request.
    #[error("the body is not a token inline hook request")]
    InvalidRequest(#[source] serde_json::Error),
    /// The request is for another kind of hook.
    #[error("eventType must be com.okta.oauth2.tokens.transform, got {0:?}")]
    WrongEventType(String),
    /// The body is not declared as JSON.
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// The body is over the limit.
    #[error("the body is larger than 256 KB")]
    PayloadTooLarge,
    /// The patient store failed.
    #[error("the patient store failed")]
    Store(#[from] sqlx::Error),
    /// The patient store's schema could not be brought up to date.
    #[error("the patient store could not be migrated")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The patient store did not answer in time.
    #[error("the patient store did not answer in time")]
    StoreTimeout,
    /// The patient store's file is gone.
    #[error("the patient store {0} is missing")]
    StoreMissing(std::path::PathBuf),
    /// The patient store could not be read lately: lookups wait for it to be back.
    #[error("the patient store is unavailable")]
    StoreUnavailable,
    /// Binding, serving or another I/O failure.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized | Error::BearerRefused => StatusCode::UNAUTHORIZED,
            Error::UnreadableBody(_) | Error::InvalidRequest(_) | Error::WrongEventType(_) => {
                StatusCode::BAD_REQUEST
            }
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Store(_)
            | Error::KeysUnavailable(_)
            | Error::StoreTimeout
            | Error::StoreMissing(_)
            | Error::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let chain = service_kit::error_chain(&self);
        // The call's log line (see `telemetry`) says why; for a server error
        // the caller learns nothing internal, and Okta mints the tokens unchanged.
        crate::telemetry::record_outcome(&chain);
        let message = if status.is_server_error() {
            "the hook service cannot answer right now".to_owned()
        } else {
            chain
        };
        let mut response = (status, Json(json!({ "error": message }))).into_response();
        // The challenge names the scheme the hook expects (RFC 7617, RFC 6750 §3).
        let challenge = match self {
            Error::Unauthorized => Some(r#"Basic realm="token-hook", charset="UTF-8""#),
            Error::BearerRefused => Some(r#"Bearer realm="token-hook", error="invalid_token""#),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
