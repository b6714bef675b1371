//! What okta-setup needs, from `testenv`, `.env` and the environment (the
//! environment wins). It never prints a secret.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `OKTA_ORG_URL` | the org, e.g. `https://integrator-123456.okta.com` | required |
//! | `OKTA_API_TOKEN` | an SSWS token (Security > API > Tokens) | required |
//! | `APP_BASE_URL` | the sample app's URL | `http://localhost:8080` |
//! | `HOOK_PUBLIC_URL` | the hook's public URL | the ngrok agent's HTTPS tunnel to port 8082 |
//! | `BASIC_AUTH_USER`, `BASIC_AUTH_PASSWORD` | the hook's credentials (`.env`) | required |
//! | `DATABASE_URL` | the patient store, for `--check-user` | `sqlite://data/patients.db` |

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// Where the sample app runs when `APP_BASE_URL` is unset.
pub const DEFAULT_APP_BASE_URL: &str = "http://localhost:8080";
/// The guide's published demo password, refused for a real org.
pub const DEMO_PASSWORD: &str = "supersecret";

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The org's base URL, no trailing slash.
    pub org_url: String,
    /// The SSWS API token.
    pub api_token: SecretString,
    /// The sample app's base URL.
    pub app_base_url: String,
    /// The hook's public URL, when given; otherwise the ngrok agent is asked.
    pub hook_public_url: Option<String>,
    /// Where the ngrok agent's API listens.
    pub ngrok_api: String,
    /// The hook's Basic credentials.
    pub basic_user: String,
    pub basic_password: SecretString,
    /// The `testenv` file to write `ISSUER`, `CLIENT_ID`, `CLIENT_SECRET` to.
    pub testenv: PathBuf,
    /// What this command created, so that teardown removes only that.
    pub ledger: PathBuf,
    /// The patient store.
    pub database_url: String,
}

impl Config {
    /// From `testenv` and `.env` in `directory`, then the environment.
    pub fn from_env(directory: &Path) -> Result<Config, Error> {
        let mut values = HashMap::new();
        for file in [".env", "testenv"] {
            if let Ok(entries) = dotenvy::from_path_iter(directory.join(file)) {
                values.extend(entries.filter_map(Result::ok));
            }
        }
        let lookup = |name: &str| {
            std::env::var(name)
                .ok()
                .or_else(|| values.get(name).cloned())
                .filter(|value| !value.trim().is_empty())
        };
        Config::from_lookup(lookup, directory)
    }

