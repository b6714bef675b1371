//! `just dev`: `just run`, plus a fast edit loop for the hook.
//!
//! The runner watches `hook-service/` and `shared/` (with `notify`, the
//! ecosystem's file watcher). When a source file changes it rebuilds the hook
//! (`cargo build -p hook-service`) and, if the build succeeds, restarts only
//! the hook: local-okta and the sample app keep running, with their sessions.
//! It says when the new hook answers and how long that took from the save.
//! If the build fails, it prints the compiler's errors and the old hook keeps
//! answering.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::error::Error;
use crate::plan::Service;
use crate::supervise::Supervisor;

/// The folders whose sources make the hook.
pub const WATCHED: [&str; 2] = ["hook-service", "shared"];
/// How long the files must stay quiet before a rebuild: an editor's save
/// is often several writes (a temporary file, a rename, a chmod).
pub const QUIET: Duration = Duration::from_millis(150);

/// A file watcher on [`WATCHED`] under the workspace root.
#[derive(Debug)]
pub struct Changes {
    _watcher: notify::RecommendedWatcher,
    events: mpsc::UnboundedReceiver<PathBuf>,
}

impl Changes {
    /// Starts watching `root`'s [`WATCHED`] folders.
    pub fn watch(root: &Path) -> Result<Changes, Error> {
        let (sender, events) = mpsc::unbounded_channel();
        let workspace = root.to_path_buf();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                if matches!(event.kind, EventKind::Access(_)) {
                    return;
                }
                let sources = event
                    .paths
                    .into_iter()
                    .filter(|path| is_source(path.strip_prefix(&workspace).unwrap_or(path)));
                for path in sources {
                    let _ = sender.send(path);
                }
            })
            .map_err(|error| watch_failed(root, &error))?;
        for folder in WATCHED {
            watcher
                .watch(&root.join(folder), RecursiveMode::Recursive)
                .map_err(|error| watch_failed(&root.join(folder), &error))?;
        }
        Ok(Changes {
            _watcher: watcher,
            events,
        })
    }

    /// The next change, once the files have been quiet for [`QUIET`]: when
    /// the first file changed, and which.
    pub async fn next(&mut self) -> Option<(Instant, PathBuf)> {
        let first = self.events.recv().await?;
        let saved = Instant::now();
        let mut last = first;
        // Debounce: further writes of the same save join this change.
        while let Ok(Some(path)) = tokio::time::timeout(QUIET, self.events.recv()).await {
            last = path;
        }
        Some((saved, last))
    }
}

fn watch_failed(path: &Path, error: &notify::Error) -> Error {
    Error::Io {
        context: format!("watch {} for changes", path.display()),
        source: std::io::Error::other(error.to_string()),
    }
}

/// A file that can change the hook (`path` relative to the workspace):
/// Rust, its manifests, migrations, templates. Editors' swap and backup
/// files are not, nor anything in a build directory.
fn is_source(path: &Path) -> bool {
    if path.components().any(|part| part.as_os_str() == "target") {
        return false;
    }
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    if name.starts_with('.') || name.ends_with('~') {
        return false;
    }
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("rs" | "toml" | "sql" | "html")
    )
}

/// Cargo's arguments to build the hook alone, as the edit loop does (the
/// `dev` recipe runs the same build before the loop starts).
pub const BUILD_HOOK: [&str; 6] = [
    "build",
    "--quiet",
    "-p",
    "hook-service",
    "--bin",
    "hook-service",
];

/// Builds the hook; on failure, the compiler's own words.
pub async fn build_hook(root: &Path) -> Result<(), String> {
    let output = tokio::process::Command::new(cargo())
        .current_dir(root)
        .args(BUILD_HOOK)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Cargo as `just` ran us (`CARGO` is set under `cargo run`), else from `PATH`.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Runs until `shutdown` (`Ok`) or until a service dies (`Err`): rebuilds
/// and restarts `hook` whenever `changes` reports a change under `root`.
pub async fn run(
    supervisor: &mut Supervisor,
    hook: &Service,
    root: &Path,
    mut changes: Changes,
    bin_dir: &Path,
    http: &reqwest::Client,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), Error> {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (saved, path) = tokio::select! {
            () = &mut shutdown => return Ok(()),
            error = supervisor.next_death() => match error {
                // The hook crashed: the others keep running, and the next
                // save builds and starts it again.
                Error::Died { service, status, tail } if service == hook.name => {
                    println!(
                        "[workshop] the hook stopped ({status}); fix it and save to start it \
                         again. Its last lines:\n{tail}"
                    );
                    continue;
                }
                other => return Err(other),
            },
            change = changes.next() => match change {
                Some(change) => change,
                None => return Ok(()),
            },
        };
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        println!("[workshop] {shown} changed: rebuilding the hook");
        if let Err(errors) = build_hook(root).await {
            if errors.trim().is_empty() {
                // Cargo was interrupted (Ctrl-C): the loop ends at once.
                continue;
            }
            println!(
                "[workshop] the build failed; the old hook keeps answering. The compiler says:\n{}",
                errors.trim_end()
            );
            continue;
        }
        let built = saved.elapsed();
        match supervisor.restart(hook, bin_dir, http).await {
            Ok(()) => println!(
                "[workshop] the new hook answers at http://{}/tokenHook, {:.1} s after the change \
                 (build {:.1} s, restart {:.1} s)",
                hook.addr,
                saved.elapsed().as_secs_f64(),
                built.as_secs_f64(),
                (saved.elapsed() - built).as_secs_f64(),
            ),
            Err(error @ Error::Died { service, .. }) if service != hook.name => return Err(error),
            // The new hook built but does not start (a panic at start, say):
            // say why and wait for the next fix.
            Err(error) => {
                println!("[workshop] the new hook does not start, fix it and save again: {error}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_count_and_editor_droppings_and_builds_do_not() {
        assert!(is_source(Path::new(
            "hook-service/src/routes/patient_claim.rs"
        )));
        assert!(is_source(Path::new("shared/Cargo.toml")));
        assert!(is_source(Path::new(
            "hook-service/migrations/0003_care_team.sql"
        )));
        assert!(!is_source(Path::new(
            "hook-service/src/.patient_claim.rs.swp"
        )));
        assert!(!is_source(Path::new("hook-service/src/lib.rs~")));
        assert!(!is_source(Path::new("shared/target/debug/build.rs")));
        assert!(!is_source(Path::new("hook-service/README.md")));
    }
}
