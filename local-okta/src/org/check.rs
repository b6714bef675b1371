//! The cross-checks an org must pass, seed or state file alike. Each error
//! names the value it is about (so the loader can point at its line) and
//! says what is wrong.

use std::collections::HashSet;

use secrecy::ExposeSecret;

use super::{AppType, EVERYONE, EVERYONE_CONDITION, Org};

/// A failed check: where in the file it is, and the problem.
pub type Problem = (Locator, String);

/// How to find the line a problem is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// The line holding this value, quoted.
    Value(String),
    /// The first line that starts with this key and `=`.
    Key(&'static str),
    /// Nowhere in particular.
    Nowhere,
}

impl From<Option<String>> for Locator {
    fn from(value: Option<String>) -> Locator {
        value.map_or(Locator::Nowhere, Locator::Value)
    }
}

impl Org {
    /// Every cross-check; the first failure is returned.
    pub fn check(&self) -> Result<(), Problem> {
        self.check_secrets()?;
        self.check_groups()?;
        self.check_apps()?;
        self.check_claims()?;
        self.check_policies()?;
        self.check_hooks()
    }

    /// An empty secret would switch authentication off.
    fn check_secrets(&self) -> Result<(), Problem> {
        for (key, secret) in [
            ("api_token", &self.org.api_token),
            ("demo_password", &self.org.demo_password),
        ] {
            if secret.expose_secret().trim().is_empty() {
                return Err((
                    Locator::Key(key),
                    format!("{key} is empty: it would let anyone in"),
                ));
            }
        }
        Ok(())
    }

    fn check_groups(&self) -> Result<(), Problem> {
        for user in &self.users {
            let unknown = user.groups.iter().find(|name| {
                name.as_str() != EVERYONE && !self.groups.iter().any(|group| &group.name == *name)
            });
            if let Some(unknown) = unknown {
                let problem = format!(
                    "user {} is in group {unknown:?}, but no [[groups]] has that name",
                    user.login
                );
                return Err((Locator::Value(unknown.clone()), problem));
            }
        }
        Ok(())
    }

    fn check_apps(&self) -> Result<(), Problem> {
        let mut seen = HashSet::new();
        for app in &self.apps {
            if !seen.insert(app.client_id.as_str()) {
                let problem = format!("two apps have the client_id {:?}", app.client_id);
                return Err((Locator::Value(app.client_id.clone()), problem));
            }
            let secret = app.client_secret.as_ref().map(|s| s.expose_secret());
            match (app.app_type, secret) {
                (AppType::Web | AppType::Service, None) => {
                    let problem = format!(
                        "app {:?} is a confidential client and needs a client_secret",
                        app.name
                    );
                    return Err((Locator::Value(app.name.clone()), problem));
                }
                (AppType::Web | AppType::Service, Some(secret)) if secret.trim().is_empty() => {
                    let problem = format!(
                        "client_secret of app {:?} is empty: it would let anyone in",
                        app.name
                    );
                    return Err((Locator::Key("client_secret"), problem));
                }
                (AppType::Browser, Some(_)) => {
                    let problem = format!(
                        "app {:?} is a browser app (a public client) and cannot have a \
                         client_secret",
                        app.name
                    );
                    return Err((Locator::Value(app.name.clone()), problem));
                }
                _ => {}
            }
            for group in &app.assigned_groups {
                if group != EVERYONE && self.group_by_id(group).is_none() {
                    let problem = format!(
                        "app {:?} is assigned to group {group:?}, but no [[groups]] has that id",
                        app.name
                    );
                    return Err((Locator::Value(group.clone()), problem));
                }
            }
        }
        Ok(())
    }

