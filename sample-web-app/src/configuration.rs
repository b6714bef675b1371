//! Configuration: `testenv` (dotenv format, as the Express sample reads it),
//! the environment, or local-okta's defaults.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `ISSUER` | the custom authorization server, `https://{org}/oauth2/default` | local-okta's |
//! | `CLIENT_ID` | the app integration's client id | local-okta's app |
//! | `CLIENT_SECRET` | its client secret | local-okta's app |
//! | `APP_LISTEN_ADDR` | address to listen on | `127.0.0.1:8080` |
//! | `APP_BASE_URL` | the app's own URL (callback and sign-out redirect) | `http://localhost:8080` |
//!
//! A value in the environment wins over `testenv`. With neither an `ISSUER`
//! in the environment nor a `testenv` file, the app uses local-okta.
//! Every value is checked before the app serves, with messages in the
//! spirit of Okta's own config validator. The secret is never printed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::error::AppError;

/// local-okta's issuer, used when there is no `testenv`.
pub const LOCAL_OKTA_ISSUER: &str = "http://localhost:8081/oauth2/default";
/// The app's client id in local-okta's `org.toml`.
pub const LOCAL_OKTA_CLIENT_ID: &str = "0oa1lok7asampleapp0x";
/// The app's client secret in local-okta's `org.toml` (a published demo value).
pub const LOCAL_OKTA_CLIENT_SECRET: &str = "local-okta-demo-client-secret-not-for-production";
/// The callback path, as in the Express sample.
pub const CALLBACK_PATH: &str = "/authorization-code/callback";

/// Where the Okta settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `testenv` file (and possibly the environment).
    Testenv,
    /// The environment only.
    Environment,
    /// Nothing was configured: local-okta's demo values.
    LocalOktaDefaults,
}

/// Everything the app needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    /// The app's own URL, no trailing slash.
    pub base_url: String,
    /// The issuer, exactly as the authorization server publishes it.
    pub issuer: String,
    pub client_id: String,
    /// The client secret, redacted from `Debug`.
    pub client_secret: SecretString,
    /// Where the settings came from.
    pub source: Source,
}

impl Config {
    /// Reads `testenv` (if present in the working directory) and the environment.
    pub fn from_env() -> Result<Config, AppError> {
        let testenv = read_testenv(Path::new("testenv"))?;
        let has_testenv = testenv.is_some();
        let file = testenv.unwrap_or_default();
        Config::from_lookup(
            |name| std::env::var(name).ok().or_else(|| file.get(name).cloned()),
            has_testenv,
        )
    }

    /// Builds and checks the configuration from `lookup`; `has_testenv`
    /// tells whether a `testenv` file exists.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        has_testenv: bool,
    ) -> Result<Config, AppError> {
        let value = |name: &str| lookup(name).map(|v| v.trim().to_owned());
        let source = match (has_testenv, value("ISSUER")) {
            (true, _) => Source::Testenv,
            (false, Some(_)) => Source::Environment,
            (false, None) => Source::LocalOktaDefaults,
        };
        let (issuer, client_id, client_secret) = if source == Source::LocalOktaDefaults {
            (
                LOCAL_OKTA_ISSUER.to_owned(),
                LOCAL_OKTA_CLIENT_ID.to_owned(),
                LOCAL_OKTA_CLIENT_SECRET.to_owned(),
            )
        } else {
            (
                value("ISSUER").unwrap_or_default(),
                value("CLIENT_ID").unwrap_or_default(),
                value("CLIENT_SECRET").unwrap_or_default(),
            )
        };
        check_issuer(&issuer)?;
        check_client_id(&client_id)?;
        check_client_secret(&client_secret)?;
        let listen_addr = value("APP_LISTEN_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen_addr = listen_addr.parse().map_err(|_| {
            AppError::Config(format!(
                "APP_LISTEN_ADDR={listen_addr} is not an address and port such as 127.0.0.1:8080."
            ))
        })?;
        let base_url = value("APP_BASE_URL").unwrap_or_else(|| "http://localhost:8080".into());
        let base_url = base_url.trim_end_matches('/').to_owned();
        if url::Url::parse(&base_url).is_err() {
            return Err(AppError::Config(format!(
                "APP_BASE_URL={base_url} is not a URL such as http://localhost:8080."
            )));
        }
        Ok(Config {
            listen_addr,
            base_url,
            issuer,
            client_id,
            client_secret: SecretString::from(client_secret),
            source,
        })
    }

    /// The redirect URI registered in the app integration.
    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.base_url)
    }

    /// The secret as shown on pages: masked but for its last four characters.
    pub fn masked_secret(&self) -> String {
        mask(self.client_secret.expose_secret())
    }

    /// A sentence for the startup log: where the settings came from.
    pub fn describe_source(&self) -> String {
        match self.source {
            Source::Testenv => format!("using testenv: issuer {}", self.issuer),
            Source::Environment => format!("using the environment: issuer {}", self.issuer),
            Source::LocalOktaDefaults => format!(
                "no testenv: using local-okta at {} with its demo app (copy testenv.example \
                 to testenv to use your own Okta org)",
                self.issuer
            ),
        }
    }
}

