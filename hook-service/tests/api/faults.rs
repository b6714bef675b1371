//! When the patient store cannot answer, the hook answers 503 at once
//! (Okta then mints the token unchanged) instead of hanging towards Okta's
//! 3-second limit.

use hook_service::patients::MAX_CONNECTIONS;
use reqwest::StatusCode;

use crate::helpers::{request_for, spawn_app};

#[tokio::test]
async fn a_closed_store_gets_503_and_an_unhealthy_healthz() {
    let app = spawn_app().await;
    let health = format!("{}/healthz", app.address);
    let response = app.client.get(&health).send().await.expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);

    app.patients.close().await;

    let response = app
        .call_hook(&request_for("jessie.smith@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.expect("a body");
    assert!(
        !body.contains("sqlx") && !body.contains("pool"),
        "no internals: {body}"
    );
    let response = app.client.get(&health).send().await.expect("an answer");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_starved_store_gets_503_instead_of_a_hang() {
    let app = spawn_app().await;
    // Slow queries elsewhere hold every connection: without the hook's
    // one-second limit the lookup would queue for as long as they last.
    let mut held = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        held.push(app.patients.pool().acquire().await.expect("a connection"));
    }

    let response = app
        .call_hook(&request_for("jessie.smith@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    drop(held);
    let response = app
        .call_hook(&request_for("jessie.smith@example.com"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the hook recovers once connections free up"
    );
}
