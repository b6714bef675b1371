//! Random identifiers: Okta-looking object ids and unguessable tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use rand::distr::Alphanumeric;

/// An Okta-style id: a three-letter prefix and 17 alphanumerics, e.g. `00u…`.
pub fn okta_id(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(17)
        .map(char::from)
        .collect();
    format!("{prefix}{suffix}")
}

/// 32 random bytes, base64url: authorization codes, refresh tokens, `jti`s.
pub fn secret_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Now, as Okta writes times: `2019-01-15T23:20:47.000Z`.
pub fn iso_now() -> String {
    iso(time::OffsetDateTime::now_utc())
}

/// A time as Okta writes it, in UTC with milliseconds.
pub fn iso(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_look_like_oktas() {
        let id = okta_id("00u");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("00u"));
        assert_ne!(secret_token(), secret_token());
        let at = time::macros::datetime!(2019-01-15 23:20:47 UTC);
        assert_eq!(iso(at), "2019-01-15T23:20:47.000Z");
    }
}
