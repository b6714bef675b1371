//! `GET|POST /v1/userinfo` (OpenID Connect Core §5.3): the user's profile
//! claims for a valid access token. As in Okta, never the claims a hook
//! added to a token: those exist only in the token itself.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::startup::SharedState;
use crate::tokens::verify_access_token;

/// `GET|POST /v1/userinfo` with `Authorization: Bearer <access token>`.
pub async fn userinfo(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Json<Value>, Error> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| Error::InvalidToken("no bearer token".to_owned()))?;
    let claims = verify_access_token(&state, token.trim()).map_err(Error::InvalidToken)?;
    let user_id = claims
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = state
        .config
        .org
        .user_by_id(user_id)
        .ok_or_else(|| Error::InvalidToken("the user no longer exists".to_owned()))?;
    let scopes: Vec<&str> = claims
        .get("scp")
        .and_then(Value::as_array)
        .map(|scopes| scopes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut info = Map::new();
    info.insert("sub".to_owned(), Value::from(user.id.clone()));
    if scopes.contains(&"profile") {
        let profile = json!({
            "name": user.full_name(), "given_name": user.first_name,
            "family_name": user.last_name, "preferred_username": user.login,
            "locale": user.locale, "zoneinfo": user.time_zone, "updated_at": 1_767_225_600,
        });
        info.extend(profile.as_object().cloned().unwrap_or_default());
    }
    if scopes.contains(&"email") {
        info.insert("email".to_owned(), Value::from(user.login.clone()));
        info.insert("email_verified".to_owned(), Value::Bool(true));
    }
    Ok(Json(Value::Object(info)))
}
