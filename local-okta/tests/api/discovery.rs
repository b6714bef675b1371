//! Discovery and keys publish the exact issuer, and the ID tokens local-okta
//! mints verify with the openidconnect crate, as the sample app uses it.

use openidconnect::core::{CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, Nonce};
use serde_json::Value;

use crate::helpers::{CLIENT_ID, CLIENT_SECRET, spawn_org};

#[tokio::test]
async fn discovery_publishes_the_exact_issuer_and_oktas_endpoints() {
    let org = spawn_org(None).await;
    for path in [
        "/oauth2/default/.well-known/openid-configuration",
        "/oauth2/default/.well-known/oauth-authorization-server",
    ] {
        let metadata: Value = org.get(path).await.json().await.expect("JSON");
        assert_eq!(metadata["issuer"], org.issuer.as_str(), "{path}");
        for (key, endpoint) in [
            ("authorization_endpoint", "/v1/authorize"),
            ("token_endpoint", "/v1/token"),
            ("jwks_uri", "/v1/keys"),
            ("userinfo_endpoint", "/v1/userinfo"),
            ("end_session_endpoint", "/v1/logout"),
            ("introspection_endpoint", "/v1/introspect"),
            ("revocation_endpoint", "/v1/revoke"),
        ] {
            assert_eq!(metadata[key], format!("{}{endpoint}", org.issuer), "{key}");
        }
        assert_eq!(metadata["code_challenge_methods_supported"][0], "S256");
    }
}

#[tokio::test]
async fn keys_publish_one_rs256_key_with_a_kid() {
    let org = spawn_org(None).await;
    let keys: Value = org
        .get("/oauth2/default/v1/keys")
        .await
        .json()
        .await
        .expect("JSON");
    let key = &keys["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"], org.state.keys.kid());
}

#[tokio::test]
async fn id_tokens_verify_with_the_openidconnect_crate() {
    let org = spawn_org(None).await;
    let tokens = org
        .tokens_for("jessie.smith@example.com", "openid profile email")
        .await;

    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let issuer = IssuerUrl::new(org.issuer.clone()).expect("an issuer URL");
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT_ID.to_owned()),
        Some(ClientSecret::new(CLIENT_SECRET.to_owned())),
    );
    let id_token: CoreIdToken = tokens["id_token"]
        .as_str()
        .expect("an ID token")
        .parse()
        .expect("a JWT");
    let claims = id_token
        .claims(
            &client.id_token_verifier(),
            &Nonce::new("nonce-456".to_owned()),
        )
        .expect("the ID token verifies");
    assert_eq!(
        claims.preferred_username().map(|name| name.as_str()),
        Some("jessie.smith@example.com")
    );
    let wrong_nonce = id_token.claims(&client.id_token_verifier(), &Nonce::new("other".to_owned()));
    assert!(wrong_nonce.is_err(), "a wrong nonce is caught");
}
