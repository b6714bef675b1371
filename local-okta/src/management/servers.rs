//! `/api/v1/authorizationServers`: the custom authorization server, its
//! access policies and their rules, as Okta's API shows them. A rule's
//! `actions.token.inlineHook.id` is "Use this inline hook": a full `PUT` of
//! the fetched rule with that field set attaches the hook, and the same
//! `PUT` without it detaches the hook. There is no PATCH, as in Okta.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::ids;
use crate::management::hooks::{malformed, validation};
use crate::management::{SearchQuery, link};
use crate::org::{AccessPolicy, Org, PolicyRule};
use crate::startup::SharedState;

/// `GET /api/v1/authorizationServers`: the one custom server.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<SearchQuery>,
) -> Json<Vec<Value>> {
    let org = state.org();
    Json(
        query
            .matches(&org.authorization_server.name)
            .then(|| describe(&state, &org))
            .into_iter()
            .collect(),
    )
}

/// `GET /api/v1/authorizationServers/{id}`.
pub async fn get_one(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
) -> Result<Json<Value>, Error> {
    let org = state.org();
    server(&org, &server_id)?;
    Ok(Json(describe(&state, &org)))
}

/// The body of a key rotation.
#[derive(Debug, Deserialize)]
pub struct RotateBody {
    #[serde(rename = "use")]
    key_use: Option<String>,
}

/// `GET …/credentials/keys`: the active key and the replaced ones still
/// published, each with its `status`.
pub async fn list_keys(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
) -> Result<Json<Vec<Value>>, Error> {
    server(&state.org(), &server_id)?;
    Ok(Json(state.keys.describe()))
}

/// `POST …/credentials/lifecycle/keyRotate` with `{"use": "sig"}`: a new
/// signing key from now on; the old one stays at `/v1/keys`. Clients that
/// cached the key set meet the new `kid` at the next token.
pub async fn rotate_keys(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    body: Result<Json<RotateBody>, JsonRejection>,
) -> Result<Json<Vec<Value>>, Error> {
    let Json(body) = body.map_err(malformed)?;
    server(&state.org(), &server_id)?;
    if body.key_use.as_deref() != Some("sig") {
        return Err(validation("use: The value must be sig"));
    }
    // Generating an RSA key takes a while: not on the async runtime.
    let rotating = state.clone();
    let keys = tokio::task::spawn_blocking(move || rotating.keys.rotate())
        .await
        .map_err(|error| Error::key("rotate the signing key", error))??;
    Ok(Json(keys))
}

/// `GET …/policies`.
pub async fn list_policies(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
) -> Result<Json<Vec<Value>>, Error> {
    let org = state.org();
    server(&org, &server_id)?;
    let policies = org
        .authorization_server
        .policies
        .iter()
        .map(|policy| describe_policy(&state, &server_id, policy))
        .collect();
    Ok(Json(policies))
}

/// The body of a policy create.
#[derive(Debug, Deserialize)]
pub struct PolicyBody {
    #[serde(rename = "type")]
    policy_type: Option<String>,
    name: Option<String>,
    description: Option<String>,
    priority: Option<u32>,
    status: Option<String>,
    conditions: Option<Value>,
}

