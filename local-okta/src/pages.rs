//! The HTML pages (askama templates under `templates/`). Every page carries
//! the "for local development only" banner from `base.html`.

use askama::Template;
use secrecy::ExposeSecret;

use crate::inspector::HookCall;
use crate::org::{ClaimToken, Org, User};
use crate::system_log::LogEvent;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    org_name: &'a str,
    app_name: &'a str,
    authorize_query: &'a str,
    csrf_token: &'a str,
    error: Option<&'a str>,
    users: &'a [User],
    password: &'a str,
}

/// The sign-in form for `app_name`, carrying the authorization request it answers.
pub fn sign_in(
    org: &Org,
    app_name: &str,
    authorize_query: &str,
    csrf_token: &str,
    error: Option<&str>,
) -> askama::Result<String> {
    SignInPage {
        org_name: &org.org.name,
        app_name,
        authorize_query,
        csrf_token,
        error,
        users: &org.users,
        password: org.org.demo_password.expose_secret(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostPage<'a> {
    action: &'a str,
    fields: &'a [(&'a str, &'a str)],
}

/// `response_mode=form_post`: a page that POSTs `fields` to the client.
pub fn form_post(action: &str, fields: &[(&str, &str)]) -> askama::Result<String> {
    FormPostPage { action, fields }.render()
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A page with a title and one message.
pub fn message(title: &str, message: &str) -> askama::Result<String> {
    MessagePage { title, message }.render()
}

/// An error page; never fails (falls back to plain text).
pub fn error_page(text: &str) -> String {
    message("Something is wrong", text).unwrap_or_else(|_| text.to_owned())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    org: &'a Org,
    issuer: &'a str,
    password: &'a str,
}

/// The admin home page.
pub fn home(org: &Org, issuer: &str) -> askama::Result<String> {
    HomePage {
        org,
        issuer,
        password: org.org.demo_password.expose_secret(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "logs.html")]
struct LogsPage {
    events: Vec<LogEvent>,
}

/// The System Log page; `events` newest first.
pub fn logs(events: Vec<LogEvent>) -> askama::Result<String> {
    LogsPage { events }.render()
}

#[derive(Template)]
#[template(path = "hooks.html")]
struct HooksPage<'a> {
    calls: Vec<HookCall>,
    capacity: usize,
    strict: bool,
    csrf_token: &'a str,
}

/// The inspector's list; `calls` newest first.
pub fn hooks(
    calls: Vec<HookCall>,
    capacity: usize,
    strict: bool,
    csrf_token: &str,
) -> askama::Result<String> {
    HooksPage {
        calls,
        capacity,
        strict,
        csrf_token,
    }
    .render()
}

#[derive(Template)]
#[template(path = "hook_call.html")]
struct HookCallPage<'a> {
    call: &'a HookCall,
    csrf_token: &'a str,
}

/// One recorded call, with its Replay form.
pub fn hook_call(call: &HookCall, csrf_token: &str) -> askama::Result<String> {
    HookCallPage { call, csrf_token }.render()
}

/// The Preview page's content.
#[derive(Template)]
#[template(path = "preview.html")]
pub struct PreviewPage<'a> {
    pub hook_name: &'a str,
    pub users: &'a [User],
    /// The chosen user's login.
    pub selected_user: &'a str,
    pub server_name: &'a str,
    /// Grant types to choose from.
    pub grant_types: &'a [&'a str],
    /// The chosen grant type.
    pub selected_grant: &'a str,
    /// Space-separated scopes.
    pub scope: &'a str,
    /// The request JSON, pretty-printed.
    pub request: &'a str,
    /// The form's token (see `forms`).
    pub csrf_token: &'a str,
    /// The answer, once sent.
    pub result: Option<PreviewResult>,
}

/// What sending the request showed.
#[derive(Debug, Default)]
pub struct PreviewResult {
    /// The edited request could not be used.
    pub input_error: Option<String>,
    /// The hook's HTTP status.
    pub status: Option<u16>,
    /// The hook's body, pretty-printed when JSON.
    pub body: String,
    /// What Okta would do, in a sentence.
    pub verdict: String,
    /// Whether the tokens would be minted (changed or not).
    pub applied: bool,
    /// How the tokens would change.
    pub changes: Vec<ClaimChange>,
}

/// One changed claim.
#[derive(Debug)]
pub struct ClaimChange {
    /// `ID token` or `access token`.
    pub token: &'static str,
    /// The claim, or `lifetime`.
    pub claim: String,
    /// The value before, or `(absent)`.
    pub before: String,
    /// The value after, or `(removed)`.
    pub after: String,
}
