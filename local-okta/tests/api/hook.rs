//! Every row of docs/token-hook-protocol.md §4 against a stub hook, with the System Log entry
//! each one leaves.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, REDIRECT_URI, TestOrg, authorize_query, claims, location, query_param,
    spawn_custom_org, spawn_org, spawn_org_with_timeout,
};
use crate::stub_hook::{Answer, StubHook, unreachable_url};

const SCOPE: &str = "openid profile email";

/// Signs jessie in with the hook answering `answer`; returns the token
/// endpoint's answer, the org and the stub.
async fn sign_in_with(answer: Answer) -> (reqwest::Response, TestOrg, StubHook) {
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    let response = org.exchange(&code).await;
    (response, org, stub)
}

/// The ID and access token claims of a successful token answer.
async fn minted(response: reqwest::Response) -> (Value, Value) {
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("JSON");
    let id = claims(tokens["id_token"].as_str().expect("an ID token"));
    let access = claims(tokens["access_token"].as_str().expect("an access token"));
    (id, access)
}

/// The only hook event in the System Log, which must be of `event_type`
/// (token events such as `app.oauth2.as.authorize.code` sit beside it).
async fn only_event(org: &TestOrg, event_type: &str) -> Value {
    let events: Vec<Value> = org
        .system_log()
        .await
        .into_iter()
        .filter(|event| {
            event["eventType"]
                .as_str()
                .is_some_and(|t| t.starts_with("inline_hook."))
        })
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["eventType"], event_type);
    events[0].clone()
}

fn id_patch(operations: Value) -> Answer {
    Answer::Json(
        json!({ "commands": [ { "type": "com.okta.identity.patch", "value": operations } ] }),
    )
}

