//! Configuration, read from the environment (and a `.env` file, loaded by
//! `main` with dotenvy, as the guide's Express service does).
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `BASIC_AUTH_USER` | user Okta sends in its Basic `Authorization` header | required |
//! | `BASIC_AUTH_PASSWORD` | its password | required |
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
    /// The credentials Okta must present.
    pub credentials: BasicCredentials,
    pub database_url: String,
    /// Whether the call's log line shows the patient id it added.
    pub log_patient_ids: bool,
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
        let credentials = BasicCredentials {
            user: required("BASIC_AUTH_USER")?,
            password: SecretString::from(required("BASIC_AUTH_PASSWORD")?),
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
            credentials,
            database_url: database_url(&lookup),
            log_patient_ids,
        })
    }
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
        assert_eq!(config.credentials.password.expose_secret(), "supersecret");
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
