//! Authentication of Okta's call (docs/token-hook-protocol.md §5): HTTP
//! Basic, the guide's way, or an OAuth 2.0 bearer token ([`crate::bearer`]).
//!
//! The hook is registered in Okta with the header field `Authorization` and
//! the secret `Basic base64(user:password)`. The user and the password are
//! both compared in constant time, and both always, so the time taken does
//! not tell which one was wrong. (Like most constant-time comparisons, it
//! does reveal a length mismatch.) Credentials never reach a log line.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::bearer::BearerVerifier;
use crate::configuration::{BasicCredentials, HookAuth};
use crate::error::Error;
use crate::startup::AppState;

/// What Okta's call is checked against; cheap to clone.
#[derive(Debug, Clone)]
pub enum Authenticator {
    /// `Authorization: Basic …` with these credentials.
    Basic(Arc<BasicCredentials>),
    /// `Authorization: Bearer <JWT>` that this verifier accepts.
    Bearer(Arc<BearerVerifier>),
}

impl Authenticator {
    /// The authenticator for a configuration.
    pub fn new(auth: HookAuth) -> Result<Authenticator, Error> {
        Ok(match auth {
            HookAuth::Basic(credentials) => Authenticator::Basic(Arc::new(credentials)),
            HookAuth::OAuth2(settings) => {
                Authenticator::Bearer(Arc::new(BearerVerifier::new(settings)?))
            }
        })
    }
}

/// Middleware: lets the request through only with the configured credentials.
pub async fn require_okta_auth(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, Error> {
    // The call's log line (see `telemetry`) records a refusal.
    match &state.auth {
        Authenticator::Basic(credentials) => {
            if !credentials_match(request.headers(), credentials) {
                return Err(Error::Unauthorized);
            }
        }
        Authenticator::Bearer(verifier) => {
            let token = bearer_token(request.headers()).ok_or(Error::BearerRefused)?;
            verifier.verify(token).await?;
        }
    }
    Ok(next.run(request).await)
}

/// The token of `Authorization: Bearer <token>`; the scheme is
/// case-insensitive (RFC 6750 §2.1).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

fn credentials_match(headers: &HeaderMap, expected: &BasicCredentials) -> bool {
    let Some((user, password)) = basic_credentials(headers) else {
        return false;
    };
    let user_matches = user.as_bytes().ct_eq(expected.user.as_bytes());
    let password_matches = password
        .as_bytes()
        .ct_eq(expected.password.expose_secret().as_bytes());
    // `&` on `Choice`, not `&&`: both comparisons always run.
    (user_matches & password_matches).into()
}

/// Decodes `Authorization: Basic base64(user:password)`. The scheme is
/// case-insensitive (RFC 7617); the password may itself contain `:`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(value).expect("a valid header value");
        headers.insert(header::AUTHORIZATION, value);
        headers
    }

    #[test]
    fn decodes_the_guides_header_value() {
        assert_eq!(
            basic_credentials(&headers("Basic YWRtaW46c3VwZXJzZWNyZXQ=")),
            Some(("admin".to_owned(), "supersecret".to_owned()))
        );
    }

    #[test]
    fn scheme_is_case_insensitive_and_passwords_may_hold_colons() {
        let encoded = STANDARD.encode("admin:pa:ss");
        assert_eq!(
            basic_credentials(&headers(&format!("basic {encoded}"))),
            Some(("admin".to_owned(), "pa:ss".to_owned()))
        );
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert_eq!(basic_credentials(&headers("Bearer abc")), None);
        assert_eq!(basic_credentials(&headers("Basic !!!")), None);
        assert_eq!(basic_credentials(&headers("Basic")), None);
        assert_eq!(basic_credentials(&HeaderMap::new()), None);
    }
}
