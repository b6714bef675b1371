//! `GET /v1/authorize` and the sign-in form it shows (`POST /signin`).
//!
//! Authorization Code with PKCE (RFC 6749 §4.1, RFC 7636) and the implicit
//! flow (`response_type` `id_token`, `token` or both, OpenID Connect Core
//! §3.2). Errors follow RFC 6749 §4.1.2.1: an unknown client or a redirect
//! URI that is not registered gets an error page and never a redirect (an
//! open redirector otherwise); every other error is sent back to the
//! client's redirect URI with `error`, `error_description` and `state`.
//!
//! **Where the hook runs.** For these two flows Okta calls the token inline
//! hook here, once the user is authenticated and before the redirect back
//! (docs/token-hook-protocol.md §1), with this request's context: `GET`,
//! the whole authorize URL, the browser's address. The code is bound to the
//! tokens as the hook shaped them; the exchange at `/v1/token` only signs
//! them. A hook's `error` object comes back through OAuth's error channel.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::Error;
use crate::forms;
use crate::grants::{AuthorizationCode, SignInSession};
use crate::ids;
use crate::org::{App, Org};
use crate::pages;
use crate::routes::found;
use crate::startup::SharedState;
use crate::system_log::{self, Party};
use crate::tokens::{self, Issue, Minted, ProtocolParams, Site, Subject};

/// The sign-in session's key in the session store.
pub const SIGN_IN_SESSION: &str = "sign_in";
/// The OpenID Connect scopes every Okta authorization server has.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The query of an authorization request, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    response_mode: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
}

/// The flow a `response_type` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// `code`.
    Code,
    /// `id_token`, `token`, or both.
    Implicit { id_token: bool, token: bool },
}

/// How the answer travels back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// An authorization request that passed every check.
#[derive(Debug, Clone)]
struct ValidRequest {
    client_id: String,
    /// Where answers go: the registered URI, as registered.
    redirect_uri: String,
    /// The `redirect_uri` as sent, which the code exchange must repeat.
    sent_redirect_uri: String,
    flow: Flow,
    mode: ResponseMode,
    params: AuthorizeParams,
    state: String,
    scopes: Vec<String>,
    code_challenge: Option<String>,
}

/// Why a request is refused, and how the refusal is delivered.
#[derive(Debug)]
enum Refusal {
    /// Unknown client or unregistered redirect URI: an error page.
    Page(String),
    /// Anything else: back to the client.
    Redirect {
        redirect_uri: String,
        mode: ResponseMode,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => Error::BadPage(message).into_response(),
            Refusal::Redirect {
                redirect_uri,
                mode,
                state,
                error,
                description,
            } => {
                let mut pairs = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                respond(&redirect_uri, mode, &pairs)
            }
        }
    }
}

/// `GET /v1/authorize`.
pub async fn authorize(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let query = query.unwrap_or_default();
    let org = state.org();
    let valid = match parse_and_validate(&org, &query) {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let signed_in: Option<SignInSession> = session.get(SIGN_IN_SESSION).await?;
    match (signed_in, valid.params.prompt.as_deref()) {
        (Some(signed_in), prompt) if prompt != Some("login") => {
            let site = authorize_site(&state, &query, peer);
            complete(&state, &org, valid, signed_in, site).await
        }
        (_, Some("none")) => Ok(Refusal::Redirect {
            redirect_uri: valid.redirect_uri,
            mode: valid.mode,
            state: Some(valid.state),
            error: "login_required",
            description: "The client specified not to prompt, but the user is not logged in."
                .to_owned(),
        }
        .into_response()),
        _ => sign_in_form(&state, &org, &headers, &valid, &query, None),
    }
}

/// The sign-in form, with its token against login CSRF (see [`crate::forms`]).
fn sign_in_form(
    state: &SharedState,
    org: &Org,
    headers: &HeaderMap,
    valid: &ValidRequest,
    query: &str,
    error: Option<&str>,
) -> Result<Response, Error> {
    let token = state
        .forms
        .issue(headers, &sign_in_purpose(query), state.is_https());
    let app = client_name(org, &valid.client_id);
    let page = pages::sign_in(org, app, query, &token.field, error)?;
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Html(page)).into_response();
    if let Some(cookie) = token.set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// What a sign-in form's token is bound to: the request it answers.
fn sign_in_purpose(query: &str) -> String {
    format!("signin:{query}")
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    /// The authorization request being answered, carried through the form.
    authorize_query: String,
    /// The form's token (see [`crate::forms`]).
    #[serde(default)]
    csrf_token: String,
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm").finish_non_exhaustive()
    }
}