/// `POST …/policies`: `201` with the policy.
pub async fn create_policy(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    body: Result<Json<PolicyBody>, JsonRejection>,
) -> Result<Response, Error> {
    let Json(body) = body.map_err(malformed)?;
    server(&state.org(), &server_id)?;
    if body.policy_type.as_deref() != Some("OAUTH_AUTHORIZATION_POLICY") {
        return Err(validation(
            "type: The value must be OAUTH_AUTHORIZATION_POLICY",
        ));
    }
    let name = body
        .name
        .filter(|name| (1..=100).contains(&name.chars().count()))
        .ok_or_else(|| validation("name: The field cannot be left blank"))?;
    let clients = strings_at(body.conditions.as_ref(), &["clients", "include"])
        .ok_or_else(|| validation("conditions.clients.include: The field cannot be left blank"))?;
    let policy = AccessPolicy {
        id: ids::okta_id("00p"),
        name,
        description: body.description.unwrap_or_default(),
        priority: body.priority.unwrap_or(1),
        status: body.status.unwrap_or_else(|| "ACTIVE".to_owned()),
        clients,
        rules: Vec::new(),
    };
    let created = policy.clone();
    state.directory.update(|org| {
        org.authorization_server.policies.push(policy);
        Ok(())
    })?;
    let body = describe_policy(&state, &server_id, &created);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET …/policies/{policyId}/rules`.
pub async fn list_rules(
    State(state): State<SharedState>,
    Path((server_id, policy_id)): Path<(String, String)>,
) -> Result<Json<Vec<Value>>, Error> {
    let org = state.org();
    server(&org, &server_id)?;
    let policy = policy(&org, &policy_id)?;
    let rules = policy
        .rules
        .iter()
        .map(|rule| describe_rule(&state, &server_id, &policy.id, rule))
        .collect();
    Ok(Json(rules))
}

/// `GET …/rules/{ruleId}`.
pub async fn get_rule(
    State(state): State<SharedState>,
    Path((server_id, policy_id, rule_id)): Path<(String, String, String)>,
) -> Result<Json<Value>, Error> {
    let org = state.org();
    server(&org, &server_id)?;
    let policy = policy(&org, &policy_id)?;
    let rule = policy
        .rules
        .iter()
        .find(|rule| rule.id == rule_id)
        .ok_or_else(|| Error::not_found(&rule_id))?;
    Ok(Json(describe_rule(&state, &server_id, &policy_id, rule)))
}

/// `POST …/rules`: `201` with the rule.
pub async fn create_rule(
    State(state): State<SharedState>,
    Path((server_id, policy_id)): Path<(String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let Json(body) = body.map_err(malformed)?;
    server(&state.org(), &server_id)?;
    let mut rule = rule_from(&body, None)?;
    rule.id = ids::okta_id("0pr");
    let created = rule.clone();
    state.directory.update(|org| {
        let policy = policy_mut(org, &policy_id)?;
        policy.rules.push(rule);
        Ok(())
    })?;
    let body = describe_rule(&state, &server_id, &policy_id, &created);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `PUT …/rules/{ruleId}`: replaces the whole rule with the body.
pub async fn replace_rule(
    State(state): State<SharedState>,
    Path((server_id, policy_id, rule_id)): Path<(String, String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, Error> {
    let Json(body) = body.map_err(malformed)?;
    server(&state.org(), &server_id)?;
    let replaced = state.directory.update(|org| {
        let policy = policy_mut(org, &policy_id)?;
        let rule = policy
            .rules
            .iter_mut()
            .find(|rule| rule.id == rule_id)
            .ok_or_else(|| Error::not_found(&rule_id))?;
        *rule = rule_from(&body, Some(&rule_id))?;
        Ok(rule.clone())
    })?;
    Ok(Json(describe_rule(
        &state, &server_id, &policy_id, &replaced,
    )))
}

/// `DELETE …/policies/{policyId}`: `204`, with its rules.
pub async fn delete_policy(
    State(state): State<SharedState>,
    Path((server_id, policy_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    server(&state.org(), &server_id)?;
    state.directory.update(|org| {
        policy(org, &policy_id)?;
        org.authorization_server
            .policies
            .retain(|policy| policy.id != policy_id);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE …/rules/{ruleId}`: `204`.
pub async fn delete_rule(
    State(state): State<SharedState>,
    Path((server_id, policy_id, rule_id)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    server(&state.org(), &server_id)?;
    state.directory.update(|org| {
        let policy = policy_mut(org, &policy_id)?;
        if !policy.rules.iter().any(|rule| rule.id == rule_id) {
            return Err(Error::not_found(&rule_id));
        }
        policy.rules.retain(|rule| rule.id != rule_id);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A rule from a create or replace body (`AuthorizationServerPolicyRuleRequest`):
/// `name`, `type` and `conditions` are required; read-only fields are ignored.
fn rule_from(body: &Value, id: Option<&str>) -> Result<PolicyRule, Error> {
    if body["type"] != "RESOURCE_ACCESS" {
        return Err(validation("type: The value must be RESOURCE_ACCESS"));
    }
    let name = body["name"]
        .as_str()
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| validation("name: The field cannot be left blank"))?;
    let conditions = body.get("conditions").filter(|value| value.is_object());
    let conditions =
        conditions.ok_or_else(|| validation("conditions: The field cannot be left blank"))?;
    let grant_types = strings_at(Some(conditions), &["grantTypes", "include"])
        .filter(|grants| !grants.is_empty())
        .ok_or_else(|| {
            validation("conditions.grantTypes.include: The field cannot be left blank")
        })?;
    let token = &body["actions"]["token"];
    let minutes = |key: &str, default: u32| {
        token[key]
            .as_u64()
            .and_then(|value| u32::try_from(value).ok())
            .unwrap_or(default)
    };
    let access_minutes = minutes("accessTokenLifetimeMinutes", 60);
    if !(5..=1440).contains(&access_minutes) {
        return Err(validation(
            "actions.token.accessTokenLifetimeMinutes: The value must be between 5 and 1440",
        ));
    }
    Ok(PolicyRule {
        id: id.unwrap_or_default().to_owned(),
        name: name.to_owned(),
        priority: body["priority"]
            .as_u64()
            .and_then(|value| u32::try_from(value).ok())
            .unwrap_or(1),
        status: body["status"].as_str().unwrap_or("ACTIVE").to_owned(),
        grant_types,
        groups: strings_at(Some(conditions), &["people", "groups", "include"])
            .unwrap_or_else(|| vec!["EVERYONE".to_owned()]),
        scopes: strings_at(Some(conditions), &["scopes", "include"])
            .unwrap_or_else(|| vec!["*".to_owned()]),
        access_token_lifetime_minutes: access_minutes,
        refresh_token_lifetime_minutes: minutes("refreshTokenLifetimeMinutes", 0),
        refresh_token_window_minutes: minutes("refreshTokenWindowMinutes", 10_080),
        inline_hook: token["inlineHook"]["id"].as_str().map(str::to_owned),
    })
}

/// The strings of the array at `path` in `value`, if it is one.
fn strings_at(value: Option<&Value>, path: &[&str]) -> Option<Vec<String>> {
    let mut value = value?;
    for key in path {
        value = value.get(key)?;
    }
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn server<'a>(org: &'a Org, server_id: &str) -> Result<&'a crate::org::AuthorizationServer, Error> {
    Some(&org.authorization_server)
        .filter(|server| server.id == server_id)
        .ok_or_else(|| Error::not_found(server_id))
}

fn policy<'a>(org: &'a Org, policy_id: &str) -> Result<&'a AccessPolicy, Error> {
    org.authorization_server
        .policies
        .iter()
        .find(|policy| policy.id == policy_id)
        .ok_or_else(|| Error::not_found(policy_id))
}

fn policy_mut<'a>(org: &'a mut Org, policy_id: &str) -> Result<&'a mut AccessPolicy, Error> {
    org.authorization_server
        .policies
        .iter_mut()
        .find(|policy| policy.id == policy_id)
        .ok_or_else(|| Error::not_found(policy_id))
}

