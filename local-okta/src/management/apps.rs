//! `/api/v1/apps`: OpenID Connect app integrations, as Okta's Apps API
//! manages them: list (`q` matches the start of the name or label), create
//! (the client secret is generated and returned once), get, activate,
//! deactivate, delete (only when `INACTIVE`), and group assignments.
//! An app created here can sign in at once.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::ids;
use crate::management::hooks::{malformed, validation};
use crate::management::{SearchQuery, groups, link};
use crate::org::{App, AppType, EVERYONE};
use crate::startup::SharedState;

/// `GET /api/v1/apps`.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<SearchQuery>,
) -> Json<Vec<Value>> {
    let org = state.org();
    let apps = org
        .apps
        .iter()
        // Okta matches the app's label or its name, `oidc_client` here.
        .filter(|app| query.matches(&app.name) || query.matches("oidc_client"))
        .map(|app| describe(&state, app, None))
        .collect();
    Json(apps)
}

/// `GET /api/v1/apps/{id}`.
pub async fn get_one(
    State(state): State<SharedState>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, Error> {
    let org = state.org();
    let app = org
        .apps
        .iter()
        .find(|app| app.app_id() == app_id)
        .ok_or_else(|| Error::not_found(&app_id))?;
    Ok(Json(describe(&state, app, None)))
}

/// The body of `POST /api/v1/apps`: an `OPENID_CONNECT` app.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppBody {
    label: Option<String>,
    sign_on_mode: Option<String>,
    settings: Option<Settings>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    oauth_client: Option<OAuthClient>,
}

#[derive(Debug, Deserialize)]
struct OAuthClient {
    application_type: Option<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
}

/// `POST /api/v1/apps`: creates an active app, with no group assigned yet.
/// The answer carries the generated client id and secret, as Okta's does.
pub async fn create(
    State(state): State<SharedState>,
    body: Result<Json<AppBody>, JsonRejection>,
) -> Result<Json<Value>, Error> {
    let Json(body) = body.map_err(malformed)?;
    if body.sign_on_mode.as_deref() != Some("OPENID_CONNECT") {
        return Err(validation(
            "signOnMode: local-okta creates OPENID_CONNECT apps only",
        ));
    }
    let label = body
        .label
        .filter(|label| !label.trim().is_empty())
        .ok_or_else(|| validation("label: The field cannot be left blank"))?;
    let client = body
        .settings
        .and_then(|settings| settings.oauth_client)
        .ok_or_else(|| validation("settings.oauthClient: The field cannot be left blank"))?;
    let app_type = match client.application_type.as_deref() {
        Some("web") => AppType::Web,
        Some("service") => AppType::Service,
        Some("browser") => AppType::Browser,
        other => {
            return Err(validation(&format!(
                "settings.oauthClient.application_type: web, service or browser, not {other:?}"
            )));
        }
    };
    let secret = (app_type != AppType::Browser).then(ids::secret_token);
    let client_id = ids::okta_id("0oa");
    let now = ids::iso_now();
    let app = App {
        id: Some(client_id.clone()),
        name: label,
        app_type,
        client_id,
        client_secret: secret.clone().map(SecretString::from),
        grant_types: client.grant_types,
        redirect_uris: client.redirect_uris,
        post_logout_redirect_uris: client.post_logout_redirect_uris,
        assigned_groups: Vec::new(),
        status: "ACTIVE".to_owned(),
        created: Some(now.clone()),
        last_updated: Some(now),
    };
    let created = app.clone();
    state.directory.update(|org| {
        org.apps.push(app);
        Ok(())
    })?;
    Ok(Json(describe(&state, &created, secret.as_deref())))
}

