//! `GET /login`: starts Authorization Code with PKCE. Remembers `state`,
//! `nonce`, the PKCE verifier and where to go back in an encrypted cookie,
//! then sends the browser to the authorization server.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tower_cookies::Cookies;

use crate::error::AppError;
use crate::routes::found;
use crate::session_state::{PendingLogin, begin_login};
use crate::startup::SharedState;

/// The longest `return_to` kept; anything longer goes to `/`.
pub const MAX_RETURN_TO: usize = 512;

/// `?return_to=/profile`: where to land after signing in.
#[derive(Debug, Deserialize)]
pub struct LoginParams {
    return_to: Option<String>,
}

/// `GET /login`.
pub async fn login(
    State(state): State<SharedState>,
    cookies: Cookies,
    Query(params): Query<LoginParams>,
) -> Result<Response, AppError> {
    let challenge = state.oidc.authorization_url();
    let pending = PendingLogin {
        state: challenge.state,
        nonce: challenge.nonce,
        pkce_verifier: challenge.pkce_verifier,
        return_to: local_path(params.return_to.as_deref()),
    };
    let secure = state.config.base_url.starts_with("https://");
    begin_login(&cookies, &state.login_key, &pending, secure);
    Ok(found(&challenge.url))
}

/// Only a path on this app, or `/`. Browsers strip tabs and newlines from a
/// URL and read `\` as `/`, so `/\t/evil.example` becomes `//evil.example`,
/// another site: any control character, white space or backslash is refused
/// outright, before the check that the path does not start with `//`.
fn local_path(return_to: Option<&str>) -> String {
    let Some(path) = return_to else {
        return "/".to_owned();
    };
    let tricky = path
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if path.len() > MAX_RETURN_TO || tricky || !path.starts_with('/') || path.starts_with("//") {
        return "/".to_owned();
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_kept() {
        assert_eq!(local_path(Some("/profile")), "/profile");
        assert_eq!(
            local_path(Some("/profile?tab=claims")),
            "/profile?tab=claims"
        );
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn what_browsers_strip_or_rewrite_is_refused() {
        for path in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(path)), "/", "{path:?}");
        }
        assert_eq!(
            local_path(Some(&format!("/{}", "a".repeat(MAX_RETURN_TO)))),
            "/"
        );
    }
}
