//! Hostile input against every endpoint of the three services, table-driven:
//! truncated, huge and deeply nested JSON, wrong types, invalid UTF-8,
//! duplicate keys, header injection, oversized headers, unicode and
//! mixed-case logins, 1 MB form bodies and 100 KB query strings. Each gets a
//! clear 4xx or a bounded answer, never a 5xx or a panic, and the logs of
//! all three services never show a secret or a token.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{OKTA_API_AUTHORIZATION, World, captured_logs, spawn_world};

const GUIDE_BASIC: &str = "Basic YWRtaW46c3VwZXJzZWNyZXQ=";

/// One hostile request.
struct Case {
    name: &'static str,
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// `Some(status)` when the answer must be exactly that.
    expect: Option<u16>,
}

fn case(name: &'static str, method: Method, url: String) -> Case {
    Case {
        name,
        method,
        url,
        headers: Vec::new(),
        body: Vec::new(),
        expect: None,
    }
}

impl Case {
    fn json(mut self, body: impl Into<Vec<u8>>) -> Case {
        self.headers
            .push(("content-type", "application/json".to_owned()));
        self.body = body.into();
        self
    }

    fn form(mut self, body: impl Into<Vec<u8>>) -> Case {
        self.headers.push((
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ));
        self.body = body.into();
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Case {
        self.headers.push((name, value.into()));
        self
    }

    fn expect(mut self, status: u16) -> Case {
        self.expect = Some(status);
        self
    }
}

fn hook_call(login: &str) -> String {
    json!({ "eventType": "com.okta.oauth2.tokens.transform",
        "data": { "identity": { "claims": { "preferred_username": login } } } })
    .to_string()
}

fn cases(world: &World) -> Vec<Case> {
    let hook = format!("{}/tokenHook", world.hook);
    let okta = &world.okta;
    let server = &world.issuer;
    let app = &world.app;
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!(
        r#"{{"eventType":"com.okta.oauth2.tokens.transform","data":{}1{}}}"#,
        r#"{"a":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    let long_query = "q".repeat(100_000);
    let megabyte = format!("a={}", "b".repeat(1_000_000));
    let invalid_utf8: Vec<u8> =
        [br#"{"eventType":""#.as_slice(), &[0xff, 0xfe, 0xfd], b"\"}"].concat();
    vec![
        // hook-service
        case("truncated JSON", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(r#"{"eventType":"com.okta.oauth2.tokens.transform","data":{"#)
            .expect(400),
        case("JSON over 256 KB", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(format!(r#"{{"pad":"{}"}}"#, "x".repeat(300_000)))
            .expect(413),
        case("arrays nested 10,000 deep", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(nested.clone())
            .expect(400),
        // Nested where the hook reads nothing: skipped without recursion,
        // so it is simply a call with no ID token.
        case("objects nested 10,000 deep", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(deep_object)
            .expect(204),
        case("a number for eventType", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(r#"{"eventType":5,"data":{}}"#)
            .expect(400),
        case("invalid UTF-8", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(invalid_utf8.clone())
            .expect(400),
        case("duplicate keys", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(r#"{"eventType":"com.okta.oauth2.tokens.transform","eventType":"x","data":{}}"#)
            .expect(400),
        case("mixed-case login", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(hook_call("Jessie.SMITH@Example.com"))
            .expect(200),
        case("look-alike unicode login", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .json(hook_call("ｊessie.smith@example.com"))
            .expect(204),
        case("a 64 KB header", Method::POST, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .header("x-padding", "p".repeat(64 * 1024))
            .json(hook_call("jessie.smith@example.com")),
        case("no credentials, huge body", Method::POST, hook.clone())
            .json(format!(r#"{{"pad":"{}"}}"#, "x".repeat(300_000))),
        case("GET on the hook", Method::GET, hook.clone())
            .header("authorization", GUIDE_BASIC)
            .expect(405),
        case("GET on the hook, no credentials", Method::GET, hook.clone()).expect(401),
        // local-okta
        case(
            "authorize with a 100 KB query",
            Method::GET,
            format!("{server}/v1/authorize?x={long_query}"),
        ),
        case(
            "sign-in with a 1 MB form",
            Method::POST,
            format!("{okta}/signin"),
        )
        .form(megabyte.clone()),
        case(
            "sign-in with invalid UTF-8",
            Method::POST,
            format!("{okta}/signin"),
        )
        .form(invalid_utf8.clone()),
        case(
            "token with a 1 MB form",
            Method::POST,
            format!("{server}/v1/token"),
        )
        .form(megabyte.clone()),
        case(
            "token with duplicate grant types",
            Method::POST,
            format!("{server}/v1/token"),
        )
        .form("grant_type=authorization_code&grant_type=refresh_token")
        .expect(400),
        case(
            "token with no form",
            Method::POST,
            format!("{server}/v1/token"),
        )
        .expect(400),
        case(
            "introspect with garbage",
            Method::POST,
            format!("{server}/v1/introspect"),
        )
        .form(invalid_utf8.clone()),
        case(
            "revoke with a 1 MB form",
            Method::POST,
            format!("{server}/v1/revoke"),
        )
        .form(megabyte.clone()),
        case(
            "userinfo with a forged bearer",
            Method::GET,
            format!("{server}/v1/userinfo"),
        )
        .header("authorization", "Bearer eyJhbGciOiJub25lIn0.e30.")
        .expect(401),
        case(
            "logout with a junk hint",
            Method::GET,
            format!("{server}/v1/logout?id_token_hint=%FF%FE"),
        ),
        case(
            "management API, nested JSON",
            Method::POST,
            format!("{okta}/api/v1/inlineHooks"),
        )
        .header("authorization", OKTA_API_AUTHORIZATION)
        .json(nested.clone())
        .expect(400),
        case(
            "management API, a 100 KB filter",
            Method::GET,
            format!("{okta}/api/v1/logs?filter={long_query}"),
        )
        .header("authorization", OKTA_API_AUTHORIZATION)
        .expect(414),
        case(
            "management API, a bad filter",
            Method::GET,
            format!("{okta}/api/v1/logs?filter=eventType%20eqq%201"),
        )
        .header("authorization", OKTA_API_AUTHORIZATION)
        .expect(400),
        case(
            "management API, no token",
            Method::GET,
            format!("{okta}/api/v1/apps"),
        )
        .expect(401),
        case(
            "preview with a 1 MB form",
            Method::POST,
            format!("{okta}/admin/preview"),
        )
        .form(megabyte.clone())
        .expect(422),
        // the sample app
        case(
            "login with a 100 KB return_to",
            Method::GET,
            format!("{app}/login?return_to=/{long_query}"),
        ),
        case(
            "callback with junk",
            Method::GET,
            format!("{app}/authorization-code/callback?code=%FF&state=%00"),
        )
        .expect(400),
        case(
            "logout with a 1 MB form",
            Method::POST,
            format!("{app}/logout"),
        )
        .form(megabyte),
        case(
            "profile with a 100 KB query",
            Method::GET,
            format!("{app}/profile?x={long_query}"),
        ),
    ]
}

// Several threads: the raw requests block their own thread, not the servers'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_a_clear_4xx_or_a_bounded_answer_and_nothing_leaks() {
    let world = spawn_world().await;
    // Each case on its own connection: a server may close one after
    // refusing a body it did not read, and a reused one would then fail.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client");
    for case in cases(&world) {
        let mut request = client.request(case.method.clone(), &case.url);
        for (name, value) in &case.headers {
            request = request.header(*name, value);
        }
        let status = if case.url.len() > 60_000 {
            // Longer than clients will build a URL: sent by hand.
            let url = case.url.clone();
            tokio::task::spawn_blocking(move || raw_get(&url))
                .await
                .expect("sent")
        } else {
            let response = request
                .body(case.body.clone())
                .send()
                .await
                .unwrap_or_else(|error| {
                    panic!(
                        "{}: no answer: {}",
                        case.name,
                        error.status().map(|s| s.to_string()).unwrap_or_default()
                    )
                });
            response.status()
        };
        assert!(!status.is_server_error(), "{}: {status}", case.name);
        if let Some(expected) = case.expect {
            assert_eq!(status.as_u16(), expected, "{}", case.name);
        }
    }
    for base in [&world.hook, &world.okta, &world.app] {
        let target = base.clone();
        let answer = tokio::task::spawn_blocking(move || raw_header_injection(&target))
            .await
            .expect("sent");
        assert!(answer.starts_with("HTTP/1.1 400"), "{base}: {answer}");
    }
    // Everything the services logged meanwhile: no secret, no token.
    let logs = captured_logs();
    for secret in [
        "supersecret",
        "YWRtaW46c3VwZXJzZWNyZXQ",
        "Workshop123!",
        "local-okta-demo-client-secret-not-for-production",
        "00-local-okta-demo-api-token",
        "eyJ",
    ] {
        assert!(!logs.contains(secret), "the logs show {secret:?}");
    }
    // The services still work.
    let (status, _) = world.page("/").await;
    assert_eq!(status, StatusCode::OK);
}

/// A GET of `url` sent by hand (for query strings too long for clients);
/// returns the answer's status.
fn raw_get(url: &str) -> StatusCode {
    let rest = url.trim_start_matches("http://");
    let (address, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("sent");
    // The status line is enough: the server may close before reading all.
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).unwrap_or(0);
    let line = String::from_utf8_lossy(&answer[..read]);
    let code = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .unwrap_or(0);
    StatusCode::from_u16(code).expect("an HTTP answer")
}

/// A request whose header value hides a line break: HTTP/1.1 parsers must
/// refuse it rather than read a second header. Sent raw, since clients
/// refuse to build it.
fn raw_header_injection(base: &str) -> String {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a timeout");
    let request =
        format!("GET / HTTP/1.1\r\nHost: {address}\r\nX-Note: a\rSet-Cookie: injected=1\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..read]).into_owned()
}
