//! Discovery and keys: `/.well-known/openid-configuration`,
//! `/.well-known/oauth-authorization-server` (RFC 8414) and `/v1/keys`.
//!
//! Every URL is built from the configured issuer string, so the `issuer`
//! published here is byte for byte the `iss` of every token.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::routes::authorize::OIDC_SCOPES;
use crate::startup::SharedState;

/// `GET /oauth2/default/.well-known/openid-configuration`.
pub async fn openid_configuration(State(state): State<SharedState>) -> Json<Value> {
    Json(metadata(&state))
}

/// `GET /oauth2/default/.well-known/oauth-authorization-server`.
pub async fn oauth_metadata(State(state): State<SharedState>) -> Json<Value> {
    Json(metadata(&state))
}

/// `GET /oauth2/default/v1/keys`: the JWK Set.
pub async fn keys(State(state): State<SharedState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "max-age=3600, must-revalidate")],
        Json(state.keys.jwks()),
    )
}

fn metadata(state: &SharedState) -> Value {
    let issuer = &state.config.issuer;
    let scopes: Vec<&str> = OIDC_SCOPES
        .iter()
        .copied()
        .chain(
            state
                .config
                .org
                .authorization_server
                .scopes
                .iter()
                .map(String::as_str),
        )
        .collect();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/v1/authorize"),
        "token_endpoint": format!("{issuer}/v1/token"),
        "userinfo_endpoint": format!("{issuer}/v1/userinfo"),
        "jwks_uri": format!("{issuer}/v1/keys"),
        "end_session_endpoint": format!("{issuer}/v1/logout"),
        "introspection_endpoint": format!("{issuer}/v1/introspect"),
        "revocation_endpoint": format!("{issuer}/v1/revoke"),
        "response_types_supported": ["code", "id_token", "token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "client_credentials"
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "request_parameter_supported": false,
        "claims_supported": [
            "iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce",
            "name", "given_name", "family_name", "preferred_username", "locale", "zoneinfo",
            "updated_at", "email", "email_verified", "at_hash"
        ],
    })
}