/// `POST /signin`: checks the password, starts the sign-in session, and
/// answers the authorization request.
pub async fn sign_in(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Result<Response, Error> {
    // Login CSRF: only local-okta's own form, in this browser, may sign in.
    let purpose = sign_in_purpose(&form.authorize_query);
    if !forms::from_own_page(&headers, &state.own_origin())
        || !state.forms.check(&headers, &purpose, &form.csrf_token)
    {
        return Err(Error::Forbidden(
            "This sign-in did not come from local-okta's own sign-in form in this browser, so \
             nobody was signed in. Start again from the app."
                .to_owned(),
        ));
    }
    // The carried request came back from the browser: check it all again.
    let org = state.org();
    let valid = match parse_and_validate(&org, &form.authorize_query) {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let expected = org.org.demo_password.expose_secret().as_bytes();
    let password_ok: bool = form.password.as_bytes().ct_eq(expected).into();
    let user = org.user_by_login(&form.username).filter(|_| password_ok);
    let Some(user) = user else {
        // Not the username: people type their password there by mistake.
        tracing::info!("sign-in failed: unknown username or wrong password");
        let message = "Unable to sign in: unknown username or wrong password.";
        return sign_in_form(
            &state,
            &org,
            &headers,
            &valid,
            &form.authorize_query,
            Some(message),
        );
    };
    // A new session id at sign-in, so a planted cookie is worth nothing.
    session.cycle_id().await?;
    let signed_in = SignInSession {
        id: ids::okta_id("102"),
        user_id: user.id.clone(),
        auth_time: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    session.insert(SIGN_IN_SESSION, &signed_in).await?;
    tracing::info!(login = %user.login, "signed in");
    // The hook sees the authorize request the form answers, as Okta's does.
    let site = authorize_site(&state, &form.authorize_query, peer);
    complete(&state, &org, valid, signed_in, site).await
}

/// The authorize request as it arrived, for the hook's `data.context.request`.
fn authorize_site(state: &SharedState, query: &str, peer: SocketAddr) -> Site {
    Site {
        method: "GET".to_owned(),
        url: format!("{}/v1/authorize?{query}", state.config.issuer),
        ip_address: peer.ip().to_string(),
    }
}

/// The user is authenticated: mint (the hook runs here), then answer with a
/// code bound to the tokens, or with the tokens themselves (implicit).
async fn complete(
    state: &SharedState,
    org: &Org,
    valid: ValidRequest,
    signed_in: SignInSession,
    site: Site,
) -> Result<Response, Error> {
    let (Some(client), Some(user)) = (
        org.client(&valid.client_id),
        org.user_by_id(&signed_in.user_id),
    ) else {
        return Err(Error::BadPage(
            "The app or the user of this sign-in no longer exists.".to_owned(),
        ));
    };
    let refuse = |error: &'static str, description: &str| {
        Ok(Refusal::Redirect {
            redirect_uri: valid.redirect_uri.clone(),
            mode: valid.mode,
            state: Some(valid.state.clone()),
            error,
            description: description.to_owned(),
        }
        .into_response())
    };
    // Okta lets a user into an app only through an assigned group.
    if !org.is_assigned(client, user) {
        return refuse(
            "access_denied",
            "User is not assigned to the client application.",
        );
    }
    let grant_type = match valid.flow {
        Flow::Code => "authorization_code",
        Flow::Implicit { .. } => "implicit",
    };
    let Some(matched) = org.matching_rule(&client.client_id, grant_type, Some(user)) else {
        return refuse("no_matching_policy", NO_MATCHING_POLICY);
    };
    let has = |scope: &str| valid.scopes.iter().any(|granted| granted == scope);
    let (mint_identity, mint_access) = match valid.flow {
        Flow::Code => (has("openid"), true),
        Flow::Implicit { id_token, token } => (id_token && has("openid"), token),
    };
    // A refresh token exists before the hook runs: Okta reports its `jti`.
    let refresh =
        (valid.flow == Flow::Code && has("offline_access") && client.allows_grant("refresh_token"))
            .then(|| (ids::secret_token(), ids::okta_id("oar")));
    let issue = Issue {
        org,
        matched,
        client,
        subject: Some(Subject {
            user,
            session: &signed_in,
        }),
        scopes: &valid.scopes,
        nonce: valid.params.nonce.as_deref(),
        protocol: ProtocolParams {
            grant_type: None,
            response_type: valid.params.response_type.as_deref(),
            response_mode: valid.params.response_mode.as_deref(),
            redirect_uri: Some(&valid.sent_redirect_uri),
            state: Some(&valid.state),
        },
        mint_identity,
        mint_access,
        refresh_jti: refresh.as_ref().map(|(_, jti)| jti.as_str()),
        original_refresh_jti: None,
        site: &site,
    };
    let actor = Party::client(client);
    let session_facts = system_log::SessionFacts::new(user, &signed_in, &site.ip_address);
    let tokens = match tokens::mint(state, &issue).await {
        Minted::Tokens(tokens) => tokens,
        Minted::Strict { reason, call_id } => {
            return Err(Error::BadPage(format!(
                "Strict mode (local-okta's own) stopped this sign-in. Okta would have minted the \
                 tokens unchanged and said nothing, because: {reason}. The call, whole: {}/admin/hooks/{call_id}. \
                 Turn strict mode off on /admin/hooks to behave exactly as Okta.",
                state.own_origin()
            )));
        }
        Minted::Refused(description) => {
            state.system_log.record(system_log::oauth_failure(
                system_log::AUTHORIZE_FAILURE,
                &actor,
                Some(&session_facts),
                "server_error",
                &description,
            ));
            return Ok(Refusal::Redirect {
                redirect_uri: valid.redirect_uri,
                mode: valid.mode,
                state: Some(valid.state),
                error: "server_error",
                description,
            }
            .into_response());
        }
    };
    match valid.flow {
        Flow::Code => {
            let code = ids::secret_token();
            state.system_log.record(system_log::oauth_success(
                system_log::AUTHORIZE_CODE,
                &actor,
                Some(&session_facts),
            ));
            let answer = [("code", code.as_str()), ("state", valid.state.as_str())];
            let response = respond(&valid.redirect_uri, valid.mode, &answer);
            state.grants.insert_code(
                code,
                AuthorizationCode {
                    client_id: valid.client_id,
                    redirect_uri: valid.sent_redirect_uri,
                    scopes: valid.scopes,
                    state: valid.state,
                    code_challenge: valid.code_challenge,
                    session: signed_in,
                    tokens,
                    refresh,
                    issued_at: std::time::Instant::now(),
                },
            );
            Ok(response)
        }
        Flow::Implicit { .. } => {
            let signed = tokens::sign(state, tokens)?;
            for (token, event_type) in [
                (&signed.id_token, system_log::IMPLICIT_ID_TOKEN),
                (&signed.access_token, system_log::IMPLICIT_ACCESS_TOKEN),
            ] {
                if token.is_some() {
                    state.system_log.record(system_log::oauth_success(
                        event_type,
                        &actor,
                        Some(&session_facts),
                    ));
                }
            }
            let expires_in = signed.expires_in.to_string();
            let scope = valid.scopes.join(" ");
            let mut answer: Vec<(&str, &str)> = Vec::new();
            if let Some(token) = &signed.access_token {
                answer.extend([
                    ("access_token", token.as_str()),
                    ("token_type", "Bearer"),
                    ("expires_in", &expires_in),
                    ("scope", &scope),
                ]);
            }
            if let Some(token) = &signed.id_token {
                answer.push(("id_token", token));
            }
            answer.push(("state", &valid.state));
            Ok(respond(&valid.redirect_uri, valid.mode, &answer))
        }
    }
}

fn parse_and_validate(org: &Org, query: &str) -> Result<ValidRequest, Refusal> {
    let params: AuthorizeParams = serde_urlencoded::from_str(query).map_err(|error| {
        Refusal::Page(format!("The authorization request is malformed: {error}"))
    })?;
    validate(org, params)
}

fn validate(org: &Org, params: AuthorizeParams) -> Result<ValidRequest, Refusal> {
    let Some(client) = params.client_id.as_deref().and_then(|id| org.client(id)) else {
        return Err(Refusal::Page(
            "invalid_client: the client_id is missing or not registered in this org.".to_owned(),
        ));
    };
    let sent_redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    let redirect_uri = client
        .registered_redirect_uri(&sent_redirect_uri)
        .map(str::to_owned)
        .ok_or_else(|| {
            Refusal::Page(
                "invalid_request: the 'redirect_uri' parameter must be a Login redirect URI \
                 registered for the app."
                    .to_owned(),
            )
        })?;
    let flow = parse_flow(params.response_type.as_deref());
    // Until the mode is known, errors go back the flow's default way.
    let default_mode = match flow {
        Some(Flow::Implicit { .. }) => ResponseMode::Fragment,
        _ => ResponseMode::Query,
    };
    let refuse = |mode: ResponseMode, error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        mode,
        state: params.state.clone(),
        error,
        description: description.to_owned(),
    };
    let Some(flow) = flow else {
        return Err(refuse(
            default_mode,
            "unsupported_response_type",
            "The response type is not supported by the authorization server. Use 'code', \
             'id_token', 'token' or 'id_token token'.",
        ));
    };
    let mode = match (flow, params.response_mode.as_deref()) {
        (Flow::Code, None | Some("query")) => ResponseMode::Query,
        (Flow::Implicit { .. }, None | Some("fragment")) => ResponseMode::Fragment,
        (_, Some("form_post")) => ResponseMode::FormPost,
        _ => {
            return Err(refuse(
                default_mode,
                "invalid_request",
                "The 'response_mode' is not supported for this 'response_type'.",
            ));
        }
    };
    let grant_type = match flow {
        Flow::Code => "authorization_code",
        Flow::Implicit { .. } => "implicit",
    };
    check_grant(org, client, grant_type)
        .map_err(|(error, description)| refuse(mode, error, &description))?;
    let Some(state) = params.state.clone().filter(|state| !state.is_empty()) else {
        return Err(refuse(
            mode,
            "invalid_request",
            "The 'state' parameter is required.",
        ));
    };
    let scopes = check_scopes(org, params.scope.as_deref())
        .map_err(|description| refuse(mode, "invalid_scope", &description))?;
    if matches!(flow, Flow::Implicit { id_token: true, .. })
        && !scopes.iter().any(|scope| scope == "openid")
    {
        return Err(refuse(
            mode,
            "invalid_scope",
            "An ID token was requested, but the 'openid' scope was not.",
        ));
    }
    // A public client has no secret: PKCE is what ties the code to it.
    if flow == Flow::Code && client.client_secret.is_none() && params.code_challenge.is_none() {
        return Err(refuse(
            mode,
            "invalid_request",
            "PKCE code challenge is required when the client is a public client.",
        ));
    }
    if matches!(flow, Flow::Implicit { id_token: true, .. })
        && params.nonce.as_deref().is_none_or(str::is_empty)
    {
        // OpenID Connect Core §3.2.2.1: an ID token from the front channel needs a nonce.
        return Err(refuse(
            mode,
            "invalid_request",
            "The 'nonce' parameter is required for authorize requests with either the \
             'id_token' or 'token' response types.",
        ));
    }
    let code_challenge =
        check_pkce(&params).map_err(|description| refuse(mode, "invalid_request", description))?;
    if let Some(prompt) = params.prompt.as_deref()
        && !matches!(prompt, "none" | "login" | "consent")
    {
        return Err(refuse(
            mode,
            "invalid_request",
            "The 'prompt' parameter is not supported.",
        ));
    }
    Ok(ValidRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        sent_redirect_uri,
        flow,
        mode,
        state,
        scopes,
        code_challenge,
        params,
    })
}