fn read_testenv(path: &Path) -> Result<Option<HashMap<String, String>>, AppError> {
    let entries = match dotenvy::from_path_iter(path) {
        Ok(entries) => entries,
        Err(error) if error.not_found() => return Ok(None),
        Err(error) => return Err(AppError::Testenv(error)),
    };
    let mut values = HashMap::new();
    for entry in entries {
        let (key, value) = entry.map_err(AppError::Testenv)?;
        values.insert(key, value);
    }
    Ok(Some(values))
}

/// `••••••••` and the last four characters.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let visible: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("••••••••{visible}")
}

fn check_issuer(issuer: &str) -> Result<(), AppError> {
    let fail = |message: String| Err(AppError::Config(message));
    if issuer.is_empty() {
        return fail(
            "ISSUER is missing. Put it in testenv: find it in the Admin Console under Security > \
             API > Authorization Servers > default > Issuer URI, for example \
             https://{yourOktaDomain}/oauth2/default."
                .to_owned(),
        );
    }
    if issuer.contains("{yourOktaDomain") || issuer.contains('{') {
        return fail(format!(
            "Replace {{yourOktaDomain}} in ISSUER with your Okta domain. You can copy your \
             domain from the Admin Console. Current value: {issuer}"
        ));
    }
    let Ok(url) = url::Url::parse(issuer) else {
        return fail(format!(
            "ISSUER must be a URL such as https://dev-123456.okta.com/oauth2/default. Current value: {issuer}"
        ));
    };
    let host = url.host_str().unwrap_or_default();
    if host.contains("-admin.") {
        return fail(format!(
            "Your Okta domain should not contain -admin. Use dev-123456.okta.com, not \
             dev-123456-admin.okta.com. Current value: {issuer}"
        ));
    }
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if url.scheme() != "https" && !(url.scheme() == "http" && local) {
        return fail(format!(
            "ISSUER must start with https:// (http:// is accepted for localhost only, for \
             local-okta). Current value: {issuer}"
        ));
    }
    if issuer.ends_with('/') {
        return fail(format!(
            "ISSUER must not end with a slash: the issuer is compared as an exact string. \
             Current value: {issuer}"
        ));
    }
    if !url.path().starts_with("/oauth2/") {
        return fail(format!(
            "ISSUER must be a custom authorization server, such as \
             https://{host}/oauth2/default: Okta calls token inline hooks only from custom \
             authorization servers, never from the org authorization server. Current value: \
             {issuer}"
        ));
    }
    Ok(())
}

fn check_client_id(client_id: &str) -> Result<(), AppError> {
    if client_id.is_empty() {
        return Err(AppError::Config(
            "CLIENT_ID is missing. Put it in testenv: find it in the Admin Console under \
             Applications > Applications > your app > General > Client Credentials."
                .to_owned(),
        ));
    }
    if client_id.contains("{clientId}") || client_id.contains('{') {
        return Err(AppError::Config(format!(
            "Replace {{clientId}} in CLIENT_ID with the client ID of your app integration. \
             Current value: {client_id}"
        )));
    }
    Ok(())
}

