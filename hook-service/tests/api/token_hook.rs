//! `POST /tokenHook`: the guide's answers, checked against Okta's rules.

use reqwest::StatusCode;
use serde_json::{Value, json};
use token_hook::{MintedToken, MintedTokens, TokenHookResponse, Verdict, process_response};

use crate::helpers::{request_for, spawn_app};

#[tokio::test]
async fn a_patient_gets_ext_patient_id_added_to_the_id_token() {
    let app = spawn_app().await;

    let response = app
        .call_hook(&request_for("jessie.smith@example.com"))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({ "commands": [ { "type": "com.okta.identity.patch", "value": [
            { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ] })
    );
}

#[tokio::test]
async fn every_guide_patient_gets_their_own_id() {
    let app = spawn_app().await;
    for (login, id) in [
        ("kim.sato@example.com", "6789"),
        ("rajiv.tal@example.com", "4235"),
    ] {
        let body: Value = app
            .call_hook(&request_for(login))
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(body["commands"][0]["value"][0]["value"], id, "{login}");
    }
}

#[tokio::test]
async fn logins_match_case_insensitively() {
    let app = spawn_app().await;
    let body: Value = app
        .call_hook(&request_for("Jessie.Smith@EXAMPLE.com"))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["commands"][0]["value"][0]["value"], "1235");
}

#[tokio::test]
async fn a_user_who_is_not_a_patient_gets_204() {
    let app = spawn_app().await;
    let response = app.call_hook(&request_for("test.user@example.com")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.expect("a body").is_empty());
}

#[tokio::test]
async fn a_request_without_an_id_token_gets_204_not_a_500() {
    let app = spawn_app().await;
    let mut request = request_for("jessie.smith@example.com");
    request["data"]
        .as_object_mut()
        .expect("data")
        .remove("identity");
    assert_eq!(
        app.call_hook(&request).await.status(),
        StatusCode::NO_CONTENT
    );

    let mut request = request_for("jessie.smith@example.com");
    request["data"]["identity"] = json!({ "claims": {} });
    assert_eq!(
        app.call_hook(&request).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_preview_request_edited_as_in_the_guide_is_answered() {
    let app = spawn_app().await;
    let request = json!({
        "eventType": "com.okta.oauth2.tokens.transform",
        "data": { "identity": { "claims": { "preferred_username": "kim.sato@example.com" } } }
    });
    let body: Value = app.call_hook(&request).await.json().await.expect("JSON");
    assert_eq!(body["commands"][0]["value"][0]["value"], "6789");
}

#[tokio::test]
async fn unknown_fields_are_fine() {
    let app = spawn_app().await;
    let mut request = request_for("jessie.smith@example.com");
    request["somethingNew"] = json!({ "deep": [1, 2, 3] });
    request["data"]["identity"]["claims"]["ver"] = json!("a string now");
    assert_eq!(app.call_hook(&request).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_patient_added_while_running_is_found_at_once() {
    let app = spawn_app().await;
    app.patients
        .upsert("test.user@example.com", "9999")
        .await
        .expect("added");
    let body: Value = app
        .call_hook(&request_for("test.user@example.com"))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["commands"][0]["value"][0]["value"], "9999");
}

#[tokio::test]
async fn the_answer_passes_oktas_rules_and_adds_the_claim() {
    let app = spawn_app().await;
    let request = request_for("jessie.smith@example.com");
    let answer: TokenHookResponse = app.call_hook(&request).await.json().await.expect("JSON");

    let claims = |value: &Value| value.as_object().cloned().expect("claims");
    let tokens = MintedTokens {
        identity: Some(MintedToken {
            claims: claims(&request["data"]["identity"]["claims"]),
            lifetime_seconds: 3600,
        }),
        access: Some(MintedToken {
            claims: claims(&request["data"]["access"]["claims"]),
            lifetime_seconds: 3600,
        }),
    };
    let Verdict::Mint(minted) = process_response(&answer, &tokens) else {
        panic!("Okta would not apply the hook's answer");
    };
    let identity = minted.identity.expect("an ID token");
    assert_eq!(identity.claims["extPatientId"], "1235");
    assert_eq!(
        minted.access, tokens.access,
        "the access token is untouched"
    );
}
