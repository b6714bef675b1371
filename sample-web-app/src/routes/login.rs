//! `GET /login`: starts Authorization Code with PKCE. Remembers `state`,
//! `nonce` and the PKCE verifier in the session, then sends the browser to
//! the authorization server.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::error::AppError;
use crate::routes::found;
use crate::session_state::{AppSession, PendingLogin};
use crate::startup::SharedState;

/// `?return_to=/profile`: where to land after signing in.
#[derive(Debug, Deserialize)]
pub struct LoginParams {
    return_to: Option<String>,
}

/// `GET /login`.
pub async fn login(
    State(state): State<SharedState>,
    session: AppSession,
    Query(params): Query<LoginParams>,
) -> Result<Response, AppError> {
    let challenge = state.oidc.authorization_url();
    let pending = PendingLogin {
        state: challenge.state,
        nonce: challenge.nonce,
        pkce_verifier: challenge.pkce_verifier,
        return_to: local_path(params.return_to.as_deref()),
    };
    session.begin_login(&pending).await?;
    Ok(found(&challenge.url))
}

/// Only a path on this app: anything else (`//evil.example`, `https://…`)
/// would make `/login` an open redirector.
fn local_path(return_to: Option<&str>) -> String {
    match return_to {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_kept() {
        assert_eq!(local_path(Some("/profile")), "/profile");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
