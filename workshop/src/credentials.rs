//! The hook's credentials when the hook faces the internet.
//!
//! Offline, hook-service may use the guide's published demo credentials:
//! only local-okta, on this machine, calls it. Against a real Okta org the
//! hook is reachable through a public tunnel, so `admin` / `supersecret`
//! would let anyone ask it for patient ids. In that mode the runner (and
//! `just tunnel`) refuses the published password, and when there is no
//! `.env` at all it makes one with a random password and says which header
//! value to register in Okta.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::error::Error;
use crate::plan::{DEMO_PASSWORD, DEMO_USER};

/// What to do about the hook's credentials in real-org mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The user chose their own: go on.
    OwnCredentials,
    /// There are none: write `.env` with these, then go on.
    Generate { user: String, password: String },
}

/// Decides from the password in the environment or `.env`, if any.
pub fn check(password: Option<&str>) -> Result<Verdict, Error> {
    match password {
        Some(DEMO_PASSWORD) => Err(Error::PublishedPassword),
        Some(_) => Ok(Verdict::OwnCredentials),
        None => Ok(Verdict::Generate {
            user: DEMO_USER.to_owned(),
            password: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>()),
        }),
    }
}

/// The password hook-service will use: the environment's, else `.env`'s.
pub fn current_password(dotenv: &Path) -> Option<String> {
    std::env::var("BASIC_AUTH_PASSWORD")
        .ok()
        .filter(|value| !value.is_empty())
        .or_else(|| {
            dotenvy::from_path_iter(dotenv)
                .ok()?
                .filter_map(Result::ok)
                .find(|(key, _)| key == "BASIC_AUTH_PASSWORD")
                .map(|(_, value)| value)
        })
}

/// Writes a new `.env` with these credentials (owner-only), and returns the
/// `Authorization` header value to register in Okta.
pub fn write_dotenv(path: &Path, user: &str, password: &str) -> Result<String, Error> {
    let text = format!(
        "# Made by `just run` for a real Okta org: the hook's Basic credentials.\n\
         # Register the hook in Okta with the header Authorization and the value\n\
         # Basic base64(BASIC_AUTH_USER:BASIC_AUTH_PASSWORD).\n\
         BASIC_AUTH_USER={user}\nBASIC_AUTH_PASSWORD={password}\n"
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = |source| Error::Io {
        context: format!("write {}", path.display()),
        source,
    };
    let mut file = options.open(path).map_err(write)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(write)?;
    Ok(format!(
        "Basic {}",
        STANDARD.encode(format!("{user}:{password}"))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_password_is_refused_and_none_gets_a_random_one() {
        assert!(matches!(
            check(Some(DEMO_PASSWORD)),
            Err(Error::PublishedPassword)
        ));
        assert_eq!(check(Some("mine")).expect("fine"), Verdict::OwnCredentials);
        let Verdict::Generate { password, .. } = check(None).expect("fine") else {
            panic!("a new password");
        };
        assert!(password.len() >= 20 && password != DEMO_PASSWORD);
    }

    #[test]
    fn a_new_dotenv_is_private_and_never_overwrites() {
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join(".env");
        let header = write_dotenv(&path, "admin", "s3cret").expect("written");
        assert_eq!(header, format!("Basic {}", STANDARD.encode("admin:s3cret")));
        assert_eq!(current_password(&path).as_deref(), Some("s3cret"));
        assert!(
            write_dotenv(&path, "admin", "other").is_err(),
            "an existing .env is kept"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "owner-only");
        }
    }
}
