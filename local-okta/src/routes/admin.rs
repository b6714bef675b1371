//! The admin pages: the org at a glance (`/`), the System Log
//! (`/admin/logs`), the hook inspector (`/admin/hooks`, local-okta's own),
//! and the stylesheet.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::Error;
use crate::startup::SharedState;
use crate::{forms, inspector, pages};

/// What the inspector's forms' tokens are for.
const INSPECTOR_PURPOSE: &str = "inspector";

/// `page`, with the cookie behind its form token when the browser had none.
fn with_form_cookie(page: String, token: forms::FormToken) -> Response {
    let mut response = Html(page).into_response();
    if let Some(cookie) = token.set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Refuses an inspector form that did not come from local-okta's own page
/// with its token: those forms call the hook with its secret, or change
/// how sign-ins end.
fn check_own_form(state: &SharedState, headers: &HeaderMap, token: &str) -> Result<(), Error> {
    if forms::from_own_page(headers, &state.own_origin())
        && state.forms.check(headers, INSPECTOR_PURPOSE, token)
    {
        return Ok(());
    }
    Err(Error::Forbidden(
        "This form did not come from local-okta's own page. Nothing was done.".to_owned(),
    ))
}

/// `GET /admin/hooks`: every kept hook call, newest first, and the strict
/// mode switch.
pub async fn hooks(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let calls = state.inspector.newest_first();
    let token = state
        .forms
        .issue(&headers, INSPECTOR_PURPOSE, state.is_https());
    let page = pages::hooks(
        calls,
        state.inspector.capacity(),
        state.strict_hooks(),
        &token.field,
    )?;
    Ok(with_form_cookie(page, token))
}

/// The strict mode form.
#[derive(Debug, Deserialize)]
pub struct StrictForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    on: String,
}

/// `POST /admin/hooks/strict`: turns strict mode on (`on=1`) or off.
pub async fn set_strict(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<StrictForm>,
) -> Result<Redirect, Error> {
    check_own_form(&state, &headers, &form.csrf_token)?;
    state.set_strict_hooks(form.on == "1");
    Ok(Redirect::to("/admin/hooks"))
}

/// `GET /admin/hooks/{id}`: one call, whole, with Replay.
pub async fn hook_call(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let call = state.inspector.get(&id).ok_or_else(|| {
        Error::BadPage(format!(
            "No hook call {id:?} is kept: the inspector keeps the last {}.",
            state.inspector.capacity()
        ))
    })?;
    let token = state
        .forms
        .issue(&headers, INSPECTOR_PURPOSE, state.is_https());
    Ok(with_form_cookie(
        pages::hook_call(&call, &token.field)?,
        token,
    ))
}

/// `GET /admin/hooks/trace/{trace_id}`: the call a System Log event is about.
pub async fn hook_call_by_trace(
    State(state): State<SharedState>,
    Path(trace_id): Path<String>,
) -> Result<Redirect, Error> {
    let call = state.inspector.by_trace(&trace_id).ok_or_else(|| {
        Error::BadPage("That hook call is no longer kept by the inspector.".to_owned())
    })?;
    Ok(Redirect::to(&format!("/admin/hooks/{}", call.id)))
}

/// The Replay form.
#[derive(Debug, Deserialize)]
pub struct ReplayForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /admin/hooks/{id}/replay`: the same request to the hook again; on
/// to the new call's page.
pub async fn replay(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplayForm>,
) -> Result<Redirect, Error> {
    check_own_form(&state, &headers, &form.csrf_token)?;
    let call = inspector::replay(&state, &id)
        .await
        .map_err(|_| Error::BadPage(format!("No hook call {id:?} is kept to replay.")))?;
    Ok(Redirect::to(&format!("/admin/hooks/{}", call.id)))
}

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
