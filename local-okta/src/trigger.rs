//! `local-okta trigger <login>` (`just trigger`): a real token request
//! through a running local-okta, without a browser: the `stripe trigger` of
//! this workshop, and **local-okta's own**. For the authorization code grant
//! it does what a browser and the sample app do (authorize, the sign-in
//! form, the code exchange with PKCE); for client credentials, the token
//! request. Then it reads the hook call from the inspector
//! (`/api/v1/dev/hookCalls`) and reports the call, the verdict and the
//! tokens' claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::org::{App, AppType, Org};

/// What to trigger.
#[derive(Debug, Clone)]
pub struct Options {
    /// The user to sign in (ignored for client credentials).
    pub login: String,
    /// `authorization_code` (the guide's) or `client_credentials`.
    pub grant: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// The client id; by default the org's web app, or its service app for
    /// client credentials.
    pub client: Option<String>,
}

/// What came of it. `--json` prints it as JSON, for scripts such as
/// `just check`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The inspector's record of the hook call, if the hook was called.
    pub hook_call: Option<Value>,
    /// `{ "id": {…}, "access": {…} }`: the claims of the tokens issued.
    pub claims: Value,
    /// The call's page in the inspector.
    pub inspector_url: Option<String>,
    /// The token endpoint's error, when there was one.
    pub error: Option<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.hook_call {
            Some(call) => {
                let status = call["status"]
                    .as_u64()
                    .map_or_else(|| "no answer".to_owned(), |status| status.to_string());
                writeln!(
                    f,
                    "hook call: {status} in {} ms (of {} ms)",
                    call["durationMs"], call["budgetMs"]
                )?;
                writeln!(f, "verdict:   {}", call["verdict"].as_str().unwrap_or(""))?;
            }
            None => writeln!(f, "hook call: none (no hook on the matching rule)")?,
        }
        if let Some(error) = &self.error {
            writeln!(f, "error:     {error}")?;
        }
        for (token, claims) in self.claims.as_object().into_iter().flatten() {
            let pretty = serde_json::to_string_pretty(claims).unwrap_or_default();
            writeln!(f, "{token} token claims: {pretty}")?;
        }
        if let Some(url) = &self.inspector_url {
            writeln!(f, "inspector: {url}")?;
        }
        Ok(())
    }
}

/// Triggers `options` against the local-okta at `base`
/// (`http://host:port`) serving `org`.
pub async fn run(base: &str, issuer: &str, org: &Org, options: &Options) -> Result<Report, Error> {
    let failed = |what: &str, reason: String| Error::Trigger(format!("{what}: {reason}"));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(Error::HttpClient)?;
    let before = newest_call_id(&client, base, org).await?;
    let tokens = match options.grant.as_str() {
        "authorization_code" => authorization_code(&client, base, issuer, org, options).await?,
        "client_credentials" => {
            let app = match &options.client {
                Some(id) => org.client(id),
                None => org.apps.iter().find(|app| app.app_type == AppType::Service),
            }
            .ok_or_else(|| failed("client credentials", "no such service app".to_owned()))?;
            let form = [
                ("grant_type", "client_credentials"),
                ("scope", options.scopes.as_str()),
            ];
            token_request(&client, issuer, app, &form).await?
        }
        other => {
            return Err(failed(
                "--grant",
                format!("{other:?}: use authorization_code or client_credentials"),
            ));
        }
    };
    let mut claims = Map::new();
    for (field, name) in [("id_token", "id"), ("access_token", "access")] {
        if let Some(jwt) = tokens[field].as_str() {
            claims.insert(name.to_owned(), payload(jwt));
        }
    }
    let error = tokens["error"].as_str().map(|error| {
        format!(
            "{error}: {}",
            tokens["error_description"].as_str().unwrap_or("")
        )
    });
    let newest = newest_call(&client, base, org).await?;
    let hook_call = newest.filter(|call| call["id"].as_str() != before.as_deref());
    let inspector_url = hook_call
        .as_ref()
        .and_then(|call| call["id"].as_str())
        .map(|id| format!("{base}/admin/hooks/{id}"));
    Ok(Report {
        hook_call,
        claims: Value::Object(claims),
        inspector_url,
        error,
    })
}