/// `code`, or the implicit flow's `id_token`, `token` or both, in any order.
fn parse_flow(response_type: Option<&str>) -> Option<Flow> {
    let mut words: Vec<&str> = response_type?.split_whitespace().collect();
    words.sort_unstable();
    match words.as_slice() {
        ["code"] => Some(Flow::Code),
        ["id_token"] => Some(Flow::Implicit {
            id_token: true,
            token: false,
        }),
        ["token"] => Some(Flow::Implicit {
            id_token: false,
            token: true,
        }),
        ["id_token", "token"] => Some(Flow::Implicit {
            id_token: true,
            token: true,
        }),
        _ => None,
    }
}

/// What Okta says when no access policy rule matches a request.
pub const NO_MATCHING_POLICY: &str =
    "Policy evaluation failed for this request, please check the policy configurations.";

/// The app must be allowed the grant, and an access policy rule must match
/// it (for any user: the user's groups are checked once they are known).
/// Errors are `(error, error_description)`.
pub fn check_grant(
    org: &Org,
    client: &App,
    grant_type: &str,
) -> Result<(), (&'static str, String)> {
    if !client.allows_grant(grant_type) {
        return Err((
            "unauthorized_client",
            format!("The client is not authorized to use the provided grant type ({grant_type})."),
        ));
    }
    if org
        .matching_rule(&client.client_id, grant_type, None)
        .is_none()
    {
        return Err(("no_matching_policy", NO_MATCHING_POLICY.to_owned()));
    }
    Ok(())
}

