//! Bad input gets a clear status and a short JSON error, never a panic.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{GUIDE_AUTHORIZATION, TestApp, request_for, spawn_app};

async fn post_raw(app: &TestApp, content_type: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/tokenHook", app.address))
        .header("Authorization", GUIDE_AUTHORIZATION)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.send().await.expect("an answer")
}

async fn error_text(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("a JSON error");
    body["error"].as_str().expect("an error message").to_owned()
}

#[tokio::test]
async fn malformed_json_gets_400_with_a_json_error() {
    let app = spawn_app().await;
    let response = post_raw(&app, Some("application/json"), b"{\"eventType\":".to_vec()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        error_text(response)
            .await
            .contains("not a token inline hook request")
    );
}

#[tokio::test]
async fn json_without_data_gets_400() {
    let app = spawn_app().await;
    let body = json!({ "eventType": "com.okta.oauth2.tokens.transform" });
    let response = post_raw(&app, Some("application/json"), body.to_string().into()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_wrong_event_type_gets_400() {
    let app = spawn_app().await;
    let mut request = request_for("jessie.smith@example.com");
    request["eventType"] = json!("com.okta.import.transform");
    let response = app.call_hook(&request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        error_text(response)
            .await
            .contains("com.okta.import.transform")
    );
}

#[tokio::test]
async fn a_body_over_256_kb_gets_413() {
    let app = spawn_app().await;
    let mut request = request_for("jessie.smith@example.com");
    request["padding"] = json!("x".repeat(256 * 1024));
    let response = app.call_hook(&request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_body_just_under_256_kb_is_accepted() {
    let app = spawn_app().await;
    let mut request = request_for("jessie.smith@example.com");
    let size = request.to_string().len();
    request["padding"] = json!("x".repeat(256 * 1024 - size - 100));
    assert_eq!(app.call_hook(&request).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_non_json_content_type_gets_415() {
    let app = spawn_app().await;
    let body = request_for("jessie.smith@example.com")
        .to_string()
        .into_bytes();
    let response = post_raw(&app, Some("text/plain"), body.clone()).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let response = post_raw(&app, None, body).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn other_methods_get_405() {
    let app = spawn_app().await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}/tokenHook", app.address))
            .header("Authorization", GUIDE_AUTHORIZATION)
            .send()
            .await
            .expect("an answer");
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
}