    /// Through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        directory: &Path,
    ) -> Result<Config, Error> {
        let org_url = lookup("OKTA_ORG_URL").ok_or(Error::Missing {
            name: "OKTA_ORG_URL",
            hint: "put your org's URL, such as https://integrator-123456.okta.com, in testenv",
        })?;
        let org_url = check_org_url(&org_url)?;
        let api_token = lookup("OKTA_API_TOKEN").ok_or(Error::Missing {
            name: "OKTA_API_TOKEN",
            hint: "create a token under Security > API > Tokens and put it in testenv",
        })?;
        let basic_user = lookup("BASIC_AUTH_USER").ok_or(Error::Missing {
            name: "BASIC_AUTH_USER",
            hint: "cp .env.example .env, then choose your own user and password",
        })?;
        let basic_password = lookup("BASIC_AUTH_PASSWORD").ok_or(Error::Missing {
            name: "BASIC_AUTH_PASSWORD",
            hint: "cp .env.example .env, then choose your own password",
        })?;
        if basic_password == DEMO_PASSWORD && !is_loopback_url(&org_url) {
            return Err(Error::Invalid {
                name: "BASIC_AUTH_PASSWORD",
                problem: "is the guide's published demo password: a real org would call a hook \
                          that anyone can call. Choose your own in .env."
                    .to_owned(),
            });
        }
        Ok(Config {
            org_url,
            api_token: SecretString::from(api_token),
            app_base_url: lookup("APP_BASE_URL")
                .unwrap_or_else(|| DEFAULT_APP_BASE_URL.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            hook_public_url: lookup("HOOK_PUBLIC_URL"),
            ngrok_api: lookup("NGROK_API_URL")
                .unwrap_or_else(|| "http://127.0.0.1:4040".to_owned()),
            basic_user,
            basic_password: SecretString::from(basic_password),
            testenv: directory.join("testenv"),
            ledger: directory.join("data").join("okta-setup.json"),
            database_url: lookup("DATABASE_URL")
                .unwrap_or_else(|| hook_service::configuration::DEFAULT_DATABASE_URL.to_owned()),
        })
    }

    /// The issuer of the org's `default` custom authorization server.
    pub fn issuer(&self) -> String {
        format!("{}/oauth2/default", self.org_url)
    }

    /// The value of the hook's `Authorization` header: `Basic base64(user:password)`.
    pub fn hook_secret(&self) -> SecretString {
        use base64::Engine;
        let pair = format!(
            "{}:{}",
            self.basic_user,
            self.basic_password.expose_secret()
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        SecretString::from(format!("Basic {encoded}"))
    }
}

fn check_org_url(value: &str) -> Result<String, Error> {
    let trimmed = value.trim().trim_end_matches('/');
    let invalid = |problem: &str| Error::Invalid {
        name: "OKTA_ORG_URL",
        problem: format!("{trimmed:?} {problem}"),
    };
    let url = url::Url::parse(trimmed).map_err(|_| invalid("is not a URL"))?;
    if url.path() != "/" && !url.path().is_empty() {
        return Err(invalid(
            "must be the org's base URL, without /oauth2/default or any other path",
        ));
    }
    if trimmed.contains("-admin.") {
        return Err(invalid("is the Admin Console's domain: remove -admin"));
    }
    match url.scheme() {
        "https" => Ok(trimmed.to_owned()),
        "http" if is_loopback_url(trimmed) => Ok(trimmed.to_owned()),
        _ => Err(invalid("must use https")),
    }
}

/// Whether `url`'s host is this machine: local-okta, or a hook on loopback.
pub fn is_loopback_url(url: &str) -> bool {
    match url::Url::parse(url)
        .ok()
        .and_then(|url| url.host().map(|host| host.to_owned()))
    {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Error> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned(), Path::new("."))
    }

    const GOOD: &[(&str, &str)] = &[
        ("OKTA_ORG_URL", "https://integrator-123456.okta.com/"),
        ("OKTA_API_TOKEN", "00abc"),
        ("BASIC_AUTH_USER", "admin"),
        ("BASIC_AUTH_PASSWORD", "a-password-of-my-own"),
    ];

    #[test]
    fn a_good_config_reads_and_never_shows_its_secrets() {
        let config = config(GOOD).expect("valid");
        assert_eq!(config.org_url, "https://integrator-123456.okta.com");
        assert_eq!(
            config.issuer(),
            "https://integrator-123456.okta.com/oauth2/default"
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("00abc") && !shown.contains("a-password-of-my-own"));
    }

    #[test]
    fn bad_org_urls_and_the_demo_password_are_refused_with_the_fix() {
        let with = |name: &str, value: &str| {
            let mut pairs = GOOD.to_vec();
            pairs.retain(|(key, _)| *key != name);
            pairs.push((name, value));
            config(&pairs).expect_err("refused").to_string()
        };
        assert!(with("OKTA_ORG_URL", "http://dev-1.okta.com").contains("https"));
        assert!(with("OKTA_ORG_URL", "https://dev-1.okta.com/oauth2/default").contains("path"));
        assert!(with("OKTA_ORG_URL", "https://dev-1-admin.okta.com").contains("-admin"));
        assert!(with("BASIC_AUTH_PASSWORD", DEMO_PASSWORD).contains(".env"));
        let missing = config(&GOOD[1..]).expect_err("missing").to_string();
        assert!(missing.starts_with("OKTA_ORG_URL is not set"), "{missing}");
    }
}
