//! Calling the token inline hook exactly as Okta does (docs/token-hook-protocol.md §2, §4).
//!
//! [`build_request`] fills the request body the way Okta fills it;
//! [`call`] POSTs it once, with the configured header (or, for an `OAUTH`
//! channel, a bearer token from the channel's token URL, kept by
//! [`HookTokens`] until it is about to expire), and waits at most the
//! hook timeout (3 s, as Okta); [`evaluate`] applies Okta's rules to what
//! came back, using the `token-hook` crate for the commands themselves:
//!
//! | the hook… | tokens | System Log |
//! | --- | --- | --- |
//! | cannot be reached, times out, or answers non-2xx | unchanged | `inline_hook.executed`, FAILURE |
//! | answers 2xx but not 200 (204 included) | unchanged | `inline_hook.response.processed`, SUCCESS |
//! | answers 200 with commands that all apply | patched | `inline_hook.response.processed`, SUCCESS |
//! | answers 200 with a command that does not apply, or unreadable JSON | unchanged | `inline_hook.response.processed`, FAILURE |
//! | answers 200 with an `error` object | the token request fails | `inline_hook.response.processed`, FAILURE |
//!
//! The hook is never retried.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use token_hook::request::{
    AccessToken, Client, Context, Data, HttpRequest, IdentityProvider, IdentityToken, Issuer,
    Lifetime, Link, OriginalGrant, Policy, PolicyRule, Protocol, ProtocolRequest, RefreshToken,
    ScopeGrant, Session, TokenInfo, UrlValue, User as HookUser, UserLinks, UserProfile,
};
use token_hook::{MintedTokens, TokenHookRequest, TokenHookResponse, Verdict};

use crate::ids;
use crate::org::{HookOAuth, InlineHook, Org, User};
use crate::system_log::{EXECUTED, RESPONSE_PROCESSED};
use crate::tokens::{Issue, Subject};

/// Okta refuses hook responses larger than this.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The request a hook call is about.
#[derive(Debug, Clone)]
pub struct MintContext<'a> {
    /// The issuer, `…/oauth2/default`.
    pub issuer: &'a str,
    pub org: &'a Org,
    /// What is being minted, for whom, and where it was asked for.
    pub issue: &'a Issue<'a>,
    /// The id of this request (`data.context.request.id`).
    pub request_id: &'a str,
}

