//! [`OktaCall`]: the body of Okta's call, as an axum extractor
//! (docs/token-hook-protocol.md §2).
//!
//! It checks what every call must be before the handler sees it, and turns
//! each failure into the service's [`Error`] (so into its status code):
//!
//! - `Content-Type` is JSON, or `415`;
//! - the body is at most [`MAX_BODY_BYTES`], or `413`;
//! - the body is a token inline hook request, or `400`.
//!
//! Only the few fields the guide's hook reads are parsed ([`RequestEssentials`]),
//! so a field Okta adds or re-types later cannot break the hook.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use token_hook::{EVENT_TYPE, RequestEssentials};

use crate::error::Error;
use crate::telemetry;

/// The largest request body accepted: 256 KB, as Okta caps hook payloads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the handler needs from Okta's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaCall {
    /// `eventId`: Okta's id for this call, for logs and de-duplication.
    pub event_id: Option<String>,
    /// `data.identity.claims.preferred_username`; `None` when no ID token is
    /// being minted (client credentials, or a Preview request without `identity`).
    pub preferred_username: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for OktaCall {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
                    _ => Error::UnreadableBody(rejection),
                })?;
        let essentials: RequestEssentials =
            serde_json::from_slice(&body).map_err(Error::InvalidRequest)?;
        if essentials.event_type != EVENT_TYPE {
            return Err(Error::WrongEventType(essentials.event_type.into_owned()));
        }
        let call = OktaCall {
            preferred_username: essentials.preferred_username().map(str::to_owned),
            event_id: essentials.event_id.map(|id| id.into_owned()),
        };
        telemetry::record_call(&call);
        Ok(call)
    }
}

/// `application/json`, or any `application/…+json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(content_type) = content_type.to_str() else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(value).expect("valid header");
        headers.insert(header::CONTENT_TYPE, value);
        headers
    }

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json(&with_content_type("application/json")));
        assert!(is_json(&with_content_type(
            "Application/JSON; charset=utf-8"
        )));
        assert!(is_json(&with_content_type("application/cloudevents+json")));
        assert!(!is_json(&with_content_type("text/html")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
