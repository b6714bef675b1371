//! `local-okta`: reads its configuration and org file, loads (or creates)
//! its signing key, binds, serves. See `src/lib.rs` for the layout.
//!
//! `local-okta rotate-key` (`just rotate-key`) asks the running local-okta,
//! through its Management API, to rotate its signing key, as an Okta admin
//! would. `local-okta trigger <login>` (`just trigger`) makes a token
//! request through it, without a browser, and reports the hook call.

use secrecy::ExposeSecret as _;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use local_okta::configuration::Config;
use local_okta::error::Error;
use local_okta::keys::SigningKey;
use local_okta::startup::{self, AppState};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    service_kit::init_logging("info,tower_sessions=warn");
    let result = match Cli::parse().command {
        None => run().await,
        Some(Command::RotateKey) => rotate_key().await,
        Some(Command::Trigger {
            login,
            grant,
            scopes,
            client,
            json,
        }) => {
            let options = local_okta::trigger::Options {
                login,
                grant,
                scopes,
                client,
            };
            trigger(options, json).await
        }
    };
    service_kit::exit_code(result)
}

/// local-okta: an Okta org on your laptop, for local development only.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rotate the running local-okta's signing key.
    RotateKey,
    /// A token request through the running local-okta, without a browser:
    /// prints the hook call, its verdict, the tokens' claims and the
    /// inspector's link (local-okta's own).
    Trigger {
        /// The user to sign in.
        #[arg(default_value = "jessie.smith@example.com")]
        login: String,
        /// authorization_code or client_credentials.
        #[arg(long, default_value = "authorization_code")]
        grant: String,
        /// Space-separated scopes.
        #[arg(long, default_value = "openid profile email")]
        scopes: String,
        /// The client id (default: the org's web app, or its service app).
        #[arg(long)]
        client: Option<String>,
        /// Print the report as JSON (what `just check` reads).
        #[arg(long)]
        json: bool,
    },
}

/// Triggers a token request and prints the report.
async fn trigger(options: local_okta::trigger::Options, json: bool) -> Result<(), Error> {
    let config = Config::from_env()?;
    let base = url::Url::parse(&config.issuer)
        .map(|url| url.origin().ascii_serialization())
        .map_err(|error| Error::Trigger(format!("bad issuer {}: {error}", config.issuer)))?;
    let report = local_okta::trigger::run(&base, &config.issuer, &config.org, &options).await?;
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| Error::Trigger(format!("the report as JSON: {error}")))?;
        println!("{text}");
    } else {
        print!("{report}");
    }
    Ok(())
}

/// Rotates the running local-okta's signing key; prints the new `kid`.
async fn rotate_key() -> Result<(), Error> {
    let config = Config::from_env()?;
    let org = &config.org;
    let origin = url::Url::parse(&config.issuer)
        .map(|url| url.origin().ascii_serialization())
        .map_err(|error| Error::RotateKey(format!("bad issuer {}: {error}", config.issuer)))?;
    let url = format!(
        "{origin}/api/v1/authorizationServers/{}/credentials/lifecycle/keyRotate",
        org.authorization_server.id
    );
    let failed = |reason: String| Error::RotateKey(format!("{url}: {reason}"));
    let response = reqwest::Client::new()
        .post(&url)
        .header(
            "authorization",
            format!("SSWS {}", org.org.api_token.expose_secret()),
        )
        .json(&serde_json::json!({ "use": "sig" }))
        .send()
        .await
        .map_err(|error| {
            failed(format!(
                "{} (is local-okta running? start it with just run)",
                service_kit::error_chain(&error)
            ))
        })?;
    let status = response.status();
    let keys: serde_json::Value = response
        .json()
        .await
        .map_err(|error| failed(format!("{status}, {error}")))?;
    if !status.is_success() {
        return Err(failed(format!("{status}: {}", keys["errorSummary"])));
    }
    let active = keys
        .as_array()
        .and_then(|keys| keys.iter().find(|key| key["status"] == "ACTIVE"))
        .and_then(|key| key["kid"].as_str())
        .unwrap_or("?");
    println!("local-okta now signs with kid {active}; the old key stays published at /v1/keys.");
    Ok(())
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
    let state = AppState::new(config, keys)?;
    let shutdown = service_kit::shutdown_signal();
    tracing::info!(issuer = %state.config.issuer, "local-okta (for local development only) listening on http://{}", state.config.listen_addr);
    startup::serve(listener, state, shutdown).await
}
