//! The org: groups, users, app integrations, the `default` authorization
//! server (its scopes, claims, policy and rule) and the inline hook, read
//! from `org.toml` (see the comments in that file).
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
    /// Groups users can belong to (Directory > Groups).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// People who can sign in.
    pub users: Vec<User>,
    /// The web app integration the sample app signs in with.
    pub app: App,
    /// Other app integrations: a service app, a single-page app…
    #[serde(default)]
    pub apps: Vec<App>,
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
    /// A profile attribute that authorization-server claims can use.
    #[serde(default)]
    pub department: Option<String>,
    /// Job title, another profile attribute.
    #[serde(default)]
    pub title: Option<String>,
    /// The names of the groups the user belongs to (besides Everyone).
    #[serde(default)]
    pub groups: Vec<String>,
}

impl User {
    /// "First Last", the `name` claim.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// A profile attribute by its Okta name (`user.department` in an
    /// expression reads `department`); `None` when the user has none.
    pub fn profile_attribute(&self, name: &str) -> Option<String> {
        match name {
            "login" | "email" => Some(self.login.clone()),
            "firstName" => Some(self.first_name.clone()),
            "lastName" => Some(self.last_name.clone()),
            "displayName" => Some(self.full_name()),
            "locale" => Some(self.locale.clone()),
            "timezone" | "timeZone" => Some(self.time_zone.clone()),
            "department" => self.department.clone(),
            "title" => self.title.clone(),
            _ => None,
        }
    }

    /// Every group the user is in: Everyone, then the declared ones.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(EVERYONE).chain(self.groups.iter().map(String::as_str))
    }
}

/// The group every user of an Okta org belongs to.
pub const EVERYONE: &str = "Everyone";

/// `[[groups]]`: an Okta group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// `00g…`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// The kind of an OIDC app integration, as Okta names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppType {
    /// A server-side web app: a confidential client (authorization code, refresh).
    Web,
    /// A machine-to-machine app: a confidential client (client credentials).
    Service,
    /// A single-page app in the browser: a public client (implicit, code with PKCE).
    Browser,
}

/// `[app]` and `[[apps]]`: an OIDC app integration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub name: String,
    /// `web` (the default), `service` or `browser`.
    #[serde(default = "web_app", rename = "type")]
    pub app_type: AppType,
    pub client_id: String,
    /// Required for `web` and `service` apps; `browser` apps have none.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// The grant types the app may use; by default those of its type.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// Sign-in redirect URIs (compared as `redirect_uri::same_uri` says).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Sign-out redirect URIs.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
}

fn web_app() -> AppType {
    AppType::Web
}

impl App {
    /// Whether the app may use `grant_type` (its own list, or its type's defaults).
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        if !self.grant_types.is_empty() {
            return self.grant_types.iter().any(|granted| granted == grant_type);
        }
        let defaults: &[&str] = match self.app_type {
            AppType::Web => &["authorization_code", "refresh_token"],
            AppType::Service => &["client_credentials"],
            AppType::Browser => &["implicit", "authorization_code"],
        };
        defaults.contains(&grant_type)
    }

    /// `CONFIDENTIAL` or `PUBLIC`, as the hook request reports the client.
    pub fn client_type(&self) -> &'static str {
        match self.app_type {
            AppType::Browser => "PUBLIC",
            AppType::Web | AppType::Service => "CONFIDENTIAL",
        }
    }

    /// Whether `uri` is one of the app's sign-in redirect URIs.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| crate::redirect_uri::same_uri(registered, uri))
    }

    /// Whether `uri` is one of the app's sign-out redirect URIs.
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris
            .iter()
            .any(|registered| crate::redirect_uri::same_uri(registered, uri))
    }
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
    /// Custom scopes (Scopes tab), besides the OpenID Connect ones.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Custom claims (Claims tab).
    #[serde(default)]
    pub claims: Vec<ClaimDefinition>,
    /// Its one access policy.
    pub policy: AccessPolicy,
}

/// Which token a custom claim goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimToken {
    /// The ID token ("ID Token" in the Admin Console).
    Id,
    /// The access token ("Access Token").
    Access,
}

