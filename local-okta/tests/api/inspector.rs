//! The hook inspector (local-okta's own): every hook call recorded whole,
//! shown at `/admin/hooks`, served at `/api/v1/dev/hookCalls`, linked from
//! the System Log, and replayed on demand.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API_TOKEN, TestOrg, authorize_query, form_token, spawn_org};
use crate::stub_hook::{Answer, StubHook};

fn adds_patient_id() -> Answer {
    Answer::Json(json!({ "commands": [{
        "type": "com.okta.identity.patch",
        "value": [{ "op": "add", "path": "/claims/extPatientId", "value": "1235" }]
    }]}))
}

async fn dev_api(org: &TestOrg, method: reqwest::Method, path: &str) -> reqwest::Response {
    org.client
        .request(method, format!("{}/api/v1/dev/hookCalls{path}", org.base))
        .header("Authorization", format!("SSWS {API_TOKEN}"))
        .send()
        .await
        .expect("an answer")
}

async fn signed_in(answer: Answer) -> (TestOrg, StubHook) {
    let stub = StubHook::spawn(answer).await;
    let org = spawn_org(Some(&stub.url)).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    assert_eq!(org.exchange(&code).await.status(), StatusCode::OK);
    (org, stub)
}

#[tokio::test]
async fn a_sign_in_is_recorded_whole_with_the_secret_masked() {
    let (org, _stub) = signed_in(adds_patient_id()).await;
    let calls: Vec<Value> = dev_api(&org, reqwest::Method::GET, "")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call["source"], "token");
    assert_eq!(call["status"], 200);
    assert_eq!(call["applied"], true);
    assert_eq!(call["budgetMs"], 3000);
    assert_eq!(
        call["request"]["data"]["identity"]["claims"]["preferred_username"],
        "jessie.smith@example.com"
    );
    assert!(call["claimsBefore"]["id"].get("extPatientId").is_none());
    assert_eq!(call["claimsAfter"]["id"]["extPatientId"], "1235");
    let headers = call["requestHeaders"].to_string();
    assert!(headers.contains("Basic ****"), "{headers}");
    assert!(!headers.contains("YWRtaW46c3VwZXJzZWNyZXQ="), "{headers}");
    assert!(
        call["responseHeaders"]
            .to_string()
            .contains("application/json")
    );

    // The page lists it; its own page shows the verdict; the System Log links to it.
    let id = call["id"].as_str().expect("an id");
    let list = org.get("/admin/hooks").await.text().await.expect("a page");
    assert!(list.contains(&format!("/admin/hooks/{id}")), "{list}");
    assert!(list.contains("local-okta&#39;s own") || list.contains("local-okta's own"));
    let page = org.get(&format!("/admin/hooks/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("a page");
    assert!(page.contains("Every command applies"), "{page}");
    let logs = org.get("/admin/logs").await.text().await.expect("a page");
    let trace = call["traceId"].as_str().expect("a trace id");
    assert!(
        logs.contains(&format!("/admin/hooks/trace/{trace}")),
        "{logs}"
    );
    let linked = org.get(&format!("/admin/hooks/trace/{trace}")).await;
    assert_eq!(
        crate::helpers::location(&linked),
        format!("/admin/hooks/{id}")
    );
}

#[tokio::test]
async fn a_replay_sends_the_same_request_again_and_is_recorded_beside_it() {
    let (org, stub) = signed_in(adds_patient_id()).await;
    let calls: Vec<Value> = dev_api(&org, reqwest::Method::GET, "")
        .await
        .json()
        .await
        .expect("JSON");
    let id = calls[0]["id"].as_str().expect("an id").to_owned();

    let replayed = dev_api(&org, reqwest::Method::POST, &format!("/{id}/replay")).await;
    assert_eq!(replayed.status(), StatusCode::OK);
    let replayed: Value = replayed.json().await.expect("JSON");
    assert_eq!(replayed["source"], "replay");
    assert_eq!(replayed["replayOf"], id.as_str());
    assert_eq!(replayed["applied"], true);
    let received = stub.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body, "the very same request");

    // From the page: the form's token and an Origin of its own are needed.
    let page = org
        .get(&format!("/admin/hooks/{id}"))
        .await
        .text()
        .await
        .expect("a page");
    let token = form_token(&page).expect("the Replay form's token");
    let forged = org
        .client
        .post(format!("{}/admin/hooks/{id}/replay", org.base))
        .header("origin", "http://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let own = org
        .client
        .post(format!("{}/admin/hooks/{id}/replay", org.base))
        .header("origin", org.base.as_str())
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    assert_eq!(stub.received().len(), 3);

    let missing = dev_api(&org, reqwest::Method::POST, "/hc999999/replay").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn edit_in_preview_starts_from_the_recorded_request() {
    let (org, _stub) = signed_in(Answer::Status(204)).await;
    let calls: Vec<Value> = dev_api(&org, reqwest::Method::GET, "")
        .await
        .json()
        .await
        .expect("JSON");
    let id = calls[0]["id"].as_str().expect("an id");
    let trace = calls[0]["traceId"].as_str().expect("a trace id");
    let preview = org
        .get(&format!("/admin/preview?from={id}"))
        .await
        .text()
        .await
        .expect("a page");
    assert!(
        preview.contains(trace),
        "the recorded request, eventId included"
    );
}

fn a_command_that_does_not_apply() -> Answer {
    Answer::Json(json!({ "commands": [{
        "type": "com.okta.identity.patch",
        "value": [{ "op": "replace", "path": "/claims/nowhere", "value": "x" }]
    }]}))
}

#[tokio::test]
async fn strict_mode_stops_a_sign_in_okta_would_let_through_silently() {
    // Off, as Okta: hook.rs shows such an answer discarded, tokens unchanged.
    let stub = StubHook::spawn(a_command_that_does_not_apply()).await;
    let org = spawn_org(Some(&stub.url)).await;
    assert_eq!(
        org.client_credentials("patients.read").await.status(),
        StatusCode::OK
    );

    // Turned on from the inspector's page, with its form token.
    let switch = |on: &'static str| {
        let org = &org;
        async move {
            let page = org.get("/admin/hooks").await.text().await.expect("a page");
            let token = form_token(&page).expect("the form's token");
            org.client
                .post(format!("{}/admin/hooks/strict", org.base))
                .header("origin", org.base.as_str())
                .form(&[("csrf_token", token.as_str()), ("on", on)])
                .send()
                .await
                .expect("an answer")
                .status()
        }
    };
    assert_eq!(switch("1").await, StatusCode::SEE_OTHER);
    assert!(org.state.strict_hooks());
    let page = org.get("/admin/hooks").await.text().await.expect("a page");
    assert!(page.contains("Strict mode is on"), "{page}");

    let stopped = org
        .submit_sign_in(
            &authorize_query(&[]),
            "jessie.smith@example.com",
            crate::helpers::PASSWORD,
        )
        .await;
    assert_eq!(stopped.status(), StatusCode::BAD_REQUEST);
    let page = stopped.text().await.expect("a page");
    assert!(page.contains("Strict mode"), "{page}");
    assert!(page.contains("Path not found"), "{page}");
    assert!(page.contains("/admin/hooks/hc"), "{page}");

    // At the token endpoint, the client gets server_error saying why.
    let answer = org.client_credentials("patients.read").await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["error"], "server_error");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or("")
            .contains("strict mode"),
        "{body}"
    );

    // `just trigger` (and `just check`, through its JSON) reports the
    // stopped sign-in with the call, rather than failing.
    let options = local_okta::trigger::Options {
        login: "jessie.smith@example.com".to_owned(),
        grant: "authorization_code".to_owned(),
        scopes: "openid profile email".to_owned(),
        client: None,
    };
    let report = local_okta::trigger::run(&org.base, &org.issuer, &org.state.org(), &options)
        .await
        .expect("a report");
    let error = report.error.as_deref().unwrap_or("");
    assert!(
        error.contains("instead of sending the browser back"),
        "{error}"
    );
    let json = serde_json::to_value(&report).expect("JSON");
    assert!(
        json["hookCall"]["verdict"]
            .as_str()
            .unwrap_or("")
            .contains("discarded"),
        "{json}"
    );
    assert!(json["inspectorUrl"].is_string(), "{json}");
    assert_eq!(json["claims"], json!({}));

    // And off again: Okta's behaviour.
    assert_eq!(switch("0").await, StatusCode::SEE_OTHER);
    assert_eq!(
        org.client_credentials("patients.read").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn trigger_signs_in_without_a_browser_and_reports_the_hook_call() {
    use local_okta::trigger::{Options, run};
    let stub = StubHook::spawn(adds_patient_id()).await;
    let org = spawn_org(Some(&stub.url)).await;
    let options = Options {
        login: "jessie.smith@example.com".to_owned(),
        grant: "authorization_code".to_owned(),
        scopes: "openid profile email".to_owned(),
        client: None,
    };
    let report = run(&org.base, &org.issuer, &org.state.org(), &options)
        .await
        .expect("a report");
    assert_eq!(report.claims["id"]["extPatientId"], "1235");
    let call = report.hook_call.as_ref().expect("the hook call");
    assert_eq!(call["status"], 200);
    let url = report.inspector_url.as_deref().expect("a link");
    assert!(
        url.starts_with(&format!("{}/admin/hooks/hc", org.base)),
        "{url}"
    );
    let printed = report.to_string();
    assert!(printed.contains("hook call: 200"), "{printed}");
    assert!(printed.contains("Every command applies"), "{printed}");

    // Client credentials: no user, no ID token, the hook still called.
    let options = Options {
        grant: "client_credentials".to_owned(),
        scopes: "patients.read".to_owned(),
        ..options
    };
    let report = run(&org.base, &org.issuer, &org.state.org(), &options)
        .await
        .expect("a report");
    assert!(report.claims.get("id").is_none());
    assert_eq!(report.claims["access"]["sub"], "0oa1lok7aservice0001");
    assert!(report.hook_call.is_some());
    assert_eq!(stub.received().len(), 2);

    let unknown = Options {
        grant: "password".to_owned(),
        ..options
    };
    let error = run(&org.base, &org.issuer, &org.state.org(), &unknown)
        .await
        .expect_err("not a grant trigger makes");
    assert!(error.to_string().contains("--grant"), "{error}");
}
