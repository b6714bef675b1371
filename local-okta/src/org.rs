//! The org: users, the app, the `default` authorization server and the
//! inline hook, read from `org.toml` (see the comments in that file).
//!
//! A bad file is refused with its path, the line and the problem: TOML
//! syntax errors and unknown keys come from the `toml` crate with their
//! position, and the cross-checks below point at the offending line too.

use std::path::Path;

use secrecy::SecretString;
use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub org: OrgSettings,
    /// People who can sign in.
    pub users: Vec<User>,
    /// The web app integration.
    pub app: App,
    /// The custom authorization server.
    pub authorization_server: AuthorizationServer,
    /// The token inline hook, if one is registered.
    pub inline_hook: Option<InlineHook>,
}

/// `[org]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    pub name: String,
    /// The Okta identity provider's id, the `idp` claim.
    pub idp_id: String,
    /// SSWS token for `/api/v1/*`.
    pub api_token: SecretString,
    /// Every user's password.
    pub demo_password: SecretString,
}

/// `[[users]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// `00u…`: the ID token's `sub`.
    pub id: String,
    /// The Okta login, an email address here.
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    /// e.g. `en_US`.
    pub locale: String,
    /// e.g. `America/Los_Angeles`.
    pub time_zone: String,
}

impl User {
    /// "First Last", the `name` claim.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// `[app]`: an OIDC web application (a confidential client).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub name: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Sign-in redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Sign-out redirect URIs, matched exactly.
    pub post_logout_redirect_uris: Vec<String>,
}

/// `[authorization_server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationServer {
    /// `default`: the path segment in `/oauth2/default`.
    pub id: String,
    pub name: String,
    /// The access token's `aud`.
    pub audience: String,
    /// Its one access policy.
    pub policy: AccessPolicy,
}

/// `[authorization_server.policy]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// `00p…`.
    pub id: String,
    pub name: String,
    /// Its one rule.
    pub rule: PolicyRule,
}

/// `[authorization_server.policy.rule]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// `0pr…`.
    pub id: String,
    pub name: String,
    /// The id of the inline hook this rule uses, if any.
    pub inline_hook: Option<Spanned<String>>,
}

/// `[inline_hook]`: a token inline hook registration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineHook {
    /// `cal…`.
    pub id: String,
    pub name: String,
    pub url: Spanned<String>,
    /// The header field Okta sends the secret in.
    pub auth_header: String,
    pub auth_secret: SecretString,
    /// `ACTIVE` or `INACTIVE`.
    pub status: Spanned<String>,
}

impl InlineHook {
    /// Whether the hook is called at all.
    pub fn is_active(&self) -> bool {
        self.status.get_ref() == "ACTIVE"
    }
}

/// The org file shipped with local-okta, built into the binary so that it
/// runs from anywhere; `LOCAL_OKTA_CONFIG` names another file.
pub const DEFAULT_ORG_TOML: &str = include_str!("../org.toml");

impl Org {
    /// The org file shipped with local-okta (the guide's users, app and hook).
    pub fn default_org() -> Result<Org, Error> {
        Org::parse(DEFAULT_ORG_TOML).map_err(|(line, problem)| Error::OrgFile {
            path: "local-okta's built-in org.toml".to_owned(),
            line,
            problem,
        })
    }

