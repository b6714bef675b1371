//! Where, when and for whom the hook fires, grant by grant
//! (docs/token-hook-protocol.md §1 and §2): the code and implicit flows at
//! `/v1/authorize`, refresh and client credentials at `/v1/token`, the
//! policy rule's grant types, the authorization server's claims, the token
//! events of the System Log, and execute's retry.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    API_TOKEN, CLIENT_ID, PASSWORD, SPA_ID, SPA_REDIRECT_URI, TestOrg, all_rules, authorize_query,
    claims, location, query_param, spawn_custom_org, spawn_org,
};
use crate::stub_hook::{Answer, StubHook};

const JESSIE_ID: &str = "00u1jessiesmith0001x";

fn patch(command_type: &str, operations: Value) -> Answer {
    Answer::Json(json!({ "commands": [ { "type": command_type, "value": operations } ] }))
}

/// The pairs of a redirect's fragment.
fn fragment_params(location: &str) -> Vec<(String, String)> {
    let url = url::Url::parse(location).expect("a URL");
    let fragment = url.fragment().expect("a fragment").to_owned();
    serde_urlencoded::from_str(&fragment).expect("form-encoded")
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The SPA's implicit request with `response_type`.
fn implicit_query(response_type: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", SPA_ID),
        ("redirect_uri", SPA_REDIRECT_URI),
        ("response_type", response_type),
        ("scope", "openid profile"),
        ("state", "spa-state"),
        ("nonce", "spa-nonce"),
    ];
    for (key, value) in extra {
        pairs.retain(|(existing, _)| existing != key);
        pairs.push((key, value));
    }
    serde_urlencoded::to_string(&pairs).expect("encodable")
}

/// Signs jessie in through the SPA; returns the redirect's `Location`.
async fn implicit_sign_in(org: &TestOrg, query: &str) -> String {
    org.authorize(query).await;
    let response = org
        .submit_sign_in(query, "jessie.smith@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    location(&response)
}

#[tokio::test]
async fn the_code_flow_calls_the_hook_at_authorize_with_the_extra_parameters_sent() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    let query = authorize_query(&[("patient_context", "ward-7")]);
    org.sign_in_for_code("jessie.smith@example.com", &query)
        .await;
    let calls = stub.received();
    assert_eq!(
        calls.len(),
        1,
        "the hook ran before the redirect with the code"
    );
    let request = &calls[0].body["data"]["context"]["request"];
    assert_eq!(request["method"], "GET");
    let url = request["url"]["value"].as_str().expect("a URL");
    assert!(
        url.starts_with(&format!("{}/v1/authorize?", org.issuer)),
        "{url}"
    );
    assert!(url.contains("patient_context=ward-7"), "{url}");
}

#[tokio::test]
async fn a_refresh_calls_the_hook_at_the_token_endpoint_with_a_post() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    let tokens = org
        .tokens_for("jessie.smith@example.com", "openid offline_access")
        .await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let response = org
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let call = &stub.received()[1].body;
    assert_eq!(call["source"], format!("{}/v1/token", org.issuer));
    assert_eq!(call["data"]["context"]["request"]["method"], "POST");
    assert_eq!(
        call["data"]["context"]["protocol"]["request"]["grant_type"],
        "refresh_token"
    );
}

#[tokio::test]
async fn client_credentials_call_the_hook_with_no_user_and_the_client_as_subject() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    let response = org.client_credentials("patients.read").await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("JSON");
    assert!(tokens.get("id_token").is_none());
    let access = claims(tokens["access_token"].as_str().expect("an access token"));
    assert_eq!(access["sub"], "0oa1lok7aservice0001");

    let call = &stub.received()[0].body;
    assert_eq!(call["source"], format!("{}/v1/token", org.issuer));
    let data = &call["data"];
    assert!(
        data.get("identity").is_none(),
        "no ID token, so no identity"
    );
    for absent in ["user", "session"] {
        assert!(data["context"].get(absent).is_none(), "no {absent}");
    }
    let hooked = &data["access"]["claims"];
    assert_eq!(hooked["sub"], "0oa1lok7aservice0001");
    assert_eq!(hooked["cid"], "0oa1lok7aservice0001");
    assert_eq!(hooked["scp"], json!(["patients.read"]));
    assert_eq!(
        data["context"]["protocol"]["request"]["grant_type"],
        "client_credentials"
    );
}

