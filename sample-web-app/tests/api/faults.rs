//! Faults between the app and the authorization server: a signing key
//! rotated under the app's feet, and an authorization server that is down
//! or answers garbage in the middle of a sign-in. The app keeps working
//! without a restart, or says clearly what went wrong.

use axum::Router;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use sample_web_app::configuration::{Config, Source};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::helpers::{
    World, browser, claim_cell, location, query_param, raw_id_token, spawn_world,
};

/// Signs `login` in and returns My Profile.
async fn profile_after_sign_in(world: &World, login: &str) -> String {
    world.sign_in(login).await;
    let (status, profile) = world.page("/profile").await;
    assert_eq!(status, StatusCode::OK);
    profile
}

fn kid_of(jwt: &str) -> String {
    let header = jwt.split('.').next().expect("a JWT header");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("JSON");
    header["kid"].as_str().expect("a kid").to_owned()
}

#[tokio::test]
async fn after_a_key_rotation_the_app_fetches_the_keys_again_and_signs_in() {
    let world = spawn_world().await;
    let profile = profile_after_sign_in(&world, "jessie.smith@example.com").await;
    let old_kid = kid_of(raw_id_token(&profile));

    // What `just rotate-key` asks for, as an Okta admin would.
    let response = world
        .okta_api(
            reqwest::Method::POST,
            "/authorizationServers/default/credentials/lifecycle/keyRotate",
        )
        .json(&json!({ "use": "sig" }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let keys: Vec<Value> = response.json().await.expect("the keys");
    let new_kid = keys[0]["kid"].as_str().expect("a kid").to_owned();
    assert_eq!(keys[0]["status"], "ACTIVE");
    assert_ne!(new_kid, old_kid);

    // A new visitor signs in: the ID token carries a kid the app has never
    // seen, and the app, still running, fetches the key set again.
    let world = world.with_a_new_browser();
    let profile = profile_after_sign_in(&world, "jessie.smith@example.com").await;
    assert_eq!(kid_of(raw_id_token(&profile)), new_kid);
    assert_eq!(
        claim_cell(&profile, "extPatientId").as_deref(),
        Some("1235")
    );
}

/// What the stand-in authorization server's token endpoint does.
enum TokenEndpoint {
    /// Nothing listens there any more.
    Down,
    /// `200` with an HTML page where JSON should be.
    Garbage,
}

/// The app, configured against an authorization server whose discovery
/// works but whose token endpoint fails as `token` says. Returns the app's
/// URL.
async fn spawn_app_against(token: TokenEndpoint) -> String {
    let server = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let issuer = format!(
        "http://{}/oauth2/default",
        server.local_addr().expect("address")
    );
    let token_endpoint = match token {
        TokenEndpoint::Garbage => format!("{issuer}/v1/token"),
        // Nothing listens on port 1.
        TokenEndpoint::Down => "http://127.0.0.1:1/v1/token".to_owned(),
    };
    let metadata = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/v1/authorize"),
        "token_endpoint": token_endpoint,
        "jwks_uri": format!("{issuer}/v1/keys"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    let routes = Router::new()
        .route(
            "/oauth2/default/.well-known/openid-configuration",
            get(move || async move { axum::Json(metadata) }),
        )
        .route(
            "/oauth2/default/v1/keys",
            get(|| async { axum::Json(json!({ "keys": [] })) }),
        )
        .route(
            "/oauth2/default/v1/token",
            post(|| async {
                axum::response::Html("<html><body>502 Bad Gateway (nginx)</body></html>")
            }),
        );
    tokio::spawn(async move { axum::serve(server, routes).await });

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let app = format!("http://{}", listener.local_addr().expect("address"));
    let config = Config {
        listen_addr: listener.local_addr().expect("address"),
        base_url: app.clone(),
        issuer,
        client_id: "0oa-app".to_owned(),
        client_secret: SecretString::from("a-secret-never-shown"),
        source: Source::Environment,
    };
    let state = sample_web_app::startup::AppState::new(config)
        .await
        .expect("discovery works");
    tokio::spawn(sample_web_app::startup::serve(
        listener,
        state,
        std::future::pending(),
    ));
    app
}

/// Starts a sign-in at `app` and comes back to its callback with a code, as
/// the authorization server would; returns the callback's status and page.
async fn come_back_with_a_code(app: &str) -> (StatusCode, String) {
    let client = browser();
    let response = client
        .get(format!("{app}/login"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::FOUND);
    let state = query_param(&location(&response), "state").expect("a state");
    let response = client
        .get(format!(
            "{app}/authorization-code/callback?code=a-code&state={state}"
        ))
        .send()
        .await
        .expect("an answer");
    (response.status(), response.text().await.expect("a page"))
}

#[tokio::test]
async fn an_authorization_server_down_during_sign_in_gets_a_clear_page() {
    let app = spawn_app_against(TokenEndpoint::Down).await;
    let (status, page) = come_back_with_a_code(&app).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        page.contains("The sign-in could not be completed"),
        "{page}"
    );
    assert!(page.contains("the token request failed"), "{page}");
    assert!(!page.contains("a-secret-never-shown"));
}

#[tokio::test]
async fn an_authorization_server_answering_garbage_gets_a_clear_page() {
    let app = spawn_app_against(TokenEndpoint::Garbage).await;
    let (status, page) = come_back_with_a_code(&app).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        page.contains("The sign-in could not be completed"),
        "{page}"
    );
    assert!(
        !page.contains("<body>502 Bad Gateway"),
        "the other server's page is not passed through raw"
    );
}
