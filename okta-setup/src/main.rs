//! `okta-setup`: `setup [--dry-run] [--check-user LOGIN]`, `teardown
//! [--dry-run]` and `preview LOGIN`, run from the repository's root (where
//! `testenv` and `.env` are).

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use okta_setup::config::Config;
use okta_setup::error::Error;
use okta_setup::setup::{self, Options};

#[derive(Debug, Parser)]
#[command(about = "Set up an Okta org for the token inline hook workshop")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or update the app, the hook and the rule; then check the hook.
    Setup {
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The login to check the hook with (default: the store's first patient).
        #[arg(long)]
        check_user: Option<String>,
    },
    /// Remove what setup created, and detach the hook from the rule.
    Teardown {
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Send the request Okta would send for LOGIN through execute.
    Preview { login: String },
}

#[tokio::main]
async fn main() -> ExitCode {
    service_kit::exit_code(run(Cli::parse()).await)
}

async fn run(cli: Cli) -> Result<(), Error> {
    let config = Config::from_env(Path::new("."))?;
    println!("org: {}", config.org_url);
    match cli.command {
        Command::Setup {
            dry_run,
            check_user,
        } => {
            let options = Options {
                dry_run,
                check_user,
            };
            setup::setup(&config, &options).await.map(|_| ())
        }
        Command::Teardown { dry_run } => setup::teardown(&config, dry_run).await.map(|_| ()),
        Command::Preview { login } => okta_setup::check::preview(&config, &login).await,
    }
}
