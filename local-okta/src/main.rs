//! `local-okta`: reads its configuration and org file, loads (or creates)
//! its signing key, binds, serves. See `src/lib.rs` for the layout.

use std::process::ExitCode;

use local_okta::configuration::Config;
use local_okta::error::Error;
use local_okta::keys::SigningKey;
use local_okta::startup::{self, AppState};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    service_kit::init_logging("info,tower_sessions=warn");
    service_kit::exit_code(run().await)
}

async fn run() -> Result<(), Error> {
    let config = Config::from_env()?;
    let keys = SigningKey::load_or_create(&config.data_dir)?;
    let listener = TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| Error::Io {
            context: format!(
                "local-okta cannot listen on {} (is it already running? set LOCAL_OKTA_LISTEN_ADDR \
             to use another address)",
                config.listen_addr
            ),
            source,
        })?;
    tracing::info!(issuer = %config.issuer, "local-okta (for local development only) listening on http://{}", config.listen_addr);
    let state = AppState::new(config, keys)?;
    startup::serve(listener, state, service_kit::shutdown_signal()).await
}
