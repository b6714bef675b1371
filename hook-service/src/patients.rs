//! The patient store: which Okta login has which external patient id.
//!
//! The guide keeps patients in a JavaScript array; a real service keeps them
//! in a database. This one is SQLite through sqlx: a single file under
//! `data/`, created with migrations (`migrations/`) and seeded with the
//! guide's three patients on first start. Logins compare case-insensitively,
//! as Okta logins do (ASCII, as SQLite's `NOCASE`).
//!
//! Okta waits on the hook at every sign-in, so a lookup is answered from
//! memory: a snapshot of the whole table (a few thousand rows at most in a
//! workshop), loaded at start and reloaded by a background task when the
//! database changes. The task asks SQLite every [`REFRESH_EVERY`] whether
//! anything was written (`PRAGMA data_version`, one cheap query), so a
//! change made with `hook-service patients add` is seen within a second,
//! and a lookup never waits for SQLite or its worker thread.
//!
//! When the store cannot be read (the file is gone, a query fails or takes
//! longer than [`LOOKUP_TIMEOUT`]) the snapshot is marked unavailable and
//! lookups fail (the hook answers 503, Okta mints the token unchanged)
//! until a reload succeeds. A writer such as `patients add` never blocks a
//! reader: the database runs in WAL mode.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use sqlx::ConnectOptions as _;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions};
use token_hook::PatientId;

use crate::error::Error;

/// How long a query to the store may take before the store counts as
/// unavailable: with [`REFRESH_EVERY`], a store that stops answering (a
/// writer holding an exclusive lock, say) turns into 503s within a second,
/// far below Okta's 3-second limit.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_millis(500);
/// How long opening the store, and the commands' queries, may wait for the
/// database. No sign-in waits on these, and a busy machine (a start-up, a
/// test suite on two cores) can take longer than [`LOOKUP_TIMEOUT`] to open
/// and migrate a file.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the background task checks the database for changes.
pub const REFRESH_EVERY: Duration = Duration::from_millis(250);
/// Connections kept open for the commands (`list`, `add`, `remove`).
pub const MAX_CONNECTIONS: u32 = 4;

/// A patient: an Okta login and the id the hook adds as `extPatientId`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Patient {
    /// The Okta login, e.g. `jessie.smith@example.com`.
    pub login: String,
    /// The external patient id, kept as a string as the guide does
    /// (`token_hook::PatientId` on the wire).
    pub patient_id: String,
}

/// The table in memory, or the news that it cannot be read.
#[derive(Debug, Default)]
struct Snapshot {
    /// Lower-cased login → patient id.
    by_login: HashMap<String, PatientId>,
    available: bool,
}

/// A handle on the patient store; cheap to clone.
#[derive(Debug, Clone)]
pub struct PatientStore {
    pool: SqlitePool,
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// Held from reading the table to replacing the snapshot, by the
    /// background task and by this handle's own writes: otherwise a reload
    /// that read before a write could land after it and bring back the old
    /// table until the next check.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl PatientStore {
    /// Opens (creating if needed) the database, brings its schema up to
    /// date, loads the table, and starts the task that keeps it fresh.
    pub async fn open(database_url: &str) -> Result<PatientStore, Error> {
        // WAL: a lookup never waits for a writer such as `patients add`.
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        create_parent_directory(options.get_filename())?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(OPEN_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let snapshot = Arc::new(RwLock::new(Arc::new(load(&pool, OPEN_TIMEOUT).await?)));
        // The watcher waits for a lock no longer than it waits for anything.
        let watcher_options = options.clone().busy_timeout(LOOKUP_TIMEOUT);
        let reloading = Arc::new(tokio::sync::Mutex::new(()));
        tokio::spawn(keep_fresh(
            watcher_options,
            pool.clone(),
            Arc::downgrade(&snapshot),
            reloading.clone(),
        ));
        Ok(PatientStore {
            pool,
            snapshot,
            reloading,
        })
    }

    /// The patient id for `login`, or `None` if the user is not a patient.
    /// Fails while the store cannot be read.
    pub fn find_patient_id(&self, login: &str) -> Result<Option<PatientId>, Error> {
        let snapshot = self.current();
        if !snapshot.available {
            return Err(Error::StoreUnavailable);
        }
        Ok(snapshot
            .by_login
            .get(&login.trim().to_ascii_lowercase())
            .cloned())
    }

    /// Every patient, ordered by login (from the database itself).
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
        self.reload().await
    }

    /// Removes a patient; `false` if there was none with that login.
    pub async fn remove(&self, login: &str) -> Result<bool, Error> {
        let result = sqlx::query("DELETE FROM patients WHERE login = ?")
            .bind(login)
            .execute(&self.pool)
            .await?;
        self.reload().await?;
        Ok(result.rows_affected() > 0)
    }

    /// Reloads the snapshot now: a change made through this handle is seen
    /// at once (another process's, within a second).
    async fn reload(&self) -> Result<(), Error> {
        let _reloading = self.reloading.lock().await;
        let fresh = load(&self.pool, OPEN_TIMEOUT).await?;
        self.replace(fresh);
        Ok(())
    }

    /// Whether lookups can be answered, for `GET /healthz`.
    pub fn ping(&self) -> Result<(), Error> {
        if self.current().available {
            Ok(())
        } else {
            Err(Error::StoreUnavailable)
        }
    }

