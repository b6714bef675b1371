//! `GET /v1/authorize` and the sign-in form it shows (`POST /signin`).
//!
//! Authorization Code with PKCE (RFC 6749 §4.1, RFC 7636). Errors follow
//! RFC 6749 §4.1.2.1: an unknown client or a redirect URI that is not
//! registered *exactly* gets an error page and never a redirect (an open
//! redirector otherwise); every other error is sent back to the client's
//! redirect URI with `error`, `error_description` and `state`.

use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::Error;
use crate::grants::{AuthorizationCode, SignInSession};
use crate::ids;
use crate::org::Org;
use crate::pages;
use crate::routes::found;
use crate::startup::SharedState;

/// The sign-in session's key in the session store.
pub const SIGN_IN_SESSION: &str = "sign_in";
/// Scopes the `default` server grants.
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

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

/// An authorization request that passed every check.
#[derive(Debug, Clone)]
struct ValidRequest {
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt: Option<String>,
}

/// Why a request is refused, and how the refusal is delivered.
#[derive(Debug)]
enum Refusal {
    /// Unknown client or unregistered redirect URI: an error page.
    Page(String),
    /// Anything else: back to the client.
    Redirect {
        redirect_uri: String,
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
                state,
                error,
                description,
            } => {
                let mut pairs = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                found(&with_query(&redirect_uri, &pairs))
            }
        }
    }
}

/// `GET /v1/authorize`.
pub async fn authorize(
    State(state): State<SharedState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let query = query.unwrap_or_default();
    let valid = match parse_and_validate(&state.config.org, &query) {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let signed_in: Option<SignInSession> = session.get(SIGN_IN_SESSION).await?;
    match (signed_in, valid.prompt.as_deref()) {
        (Some(signed_in), prompt) if prompt != Some("login") => {
            Ok(issue_code(&state, valid, signed_in))
        }
        (_, Some("none")) => Ok(Refusal::Redirect {
            redirect_uri: valid.redirect_uri,
            state: Some(valid.state),
            error: "login_required",
            description: "The client specified not to prompt, but the user is not logged in."
                .to_owned(),
        }
        .into_response()),
        _ => Ok(Html(pages::sign_in(&state.config.org, &query, None)?).into_response()),
    }
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    /// The authorization request being answered, carried through the form.
    authorize_query: String,
}

/// `POST /signin`: checks the password, starts the sign-in session, and
/// answers the authorization request.
pub async fn sign_in(
    State(state): State<SharedState>,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Result<Response, Error> {
    // The carried request came back from the browser: check it all again.
    let valid = match parse_and_validate(&state.config.org, &form.authorize_query) {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let org = &state.config.org;
    let expected = org.org.demo_password.expose_secret().as_bytes();
    let password_ok: bool = form.password.as_bytes().ct_eq(expected).into();
    let user = org.user_by_login(&form.username).filter(|_| password_ok);
    let Some(user) = user else {
        tracing::info!(username = %form.username, "sign-in failed");
        let message = "Unable to sign in: unknown username or wrong password.";
        let page = pages::sign_in(org, &form.authorize_query, Some(message))?;
        return Ok((StatusCode::UNAUTHORIZED, Html(page)).into_response());
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
    Ok(issue_code(&state, valid, signed_in))
}

fn issue_code(state: &SharedState, valid: ValidRequest, signed_in: SignInSession) -> Response {
    let code = ids::secret_token();
    let redirect = with_query(
        &valid.redirect_uri,
        &[("code", &code), ("state", &valid.state)],
    );
    state.grants.insert_code(
        code,
        AuthorizationCode {
            client_id: state.config.org.app.client_id.clone(),
            redirect_uri: valid.redirect_uri,
            scopes: valid.scopes,
            nonce: valid.nonce,
            state: valid.state,
            code_challenge: valid.code_challenge,
            session: signed_in,
            issued_at: std::time::Instant::now(),
        },
    );
    found(&redirect)
}

fn parse_and_validate(org: &Org, query: &str) -> Result<ValidRequest, Refusal> {
    let params: AuthorizeParams = serde_urlencoded::from_str(query).map_err(|error| {
        Refusal::Page(format!("The authorization request is malformed: {error}"))
    })?;
    validate(org, params)
}

fn validate(org: &Org, params: AuthorizeParams) -> Result<ValidRequest, Refusal> {
    if params.client_id.as_deref() != Some(org.app.client_id.as_str()) {
        return Err(Refusal::Page(
            "invalid_client: the client_id is missing or not registered in this org.".to_owned(),
        ));
    }
    let redirect_uri = params
        .redirect_uri
        .filter(|uri| {
            org.app
                .redirect_uris
                .iter()
                .any(|registered| registered == uri)
        })
        .ok_or_else(|| {
            Refusal::Page(
                "invalid_request: the 'redirect_uri' parameter must be a Login redirect URI \
                 registered for the app, matched exactly."
                    .to_owned(),
            )
        })?;
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: params.state.clone(),
        error,
        description: description.to_owned(),
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "The response type is not supported by the authorization server. Use 'code'.",
        ));
    }
    if params
        .response_mode
        .as_deref()
        .is_some_and(|mode| mode != "query")
    {
        return Err(refuse(
            "invalid_request",
            "Only response_mode 'query' is supported.",
        ));
    }
    let Some(state) = params.state.clone().filter(|state| !state.is_empty()) else {
        return Err(refuse(
            "invalid_request",
            "The 'state' parameter is required.",
        ));
    };
    let scope = params.scope.clone().unwrap_or_default();
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err(refuse(
            "invalid_scope",
            "The authorization request must include scopes.",
        ));
    }
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !SUPPORTED_SCOPES.contains(&s.as_str()))
    {
        let description = format!("One or more scopes are not configured: '{unknown}'.");
        return Err(refuse("invalid_scope", &description));
    }
    let code_challenge = match (
        &params.code_challenge,
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if is_valid_challenge(challenge) => Some(challenge.clone()),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "The 'code_challenge' is malformed.",
            ));
        }
        _ => {
            return Err(refuse(
                "invalid_request",
                "PKCE requires 'code_challenge' with 'code_challenge_method' S256.",
            ));
        }
    };
    if let Some(prompt) = params.prompt.as_deref()
        && !matches!(prompt, "none" | "login" | "consent")
    {
        return Err(refuse(
            "invalid_request",
            "The 'prompt' parameter is not supported.",
        ));
    }
    Ok(ValidRequest {
        redirect_uri,
        state,
        scopes,
        nonce: params.nonce,
        code_challenge,
        prompt: params.prompt,
    })
}

/// RFC 7636 §4.2: an S256 challenge is 43 base64url characters.
fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
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
