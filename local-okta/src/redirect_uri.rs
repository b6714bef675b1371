//! Comparing redirect URIs the way Okta must.
//!
//! Okta's own Express sample registers `http://localhost:8080` as its
//! sign-out redirect URI and its middleware sends `http://localhost:8080/`,
//! and Okta accepts it. RFC 3986 §6.2.3 says why: an empty path and `/` are
//! the same URI, as are a scheme or host in another case and a port that is
//! the scheme's default. Those are the only liberties taken: everything
//! else (path case, query, a trailing slash on a longer path) must match
//! exactly, since a loose match would make local-okta an open redirector.
//! A sent URI with white space, control characters, a backslash or a dot
//! segment is never normalised into a match: a parser would quietly clean
//! those up, and a browser might read them differently.

use url::Url;

/// Whether `registered` and `sent` name the same redirect URI.
pub fn same_uri(registered: &str, sent: &str) -> bool {
    if registered == sent {
        return true;
    }
    if has_tricks(sent) {
        return false;
    }
    // `Url` lower-cases the scheme and host, drops a default port, and
    // turns an empty path into `/`: exactly the normalisations above.
    match (Url::parse(registered), Url::parse(sent)) {
        (Ok(registered), Ok(sent)) => registered.as_str() == sent.as_str(),
        _ => false,
    }
}

/// Characters and segments that parsers and browsers each read their own way.
fn has_tricks(uri: &str) -> bool {
    let odd_character = uri
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let dot_segment = uri.split(['/', '?', '#']).any(|segment| {
        let segment = segment.to_ascii_lowercase();
        matches!(
            segment.as_str(),
            "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
        )
    });
    odd_character || dot_segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_path_and_a_slash_are_the_same_uri() {
        assert!(same_uri("http://localhost:8080", "http://localhost:8080/"));
        assert!(same_uri("http://localhost:8080/", "http://localhost:8080"));
    }

    #[test]
    fn scheme_and_host_case_and_default_ports_do_not_matter() {
        assert!(same_uri(
            "http://localhost:8080/callback",
            "HTTP://LocalHost:8080/callback"
        ));
        assert!(same_uri(
            "https://app.example/cb",
            "https://app.example:443/cb"
        ));
        assert!(same_uri(
            "http://app.example/cb",
            "http://app.example:80/cb"
        ));
    }

    #[test]
    fn anything_else_must_match_exactly() {
        assert!(!same_uri(
            "http://localhost:8080/cb",
            "http://localhost:8080/CB"
        ));
        assert!(!same_uri(
            "http://localhost:8080/cb",
            "http://localhost:8080/cb/"
        ));
        assert!(!same_uri(
            "http://localhost:8080/cb",
            "http://localhost:8080/cb?x=1"
        ));
        assert!(!same_uri(
            "http://localhost:8080/cb",
            "http://localhost:8081/cb"
        ));
        assert!(!same_uri(
            "http://localhost:8080/cb",
            "https://localhost:8080/cb"
        ));
        assert!(!same_uri(
            "http://localhost:8080",
            "http://localhost:8080/evil"
        ));
        assert!(!same_uri("not a url", "not a url/"));
    }

    #[test]
    fn tricks_a_parser_would_clean_up_never_match() {
        let registered = "http://localhost:8080/cb";
        for sent in [
            "http://localhost:8080/x/../cb",
            "http://localhost:8080/./cb",
            "http://localhost:8080/%2e%2e/cb",
            "http://localhost:8080/\tcb",
            "http://localhost:8080\\cb",
            " http://localhost:8080/cb",
        ] {
            assert!(!same_uri(registered, sent), "{sent:?}");
        }
    }
}
