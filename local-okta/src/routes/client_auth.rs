//! Client authentication at the token, introspection and revocation
//! endpoints: `client_secret_basic` or `client_secret_post`, one or the
//! other (RFC 6749 §2.3.1). The secret is compared in constant time.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::org::{App, Org};

/// Checks the client's credentials from the `Authorization` header or the
/// form fields `client_id` / `client_secret`, and returns the client.
///
/// A public client (a `browser` app) has no secret: it names itself with
/// `client_id` alone, and its code exchange is held to PKCE instead.
pub fn authenticate_client<'a>(
    org: &'a Org,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<&'a App, Error> {
    let from_header = basic_credentials(headers)?;
    let (id, secret) = match (from_header, form_secret) {
        (Some(_), Some(_)) => {
            return Err(Error::oauth(
                "invalid_request",
                "Cannot supply multiple client credentials. Use one of the following: \
                 credentials in the Authorization header, or credentials in the post body.",
            ));
        }
        (Some((id, secret)), None) => (id, Some(secret)),
        (None, Some(secret)) => (
            form_id.unwrap_or_default().to_owned(),
            Some(secret.to_owned()),
        ),
        (None, None) => (form_id.unwrap_or_default().to_owned(), None),
    };
    let Some(app) = org.client(&id) else {
        return Err(Error::invalid_client("Client authentication failed."));
    };
    match (&app.client_secret, secret) {
        // A public client, naming itself.
        (None, None) => Ok(app),
        (Some(expected), Some(secret)) => {
            let secret_ok: bool = secret
                .as_bytes()
                .ct_eq(expected.expose_secret().as_bytes())
                .into();
            if secret_ok {
                Ok(app)
            } else {
                Err(Error::invalid_client(
                    "The client secret supplied for a confidential client is invalid.",
                ))
            }
        }
        (Some(_), None) => Err(Error::invalid_client("Client authentication failed.")),
        (None, Some(_)) => Err(Error::invalid_client(
            "A public client cannot authenticate with a client secret.",
        )),
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || Error::invalid_client("The Authorization header is malformed.");
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let decode = |part: &str| {
        percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| malformed())
    };
    Ok(Some((decode(id)?, decode(secret)?)))
}
