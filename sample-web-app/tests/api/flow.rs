//! The guide's scenario, walked step by step: sign in, My Profile, logout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use token_hook::{PatientClaims, PatientId};

use crate::helpers::{claim_cell, location, query_param, raw_id_token, spawn_world};

#[tokio::test]
async fn the_id_token_a_patient_gets_carries_the_claim_the_shared_type_reads() {
    let world = spawn_world().await;
    world.sign_in("kim.sato@example.com").await;

    let (_, profile) = world.page("/profile").await;
    let id_token = raw_id_token(&profile);
    let payload = id_token.split('.').nth(1).expect("a JWT payload");
    let payload = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    let claims: PatientClaims = serde_json::from_slice(&payload).expect("ID token claims");
    assert_eq!(claims.ext_patient_id, Some(PatientId::new("6789")));
}

#[tokio::test]
async fn a_client_credentials_call_reaches_the_real_hook_which_answers_204() {
    let world = spawn_world().await;
    let response = world
        .client
        .post(format!("{}/v1/token", world.issuer))
        .basic_auth(
            "0oa1lok7aservice0001",
            Some("local-okta-demo-service-secret-not-for-production"),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "patients.read"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let events: serde_json::Value = world
        .okta_api(reqwest::Method::GET, "/logs")
        .query(&[("filter", r#"eventType eq "inline_hook.response.processed""#)])
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let debug = &events[0]["debugContext"]["debugData"];
    assert_eq!(
        debug["http_status"], "204",
        "no ID token, so nothing to add"
    );
    assert_eq!(events[0]["outcome"]["result"], "SUCCESS");
}

#[tokio::test]
async fn a_patient_sees_ext_patient_id_on_my_profile() {
    let world = spawn_world().await;

    let (status, home) = world.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(r#"id="login-button""#));

    let authorize = world.start_login("/login").await;
    assert_eq!(
        query_param(&authorize, "scope").as_deref(),
        Some("openid profile email")
    );
    assert_eq!(
        query_param(&authorize, "response_type").as_deref(),
        Some("code")
    );
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(
        query_param(&authorize, "state").is_some() && query_param(&authorize, "nonce").is_some()
    );
    assert_eq!(
        query_param(&authorize, "redirect_uri"),
        Some(format!("{}/authorization-code/callback", world.app))
    );

    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    let landed = world.get(&callback).await;
    assert_eq!(landed.status(), StatusCode::FOUND);
    assert_eq!(location(&landed), "/");

    let (_, home) = world.page("/").await;
    assert!(home.contains("Welcome back, Jessie Smith!"), "{home}");
    assert!(home.contains(r#"id="logout-button""#));

    let (status, profile) = world.page("/profile").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        claim_cell(&profile, "extPatientId").as_deref(),
        Some("1235")
    );
    assert!(profile.contains("added by the token inline hook"));
    assert_eq!(
        claim_cell(&profile, "preferred_username").as_deref(),
        Some("jessie.smith@example.com")
    );
    assert_eq!(claim_cell(&profile, "iss"), Some(world.issuer.clone()));
    assert!(profile.contains(r#"id="raw-id-token""#));
}

#[tokio::test]
async fn a_user_who_is_not_a_patient_has_no_ext_patient_id_row() {
    let world = spawn_world().await;
    world.sign_in("test.user@example.com").await;
    let (status, profile) = world.page("/profile").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(claim_cell(&profile, "extPatientId"), None);
    assert!(profile.contains(r#"id="not-a-patient""#));
    assert_eq!(
        claim_cell(&profile, "email").as_deref(),
        Some("test.user@example.com")
    );
}

#[tokio::test]
async fn profile_sends_signed_out_visitors_through_sign_in_and_back() {
    let world = spawn_world().await;
    let response = world.get(&format!("{}/profile", world.app)).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/login?return_to=%2Fprofile");

    let authorize = world.start_login("/login?return_to=%2Fprofile").await;
    let callback = world
        .sign_in_at_okta(&authorize, "kim.sato@example.com")
        .await;
    let landed = world.get(&callback).await;
    assert_eq!(location(&landed), "/profile");
    let (_, profile) = world.page("/profile").await;
    assert_eq!(
        claim_cell(&profile, "extPatientId").as_deref(),
        Some("6789")
    );
}

#[tokio::test]
async fn logout_signs_out_here_and_at_the_authorization_server() {
    let world = spawn_world().await;
    world.sign_in("jessie.smith@example.com").await;
    let csrf = world.csrf_token().await;

    let response = world
        .client
        .post(format!("{}/logout", world.app))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::FOUND);
    let end_session = location(&response);
    assert!(
        end_session.starts_with(&format!("{}/v1/logout?", world.issuer)),
        "{end_session}"
    );
    assert!(query_param(&end_session, "id_token_hint").is_some());
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri"),
        Some(world.app.clone())
    );

    let back = world.get(&end_session).await;
    assert_eq!(back.status(), StatusCode::FOUND);
    assert!(location(&back).starts_with(&world.app));

    let (_, home) = world.page("/").await;
    assert!(home.contains(r#"id="login-button""#), "signed out");
    let again = world.get(&format!("{}/profile", world.app)).await;
    assert_eq!(location(&again), "/login?return_to=%2Fprofile");
    // Signed out at local-okta too: its sign-in form shows again.
    let authorize = world.start_login("/login").await;
    assert_eq!(world.get(&authorize).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_cookies_are_http_only_lax_and_apart_from_local_oktas() {
    let world = spawn_world().await;
    let response = world.get(&format!("{}/login", world.app)).await;
    let cookies = set_cookies(&response);
    assert_eq!(
        cookies.len(),
        1,
        "only the sign-in in progress: {cookies:?}"
    );
    let login = &cookies[0];
    assert!(login.starts_with("sample_app_login="), "{login}");
    assert!(
        login.contains("HttpOnly") && login.contains("SameSite=Lax"),
        "{login}"
    );
    assert!(login.contains("Max-Age=600"), "short-lived: {login}");
    assert!(!login.contains("Secure"), "http://localhost is not https");

    let authorize = location(&response);
    let callback = world
        .sign_in_at_okta(&authorize, "jessie.smith@example.com")
        .await;
    let landed = world.get(&callback).await;
    let session = set_cookies(&landed)
        .into_iter()
        .find(|cookie| cookie.starts_with("sample_app_session="))
        .expect("a session once signed in");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ASCII").to_owned())
        .collect()
}

#[tokio::test]
async fn the_configuration_panel_masks_the_secret() {
    let world = spawn_world().await;
    let (_, home) = world.page("/").await;
    let secret = sample_web_app::configuration::LOCAL_OKTA_CLIENT_SECRET;
    assert!(!home.contains(secret));
    assert!(home.contains(&format!("••••••••{}", &secret[secret.len() - 4..])));
    assert!(home.contains(&world.issuer));
    let (status, css) = world.page("/static/app.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(".badge"));
}

#[tokio::test]
async fn with_oauth_2_hook_authentication_a_patient_still_gets_the_claim() {
    // local-okta fetches a token for the hook from its own token endpoint,
    // and hook-service verifies it against local-okta's keys.
    let world = crate::helpers::spawn_world_with_oauth_hook().await;
    world.sign_in("jessie.smith@example.com").await;
    let (_, profile) = world.page("/profile").await;
    assert_eq!(
        claim_cell(&profile, "extPatientId").as_deref(),
        Some("1235")
    );
    // Okta's hook listing shows the OAUTH channel, never its secret.
    let hooks: serde_json::Value = world
        .okta_api(reqwest::Method::GET, "/inlineHooks")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let channel = &hooks[0]["channel"];
    assert_eq!(channel["type"], "OAUTH");
    assert_eq!(channel["config"]["authType"], "client_secret_post");
    assert!(!hooks.to_string().contains("a-hook-caller-secret-for-tests"));
}
