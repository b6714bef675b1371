//! The Management API (`/api/v1`), in Okta's shapes, statuses and error
//! bodies (`errorCode`, `errorSummary`, `errorLink`, `errorId`,
//! `errorCauses`), behind `Authorization: SSWS <token>`: the calls that
//! set up a token inline hook without the Admin Console.
//!
//! - [`apps`]: app integrations: list (`q`), create, get, deactivate,
//!   delete, and group assignments.
//! - [`groups`]: list (`q`).
//! - [`hooks`]: inline hooks: list (`type`), create, get, PUT, delete (only
//!   when INACTIVE), activate, deactivate, execute.
//! - [`servers`]: authorization servers, their policies and rules (list,
//!   get, create, PUT, delete), and their signing keys (list, rotate).
//! - [`logs`]: the System Log.
//! - [`dev`]: **local-okta's own**, not Okta's: the hook inspector's calls
//!   (`/dev/hookCalls`), and replay.
//! - [`state`]: the org in memory, snapshots, and the state file.
//!
//! Every answer carries Okta's rate-limit headers (`X-Rate-Limit-Limit`,
//! `-Remaining`, `-Reset`), from a fixed one-minute window; past the limit,
//! `429` with `E0000047`, as Okta answers.

pub mod apps;
pub mod dev;
pub mod groups;
pub mod hooks;
pub mod logs;
pub mod servers;
pub mod state;

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::startup::SharedState;

/// Management API calls allowed per minute, per org (Okta's is per bucket).
pub const RATE_LIMIT_PER_MINUTE: u32 = 600;

/// The `/api/v1` routes, behind the API token.
pub fn router(state: SharedState) -> Router<SharedState> {
    Router::new()
        .route("/logs", get(logs::logs))
        .route("/apps", get(apps::list).post(apps::create))
        .route("/apps/{app_id}", get(apps::get_one).delete(apps::delete))
        .route("/apps/{app_id}/lifecycle/activate", post(apps::activate))
        .route(
            "/apps/{app_id}/lifecycle/deactivate",
            post(apps::deactivate),
        )
        .route("/apps/{app_id}/groups", get(apps::list_groups))
        .route("/apps/{app_id}/groups/{group_id}", put(apps::assign_group))
        .route("/groups", get(groups::list))
        .route("/inlineHooks", get(hooks::list).post(hooks::create))
        .route(
            "/inlineHooks/{hook_id}",
            get(hooks::get_one)
                .put(hooks::replace)
                .delete(hooks::delete),
        )
        .route(
            "/inlineHooks/{hook_id}/lifecycle/activate",
            post(hooks::activate),
        )
        .route(
            "/inlineHooks/{hook_id}/lifecycle/deactivate",
            post(hooks::deactivate),
        )
        .route("/inlineHooks/{hook_id}/execute", post(hooks::execute))
        // local-okta's own, not Okta's: the hook inspector.
        .route("/dev/hookCalls", get(dev::list))
        .route("/dev/hookCalls/{id}", get(dev::get_one))
        .route("/dev/hookCalls/{id}/replay", post(dev::replay))
        .route("/authorizationServers", get(servers::list))
        .route("/authorizationServers/{server_id}", get(servers::get_one))
        .route(
            "/authorizationServers/{server_id}/credentials/keys",
            get(servers::list_keys),
        )
        .route(
            "/authorizationServers/{server_id}/credentials/lifecycle/keyRotate",
            post(servers::rotate_keys),
        )
        .route(
            "/authorizationServers/{server_id}/policies",
            get(servers::list_policies).post(servers::create_policy),
        )
        .route(
            "/authorizationServers/{server_id}/policies/{policy_id}",
            delete(servers::delete_policy),
        )
        .route(
            "/authorizationServers/{server_id}/policies/{policy_id}/rules",
            get(servers::list_rules).post(servers::create_rule),
        )
        .route(
            "/authorizationServers/{server_id}/policies/{policy_id}/rules/{rule_id}",
            get(servers::get_rule)
                .put(servers::replace_rule)
                .delete(servers::delete_rule),
        )
        .route_layer(middleware::from_fn_with_state(state, require_api_token))
}

/// The `q` of a list (`GET /apps?q=…`, `/groups`, `/authorizationServers`):
/// a case-insensitive prefix of the name, as Okta searches.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

impl SearchQuery {
    /// Whether `name` starts with `q` (anything matches no `q`).
    pub fn matches(&self, name: &str) -> bool {
        let prefix = self.q.as_deref().unwrap_or_default().to_lowercase();
        name.to_lowercase().starts_with(&prefix)
    }
}

/// Middleware: the org's API token, as `SSWS <token>`, and the rate limit.
pub async fn require_api_token(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Result<Response, Error> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("SSWS "))
        .unwrap_or_default();
    let org = state.org();
    let expected = org.org.api_token.expose_secret();
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(Error::ApiUnauthorized);
    }
    let window = state.rate_limit.take();
    let mut response = if window.remaining_before == 0 {
        Error::Api {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "E0000047",
            summary: "API call exceeded rate limit due to too many requests.".to_owned(),
        }
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-rate-limit-limit", window.limit),
        (
            "x-rate-limit-remaining",
            window.remaining_before.saturating_sub(1),
        ),
        ("x-rate-limit-reset", window.reset_epoch),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    Ok(response)
}

/// A fixed one-minute window of calls.
#[derive(Debug)]
pub struct RateLimit {
    limit: u32,
    window: Mutex<(u64, u32)>,
}

/// One call's view of the window.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: u64,
    /// Calls left before this one.
    pub remaining_before: u64,
    /// When the window resets, UTC epoch seconds.
    pub reset_epoch: u64,
}

impl RateLimit {
    /// `limit` calls a minute.
    pub fn new(limit: u32) -> RateLimit {
        RateLimit {
            limit,
            window: Mutex::new((0, 0)),
        }
    }

    /// Counts one call.
    pub fn take(&self) -> Window {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if now >= window.0 {
            *window = (now + 60, 0);
        }
        let used = window.1;
        window.1 = used.saturating_add(1);
        Window {
            limit: u64::from(self.limit),
            remaining_before: u64::from(self.limit.saturating_sub(used)),
            reset_epoch: window.0,
        }
    }
}

/// `{ "href": … }` links under the org's base URL.
pub fn link(state: &SharedState, path: &str) -> serde_json::Value {
    let base = state
        .config
        .issuer
        .split("/oauth2/")
        .next()
        .unwrap_or_default();
    serde_json::json!({ "href": format!("{base}/api/v1{path}") })
}
