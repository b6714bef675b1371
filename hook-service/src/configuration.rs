//! Configuration, read from the environment (and a `.env` file, loaded by
//! `main` with dotenvy, as the guide's Express service does).
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `HOOK_AUTH` | how Okta authenticates: `basic` (the guide's header secret) or `oauth2` | `basic` |
//! | `BASIC_AUTH_USER` | user Okta sends in its Basic `Authorization` header | required with `basic` |
//! | `BASIC_AUTH_PASSWORD` | its password | required with `basic` |
//! | `HOOK_OAUTH_ISSUER` | the authorization server whose access tokens Okta sends, e.g. `https://{org}/oauth2/default` | required with `oauth2` |
//! | `HOOK_OAUTH_AUDIENCE` | the `aud` those tokens must carry, e.g. `api://default` | required with `oauth2` |
//! | `HOOK_OAUTH_SCOPE` | the scope they must grant, e.g. `patients.read` | required with `oauth2` |
//! | `HOOK_OAUTH_CLIENT_ID` | the client Okta gets its tokens as (the token's `cid`) | required with `oauth2` |
//! | `HOOK_LISTEN_ADDR` | address to listen on | `127.0.0.1:8082` |
//! | `DATABASE_URL` | the SQLite patient store | `sqlite://data/patients.db` |
//! | `LOG_PATIENT_IDS` | `false` keeps patient ids out of the log line | `true` (the guide logs them) |
//!
//! `.env.example` at the workspace root has the guide's values. Tests build
//! [`Config`] directly instead of touching the process environment.

use std::net::SocketAddr;

use secrecy::SecretString;

use crate::error::Error;

/// Where the hook listens when `HOOK_LISTEN_ADDR` is unset.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8082";
/// The patient store when `DATABASE_URL` is unset: a file under `data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/patients.db";

/// Everything the hook service needs to serve.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    /// How Okta must authenticate its call.
    pub auth: HookAuth,
    pub database_url: String,
    /// Whether the call's log line shows the patient id it added.
    pub log_patient_ids: bool,
}

/// How Okta authenticates its call to the hook
/// ([inline hooks: authentication](https://developer.okta.com/docs/concepts/inline-hooks/)).
#[derive(Debug, Clone)]
pub enum HookAuth {
    /// A header secret: `Authorization: Basic base64(user:password)`, as
    /// the guide registers it.
    Basic(BasicCredentials),
    /// OAuth 2.0: Okta gets an access token from the issuer's token URL
    /// and sends `Authorization: Bearer <JWT>`.
    OAuth2(OAuth2Settings),
}

/// What an access token must show for the hook to accept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Settings {
    /// `iss`, exactly; its keys are read from its discovery document.
    pub issuer: String,
    /// One of the token's `aud`.
    pub audience: String,
    /// A scope the token must grant (`scp`).
    pub scope: String,
    /// The client the token must have been issued to (`cid`): the hook
    /// channel's client. Without it, any client granted the scope (a user
    /// of any app, say) could call the hook and read patient ids.
    pub client_id: String,
}

/// HTTP Basic credentials. `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct BasicCredentials {
    pub user: String,
    /// The password, redacted from `Debug`.
    pub password: SecretString,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so it can be tested
    /// without changing the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|value| !value.is_empty())
                .ok_or(Error::MissingVariable(name))
        };
        let auth = match lookup("HOOK_AUTH").as_deref() {
            None | Some("" | "basic") => HookAuth::Basic(BasicCredentials {
                user: required("BASIC_AUTH_USER")?,
                password: SecretString::from(required("BASIC_AUTH_PASSWORD")?),
            }),
            Some("oauth2") => {
                let issuer = required("HOOK_OAUTH_ISSUER")?;
                if !secure_or_loopback(&issuer) {
                    return Err(Error::InvalidVariable {
                        name: "HOOK_OAUTH_ISSUER",
                        value: issuer,
                        expected: "an https:// URL (http:// only for localhost or 127.0.0.1)",
                    });
                }
                HookAuth::OAuth2(OAuth2Settings {
                    issuer,
                    audience: required("HOOK_OAUTH_AUDIENCE")?,
                    scope: required("HOOK_OAUTH_SCOPE")?,
                    client_id: required("HOOK_OAUTH_CLIENT_ID")?,
                })
            }
            Some(other) => {
                return Err(Error::InvalidVariable {
                    name: "HOOK_AUTH",
                    value: other.to_owned(),
                    expected: "basic or oauth2",
                });
            }
        };
        let listen_addr = lookup("HOOK_LISTEN_ADDR").unwrap_or_else(|| DEFAULT_LISTEN_ADDR.into());
        let listen_addr = listen_addr.parse().map_err(|_| Error::InvalidVariable {
            name: "HOOK_LISTEN_ADDR",
            value: listen_addr,
            expected: "an address and port such as 127.0.0.1:8082",
        })?;
        let log_patient_ids = match lookup("LOG_PATIENT_IDS").as_deref() {
            None | Some("" | "true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(Error::InvalidVariable {
                    name: "LOG_PATIENT_IDS",
                    value: other.to_owned(),
                    expected: "true or false",
                });
            }
        };
        Ok(Config {
            listen_addr,
            auth,
            database_url: database_url(&lookup),
            log_patient_ids,
        })
    }
}

