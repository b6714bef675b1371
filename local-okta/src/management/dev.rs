//! `/api/v1/dev/hookCalls`: the hook inspector as JSON. **local-okta's
//! own**, not part of Okta's API: behind the same SSWS token, so that
//! scripts and tests can read what the inspector shows (see
//! [`crate::inspector`]).

use axum::Json;
use axum::extract::{Path, State};

use crate::error::Error;
use crate::inspector::{self, HookCall};
use crate::startup::SharedState;

/// `GET /api/v1/dev/hookCalls`: every kept call, newest first.
pub async fn list(State(state): State<SharedState>) -> Json<Vec<HookCall>> {
    Json(state.inspector.newest_first())
}

/// `GET /api/v1/dev/hookCalls/{id}`.
pub async fn get_one(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<HookCall>, Error> {
    state
        .inspector
        .get(&id)
        .map(Json)
        .ok_or_else(|| Error::not_found(&id))
}

/// `POST /api/v1/dev/hookCalls/{id}/replay`: sends the recorded request to
/// the hook again; answers the new call.
pub async fn replay(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<HookCall>, Error> {
    inspector::replay(&state, &id)
        .await
        .map(Json)
        .map_err(|_| Error::not_found(&id))
}
