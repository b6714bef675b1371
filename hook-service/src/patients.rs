//! The patient store: which Okta login has which external patient id.
//!
//! The guide keeps patients in a JavaScript array; a real service keeps them
//! in a database. This one is SQLite through sqlx: a single file under
//! `data/`, created with migrations (`migrations/`) and seeded with the
//! guide's three patients on first start. Logins compare case-insensitively,
//! as Okta logins do. sqlx runs SQLite on its own worker thread, so a lookup
//! never blocks the async runtime.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use token_hook::PatientId;

use crate::error::Error;

/// How long a lookup may take before the hook gives up and answers 503, far
/// below Okta's 3-second limit.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(1);
/// Connections kept open. SQLite in WAL mode serves many readers at once.
pub const MAX_CONNECTIONS: u32 = 8;

/// A patient: an Okta login and the id the hook adds as `extPatientId`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Patient {
    /// The Okta login, e.g. `jessie.smith@example.com`.
    pub login: String,
    /// The external patient id, kept as a string as the guide does
    /// (`token_hook::PatientId` on the wire).
    pub patient_id: String,
}

/// A handle on the patient store; cheap to clone.
#[derive(Debug, Clone)]
pub struct PatientStore {
    pool: SqlitePool,
}

impl PatientStore {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub async fn open(database_url: &str) -> Result<PatientStore, Error> {
        // WAL: a lookup never waits for a writer such as `patients add`.
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        create_parent_directory(options.get_filename())?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(LOOKUP_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(PatientStore { pool })
    }

    /// The patient id for `login`, or `None` if the user is not a patient.
    /// Gives up after [`LOOKUP_TIMEOUT`].
    pub async fn find_patient_id(&self, login: &str) -> Result<Option<PatientId>, Error> {
        let query = sqlx::query_scalar("SELECT patient_id FROM patients WHERE login = ?")
            .bind(login)
            .fetch_optional(&self.pool);
        let patient_id: Option<String> = tokio::time::timeout(LOOKUP_TIMEOUT, query)
            .await
            .map_err(|_| Error::StoreTimeout)??;
        Ok(patient_id.map(PatientId::new))
    }

    /// Every patient, ordered by login.
    pub async fn list(&self) -> Result<Vec<Patient>, Error> {
        let patients = sqlx::query_as("SELECT login, patient_id FROM patients ORDER BY login")
            .fetch_all(&self.pool)
            .await?;
        Ok(patients)
    }

    /// Adds a patient, or changes the id of an existing one.
    pub async fn upsert(&self, login: &str, patient_id: &str) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO patients (login, patient_id) VALUES (?, ?) \
             ON CONFLICT (login) DO UPDATE SET patient_id = excluded.patient_id",
        )
        .bind(login)
        .bind(patient_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a patient; `false` if there was none with that login.
    pub async fn remove(&self, login: &str) -> Result<bool, Error> {
        let result = sqlx::query("DELETE FROM patients WHERE login = ?")
            .bind(login)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Whether the store answers, for `GET /healthz`.
    pub async fn ping(&self) -> Result<(), Error> {
        let query = sqlx::query("SELECT 1").execute(&self.pool);
        tokio::time::timeout(LOOKUP_TIMEOUT, query)
            .await
            .map_err(|_| Error::StoreTimeout)??;
        Ok(())
    }

    /// The connection pool behind the store, for tests that need to starve it.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection; later calls fail. Used on shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn create_parent_directory(database_file: &Path) -> Result<(), Error> {
    match database_file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                context: format!("create the directory {}", parent.display()),
                source,
            })
        }
        _ => Ok(()),
    }
}