    /// Reads and checks the org file.
    pub fn load(path: &Path) -> Result<Org, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            context: format!("read the org file {}", path.display()),
            source,
        })?;
        Org::parse(&text).map_err(|(line, problem)| Error::OrgFile {
            path: path.display().to_string(),
            line,
            problem,
        })
    }

    /// Parses and checks org TOML; errors are `(line, problem)`.
    pub fn parse(text: &str) -> Result<Org, (usize, String)> {
        let org: Org = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(0, |span| line_of(text, span.start));
            (line, error.message().to_owned())
        })?;
        org.check()
            .map_err(|(offset, problem)| (line_of(text, offset), problem))?;
        Ok(org)
    }

    /// The user with this login, compared case-insensitively as Okta does.
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|user| user.login.eq_ignore_ascii_case(login.trim()))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// The hook the policy rule uses, when it is registered and active.
    pub fn active_hook(&self) -> Option<&InlineHook> {
        let wanted = self.authorization_server.policy.rule.inline_hook.as_ref()?;
        self.inline_hook
            .as_ref()
            .filter(|hook| hook.id == *wanted.get_ref() && hook.is_active())
    }

    fn check(&self) -> Result<(), (usize, String)> {
        if let Some(reference) = &self.authorization_server.policy.rule.inline_hook {
            let registered = self.inline_hook.as_ref().map(|hook| hook.id.as_str());
            if registered != Some(reference.get_ref().as_str()) {
                let problem = format!(
                    "the rule uses inline hook {:?}, but no [inline_hook] has that id",
                    reference.get_ref()
                );
                return Err((reference.span().start, problem));
            }
        }
        if let Some(hook) = &self.inline_hook {
            if !matches!(hook.status.get_ref().as_str(), "ACTIVE" | "INACTIVE") {
                let problem = "status must be \"ACTIVE\" or \"INACTIVE\"".to_owned();
                return Err((hook.status.span().start, problem));
            }
            if url::Url::parse(hook.url.get_ref()).is_err() {
                let problem = format!("{:?} is not an absolute URL", hook.url.get_ref());
                return Err((hook.url.span().start, problem));
            }
        }
        Ok(())
    }
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = include_str!("../org.toml");

    #[test]
    fn the_committed_org_file_is_valid_and_has_the_guides_users() {
        let org = Org::parse(COMMITTED).expect("valid");
        assert!(org.user_by_login("Jessie.Smith@example.com").is_some());
        assert!(org.user_by_login("test.user@example.com").is_some());
        let hook = org.active_hook().expect("the rule uses an active hook");
        assert_eq!(hook.name, "Patient token hook");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = COMMITTED.replacen("[app]", "[app", 1);
        let expected = COMMITTED.lines().position(|l| l == "[app]").expect("[app]") + 1;
        let (line, _problem) = Org::parse(&text).expect_err("invalid");
        assert_eq!(line, expected);
    }

    #[test]
    fn an_unknown_key_names_its_line_and_the_key() {
        let text = COMMITTED.replacen("first_name = \"Kim\"", "frist_name = \"Kim\"", 1);
        let (line, problem) = Org::parse(&text).expect_err("invalid");
        let expected = text
            .lines()
            .position(|l| l.starts_with("frist_name"))
            .expect("typo")
            + 1;
        assert!(
            line > 0 && line <= expected,
            "line {line}, typo on {expected}"
        );
        assert!(problem.contains("frist_name"), "{problem}");
    }

    #[test]
    fn a_rule_naming_an_unknown_hook_points_at_the_rule() {
        let text = COMMITTED.replacen(
            "inline_hook = \"cal1lok7apatienthk0x\"",
            "inline_hook = \"calNOPE\"",
            1,
        );
        let expected = text
            .lines()
            .position(|l| l.contains("calNOPE"))
            .expect("line")
            + 1;
        let (line, problem) = Org::parse(&text).expect_err("invalid");
        assert_eq!(line, expected);
        assert!(problem.contains("calNOPE"), "{problem}");
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn a_bad_org_file_is_reported_with_its_path_line_and_problem() {
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join("org.toml");
        std::fs::write(&path, "[org]\nname = \"x\"\nidp_id = 42\n").expect("written");
        let message = Org::load(&path).expect_err("invalid").to_string();
        assert!(
            message.starts_with(&format!("{}, line 3:", path.display())),
            "{message}"
        );
        let missing = Org::load(&directory.path().join("nope.toml")).expect_err("missing");
        assert!(missing.to_string().contains("nope.toml"), "{missing}");
    }
}
