//! A scratch copy of the repository, built in a target directory of its
//! own: for tests that change the sources (`just dev`'s edit loop, the
//! exercises' solutions) without touching this checkout or its binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use tempfile::TempDir;

/// One scratch build at a time: they share [`Scratch::target`], and a build
/// replaces the binaries another test may be running.
static SCRATCH_TARGET: Mutex<()> = Mutex::new(());

/// The repository's last commit (`git archive HEAD`) in a temporary folder:
/// what a fresh clone has, whatever the working tree holds (an attendee's
/// own exercise work, say).
pub struct Scratch {
    pub dir: TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Scratch {
    pub fn copy() -> Scratch {
        let turn = SCRATCH_TARGET
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir = tempfile::tempdir().expect("a scratch folder");
        let mut archive = Command::new("git")
            .current_dir(repository())
            .args(["archive", "--format=tar", "HEAD"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("git runs");
        let tar = archive.stdout.take().expect("git's output");
        let unpacked = Command::new("tar")
            .arg("-x")
            .current_dir(dir.path())
            .stdin(Stdio::from(tar))
            .status()
            .expect("tar runs");
        let archived = archive.wait().expect("git ends");
        assert!(
            archived.success() && unpacked.success(),
            "git archive HEAD | tar -x"
        );
        Scratch { dir, _turn: turn }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The target directory every scratch copy builds in, kept between runs
    /// so that only the workspace's own crates are rebuilt.
    pub fn target() -> PathBuf {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch-target")
    }

    /// The scratch copy's binaries.
    pub fn bin(name: &str) -> PathBuf {
        Self::target().join("debug").join(name)
    }

    /// `cargo <args>` in the scratch copy, with its own target directory.
    pub fn cargo(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO"))
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", Self::target())
            .env("CARGO_INCREMENTAL", "0")
            .args(args)
            .output()
            .expect("cargo runs")
    }

    /// Builds what the workshop runs, then the hook alone as `just dev`
    /// rebuilds it (its own feature set), as the `dev` recipe does.
    pub fn build(&self) {
        let everything = [
            "build",
            "--quiet",
            "--bins",
            "-p",
            "hook-service",
            "-p",
            "local-okta",
            "-p",
            "sample-web-app",
            "-p",
            "workshop",
        ];
        for args in [&everything[..], &workshop::dev::BUILD_HOOK[..]] {
            let output = self.cargo(args);
            assert!(
                output.status.success(),
                "the scratch copy builds ({}):\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// This checkout's root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}