/// The server as Okta's API shows it.
fn describe(state: &SharedState, org: &Org) -> Value {
    let server = &org.authorization_server;
    let path = format!("/authorizationServers/{}", server.id);
    json!({
        "id": server.id,
        "name": server.name,
        "description": "Default Authorization Server for your Applications",
        "audiences": [server.audience],
        "issuer": state.config.issuer,
        "issuerMode": "ORG_URL",
        "status": "ACTIVE",
        "credentials": { "signing": { "kid": state.keys.kid(), "rotationMode": "AUTO" } },
        "_links": {
            "self": link(state, &path),
            "policies": link(state, &format!("{path}/policies")),
        },
    })
}

fn describe_policy(state: &SharedState, server_id: &str, policy: &AccessPolicy) -> Value {
    let path = format!("/authorizationServers/{server_id}/policies/{}", policy.id);
    json!({
        "type": "OAUTH_AUTHORIZATION_POLICY",
        "id": policy.id,
        "status": policy.status,
        "name": policy.name,
        "description": policy.description,
        "priority": policy.priority,
        "system": false,
        "conditions": { "clients": { "include": policy.clients } },
        "_links": {
            "self": link(state, &path),
            "rules": link(state, &format!("{path}/rules")),
        },
    })
}

fn describe_rule(
    state: &SharedState,
    server_id: &str,
    policy_id: &str,
    rule: &PolicyRule,
) -> Value {
    let mut token = json!({
        "accessTokenLifetimeMinutes": rule.access_token_lifetime_minutes,
        "refreshTokenLifetimeMinutes": rule.refresh_token_lifetime_minutes,
        "refreshTokenWindowMinutes": rule.refresh_token_window_minutes,
    });
    if let Some(hook) = &rule.inline_hook {
        token["inlineHook"] = json!({ "id": hook });
    }
    let path = format!(
        "/authorizationServers/{server_id}/policies/{policy_id}/rules/{}",
        rule.id
    );
    json!({
        "type": "RESOURCE_ACCESS",
        "id": rule.id,
        "status": rule.status,
        "name": rule.name,
        "priority": rule.priority,
        "system": false,
        "conditions": {
            "people": {
                "users": { "include": [], "exclude": [] },
                "groups": { "include": rule.groups, "exclude": [] },
            },
            "grantTypes": { "include": rule.grant_types },
            "scopes": { "include": rule.scopes },
        },
        "actions": { "token": token },
        "_links": { "self": link(state, &path) },
    })
}
