//! `okta-setup` end to end: against a local-okta whose org has no app, no
//! hook and no access policy (like an Integrator Free org before the
//! guide's clicks), with the real hook-service behind `HOOK_PUBLIC_URL` on
//! loopback; then the sample app, configured only from the `testenv` that
//! setup wrote, signs a patient in and shows `extPatientId`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use hook_service::configuration::BasicCredentials;
use hook_service::patients::PatientStore;
use okta_setup::config::Config;
use okta_setup::setup::{Options, setup, teardown};
use okta_setup::testenv;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;
use tokio::net::TcpListener;

const API_TOKEN: &str = "00-local-okta-demo-api-token";

/// hook-service, an empty local-okta, and the app's future address.
struct World {
    okta: String,
    hook_url: String,
    app_listener: Option<TcpListener>,
    app: String,
    directory: TempDir,
}

async fn world() -> World {
    let directory = tempfile::tempdir().expect("a directory");
    let database_url = format!("sqlite://{}/patients.db", directory.path().display());
    let patients = PatientStore::open(&database_url).await.expect("a store");
    let hook_listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let hook_url = format!(
        "http://{}/tokenHook",
        hook_listener.local_addr().expect("addr")
    );
    let state = hook_service::startup::AppState {
        auth: hook_service::auth::Authenticator::Basic(Arc::new(BasicCredentials {
            user: "admin".to_owned(),
            password: SecretString::from("supersecret"),
        })),
        patients,
        log_patient_ids: true,
    };
    tokio::spawn(hook_service::startup::serve(
        hook_listener,
        state,
        std::future::pending(),
    ));

    let mut org = local_okta::org::Org::default_org().expect("the built-in org");
    org.apps.clear();
    org.inline_hooks.clear();
    org.authorization_server.policies.clear();
    let okta_listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let issuer = local_okta::spawn_org(okta_listener, org)
        .await
        .expect("local-okta starts");
    let okta = issuer.trim_end_matches("/oauth2/default").to_owned();

    let app_listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let app = format!("http://{}", app_listener.local_addr().expect("addr"));
    World {
        okta,
        hook_url,
        app_listener: Some(app_listener),
        app,
        directory,
    }
}

impl World {
    fn config(&self, hook_url: &str) -> Config {
        let values = HashMap::from([
            ("OKTA_ORG_URL", self.okta.clone()),
            ("OKTA_API_TOKEN", API_TOKEN.to_owned()),
            ("APP_BASE_URL", self.app.clone()),
            ("HOOK_PUBLIC_URL", hook_url.to_owned()),
            ("BASIC_AUTH_USER", "admin".to_owned()),
            ("BASIC_AUTH_PASSWORD", "supersecret".to_owned()),
            (
                "DATABASE_URL",
                format!("sqlite://{}/patients.db", self.directory.path().display()),
            ),
        ]);
        Config::from_lookup(|name| values.get(name).cloned(), self.directory.path())
            .expect("a valid config")
    }

    async fn api(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}/api/v1{path}", self.okta))
            .header("Authorization", format!("SSWS {API_TOKEN}"))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON")
    }

    /// Apps, hooks and policies: what setup may change.
    async fn org_contents(&self) -> (Value, Value, Value) {
        (
            self.api("/apps").await,
            self.api("/inlineHooks").await,
            self.api("/authorizationServers/default/policies").await,
        )
    }
}