/// Builds the body Okta POSTs to the hook for these tokens.
///
/// With no user (client credentials) there is no `identity`, `user` or
/// `session`; with no access token (`response_type=id_token`) there is no
/// `access`; `protocol.request` holds only the parameters that were sent.
pub fn build_request(context: &MintContext<'_>, tokens: &MintedTokens) -> TokenHookRequest {
    let org = context.org;
    let issue = context.issue;
    let org_base = context
        .issuer
        .split("/oauth2/")
        .next()
        .unwrap_or(context.issuer);
    let lifetime = |seconds: u64| TokenInfo {
        lifetime: Some(Lifetime {
            expiration: u32::try_from(seconds).ok(),
        }),
    };
    let identity = tokens.identity.as_ref().map(|token| IdentityToken {
        claims: serde_json::from_value(Value::Object(token.claims.clone())).unwrap_or_default(),
        token: Some(lifetime(token.lifetime_seconds)),
    });
    let access = tokens.access.as_ref().map(|token| AccessToken {
        claims: token.claims.clone(),
        token: Some(lifetime(token.lifetime_seconds)),
        scopes: Some(scope_grants(issue.scopes)),
    });
    let refresh = |jti: &str| RefreshToken {
        jti: Some(jti.to_owned()),
    };
    let owned = |value: Option<&str>| value.map(str::to_owned);
    TokenHookRequest {
        event_type: token_hook::EVENT_TYPE.to_owned(),
        event_type_version: Some("1.0".to_owned()),
        cloud_event_version: Some("0.1".to_owned()),
        content_type: Some("application/json".to_owned()),
        // The endpoint, without the query string.
        source: Some(
            issue
                .site
                .url
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        event_id: Some(ids::okta_id("evt")),
        event_time: Some(ids::iso_now()),
        data: Data {
            context: Some(Context {
                request: Some(HttpRequest {
                    id: Some(context.request_id.to_owned()),
                    method: Some(issue.site.method.clone()),
                    url: Some(UrlValue {
                        value: issue.site.url.clone(),
                    }),
                    ip_address: Some(issue.site.ip_address.clone()),
                }),
                protocol: Some(Protocol {
                    protocol_type: Some("OAUTH2.0".to_owned()),
                    request: Some(ProtocolRequest {
                        scope: Some(issue.scopes.join(" ")),
                        state: owned(issue.protocol.state),
                        redirect_uri: owned(issue.protocol.redirect_uri),
                        response_mode: owned(issue.protocol.response_mode),
                        response_type: owned(issue.protocol.response_type),
                        client_id: Some(issue.client.client_id.clone()),
                        grant_type: owned(issue.protocol.grant_type),
                    }),
                    issuer: Some(Issuer {
                        uri: Some(context.issuer.to_owned()),
                    }),
                    client: Some(Client {
                        id: Some(issue.client.client_id.clone()),
                        name: Some(issue.client.name.clone()),
                        client_type: Some(issue.client.client_type().to_owned()),
                    }),
                    original_grant: issue.original_refresh_jti.map(|jti| OriginalGrant {
                        authorization: None,
                        refresh_token: Some(refresh(jti)),
                    }),
                }),
                session: issue.subject.map(|subject| session(org, subject)),
                user: issue.subject.map(|subject| user(subject.user, org_base)),
                policy: Some(Policy {
                    id: Some(issue.matched.policy.id.clone()),
                    rule: Some(PolicyRule {
                        id: Some(issue.matched.rule.id.clone()),
                    }),
                }),
            }),
            identity,
            access,
            refresh_token: issue.refresh_jti.map(refresh),
        },
    }
}

fn session(org: &Org, subject: Subject<'_>) -> Session {
    let signed_in = time::OffsetDateTime::from_unix_timestamp(subject.session.auth_time)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    Session {
        id: Some(subject.session.id.clone()),
        user_id: Some(subject.user.id.clone()),
        login: Some(subject.user.login.clone()),
        created_at: Some(ids::iso(signed_in)),
        expires_at: Some(ids::iso(signed_in + time::Duration::hours(2))),
        status: Some("ACTIVE".to_owned()),
        last_password_verification: Some(ids::iso(signed_in)),
        amr: Some(vec!["PASSWORD".to_owned()]),
        idp: Some(IdentityProvider {
            id: Some(org.org.idp_id.clone()),
            idp_type: Some("OKTA".to_owned()),
        }),
        mfa_active: Some(false),
    }
}

fn user(user: &User, org_base: &str) -> HookUser {
    let link = |path: &str| Link {
        href: format!("{org_base}/api/v1/users/{}/{path}", user.id),
    };
    HookUser {
        id: Some(user.id.clone()),
        password_changed: Some("2026-01-01T00:00:00.000Z".to_owned()),
        profile: Some(UserProfile {
            login: Some(user.login.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            locale: Some(user.locale.clone()),
            time_zone: Some(user.time_zone.clone()),
        }),
        links: Some(UserLinks {
            groups: Some(link("groups")),
            factors: Some(link("factors")),
        }),
    }
}

/// `data.access.scopes`: each granted scope with a stable id.
fn scope_grants(scopes: &[String]) -> BTreeMap<String, ScopeGrant> {
    scopes
        .iter()
        .map(|scope| {
            let grant = ScopeGrant {
                id: Some(format!("scp{:0>17}", scope.replace('_', ""))),
                action: Some("GRANT".to_owned()),
            };
            (scope.clone(), grant)
        })
        .collect()
}

/// What came back from one POST to the hook.
#[derive(Debug, Clone)]
pub enum CallResult {
    /// No HTTP answer: connection refused, DNS, TLS…
    Unreachable(String),
    /// No answer within the timeout.
    TimedOut(Duration),
    /// An HTTP answer.
    Answered {
        status: u16,
        /// Its headers, names lower-case, values that are not text left out.
        headers: Vec<(String, String)>,
        /// Its body (at most [`MAX_RESPONSE_BYTES`] + 1 bytes are read).
        body: Vec<u8>,
    },
}

/// The access tokens of hooks with an `OAUTH` channel, each kept until a
/// minute before it expires. One entry per hook and channel setting.
#[derive(Debug, Default)]
pub struct HookTokens {
    by_channel: Mutex<HashMap<String, (String, Instant)>>,
}

/// One entry per hook and channel setting: a changed setting gets a new token.
fn channel_key(hook: &InlineHook, oauth: &HookOAuth) -> String {
    format!(
        "{} {} {} {}",
        hook.id, oauth.client_id, oauth.token_url, oauth.scope
    )
}

impl HookTokens {
    /// Drops the kept token of `oauth`: the hook refused it (its audience or
    /// keys changed, say), so the next call gets a new one.
    fn forget(&self, hook: &InlineHook, oauth: &HookOAuth) {
        self.by_channel
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&channel_key(hook, oauth));
    }
}

/// Tokens are fetched again this long before they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

impl HookTokens {
    /// An access token for `oauth`: the kept one, or a new one from its
    /// token URL (client credentials, `client_secret_post`).
    async fn bearer(
        &self,
        client: &reqwest::Client,
        hook: &InlineHook,
        oauth: &HookOAuth,
        timeout: Duration,
    ) -> Result<String, String> {
        let key = channel_key(hook, oauth);
        let kept = self
            .by_channel
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&key)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(token, _)| token.clone());
        if let Some(token) = kept {
            return Ok(token);
        }
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", oauth.client_id.as_str()),
            ("client_secret", oauth.client_secret.expose_secret()),
        ];
        if !oauth.scope.is_empty() {
            form.push(("scope", oauth.scope.as_str()));
        }
        let response = client
            .post(oauth.token_url.as_str())
            .timeout(timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|error| service_kit::error_chain(&error))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|error| format!("{status}, {}", service_kit::error_chain(&error)))?;
        let token = body["access_token"]
            .as_str()
            .filter(|_| status.is_success())
            .ok_or_else(|| format!("{status} {}", body["error"].as_str().unwrap_or("")))?
            .to_owned();
        let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(0));
        let until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN);
        self.by_channel
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, (token.clone(), until));
        Ok(token)
    }
}

