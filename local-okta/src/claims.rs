//! Custom claims of the authorization server, as its Claims tab declares
//! them: a name, a token (ID or access), a value, and when to include it.
//!
//! Okta evaluates the value with its Expression Language; local-okta
//! understands the two forms a workshop needs, `user.<attribute>` and a
//! literal in quotes, and groups claims filtered by starts-with, equals or a
//! regex. The claims are in the tokens before the hook runs, so a hook sees
//! them in `data.identity.claims` or `data.access.claims` and may replace
//! or remove them, as in Okta.

use serde_json::{Map, Value};

use crate::org::{ClaimDefinition, ClaimToken, GroupFilter, Org, User};

/// A claim's value expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `user.department`: a profile attribute.
    UserAttribute(String),
    /// `"Patients"`: a string literal.
    Literal(String),
}

impl Expression {
    /// Parses an expression; the error says what is supported.
    pub fn parse(text: &str) -> Result<Expression, String> {
        let text = text.trim();
        if let Some(attribute) = text.strip_prefix("user.") {
            let is_name = !attribute.is_empty()
                && attribute
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if is_name {
                return Ok(Expression::UserAttribute(attribute.to_owned()));
            }
        }
        if let Some(literal) = text
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
        {
            return Ok(Expression::Literal(literal.to_owned()));
        }
        Err(format!(
            "{text:?} is not an expression local-okta understands: use user.<attribute> or a \
             \"literal\""
        ))
    }

    fn evaluate(&self, user: Option<&User>) -> Option<Value> {
        match self {
            Expression::UserAttribute(name) => user?.profile_attribute(name).map(Value::from),
            Expression::Literal(text) => Some(Value::from(text.clone())),
        }
    }
}

/// Checks a groups filter's kind, and compiles its regex.
pub fn check_group_filter(filter: &GroupFilter) -> Result<(), String> {
    match filter.match_type.as_str() {
        "starts_with" | "equals" => Ok(()),
        "regex" => regex::Regex::new(&filter.value)
            .map(|_| ())
            .map_err(|error| format!("the regex {:?} does not compile: {error}", filter.value)),
        other => Err(format!(
            "match must be \"starts_with\", \"equals\" or \"regex\", not {other:?}"
        )),
    }
}

/// The custom claims for one token: those for `token` whose scopes were
/// granted (or that are always included), with a value for this user.
/// Without a user (client credentials), user expressions and groups give
/// nothing, and the claim is left out, as Okta leaves out a null claim.
pub fn custom_claims(
    org: &Org,
    token: ClaimToken,
    user: Option<&User>,
    scopes: &[String],
) -> Map<String, Value> {
    org.authorization_server
        .claims
        .iter()
        .filter(|claim| claim.token == token && included(claim, scopes))
        .filter_map(|claim| Some((claim.name.clone(), value(claim, user)?)))
        .collect()
}

fn included(claim: &ClaimDefinition, scopes: &[String]) -> bool {
    claim.scopes.is_empty() || claim.scopes.iter().any(|scope| scopes.contains(scope))
}

fn value(claim: &ClaimDefinition, user: Option<&User>) -> Option<Value> {
    if let Some(filter) = &claim.groups {
        let user = user?;
        let names: Vec<Value> = user
            .group_names()
            .filter(|name| passes(filter, name))
            .map(Value::from)
            .collect();
        return Some(Value::Array(names));
    }
    Expression::parse(claim.value.as_ref()?)
        .ok()?
        .evaluate(user)
}

fn passes(filter: &GroupFilter, name: &str) -> bool {
    match filter.match_type.as_str() {
        "starts_with" => name.starts_with(&filter.value),
        "equals" => name == filter.value,
        // Okta matches the whole name against the regex.
        "regex" => regex::Regex::new(&format!("^(?:{})$", filter.value))
            .is_ok_and(|regex| regex.is_match(name)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_user_attributes_or_literals() {
        assert_eq!(
            Expression::parse("user.department"),
            Ok(Expression::UserAttribute("department".to_owned()))
        );
        assert_eq!(
            Expression::parse("\"Patients\""),
            Ok(Expression::Literal("Patients".to_owned()))
        );
        assert!(Expression::parse("user.").is_err());
        assert!(Expression::parse("String.toUpperCase(user.login)").is_err());
    }

    #[test]
    fn the_built_in_org_gives_department_and_groups_claims() {
        let org = Org::default_org().expect("the built-in org");
        let jessie = org
            .user_by_login("jessie.smith@example.com")
            .expect("Jessie");
        let scopes = ["openid".to_owned(), "profile".to_owned()];
        let id = custom_claims(&org, ClaimToken::Id, Some(jessie), &scopes);
        assert!(id.get("department").is_some_and(Value::is_string), "{id:?}");
        let access = custom_claims(&org, ClaimToken::Access, Some(jessie), &scopes);
        let groups = access["groups"].as_array().expect("a groups claim");
        assert!(groups.contains(&Value::from("Patients")), "{groups:?}");
        let none = custom_claims(&org, ClaimToken::Access, None, &scopes);
        assert!(none.get("groups").is_none());
    }
}
