//! The org: groups, users, app integrations, the `default` authorization
//! server (its scopes, claims, access policies and rules) and inline hooks.
//!
//! `org.toml` is the seed (see the comments in that file); what the
//! Management API changes is kept in a state file beside the signing key
//! (see [`crate::management::state`]) and wins over the seed at start.
//!
//! A bad file is refused with its path, the line and the problem: TOML
//! syntax errors and unknown keys come from the `toml` crate with their
//! position, and the cross-checks below point at the line of the value
//! they are about.

mod check;
pub mod model;

use check::Locator;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use model::{
    ALL_CLIENTS, AccessPolicy, App, AppType, AuthorizationServer, ClaimDefinition, ClaimToken,
    EVERYONE, EVERYONE_CONDITION, Group, GroupFilter, HookOAuth, InlineHook, OrgSettings,
    PolicyRule, User,
};

use crate::error::Error;

/// The org file shipped with local-okta, built into the binary so that it
/// runs from anywhere; `LOCAL_OKTA_CONFIG` names another file.
pub const DEFAULT_ORG_TOML: &str = include_str!("../../org.toml");

/// The whole org.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub org: OrgSettings,
    /// Groups users can belong to (Directory > Groups), Everyone included.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// People who can sign in.
    pub users: Vec<User>,
    /// App integrations: the sample web app, a service app, a single-page app…
    #[serde(default)]
    pub apps: Vec<App>,
    /// The custom authorization server.
    pub authorization_server: AuthorizationServer,
    /// Inline hooks (Workflow > Inline Hooks).
    #[serde(default)]
    pub inline_hooks: Vec<InlineHook>,
}

/// The rule a token request matched, and the policy it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Match<'a> {
    pub policy: &'a AccessPolicy,
    pub rule: &'a PolicyRule,
}

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
            let line = error.span().map_or(0, |span| line_at(text, span.start));
            (line, error.message().to_owned())
        })?;
        org.check()
            .map_err(|(locator, problem)| (line_of(text, &locator), problem))?;
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

    /// Every app integration, in the order declared.
    pub fn all_apps(&self) -> impl Iterator<Item = &App> {
        self.apps.iter()
    }

    /// The app integration with this client id, when it is active.
    pub fn client(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|app| app.client_id == client_id && app.status == "ACTIVE")
    }

    /// The first web app: the one the sample app signs in with.
    pub fn sample_app(&self) -> Option<&App> {
        self.apps.iter().find(|app| app.app_type == AppType::Web)
    }

    /// The group with this id.
    pub fn group_by_id(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|group| group.id == id)
    }

    /// Whether `user` belongs to the group with this id (or `EVERYONE`).
    pub fn user_in_group(&self, user: &User, group_id: &str) -> bool {
        if group_id == EVERYONE || group_id == EVERYONE_CONDITION {
            return true;
        }
        self.group_by_id(group_id)
            .is_some_and(|group| group.name == EVERYONE || user.groups.contains(&group.name))
    }

    /// Whether `user` may sign in to `app`: a member of an assigned group.
    pub fn is_assigned(&self, app: &App, user: &User) -> bool {
        app.assigned_groups
            .iter()
            .any(|group| self.user_in_group(user, group))
    }

    /// The rule a token request matches, as Okta evaluates access policies:
    /// the first active policy (by priority) for this client, then its first
    /// active rule that matches the grant type and, with a user, their groups.
    pub fn matching_rule(
        &self,
        client_id: &str,
        grant_type: &str,
        user: Option<&User>,
    ) -> Option<Match<'_>> {
        let mut policies: Vec<&AccessPolicy> = self
            .authorization_server
            .policies
            .iter()
            .filter(|policy| policy.applies_to(client_id))
            .collect();
        policies.sort_by_key(|policy| policy.priority);
        policies.into_iter().find_map(|policy| {
            let mut rules: Vec<&PolicyRule> = policy.rules.iter().collect();
            rules.sort_by_key(|rule| rule.priority);
            rules
                .into_iter()
                .find(|rule| {
                    rule.allows_grant(grant_type)
                        && user.is_none_or(|user| {
                            rule.groups
                                .iter()
                                .any(|group| self.user_in_group(user, group))
                        })
                })
                .map(|rule| Match { policy, rule })
        })
    }

    /// The hook with this id.
    pub fn hook(&self, id: &str) -> Option<&InlineHook> {
        self.inline_hooks.iter().find(|hook| hook.id == id)
    }

    /// The hook a matched rule calls, when it is registered and active.
    pub fn active_hook_of(&self, rule: &PolicyRule) -> Option<&InlineHook> {
        let wanted = rule.inline_hook.as_deref()?;
        self.hook(wanted).filter(|hook| hook.is_active())
    }

    /// The hook of the first rule that uses one: what the admin pages show.
    pub fn active_hook(&self) -> Option<&InlineHook> {
        self.authorization_server
            .policies
            .iter()
            .flat_map(|policy| policy.rules.iter())
            .find_map(|rule| self.active_hook_of(rule))
    }
}

/// 1-based line number of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

/// The 1-based line a cross-check's problem is about (0 when unknown): the
/// line of the quoted value it names, or of the key it names.
fn line_of(text: &str, locator: &Locator) -> usize {
    let found = match locator {
        Locator::Value(value) => {
            let quoted = format!("{value:?}");
            text.lines().position(|line| line.contains(&quoted))
        }
        Locator::Key(key) => text.lines().position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        }),
        Locator::Nowhere => None,
    };
    found.map_or(0, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = include_str!("../../org.toml");

    #[test]
    fn the_committed_org_file_is_valid_and_has_the_guides_users() {
        let org = Org::parse(COMMITTED).expect("valid");
        assert!(org.user_by_login("Jessie.Smith@example.com").is_some());
        assert!(org.user_by_login("test.user@example.com").is_some());
        let hook = org.active_hook().expect("the rule uses an active hook");
        assert_eq!(hook.name, "Patient token hook");
    }

    #[test]
    fn an_empty_secret_is_refused_with_its_key_and_line() {
        for (key, value) in [
            ("api_token", "00-local-okta-demo-api-token"),
            ("demo_password", "Workshop123!"),
            (
                "client_secret",
                "local-okta-demo-client-secret-not-for-production",
            ),
            ("auth_secret", "Basic YWRtaW46c3VwZXJzZWNyZXQ="),
        ] {
            let text = COMMITTED.replacen(&format!("{value:?}"), "\"\"", 1);
            let (line, problem) = Org::parse(&text).expect_err("an empty secret");
            let expected = text
                .lines()
                .position(|l| l.starts_with(key) && l.contains("\"\""))
                .expect("the emptied line")
                + 1;
            assert_eq!(line, expected, "{key}: {problem}");
            assert!(
                problem.contains(key) && problem.contains("empty"),
                "{problem}"
            );
        }
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = COMMITTED.replacen("[authorization_server]", "[authorization_server", 1);
        let expected = COMMITTED
            .lines()
            .position(|l| l == "[authorization_server]")
            .expect("[authorization_server]")
            + 1;
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
mod fuzz_regressions {
    use super::*;

    /// The org loader's inputs kept under `fuzz/regressions/`: each parses,
    /// or is refused with a problem, and none panics.
    #[test]
    fn every_kept_org_file_loads_or_is_refused_cleanly() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/org_loader");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).expect("the regressions folder") {
            let data = std::fs::read(entry.expect("an entry").path()).expect("readable");
            if let Ok(text) = std::str::from_utf8(&data) {
                let _ = Org::parse(text);
            }
            count += 1;
        }
        assert!(count > 0, "{} has inputs", dir.display());
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
