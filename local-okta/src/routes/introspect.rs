//! `POST /v1/introspect` (RFC 7662) and `POST /v1/revoke` (RFC 7009).
//!
//! A client learns about, and revokes, only the tokens issued to it: as
//! Okta does, another client's token is `{"active": false}` at introspection
//! and left alone at revocation (RFC 7009 §2.1 says the server verifies the
//! token was issued to the client making the request).

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::routes::client_auth::authenticate_client;
use crate::startup::SharedState;
use crate::tokens::{verify_access_token, verify_id_token};

/// The form of both endpoints.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The calling client's id, and the token it asks about.
fn authenticated(
    state: &SharedState,
    headers: &HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<(String, String), Error> {
    let Form(form) = form.map_err(|rejection| {
        Error::oauth("invalid_request", format!("Malformed request: {rejection}"))
    })?;
    let org = state.org();
    let client = authenticate_client(
        &org,
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let token = form
        .token
        .ok_or_else(|| Error::oauth("invalid_request", "The 'token' is required."))?;
    Ok((client.client_id.clone(), token))
}

/// Whether `claims` were issued to `client_id` (`cid` of an access token,
/// `aud` of an ID token).
fn issued_to(claims: &serde_json::Map<String, Value>, key: &str, client_id: &str) -> bool {
    claims.get(key).and_then(Value::as_str) == Some(client_id)
}

/// `POST /v1/introspect`: `{"active": true, …}` for a live token, else
/// `{"active": false}`.
pub async fn introspect(
    State(state): State<SharedState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Json<Value>, Error> {
    let (client_id, token) = authenticated(&state, &headers, form)?;
    if let Ok(claims) = verify_access_token(&state, &token)
        && issued_to(&claims, "cid", &client_id)
    {
        let mut answer = json!({ "active": true, "token_type": "Bearer",
            "client_id": claims.get("cid"), "username": claims.get("sub") });
        if let (Some(answer), Some(scopes)) = (answer.as_object_mut(), claims.get("scp")) {
            let scope = scopes.as_array().map(|scopes| {
                scopes
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            answer.insert("scope".to_owned(), json!(scope));
            for key in ["exp", "iat", "sub", "aud", "iss", "jti", "uid"] {
                answer.insert(
                    key.to_owned(),
                    claims.get(key).cloned().unwrap_or(Value::Null),
                );
            }
        }
        return Ok(Json(answer));
    }
    if let Some(grant) = state
        .grants
        .refresh_grant(&token)
        .filter(|grant| grant.client_id == client_id)
    {
        return Ok(Json(json!({ "active": true, "token_type": "refresh_token",
            "client_id": grant.client_id, "scope": grant.scopes.join(" "),
            "uid": grant.session.user_id, "jti": grant.jti })));
    }
    if let Ok(claims) = verify_id_token(&state, &token, false)
        && issued_to(&claims, "aud", &client_id)
    {
        let mut answer = Value::Object(claims);
        answer["active"] = Value::Bool(true);
        answer["token_type"] = Value::from("id_token");
        return Ok(Json(answer));
    }
    Ok(Json(json!({ "active": false })))
}

/// `POST /v1/revoke`: revokes a refresh or access token. Answers 200 even
/// for unknown tokens, as RFC 7009 §2.2 requires.
pub async fn revoke(
    State(state): State<SharedState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<StatusCode, Error> {
    let (client_id, token) = authenticated(&state, &headers, form)?;
    if !state.grants.revoke_refresh_token(&token, &client_id)
        && let Ok(claims) = verify_access_token(&state, &token)
        && issued_to(&claims, "cid", &client_id)
        && let Some(jti) = claims.get("jti").and_then(Value::as_str)
    {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(now);
        let lives_for = u64::try_from(exp.saturating_sub(now)).unwrap_or(0);
        state
            .grants
            .revoke_access_token(jti, std::time::Duration::from_secs(lives_for));
    }
    Ok(StatusCode::OK)
}
