//! After sign-in: userinfo, introspection, revocation and RP-initiated logout.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    CLIENT_ID, CLIENT_SECRET, TestOrg, authorize_query, location, query_param, spawn_org,
};
use crate::stub_hook::{Answer, StubHook};

const SCOPE: &str = "openid profile email offline_access";

async fn userinfo(org: &TestOrg, access_token: &str) -> reqwest::Response {
    org.client
        .get(format!("{}/oauth2/default/v1/userinfo", org.base))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("an answer")
}

async fn introspect(org: &TestOrg, token: &str) -> Value {
    org.client
        .post(format!("{}/oauth2/default/v1/introspect", org.base))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON")
}

async fn revoke(org: &TestOrg, token: &str) -> StatusCode {
    org.client
        .post(format!("{}/oauth2/default/v1/revoke", org.base))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .expect("an answer")
        .status()
}

#[tokio::test]
async fn userinfo_gives_profile_claims_but_never_hook_claims() {
    let answer = Answer::Json(json!({ "commands": [ { "type": "com.okta.identity.patch",
        "value": [ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ] }));
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let tokens = org.tokens_for("jessie.smith@example.com", SCOPE).await;
    let response = userinfo(&org, tokens["access_token"].as_str().expect("a token")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = response.json().await.expect("JSON");
    assert_eq!(info["sub"], "00u1jessiesmith0001x");
    assert_eq!(info["given_name"], "Jessie");
    assert_eq!(info["email"], "jessie.smith@example.com");
    assert_eq!(info["zoneinfo"], "America/Los_Angeles");
    assert!(
        info.get("extPatientId").is_none(),
        "hook claims live only in the token"
    );
}

#[tokio::test]
async fn userinfo_refuses_a_bad_token_with_a_bearer_challenge() {
    let org = spawn_org(None).await;
    let response = userinfo(&org, "not.a.jwt").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .expect("ASCII");
    assert!(challenge.starts_with("Bearer") && challenge.contains("invalid_token"));
}

#[tokio::test]
async fn introspection_and_revocation_of_access_and_refresh_tokens() {
    let org = spawn_org(None).await;
    let tokens = org.tokens_for("kim.sato@example.com", SCOPE).await;
    let access = tokens["access_token"].as_str().expect("an access token");
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");

    let active = introspect(&org, access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["username"], "kim.sato@example.com");
    assert_eq!(active["scope"], SCOPE);
    assert_eq!(introspect(&org, refresh).await["active"], true);
    assert_eq!(
        introspect(&org, "garbage").await,
        json!({ "active": false })
    );

    assert_eq!(revoke(&org, access).await, StatusCode::OK);
    assert_eq!(introspect(&org, access).await["active"], false);
    assert_eq!(
        userinfo(&org, access).await.status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(revoke(&org, refresh).await, StatusCode::OK);
    let refreshed = org
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(revoke(&org, "never-issued").await, StatusCode::OK);
}

#[tokio::test]
async fn logout_ends_the_session_and_returns_to_the_registered_uri_with_state() {
    let org = spawn_org(None).await;
    let tokens = org.tokens_for("jessie.smith@example.com", SCOPE).await;
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    let query = serde_urlencoded::to_string([
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", "http://localhost:8080"),
        ("state", "bye"),
    ])
    .expect("encodable");
    let response = org.get(&format!("/oauth2/default/v1/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(location.starts_with("http://localhost:8080"), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("bye"));

    let again = org.authorize(&authorize_query(&[])).await;
    assert_eq!(again.status(), StatusCode::OK, "the sign-in form again");
}

#[tokio::test]
async fn logout_refuses_an_unregistered_uri_or_a_missing_or_forged_hint() {
    let org = spawn_org(None).await;
    let tokens = org.tokens_for("jessie.smith@example.com", SCOPE).await;
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    for pairs in [
        vec![
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", "https://evil.example"),
        ],
        vec![("post_logout_redirect_uri", "http://localhost:8080")],
        vec![
            ("id_token_hint", "forged.token.here"),
            ("post_logout_redirect_uri", "http://localhost:8080"),
        ],
    ] {
        let query = serde_urlencoded::to_string(&pairs).expect("encodable");
        let response = org.get(&format!("/oauth2/default/v1/logout?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn logout_without_a_redirect_shows_a_signed_out_page() {
    let org = spawn_org(None).await;
    let response = org.get("/oauth2/default/v1/logout").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .expect("a page")
            .contains("signed out")
    );
}