/// Signs in with a patch Okta must reject: tokens unchanged, one FAILURE
/// `inline_hook.response.processed` with `message`.
async fn assert_rejected(answer: Answer, message: &str) {
    let (response, org, _) = sign_in_with(answer).await;
    let (id, _) = minted(response).await;
    assert!(id.get("extPatientId").is_none() && id.get("x").is_none());
    assert_eq!(
        id["exp"]
            .as_i64()
            .zip(id["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(3600)
    );
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(event["outcome"]["result"], "FAILURE");
    assert_eq!(event["debugContext"]["debugData"]["error_message"], message);
}

#[tokio::test]
async fn the_hook_receives_the_request_okta_sends() {
    let (response, org, stub) = sign_in_with(Answer::Status(204)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let received = stub.received();
    assert_eq!(received.len(), 1, "called once, never retried");
    let call = &received[0];
    assert_eq!(
        call.headers["authorization"],
        "Basic YWRtaW46c3VwZXJzZWNyZXQ="
    );
    assert_eq!(call.headers["content-type"], "application/json");
    assert_eq!(call.headers["accept"], "application/json");
    let body = &call.body;
    assert_eq!(body["eventType"], "com.okta.oauth2.tokens.transform");
    assert_eq!(body["eventTypeVersion"], "1.0");
    assert_eq!(body["cloudEventVersion"], "0.1");
    assert_eq!(body["contentType"], "application/json");
    // Okta calls the hook at /authorize for the code flow, with that request.
    assert_eq!(body["source"], format!("{}/v1/authorize", org.issuer));
    assert!(body["eventId"].is_string() && body["eventTime"].is_string());
    let context = &body["data"]["context"];
    assert_eq!(context["request"]["method"], "GET");
    assert_eq!(
        context["request"]["url"]["value"],
        format!("{}/v1/authorize?{}", org.issuer, authorize_query(&[]))
    );
    assert_eq!(context["request"]["ipAddress"], "127.0.0.1");
    let protocol = &context["protocol"];
    assert_eq!(protocol["type"], "OAUTH2.0");
    assert!(
        protocol["request"].get("grant_type").is_none(),
        "no grant_type was sent to /authorize"
    );
    assert_eq!(protocol["request"]["response_type"], "code");
    assert_eq!(protocol["request"]["scope"], SCOPE);
    assert_eq!(protocol["request"]["state"], "state-123");
    assert_eq!(protocol["issuer"]["uri"], org.issuer.as_str());
    assert_eq!(protocol["client"]["type"], "CONFIDENTIAL");
    assert_eq!(context["session"]["login"], "jessie.smith@example.com");
    assert_eq!(context["session"]["amr"], json!(["PASSWORD"]));
    assert_eq!(context["user"]["profile"]["firstName"], "Jessie");
    assert!(context["user"]["_links"]["groups"]["href"].is_string());
    assert_eq!(context["policy"]["rule"]["id"], "0pr1lok7adefaultrul0");
    let identity = &body["data"]["identity"];
    assert_eq!(
        identity["claims"]["preferred_username"],
        "jessie.smith@example.com"
    );
    assert_eq!(identity["claims"]["nonce"], "nonce-456");
    assert_eq!(identity["token"]["lifetime"]["expiration"], 3600);
    assert!(identity["claims"].get("at_hash").is_none());
    let access = &body["data"]["access"];
    assert_eq!(access["claims"]["aud"], "api://default");
    assert_eq!(access["scopes"]["openid"]["action"], "GRANT");
    assert!(body["data"].get("refresh_token").is_none());
}

#[tokio::test]
async fn commands_that_apply_are_applied_and_logged_as_success() {
    let answer = Answer::Json(json!({
        "commands": [ { "type": "com.okta.identity.patch", "value": [
            { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ],
        "debugContext": { "patientStore": "stub" }
    }));
    let (response, org, _) = sign_in_with(answer).await;
    let (id, access) = minted(response).await;
    assert_eq!(id["extPatientId"], "1235");
    assert!(access.get("extPatientId").is_none());
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(event["outcome"]["result"], "SUCCESS");
    let debug = &event["debugContext"]["debugData"];
    assert_eq!(
        debug["inline_hook_type"],
        "com.okta.oauth2.tokens.transform"
    );
    assert!(
        debug["debug_context"]
            .as_str()
            .is_some_and(|text| text.contains("patientStore"))
    );
    assert!(debug["trace_id"].is_string() && debug["duration_ms"].is_string());
    assert_eq!(event["target"][0]["displayName"], "Patient token hook");
}

#[tokio::test]
async fn a_204_mints_the_tokens_unchanged() {
    let (response, org, _) = sign_in_with(Answer::Status(204)).await;
    let (id, _) = minted(response).await;
    assert!(id.get("extPatientId").is_none());
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(event["outcome"]["result"], "SUCCESS");
}

#[tokio::test]
async fn a_500_mints_unchanged_and_logs_a_failed_execution() {
    let (response, org, _) = sign_in_with(Answer::Status(500)).await;
    minted(response).await;
    let event = only_event(&org, "inline_hook.executed").await;
    assert_eq!(event["outcome"]["result"], "FAILURE");
    assert_eq!(
        event["debugContext"]["debugData"]["error_message"],
        "Inline hook responded with HTTP 500"
    );
}

#[tokio::test]
async fn a_hook_slower_than_the_timeout_mints_unchanged_without_a_retry() {
    let stub = StubHook::spawn(Answer::Hang).await;
    let org = spawn_org_with_timeout(Some(&stub.url), Duration::from_secs(2)).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    let (id, _) = minted(org.exchange(&code).await).await;
    assert!(id.get("extPatientId").is_none());
    assert_eq!(stub.received().len(), 1, "never retried");
    let event = only_event(&org, "inline_hook.executed").await;
    assert_eq!(
        event["debugContext"]["debugData"]["error_message"],
        "Inline hook call timed out after 2000 ms"
    );
}

#[tokio::test]
async fn an_unreachable_hook_mints_unchanged() {
    let url = unreachable_url().await;
    let org = spawn_org(Some(&url)).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    minted(org.exchange(&code).await).await;
    let event = only_event(&org, "inline_hook.executed").await;
    let message = event["debugContext"]["debugData"]["error_message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.starts_with("Unable to reach the inline hook"),
        "{message}"
    );
}

#[tokio::test]
async fn an_error_object_fails_the_token_request_with_its_summary() {
    let answer = Answer::Json(json!({ "error": { "errorSummary": "Patient record locked" } }));
    let (error, description, org) = refused_at_authorize(answer).await;
    assert_eq!(error, "server_error");
    assert_eq!(description, "Patient record locked");
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(event["outcome"]["result"], "FAILURE");
    let failure = org
        .system_log()
        .await
        .into_iter()
        .find(|event| event["eventType"] == "app.oauth2.as.authorize")
        .expect("a failed authorize event");
    assert_eq!(failure["outcome"]["result"], "FAILURE");
}

/// Signs jessie in with the hook answering `answer`, which must refuse the
/// sign-in: the error comes back to the redirect URI, with the state and no code.
async fn refused_at_authorize(answer: Answer) -> (String, String, TestOrg) {
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let query = authorize_query(&[]);
    org.authorize(&query).await;
    let response = org
        .submit_sign_in(&query, "jessie.smith@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert_eq!(query_param(&location, "code"), None);
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("state-123")
    );
    let error = query_param(&location, "error").expect("an error");
    let description = query_param(&location, "error_description").expect("a description");
    (error, description, org)
}

#[tokio::test]
async fn an_error_object_without_summary_uses_oktas_default_text() {
    let (_, description, _) = refused_at_authorize(Answer::Json(json!({ "error": {} }))).await;
    assert_eq!(description, "The callback service returned an error");
}

#[tokio::test]
async fn a_reserved_claim_discards_every_command() {
    let answer = id_patch(json!([
        { "op": "add", "path": "/claims/extPatientId", "value": "1235" },
        { "op": "replace", "path": "/claims/sub", "value": "someone-else" },
    ]));
    assert_rejected(
        answer,
        "Modifying a reserved claim is not allowed(op=replace, path=/claims/sub)",
    )
    .await;
}

#[tokio::test]
async fn replace_on_a_missing_claim_is_path_not_found() {
    let answer = id_patch(json!([ { "op": "replace", "path": "/claims/x", "value": 1 } ]));
    assert_rejected(answer, "Path not found(op=replace, path=/claims/x)").await;
}

#[tokio::test]
async fn remove_with_a_value_is_rejected() {
    let answer = id_patch(json!([ { "op": "remove", "path": "/claims/email", "value": "x" } ]));
    assert_rejected(
        answer,
        "Value must be absent or null for remove(op=remove, path=/claims/email)",
    )
    .await;
}

#[tokio::test]
async fn lifetimes_outside_300_to_86400_are_rejected() {
    for seconds in [299, 86_401] {
        let answer = id_patch(json!([
            { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds } ]));
        assert_rejected(
            answer,
            "Invalid token lifetime, must be between 300 and 86400 seconds\
             (op=replace, path=/token/lifetime/expiration)",
        )
        .await;
    }
}

#[tokio::test]
async fn lifetimes_of_300_and_86400_change_exp() {
    for seconds in [300, 86_400] {
        let answer = Answer::Json(json!({ "commands": [
            { "type": "com.okta.identity.patch", "value": [
                { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds } ] },
            { "type": "com.okta.access.patch", "value": [
                { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds } ] },
        ] }));
        let (response, _, _) = sign_in_with(answer).await;
        let (id, access) = minted(response).await;
        for token in [&id, &access] {
            let lifetime = token["exp"]
                .as_i64()
                .zip(token["iat"].as_i64())
                .map(|(e, i)| e - i);
            assert_eq!(lifetime, Some(seconds));
        }
    }
}

#[tokio::test]
async fn an_access_token_patch_changes_the_access_token_only() {
    let answer = Answer::Json(
        json!({ "commands": [ { "type": "com.okta.access.patch", "value": [
        { "op": "add", "path": "/claims/external_guid", "value": "F0384685" },
        { "op": "replace", "path": "/claims/aud", "value": "api://patients" } ] } ] }),
    );
    let (response, _, _) = sign_in_with(answer).await;
    let (id, access) = minted(response).await;
    assert_eq!(access["external_guid"], "F0384685");
    assert_eq!(access["aud"], "api://patients");
    assert!(id.get("external_guid").is_none());
}

#[tokio::test]
async fn an_escaped_claim_name_is_decoded() {
    let answer = id_patch(json!([
        { "op": "add", "path": "/claims/https:~1~1example.com~1patient", "value": "1235" } ]));
    let (response, _, _) = sign_in_with(answer).await;
    let (id, _) = minted(response).await;
    assert_eq!(id["https://example.com/patient"], "1235");
}

#[tokio::test]
async fn an_unreadable_200_mints_unchanged() {
    let (response, org, _) = sign_in_with(Answer::Json(json!({ "commands": "nope" }))).await;
    minted(response).await;
    let event = only_event(&org, "inline_hook.response.processed").await;
    let message = event["debugContext"]["debugData"]["error_message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.starts_with("Invalid inline hook response"),
        "{message}"
    );
}

#[tokio::test]
async fn a_200_that_is_not_json_mints_unchanged() {
    let (response, org, _) = sign_in_with(Answer::Raw(b"{\"commands\": [".to_vec())).await;
    let (id, _) = minted(response).await;
    assert!(id.get("extPatientId").is_none());
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(event["outcome"]["result"], "FAILURE");
}

#[tokio::test]
async fn a_10_mb_answer_is_not_read_and_mints_unchanged() {
    // Valid JSON, so only its size can refuse it.
    let mut body = br#"{"commands":[],"debugContext":{"pad":""#.to_vec();
    body.resize(body.len() + 10 * 1024 * 1024, b'a');
    body.extend_from_slice(br#""}}"#);
    let (response, org, _) = sign_in_with(Answer::Raw(body)).await;
    let (id, _) = minted(response).await;
    assert!(id.get("extPatientId").is_none());
    let event = only_event(&org, "inline_hook.response.processed").await;
    assert_eq!(
        event["debugContext"]["debugData"]["error_message"],
        "Inline hook response exceeds 256 KB"
    );
    // The inspector keeps a bounded piece of it.
    let kept = &org.state.inspector.newest_first()[0].response_body;
    assert!(kept.len() < 40 * 1024, "{} bytes kept", kept.len());
}

#[tokio::test]
async fn a_refresh_grant_runs_the_hook_with_the_original_grant() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    let tokens = org
        .tokens_for(
            "jessie.smith@example.com",
            "openid profile email offline_access",
        )
        .await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let refreshed = org
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let calls = stub.received();
    assert_eq!(calls.len(), 2);
    let minted_jti = calls[0].body["data"]["refresh_token"]["jti"].clone();
    assert!(minted_jti.is_string());
    let refresh_call = &calls[1].body;
    assert_eq!(
        refresh_call["data"]["context"]["protocol"]["request"]["grant_type"],
        "refresh_token"
    );
    assert_eq!(
        refresh_call["data"]["context"]["protocol"]["OriginalGrant"]["refresh_token"]["jti"],
        minted_jti
    );
    assert_eq!(refresh_call["data"]["refresh_token"]["jti"], minted_jti);
}

#[tokio::test]
async fn a_rule_without_a_hook_never_calls_one() {
    let org = spawn_org(None).await;
    org.tokens_for("jessie.smith@example.com", SCOPE).await;
    let events = org.system_log().await;
    assert!(
        !events.iter().any(|event| event["eventType"]
            .as_str()
            .is_some_and(|t| t.starts_with("inline_hook."))),
        "{events:#?}"
    );
}

#[tokio::test]
async fn an_oauth_hook_whose_token_url_refuses_is_not_called_and_mints_unchanged() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let refusing = unreachable_url().await;
    let org = spawn_custom_org(Some(&stub.url), Duration::from_secs(3), |org| {
        org.inline_hooks[0].oauth = Some(local_okta::org::HookOAuth {
            client_id: "0oa-hook-caller".to_owned(),
            client_secret: secrecy::SecretString::from("a-secret"),
            token_url: refusing.clone(),
            scope: "patients.read".to_owned(),
        });
    })
    .await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    let (id, _) = minted(org.exchange(&code).await).await;
    assert!(id.get("extPatientId").is_none());
    assert!(stub.received().is_empty(), "no token, no call");
    let event = only_event(&org, "inline_hook.executed").await;
    let message = event["debugContext"]["debugData"]["error_message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.contains(&format!("no access token from {refusing}")),
        "{message}"
    );
}

/// A token URL that counts its requests and hands out one-hour tokens.
async fn counting_token_url() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let app = axum::Router::new().route(
        "/token",
        axum::routing::post(move || async move {
            counted.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({ "access_token": "a-token", "expires_in": 3600 }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

#[tokio::test]
async fn an_oauth_hooks_token_is_kept_until_the_hook_refuses_it() {
    use std::sync::atomic::Ordering;
    for (answer, fetches) in [(204, 1), (401, 2)] {
        let stub = StubHook::spawn(Answer::Status(answer)).await;
        let (token_url, count) = counting_token_url().await;
        let org = spawn_custom_org(Some(&stub.url), Duration::from_secs(3), |org| {
            org.inline_hooks[0].oauth = Some(local_okta::org::HookOAuth {
                client_id: "0oa-hook-caller".to_owned(),
                client_secret: secrecy::SecretString::from("a-secret"),
                token_url: token_url.clone(),
                scope: "patients.read".to_owned(),
            });
        })
        .await;
        for _ in 0..2 {
            assert_eq!(
                org.client_credentials("patients.read").await.status(),
                StatusCode::OK
            );
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            fetches,
            "hook answering {answer}"
        );
        let received = stub.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].headers["authorization"], "Bearer a-token");
    }
}