/// authorize → the sign-in form → sign in → the code → the exchange.
async fn authorization_code(
    client: &reqwest::Client,
    base: &str,
    issuer: &str,
    org: &Org,
    options: &Options,
) -> Result<Value, Error> {
    let failed = |what: &str, reason: String| Error::Trigger(format!("{what}: {reason}"));
    let app = match &options.client {
        Some(id) => org.client(id),
        None => org.sample_app(),
    }
    .ok_or_else(|| failed("authorization code", "no such web app".to_owned()))?;
    let redirect_uri = app.redirect_uris.first().ok_or_else(|| {
        failed(
            "authorization code",
            "the app has no redirect URI".to_owned(),
        )
    })?;
    let verifier = crate::ids::secret_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &app.client_id)
        .append_pair("response_type", "code")
        .append_pair("scope", &options.scopes)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "trigger")
        .append_pair("nonce", "trigger")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("prompt", "login")
        .finish();
    let form = client
        .get(format!("{issuer}/v1/authorize?{query}"))
        .send()
        .await
        .map_err(|error| failed("authorize", error.to_string()))?
        .text()
        .await
        .map_err(|error| failed("authorize", error.to_string()))?;
    let token = form
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| failed("authorize", "no sign-in form came back".to_owned()))?
        .to_owned();
    let signed_in = client
        .post(format!("{base}/signin"))
        .header("origin", base)
        .form(&[
            ("username", options.login.as_str()),
            ("password", org.org.demo_password.expose_secret()),
            ("authorize_query", query.as_str()),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .map_err(|error| failed("sign in", error.to_string()))?;
    let Some(location) = signed_in
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
    else {
        // No way back to the app: a wrong password, or strict mode stopped
        // the sign-in (its page says why; the inspector has the call).
        let status = signed_in.status();
        return Ok(serde_json::json!({
            "error": "no_redirect",
            "error_description": format!(
                "local-okta answered {status} instead of sending the browser back to the app"
            ),
        }));
    };
    let back = url::Url::parse(location).map_err(|error| failed("sign in", error.to_string()))?;
    let param = |name: &str| {
        back.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let Some(code) = param("code") else {
        let error = param("error").unwrap_or_default();
        let description = param("error_description").unwrap_or_default();
        return Ok(serde_json::json!({ "error": error, "error_description": description }));
    };
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    token_request(client, issuer, app, &form).await
}

/// POSTs `form` to the token endpoint as `app` (`client_secret_basic`);
/// returns the answer's JSON, error or not.
async fn token_request(
    client: &reqwest::Client,
    issuer: &str,
    app: &App,
    form: &[(&str, &str)],
) -> Result<Value, Error> {
    let failed = |error: reqwest::Error| Error::Trigger(format!("the token request: {error}"));
    let secret = app
        .client_secret
        .as_ref()
        .map(|secret| secret.expose_secret().to_owned());
    client
        .post(format!("{issuer}/v1/token"))
        .basic_auth(&app.client_id, secret)
        .form(form)
        .send()
        .await
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)
}

async fn newest_call(
    client: &reqwest::Client,
    base: &str,
    org: &Org,
) -> Result<Option<Value>, Error> {
    let calls: Vec<Value> = client
        .get(format!("{base}/api/v1/dev/hookCalls"))
        .header(
            "authorization",
            format!("SSWS {}", org.org.api_token.expose_secret()),
        )
        .send()
        .await
        .map_err(|error| Error::Trigger(format!("the inspector: {error}")))?
        .json()
        .await
        .map_err(|error| Error::Trigger(format!("the inspector: {error}")))?;
    Ok(calls.into_iter().next())
}

async fn newest_call_id(
    client: &reqwest::Client,
    base: &str,
    org: &Org,
) -> Result<Option<String>, Error> {
    Ok(newest_call(client, base, org)
        .await?
        .and_then(|call| call["id"].as_str().map(str::to_owned)))
}

/// A JWT's payload, unverified: the tokens come straight from local-okta.
fn payload(jwt: &str) -> Value {
    jwt.split('.')
        .nth(1)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}
