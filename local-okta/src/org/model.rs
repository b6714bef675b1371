//! The org's objects, named and shaped as in Okta's Admin Console and
//! Management API: groups, users, app integrations, the authorization
//! server with its scopes, claims, access policies and rules, and inline
//! hooks. The same types are read from `org.toml` (the seed) and written to
//! the state file (what the Management API changed).

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The group every user of an Okta org belongs to.
pub const EVERYONE: &str = "Everyone";
/// A rule's group condition that matches every user, as Okta spells it.
pub const EVERYONE_CONDITION: &str = "EVERYONE";
/// A policy's client condition that matches every client.
pub const ALL_CLIENTS: &str = "ALL_CLIENTS";

/// `[org]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    pub name: String,
    /// The Okta identity provider's id, the `idp` claim.
    pub idp_id: String,
    /// SSWS token for `/api/v1/*`.
    #[serde(with = "secret")]
    pub api_token: SecretString,
    /// Every user's password.
    #[serde(with = "secret")]
    pub demo_password: SecretString,
}

/// `[[groups]]`: an Okta group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// `00g…`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// `[[users]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// The kind of an OIDC app integration, as Okta names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppType {
    /// A server-side web app: a confidential client (authorization code, refresh).
    Web,
    /// A machine-to-machine app: a confidential client (client credentials).
    Service,
    /// A single-page app in the browser: a public client (implicit, code with PKCE).
    Browser,
}

/// `[[apps]]`: an OIDC app integration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Okta's app id (`0oa…`); the client id when left out, as in the seed.
    #[serde(default)]
    pub id: Option<String>,
    /// The label shown in the Admin Console.
    pub name: String,
    /// `web` (the default), `service` or `browser`.
    #[serde(default = "web_app", rename = "type")]
    pub app_type: AppType,
    pub client_id: String,
    /// Required for `web` and `service` apps; `browser` apps have none.
    #[serde(default, with = "optional_secret")]
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
    /// The groups assigned to the app, by id; only their members may sign in.
    #[serde(default = "everyone_assigned")]
    pub assigned_groups: Vec<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default = "active")]
    pub status: String,
    /// When it was created and last changed, for apps made through the API.
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub last_updated: Option<String>,
}

fn web_app() -> AppType {
    AppType::Web
}

fn everyone_assigned() -> Vec<String> {
    vec![EVERYONE.to_owned()]
}

fn active() -> String {
    "ACTIVE".to_owned()
}

impl App {
    /// Okta's app id.
    pub fn app_id(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.client_id)
    }

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

    /// The registered sign-in redirect URI that `uri` names, if any: answers
    /// go to the URI as registered, never to the string a client sent.
    pub fn registered_redirect_uri(&self, uri: &str) -> Option<&str> {
        self.redirect_uris
            .iter()
            .find(|registered| crate::redirect_uri::same_uri(registered, uri))
            .map(String::as_str)
    }

    /// Whether `uri` is one of the app's sign-out redirect URIs.
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris
            .iter()
            .any(|registered| crate::redirect_uri::same_uri(registered, uri))
    }
}

/// `[authorization_server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Access policies (Access Policies tab), evaluated by priority.
    #[serde(default)]
    pub policies: Vec<AccessPolicy>,
}

/// Which token a custom claim goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimToken {
    /// The ID token ("ID Token" in the Admin Console).
    Id,
    /// The access token ("Access Token").
    Access,
}

/// `[[authorization_server.claims]]`: a claim as the Claims tab declares it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimDefinition {
    pub name: String,
    /// `id` or `access`.
    pub token: ClaimToken,
    /// An expression: `user.<attribute>`, or a literal in quotes. Not used
    /// by a groups claim.
    #[serde(default)]
    pub value: Option<String>,
    /// A groups claim: the user's groups whose names pass this filter.
    #[serde(default)]
    pub groups: Option<GroupFilter>,
    /// Include only when one of these scopes is granted; empty: always.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A groups claim's filter, as in the Admin Console.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFilter {
    /// `starts_with`, `equals` or `regex`.
    #[serde(rename = "match")]
    pub match_type: String,
    pub value: String,
}

