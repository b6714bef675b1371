//! What goes wrong gets a clear page with a way to sign in again.

use reqwest::StatusCode;

use crate::helpers::{location, query_param, spawn_world, spawn_world_with_failing_hook};

fn with_state(callback: &str, state: &str) -> String {
    let mut url = url::Url::parse(callback).expect("a URL");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "state" {
                state.to_owned()
            } else {
                value.into_owned()
            };
            (key.into_owned(), value)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

#[tokio::test]
async fn a_wrong_state_is_refused() {
    let world = spawn_world().await;
    let authorize = world.start_login("/login").await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    let response = world.get(&with_state(&callback, "forged")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.expect("a page");
    assert!(page.contains("cannot be trusted") && page.contains(r#"id="sign-in-again""#));
    let (_, home) = world.page("/").await;
    assert!(
        home.contains(r#"id="login-button""#),
        "nothing was signed in"
    );
}

#[tokio::test]
async fn a_forged_callback_shows_none_of_its_text_and_leaves_the_sign_in_going() {
    let world = spawn_world().await;
    let authorize = world.start_login("/login").await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    let forged = format!(
        "{}/authorization-code/callback?state=forged&error=access_denied&error_description=\
         Call+0800+FRAUD+to+sign+in",
        world.app
    );
    let response = world.get(&forged).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.expect("a page");
    assert!(page.contains("cannot be trusted"), "{page}");
    assert!(
        !page.contains("0800") && !page.contains("access_denied"),
        "{page}"
    );
    let real = world.get(&callback).await;
    assert_eq!(
        real.status(),
        StatusCode::FOUND,
        "the real sign-in still completes"
    );
}

#[tokio::test]
async fn return_to_cannot_leave_the_app_even_with_a_tab_browsers_strip() {
    let world = spawn_world().await;
    let authorize = world
        .start_login("/login?return_to=/%09/evil.example")
        .await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    let landed = world.get(&callback).await;
    assert_eq!(location(&landed), "/");
}

#[tokio::test]
async fn anonymous_sign_in_starts_keep_nothing_on_the_server() {
    let world = spawn_world().await;
    let huge = "a".repeat(30_000);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    for _ in 0..2_000 {
        let response = anonymous
            .get(format!("{}/login?return_to=/{huge}", world.app))
            .send()
            .await
            .expect("an answer");
        let cookies: Vec<&str> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        assert!(
            cookies
                .iter()
                .all(|cookie| !cookie.starts_with("sample_app_session=")),
            "no server-side session for a cookieless /login: {cookies:?}"
        );
        let size: usize = cookies.iter().map(|cookie| cookie.len()).sum();
        assert!(
            size < 1_024,
            "return_to is capped, not stored: {size} bytes"
        );
    }
}

#[tokio::test]
async fn pages_cannot_be_framed_or_cached() {
    let world = spawn_world().await;
    world.sign_in("kim.sato@example.com").await;
    let profile = world.get(&format!("{}/profile", world.app)).await;
    let headers = profile.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
}

#[tokio::test]
async fn a_reused_code_is_refused_by_the_authorization_server() {
    let world = spawn_world().await;
    let authorize = world.start_login("/login").await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    assert_eq!(world.get(&callback).await.status(), StatusCode::FOUND);

    // A new sign-in, then the old code replayed with the new state.
    let authorize = world.start_login("/login").await;
    let state = query_param(&authorize, "state").expect("a state");
    let response = world.get(&with_state(&callback, &state)).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let page = response.text().await.expect("a page");
    assert!(page.contains("invalid_grant"), "{page}");
    assert!(page.contains(r#"id="sign-in-again""#));
}

#[tokio::test]
async fn an_error_from_the_authorization_server_is_shown() {
    let world = spawn_world().await;
    let authorize = world.start_login("/login").await;
    let state = query_param(&authorize, "state").expect("a state");
    let url = format!(
        "{}/authorization-code/callback?error=access_denied&error_description=User+is+not+assigned&state={state}",
        world.app
    );
    let response = world.get(&url).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("access_denied: User is not assigned"),
        "{page}"
    );
}

#[tokio::test]
async fn a_hook_error_object_reaches_the_user_as_a_clear_page() {
    let world = spawn_world_with_failing_hook("Patient record locked").await;
    let authorize = world.start_login("/login").await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    // The hook ran at /authorize: its error comes back through OAuth's error channel.
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("server_error")
    );
    assert_eq!(query_param(&callback, "code"), None);
    let response = world.get(&callback).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("server_error: Patient record locked"),
        "{page}"
    );
    assert!(page.contains(r#"id="sign-in-again""#));
}

#[tokio::test]
async fn a_callback_without_a_sign_in_in_progress_is_refused() {
    let world = spawn_world().await;
    let (status, page) = world
        .page("/authorization-code/callback?code=abc&state=xyz")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("No sign-in in progress"), "{page}");
}

#[tokio::test]
async fn a_callback_can_be_used_only_once() {
    let world = spawn_world().await;
    let authorize = world.start_login("/login").await;
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    assert_eq!(world.get(&callback).await.status(), StatusCode::FOUND);
    let (status, page) = world.page(callback.trim_start_matches(&world.app)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("No sign-in in progress"), "{page}");
}

#[tokio::test]
async fn logout_without_the_form_token_changes_nothing() {
    let world = spawn_world().await;
    world.sign_in("jessie.smith@example.com").await;
    let response = world
        .client
        .post(format!("{}/logout", world.app))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (_, home) = world.page("/").await;
    assert!(home.contains("Welcome back"), "still signed in");
}

#[tokio::test]
async fn failed_discovery_names_the_url_tried_and_the_reason() {
    // Nothing listens on port 1.
    let issuer = "http://127.0.0.1:1/oauth2/default".to_owned();
    let config = sample_web_app::configuration::Config {
        listen_addr: "127.0.0.1:0".parse().expect("an address"),
        base_url: "http://localhost:8080".to_owned(),
        issuer: issuer.clone(),
        client_id: "0oa123".to_owned(),
        client_secret: secrecy::SecretString::from("a-secret-never-printed"),
        source: sample_web_app::configuration::Source::Environment,
    };
    let error = sample_web_app::startup::AppState::new(config)
        .await
        .expect_err("nothing listens there");
    // What `main` prints: the error and its causes.
    let error = service_kit::error_chain(&error);
    assert!(error.starts_with("discovery failed"), "{error}");
    assert!(
        error.contains(&format!("{issuer}/.well-known/openid-configuration")),
        "{error}"
    );
    assert!(
        error.to_lowercase().contains("connect") || error.contains("refused"),
        "{error}"
    );
    assert!(!error.contains("a-secret-never-printed"));
}
