//! The admin pages, Preview and the management API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API_TOKEN, TestOrg, authorize_query, form_token, spawn_org};
use crate::stub_hook::{Answer, StubHook};

const HOOK_ID: &str = "cal1lok7apatienthk0x";

fn patient_answer() -> Answer {
    Answer::Json(json!({ "commands": [ { "type": "com.okta.identity.patch",
        "value": [ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ] }))
}

async fn api(
    org: &TestOrg,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    org.client
        .request(method, format!("{}/api/v1{path}", org.base))
        .header("Authorization", format!("SSWS {token}"))
}

#[tokio::test]
async fn every_page_says_it_is_for_local_development_only() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    for path in ["/", "/admin/logs", "/admin/preview"] {
        let response = org.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page = response.text().await.expect("a page");
        assert!(page.contains("for local development only"), "{path}");
    }
    let home = org.get("/").await.text().await.expect("a page");
    for expected in [
        "Patient token hook",
        "Default Policy Rule",
        "test.user@example.com",
        "0oa1lok7asampleapp0x",
    ] {
        assert!(home.contains(expected), "{expected}");
    }
    assert!(!home.contains("YWRtaW46"), "the hook secret is never shown");
}

#[tokio::test]
async fn the_system_log_page_and_api_show_hook_calls_newest_first() {
    let stub = StubHook::spawn(patient_answer()).await;
    let org = spawn_org(Some(&stub.url)).await;
    org.tokens_for("jessie.smith@example.com", "openid profile email")
        .await;
    let page = org.get("/admin/logs").await.text().await.expect("a page");
    assert!(page.contains("inline_hook.response.processed") && page.contains("SUCCESS"));

    let ascending: Vec<Value> = api(&org, reqwest::Method::GET, "/logs", API_TOKEN)
        .await
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let hook_events: Vec<&Value> = ascending
        .iter()
        .filter(|event| event["eventType"] == "inline_hook.response.processed")
        .collect();
    assert_eq!(hook_events.len(), 1, "{ascending:#?}");
    let filtered: Vec<Value> = api(
        &org,
        reqwest::Method::GET,
        "/logs?filter=eventType%20eq%20%22inline_hook.executed%22&sortOrder=DESCENDING",
        API_TOKEN,
    )
    .await
    .send()
    .await
    .expect("an answer")
    .json()
    .await
    .expect("JSON");
    assert!(filtered.is_empty());
}

#[tokio::test]
async fn the_api_needs_the_ssws_token() {
    let org = spawn_org(None).await;
    let response = api(&org, reqwest::Method::GET, "/logs", "wrong")
        .await
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errorCode"], "E0000011");
}

#[tokio::test]
async fn inline_hooks_are_listed_without_their_secret() {
    let org = spawn_org(None).await;
    let response = api(&org, reqwest::Method::GET, "/inlineHooks", API_TOKEN)
        .await
        .send()
        .await
        .expect("an answer");
    let text = response.text().await.expect("a body");
    let hooks: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(hooks[0]["id"], HOOK_ID);
    assert_eq!(hooks[0]["type"], "com.okta.oauth2.tokens.transform");
    assert_eq!(
        hooks[0]["channel"]["config"]["authScheme"]["key"],
        "Authorization"
    );
    assert!(!text.contains("YWRtaW46"), "{text}");
}

#[tokio::test]
async fn execute_sends_the_body_to_the_hook_and_returns_its_answer() {
    let stub = StubHook::spawn(patient_answer()).await;
    let org = spawn_org(Some(&stub.url)).await;
    let request = json!({ "eventType": "com.okta.oauth2.tokens.transform",
        "data": { "identity": { "claims": { "preferred_username": "jessie.smith@example.com" } } } });
    let response = api(
        &org,
        reqwest::Method::POST,
        &format!("/inlineHooks/{HOOK_ID}/execute"),
        API_TOKEN,
    )
    .await
    .json(&request)
    .send()
    .await
    .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["commands"][0]["value"][0]["value"], "1235");
    assert_eq!(stub.received()[0].body, request, "sent as given");
    let missing = api(
        &org,
        reqwest::Method::POST,
        "/inlineHooks/calNOPE/execute",
        API_TOKEN,
    )
    .await
    .json(&request)
    .send()
    .await
    .expect("an answer");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn preview_generates_the_request_okta_would_send() {
    let org = spawn_org(None).await;
    let page = org
        .get("/admin/preview?user=kim.sato%40example.com&grant_type=refresh_token&scope=openid+profile")
        .await
        .text()
        .await
        .expect("a page");
    let page = page.replace("&#34;", "\"").replace("&quot;", "\"");
    assert!(page.contains(r#""eventType": "com.okta.oauth2.tokens.transform""#));
    assert!(page.contains(r#""preferred_username": "kim.sato@example.com""#));
    assert!(page.contains(r#""grant_type": "refresh_token""#));
    assert!(page.contains(r#""OriginalGrant""#));
}

#[tokio::test]
async fn preview_generates_each_grant_at_the_endpoint_where_it_calls_the_hook() {
    let org = spawn_org(None).await;
    let generated = |grant: &'static str| {
        let org = &org;
        async move {
            let page = org
                .get(&format!("/admin/preview?user=kim.sato%40example.com&grant_type={grant}&scope=openid+profile"))
                .await
                .text()
                .await
                .expect("a page");
            page.replace("&#34;", "\"").replace("&quot;", "\"")
        }
    };
    let code = generated("authorization_code").await;
    assert!(code.contains(&format!(r#""source": "{}/v1/authorize""#, org.issuer)));
    assert!(code.contains(r#""response_type": "code""#));
    let implicit = generated("implicit").await;
    assert!(implicit.contains(r#""response_type": "id_token token""#));
    assert!(implicit.contains(r#""type": "PUBLIC""#));
    let service = generated("client_credentials").await;
    assert!(service.contains(&format!(r#""source": "{}/v1/token""#, org.issuer)));
    assert!(service.contains(r#""grant_type": "client_credentials""#));
    assert!(!service.contains(r#""identity""#) && !service.contains(r#""session""#));
}

#[tokio::test]
async fn preview_sends_the_edited_request_and_shows_the_change() {
    let stub = StubHook::spawn(patient_answer()).await;
    let org = spawn_org(Some(&stub.url)).await;
    let request = json!({ "eventType": "com.okta.oauth2.tokens.transform", "data": {
        "identity": { "claims": { "preferred_username": "test.user@example.com" } } } });
    let form = org
        .get("/admin/preview")
        .await
        .text()
        .await
        .expect("a page");
    let token = form_token(&form).expect("Preview's form token");
    let page = org
        .client
        .post(format!("{}/admin/preview", org.base))
        .form(&[
            ("request", request.to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a page");
    assert!(page.contains(r#"id="response-status">200"#), "{page}");
    assert!(page.contains("Apply every command"));
    assert!(page.contains("extPatientId") && page.contains("(absent)"));
    assert!(org.system_log().await.is_empty(), "Preview is not logged");

    let bad = org
        .client
        .post(format!("{}/admin/preview", org.base))
        .form(&[("request", "{ not json"), ("csrf_token", &token)])
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a page");
    assert!(bad.contains("not valid JSON"));
}

#[tokio::test]
async fn the_code_exchange_signs_what_authorize_minted_and_calls_no_hook() {
    let stub = StubHook::spawn(Answer::Status(204)).await;
    let org = spawn_org(Some(&stub.url)).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    assert_eq!(stub.received().len(), 1, "the hook runs at /authorize");
    let response = org.exchange(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(stub.received().len(), 1, "and not again at /token");
}

#[tokio::test]
async fn the_inline_hooks_api_keeps_oktas_rules() {
    use reqwest::Method;
    let org = spawn_org(None).await;
    let body = |uri: &str, secret: Option<&str>| {
        let mut scheme = serde_json::json!({ "type": "HEADER", "key": "Authorization" });
        if let Some(secret) = secret {
            scheme["value"] = Value::from(secret);
        }
        serde_json::json!({
            "name": "Another hook", "type": "com.okta.oauth2.tokens.transform", "version": "1.0.0",
            "channel": { "type": "HTTP", "version": "1.0.0",
                "config": { "uri": uri, "headers": [], "method": "POST", "authScheme": scheme } },
        })
    };
    let send = |method: Method, path: &str, json: Option<Value>| {
        let org = &org;
        let path = path.to_owned();
        async move {
            let request = api(org, method, &path, API_TOKEN).await;
            let request = match json {
                Some(json) => request.json(&json),
                None => request.header("Content-Length", "0"),
            };
            request.send().await.expect("an answer")
        }
    };
    let http_off_machine = send(
        Method::POST,
        "/inlineHooks",
        Some(body(
            "http://hooks.example.com/tokenHook",
            Some("Basic eA=="),
        )),
    )
    .await;
    assert_eq!(http_off_machine.status(), StatusCode::BAD_REQUEST);
    let error: Value = http_off_machine.json().await.expect("JSON");
    assert_eq!(error["errorCode"], "E0000001");

    let created = send(
        Method::POST,
        "/inlineHooks",
        Some(body(
            "https://hooks.example.com/tokenHook",
            Some("Basic eA=="),
        )),
    )
    .await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "Okta answers 200, not 201"
    );
    assert!(created.headers().contains_key("x-rate-limit-remaining"));
    let created: Value = created.json().await.expect("JSON");
    assert_eq!(created["status"], "ACTIVE");
    assert!(
        created["channel"]["config"]["authScheme"]
            .get("value")
            .is_none()
    );
    let id = created["id"].as_str().expect("an id");
    let path = format!("/inlineHooks/{id}");

    let without_secret = send(Method::PUT, &path, Some(body("https://x.example/h", None))).await;
    assert_eq!(
        without_secret.status(),
        StatusCode::BAD_REQUEST,
        "the secret is sent again"
    );
    let active_delete = send(Method::DELETE, &path, None).await;
    assert_eq!(
        active_delete.status(),
        StatusCode::BAD_REQUEST,
        "only INACTIVE hooks go"
    );
    let deactivated = send(Method::POST, &format!("{path}/lifecycle/deactivate"), None).await;
    let deactivated: Value = deactivated.json().await.expect("JSON");
    assert_eq!(deactivated["status"], "INACTIVE");
    let deleted = send(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = send(Method::GET, &path, None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let gone: Value = gone.json().await.expect("JSON");
    assert_eq!(gone["errorCode"], "E0000007");
}
