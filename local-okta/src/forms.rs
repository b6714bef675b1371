//! Protecting local-okta's forms from other sites: the sign-in form (login
//! CSRF: a cross-site POST would sign the victim in as the attacker) and
//! the admin pages' Preview form (which calls the hook with its secret).
//!
//! Each browser gets a random token in a cookie (`local_okta_form`,
//! `SameSite=Strict`, so no other site's request carries it). Each form
//! carries an HMAC of that token and of what the form is for (the sign-in
//! form: the authorization request it answers), under a key made at start.
//! A POST must bring both, matching. A POST from a browser must also say it
//! comes from local-okta itself (`Origin`, or `Sec-Fetch-Site`).

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie holding this browser's form token.
pub const FORM_COOKIE: &str = "local_okta_form";

/// Issues and checks form tokens.
pub struct FormGuard {
    key: [u8; 32],
}

impl std::fmt::Debug for FormGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormGuard(..)")
    }
}

impl Default for FormGuard {
    fn default() -> Self {
        FormGuard {
            key: rand::random(),
        }
    }
}

/// A form's token, and the cookie to set when the browser had none.
#[derive(Debug, Clone)]
pub struct FormToken {
    /// The hidden field's value.
    pub field: String,
    /// `Set-Cookie`, when a new browser token was made.
    pub set_cookie: Option<HeaderValue>,
}

impl FormGuard {
    /// The token for a form about `purpose`, for the browser that sent `headers`.
    pub fn issue(&self, headers: &HeaderMap, purpose: &str, secure: bool) -> FormToken {
        match browser_token(headers) {
            Some(token) => FormToken {
                field: self.mac(&token, purpose),
                set_cookie: None,
            },
            None => {
                let token = crate::ids::secret_token();
                let cookie = format!(
                    "{FORM_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
                    if secure { "; Secure" } else { "" }
                );
                FormToken {
                    field: self.mac(&token, purpose),
                    set_cookie: HeaderValue::from_str(&cookie).ok(),
                }
            }
        }
    }

    /// Whether a POST about `purpose` brings the browser's cookie and the
    /// form's matching token.
    pub fn check(&self, headers: &HeaderMap, purpose: &str, field: &str) -> bool {
        let Some(token) = browser_token(headers) else {
            return false;
        };
        let expected = self.mac(&token, purpose);
        expected.as_bytes().ct_eq(field.as_bytes()).into()
    }

    fn mac(&self, token: &str, purpose: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(token.as_bytes());
        mac.update(b"\n");
        mac.update(purpose.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Whether a request comes from one of local-okta's own pages, as far as
/// the browser says: `Origin` (when sent) is `own_origin`, and
/// `Sec-Fetch-Site` (when sent) is `same-origin` or `none`. A client that
/// sends neither (curl, a test) is judged by the form token alone.
pub fn from_own_page(headers: &HeaderMap, own_origin: &str) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let origin_ok = text(header::ORIGIN).is_none_or(|origin| origin == own_origin);
    let site_ok = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_none_or(|site| matches!(site, "same-origin" | "none"));
    origin_ok && site_ok
}

fn browser_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FORM_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let cookie = HeaderValue::from_str(&format!("a=b; {FORM_COOKIE}={value}")).expect("ok");
        headers.insert(header::COOKIE, cookie);
        headers
    }

    #[test]
    fn a_token_works_only_with_its_cookie_and_its_purpose() {
        let guard = FormGuard::default();
        let fresh = guard.issue(&HeaderMap::new(), "signin:q=1", false);
        assert!(fresh.set_cookie.is_some());
        let headers = with_cookie("browser-1");
        let token = guard.issue(&headers, "signin:q=1", false);
        assert!(token.set_cookie.is_none());
        assert!(guard.check(&headers, "signin:q=1", &token.field));
        assert!(!guard.check(&headers, "signin:q=2", &token.field));
        assert!(!guard.check(&with_cookie("browser-2"), "signin:q=1", &token.field));
        assert!(!guard.check(&HeaderMap::new(), "signin:q=1", &token.field));
    }

    #[test]
    fn only_local_oktas_own_pages_may_post() {
        let own = "http://localhost:8081";
        let mut headers = HeaderMap::new();
        assert!(from_own_page(&headers, own));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:8081"),
        );
        assert!(from_own_page(&headers, own));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!from_own_page(&headers, own));
        let mut fetch = HeaderMap::new();
        fetch.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!from_own_page(&fetch, own));
    }
}
