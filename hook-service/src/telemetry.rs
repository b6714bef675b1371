//! One log line per call to `POST /tokenHook`, with its latency.
//!
//! [`log_call`] wraps the route: it opens a span for the call, runs it, and
//! logs its status and latency inside that span. What happened in between is
//! recorded on the span as it becomes known: the extractor records Okta's
//! `eventId` and the login ([`record_call`]), the handler its outcome
//! ([`record_outcome`]), and a rejected call its reason. So the handler reads
//! as the guide's three steps, with no timing or logging code in it.
//!
//! A line looks like:
//!
//! ```text
//! INFO token_hook_call{event_id="demo-1" login="jessie.smith@example.com" outcome=added extPatientId=1235}: hook_service::telemetry: answered status=200 latency_us=768
//! ```

use std::fmt::Display;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::{Empty, display};

use crate::okta_call::OktaCall;

/// Middleware: the call's span and its closing log line.
pub async fn log_call(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let span = tracing::info_span!(
        "token_hook_call",
        event_id = Empty,
        login = Empty,
        outcome = Empty
    );
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), latency_us, "answered");
        } else if status.is_client_error() {
            tracing::warn!(status = status.as_u16(), latency_us, "rejected");
        } else {
            tracing::info!(status = status.as_u16(), latency_us, "answered");
        }
    });
    response
}

/// Records who the call is about on the current call's span.
pub fn record_call(call: &OktaCall) {
    let span = tracing::Span::current();
    span.record("event_id", call.event_id.as_deref().unwrap_or("-"));
    span.record("login", call.preferred_username.as_deref().unwrap_or("-"));
}

/// Records what the hook answered, or why it refused, on the current call's span.
pub fn record_outcome(outcome: impl Display) {
    tracing::Span::current().record("outcome", display(outcome));
}
