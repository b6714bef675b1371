//! The app's routes, one module per page.

pub mod callback;
pub mod home;
pub mod login;
pub mod logout;
pub mod profile;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `302 Found` to `location`.
pub fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// `GET /static/app.css`: the app serves its own CSS, so the demo looks
/// right with no internet.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/app.css"),
    )
}
