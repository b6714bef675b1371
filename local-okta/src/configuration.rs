//! Configuration: the environment, then the org file.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `LOCAL_OKTA_LISTEN_ADDR` | address to listen on | `127.0.0.1:8081` |
//! | `LOCAL_OKTA_ISSUER` | the issuer, exactly as in tokens and discovery | `http://localhost:8081/oauth2/default` |
//! | `LOCAL_OKTA_CONFIG` | the org file | `local-okta/org.toml`, built into the binary |
//! | `LOCAL_OKTA_HOOK_URL` | overrides the hook's URL from the org file | – |
//! | `LOCAL_OKTA_DATA_DIR` | where the signing key is kept | `data` |
//! | `LOCAL_OKTA_HOOK_TIMEOUT_MS` | how long to wait for the hook | `3000`, as Okta |
//!
//! Tests build [`Config`] directly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::management::state::STATE_FILE;
use crate::org::Org;

/// The issuer when `LOCAL_OKTA_ISSUER` is unset.
pub const DEFAULT_ISSUER: &str = "http://localhost:8081/oauth2/default";
/// Okta waits this long for a token inline hook, then mints unchanged.
pub const OKTA_HOOK_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything local-okta needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    /// The issuer: `{base}/oauth2/{server id}`, no trailing slash.
    pub issuer: String,
    pub org: Org,
    /// Directory holding the signing key.
    pub data_dir: PathBuf,
    /// Where the Management API's changes are kept; `None`: in memory only.
    pub state_file: Option<PathBuf>,
    /// How long to wait for the hook.
    pub hook_timeout: Duration,
    /// How many hook calls the inspector keeps (local-okta's own).
    pub inspector_capacity: usize,
    /// Strict mode at start (`LOCAL_OKTA_STRICT_HOOKS`), local-okta's own.
    pub strict_hooks: bool,
}

impl Config {
    /// Reads the environment and the org file.
    pub fn from_env() -> Result<Config, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let listen_addr = var("LOCAL_OKTA_LISTEN_ADDR").unwrap_or_else(|| "127.0.0.1:8081".into());
        let listen_addr = listen_addr.parse().map_err(|_| Error::InvalidVariable {
            name: "LOCAL_OKTA_LISTEN_ADDR",
            value: listen_addr,
            expected: "an address and port such as 127.0.0.1:8081".into(),
        })?;
        let mut org = match var("LOCAL_OKTA_CONFIG") {
            Some(path) => Org::load(Path::new(&path))?,
            None => Org::default_org()?,
        };
        // The seed's hooks only: a hook created through the API keeps its URL.
        if let Some(url) = var("LOCAL_OKTA_HOOK_URL") {
            for hook in &mut org.inline_hooks {
                hook.url.clone_from(&url);
            }
        }
        let timeout = var("LOCAL_OKTA_HOOK_TIMEOUT_MS").unwrap_or_else(|| "3000".into());
        let hook_timeout =
            timeout
                .parse()
                .map(Duration::from_millis)
                .map_err(|_| Error::InvalidVariable {
                    name: "LOCAL_OKTA_HOOK_TIMEOUT_MS",
                    value: timeout,
                    expected: "a whole number of milliseconds".into(),
                })?;
        let capacity = var("LOCAL_OKTA_INSPECTOR_CAPACITY")
            .unwrap_or_else(|| crate::inspector::DEFAULT_CAPACITY.to_string());
        let inspector_capacity = capacity
            .parse::<usize>()
            .ok()
            .filter(|capacity| (1..=100_000).contains(capacity))
            .ok_or_else(|| Error::InvalidVariable {
                name: "LOCAL_OKTA_INSPECTOR_CAPACITY",
                value: capacity,
                expected: "a number of calls from 1 to 100000".into(),
            })?;
        let strict_hooks = match var("LOCAL_OKTA_STRICT_HOOKS").as_deref() {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(Error::InvalidVariable {
                    name: "LOCAL_OKTA_STRICT_HOOKS",
                    value: other.to_owned(),
                    expected: "1 or 0".into(),
                });
            }
        };
        let issuer = var("LOCAL_OKTA_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into());
        let data_dir: PathBuf =
            var("LOCAL_OKTA_DATA_DIR").map_or_else(|| "data".into(), PathBuf::from);
        check_issuer(&issuer, &org.authorization_server.id)?;
        Ok(Config {
            listen_addr,
            issuer,
            org,
            state_file: Some(data_dir.join(STATE_FILE)),
            data_dir,
            hook_timeout,
            inspector_capacity,
            strict_hooks,
        })
    }
}

/// The issuer must be an absolute URL ending in `/oauth2/{server id}` with no
/// trailing slash: clients compare it as an exact string.
pub fn check_issuer(issuer: &str, server_id: &str) -> Result<(), Error> {
    let suffix = format!("/oauth2/{server_id}");
    let is_web_url = url::Url::parse(issuer)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if !is_web_url || !issuer.ends_with(&suffix) {
        return Err(Error::InvalidVariable {
            name: "LOCAL_OKTA_ISSUER",
            value: issuer.to_owned(),
            expected: format!("an http(s) URL ending in {suffix}, without a trailing slash"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_end_with_the_server_path_and_no_slash() {
        assert!(check_issuer(DEFAULT_ISSUER, "default").is_ok());
        assert!(check_issuer("http://localhost:8081/oauth2/default/", "default").is_err());
        assert!(check_issuer("http://localhost:8081", "default").is_err());
        assert!(check_issuer("localhost:8081/oauth2/default", "default").is_err());
    }
}