#[tokio::test]
async fn an_id_token_patch_for_client_credentials_is_discarded() {
    let answer = patch(
        "com.okta.identity.patch",
        json!([ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ]),
    );
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let response = org.client_credentials("patients.read").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "tokens unchanged, not refused"
    );
    let events = org
        .system_log_where(r#"eventType eq "inline_hook.response.processed""#)
        .await;
    assert_eq!(events[0]["outcome"]["result"], "FAILURE");
}

#[tokio::test]
async fn client_credentials_may_not_ask_for_openid_scopes() {
    let org = spawn_org(None).await;
    let response = org.client_credentials("openid patients.read").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn the_implicit_flow_returns_tokens_in_the_fragment_after_the_hook_at_authorize() {
    let answer = patch(
        "com.okta.identity.patch",
        json!([ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ]),
    );
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let location = implicit_sign_in(&org, &implicit_query("id_token token", &[])).await;
    assert!(location.starts_with(SPA_REDIRECT_URI), "{location}");
    let pairs = fragment_params(&location);
    assert_eq!(param(&pairs, "state"), Some("spa-state"));
    assert_eq!(param(&pairs, "token_type"), Some("Bearer"));
    let id = claims(param(&pairs, "id_token").expect("an ID token"));
    assert_eq!(id["extPatientId"], "1235");
    assert_eq!(id["nonce"], "spa-nonce");
    assert_eq!(id["aud"], SPA_ID);
    assert!(param(&pairs, "access_token").is_some());

    let call = &stub.received()[0].body;
    assert_eq!(call["source"], format!("{}/v1/authorize", org.issuer));
    let protocol = &call["data"]["context"]["protocol"];
    assert_eq!(protocol["client"]["type"], "PUBLIC");
    assert_eq!(protocol["request"]["response_type"], "id_token token");
}

#[tokio::test]
async fn an_access_patch_with_response_type_id_token_discards_the_whole_answer() {
    let answer = Answer::Json(json!({ "commands": [
        { "type": "com.okta.identity.patch", "value": [
            { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] },
        { "type": "com.okta.access.patch", "value": [
            { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] },
    ] }));
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let location = implicit_sign_in(&org, &implicit_query("id_token", &[])).await;
    let pairs = fragment_params(&location);
    assert!(param(&pairs, "access_token").is_none());
    let id = claims(param(&pairs, "id_token").expect("an ID token"));
    assert!(id.get("extPatientId").is_none(), "all or nothing");
    assert!(stub.received()[0].body["data"].get("access").is_none());
    let events = org
        .system_log_where(r#"eventType eq "inline_hook.response.processed""#)
        .await;
    assert_eq!(events[0]["outcome"]["result"], "FAILURE");
}

#[tokio::test]
async fn the_implicit_flow_needs_a_nonce_and_can_answer_by_form_post() {
    let org = spawn_org(None).await;
    let response = org
        .authorize(&implicit_query("id_token", &[("nonce", "")]))
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let pairs = fragment_params(&location(&response));
    assert_eq!(param(&pairs, "error"), Some("invalid_request"));

    let query = implicit_query("id_token", &[("response_mode", "form_post")]);
    org.authorize(&query).await;
    let response = org
        .submit_sign_in(&query, "jessie.smith@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains(&format!(r#"action="{SPA_REDIRECT_URI}""#)),
        "{page}"
    );
    assert!(page.contains(r#"name="id_token""#), "{page}");
}

#[tokio::test]
async fn a_grant_the_rule_does_not_allow_gets_oktas_errors() {
    let org = spawn_custom_org(None, Duration::from_secs(3), |org| {
        for rule in all_rules(org) {
            rule.grant_types = vec!["authorization_code".to_owned()];
        }
    })
    .await;
    let response = org.authorize(&implicit_query("id_token", &[])).await;
    let pairs = fragment_params(&location(&response));
    assert_eq!(param(&pairs, "error"), Some("no_matching_policy"));

    let response = org.client_credentials("patients.read").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "access_denied");
}

#[tokio::test]
async fn an_app_asking_for_a_grant_it_does_not_have_is_unauthorized() {
    let org = spawn_org(None).await;
    let query = authorize_query(&[("response_type", "id_token")]);
    let response = org.authorize(&query).await;
    let pairs = fragment_params(&location(&response));
    assert_eq!(param(&pairs, "error"), Some("unauthorized_client"));
}

#[tokio::test]
async fn authorization_server_claims_reach_the_hook_and_the_hook_may_replace_them() {
    let answer = patch(
        "com.okta.identity.patch",
        json!([ { "op": "replace", "path": "/claims/department", "value": "Cardiology (West)" } ]),
    );
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let tokens = org
        .tokens_for("jessie.smith@example.com", "openid profile")
        .await;
    let sent = &stub.received()[0].body["data"];
    assert_eq!(sent["identity"]["claims"]["department"], "Cardiology");
    assert_eq!(sent["identity"]["claims"]["clinic"], "Okta Health Clinic");
    assert_eq!(
        sent["access"]["claims"]["groups"],
        json!(["Everyone", "Patients"])
    );
    let id = claims(tokens["id_token"].as_str().expect("an ID token"));
    assert_eq!(id["department"], "Cardiology (West)");
    let access = claims(tokens["access_token"].as_str().expect("an access token"));
    assert_eq!(access["department"], "Cardiology");
}

#[tokio::test]
async fn token_events_are_logged_with_client_user_address_and_session_and_filter() {
    let org = spawn_org(None).await;
    org.tokens_for("jessie.smith@example.com", "openid profile")
        .await;
    let events = org
        .system_log_where(&format!(
            r#"eventType eq "app.oauth2.as.token.grant.id_token" and target.id eq "{JESSIE_ID}""#
        ))
        .await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(event["actor"]["id"], CLIENT_ID);
    assert_eq!(
        event["target"][0]["alternateId"],
        "jessie.smith@example.com"
    );
    assert_eq!(event["client"]["ipAddress"], "127.0.0.1");
    assert!(event["authenticationContext"]["externalSessionId"].is_string());
    for event_type in [
        "app.oauth2.as.authorize.code",
        "app.oauth2.as.token.grant.access_token",
    ] {
        let found = org
            .system_log_where(&format!(r#"eventType eq "{event_type}""#))
            .await;
        assert_eq!(found.len(), 1, "{event_type}");
    }

    let failed = org.exchange("not-a-code").await;
    assert_eq!(failed.status(), StatusCode::BAD_REQUEST);
    let failures = org
        .system_log_where(
            r#"outcome.result eq "FAILURE" and eventType eq "app.oauth2.as.token.grant""#,
        )
        .await;
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0]["outcome"]["reason"], "invalid_grant");
}

#[tokio::test]
async fn execute_waits_and_tries_once_more_when_no_answer_came() {
    let answer = json!({ "commands": [] });
    let stub = StubHook::spawn(Answer::HangOnce(answer.clone())).await;
    let org = spawn_custom_org(Some(&stub.url), Duration::from_secs(2), |_| {}).await;
    let execute = |org: &TestOrg| {
        org.client
            .post(format!(
                "{}/api/v1/inlineHooks/cal1lok7apatienthk0x/execute",
                org.base
            ))
            .header("Authorization", format!("SSWS {API_TOKEN}"))
            .json(&json!({ "eventType": "com.okta.oauth2.tokens.transform", "data": {} }))
            .send()
    };
    let response = execute(&org).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.expect("JSON"), answer);
    assert_eq!(stub.received().len(), 2, "one retry after the timeout");

    let silent = StubHook::spawn(Answer::Hang).await;
    let org = spawn_custom_org(Some(&silent.url), Duration::from_secs(2), |_| {}).await;
    let response = execute(&org).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errorCode"], "E0000001");
    assert!(body["errorSummary"].is_string() && body["errorId"].is_string());
    assert_eq!(silent.received().len(), 2);
}

#[tokio::test]
async fn sign_out_accepts_the_registered_uri_with_a_trailing_slash() {
    let org = spawn_org(None).await;
    let tokens = org
        .tokens_for("jessie.smith@example.com", "openid profile")
        .await;
    let hint = tokens["id_token"].as_str().expect("an ID token");
    let query = serde_urlencoded::to_string([
        ("id_token_hint", hint),
        // What @okta/oidc-middleware sends for a registered `http://localhost:8080`.
        ("post_logout_redirect_uri", "http://localhost:8080/"),
    ])
    .expect("encodable");
    let response = org.get(&format!("/oauth2/default/v1/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(location(&response).starts_with("http://localhost:8080/"));
    assert_eq!(query_param(&location(&response), "error"), None);
}

#[tokio::test]
async fn a_client_cannot_introspect_or_revoke_another_clients_token() {
    let org = spawn_org(None).await;
    let tokens = org
        .tokens_for("jessie.smith@example.com", "openid offline_access")
        .await;
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
    let access = tokens["access_token"].as_str().expect("an access token");
    // The SPA is a public client: its id alone authenticates it.
    for endpoint in ["introspect", "revoke"] {
        for token in [refresh, access] {
            let response = org
                .client
                .post(format!("{}/oauth2/default/v1/{endpoint}", org.base))
                .form(&[("client_id", SPA_ID), ("token", token)])
                .send()
                .await
                .expect("an answer");
            assert_eq!(response.status(), StatusCode::OK);
            if endpoint == "introspect" {
                let body: Value = response.json().await.expect("JSON");
                assert_eq!(body["active"], false, "not the SPA's token");
            }
        }
    }
    let refreshed = org
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(
        refreshed.status(),
        StatusCode::OK,
        "the SPA revoked nothing"
    );
}

#[tokio::test]
async fn a_public_client_needs_pkce_and_an_id_token_needs_openid() {
    let org = spawn_custom_org(None, Duration::from_secs(3), |org| {
        if let Some(spa) = org.apps.iter_mut().find(|app| app.client_id == SPA_ID) {
            spa.grant_types.push("authorization_code".to_owned());
        }
    })
    .await;
    let without_pkce = serde_urlencoded::to_string([
        ("client_id", SPA_ID),
        ("redirect_uri", SPA_REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "spa-state"),
    ])
    .expect("encodable");
    let response = org.authorize(&without_pkce).await;
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );
    let response = org
        .authorize(&implicit_query("id_token", &[("scope", "profile")]))
        .await;
    let pairs = fragment_params(&location(&response));
    assert_eq!(param(&pairs, "error"), Some("invalid_scope"));
}

#[tokio::test]
async fn a_user_in_no_group_assigned_to_the_app_is_turned_away() {
    let org = spawn_custom_org(None, Duration::from_secs(3), |org| {
        // The SPA is assigned to Patients only: test.user is not in it.
        let patients = org
            .groups
            .iter()
            .find(|group| group.name == "Patients")
            .map(|group| group.id.clone())
            .expect("a Patients group");
        if let Some(spa) = org.apps.iter_mut().find(|app| app.client_id == SPA_ID) {
            spa.assigned_groups = vec![patients];
        }
    })
    .await;
    let query = implicit_query("id_token", &[]);
    org.authorize(&query).await;
    let response = org
        .submit_sign_in(&query, "test.user@example.com", PASSWORD)
        .await;
    let pairs = fragment_params(&location(&response));
    assert_eq!(param(&pairs, "error"), Some("access_denied"));
    // Signed in as test.user now: a fresh sign-in needs prompt=login.
    let allowed = implicit_sign_in(&org, &implicit_query("id_token", &[("prompt", "login")])).await;
    assert!(param(&fragment_params(&allowed), "id_token").is_some());
}
