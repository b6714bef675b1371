//! `/v1/token`: Okta-shaped tokens, PKCE, single-use codes, client
//! authentication, refresh tokens.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TestOrg, authorize_query, claims, header, spawn_org,
};

async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error");
    let error = body["error"].as_str().expect("error").to_owned();
    let description = body["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (status, error, description)
}

async fn code_for(org: &TestOrg) -> String {
    org.sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await
}

#[tokio::test]
async fn the_code_flow_mints_tokens_shaped_like_oktas() {
    let org = spawn_org(None).await;
    let code = code_for(&org).await;
    let response = org.exchange(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.expect("JSON");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid profile email");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );

    let id_token = tokens["id_token"].as_str().expect("an ID token");
    assert_eq!(header(id_token)["alg"], "RS256");
    assert_eq!(header(id_token)["kid"], org.state.keys.kid());
    let id = claims(id_token);
    assert_eq!(id["sub"], "00u1jessiesmith0001x");
    assert_eq!(id["name"], "Jessie Smith");
    assert_eq!(id["email"], "jessie.smith@example.com");
    assert_eq!(id["preferred_username"], "jessie.smith@example.com");
    assert_eq!(id["ver"], 1);
    assert_eq!(id["iss"], org.issuer.as_str());
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["nonce"], "nonce-456");
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    assert_eq!(id["idp"], "00o1lok7a0000000000x");
    assert!(id["jti"].as_str().is_some_and(|jti| jti.starts_with("ID.")));
    assert!(id["auth_time"].is_i64() && id["at_hash"].is_string());
    assert_eq!(
        id["exp"]
            .as_i64()
            .zip(id["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(3600)
    );

    let access = claims(tokens["access_token"].as_str().expect("an access token"));
    assert_eq!(access["aud"], "api://default");
    assert_eq!(access["cid"], CLIENT_ID);
    assert_eq!(access["uid"], "00u1jessiesmith0001x");
    assert_eq!(access["sub"], "jessie.smith@example.com");
    assert_eq!(
        access["scp"],
        serde_json::json!(["openid", "profile", "email"])
    );
    assert_eq!(access["ver"], 1);
    assert!(
        access["jti"]
            .as_str()
            .is_some_and(|jti| jti.starts_with("AT."))
    );
}

#[tokio::test]
async fn a_code_works_once() {
    let org = spawn_org(None).await;
    let code = code_for(&org).await;
    assert_eq!(org.exchange(&code).await.status(), StatusCode::OK);
    let (status, error, _) = error_of(org.exchange(&code).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
}

#[tokio::test]
async fn a_wrong_or_missing_code_verifier_fails_pkce() {
    for verifier in [
        "a-different-verifier-of-quite-sufficient-length-0123456789",
        "",
    ] {
        let org = spawn_org(None).await;
        let code = code_for(&org).await;
        let response = org
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .await;
        let (_, error, description) = error_of(response).await;
        assert_eq!(error, "invalid_grant");
        assert_eq!(description, "PKCE verification failed.");
    }
}

#[tokio::test]
async fn the_token_requests_redirect_uri_must_match_the_authorization_requests() {
    let org = spawn_org(None).await;
    let code = code_for(&org).await;
    let response = org
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:8080/other"),
            ("code_verifier", crate::helpers::VERIFIER),
        ])
        .await;
    assert_eq!(error_of(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_a_challenge() {
    let org = spawn_org(None).await;
    let response = org
        .client
        .post(format!("{}/oauth2/default/v1/token", org.base))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .expect("an answer");
    assert!(response.headers().contains_key("www-authenticate"));
    let (status, error, _) = error_of(response).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
}

#[tokio::test]
async fn client_secret_post_works_and_both_methods_at_once_do_not() {
    let org = spawn_org(None).await;
    let code = code_for(&org).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", crate::helpers::VERIFIER),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    let url = format!("{}/oauth2/default/v1/token", org.base);
    let both = org
        .client
        .post(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .expect("an answer");
    assert_eq!(error_of(both).await.1, "invalid_request");
    let post = org
        .client
        .post(&url)
        .form(&form)
        .send()
        .await
        .expect("an answer");
    assert_eq!(post.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_or_missing_grant_types_are_refused() {
    let org = spawn_org(None).await;
    let unknown = org.token(&[("grant_type", "password")]).await;
    assert_eq!(error_of(unknown).await.1, "unsupported_grant_type");
    let missing = org.token(&[("code", "x")]).await;
    assert_eq!(error_of(missing).await.1, "invalid_request");
}

#[tokio::test]
async fn offline_access_gives_a_refresh_token_that_mints_new_tokens() {
    let org = spawn_org(None).await;
    let tokens = org
        .tokens_for(
            "kim.sato@example.com",
            "openid profile email offline_access",
        )
        .await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let response = org
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: Value = response.json().await.expect("JSON");
    let id = claims(refreshed["id_token"].as_str().expect("an ID token"));
    assert_eq!(id["preferred_username"], "kim.sato@example.com");
    assert!(
        id.get("nonce").is_none(),
        "a refreshed ID token has no nonce"
    );

    let widened = org
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", "openid admin"),
        ])
        .await;
    assert_eq!(error_of(widened).await.1, "invalid_scope");
    let unknown = org
        .token(&[("grant_type", "refresh_token"), ("refresh_token", "nope")])
        .await;
    assert_eq!(error_of(unknown).await.1, "invalid_grant");
}

#[tokio::test]
async fn without_openid_no_id_token_is_minted() {
    let org = spawn_org(None).await;
    let tokens = org.tokens_for("kim.sato@example.com", "profile").await;
    assert!(tokens.get("id_token").is_none());
    assert!(tokens["access_token"].is_string());
}
