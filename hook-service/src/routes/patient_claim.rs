//! `POST /tokenHook`: the token inline hook itself, the guide's external
//! service code (docs/token-hook-protocol.md §2, §3, §8).
//!
//! Okta calls this while it mints tokens for a sign-in and waits for the
//! answer (3 s at most), so every sign-in waits on this handler. Before it
//! runs, [`crate::auth`] has checked Basic authentication, [`OktaCall`] has
//! checked and parsed the body, and [`crate::telemetry`] has opened the
//! call's log line.
//!
//! The answer:
//! - a patient: `200` with one `com.okta.identity.patch` that adds
//!   [`PATIENT_ID_CLAIM`] to the ID token;
//! - anyone else, or no ID token being minted: `204 No Content`, which Okta
//!   reads as "no change".

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use token_hook::{PATIENT_ID_CLAIM, TokenHookResponse};

use crate::error::Error;
use crate::okta_call::OktaCall;
use crate::startup::AppState;
use crate::telemetry::record_outcome;

/// The guide's three steps: read the user, look them up, answer.
pub async fn add_patient_claim(
    State(state): State<AppState>,
    call: OktaCall,
) -> Result<Response, Error> {
    // 1. The user whose tokens Okta is minting.
    let Some(login) = call.preferred_username else {
        return Ok(no_change("no ID token being minted"));
    };

    // 2. Their patient id, if they are a patient.
    let Some(patient_id) = state.patients.find_patient_id(&login)? else {
        return Ok(no_change("not a patient"));
    };

    // 3. A command that adds the claim to the ID token.
    if state.log_patient_ids {
        record_outcome(format_args!("added {PATIENT_ID_CLAIM}={patient_id}"));
    } else {
        record_outcome(format_args!("added {PATIENT_ID_CLAIM}"));
    }
    let answer = TokenHookResponse::builder()
        .add_id_token_claim(PATIENT_ID_CLAIM, patient_id)
        .build();
    Ok(Json(answer).into_response())
}

/// `204 No Content`: Okta mints the tokens as they are.
fn no_change(why: &str) -> Response {
    record_outcome(why);
    StatusCode::NO_CONTENT.into_response()
}
