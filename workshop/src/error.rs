//! The runner's one error type: each message says which service and what to do.

use std::net::SocketAddr;

/// Everything that can stop `just run`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A listen address variable holds something else.
    #[error("{variable}={value} is not an address and port such as 127.0.0.1:8080")]
    BadAddress {
        variable: &'static str,
        value: String,
    },
    /// Real-org mode with the guide's published password.
    #[error(
        "the hook's password is the guide's published `supersecret`, and with a real Okta org \
         the hook is reachable from the internet: set your own BASIC_AUTH_PASSWORD in .env, \
         register Authorization: Basic base64(user:password) in Okta, and run again"
    )]
    PublishedPassword,
    /// A port is taken.
    #[error(
        "port {port} is already in use, so {service} cannot start on {addr}. Stop whatever uses \
         it (`ss -ltnp 'sport = :{port}'` shows it, perhaps an earlier `just run`), or set \
         {variable} to another address"
    )]
    PortInUse {
        /// The service that wanted it.
        service: &'static str,
        addr: SocketAddr,
        port: u16,
        /// The variable that moves the service.
        variable: &'static str,
    },
    /// A binary is missing.
    #[error(
        "{service} is not built ({path}): run `cargo build --workspace --bins` first (`just run` does)"
    )]
    NotBuilt { service: &'static str, path: String },
    /// A service stopped on its own.
    #[error("{service} stopped ({status}); its last lines:\n{tail}")]
    Died {
        service: &'static str,
        status: String,
        tail: String,
    },
    /// A service never answered.
    #[error("{service} did not answer at {url} within {seconds} s; its last lines:\n{tail}")]
    NotReady {
        service: &'static str,
        url: String,
        /// How long we waited.
        seconds: u64,
        tail: String,
    },
    /// local-okta's org file cannot be read.
    #[error("local-okta's org file ({origin}) is not valid TOML: {source}")]
    OrgFile {
        /// The file, or "built-in".
        origin: String,
        /// What the TOML parser said.
        #[source]
        source: toml::de::Error,
    },
    /// `just check` could not run a check (not: the check found a problem).
    #[error("{0}")]
    Check(String),
    /// Anything else from the operating system.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}
