//! The runner's one error type: each message says which service and what to do.

use std::net::SocketAddr;

/// Everything that can stop `just run`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A listen address variable holds something else.
    #[error("{variable}={value} is not an address and port such as 127.0.0.1:8080")]
    BadAddress {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
    },
    /// A port is taken.
    #[error(
        "port {port} is already in use, so {service} cannot start on {addr}. Stop whatever uses \
         it (`ss -ltnp 'sport = :{port}'` shows it, perhaps an earlier `just run`), or set \
         {variable} to another address"
    )]
    PortInUse {
        /// The service that wanted it.
        service: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Its port.
        port: u16,
        /// The variable that moves the service.
        variable: &'static str,
    },
    /// A binary is missing.
    #[error(
        "{service} is not built ({path}): run `cargo build --workspace --bins` first (`just run` does)"
    )]
    NotBuilt {
        /// The service.
        service: &'static str,
        /// Where it was expected.
        path: String,
    },
    /// A service stopped on its own.
    #[error("{service} stopped ({status}); its last lines:\n{tail}")]
    Died {
        /// The service.
        service: &'static str,
        /// How it ended.
        status: String,
        /// What it printed last.
        tail: String,
    },
    /// A service never answered.
    #[error("{service} did not answer at {url} within {seconds} s; its last lines:\n{tail}")]
    NotReady {
        /// The service.
        service: &'static str,
        /// The readiness URL.
        url: String,
        /// How long we waited.
        seconds: u64,
        /// What it printed last.
        tail: String,
    },
    /// local-okta's configuration is invalid.
    #[error("local-okta: {0}")]
    LocalOkta(#[from] local_okta::error::Error),
    /// Anything else from the operating system.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
