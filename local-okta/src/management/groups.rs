//! `GET /api/v1/groups?q=…`: the org's groups, as Okta's Groups API lists
//! them (`q` matches the start of the name, case-insensitively).

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use crate::management::{SearchQuery, link};
use crate::org::{EVERYONE, Group};
use crate::startup::SharedState;

/// `GET /api/v1/groups`.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<SearchQuery>,
) -> Json<Vec<Value>> {
    let org = state.org();
    let groups = org
        .groups
        .iter()
        .filter(|group| query.matches(&group.name))
        .map(|group| describe(&state, group))
        .collect();
    Json(groups)
}

/// A group as Okta's API shows it.
pub fn describe(state: &SharedState, group: &Group) -> Value {
    let built_in = group.name == EVERYONE;
    json!({
        "id": group.id,
        "objectClass": ["okta:user_group"],
        "type": if built_in { "BUILT_IN" } else { "OKTA_GROUP" },
        "profile": { "name": group.name, "description": group.description },
        "_links": { "self": link(state, &format!("/groups/{}", group.id)) },
    })
}
