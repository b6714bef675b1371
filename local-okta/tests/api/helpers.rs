//! `spawn_org()`: local-okta on a free port with the committed org file, its
//! hook pointed wherever the test says, and a client that walks the flow.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use local_okta::configuration::Config;
use local_okta::keys::{SigningKey, generate_pem};
use local_okta::org::Org;
use local_okta::startup::{AppState, SharedState, serve};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::net::TcpListener;

pub const ORG_TOML: &str = include_str!("../../org.toml");
pub const CLIENT_ID: &str = "0oa1lok7asampleapp0x";
pub const CLIENT_SECRET: &str = "local-okta-demo-client-secret-not-for-production";
pub const REDIRECT_URI: &str = "http://localhost:8080/authorization-code/callback";
pub const PASSWORD: &str = "Workshop123!";
pub const API_TOKEN: &str = "00-local-okta-demo-api-token";
pub const SERVICE_ID: &str = "0oa1lok7aservice0001";
pub const SERVICE_SECRET: &str = "local-okta-demo-service-secret-not-for-production";
pub const SPA_ID: &str = "0oa1lok7aspaportal01";
pub const SPA_REDIRECT_URI: &str = "http://localhost:8080/implicit/callback";
pub const VERIFIER: &str = "a-pkce-code-verifier-that-is-long-enough-for-rfc-7636-rules";

/// One RSA key per test binary: generating one is the slow part.
fn test_key_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| generate_pem().expect("an RSA key"))
}

pub struct TestOrg {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `{base}/oauth2/default`.
    pub issuer: String,
    /// Keeps cookies, never follows redirects.
    pub client: reqwest::Client,
    pub state: SharedState,
    _data: TempDir,
}

/// local-okta whose hook is at `hook_url` (`None`: no hook on the rule).
pub async fn spawn_org(hook_url: Option<&str>) -> TestOrg {
    spawn_org_with_timeout(hook_url, Duration::from_secs(3)).await
}

pub async fn spawn_org_with_timeout(hook_url: Option<&str>, hook_timeout: Duration) -> TestOrg {
    spawn_custom_org(hook_url, hook_timeout, |_| {}).await
}

/// local-okta with the committed org file changed by `edit` first.
pub async fn spawn_custom_org(
    hook_url: Option<&str>,
    hook_timeout: Duration,
    edit: impl FnOnce(&mut Org),
) -> TestOrg {
    let mut org = Org::parse(ORG_TOML).expect("the committed org file is valid");
    edit(&mut org);
    match hook_url {
        Some(url) => {
            for hook in &mut org.inline_hooks {
                hook.url = url.to_owned();
            }
        }
        None => {
            for rule in all_rules(&mut org) {
                rule.inline_hook = None;
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let issuer = format!("{base}/oauth2/default");
    let data = tempfile::tempdir().expect("a directory");
    let config = Config {
        listen_addr: listener.local_addr().expect("address"),
        issuer: issuer.clone(),
        org,
        data_dir: data.path().to_owned(),
        state_file: None,
        hook_timeout,
        inspector_capacity: local_okta::inspector::DEFAULT_CAPACITY,
        strict_hooks: false,
    };
    let keys = SigningKey::from_pem(test_key_pem()).expect("a key");
    let state = AppState::new(config, keys).expect("state");
    tokio::spawn(serve(listener, state.clone(), std::future::pending()));
    TestOrg {
        base,
        issuer,
        client: browser(),
        state,
        _data: data,
    }
}

/// Every rule of every access policy, to change in a test.
pub fn all_rules(org: &mut Org) -> impl Iterator<Item = &mut local_okta::org::PolicyRule> {
    org.authorization_server
        .policies
        .iter_mut()
        .flat_map(|policy| policy.rules.iter_mut())
}

/// The `csrf_token` hidden field of a local-okta form, if the page has one.
pub fn form_token(page: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker)? + marker.len();
    Some(page[start..].split('"').next()?.to_owned())
}

/// A client like a browser that the test steers: cookies kept, redirects not followed.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("a client")
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A valid authorization request's query, with `extra` pairs overriding.
pub fn authorize_query(extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs: Vec<(&str, &str)> = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid profile email"),
        ("state", "state-123"),
        ("nonce", "nonce-456"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    for (key, value) in extra {
        pairs.retain(|(existing, _)| existing != key);
        if !value.is_empty() {
            pairs.push((key, value));
        }
    }
    serde_urlencoded::to_string(&pairs).expect("encodable")
}

/// The `Location` of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned()
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).expect("a URL");
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl TestOrg {
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .expect("an answer")
    }

    pub async fn authorize(&self, query: &str) -> reqwest::Response {
        self.get(&format!("/oauth2/default/v1/authorize?{query}"))
            .await
    }

    /// Submits the sign-in form for `query`, with the token a browser
    /// would have from the form (fetched first, as a browser does).
    pub async fn submit_sign_in(
        &self,
        query: &str,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = self.authorize(query).await.text().await.expect("a page");
        let token = form_token(&form).unwrap_or_default();
        self.client
            .post(format!("{}/signin", self.base))
            .form(&[
                ("username", login),
                ("password", password),
                ("authorize_query", query),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .expect("an answer")
    }

    /// Walks authorize → sign-in form → sign in, and returns the code.
    pub async fn sign_in_for_code(&self, login: &str, query: &str) -> String {
        let form = self.authorize(query).await;
        assert_eq!(form.status(), StatusCode::OK, "the sign-in form");
        let redirect = self.submit_sign_in(query, login, PASSWORD).await;
        assert_eq!(redirect.status(), StatusCode::FOUND);
        let location = location(&redirect);
        assert!(location.starts_with(REDIRECT_URI), "{location}");
        assert_eq!(
            query_param(&location, "state").as_deref(),
            Some("state-123")
        );
        query_param(&location, "code").expect("a code")
    }

    /// POSTs a token request with `client_secret_basic`.
    pub async fn token(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/oauth2/default/v1/token", self.base))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(form)
            .send()
            .await
            .expect("an answer")
    }

    pub async fn exchange(&self, code: &str) -> reqwest::Response {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    /// The whole flow for `login` with `scope`; returns the token response JSON.
    pub async fn tokens_for(&self, login: &str, scope: &str) -> Value {
        let query = authorize_query(&[("scope", scope)]);
        let code = self.sign_in_for_code(login, &query).await;
        let response = self.exchange(&code).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON")
    }

    /// A client credentials request from the service app.
    pub async fn client_credentials(&self, scope: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/oauth2/default/v1/token", self.base))
            .basic_auth(SERVICE_ID, Some(SERVICE_SECRET))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .expect("an answer")
    }

    /// The System Log through the API, filtered as Okta's `filter` parameter says.
    pub async fn system_log_where(&self, filter: &str) -> Vec<Value> {
        self.client
            .get(format!("{}/api/v1/logs", self.base))
            .query(&[("filter", filter)])
            .header("Authorization", format!("SSWS {API_TOKEN}"))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON")
    }

    /// The System Log through the API, oldest first.
    pub async fn system_log(&self) -> Vec<Value> {
        self.client
            .get(format!("{}/api/v1/logs", self.base))
            .header("Authorization", format!("SSWS {API_TOKEN}"))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON")
    }
}

/// The payload of a JWT, unverified (verification has its own tests).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// The header of a JWT.
pub fn header(jwt: &str) -> Value {
    let header = jwt.split('.').next().expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("JSON")
}