/// Whether keys may be fetched from `url`: over https, or over plain http
/// from this machine only.
pub fn secure_or_loopback(url: &str) -> bool {
    let loopback = ["http://localhost", "http://127.0.0.1", "http://[::1]"];
    url.starts_with("https://")
        || loopback.iter().any(|prefix| {
            url.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        })
}

/// `DATABASE_URL`, or the default file under `data/`. The `patients`
/// commands need only this, not the credentials.
pub fn database_url(lookup: &impl Fn(&str) -> Option<String>) -> String {
    lookup("DATABASE_URL")
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn guide_values_give_the_guides_defaults() {
        let config = Config::from_lookup(lookup(&[
            ("BASIC_AUTH_USER", "admin"),
            ("BASIC_AUTH_PASSWORD", "supersecret"),
        ]))
        .expect("valid");
        assert_eq!(config.listen_addr.to_string(), "127.0.0.1:8082");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        let HookAuth::Basic(credentials) = config.auth else {
            panic!("basic by default");
        };
        assert_eq!(credentials.password.expose_secret(), "supersecret");
    }

    #[test]
    fn oauth2_needs_its_issuer_audience_and_scope_and_no_password() {
        let error =
            Config::from_lookup(lookup(&[("HOOK_AUTH", "oauth2")])).expect_err("issuer missing");
        assert!(
            error
                .to_string()
                .starts_with("HOOK_OAUTH_ISSUER is not set")
        );
        let settings = [
            ("HOOK_AUTH", "oauth2"),
            (
                "HOOK_OAUTH_ISSUER",
                "https://example.okta.com/oauth2/default",
            ),
            ("HOOK_OAUTH_AUDIENCE", "api://default"),
            ("HOOK_OAUTH_SCOPE", "patients.read"),
            ("HOOK_OAUTH_CLIENT_ID", "0oahookcaller"),
        ];
        let config = Config::from_lookup(lookup(&settings)).expect("valid");
        let HookAuth::OAuth2(oauth) = config.auth else {
            panic!("oauth2");
        };
        assert_eq!(oauth.issuer, "https://example.okta.com/oauth2/default");
        assert_eq!(oauth.client_id, "0oahookcaller");
        let mut plain = settings;
        plain[1].1 = "http://example.okta.com/oauth2/default";
        let error = Config::from_lookup(lookup(&plain)).expect_err("keys over plain http");
        assert!(error.to_string().contains("HOOK_OAUTH_ISSUER"), "{error}");
        assert!(secure_or_loopback("http://127.0.0.1:8081/oauth2/default"));
        assert!(!secure_or_loopback(
            "http://localhost.evil.example/oauth2/default"
        ));
        let error = Config::from_lookup(lookup(&[("HOOK_AUTH", "jwt")])).expect_err("unknown");
        assert!(error.to_string().contains("HOOK_AUTH=jwt"), "{error}");
    }

    #[test]
    fn a_missing_credential_names_the_variable_and_where_to_put_it() {
        let error = Config::from_lookup(lookup(&[("BASIC_AUTH_USER", "admin")]))
            .expect_err("password missing");
        let message = error.to_string();
        assert!(
            message.starts_with("BASIC_AUTH_PASSWORD is not set"),
            "{message}"
        );
        assert!(message.contains(".env"), "{message}");
    }

    #[test]
    fn a_bad_listen_address_is_named() {
        let error = Config::from_lookup(lookup(&[
            ("BASIC_AUTH_USER", "admin"),
            ("BASIC_AUTH_PASSWORD", "supersecret"),
            ("HOOK_LISTEN_ADDR", "localhost"),
        ]))
        .expect_err("not an address");
        assert!(error.to_string().contains("HOOK_LISTEN_ADDR=localhost"));
    }

    #[test]
    fn debug_never_prints_the_password() {
        let config = Config::from_lookup(lookup(&[
            ("BASIC_AUTH_USER", "admin"),
            ("BASIC_AUTH_PASSWORD", "supersecret"),
        ]))
        .expect("valid");
        assert!(!format!("{config:?}").contains("supersecret"));
    }
}
