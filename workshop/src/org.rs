//! The few facts of local-okta's org that the runner prints or passes on:
//! the demo users and password, the sample app's client, and (for `just
//! check`) the demo API token and the hook's id.
//!
//! The runner reads them from the org file itself, so it starts local-okta's
//! binary without linking local-okta's crate. local-okta checks the whole
//! file when it starts, and reports any problem with its line; here only
//! these fields are read.

use std::path::Path;

use serde::Deserialize;

use crate::error::Error;

/// The org file local-okta uses when `LOCAL_OKTA_CONFIG` is unset: the same
/// file local-okta builds into its binary.
const BUILT_IN_ORG: &str = include_str!("../../local-okta/org.toml");

/// What the runner needs from the org.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DemoOrg {
    /// `[org]`.
    pub org: OrgSettings,
    /// `[[users]]`.
    pub users: Vec<DemoUser>,
    /// `[[apps]]`: the sample app is the first web app.
    #[serde(default)]
    pub apps: Vec<DemoApp>,
    /// `[[inline_hooks]]`: the patient hook is the first.
    #[serde(default)]
    pub inline_hooks: Vec<DemoHook>,
}

/// `[[inline_hooks]]`: a hook registered at local-okta.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DemoHook {
    /// Its id, for the Management API (`execute`).
    pub id: String,
}

/// `[org]`: the one password every demo user has.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrgSettings {
    /// Printed in the banner: it is a published demo value.
    pub demo_password: String,
    /// The Management API's SSWS token, also a published demo value.
    #[serde(default)]
    pub api_token: String,
}

/// `[[users]]`: who can sign in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DemoUser {
    /// The login, an email address.
    pub login: String,
}

/// `[[apps]]`: an app integration at local-okta.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DemoApp {
    /// `web` when left out.
    #[serde(rename = "type", default)]
    pub app_type: Option<String>,
    pub client_id: String,
    /// A published demo value; `browser` apps have none.
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl DemoOrg {
    /// The org local-okta will serve: `LOCAL_OKTA_CONFIG`'s file, or the built-in one.
    pub fn read(config_path: Option<&Path>) -> Result<DemoOrg, Error> {
        let (origin, text) = match config_path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                    context: format!("read the org file {}", path.display()),
                    source,
                })?;
                (path.display().to_string(), text)
            }
            None => (
                "local-okta's built-in org.toml".to_owned(),
                BUILT_IN_ORG.to_owned(),
            ),
        };
        toml::from_str(&text).map_err(|source| Error::OrgFile { origin, source })
    }

    /// The sample app's client: the first web app, with its secret.
    pub fn sample_app(&self) -> Option<(&str, &str)> {
        self.apps
            .iter()
            .filter(|app| app.app_type.as_deref().is_none_or(|kind| kind == "web"))
            .find_map(|app| Some((app.client_id.as_str(), app.client_secret.as_deref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_org_has_the_guides_patients_and_the_apps_client() {
        let org = DemoOrg::read(None).expect("the built-in org");
        let logins: Vec<&str> = org.users.iter().map(|user| user.login.as_str()).collect();
        assert!(logins.contains(&"jessie.smith@example.com"), "{logins:?}");
        assert_eq!(
            org.sample_app().map(|(id, _)| id),
            Some("0oa1lok7asampleapp0x")
        );
    }

    #[test]
    fn a_broken_org_file_is_named_in_the_error() {
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join("org.toml");
        std::fs::write(&path, "[org\n").expect("written");
        let error = DemoOrg::read(Some(&path)).expect_err("not TOML");
        assert!(error.to_string().contains("org.toml"), "{error}");
    }
}