#[tokio::test]
async fn setup_from_an_empty_org_lets_the_app_sign_a_patient_in_then_teardown_undoes_it() {
    let mut world = world().await;
    let before = world.org_contents().await;
    let config = world.config(&world.hook_url);

    let report = setup(&config, &Options::default())
        .await
        .expect("setup runs");
    assert!(report.changes >= 5, "{:#?}", report.lines);
    let check = report
        .lines
        .iter()
        .find(|line| line.starts_with("5. check"))
        .expect("a check line");
    assert!(
        check.contains(r#"extPatientId="1235" in the ID token"#),
        "{check}"
    );

    // The sample app, configured from nothing but the testenv setup wrote.
    let testenv = world.directory.path().join("testenv");
    let listener = world.app_listener.take().expect("the app's port");
    sign_in_a_patient(&testenv, listener, &world.app).await;

    let again = setup(&config, &Options::default()).await.expect("runs");
    assert_eq!(again.changes, 0, "{:#?}", again.lines);
    assert!(
        again
            .lines
            .iter()
            .any(|line| line == "Nothing to change: the org is set up.")
    );

    let moved = world.hook_url.replace("127.0.0.1", "localhost");
    let report = setup(&world.config(&moved), &Options::default())
        .await
        .expect("runs");
    assert!(
        report.lines.iter().any(|line| line.contains("replaced")),
        "{:#?}",
        report.lines
    );
    let hooks = world.api("/inlineHooks").await;
    assert_eq!(hooks[0]["channel"]["config"]["uri"], moved.as_str());

    teardown(&config, false).await.expect("teardown runs");
    assert_eq!(world.org_contents().await, before, "the org is as it was");
}

#[tokio::test]
async fn a_dry_run_prints_the_plan_and_changes_nothing() {
    let world = world().await;
    let before = world.org_contents().await;
    let report = setup(
        &world.config(&world.hook_url),
        &Options {
            dry_run: true,
            check_user: None,
        },
    )
    .await
    .expect("a dry run");
    assert!(report.changes > 0);
    assert!(
        report
            .lines
            .iter()
            .any(|line| line.contains("would create"))
    );
    assert_eq!(world.org_contents().await, before);
    assert!(!world.directory.path().join("testenv").exists());
}

#[tokio::test]
async fn a_wrong_token_names_the_step_the_code_and_the_fix() {
    let world = world().await;
    let mut config = world.config(&world.hook_url);
    config.api_token = SecretString::from("not-the-token");
    let error = setup(&config, &Options::default())
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        error.starts_with("1. app integration: Okta answered 401 E0000011"),
        "{error}"
    );
    assert!(error.contains("Security > API > Tokens"), "{error}");
    assert!(
        !error.contains("not-the-token"),
        "the token is never printed"
    );
}

#[tokio::test]
async fn a_plain_http_hook_url_off_this_machine_is_refused() {
    let world = world().await;
    let error = setup(
        &world.config("http://hooks.example.com/tokenHook"),
        &Options::default(),
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(error.contains("must use https"), "{error}");
}

/// Starts the sample app from `testenv` and walks a sign-in as Jessie.
async fn sign_in_a_patient(testenv_path: &Path, listener: TcpListener, app: &str) {
    let value = |key: &str| testenv::read(testenv_path, key).expect("set by okta-setup");
    let config = sample_web_app::configuration::Config {
        listen_addr: listener.local_addr().expect("addr"),
        base_url: app.to_owned(),
        issuer: value("ISSUER"),
        client_id: value("CLIENT_ID"),
        client_secret: SecretString::from(value("CLIENT_SECRET")),
        source: sample_web_app::configuration::Source::Testenv,
    };
    let state = sample_web_app::startup::AppState::new(config)
        .await
        .expect("the app discovers the org");
    tokio::spawn(sample_web_app::startup::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("a client");
    let location = |response: &reqwest::Response| {
        response.headers()["location"]
            .to_str()
            .expect("ASCII")
            .to_owned()
    };
    let login = browser
        .get(format!("{app}/login"))
        .send()
        .await
        .expect("answer");
    let authorize = location(&login);
    let form = browser
        .get(&authorize)
        .send()
        .await
        .expect("the sign-in form")
        .text()
        .await
        .expect("a page");
    let marker = r#"name="csrf_token" value=""#;
    let token = form
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's token")
        .to_owned();
    let query = url::Url::parse(&authorize)
        .expect("a URL")
        .query()
        .unwrap_or_default()
        .to_owned();
    let okta = authorize.split("/oauth2/").next().expect("the org");
    let signed_in = browser
        .post(format!("{okta}/signin"))
        .form(&[
            ("username", "jessie.smith@example.com"),
            ("password", "Workshop123!"),
            ("authorize_query", query.as_str()),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .expect("answer");
    assert_eq!(signed_in.status(), StatusCode::FOUND);
    let callback = location(&signed_in);
    let landed = browser.get(&callback).send().await.expect("answer");
    assert_eq!(landed.status(), StatusCode::FOUND, "{callback}");
    let profile = browser
        .get(format!("{app}/profile"))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("a page");
    assert!(
        profile.contains(r#"id="claim-extPatientId">1235<"#),
        "{profile}"
    );
}
