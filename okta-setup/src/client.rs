//! A small client for Okta's Management API: `SSWS` authentication, JSON,
//! Okta's error body turned into an [`Error::Okta`] with the fix where one
//! is known, and Okta's rate-limit headers honoured: when a call leaves no
//! call in the window (`X-Rate-Limit-Remaining: 0`), or is refused with
//! `429`, the client waits until `X-Rate-Limit-Reset` before the next one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::config::Config;
use crate::error::Error;

/// The longest wait for a rate-limit window, whatever the headers say.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// The Management API of one org.
#[derive(Debug, Clone)]
pub struct OktaClient {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
}

impl OktaClient {
    /// A client for `config`'s org.
    pub fn new(config: &Config) -> Result<OktaClient, Error> {
        let mut authorization =
            HeaderValue::from_str(&format!("SSWS {}", config.api_token.expose_secret())).map_err(
                |_| Error::Invalid {
                    name: "OKTA_API_TOKEN",
                    problem: "holds characters a header cannot carry".to_owned(),
                },
            )?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "token-hook-workshop-okta-setup/",
                env!("CARGO_PKG_VERSION")
            ))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|source| Error::Http {
                step: "start".to_owned(),
                what: "the HTTP client could not be built",
                source,
            })?;
        Ok(OktaClient {
            http,
            base: format!("{}/api/v1", config.org_url),
            authorization,
        })
    }

    /// `GET path`; `None` on 404.
    pub async fn get(&self, step: &str, path: &str) -> Result<Option<Value>, Error> {
        self.call(step, Method::GET, path, None).await
    }

    /// `GET path`, which must exist.
    pub async fn get_found(&self, step: &str, path: &str) -> Result<Value, Error> {
        self.call(step, Method::GET, path, None)
            .await?
            .ok_or_else(|| not_found(step, path))
    }

    /// `POST path` with `body` (an empty body for lifecycle calls).
    pub async fn post(&self, step: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        self.call(step, Method::POST, path, body.or(Some(&Value::Null)))
            .await?
            .ok_or_else(|| not_found(step, path))
    }

    /// `PUT path` with `body`.
    pub async fn put(&self, step: &str, path: &str, body: &Value) -> Result<Value, Error> {
        self.call(step, Method::PUT, path, Some(body))
            .await?
            .ok_or_else(|| not_found(step, path))
    }

    /// `DELETE path`; a 404 counts as done.
    pub async fn delete(&self, step: &str, path: &str) -> Result<(), Error> {
        self.call(step, Method::DELETE, path, None)
            .await
            .map(|_| ())
    }

    async fn call(
        &self,
        step: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, Error> {
        // One retry, after waiting out the window, when Okta says 429.
        for attempt in 0..2 {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
                .header(reqwest::header::ACCEPT, "application/json");
            request = match body {
                Some(Value::Null) => request.header(reqwest::header::CONTENT_LENGTH, "0"),
                Some(body) => request.json(body),
                None => request,
            };
            let response = request.send().await.map_err(|source| Error::Http {
                step: step.to_owned(),
                what: "Okta could not be reached",
                source,
            })?;
            let status = response.status();
            let wait = rate_limit_wait(response.headers(), status, now_epoch());
            let text = response.text().await.map_err(|source| Error::Http {
                step: step.to_owned(),
                what: "Okta's answer could not be read",
                source,
            })?;
            if let Some(wait) = wait {
                println!("  (Okta's rate limit: waiting {} s)", wait.as_secs());
                tokio::time::sleep(wait).await;
            }
            if status == StatusCode::TOO_MANY_REQUESTS && attempt == 0 {
                continue;
            }
            if status == StatusCode::NOT_FOUND && method != Method::POST && method != Method::PUT {
                return Ok(None);
            }
            if status.is_success() {
                if text.trim().is_empty() {
                    return Ok(Some(Value::Null));
                }
                return serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|_| Error::Shape {
                        step: step.to_owned(),
                        what: "JSON body",
                    });
            }
            return Err(okta_error(step, status, &text));
        }
        Err(okta_error(step, StatusCode::TOO_MANY_REQUESTS, ""))
    }
}

/// How long to wait before the next call: until `X-Rate-Limit-Reset` when
/// no call is left in the window or Okta refused with 429; at most a minute.
pub fn rate_limit_wait(headers: &HeaderMap, status: StatusCode, now: u64) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
    };
    let exhausted = number("x-rate-limit-remaining") == Some(0);
    if !exhausted && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let reset = number("x-rate-limit-reset")?;
    let seconds = reset.saturating_sub(now).max(1);
    Some(Duration::from_secs(seconds).min(MAX_RATE_LIMIT_WAIT))
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn not_found(step: &str, path: &str) -> Error {
    Error::Okta {
        step: step.to_owned(),
        status: 404,
        code: "E0000007".to_owned(),
        summary: format!("Not found: {path}"),
        fix: None,
    }
}

/// Okta's error body, with the fix for the errors a setup meets.
fn okta_error(step: &str, status: StatusCode, body: &str) -> Error {
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = body["errorCode"].as_str().unwrap_or("-").to_owned();
    let mut summary = body["errorSummary"]
        .as_str()
        .unwrap_or("(no error body)")
        .to_owned();
    if let Some(causes) = body["errorCauses"].as_array() {
        for cause in causes {
            if let Some(text) = cause["errorSummary"].as_str() {
                summary.push_str("; ");
                summary.push_str(text);
            }
        }
    }
    let fix = match code.as_str() {
        "E0000011" => Some(
            "the API token is wrong or expired: create one under Security > API > Tokens and \
             put it in OKTA_API_TOKEN",
        ),
        "E0000006" => Some(
            "the admin who created the token lacks a role: use a token created by a Super \
             Administrator",
        ),
        "E0000047" => Some("Okta's rate limit: wait a minute and run the command again"),
        _ if status == StatusCode::NOT_FOUND && step.contains("authorization server") => Some(
            "the org has no API Access Management (custom authorization servers): use an \
             Integrator Free org, which has the default server",
        ),
        _ => None,
    };
    Error::Okta {
        step: step.to_owned(),
        status: status.as_u16(),
        code,
        summary,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(remaining: &str, reset: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-rate-limit-remaining",
            HeaderValue::from_str(remaining).expect("ok"),
        );
        headers.insert(
            "x-rate-limit-reset",
            HeaderValue::from_str(reset).expect("ok"),
        );
        headers
    }

    #[test]
    fn the_client_waits_only_when_the_window_is_spent() {
        let now = 1_000;
        assert_eq!(
            rate_limit_wait(&headers("5", "1030"), StatusCode::OK, now),
            None
        );
        assert_eq!(
            rate_limit_wait(&headers("0", "1030"), StatusCode::OK, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            rate_limit_wait(&headers("3", "1010"), StatusCode::TOO_MANY_REQUESTS, now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            rate_limit_wait(&headers("0", "99999"), StatusCode::OK, now),
            Some(MAX_RATE_LIMIT_WAIT)
        );
    }

    #[test]
    fn known_errors_carry_their_fix() {
        let body = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#;
        let error = okta_error("find the app", StatusCode::UNAUTHORIZED, body).to_string();
        assert!(
            error.starts_with("find the app: Okta answered 401 E0000011"),
            "{error}"
        );
        assert!(error.contains("Security > API > Tokens"), "{error}");
        let missing = okta_error("find the authorization server", StatusCode::NOT_FOUND, "");
        assert!(missing.to_string().contains("API Access Management"));
    }
}
