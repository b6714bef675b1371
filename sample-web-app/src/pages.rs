//! The pages, rendered with askama from `templates/`.

use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use token_hook::{PATIENT_ID_CLAIM, PatientId};

use crate::configuration::{Config, Source};
use crate::session_state::SignedInUser;

/// What the layout shows: the menu and the configuration panel.
#[derive(Debug, Default)]
pub struct Nav {
    /// The signed-in user's name.
    pub user_name: Option<String>,
    /// The logout form's token; `Some` when signed in.
    pub csrf_token: Option<String>,
    /// The Server Configuration panel.
    pub config: Option<ConfigPanel>,
}

/// The Server Configuration panel.
#[derive(Debug)]
pub struct ConfigPanel {
    pub issuer: String,
    pub client_id: String,
    /// The secret, masked but for its last four characters.
    pub masked_secret: String,
    /// Where the values came from.
    pub source: &'static str,
}

impl Nav {
    /// The layout for this configuration and user.
    pub fn new(config: &Config, user: Option<&SignedInUser>) -> Nav {
        let source = match config.source {
            Source::Testenv => "From testenv.",
            Source::Environment => "From the environment.",
            Source::LocalOktaDefaults => "No testenv: local-okta's demo values.",
        };
        Nav {
            user_name: user.map(|user| user.name.clone()),
            csrf_token: user.map(|user| user.csrf_token.clone()),
            config: Some(ConfigPanel {
                issuer: config.issuer.clone(),
                client_id: config.client_id.clone(),
                masked_secret: config.masked_secret(),
                source,
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
}

/// `/`.
pub fn home(nav: Nav) -> askama::Result<String> {
    HomePage { nav }.render()
}

/// One row of My Profile.
#[derive(Debug)]
pub struct ClaimRow {
    pub name: String,
    /// Its value: strings as they are, anything else as JSON.
    pub value: String,
    /// Whether the token inline hook added it.
    pub added_by_hook: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    nav: Nav,
    patient_claim: &'static str,
    ext_patient_id: Option<PatientId>,
    claims: Vec<ClaimRow>,
    header: String,
    payload: String,
    id_token: String,
}

/// `/profile`: every claim of the (already verified) ID token.
pub fn profile(nav: Nav, user: &SignedInUser) -> askama::Result<String> {
    let header = decode_part(&user.id_token, 0);
    let payload = decode_part(&user.id_token, 1);
    let claims = payload
        .iter()
        .map(|(name, value)| ClaimRow {
            name: name.clone(),
            value: match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            },
            added_by_hook: name == PATIENT_ID_CLAIM,
        })
        .collect();
    ProfilePage {
        nav,
        patient_claim: PATIENT_ID_CLAIM,
        ext_patient_id: user.ext_patient_id.clone(),
        claims,
        header: pretty(header),
        payload: pretty(payload),
        id_token: user.id_token.clone(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    title: &'a str,
    explanation: &'a str,
}

/// An error page with a way to sign in again.
pub fn error(title: &str, explanation: &str) -> askama::Result<String> {
    ErrorPage {
        nav: Nav::default(),
        title,
        explanation,
    }
    .render()
}

/// Part `index` of a JWT, decoded to a JSON object (empty if malformed).
fn decode_part(jwt: &str, index: usize) -> Map<String, Value> {
    jwt.split('.')
        .nth(index)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn pretty(object: Map<String, Value>) -> String {
    serde_json::to_string_pretty(&Value::Object(object)).unwrap_or_default()
}