/// POSTs `request` to the hook once, as Okta does: JSON, the configured
/// authentication, no redirects followed, no retry. When an `OAUTH`
/// channel's token cannot be had, the hook is not called and the result
/// is [`CallResult::Unreachable`], saying why.
pub async fn call(
    client: &reqwest::Client,
    tokens: &HookTokens,
    hook: &InlineHook,
    request: &(impl serde::Serialize + ?Sized),
    timeout: Duration,
) -> (CallResult, Duration) {
    let started = Instant::now();
    let (header, value) = match &hook.oauth {
        None => (
            hook.auth_header.as_str(),
            hook.auth_secret.expose_secret().to_owned(),
        ),
        Some(oauth) => match tokens.bearer(client, hook, oauth, timeout).await {
            Ok(token) => ("Authorization", format!("Bearer {token}")),
            Err(reason) => {
                let reason = format!("no access token from {}: {reason}", oauth.token_url);
                return (CallResult::Unreachable(reason), started.elapsed());
            }
        },
    };
    let sent = client
        .post(hook.url.as_str())
        .timeout(timeout.saturating_sub(started.elapsed()))
        .header(reqwest::header::ACCEPT, "application/json")
        .header(header, value)
        .json(request)
        .send()
        .await;
    let result = match sent {
        Ok(response) => read_answer(response).await,
        Err(error) => Err(error),
    };
    let result = match result {
        Ok(answer) => answer,
        Err(error) if error.is_timeout() => CallResult::TimedOut(timeout),
        Err(error) => CallResult::Unreachable(service_kit::error_chain(&error)),
    };
    if let (Some(oauth), CallResult::Answered { status: 401, .. }) = (&hook.oauth, &result) {
        tokens.forget(hook, oauth);
    }
    (result, started.elapsed())
}

async fn read_answer(mut response: reqwest::Response) -> Result<CallResult, reqwest::Error> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(CallResult::Answered {
        status,
        headers,
        body,
    })
}

/// What Okta does with one hook call.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The System Log event type it leaves.
    pub event_type: &'static str,
    /// The failure, if any, as the System Log's `error_message`.
    pub error_message: Option<String>,
    /// The hook's `debugContext`, when it sent one.
    pub debug_context: Option<Map<String, Value>>,
    /// What happens to the token request.
    pub effect: Effect,
}

/// The effect of a hook call on the token request.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Mint these tokens (patched, or unchanged).
    Mint(MintedTokens),
    /// Fail with `server_error` and this description.
    Fail(String),
}

/// Applies Okta's rules (docs/token-hook-protocol.md §4) to a call's result.
pub fn evaluate(result: &CallResult, tokens: &MintedTokens) -> Evaluation {
    let unchanged = || Effect::Mint(tokens.clone());
    let failed = |event_type, message: String| Evaluation {
        event_type,
        error_message: Some(message),
        debug_context: None,
        effect: unchanged(),
    };
    let (status, body) = match result {
        CallResult::Unreachable(reason) => {
            return failed(
                EXECUTED,
                format!("Unable to reach the inline hook: {reason}"),
            );
        }
        CallResult::TimedOut(after) => {
            let message = format!("Inline hook call timed out after {} ms", after.as_millis());
            return failed(EXECUTED, message);
        }
        CallResult::Answered { status, body, .. } => (*status, body),
    };
    if !(200..300).contains(&status) {
        return failed(
            EXECUTED,
            format!("Inline hook responded with HTTP {status}"),
        );
    }
    if status != 200 {
        // 204 (the guide's "no change") and any other 2xx: nothing to apply.
        return Evaluation {
            event_type: RESPONSE_PROCESSED,
            error_message: None,
            debug_context: None,
            effect: unchanged(),
        };
    }
    if body.len() > MAX_RESPONSE_BYTES {
        return failed(
            RESPONSE_PROCESSED,
            "Inline hook response exceeds 256 KB".to_owned(),
        );
    }
    let answer: TokenHookResponse = match serde_json::from_slice(body) {
        Ok(answer) => answer,
        Err(error) => {
            let message = format!("Invalid inline hook response: {error}");
            return failed(RESPONSE_PROCESSED, message);
        }
    };
    let (error_message, effect) = match token_hook::process_response(&answer, tokens) {
        Verdict::Mint(patched) => (None, Effect::Mint(patched)),
        Verdict::Discard(error) => (Some(error.to_string()), unchanged()),
        Verdict::Fail { error_description } => (
            Some(error_description.clone()),
            Effect::Fail(error_description),
        ),
    };
    Evaluation {
        event_type: RESPONSE_PROCESSED,
        error_message,
        debug_context: answer.debug_context,
        effect,
    }
}
