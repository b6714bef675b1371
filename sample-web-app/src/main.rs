//! `sample-web-app`: reads `testenv` (or falls back to local-okta),
//! discovers the issuer, binds, serves.

use std::process::ExitCode;

use sample_web_app::configuration::Config;
use sample_web_app::error::AppError;
use sample_web_app::startup::{self, AppState};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    service_kit::init_logging("info,tower_sessions=warn");
    service_kit::exit_code(run().await)
}

async fn run() -> Result<(), AppError> {
    let config = Config::from_env()?;
    tracing::info!("{}", config.describe_source());
    let state = AppState::new(config.clone()).await?;
    let listener = TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| AppError::Io {
            context: format!(
                "sample-web-app cannot listen on {} (is it already running? set APP_LISTEN_ADDR \
                 to use another address)",
                config.listen_addr
            ),
            source,
        })?;
    let shutdown = service_kit::shutdown_signal();
    tracing::info!("sample-web-app listening: open {}", config.base_url);
    startup::serve(listener, state, shutdown).await
}
