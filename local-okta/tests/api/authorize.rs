//! `/v1/authorize` and the sign-in form: RFC 6749 §4.1.2.1 errors, exact
//! redirect URI matching, PKCE and state checks, the sign-in session.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, REDIRECT_URI, authorize_query, location, query_param, spawn_org};

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_not_a_redirect() {
    let org = spawn_org(None).await;
    let response = org
        .authorize(&authorize_query(&[("client_id", "0oaNOPE")]))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.expect("a page");
    assert!(page.contains("invalid_client") && page.contains("local development only"));
}

#[tokio::test]
async fn redirect_uris_match_exactly_but_for_scheme_and_host_case_and_default_ports() {
    let org = spawn_org(None).await;
    let same = "http://LOCALHOST:8080/authorization-code/callback";
    let response = org
        .authorize(&authorize_query(&[("redirect_uri", same)]))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the sign-in form");
    for almost in [
        "http://localhost:8080/authorization-code/callback/",
        "http://localhost:8080/authorization-code/callback?x=1",
        "http://localhost:8080/Authorization-Code/callback",
        "http://localhost:8081/authorization-code/callback",
    ] {
        let response = org
            .authorize(&authorize_query(&[("redirect_uri", almost)]))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{almost}");
        assert!(response.headers().get("location").is_none(), "{almost}");
    }
}

async fn redirected_error(extra: &[(&str, &str)]) -> (String, Option<String>, Option<String>) {
    let org = spawn_org(None).await;
    let response = org.authorize(&authorize_query(extra)).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{extra:?}");
    let location = location(&response);
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert!(query_param(&location, "code").is_none());
    let error = query_param(&location, "error").expect("an error");
    (
        error,
        query_param(&location, "error_description"),
        query_param(&location, "state"),
    )
}

#[tokio::test]
async fn a_missing_state_is_sent_back_as_invalid_request() {
    let (error, description, state) = redirected_error(&[("state", "")]).await;
    assert_eq!(error, "invalid_request");
    assert!(description.is_some_and(|d| d.contains("state")));
    assert_eq!(state, None);
}

#[tokio::test]
async fn other_errors_go_back_to_the_client_with_its_state() {
    for (extra, expected) in [
        (
            vec![("response_type", "code id_token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "openid admin")], "invalid_scope"),
        (vec![("scope", "")], "invalid_scope"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge", "too-short")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("response_mode", "fragment")], "invalid_request"),
    ] {
        let (error, _, state) = redirected_error(&extra).await;
        assert_eq!(error, expected, "{extra:?}");
        assert_eq!(state.as_deref(), Some("state-123"), "{extra:?}");
    }
}

#[tokio::test]
async fn the_sign_in_form_shows_the_demo_users_and_password() {
    let org = spawn_org(None).await;
    let response = org.authorize(&authorize_query(&[])).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("a page");
    assert!(page.contains(r#"name="username""#) && page.contains(r#"name="password""#));
    assert!(page.contains("jessie.smith@example.com") && page.contains(PASSWORD));
    assert!(page.contains("for local development only"));
}

#[tokio::test]
async fn bad_credentials_get_a_clear_message_and_no_code() {
    let org = spawn_org(None).await;
    let query = authorize_query(&[]);
    for (login, password) in [
        ("jessie.smith@example.com", "wrong"),
        ("nobody@example.com", PASSWORD),
    ] {
        let response = org.submit_sign_in(&query, login, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let page = response.text().await.expect("a page");
        assert!(
            page.contains("unknown username or wrong password"),
            "{login}"
        );
    }
}

#[tokio::test]
async fn a_tampered_carried_request_is_refused() {
    let org = spawn_org(None).await;
    // The form's token is bound to the request it answers: a changed
    // request does not match it, and nobody is signed in or redirected.
    let form = org
        .authorize(&authorize_query(&[]))
        .await
        .text()
        .await
        .expect("a page");
    let token = crate::helpers::form_token(&form).expect("a token");
    let tampered = authorize_query(&[("redirect_uri", "https://evil.example/cb")]);
    let response = org
        .client
        .post(format!("{}/signin", org.base))
        .form(&[
            ("username", "jessie.smith@example.com"),
            ("password", PASSWORD),
            ("authorize_query", &tampered),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn sign_in_redirects_with_a_code_and_the_state() {
    let org = spawn_org(None).await;
    let code = org
        .sign_in_for_code("Jessie.Smith@example.com", &authorize_query(&[]))
        .await;
    assert!(code.len() >= 43);
}

#[tokio::test]
async fn a_second_authorization_skips_the_form_unless_prompt_is_login() {
    let org = spawn_org(None).await;
    org.sign_in_for_code("kim.sato@example.com", &authorize_query(&[]))
        .await;

    let again = org.authorize(&authorize_query(&[])).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    assert!(query_param(&location(&again), "code").is_some());

    let forced = org
        .authorize(&authorize_query(&[("prompt", "login")]))
        .await;
    assert_eq!(
        forced.status(),
        StatusCode::OK,
        "prompt=login shows the form"
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let (error, _, state) = redirected_error(&[("prompt", "none")]).await;
    assert_eq!(error, "login_required");
    assert_eq!(state.as_deref(), Some("state-123"));
}

#[tokio::test]
async fn the_sign_in_cookie_is_http_only_lax_and_named_apart_from_the_app() {
    let org = spawn_org(None).await;
    let query = authorize_query(&[]);
    org.authorize(&query).await;
    let response = org
        .submit_sign_in(&query, "jessie.smith@example.com", PASSWORD)
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(cookie.starts_with("local_okta_sid="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}
