//! local-okta's routes, one module per endpoint or page group.

pub mod admin;

pub mod authorize;
pub mod client_auth;
pub mod discovery;
pub mod introspect;
pub mod logout;
pub mod preview;
pub mod token;
pub mod userinfo;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `302 Found` to `location`, as Okta redirects.
pub fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}
