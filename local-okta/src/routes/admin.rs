//! The admin pages: the org at a glance (`/`), the System Log
//! (`/admin/logs`), and the stylesheet.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

use crate::error::Error;
use crate::pages;
use crate::startup::SharedState;

/// `GET /`: users, app, server, rule and hook.
pub async fn home(State(state): State<SharedState>) -> Result<Html<String>, Error> {
    Ok(Html(pages::home(&state.org(), &state.config.issuer)?))
}

/// `GET /admin/logs`: the System Log, newest first.
pub async fn logs(State(state): State<SharedState>) -> Result<Html<String>, Error> {
    let mut events = state.system_log.events();
    events.reverse();
    Ok(Html(pages::logs(events)?))
}

/// `GET /local-okta.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/local-okta.css"),
    )
}