/// `[[authorization_server.policies]]`: an access policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// `00p…`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Lower is evaluated first.
    #[serde(default = "first")]
    pub priority: u32,
    #[serde(default = "active")]
    pub status: String,
    /// Client ids it applies to, or `ALL_CLIENTS`.
    #[serde(default = "all_clients")]
    pub clients: Vec<String>,
    /// Its rules, evaluated by priority.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

fn first() -> u32 {
    1
}

fn all_clients() -> Vec<String> {
    vec![ALL_CLIENTS.to_owned()]
}

impl AccessPolicy {
    /// Whether the policy applies to this client.
    pub fn applies_to(&self, client_id: &str) -> bool {
        self.status == "ACTIVE"
            && self
                .clients
                .iter()
                .any(|client| client == ALL_CLIENTS || client == client_id)
    }
}

/// `[[authorization_server.policies.rules]]`: a rule of an access policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// `0pr…`.
    pub id: String,
    pub name: String,
    #[serde(default = "first")]
    pub priority: u32,
    #[serde(default = "active")]
    pub status: String,
    /// The grant types the rule matches, as its "IF Grant type is" lists them.
    #[serde(default = "default_rule_grants")]
    pub grant_types: Vec<String>,
    /// Group ids, or `EVERYONE`.
    #[serde(default = "everyone_condition")]
    pub groups: Vec<String>,
    /// Scope names, or `*`.
    #[serde(default = "any_scope")]
    pub scopes: Vec<String>,
    /// Access token lifetime, 5 to 1440 minutes.
    #[serde(default = "an_hour")]
    pub access_token_lifetime_minutes: u32,
    #[serde(default)]
    pub refresh_token_lifetime_minutes: u32,
    #[serde(default = "a_week")]
    pub refresh_token_window_minutes: u32,
    /// "Use this inline hook": the id of the hook the rule calls, if any.
    #[serde(default)]
    pub inline_hook: Option<String>,
}

fn default_rule_grants() -> Vec<String> {
    ["authorization_code", "implicit", "client_credentials"]
        .map(str::to_owned)
        .to_vec()
}

fn everyone_condition() -> Vec<String> {
    vec![EVERYONE_CONDITION.to_owned()]
}

fn any_scope() -> Vec<String> {
    vec!["*".to_owned()]
}

fn an_hour() -> u32 {
    60
}

fn a_week() -> u32 {
    10_080
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
        self.status == "ACTIVE" && self.grant_types.iter().any(|granted| granted == wanted)
    }
}

/// `[[inline_hooks]]`: an inline hook registration (token hooks here).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineHook {
    /// `cal…`.
    pub id: String,
    pub name: String,
    /// Where to POST.
    pub url: String,
    /// The header field Okta sends the secret in (the `HTTP` channel).
    #[serde(default)]
    pub auth_header: String,
    /// The header value, e.g. `Basic …`. Never shown by the API.
    #[serde(with = "secret", default = "no_secret")]
    pub auth_secret: SecretString,
    /// The `OAUTH` channel instead: Okta gets an access token and sends it
    /// as `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<HookOAuth>,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// When it was created and last changed (Okta's timestamps).
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub last_updated: Option<String>,
}

/// An inline hook's `OAUTH` channel with `authType: client_secret_post`:
/// before calling the hook, Okta POSTs a client credentials request to
/// `token_url` with the client id and secret in the form, and sends the
/// access token it gets to the hook.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookOAuth {
    pub client_id: String,
    /// Never shown by the API.
    #[serde(with = "secret")]
    pub client_secret: SecretString,
    /// Where the token comes from, e.g. local-okta's own
    /// `http://localhost:8081/oauth2/default/v1/token`.
    pub token_url: String,
    /// The scope asked for; empty asks for none.
    #[serde(default)]
    pub scope: String,
}

fn no_secret() -> SecretString {
    SecretString::from("")
}

impl InlineHook {
    /// Whether the hook is called at all.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// Secrets are written to the state file as they are: it lives under the
/// data directory, next to the signing key, with the same care.
mod secret {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &SecretString,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<SecretString, D::Error> {
        String::deserialize(deserializer).map(SecretString::from)
    }
}

mod optional_secret {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<SecretString>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(secret) => serializer.serialize_some(secret.expose_secret()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SecretString>, D::Error> {
        Option::<String>::deserialize(deserializer).map(|value| value.map(SecretString::from))
    }
}