    /// Closes every connection; lookups then fail. Used on shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
        let _reloading = self.reloading.lock().await;
        self.replace(Snapshot::default());
    }

    fn current(&self) -> Arc<Snapshot> {
        read(&self.snapshot)
    }

    fn replace(&self, snapshot: Snapshot) {
        write(&self.snapshot, snapshot);
    }
}

/// The whole table, read within `limit`.
async fn load<'c, E>(executor: E, limit: Duration) -> Result<Snapshot, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    let query =
        sqlx::query_as::<_, Patient>("SELECT login, patient_id FROM patients").fetch_all(executor);
    let patients = tokio::time::timeout(limit, query)
        .await
        .map_err(|_| Error::StoreTimeout)??;
    let by_login = patients
        .into_iter()
        .map(|patient| {
            (
                patient.login.to_ascii_lowercase(),
                PatientId::new(patient.patient_id),
            )
        })
        .collect();
    Ok(Snapshot {
        by_login,
        available: true,
    })
}

/// The background task: every [`REFRESH_EVERY`], reloads the table when the
/// database changed, or marks it unavailable when it cannot be read. Ends
/// when the store is dropped or closed.
async fn keep_fresh(
    options: SqliteConnectOptions,
    pool: SqlitePool,
    snapshot: Weak<RwLock<Arc<Snapshot>>>,
    reloading: Arc<tokio::sync::Mutex<()>>,
) {
    let file = options.get_filename().to_owned();
    // `data_version` is per connection: one kept for this task alone.
    let mut watcher: Option<SqliteConnection> = None;
    let mut last_version = None;
    let mut last_file = None;
    loop {
        tokio::time::sleep(REFRESH_EVERY).await;
        let Some(snapshot) = snapshot.upgrade() else {
            return;
        };
        if pool.is_closed() {
            return;
        }
        let seen = changed(
            &options,
            &file,
            &mut watcher,
            (&mut last_version, &mut last_file),
        );
        match seen.await {
            Ok(false) if read(&snapshot).available => {}
            // Read through the watcher's own connection: after the file was
            // replaced, only a new connection sees the new one.
            Ok(_) => {
                if let Some(connection) = watcher.as_mut() {
                    let _reloading = reloading.lock().await;
                    match load(&mut *connection, LOOKUP_TIMEOUT).await {
                        // Closed meanwhile: the closed store stays empty.
                        Ok(_) if pool.is_closed() => return,
                        Ok(fresh) => write(&snapshot, fresh),
                        Err(error) => {
                            watcher = None;
                            unavailable(&snapshot, &error);
                        }
                    }
                }
            }
            Err(error) => {
                // Start again from a new connection once the file is back.
                watcher = None;
                last_version = None;
                last_file = None;
                let _reloading = reloading.lock().await;
                unavailable(&snapshot, &error);
            }
        }
    }
}

/// The file's size and modification time: what changes when the file is
/// replaced or overwritten behind SQLite's back.
type FileStamp = (u64, Option<std::time::SystemTime>);

/// Whether the database changed since the last look (`data_version`, and
/// the file's [`FileStamp`]); an error when it cannot be read at all.
async fn changed(
    options: &SqliteConnectOptions,
    file: &Path,
    watcher: &mut Option<SqliteConnection>,
    (last_version, last_file): (&mut Option<i64>, &mut Option<FileStamp>),
) -> Result<bool, Error> {
    // An open connection keeps reading a deleted file: look for the file too.
    let metadata = match std::fs::metadata(file) {
        Ok(metadata) => metadata,
        Err(_) => return Err(Error::StoreMissing(PathBuf::from(file))),
    };
    // Overwritten by something other than SQLite: an open connection goes
    // on trusting its cache, so read it through a new one.
    let stamp = (metadata.len(), metadata.modified().ok());
    if last_file.replace(stamp).is_some_and(|last| last != stamp) {
        *watcher = None;
        *last_version = None;
    }
    let connection = match watcher {
        Some(connection) => connection,
        None => {
            let options = options.clone().create_if_missing(false);
            let opened = tokio::time::timeout(LOOKUP_TIMEOUT, options.connect())
                .await
                .map_err(|_| Error::StoreTimeout)??;
            watcher.insert(opened)
        }
    };
    let query = sqlx::query_scalar::<_, i64>("PRAGMA data_version").fetch_one(&mut *connection);
    let version = tokio::time::timeout(LOOKUP_TIMEOUT, query)
        .await
        .map_err(|_| Error::StoreTimeout)??;
    let changed = *last_version != Some(version);
    *last_version = Some(version);
    Ok(changed)
}

fn unavailable(snapshot: &RwLock<Arc<Snapshot>>, error: &Error) {
    if read(snapshot).available {
        tracing::error!(
            error = %service_kit::error_chain(error),
            "patient store unavailable: answering 503 until it is back"
        );
    }
    write(snapshot, Snapshot::default());
}

fn read(snapshot: &RwLock<Arc<Snapshot>>) -> Arc<Snapshot> {
    snapshot
        .read()
        .map(|guard| guard.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

fn write(snapshot: &RwLock<Arc<Snapshot>>, fresh: Snapshot) {
    let mut guard = snapshot
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if fresh.available && !guard.available {
        tracing::info!("patient store available again");
    }
    *guard = Arc::new(fresh);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The README promises that a change to the store, or its loss, shows
    /// within a second: the wait for the next check plus a check that runs
    /// out of time must fit. (The fault tests check that it shows at all.)
    #[test]
    fn a_change_or_a_lost_store_shows_within_a_second() {
        assert!(REFRESH_EVERY + LOOKUP_TIMEOUT <= Duration::from_secs(1));
    }
}
