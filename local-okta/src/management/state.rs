//! The org as the Management API leaves it, kept across restarts.
//!
//! `org.toml` is the seed. Every change made through `/api/v1` (an app, a
//! hook, a policy or rule) replaces the org in memory as one snapshot, and
//! is written to the state file beside the signing key, which wins over the
//! seed at the next start. Handlers take a snapshot ([`Directory::org`]) at
//! the start of a request and keep it for the request's whole life, so a
//! change never shows half-done.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::Error;
use crate::org::Org;

/// The state file's name under the data directory.
pub const STATE_FILE: &str = "local-okta-state.json";

/// The org in memory, and where changes to it are saved.
#[derive(Debug)]
pub struct Directory {
    org: RwLock<Arc<Org>>,
    /// `None` in tests: changes live in memory only.
    state_file: Option<PathBuf>,
    /// Serialises read-modify-write changes (not reads).
    writer: Mutex<()>,
}

impl Directory {
    /// The seed, or the state file's org when there is one.
    pub fn open(seed: Org, state_file: Option<PathBuf>) -> Result<Directory, Error> {
        let org = match &state_file {
            Some(path) => load(path)?.unwrap_or(seed),
            None => seed,
        };
        Ok(Directory {
            org: RwLock::new(Arc::new(org)),
            state_file,
            writer: Mutex::new(()),
        })
    }

    /// A snapshot of the org, for one request.
    pub fn org(&self) -> Arc<Org> {
        self.org
            .read()
            .map(|guard| guard.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Applies `change` to a copy of the org, checks the result as a seed
    /// is checked, saves it, and only then makes it the org. On any error
    /// nothing changes. Returns what `change` returned.
    pub fn update<T>(&self, change: impl FnOnce(&mut Org) -> Result<T, Error>) -> Result<T, Error> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut org = (*self.org()).clone();
        let answer = change(&mut org)?;
        org.check().map_err(|(_, problem)| {
            Error::ApiBadRequest(format!("Api validation failed: {problem}"))
        })?;
        if let Some(path) = &self.state_file {
            save(path, &org)?;
        }
        let mut current = self
            .org
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = Arc::new(org);
        Ok(answer)
    }
}

fn load(path: &Path) -> Result<Option<Org>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                context: format!("read the state file {}", path.display()),
                source,
            });
        }
    };
    let org: Org = serde_json::from_str(&text).map_err(|error| Error::OrgFile {
        path: path.display().to_string(),
        line: error.line(),
        problem: format!("{error} (delete the file to start again from org.toml)"),
    })?;
    org.check().map_err(|(_, problem)| Error::OrgFile {
        path: path.display().to_string(),
        line: 0,
        problem,
    })?;
    Ok(Some(org))
}

/// Writes to a temporary file, then renames: a crash never leaves half a file.
fn save(path: &Path, org: &Org) -> Result<(), Error> {
    let io = |context: String| move |source| Error::Io { context, source };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(io(format!("create {}", parent.display())))?;
    }
    let text = serde_json::to_string_pretty(org).map_err(|error| Error::Io {
        context: "serialise the org".to_owned(),
        source: std::io::Error::other(error),
    })?;
    let temporary = path.with_extension("json.tmp");
    write_private(&temporary, text.as_bytes())
        .map_err(io(format!("write {}", temporary.display())))?;
    std::fs::rename(&temporary, path).map_err(io(format!("replace {}", path.display())))
}

/// The state file holds client secrets and the hook's secret: owner-only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_saved_and_win_over_the_seed_at_the_next_start() {
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join(STATE_FILE);
        let seed = Org::default_org().expect("the built-in org");
        let first = Directory::open(seed.clone(), Some(path.clone())).expect("opens");
        first
            .update(|org| {
                org.inline_hooks.clear();
                for policy in &mut org.authorization_server.policies {
                    for rule in &mut policy.rules {
                        rule.inline_hook = None;
                    }
                }
                Ok(())
            })
            .expect("a valid change");
        let again = Directory::open(seed, Some(path)).expect("opens");
        assert!(again.org().inline_hooks.is_empty());
    }

    #[test]
    fn an_invalid_change_changes_nothing() {
        let seed = Org::default_org().expect("the built-in org");
        let directory = Directory::open(seed, None).expect("opens");
        let hooks = directory.org().inline_hooks.len();
        let refused = directory.update(|org| {
            org.inline_hooks.clear();
            Ok(())
        });
        assert!(refused.is_err(), "a rule still names the hook");
        assert_eq!(directory.org().inline_hooks.len(), hooks);
    }
}