/// `[[authorization_server.claims]]`: a claim as the Claims tab declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimDefinition {
    pub name: String,
    /// `id` or `access`.
    pub token: ClaimToken,
    /// An expression: `user.<attribute>`, or a literal in quotes. Not used
    /// by a groups claim.
    #[serde(default)]
    pub value: Option<Spanned<String>>,
    /// A groups claim: the user's groups whose names pass this filter.
    #[serde(default)]
    pub groups: Option<GroupFilter>,
    /// Include only when one of these scopes is granted; empty: always.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A groups claim's filter, as in the Admin Console.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFilter {
    /// `starts_with`, `equals` or `regex`.
    #[serde(rename = "match")]
    pub match_type: Spanned<String>,
    pub value: String,
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
    /// The grant types the rule allows, as Okta's rule lists them.
    #[serde(default = "default_rule_grants")]
    pub grant_types: Vec<String>,
    /// The id of the inline hook this rule uses, if any.
    pub inline_hook: Option<Spanned<String>>,
}

fn default_rule_grants() -> Vec<String> {
    ["authorization_code", "implicit", "client_credentials"]
        .map(str::to_owned)
        .to_vec()
}

impl PolicyRule {
    /// Whether the rule matches a request of this grant type. Okta's rule
    /// lists the grants that start a sign-in; a refresh continues one that
    /// started with the authorization code grant.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        let wanted = match grant_type {
            "refresh_token" => "authorization_code",
            other => other,
        };
        self.grant_types.iter().any(|granted| granted == wanted)
    }
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

    /// Every app integration, the sample app first.
    pub fn all_apps(&self) -> impl Iterator<Item = &App> {
        std::iter::once(&self.app).chain(self.apps.iter())
    }

    /// The app integration with this client id.
    pub fn client(&self, client_id: &str) -> Option<&App> {
        self.all_apps().find(|app| app.client_id == client_id)
    }

    /// The hook the policy rule uses, when it is registered and active.
    pub fn active_hook(&self) -> Option<&InlineHook> {
        let wanted = self.authorization_server.policy.rule.inline_hook.as_ref()?;
        self.inline_hook
            .as_ref()
            .filter(|hook| hook.id == *wanted.get_ref() && hook.is_active())
    }

    fn check(&self) -> Result<(), (usize, String)> {
        self.check_apps()?;
        self.check_claims()?;
        for user in &self.users {
            if let Some(unknown) = user.groups.iter().find(|name| {
                name.as_str() != EVERYONE && !self.groups.iter().any(|group| &group.name == *name)
            }) {
                let problem = format!(
                    "user {} is in group {unknown:?}, but no [[groups]] has that name",
                    user.login
                );
                return Err((0, problem));
            }
        }
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

impl Org {
    fn check_apps(&self) -> Result<(), (usize, String)> {
        let mut seen = std::collections::HashSet::new();
        for app in self.all_apps() {
            if !seen.insert(app.client_id.as_str()) {
                let problem = format!("two apps have the client_id {:?}", app.client_id);
                return Err((0, problem));
            }
            let has_secret = app.client_secret.is_some();
            match app.app_type {
                AppType::Web | AppType::Service if !has_secret => {
                    let problem = format!(
                        "app {:?} is a confidential client and needs a client_secret",
                        app.name
                    );
                    return Err((0, problem));
                }
                AppType::Browser if has_secret => {
                    let problem = format!(
                        "app {:?} is a browser app (a public client) and cannot have a \
                         client_secret",
                        app.name
                    );
                    return Err((0, problem));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn check_claims(&self) -> Result<(), (usize, String)> {
        for claim in &self.authorization_server.claims {
            match (&claim.value, &claim.groups) {
                (Some(value), None) => {
                    if let Err(problem) = crate::claims::Expression::parse(value.get_ref()) {
                        return Err((value.span().start, problem));
                    }
                }
                (None, Some(filter)) => {
                    if let Err(problem) = crate::claims::check_group_filter(filter) {
                        return Err((filter.match_type.span().start, problem));
                    }
                }
                _ => {
                    let problem = format!(
                        "claim {:?} needs either a value or a groups filter, not both",
                        claim.name
                    );
                    return Err((0, problem));
                }
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
