//! Okta's own SDK against local-okta: a minimal Express app on
//! `@okta/oidc-middleware` (the library of the guide's sample, in
//! `interop/express/`) signs in through local-okta, finds the real hook's
//! claim in its ID token, and signs out.
//!
//! It runs where Node.js is installed, as on CI; `just test` installs the
//! app's packages first (`npm ci --prefix interop/express`), and fails if it
//! cannot. Without Node.js, or without the packages (a bare `cargo test`),
//! it says so and checks nothing else.

use std::path::PathBuf;
use std::process::Stdio;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

use crate::helpers::{PASSWORD, csrf_field, location, spawn_hook_service};

fn express_app() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/express")
}

fn node_is_installed() -> bool {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test]
async fn okta_oidc_middleware_signs_in_sees_the_hooks_claim_and_signs_out() {
    if !node_is_installed() {
        eprintln!("Node.js is not installed: the Express interop test has nothing to run");
        return;
    }
    let app_dir = express_app();
    if !app_dir.join("node_modules/@okta/oidc-middleware").exists() {
        // `just test` installs them first; a bare `cargo test` may not have.
        eprintln!(
            "the Express app's packages are not installed: run `npm ci --prefix \
             interop/express` (`just test` does) to run this test"
        );
        return;
    }
    let data = tempfile::tempdir().expect("a directory");
    let hook_url = spawn_hook_service(&data).await;
    // The app's port must be known before local-okta registers its redirect URI.
    let app_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("an address").port()
    };
    let app = format!("http://127.0.0.1:{app_port}");
    let okta_listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    // Registered without a trailing slash, as the guide registers its sign-out URI.
    let issuer = local_okta::spawn(
        okta_listener,
        &hook_url,
        &format!("{app}/authorization-code/callback"),
    )
    .await
    .expect("local-okta starts");

    let mut node = Command::new("node")
        .arg("app.js")
        .current_dir(&app_dir)
        .env("ISSUER", &issuer)
        .env(
            "CLIENT_ID",
            sample_web_app::configuration::LOCAL_OKTA_CLIENT_ID,
        )
        .env(
            "CLIENT_SECRET",
            sample_web_app::configuration::LOCAL_OKTA_CLIENT_SECRET,
        )
        .env("APP_BASE_URL", &app)
        .env("PORT", app_port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let stdout = node.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next_line()
            .await
            .expect("readable")
            .expect("the Express app said it listens before exiting");
        if line.starts_with("listening on") {
            break;
        }
    }

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("a client");
    let get = |url: String| {
        let browser = browser.clone();
        async move { browser.get(url).send().await.expect("an answer") }
    };

    // The middleware's /login sends the browser to local-okta's authorize.
    let authorize = location(&get(format!("{app}/login")).await);
    assert!(
        authorize.starts_with(&format!("{issuer}/v1/authorize?")),
        "{authorize}"
    );
    let form = get(authorize.clone()).await;
    assert_eq!(form.status(), StatusCode::OK, "local-okta's sign-in form");
    let token = csrf_field(&form.text().await.expect("a page"));
    let query = url::Url::parse(&authorize)
        .expect("a URL")
        .query()
        .unwrap_or_default()
        .to_owned();
    let okta_base = issuer.trim_end_matches("/oauth2/default");
    let signed_in = browser
        .post(format!("{okta_base}/signin"))
        .form(&[
            ("username", "jessie.smith@example.com"),
            ("password", PASSWORD),
            ("authorize_query", &query),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .expect("an answer");
    let callback = location(&signed_in);
    assert!(
        callback.starts_with(&format!("{app}/authorization-code/callback?code=")),
        "{callback}"
    );
    let landed = get(callback).await;
    assert_eq!(
        landed.status(),
        StatusCode::FOUND,
        "the middleware took the code"
    );

    let profile: Value = get(format!("{app}/profile"))
        .await
        .json()
        .await
        .expect("the ID token's claims");
    assert_eq!(profile["extPatientId"], "1235", "{profile:#}");
    assert_eq!(profile["preferred_username"], "jessie.smith@example.com");

    // Sign out: the middleware revokes the tokens, then sends the browser to
    // local-okta with post_logout_redirect_uri = "{app}/".
    let logout = browser
        .post(format!("{app}/logout"))
        .send()
        .await
        .expect("an answer");
    let end_session = location(&logout);
    assert!(
        end_session.starts_with(&format!("{issuer}/v1/logout?")),
        "{end_session}"
    );
    let back = get(end_session).await;
    assert_eq!(
        back.status(),
        StatusCode::FOUND,
        "local-okta accepts the URI with a slash"
    );
    assert!(
        location(&back).starts_with(&format!("{app}/")),
        "{}",
        location(&back)
    );
    let home: Value = get(format!("{app}/")).await.json().await.expect("JSON");
    assert_eq!(home["signedIn"], false);
}
