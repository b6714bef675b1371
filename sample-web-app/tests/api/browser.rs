//! The guide's scenario in a real browser: headless Chromium, driven through
//! WebDriver (chromedriver) with fantoccini, against the three services on
//! free ports. A screenshot of every step lands in `<target dir>/tmp/browser-test/`;
//! with `UPDATE_SCREENSHOTS=1` (`just screenshots`) the README's pictures in
//! `docs/screenshots/` are refreshed from the same run.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{PASSWORD, spawn_world};

const INSTALL: &str = "sudo apt-get install -y chromium chromium-driver";

/// chromedriver and one browser session; the driver dies with the test.
struct Browser {
    client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Browser {
    async fn start() -> Browser {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
            .unwrap_or_else(|| {
                panic!("The browser test needs Chromium. Install it with: {INSTALL}")
            });
        // Port 0: chromedriver picks a free port itself and says which.
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("The browser test needs chromedriver ({error}). Install it with: {INSTALL}")
            });
        // Ready when it says so: no sleeping.
        let stdout = driver.stdout.take().expect("chromedriver's output");
        let mut lines = BufReader::new(stdout).lines();
        // "ChromeDriver was started successfully on port 33165."
        let port = loop {
            let line = lines.next_line().await.expect("chromedriver's output");
            let line = line.unwrap_or_else(|| panic!("chromedriver exited before it was ready"));
            if line.contains("started successfully") {
                let port = line
                    .trim_end_matches('.')
                    .rsplit(' ')
                    .next()
                    .and_then(|port| port.parse::<u16>().ok())
                    .filter(|port| *port != 0);
                break port.unwrap_or_else(|| panic!("no port in chromedriver's {line:?}"));
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let profile = tempfile::tempdir().expect("a profile directory");
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1280,960".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({ "goog:chromeOptions": { "binary": chromium, "args": args } });
        let capabilities = capabilities.as_object().cloned().expect("an object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session in headless Chromium");
        // Cargo's own scratch directory for tests, wherever its target directory is.
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-test");
        std::fs::create_dir_all(&shots).expect("a screenshot directory");
        Browser {
            client,
            _driver: driver,
            _profile: profile,
            shots,
        }
    }

    /// Saves a screenshot as `<target>/tmp/browser-test/<name>.png`, and refreshes
    /// `docs/screenshots/<readme_name>.png` when asked to.
    async fn shot(&self, name: &str, readme_name: Option<&str>) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), &png).expect("saved");
        let refresh = std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|value| value == "1");
        if let (true, Some(readme_name)) = (refresh, readme_name) {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
            std::fs::create_dir_all(&docs).expect("docs/screenshots");
            std::fs::write(docs.join(format!("{readme_name}.png")), &png).expect("saved");
        }
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("{css} never appeared: {error}"))
    }

    /// Waits until the current page's query string holds `needle`.
    async fn wait_for_query(&self, needle: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let url = self.client.current_url().await.expect("the address");
            if url.query().is_some_and(|query| query.contains(needle)) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{needle} never in the address: {url}"
            );
        }
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("clicked");
    }

    async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("its text")
    }

    async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("a query")
            .len()
    }

    /// On local-okta's sign-in page: fills and submits the form.
    async fn sign_in(&self, login: &str) {
        self.wait_for("#username")
            .await
            .send_keys(login)
            .await
            .expect("typed");
        self.wait_for("#password")
            .await
            .send_keys(PASSWORD)
            .await
            .expect("typed");
        self.click("#signin-button").await;
    }
}

#[tokio::test]
async fn a_person_signs_in_in_a_browser_and_sees_ext_patient_id() {
    let world = spawn_world().await;
    let browser = Browser::start().await;

    browser
        .client
        .goto(&world.app)
        .await
        .expect("the app opens");
    browser.wait_for("#login-button").await;
    browser.shot("01-home", Some("home")).await;

    browser.click("#login-button").await;
    browser.wait_for("#username").await;
    browser.shot("02-sign-in", Some("sign-in")).await;
    browser.sign_in("jessie.smith@example.com").await;
    assert_eq!(
        browser.text("#welcome").await,
        "Welcome back, Jessie Smith!"
    );
    browser.shot("03-welcome", None).await;

    browser.click("#profile-button").await;
    assert_eq!(browser.text("#claim-extPatientId").await, "1235");
    browser.shot("04-profile-patient", Some("my-profile")).await;

    browser.click("#logout-button").await;
    browser.wait_for("#login-button").await;
    browser.shot("05-signed-out", None).await;

    browser.click("#login-button").await;
    browser.sign_in("test.user@example.com").await;
    browser.wait_for("#welcome").await;
    browser.click("#profile-button").await;
    browser.wait_for("#not-a-patient").await;
    assert_eq!(browser.count("#claim-extPatientId").await, 0);
    assert_eq!(browser.text("#claim-email").await, "test.user@example.com");
    browser.shot("06-profile-not-a-patient", None).await;

    browser
        .client
        .goto(&format!("{}/admin/logs", world.okta))
        .await
        .expect("the System Log");
    browser.wait_for("#system-log").await;
    let processed = r#"tr.log-event[data-event-type="inline_hook.response.processed"]"#;
    assert_eq!(
        browser.count(processed).await,
        2,
        "one hook call per sign-in"
    );
    browser.shot("07-system-log", Some("system-log")).await;

    // local-okta's own inspector: both calls, and the patient's whole.
    browser
        .client
        .goto(&format!("{}/admin/hooks", world.okta))
        .await
        .expect("the hook inspector");
    browser.wait_for("#hook-calls").await;
    assert_eq!(
        browser.count("tr.hook-call").await,
        2,
        "one call per sign-in"
    );
    browser
        .click("#hook-calls tr.hook-call:last-of-type a")
        .await;
    browser.wait_for("#verdict").await;
    let verdict = browser.text("#verdict").await;
    assert!(verdict.contains("Every command applies"), "{verdict}");
    assert!(browser.text("#claims-after").await.contains("extPatientId"));
    browser.shot("07b-hook-call", Some("hook-call")).await;

    browser
        .client
        .goto(&format!("{}/admin/preview", world.okta))
        .await
        .expect("Preview");
    browser.click("#generate-button").await;
    // The page before has the same form: wait for the one the click loads,
    // whose address carries the chosen grant.
    browser.wait_for_query("grant_type=").await;
    browser.click("#view-response-button").await;
    let verdict = browser.text("#verdict").await;
    assert!(verdict.starts_with("Apply every command"), "{verdict}");
    assert!(browser.text("#changes").await.contains("extPatientId"));
    let scroll = "document.querySelector('#preview-result').scrollIntoView()";
    browser
        .client
        .execute(scroll, vec![])
        .await
        .expect("scrolled");
    browser.shot("08-preview", Some("preview")).await;

    // The open redirect a browser would follow: it strips the tab, and
    // `/\t/evil.example` becomes `//evil.example`. The app must land at home.
    browser
        .client
        .goto(&format!("{}/logout", world.app))
        .await
        .expect("a page");
    browser
        .client
        .goto(&format!("{}/login?return_to=/%09/evil.example", world.app))
        .await
        .expect("the sign-in starts");
    browser.wait_for("#welcome").await;
    let landed = browser.client.current_url().await.expect("a URL");
    assert_eq!(
        landed.as_str(),
        format!("{}/", world.app),
        "still on the app"
    );

    browser.client.close().await.expect("the session closes");
}