fn check_client_secret(secret: &str) -> Result<(), AppError> {
    if secret.is_empty() {
        return Err(AppError::Config(
            "CLIENT_SECRET is missing. Put it in testenv: find it in the Admin Console under \
             Applications > Applications > your app > General > Client Credentials."
                .to_owned(),
        ));
    }
    if secret.contains("{clientSecret}") || secret.contains('{') {
        // Never echo the value: it may be half a real secret.
        return Err(AppError::Config(
            "Replace {clientSecret} in CLIENT_SECRET with the client secret of your app \
             integration."
                .to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "aVeryRealLookingSecret-1234";

    fn config(pairs: &[(&str, &str)], has_testenv: bool) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(move |name| map.get(name).cloned(), has_testenv)
            .map_err(|error| error.to_string())
    }

    fn with_issuer(issuer: &str) -> Result<Config, String> {
        config(
            &[
                ("ISSUER", issuer),
                ("CLIENT_ID", "0oa123"),
                ("CLIENT_SECRET", SECRET),
            ],
            true,
        )
    }

    #[test]
    fn nothing_configured_means_local_okta() {
        let config = config(&[], false).expect("valid");
        assert_eq!(config.source, Source::LocalOktaDefaults);
        assert_eq!(config.issuer, LOCAL_OKTA_ISSUER);
        assert_eq!(
            config.redirect_uri(),
            "http://localhost:8080/authorization-code/callback"
        );
        assert!(config.describe_source().contains("no testenv"));
    }

    #[test]
    fn a_real_org_is_accepted_and_its_secret_never_printed() {
        let config = with_issuer("https://dev-123456.okta.com/oauth2/default").expect("valid");
        assert_eq!(config.source, Source::Testenv);
        assert_eq!(config.masked_secret(), "••••••••1234");
        assert!(!format!("{config:?}").contains(SECRET));
    }

    #[test]
    fn a_missing_issuer_in_testenv_says_where_to_find_it() {
        let error = config(&[("CLIENT_ID", "0oa123"), ("CLIENT_SECRET", SECRET)], true)
            .expect_err("missing");
        assert!(error.contains("ISSUER is missing") && error.contains("Authorization Servers"));
    }

    #[test]
    fn a_placeholder_issuer_is_named() {
        let error =
            with_issuer("https://{yourOktaDomain}/oauth2/default").expect_err("placeholder");
        assert!(error.contains("Replace {yourOktaDomain}"), "{error}");
    }

    #[test]
    fn an_admin_domain_is_refused() {
        let error =
            with_issuer("https://dev-123456-admin.okta.com/oauth2/default").expect_err("admin");
        assert!(error.contains("should not contain -admin"), "{error}");
    }

    #[test]
    fn http_is_for_localhost_only() {
        let error = with_issuer("http://dev-123456.okta.com/oauth2/default").expect_err("http");
        assert!(error.contains("must start with https://"), "{error}");
        assert!(with_issuer("http://127.0.0.1:8081/oauth2/default").is_ok());
    }

    #[test]
    fn a_trailing_slash_is_refused() {
        let error = with_issuer("https://dev-123456.okta.com/oauth2/default/").expect_err("slash");
        assert!(error.contains("must not end with a slash"), "{error}");
    }

    #[test]
    fn the_org_authorization_server_is_refused() {
        let error = with_issuer("https://dev-123456.okta.com").expect_err("org server");
        assert!(error.contains("custom authorization server"), "{error}");
    }

    #[test]
    fn a_malformed_issuer_is_refused() {
        let error = with_issuer("dev-123456.okta.com/oauth2/default").expect_err("not a URL");
        assert!(error.contains("must be a URL"), "{error}");
    }

    #[test]
    fn a_missing_or_placeholder_client_id_is_named() {
        let issuer = ("ISSUER", "https://dev-123456.okta.com/oauth2/default");
        let error = config(&[issuer, ("CLIENT_SECRET", SECRET)], true).expect_err("missing");
        assert!(error.contains("CLIENT_ID is missing"), "{error}");
        let error = config(
            &[
                issuer,
                ("CLIENT_ID", "{clientId}"),
                ("CLIENT_SECRET", SECRET),
            ],
            true,
        )
        .expect_err("placeholder");
        assert!(error.contains("Replace {clientId}"), "{error}");
    }

    #[test]
    fn a_missing_or_placeholder_client_secret_is_named_but_never_echoed() {
        let issuer = ("ISSUER", "https://dev-123456.okta.com/oauth2/default");
        let error = config(&[issuer, ("CLIENT_ID", "0oa123")], true).expect_err("missing");
        assert!(error.contains("CLIENT_SECRET is missing"), "{error}");
        let error = config(
            &[
                issuer,
                ("CLIENT_ID", "0oa123"),
                ("CLIENT_SECRET", "{clientSecret}abc"),
            ],
            true,
        )
        .expect_err("placeholder");
        assert!(
            error.contains("Replace {clientSecret}") && !error.contains("abc"),
            "{error}"
        );
    }

    #[test]
    fn bad_listen_address_or_base_url_is_named() {
        let error = config(&[("APP_LISTEN_ADDR", "8080")], false).expect_err("bad address");
        assert!(error.contains("APP_LISTEN_ADDR=8080"), "{error}");
        let error = config(&[("APP_BASE_URL", "localhost")], false).expect_err("bad URL");
        assert!(error.contains("APP_BASE_URL=localhost"), "{error}");
    }

    #[test]
    fn masking_keeps_only_the_last_four_characters() {
        assert_eq!(mask("abc"), "••••••••abc");
        assert_eq!(mask("0123456789"), "••••••••6789");
    }
}
