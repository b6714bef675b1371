//! # service-kit: logging and graceful shutdown for the workshop's services
//!
//! hook-service, local-okta and the sample app each log the same way, stop
//! the same way, and protect their pages the same way; this crate is that
//! one way. Nothing here knows about Okta or OAuth.

use std::error::Error as StdError;
use std::fmt::Write;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global `tracing` subscriber: structured lines on standard
/// error, coloured only on a terminal. `RUST_LOG` overrides `default_filter`.
/// Call once, from `main`.
pub fn init_logging(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Middleware for the services that serve pages: no page may be framed by
/// another site (clickjacking: `frame-ancestors 'none'` and
/// `X-Frame-Options: DENY`), no page is cached (they show tokens and
/// personal data: `Cache-Control: no-store`), and no URL, with a code or a
/// state in it, leaks to another site through `Referer` (`same-origin`, not
/// `no-referrer`: with that, a browser sends `Origin: null` on a form's
/// POST, and the origin check of local-okta's forms could not pass).
pub async fn html_safety_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The `Host` headers a service answers: its own URL's, and, when that is
/// on loopback, the other loopback names with the same port. Anything else
/// is refused, which defeats DNS rebinding: a page on another site whose
/// name has been pointed at 127.0.0.1 still sends its own name as `Host`.
#[derive(Debug, Clone)]
pub struct AllowedHosts(std::sync::Arc<Vec<String>>);

impl AllowedHosts {
    /// The hosts for a service whose own URL is `base_url`.
    pub fn for_url(base_url: &str) -> AllowedHosts {
        let mut hosts = Vec::new();
        if let Ok(url) = url::Url::parse(base_url)
            && let Some(host) = url.host_str()
        {
            let port = url.port_or_known_default();
            let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
            let names: Vec<&str> = if loopback {
                vec!["localhost", "127.0.0.1", "[::1]"]
            } else {
                vec![host]
            };
            for name in names {
                let name = name.to_ascii_lowercase();
                if let Some(port) = port {
                    hosts.push(format!("{name}:{port}"));
                }
                if url.port().is_none() {
                    hosts.push(name);
                }
            }
        }
        AllowedHosts(std::sync::Arc::new(hosts))
    }

    /// Whether a request with this `Host` is for this service.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.contains(&host)
    }
}

/// Middleware: refuses, with `421 Misdirected Request`, a request whose
/// `Host` is not one of [`AllowedHosts`].
pub async fn check_host(
    axum::extract::State(allowed): axum::extract::State<AllowedHosts>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.to_string())
        });
    match host {
        Some(host) if allowed.allows(&host) => next.run(request).await,
        _ => (
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            "This service answers only to its own address: open it by the URL it printed.\n",
        )
            .into_response(),
    }
}

tokio::task_local! {
    /// The parts of one request's time, recorded by [`record_timing`].
    static TIMINGS: std::cell::RefCell<Vec<(&'static str, std::time::Duration)>>;
}

/// Records that `name` took `duration` in the request being served, for its
/// `Server-Timing` header (see [`server_timing`]). Outside a request: nothing.
pub fn record_timing(name: &'static str, duration: std::time::Duration) {
    let _ = TIMINGS.try_with(|timings| timings.borrow_mut().push((name, duration)));
}

/// Middleware: a `Server-Timing` header on every answer, with the request's
/// `total` and each part recorded with [`record_timing`], in milliseconds
/// (W3C Server Timing). A benchmark splits a sign-in's time with them; a
/// browser's developer tools show them.
pub async fn server_timing(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use std::fmt::Write as _;
    let started = std::time::Instant::now();
    TIMINGS
        .scope(std::cell::RefCell::new(Vec::new()), async move {
            let mut response = next.run(request).await;
            let mut value = format!("total;dur={:.3}", millis(started.elapsed()));
            TIMINGS.with(|timings| {
                for (name, duration) in timings.borrow().iter() {
                    let _ = write!(value, ", {name};dur={:.3}", millis(*duration));
                }
            });
            if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
                response.headers_mut().insert("server-timing", value);
            }
            response
        })
        .await
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// An error and its causes on one line: `outer: inner: root`.
pub fn error_chain(error: &dyn StdError) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(line, ": {cause}");
        source = cause.source();
    }
    line
}

/// The process's exit code for what `main` ran: on failure, prints the
/// error with its causes on standard error first.
pub fn exit_code<E: StdError>(result: Result<(), E>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Completes on Ctrl-C or SIGTERM: hand it to `axum::serve(..).with_graceful_shutdown`.
///
/// Listening starts when this is called, not when the future is first
/// polled (as with `tokio::signal::ctrl_c()`): call it before announcing that
/// the service listens, so that a signal sent as soon as the announcement is
/// read stops the service gracefully instead of killing it.
#[cfg(unix)]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    let listen = |kind: SignalKind, name: &str| match signal(kind) {
        Ok(signal) => Some(signal),
        Err(error) => {
            tracing::error!(%error, "cannot listen for {name}");
            None
        }
    };
    async fn received(signal: Option<Signal>) {
        match signal {
            Some(mut signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
    let terminate = listen(SignalKind::terminate(), "SIGTERM");
    async move {
        tokio::select! {
            () = received(interrupt) => {},
            () = received(terminate) => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// Completes on Ctrl-C: hand it to `axum::serve(..).with_graceful_shutdown`.
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("open the store")
        }
    }

    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn only_the_services_own_host_is_allowed() {
        let local = AllowedHosts::for_url("http://localhost:8081/oauth2/default");
        for host in [
            "localhost:8081",
            "127.0.0.1:8081",
            "LOCALHOST:8081",
            "[::1]:8081",
        ] {
            assert!(local.allows(host), "{host}");
        }
        for host in [
            "evil.example:8081",
            "localhost:8080",
            "localhost",
            "attacker.localhost:8081",
        ] {
            assert!(!local.allows(host), "{host}");
        }
        let public = AllowedHosts::for_url("https://app.example.com");
        assert!(public.allows("app.example.com") && public.allows("app.example.com:443"));
        assert!(!public.allows("127.0.0.1:443"));
    }

    #[test]
    fn error_chain_joins_every_cause() {
        let error = Outer(std::io::Error::other("disk full"));
        assert_eq!(error_chain(&error), "open the store: disk full");
    }
}