    fn check_claims(&self) -> Result<(), Problem> {
        for claim in &self.authorization_server.claims {
            // Okta refuses a custom claim that would shadow one it sets.
            let kind = match claim.token {
                super::ClaimToken::Id => token_hook::TokenKind::Identity,
                super::ClaimToken::Access => token_hook::TokenKind::Access,
            };
            let standard = [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "jti",
                "nonce",
                "name",
                "email",
                "preferred_username",
                "at_hash",
                "auth_time",
                "amr",
                "idp",
                "ver",
                "cid",
                "uid",
                "scp",
            ];
            let shadows = standard.contains(&claim.name.as_str())
                || (token_hook::reserved::is_reserved(kind, &claim.name) && claim.groups.is_none());
            if shadows {
                let problem = format!(
                    "claim {:?} is reserved or set by the authorization server itself",
                    claim.name
                );
                return Err((Locator::Value(claim.name.clone()), problem));
            }
            match (&claim.value, &claim.groups) {
                (Some(value), None) => {
                    if let Err(problem) = crate::claims::Expression::parse(value) {
                        return Err((Locator::Value(value.clone()), problem));
                    }
                }
                (None, Some(filter)) => {
                    if let Err(problem) = crate::claims::check_group_filter(filter) {
                        return Err((Locator::Value(filter.match_type.clone()), problem));
                    }
                }
                _ => {
                    let problem = format!(
                        "claim {:?} needs either a value or a groups filter, not both",
                        claim.name
                    );
                    return Err((Locator::Value(claim.name.clone()), problem));
                }
            }
        }
        Ok(())
    }

    fn check_policies(&self) -> Result<(), Problem> {
        for policy in &self.authorization_server.policies {
            for rule in &policy.rules {
                if let Some(hook) = &rule.inline_hook
                    && self.hook(hook).is_none()
                {
                    let problem = format!(
                        "rule {:?} uses inline hook {hook:?}, but no [[inline_hooks]] has that id",
                        rule.name
                    );
                    return Err((Locator::Value(hook.clone()), problem));
                }
                for group in &rule.groups {
                    if group != EVERYONE_CONDITION && self.group_by_id(group).is_none() {
                        let problem = format!(
                            "rule {:?} names group {group:?}, but no [[groups]] has that id",
                            rule.name
                        );
                        return Err((Locator::Value(group.clone()), problem));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_hooks(&self) -> Result<(), Problem> {
        for hook in &self.inline_hooks {
            if !matches!(hook.status.as_str(), "ACTIVE" | "INACTIVE") {
                let problem = "status must be \"ACTIVE\" or \"INACTIVE\"".to_owned();
                return Err((Locator::Value(hook.status.clone()), problem));
            }
            if url::Url::parse(&hook.url).is_err() {
                let problem = format!("{:?} is not an absolute URL", hook.url);
                return Err((Locator::Value(hook.url.clone()), problem));
            }
            match &hook.oauth {
                None if hook.auth_secret.expose_secret().trim().is_empty() => {
                    let problem = format!(
                        "auth_secret of inline hook {:?} is empty: the hook could not tell Okta \
                         from anyone else",
                        hook.name
                    );
                    return Err((Locator::Key("auth_secret"), problem));
                }
                None if hook.auth_header.trim().is_empty() => {
                    let problem = format!(
                        "auth_header of inline hook {:?} is empty: name the header that carries \
                         auth_secret (the guide's is Authorization)",
                        hook.name
                    );
                    return Err((Locator::Key("auth_header"), problem));
                }
                None => {}
                Some(oauth) => {
                    if oauth.client_secret.expose_secret().trim().is_empty() {
                        let problem = format!(
                            "oauth.client_secret of inline hook {:?} is empty",
                            hook.name
                        );
                        return Err((Locator::Nowhere, problem));
                    }
                    if oauth.client_id.trim().is_empty() {
                        let problem =
                            format!("oauth.client_id of inline hook {:?} is empty", hook.name);
                        return Err((Locator::Nowhere, problem));
                    }
                    if url::Url::parse(&oauth.token_url).is_err() {
                        let problem = format!("{:?} is not an absolute URL", oauth.token_url);
                        return Err((Locator::Value(oauth.token_url.clone()), problem));
                    }
                }
            }
        }
        Ok(())
    }
}
