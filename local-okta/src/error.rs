//! local-okta's one error type, and how each error is answered.
//!
//! OAuth endpoints answer errors as RFC 6749 §5.2 says (JSON `error` and
//! `error_description`, `401` with `WWW-Authenticate` for client
//! authentication); the management API answers in Okta's own error shape;
//! pages get an HTML page. Internal causes are logged, never shown.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

/// Everything that can go wrong in local-okta.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The org file is unreadable or invalid.
    #[error("{path}, line {line}: {problem}")]
    OrgFile {
        path: String,
        /// 1-based line (0 when unknown).
        line: usize,
        problem: String,
    },
    /// An environment variable has a value that cannot be used.
    #[error("{name}={value} is not valid: {expected}")]
    InvalidVariable {
        name: &'static str,
        value: String,
        expected: String,
    },
    /// The signing key could not be read, created or used.
    #[error("signing key: {context}")]
    Key {
        /// What was being done, e.g. `read data/signing-key.pem`.
        context: String,
        /// The cause, from the rsa or jsonwebtoken crate.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The HTTP client that calls the hook could not be built.
    #[error("build the HTTP client that calls the hook")]
    HttpClient(#[source] reqwest::Error),
    /// A grant ended up with no access token to sign: a bug in local-okta.
    #[error("no access token was minted for this grant")]
    NoAccessToken,
    /// An OAuth 2.0 error answered as JSON (RFC 6749 §5.2).
    #[error("{error}: {description}")]
    OAuth {
        status: StatusCode,
        /// `invalid_request`, `invalid_client`, `invalid_grant`, …
        error: &'static str,
        /// `error_description`.
        description: String,
    },
    /// A bearer token was refused at `userinfo` (RFC 6750 §3).
    #[error("invalid_token: {0}")]
    InvalidToken(String),
    /// A request to an HTML page that cannot be served; shown as a page.
    #[error("{0}")]
    BadPage(String),
    /// A form that did not come from local-okta's own page; `403`.
    #[error("{0}")]
    Forbidden(String),
    /// The management API was called without a valid SSWS token.
    #[error("invalid SSWS token")]
    ApiUnauthorized,
    /// A management API request that cannot be served.
    #[error("{0}")]
    ApiBadRequest(String),
    /// Any other Management API error, in Okta's shape.
    #[error("{code}: {summary}")]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Okta's `errorCode`, e.g. `E0000007`.
        code: &'static str,
        /// Okta's `errorSummary`.
        summary: String,
    },
    /// Nothing here.
    #[error("not found")]
    NotFound,
    /// `local-okta trigger` could not complete its token request.
    #[error("trigger: {0}")]
    Trigger(String),
    /// `local-okta rotate-key` could not get a running local-okta to rotate.
    #[error("rotate-key: {0}")]
    RotateKey(String),
    /// A page could not be rendered.
    #[error("render a page")]
    Template(#[from] askama::Error),
    /// The sign-in session store failed.
    #[error("sign-in session")]
    Session(#[from] tower_sessions::session::Error),
    /// Binding, reading or writing failed.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// `E0000007`, 404: the thing named is not there.
    pub fn not_found(what: impl std::fmt::Display) -> Error {
        Error::Api {
            status: StatusCode::NOT_FOUND,
            code: "E0000007",
            summary: format!("Not found: Resource not found: {what}"),
        }
    }

    /// A signing-key error with what was being done and its cause.
    pub fn key(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Key {
            context: context.into(),
            source: source.into(),
        }
    }

    /// An OAuth error with status 400.
    pub fn oauth(error: &'static str, description: impl Into<String>) -> Error {
        Error::OAuth {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// `invalid_client`, status 401 (RFC 6749 §5.2).
    pub fn invalid_client(description: impl Into<String>) -> Error {
        Error::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::OAuth {
                status,
                error,
                description,
            } => {
                let body = json!({ "error": error, "error_description": description });
                let mut response = (status, no_store(), Json(body)).into_response();
                if status == StatusCode::UNAUTHORIZED {
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(r#"Basic realm="local-okta""#),
                    );
                }
                response
            }
            Error::InvalidToken(description) => {
                let challenge = format!(
                    r#"Bearer authorization_uri="local-okta", error="invalid_token", error_description="{}""#,
                    description.replace('"', "'")
                );
                let mut response = StatusCode::UNAUTHORIZED.into_response();
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            Error::ApiUnauthorized => okta_api_error(
                StatusCode::UNAUTHORIZED,
                "E0000011",
                "Invalid token provided",
            ),
            Error::ApiBadRequest(summary) => {
                okta_api_error(StatusCode::BAD_REQUEST, "E0000001", &summary)
            }
            Error::Api {
                status,
                code,
                summary,
            } => okta_api_error(status, code, &summary),
            Error::NotFound => okta_api_error(
                StatusCode::NOT_FOUND,
                "E0000007",
                "Not found: Resource not found",
            ),
            Error::BadPage(message) => (
                StatusCode::BAD_REQUEST,
                Html(crate::pages::error_page(&message)),
            )
                .into_response(),
            Error::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                Html(crate::pages::error_page(&message)),
            )
                .into_response(),
            other => {
                tracing::error!(error = %service_kit::error_chain(&other), "internal error");
                let page =
                    crate::pages::error_page("local-okta hit an internal error; see its log.");
                (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response()
            }
        }
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, required on token answers.
pub fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

fn okta_api_error(status: StatusCode, code: &str, summary: &str) -> Response {
    let body = json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": crate::ids::okta_id("oae"),
        "errorCauses": [],
    });
    (status, Json(body)).into_response()
}
