//! Sign-ins as a browser does them: the app's `/login`, local-okta's
//! authorize and sign-in form, the sign-in (where the hook runs), the
//! callback with its code exchange, and My Profile. Each step's
//! `Server-Timing` header splits the time between the app, local-okta and
//! the hook.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// One sign-in's times.
#[derive(Debug, Default, Clone, Copy)]
pub struct SignIn {
    pub total: Duration,
    /// The app's own time (its handlers, less its wait on local-okta).
    pub app: Duration,
    /// local-okta's own time, signing included, less the hook call.
    pub okta: Duration,
    /// The hook call, as local-okta timed it.
    pub hook: Duration,
}

/// A browser with its own cookies (all on 127.0.0.1: one jar for every port).
struct Browser<'a> {
    client: &'a reqwest::Client,
    cookies: HashMap<String, String>,
    okta_port: u16,
    times: SignIn,
}

impl Browser<'_> {
    async fn get(&mut self, url: &str) -> anyhow::Result<reqwest::Response> {
        let request = self.client.get(url);
        self.send(request).await
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<reqwest::Response> {
        let cookie = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if cookie.is_empty() {
            request
        } else {
            request.header(COOKIE, cookie)
        };
        let sent = Instant::now();
        let response = request.send().await?;
        if std::env::var_os("BENCH_TRACE").is_some() {
            eprintln!(
                "{} {} in {:?}, server says {:?}",
                response.status(),
                response.url().path(),
                sent.elapsed(),
                response.headers().get("server-timing")
            );
        }
        for value in response.headers().get_all(SET_COOKIE) {
            let Some((name, rest)) = value.to_str().unwrap_or_default().split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        self.account(&response);
        Ok(response)
    }

    /// Adds the answer's Server-Timing to the right service's share.
    fn account(&mut self, response: &reqwest::Response) {
        let port = response.url().port().unwrap_or_default();
        let timing = response
            .headers()
            .get("server-timing")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let mut parts = HashMap::new();
        for entry in timing.split(',') {
            let mut fields = entry.trim().split(';');
            let name = fields.next().unwrap_or_default().to_owned();
            let millis = fields
                .find_map(|field| field.trim().strip_prefix("dur="))
                .and_then(|value| value.parse::<f64>().ok())
                .unwrap_or(0.0);
            parts.insert(name, Duration::from_secs_f64(millis / 1000.0));
        }
        let part = |name: &str| parts.get(name).copied().unwrap_or_default();
        let own = part("total")
            .saturating_sub(part("upstream"))
            .saturating_sub(part("hook"));
        if port == self.okta_port {
            self.times.okta += own;
            self.times.hook += part("hook");
        } else {
            // The app's wait on local-okta is the code exchange: local-okta's
            // token endpoint, where the tokens are signed (and loopback).
            self.times.app += own;
            self.times.okta += part("upstream");
        }
    }
}

/// One whole sign-in of `login` at the app `app`, through local-okta, timed;
/// then, untimed, the logout a person would end with, so that neither
/// service keeps the session (and a long run measures leaks, not sessions).
pub async fn sign_in(
    client: &reqwest::Client,
    app: &str,
    okta_port: u16,
    login: &str,
) -> anyhow::Result<SignIn> {
    let started = Instant::now();
    let mut browser = Browser {
        client,
        cookies: HashMap::new(),
        okta_port,
        times: SignIn::default(),
    };
    let login_page = browser.get(&format!("{app}/login")).await?;
    let authorize = location(&login_page)?;
    let form = browser.get(&authorize).await?.text().await?;
    let token = form
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the sign-in form's token")?
        .to_owned();
    let query = url::Url::parse(&authorize)?
        .query()
        .unwrap_or_default()
        .to_owned();
    let okta = authorize
        .split("/oauth2/")
        .next()
        .unwrap_or_default()
        .to_owned();
    let request = client.post(format!("{okta}/signin")).form(&[
        ("username", login),
        ("password", "Workshop123!"),
        ("authorize_query", &query),
        ("csrf_token", &token),
    ]);
    let signed_in = browser.send(request).await?;
    let callback = location(&signed_in)?;
    let landed = browser.get(&callback).await?;
    if landed.status() != reqwest::StatusCode::FOUND {
        bail!("the callback answered {}", landed.status());
    }
    let profile = browser.get(&format!("{app}/profile")).await?.text().await?;
    if !profile.contains("id=\"claim-extPatientId\">") && login.contains("jessie") {
        bail!("My Profile has no extPatientId for {login}");
    }
    browser.times.total = started.elapsed();
    let times = browser.times;
    sign_out(&mut browser, app, &profile).await?;
    Ok(times)
}

/// My Profile's logout form, then local-okta's logout, back to the app.
async fn sign_out(browser: &mut Browser<'_>, app: &str, profile: &str) -> anyhow::Result<()> {
    let token = profile
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the logout form's token")?
        .to_owned();
    let request = browser
        .client
        .post(format!("{app}/logout"))
        .form(&[("csrf_token", token)]);
    let response = browser.send(request).await?;
    let end_session = location(&response)?;
    let back = browser.get(&end_session).await?;
    if !back.status().is_redirection() {
        bail!("local-okta's logout answered {}", back.status());
    }
    Ok(())
}

fn location(response: &reqwest::Response) -> anyhow::Result<String> {
    Ok(response
        .headers()
        .get(LOCATION)
        .with_context(|| {
            format!(
                "no redirect from {} ({})",
                response.url(),
                response.status()
            )
        })?
        .to_str()?
        .to_owned())
}
