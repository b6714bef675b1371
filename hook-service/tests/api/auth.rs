//! Basic authentication: only the configured credentials get through.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;

use crate::helpers::{request_for, spawn_app};

async fn status_with(authorization: Option<&str>) -> (StatusCode, Option<String>) {
    let app = spawn_app().await;
    let mut request = app
        .client
        .post(format!("{}/tokenHook", app.address))
        .json(&request_for("jessie.smith@example.com"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.expect("an answer");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (response.status(), challenge)
}

#[tokio::test]
async fn a_call_without_credentials_gets_401_with_a_basic_challenge() {
    let (status, challenge) = status_with(None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.is_some_and(|c| c.starts_with("Basic realm=")));
}

#[tokio::test]
async fn a_wrong_password_gets_401() {
    let value = format!("Basic {}", STANDARD.encode("admin:wrong"));
    let (status, challenge) = status_with(Some(&value)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.is_some());
}

#[tokio::test]
async fn a_wrong_user_gets_401() {
    let value = format!("Basic {}", STANDARD.encode("root:supersecret"));
    assert_eq!(status_with(Some(&value)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_scheme_or_garbage_gets_401() {
    for value in [
        "Bearer YWRtaW46c3VwZXJzZWNyZXQ=",
        "Basic not-base64!",
        "supersecret",
    ] {
        assert_eq!(
            status_with(Some(value)).await.0,
            StatusCode::UNAUTHORIZED,
            "{value}"
        );
    }
}

#[tokio::test]
async fn the_guides_header_gets_through() {
    let (status, _) = status_with(Some(crate::helpers::GUIDE_AUTHORIZATION)).await;
    assert_eq!(status, StatusCode::OK);
}
