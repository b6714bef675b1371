//! A token hook whose answer each test chooses, recording what it receives.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;

/// How the stub answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// `200` with this JSON.
    Json(Value),
    /// This status, empty body.
    Status(u16),
    /// `200`, `Content-Type: application/json`, with these bytes as they are.
    Raw(Vec<u8>),
    /// Never answers: the caller's timeout must fire.
    Hang,
    /// Never answers the first call; answers later ones with this JSON.
    HangOnce(Value),
}

/// One call the stub received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone)]
struct Stub {
    answer: Answer,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A running stub.
pub struct StubHook {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StubHook {
    pub async fn spawn(answer: Answer) -> StubHook {
        let received = Arc::new(Mutex::new(Vec::new()));
        let stub = Stub {
            answer,
            received: received.clone(),
        };
        let app = Router::new()
            .route("/tokenHook", post(answer_call))
            .with_state(stub);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!(
            "http://{}/tokenHook",
            listener.local_addr().expect("address")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        StubHook { url, received }
    }

    /// Every call so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }
}

async fn answer_call(State(stub): State<Stub>, headers: HeaderMap, body: Bytes) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let calls = {
        let mut received = stub.received.lock().expect("not poisoned");
        received.push(Received { headers, body });
        received.len()
    };
    match stub.answer {
        Answer::HangOnce(_) if calls == 1 => std::future::pending().await,
        Answer::HangOnce(value) => axum::Json(value).into_response(),
        Answer::Json(value) => axum::Json(value).into_response(),
        Answer::Status(status) => StatusCode::from_u16(status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Answer::Raw(bytes) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
        Answer::Hang => std::future::pending().await,
    }
}

/// A URL where nothing listens: port 1 (tcpmux, unused anywhere today),
/// which unlike a port freed by another test no parallel test can take.
pub async fn unreachable_url() -> String {
    "http://127.0.0.1:1/tokenHook".to_owned()
}
