//! `spawn_world()`: the three services of the guide on free ports, wired
//! together as `just run` wires them, with a fresh patient store.

use std::sync::{Arc, Mutex, OnceLock};

use axum::routing::post;
use hook_service::configuration::BasicCredentials;
use hook_service::patients::PatientStore;
use reqwest::StatusCode;
use sample_web_app::configuration::{
    Config, LOCAL_OKTA_CLIENT_ID, LOCAL_OKTA_CLIENT_SECRET, Source,
};
use secrecy::SecretString;
use tempfile::TempDir;
use tokio::net::TcpListener;

pub const PASSWORD: &str = "Workshop123!";
/// The `Authorization` value of local-okta's demo Management API token
/// (`local-okta/org.toml`).
pub const OKTA_API_AUTHORIZATION: &str = "SSWS 00-local-okta-demo-api-token";

/// Every log line of the services in this test binary, captured from the
/// first `spawn_world` on, so tests can check what the logs never show.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// A `MakeWriter` that appends to [`LOGS`].
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    });
}

/// Everything logged so far.
pub fn captured_logs() -> String {
    LOGS.get()
        .map(|buffer| {
            let bytes = buffer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .unwrap_or_default()
}

/// The three services and a browser-like client.
pub struct World {
    /// hook-service, `http://127.0.0.1:<port>`.
    pub hook: String,
    /// The app, `http://127.0.0.1:<port>`.
    pub app: String,
    /// local-okta, `http://127.0.0.1:<port>`.
    pub okta: String,
    /// `{okta}/oauth2/default`.
    pub issuer: String,
    /// Keeps cookies for every port of 127.0.0.1, never follows redirects.
    pub client: reqwest::Client,
    _data: TempDir,
}

/// The guide's setup: local-okta calls the real hook-service.
pub async fn spawn_world() -> World {
    let data = tempfile::tempdir().expect("a directory");
    let hook_url = spawn_hook_service(&data).await;
    spawn_world_with_hook(&hook_url, data).await
}

/// The same, but local-okta's hook answers with an `error` object.
pub async fn spawn_world_with_failing_hook(summary: &'static str) -> World {
    let answer = serde_json::json!({ "error": { "errorSummary": summary } });
    let app = axum::Router::new().route(
        "/tokenHook",
        post(move || async move { axum::Json(answer) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!(
        "http://{}/tokenHook",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    spawn_world_with_hook(&url, tempfile::tempdir().expect("a directory")).await
}

pub async fn spawn_hook_service(data: &TempDir) -> String {
    let auth = hook_service::auth::Authenticator::Basic(Arc::new(BasicCredentials {
        user: "admin".to_owned(),
        password: SecretString::from("supersecret"),
    }));
    spawn_hook_service_with(data, auth).await
}

/// hook-service, authenticating Okta's call with `auth`; returns its URL.
pub async fn spawn_hook_service_with(
    data: &TempDir,
    auth: hook_service::auth::Authenticator,
) -> String {
    let database_url = format!("sqlite://{}/patients.db", data.path().display());
    let patients = PatientStore::open(&database_url).await.expect("a store");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!(
        "http://{}/tokenHook",
        listener.local_addr().expect("address")
    );
    let state = hook_service::startup::AppState {
        auth,
        patients,
        log_patient_ids: true,
    };
    tokio::spawn(hook_service::startup::serve(
        listener,
        state,
        std::future::pending(),
    ));
    url
}

async fn spawn_world_with_hook(hook_url: &str, data: TempDir) -> World {
    let okta_listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    spawn_world_with(okta_listener, hook_url, data, |_| {}).await
}

/// The seed org's hook, calling with OAuth 2.0: local-okta gets an access
/// token from its own token endpoint for a client of its own (with a
/// policy that calls no hook, or the token request would call the hook),
/// and hook-service runs with `HOOK_AUTH=oauth2`, checking it.
pub async fn spawn_world_with_oauth_hook() -> World {
    use local_okta::org::{AccessPolicy, AppType, HookOAuth};
    const CALLER_ID: &str = "0oa1lok7ahookcaller1";
    const CALLER_SECRET: &str = "a-hook-caller-secret-for-tests";
    let okta_listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let issuer = format!(
        "http://{}/oauth2/default",
        okta_listener.local_addr().expect("address")
    );
    let verifier =
        hook_service::bearer::BearerVerifier::new(hook_service::configuration::OAuth2Settings {
            issuer: issuer.clone(),
            audience: "api://default".to_owned(),
            scope: "patients.read".to_owned(),
            client_id: CALLER_ID.to_owned(),
        })
        .expect("a verifier");
    let data = tempfile::tempdir().expect("a directory");
    let auth = hook_service::auth::Authenticator::Bearer(Arc::new(verifier));
    let hook_url = spawn_hook_service_with(&data, auth).await;
    spawn_world_with(okta_listener, &hook_url, data, |org| {
        let mut caller = org
            .apps
            .iter()
            .find(|app| app.app_type == AppType::Service)
            .expect("the seed's service app")
            .clone();
        caller.id = None;
        caller.name = "Token hook caller".to_owned();
        caller.client_id = CALLER_ID.to_owned();
        caller.client_secret = Some(SecretString::from(CALLER_SECRET));
        org.apps.push(caller);
        let default_policy = org.authorization_server.policies[0].clone();
        let mut rule = default_policy.rules[0].clone();
        rule.id = "0pr1lok7ahookcaller0".to_owned();
        rule.name = "Hook caller".to_owned();
        rule.grant_types = vec!["client_credentials".to_owned()];
        rule.inline_hook = None;
        let policy = AccessPolicy {
            id: "00p1lok7ahookcaller0".to_owned(),
            name: "Hook caller".to_owned(),
            priority: 0,
            clients: vec![CALLER_ID.to_owned()],
            rules: vec![rule],
            ..default_policy
        };
        org.authorization_server.policies.insert(0, policy);
        let hook = &mut org.inline_hooks[0];
        hook.auth_header = String::new();
        hook.auth_secret = SecretString::from("");
        hook.oauth = Some(HookOAuth {
            client_id: CALLER_ID.to_owned(),
            client_secret: SecretString::from(CALLER_SECRET),
            token_url: format!("{issuer}/v1/token"),
            scope: "patients.read".to_owned(),
        });
    })
    .await
}

/// Every service on its own port, local-okta on `okta_listener` serving the
/// demo org as `change` leaves it.
async fn spawn_world_with(
    okta_listener: TcpListener,
    hook_url: &str,
    data: TempDir,
    change: impl FnOnce(&mut local_okta::org::Org),
) -> World {
    capture_logs();
    // Every server knows its own URL, so bind all ports first.
    let app_listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let app = format!("http://{}", app_listener.local_addr().expect("address"));
    let okta = format!("http://{}", okta_listener.local_addr().expect("address"));

    let mut org = local_okta::demo_org(hook_url, &format!("{app}/authorization-code/callback"))
        .expect("the demo org");
    change(&mut org);
    let issuer = local_okta::spawn_org(okta_listener, org)
        .await
        .expect("local-okta starts");

    let app_config = Config {
        listen_addr: app_listener.local_addr().expect("address"),
        base_url: app.clone(),
        issuer: issuer.clone(),
        client_id: LOCAL_OKTA_CLIENT_ID.to_owned(),
        client_secret: SecretString::from(LOCAL_OKTA_CLIENT_SECRET),
        source: Source::Environment,
    };
    let app_state = sample_web_app::startup::AppState::new(app_config)
        .await
        .expect("the app discovers local-okta");
    tokio::spawn(sample_web_app::startup::serve(
        app_listener,
        app_state,
        std::future::pending(),
    ));

    World {
        hook: hook_url.trim_end_matches("/tokenHook").to_owned(),
        app,
        okta,
        issuer,
        client: browser(),
        _data: data,
    }
}

/// A browser-like client: keeps cookies for every port of 127.0.0.1,
/// never follows redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("a client")
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).expect("a URL");
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl World {
    /// The same services, seen from a new browser with no cookies.
    pub fn with_a_new_browser(mut self) -> World {
        self.client = browser();
        self
    }

    /// A request to local-okta's Management API (`/api/v1{path}`), with the
    /// demo token, as an admin sends it.
    pub fn okta_api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}/api/v1{path}", self.okta))
            .header("authorization", OKTA_API_AUTHORIZATION)
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.expect("an answer")
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(&format!("{}{path}", self.app)).await;
        (response.status(), response.text().await.expect("a page"))
    }

    /// `/login` → local-okta's authorize; returns the authorize URL.
    pub async fn start_login(&self, path: &str) -> String {
        let response = self.get(&format!("{}{path}", self.app)).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let authorize = location(&response);
        assert!(
            authorize.starts_with(&format!("{}/v1/authorize?", self.issuer)),
            "{authorize}"
        );
        authorize
    }

    /// Fills local-okta's sign-in form; returns the callback URL it redirects to.
    pub async fn sign_in_at_okta(&self, authorize: &str, login: &str) -> String {
        let form = self.get(authorize).await;
        assert_eq!(form.status(), StatusCode::OK, "local-okta's sign-in form");
        let token = csrf_field(&form.text().await.expect("a page"));
        let query = url::Url::parse(authorize)
            .expect("a URL")
            .query()
            .unwrap_or("")
            .to_owned();
        let response = self
            .client
            .post(format!("{}/signin", self.okta))
            .form(&[
                ("username", login),
                ("password", PASSWORD),
                ("authorize_query", &query),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), StatusCode::FOUND);
        let callback = location(&response);
        assert!(
            callback.starts_with(&format!("{}/authorization-code/callback?", self.app)),
            "{callback}"
        );
        callback
    }

    /// The whole sign-in from `/login`; returns where the app sends the browser.
    pub async fn sign_in(&self, login: &str) -> String {
        let authorize = self.start_login("/login").await;
        let callback = self.sign_in_at_okta(&authorize, login).await;
        let response = self.get(&callback).await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "{}",
            response.text().await.unwrap_or_default()
        );
        location(&response)
    }

    /// The logout form's token, read from a page as a browser would.
    pub async fn csrf_token(&self) -> String {
        let (_, page) = self.page("/").await;
        let marker = r#"name="csrf_token" value=""#;
        let start = page.find(marker).expect("a logout form") + marker.len();
        page[start..].split('"').next().expect("a token").to_owned()
    }
}

/// The `csrf_token` hidden field of a form page (local-okta's sign-in form,
/// the app's logout form).
pub fn csrf_field(page: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker).expect("a form with a token") + marker.len();
    page[start..].split('"').next().expect("a token").to_owned()
}

/// The value cell of a claim on My Profile, if the row exists.
/// The ID token as issued, from My Profile's "As issued" block.
pub fn raw_id_token(profile: &str) -> &str {
    let marker = "<h2>As issued</h2>\n    <pre>";
    let start = profile.find(marker).expect("the raw ID token") + marker.len();
    profile[start..].split("</pre>").next().expect("its end")
}

pub fn claim_cell(page: &str, claim: &str) -> Option<String> {
    let marker = format!(r#"id="claim-{claim}">"#);
    let start = page.find(&marker)? + marker.len();
    Some(page[start..].split("</td>").next()?.to_owned())
}