/// Requested scopes: at least one, each an OpenID Connect scope or one of
/// the server's own.
pub fn check_scopes(org: &Org, scope: Option<&str>) -> Result<Vec<String>, String> {
    let scopes: Vec<String> = scope
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err("The authorization request must include scopes.".to_owned());
    }
    let custom = &org.authorization_server.scopes;
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !OIDC_SCOPES.contains(&s.as_str()) && !custom.contains(s))
    {
        return Err(format!(
            "One or more scopes are not configured for the authorization server resource: \
             '{unknown}'."
        ));
    }
    Ok(scopes)
}

fn check_pkce(params: &AuthorizeParams) -> Result<Option<String>, &'static str> {
    match (
        &params.code_challenge,
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) => Ok(None),
        (Some(challenge), Some("S256")) if is_valid_challenge(challenge) => {
            Ok(Some(challenge.clone()))
        }
        (Some(_), Some("S256")) => Err("The 'code_challenge' is malformed."),
        _ => Err("PKCE requires 'code_challenge' with 'code_challenge_method' S256."),
    }
}

fn client_name<'a>(org: &'a Org, client_id: &str) -> &'a str {
    org.client(client_id).map_or("", |app| app.name.as_str())
}

/// RFC 7636 §4.2: an S256 challenge is 43 base64url characters.
fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Sends `pairs` back to the client: in the query, the fragment, or an
/// auto-submitted form (OAuth 2.0 Form Post Response Mode).
fn respond(redirect_uri: &str, mode: ResponseMode, pairs: &[(&str, &str)]) -> Response {
    match mode {
        ResponseMode::Query => found(&with_query(redirect_uri, pairs)),
        ResponseMode::Fragment => {
            let fragment = serde_urlencoded::to_string(pairs).unwrap_or_default();
            match url::Url::parse(redirect_uri) {
                Ok(mut url) => {
                    url.set_fragment(Some(&fragment));
                    found(url.as_str())
                }
                Err(_) => found(redirect_uri),
            }
        }
        ResponseMode::FormPost => match pages::form_post(redirect_uri, pairs) {
            Ok(page) => Html(page).into_response(),
            Err(error) => Error::from(error).into_response(),
        },
    }
}

/// `uri` with `pairs` appended to its query, form-encoded.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_name_a_flow_in_any_order() {
        assert_eq!(parse_flow(Some("code")), Some(Flow::Code));
        let both = Some(Flow::Implicit {
            id_token: true,
            token: true,
        });
        assert_eq!(parse_flow(Some("token id_token")), both);
        assert_eq!(parse_flow(Some("id_token token")), both);
        assert_eq!(parse_flow(Some("code id_token")), None);
        assert_eq!(parse_flow(None), None);
    }
}
