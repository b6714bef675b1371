//! JSON Pointer (RFC 6901) escaping, as Okta requires in patch paths.
//!
//! A claim named `https://example.com/role` is written
//! `/claims/https:~1~1example.com~1role`: `~` becomes `~0` and `/` becomes
//! `~1`. Decoding undoes `~1` before `~0`, as the RFC says, so `~01` decodes
//! to `~1` and not to `/`.

/// Escapes one path segment: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Splits a pointer into its decoded segments. Returns `None` when the
/// pointer does not start with `/` or holds a `~` not followed by `0` or `1`.
pub fn segments(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').map(unescape).collect()
}

fn unescape(segment: &str) -> Option<String> {
    let mut decoded = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            decoded.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => decoded.push('~'),
            Some('1') => decoded.push('/'),
            _ => return None,
        }
    }
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_segments_round_trip_url_shaped_names() {
        let name = "https://example.com/claims/~role";
        let pointer = format!("/claims/{}", escape(name));
        assert_eq!(pointer, "/claims/https:~1~1example.com~1claims~1~0role");
        assert_eq!(
            segments(&pointer),
            Some(vec!["claims".to_owned(), name.to_owned()])
        );
    }

    #[test]
    fn tilde_zero_one_decodes_to_tilde_one_not_slash() {
        assert_eq!(segments("/~01"), Some(vec!["~1".to_owned()]));
    }

    #[test]
    fn bad_escapes_and_relative_pointers_are_rejected() {
        assert_eq!(segments("/claims/a~2"), None);
        assert_eq!(segments("/claims/a~"), None);
        assert_eq!(segments("claims/a"), None);
    }
}
