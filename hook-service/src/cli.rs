//! The command line: `hook-service` serves; `hook-service patients …`
//! manages the patient store, so a workshop attendee can add the users of
//! their own Okta org without editing code.

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use token_hook::PATIENT_ID_CLAIM;

use crate::auth::Authenticator;
use crate::configuration::{self, Config};
use crate::error::Error;
use crate::patients::PatientStore;
use crate::startup::{self, AppState};

/// The guide's external service: a token inline hook that adds
/// `extPatientId` to the ID tokens of patients.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve `POST /tokenHook` (the default).
    Serve,
    /// Manage the patient store (`DATABASE_URL`).
    #[command(subcommand)]
    Patients(PatientsCommand),
}

/// `hook-service patients …`.
#[derive(Debug, Subcommand)]
pub enum PatientsCommand {
    /// List every patient.
    List,
    /// Add a patient, or change the id of an existing one.
    Add {
        /// The user's Okta login, e.g. jessie.smith@example.com.
        login: String,
        /// The id to add as `extPatientId`, e.g. 1235.
        patient_id: String,
    },
    /// Remove a patient.
    Remove {
        /// The user's Okta login.
        login: String,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Patients(command) => patients(command).await,
    }
}

async fn serve() -> Result<(), Error> {
    let config = Config::from_env()?;
    let patients = PatientStore::open(&config.database_url).await?;
    let listener = TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| Error::Io {
            context: format!(
                "hook-service cannot listen on {} (is it already running? set HOOK_LISTEN_ADDR \
                 to use another address)",
                config.listen_addr
            ),
            source,
        })?;
    let address = listener.local_addr().map_err(|source| Error::Io {
        context: "read the bound address".to_owned(),
        source,
    })?;
    let shutdown = service_kit::shutdown_signal();
    tracing::info!(
        database = %config.database_url,
        "hook-service listening on http://{address}/tokenHook"
    );
    let state = AppState {
        auth: Authenticator::new(config.auth)?,
        patients: patients.clone(),
        log_patient_ids: config.log_patient_ids,
    };
    startup::serve(listener, state, shutdown).await?;
    patients.close().await;
    Ok(())
}

async fn patients(command: PatientsCommand) -> Result<(), Error> {
    let database_url = configuration::database_url(&|name: &str| std::env::var(name).ok());
    let store = PatientStore::open(&database_url).await?;
    match command {
        PatientsCommand::List => {
            let patients = store.list().await?;
            println!("{:<40} patient id", "login");
            for patient in &patients {
                println!("{:<40} {}", patient.login, patient.patient_id);
            }
            println!("({} patients in {database_url})", patients.len());
        }
        PatientsCommand::Add { login, patient_id } => {
            store.upsert(&login, &patient_id).await?;
            println!("{login} now has {PATIENT_ID_CLAIM} {patient_id}");
        }
        PatientsCommand::Remove { login } => {
            if store.remove(&login).await? {
                println!("removed {login}");
            } else {
                println!("{login} was not a patient: nothing removed");
            }
        }
    }
    store.close().await;
    Ok(())
}
