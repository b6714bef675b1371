//! `HOOK_AUTH=oauth2`: Okta's call carries `Authorization: Bearer <JWT>`,
//! an access token from the authorization server's token URL. Here the
//! authorization server is a real local-okta on a free port, minting with
//! its own keys for its service app (client credentials, scope
//! `patients.read`), so the hook verifies exactly what an Okta org mints.

use std::sync::Arc;
use std::time::Duration;

use hook_service::auth::Authenticator;
use hook_service::bearer::BearerVerifier;
use hook_service::configuration::OAuth2Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::helpers::{GUIDE_AUTHORIZATION, TestApp, request_for, spawn_app_with};

/// The seed org's service app (local-okta's `org.toml`).
const SERVICE_CLIENT_ID: &str = "0oa1lok7aservice0001";
const SERVICE_CLIENT_SECRET: &str = "local-okta-demo-service-secret-not-for-production";
const API_TOKEN: &str = "00-local-okta-demo-api-token";

struct Issuer {
    /// `http://127.0.0.1:<port>/oauth2/default`.
    url: String,
    client: reqwest::Client,
}

impl Issuer {
    async fn spawn() -> Issuer {
        // local-okta calls its own token hook on client credentials too;
        // nothing listens there (port 1), so it mints the tokens unchanged.
        let hook_url = "http://127.0.0.1:1/tokenHook";
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = local_okta::spawn(listener, hook_url, "http://127.0.0.1:1/callback")
            .await
            .expect("local-okta starts");
        Issuer {
            url,
            client: reqwest::Client::new(),
        }
    }