/// `POST /api/v1/apps/{id}/lifecycle/activate`.
pub async fn activate(
    State(state): State<SharedState>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, Error> {
    set_status(&state, &app_id, "ACTIVE")?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/apps/{id}/lifecycle/deactivate`.
pub async fn deactivate(
    State(state): State<SharedState>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, Error> {
    set_status(&state, &app_id, "INACTIVE")?;
    Ok(Json(json!({})))
}

fn set_status(state: &SharedState, app_id: &str, status: &str) -> Result<(), Error> {
    state.directory.update(|org| {
        let app = org
            .apps
            .iter_mut()
            .find(|app| app.app_id() == app_id)
            .ok_or_else(|| Error::not_found(app_id))?;
        app.status = status.to_owned();
        app.last_updated = Some(ids::iso_now());
        Ok(())
    })
}

/// `DELETE /api/v1/apps/{id}`: `204`, only for an `INACTIVE` app, as Okta.
pub async fn delete(
    State(state): State<SharedState>,
    Path(app_id): Path<String>,
) -> Result<Response, Error> {
    state.directory.update(|org| {
        let app = org
            .apps
            .iter()
            .find(|app| app.app_id() == app_id)
            .ok_or_else(|| Error::not_found(&app_id))?;
        if app.status == "ACTIVE" {
            return Err(validation(
                "status: Only an INACTIVE app can be deleted; deactivate it first",
            ));
        }
        org.apps.retain(|app| app.app_id() != app_id);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/apps/{id}/groups`: the assignments.
pub async fn list_groups(
    State(state): State<SharedState>,
    Path(app_id): Path<String>,
) -> Result<Json<Vec<Value>>, Error> {
    let org = state.org();
    let app = org
        .apps
        .iter()
        .find(|app| app.app_id() == app_id)
        .ok_or_else(|| Error::not_found(&app_id))?;
    let assignments = app
        .assigned_groups
        .iter()
        .map(|group| json!({ "id": assigned_group_id(&org, group), "priority": 0 }))
        .collect();
    Ok(Json(assignments))
}

/// `PUT /api/v1/apps/{id}/groups/{groupId}`: assigns a group to the app.
pub async fn assign_group(
    State(state): State<SharedState>,
    Path((app_id, group_id)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    state.directory.update(|org| {
        let group = org
            .group_by_id(&group_id)
            .ok_or_else(|| Error::not_found(&group_id))?
            .id
            .clone();
        let app = org
            .apps
            .iter_mut()
            .find(|app| app.app_id() == app_id)
            .ok_or_else(|| Error::not_found(&app_id))?;
        if !app.assigned_groups.contains(&group) {
            app.assigned_groups.push(group);
        }
        Ok(())
    })?;
    let org = state.org();
    let group = org
        .group_by_id(&group_id)
        .map(|group| groups::describe(&state, group));
    Ok(Json(
        json!({ "id": group_id, "priority": 0, "_embedded": { "group": group } }),
    ))
}

/// The seed writes `Everyone` by name; the API speaks in group ids.
fn assigned_group_id(org: &crate::org::Org, group: &str) -> String {
    if group == EVERYONE {
        if let Some(everyone) = org.groups.iter().find(|g| g.name == EVERYONE) {
            return everyone.id.clone();
        }
    }
    group.to_owned()
}

/// An app as Okta's API shows it. The secret appears only in the answer to
/// the create, as Okta returns it once.
pub fn describe(state: &SharedState, app: &App, secret: Option<&str>) -> Value {
    let application_type = match app.app_type {
        AppType::Web => "web",
        AppType::Service => "service",
        AppType::Browser => "browser",
    };
    let grant_types: Vec<&str> = [
        "authorization_code",
        "refresh_token",
        "implicit",
        "client_credentials",
    ]
    .into_iter()
    .filter(|grant| app.allows_grant(grant))
    .collect();
    let mut credentials = json!({
        "client_id": app.client_id,
        "token_endpoint_auth_method":
            if app.client_secret.is_some() { "client_secret_basic" } else { "none" },
    });
    if let Some(secret) = secret {
        credentials["client_secret"] = Value::from(secret);
    }
    let path = format!("/apps/{}", app.app_id());
    json!({
        "id": app.app_id(),
        "name": "oidc_client",
        "label": app.name,
        "status": app.status,
        "signOnMode": "OPENID_CONNECT",
        "credentials": { "oauthClient": credentials },
        "settings": { "oauthClient": {
            "application_type": application_type,
            "grant_types": grant_types,
            "redirect_uris": app.redirect_uris,
            "post_logout_redirect_uris": app.post_logout_redirect_uris,
        } },
        "created": app.created,
        "lastUpdated": app.last_updated,
        "_links": { "self": link(state, &path), "groups": link(state, &format!("{path}/groups")) },
    })
}
