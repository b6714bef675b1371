//! `spawn_app()`: the real service on a free port, with its own database.

use std::sync::Arc;

use hook_service::auth::Authenticator;
use hook_service::configuration::BasicCredentials;
use hook_service::patients::PatientStore;
use hook_service::startup::{AppState, serve};
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;
use tokio::net::TcpListener;

/// The guide's hook registration: `Authorization: Basic base64(admin:supersecret)`.
pub const GUIDE_AUTHORIZATION: &str = "Basic YWRtaW46c3VwZXJzZWNyZXQ=";

/// Okta's documented example request, the one copy the `token-hook` crate keeps.
const REFERENCE_REQUEST: &str = token_hook::request::OKTA_EXAMPLE_REQUEST;

/// A running service and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The store the service uses, to change or break it from a test.
    pub patients: PatientStore,
    /// Its `DATABASE_URL`.
    pub database_url: String,
    /// A plain HTTP client.
    pub client: reqwest::Client,
    _directory: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Authenticator::Basic(Arc::new(BasicCredentials {
        user: "admin".to_owned(),
        password: SecretString::from("supersecret"),
    })))
    .await
}

/// The service, authenticating Okta's call with `auth`.
pub async fn spawn_app_with(auth: Authenticator) -> TestApp {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let database_path = directory.path().join("data").join("patients.db");
    let database_url = format!("sqlite://{}", database_path.display());
    let patients = PatientStore::open(&database_url)
        .await
        .expect("the store opens");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    let state = AppState {
        auth,
        patients: patients.clone(),
        log_patient_ids: true,
    };
    tokio::spawn(serve(listener, state, std::future::pending()));
    TestApp {
        address,
        patients,
        database_url,
        client: reqwest::Client::new(),
        _directory: directory,
    }
}

impl TestApp {
    /// The SQLite file behind the store.
    pub fn database_file(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.database_url.trim_start_matches("sqlite://"))
    }

    /// POSTs `body` to `/tokenHook` as Okta does, with the guide's header.
    pub async fn call_hook(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}/tokenHook", self.address))
            .header("Authorization", GUIDE_AUTHORIZATION)
            .json(body)
            .send()
            .await
            .expect("the hook answers")
    }
}

/// Okta's reference request, minting an ID token for `login`.
pub fn request_for(login: &str) -> Value {
    let mut request: Value = serde_json::from_str(REFERENCE_REQUEST).expect("fixture is JSON");
    request["data"]["identity"]["claims"]["preferred_username"] = Value::from(login);
    request
}