    /// An access token for the service app with `scope`.
    async fn access_token(&self, scope: &str) -> String {
        let response = self
            .client
            .post(format!("{}/v1/token", self.url))
            .basic_auth(SERVICE_CLIENT_ID, Some(SERVICE_CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        body["access_token"].as_str().expect("a token").to_owned()
    }

    async fn rotate_key(&self) {
        let origin = self.url.trim_end_matches("/oauth2/default");
        let response = self
            .client
            .post(format!(
                "{origin}/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate"
            ))
            .header("authorization", format!("SSWS {API_TOKEN}"))
            .json(&json!({ "use": "sig" }))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
    }
}

async fn hook_for(issuer: &Issuer, audience: &str, scope: &str) -> TestApp {
    hook_for_client(issuer, audience, scope, SERVICE_CLIENT_ID).await
}

async fn hook_for_client(issuer: &Issuer, audience: &str, scope: &str, client: &str) -> TestApp {
    // Shipped, the key set is fetched at most every 5 s; a test cannot wait.
    let verifier = BearerVerifier::new(OAuth2Settings {
        issuer: issuer.url.clone(),
        audience: audience.to_owned(),
        scope: scope.to_owned(),
        client_id: client.to_owned(),
    })
    .expect("a verifier")
    .with_refetch_after(Duration::ZERO);
    spawn_app_with(Authenticator::Bearer(Arc::new(verifier))).await
}

async fn call_with(app: &TestApp, authorization: &str) -> StatusCode {
    app.client
        .post(format!("{}/tokenHook", app.address))
        .header("authorization", authorization)
        .json(&request_for("jessie.smith@example.com"))
        .send()
        .await
        .expect("an answer")
        .status()
}

#[tokio::test]
async fn a_token_from_the_issuer_with_the_scope_is_accepted() {
    let issuer = Issuer::spawn().await;
    let app = hook_for(&issuer, "api://default", "patients.read").await;
    let token = issuer.access_token("patients.read").await;
    let response = app
        .client
        .post(format!("{}/tokenHook", app.address))
        .bearer_auth(&token)
        .json(&request_for("jessie.smith@example.com"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["commands"][0]["value"][0]["value"], "1235");
    // The scheme is case-insensitive.
    assert_eq!(
        call_with(&app, &format!("bearer {token}")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn anything_but_a_valid_token_for_this_hook_is_refused() {
    let issuer = Issuer::spawn().await;
    let token = issuer.access_token("patients.read").await;
    let app = hook_for(&issuer, "api://default", "patients.read").await;

    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let (_, rest) = token.split_once('.').expect("a JWT");
    let none_header = "eyJhbGciOiJub25lIiwia2lkIjoieCJ9"; // {"alg":"none","kid":"x"}
    let unsigned = format!("{none_header}.{}", rest.rsplit_once('.').expect("a JWT").0);
    for (case, authorization) in [
        ("no token", "Bearer ".to_owned()),
        ("the guide's Basic secret", GUIDE_AUTHORIZATION.to_owned()),
        ("a tampered signature", format!("Bearer {tampered}")),
        ("alg none", format!("Bearer {unsigned}.")),
        ("not a JWT", "Bearer not-a-jwt".to_owned()),
    ] {
        assert_eq!(
            call_with(&app, &authorization).await,
            StatusCode::UNAUTHORIZED,
            "{case}"
        );
    }

    // The same good token, for a hook expecting another audience or scope.
    let other_audience = hook_for(&issuer, "api://other", "patients.read").await;
    assert_eq!(
        call_with(&other_audience, &format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
    let other_scope = hook_for(&issuer, "api://default", "patients.write").await;
    assert_eq!(
        call_with(&other_scope, &format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
    // A token of the right issuer, audience and scope, but another client's
    // (any app's user could get one): refused.
    let other_client = hook_for_client(
        &issuer,
        "api://default",
        "patients.read",
        "0oa-the-hook-caller",
    )
    .await;
    assert_eq!(
        call_with(&other_client, &format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
    // The challenge names the scheme the hook expects.
    let refused = app
        .client
        .post(format!("{}/tokenHook", app.address))
        .json(&request_for("jessie.smith@example.com"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        refused.headers()["www-authenticate"],
        r#"Bearer realm="token-hook", error="invalid_token""#
    );
    // A token of another issuer (another local-okta, other keys).
    let stranger = Issuer::spawn().await;
    let foreign = stranger.access_token("patients.read").await;
    assert_eq!(
        call_with(&app, &format!("Bearer {foreign}")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn after_the_issuer_rotates_its_key_the_hook_fetches_the_keys_again() {
    let issuer = Issuer::spawn().await;
    let app = hook_for(&issuer, "api://default", "patients.read").await;
    let before = issuer.access_token("patients.read").await;
    assert_eq!(
        call_with(&app, &format!("Bearer {before}")).await,
        StatusCode::OK
    );

    issuer.rotate_key().await;
    let after = issuer.access_token("patients.read").await;
    // A kid the hook has not seen: it fetches the set again, without a restart.
    assert_eq!(
        call_with(&app, &format!("Bearer {after}")).await,
        StatusCode::OK
    );
    // The old key stays published, so the earlier token still verifies.
    assert_eq!(
        call_with(&app, &format!("Bearer {before}")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_key_the_issuer_withdrew_stops_verifying_once_the_keys_are_old() {
    let issuer = Issuer::spawn().await;
    let verifier = BearerVerifier::new(OAuth2Settings {
        issuer: issuer.url.clone(),
        audience: "api://default".to_owned(),
        scope: "patients.read".to_owned(),
        client_id: SERVICE_CLIENT_ID.to_owned(),
    })
    .expect("a verifier")
    .with_refetch_after(Duration::ZERO)
    // Shipped, an hour; here every call finds the set old.
    .with_keys_max_age(Duration::ZERO);
    let app = spawn_app_with(Authenticator::Bearer(Arc::new(verifier))).await;
    let old = issuer.access_token("patients.read").await;
    assert_eq!(
        call_with(&app, &format!("Bearer {old}")).await,
        StatusCode::OK
    );
    // local-okta keeps two replaced keys: three rotations withdraw the first.
    for _ in 0..3 {
        issuer.rotate_key().await;
    }
    assert_eq!(
        call_with(&app, &format!("Bearer {old}")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_issuer_that_cannot_be_reached_gets_503_not_401() {
    // Nothing listens on port 1.
    let issuer = Issuer {
        url: "http://127.0.0.1:1/oauth2/default".to_owned(),
        client: reqwest::Client::new(),
    };
    let real = Issuer::spawn().await;
    let token = real.access_token("patients.read").await;
    let app = hook_for(&issuer, "api://default", "patients.read").await;
    assert_eq!(
        call_with(&app, &format!("Bearer {token}")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn forged_kids_cannot_make_the_hook_fetch_keys_on_every_call() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let fetches = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let issuer = format!(
        "http://{}/oauth2/default",
        listener.local_addr().expect("addr")
    );
    let jwks_uri = format!("{issuer}/v1/keys");
    let counted = fetches.clone();
    let discovery = json!({ "issuer": issuer, "jwks_uri": jwks_uri });
    let routes = axum::Router::new()
        .route(
            "/oauth2/default/.well-known/openid-configuration",
            axum::routing::get(move || async move { axum::Json(discovery) }),
        )
        .route(
            "/oauth2/default/v1/keys",
            axum::routing::get(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({ "keys": [] }))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, routes).await });
    // An hour rather than the shipped 5 s, so that ten calls on a busy
    // machine stay within one interval.
    let verifier = BearerVerifier::new(OAuth2Settings {
        issuer,
        audience: "api://default".to_owned(),
        scope: "patients.read".to_owned(),
        client_id: SERVICE_CLIENT_ID.to_owned(),
    })
    .expect("a verifier")
    .with_refetch_after(Duration::from_secs(3600));
    let app = spawn_app_with(Authenticator::Bearer(Arc::new(verifier))).await;
    for kid in 0..10 {
        // {"alg":"RS256","kid":"forged-<n>"}, any payload, any signature.
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            format!(r#"{{"alg":"RS256","kid":"forged-{kid}"}}"#),
        );
        let token = format!("{header}.e30.c2ln");
        assert_eq!(
            call_with(&app, &format!("Bearer {token}")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch for ten forged kids"
    );
}
