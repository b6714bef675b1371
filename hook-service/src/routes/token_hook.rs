//! `POST /tokenHook`: the token inline hook itself (protocol doc §2, §3, §8).
//!
//! Okta calls this while it mints tokens, and waits for the answer (3 s at
//! most), so every sign-in waits on this handler. It reads only the request's
//! `preferred_username`, looks it up in the patient store, and answers:
//!
//! - a patient: `200` with one `com.okta.identity.patch` adding
//!   `/claims/extPatientId`, the id as a string;
//! - anyone else, or no ID token being minted: `204 No Content`, which Okta
//!   reads as "no change".
//!
//! Basic authentication has already been checked by [`crate::auth`].

use std::fmt::Display;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use token_hook::{EVENT_TYPE, RequestEssentials, TokenHookResponse};

use crate::error::Error;
use crate::startup::AppState;
use service_kit::error_chain;

/// The claim the guide's hook adds to the ID token.
pub const PATIENT_ID_CLAIM: &str = "extPatientId";
/// The largest request body accepted: 256 KB, as Okta caps hook payloads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Answers one call from Okta.
pub async fn token_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let started = Instant::now();
    let body = json_body(&headers, body).inspect_err(|error| log_rejected(error, started))?;
    let call = parse_call(&body).inspect_err(|error| log_rejected(error, started))?;
    let event_id = call.event_id.as_deref().unwrap_or("-");

    // No ID token is minted (client credentials, or a Preview request
    // without `identity`): nothing to add.
    let Some(login) = call.preferred_username() else {
        log_answered(event_id, "-", "no ID token being minted", started);
        return Ok(StatusCode::NO_CONTENT.into_response());
    };

    let patient_id = state
        .patients
        .find_patient_id(login)
        .await
        .inspect_err(|error| {
            tracing::error!(
                event_id, login, error = %error_chain(error), latency_us = micros(started),
                "patient store failed: answering 503, Okta mints the token unchanged"
            );
        })?;

    match patient_id {
        Some(patient_id) => {
            let outcome = format_args!("added {PATIENT_ID_CLAIM}={patient_id}");
            log_answered(event_id, login, outcome, started);
            let answer = TokenHookResponse::builder()
                .add_id_token_claim(PATIENT_ID_CLAIM, patient_id)
                .build();
            Ok(Json(answer).into_response())
        }
        None => {
            log_answered(event_id, login, "not a patient", started);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// The body, once it is known to be declared JSON and within the size limit.
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, Error> {
    if !is_json(headers) {
        return Err(Error::UnsupportedMediaType);
    }
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
        _ => Error::InvalidRequest(rejection.body_text()),
    })
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

fn parse_call(body: &[u8]) -> Result<RequestEssentials<'_>, Error> {
    let call: RequestEssentials =
        serde_json::from_slice(body).map_err(|error| Error::InvalidRequest(error.to_string()))?;
    if call.event_type != EVENT_TYPE {
        return Err(Error::WrongEventType(call.event_type.into_owned()));
    }
    Ok(call)
}

fn log_answered(event_id: &str, login: &str, outcome: impl Display, started: Instant) {
    tracing::info!(event_id, login, %outcome, latency_us = micros(started), "token hook call");
}

fn log_rejected(error: &Error, started: Instant) {
    tracing::warn!(
        status = error.status().as_u16(), %error, latency_us = micros(started),
        "token hook call rejected"
    );
}

fn micros(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
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
