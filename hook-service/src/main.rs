//! `hook-service`: reads `.env`, parses the command line, runs it.
//! Everything else lives in the library (`src/lib.rs`).

use std::process::ExitCode;

use clap::Parser;
use hook_service::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    service_kit::init_logging("info,sqlx=warn,tower_http=warn");
    // A missing `.env` is fine (the environment may hold everything); a
    // broken one is reported rather than silently ignored.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::FAILURE;
    }
    service_kit::exit_code(cli::run(Cli::parse()).await)
}
