//! When the patient store cannot answer (closed, deleted, overwritten with
//! garbage), the hook answers 503 (Okta then mints the token unchanged)
//! instead of hanging towards Okta's 3-second limit, and recovers by itself
//! when the store is back. A writer holding a transaction never blocks it:
//! the store runs in WAL mode, where a writer cannot lock readers out (and a
//! connection asking for an exclusive lock is refused while the hook is
//! connected). How soon a change shows is pinned by `patients.rs`'s own test.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{TestApp, request_for, spawn_app};

/// How long a test waits for what the store's background check (every
/// 250 ms) should show. Generous so that a busy machine cannot fail a test:
/// running out means "never", not "slow".
const PATIENCE: Duration = Duration::from_secs(10);

/// Calls the hook for jessie until it answers `status`, for at most
/// `limit`.
async fn answers_within(app: &TestApp, status: StatusCode, limit: Duration) -> bool {
    answers_for_within(app, "jessie.smith@example.com", status, limit).await
}

/// The same, for `login`.
async fn answers_for_within(
    app: &TestApp,
    login: &str,
    status: StatusCode,
    limit: Duration,
) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let response = app.call_hook(&request_for(login)).await;
        if response.status() == status {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::task::yield_now().await;
    }
}

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

/// Breaks the store's file with `damage`: the hook must answer 503, and 200
/// again once the file is restored.
async fn answers_503_then_recovers(app: &TestApp, damage: impl FnOnce(&std::path::Path)) {
    let file = app.database_file();
    let saved = std::fs::read(&file).expect("the database");
    damage(&file);
    assert!(
        answers_within(app, StatusCode::SERVICE_UNAVAILABLE, PATIENCE).await,
        "503 after the damage"
    );
    std::fs::write(&file, saved).expect("restored");
    assert!(
        answers_within(app, StatusCode::OK, PATIENCE).await,
        "back once the file is"
    );
}

#[tokio::test]
async fn a_store_deleted_while_running_gets_503_and_recovers() {
    let app = spawn_app().await;
    assert!(answers_within(&app, StatusCode::OK, PATIENCE).await);
    answers_503_then_recovers(&app, |file| std::fs::remove_file(file).expect("deleted")).await;
}

#[tokio::test]
async fn a_patient_added_by_another_process_is_seen() {
    let app = spawn_app().await;
    let response = app.call_hook(&request_for("new.patient@example.com")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Another handle on the same file, as `hook-service patients add` opens.
    let other = hook_service::patients::PatientStore::open(&app.database_url)
        .await
        .expect("opens");
    other
        .upsert("new.patient@example.com", "9001")
        .await
        .expect("added");
    assert!(
        answers_for_within(&app, "new.patient@example.com", StatusCode::OK, PATIENCE).await,
        "never seen"
    );
}

#[tokio::test]
async fn a_store_overwritten_with_garbage_gets_503_and_recovers() {
    let app = spawn_app().await;
    assert!(answers_within(&app, StatusCode::OK, PATIENCE).await);

    // Everything into the main file first, so that the write-ahead log
    // cannot stand in for the damaged file.
    let mut writer = writer(&app).await;
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut writer)
        .await
        .expect("checkpointed");
    drop(writer);
    answers_503_then_recovers(&app, |file| {
        std::fs::write(file, "this is not a database ".repeat(400)).expect("overwritten");
    })
    .await;
}

/// A connection of another process's kind, straight to the file.
async fn writer(app: &TestApp) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions as _;
    let options: sqlx::sqlite::SqliteConnectOptions =
        app.database_url.parse().expect("a database URL");
    options.connect().await.expect("connects")
}

#[tokio::test]
async fn a_writer_in_a_transaction_never_blocks_a_lookup() {
    let app = spawn_app().await;
    let mut writer = writer(&app).await;
    sqlx::raw_sql("BEGIN IMMEDIATE; INSERT INTO patients VALUES ('pending@example.com', '77');")
        .execute(&mut writer)
        .await
        .expect("a transaction");

    // WAL: readers go on reading the last committed table meanwhile,
    // across several of the store's checks.
    assert!(
        !answers_within(
            &app,
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(1)
        )
        .await,
        "a writer's transaction turned lookups into 503s"
    );
    let response = app.call_hook(&request_for("pending@example.com")).await;
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "not committed yet"
    );

    sqlx::raw_sql("COMMIT")
        .execute(&mut writer)
        .await
        .expect("committed");
    assert!(
        answers_for_within(&app, "pending@example.com", StatusCode::OK, PATIENCE).await,
        "the commit never seen"
    );
}
