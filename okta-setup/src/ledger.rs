//! What okta-setup created or changed in each org, kept in
//! `data/okta-setup.json` (git-ignored), so that a second run knows the
//! hook's URL and secret are unchanged (Okta never returns the secret) and
//! teardown removes only what setup made.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// One org's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// The app setup created.
    pub app_id: Option<String>,
    /// The hook setup created.
    pub hook_id: Option<String>,
    /// A fingerprint of the hook's URL and secret as last set: never the secret.
    pub hook_fingerprint: Option<String>,
    /// The policy setup created (the org had none).
    pub policy_id: Option<String>,
    /// The rule setup created (the policy had none): its policy and its id.
    pub rule: Option<CreatedRule>,
    /// The rule setup attached the hook to, and the hook it had before.
    pub attached_rule: Option<AttachedRule>,
}

/// A rule setup created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedRule {
    pub policy_id: String,
    pub rule_id: String,
}

/// A rule whose hook setup changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedRule {
    pub policy_id: String,
    pub rule_id: String,
    /// The rule's hook before setup, to put back at teardown.
    pub previous_hook: Option<String>,
}

impl Ledger {
    /// This org's record in the file at `path` (empty when there is none).
    pub fn load(path: &Path, org_url: &str) -> Result<Ledger, Error> {
        Ok(read_all(path)?.remove(org_url).unwrap_or_default())
    }

    /// Saves this org's record (or removes it when empty).
    pub fn save(&self, path: &Path, org_url: &str) -> Result<(), Error> {
        let mut all = read_all(path)?;
        if *self == Ledger::default() {
            all.remove(org_url);
        } else {
            all.insert(org_url.to_owned(), self.clone());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                context: format!("create {}", parent.display()),
                source,
            })?;
        }
        let text = serde_json::to_string_pretty(&all).unwrap_or_default();
        std::fs::write(path, text).map_err(|source| Error::Io {
            context: format!("write {}", path.display()),
            source,
        })
    }
}

/// A fingerprint of the hook's URL and secret (SHA-256, first 16 bytes):
/// enough to notice a change, useless to recover the secret.
pub fn fingerprint(url: &str, secret: &str) -> String {
    let digest = Sha256::digest(format!("{url}\n{secret}").as_bytes());
    digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn read_all(path: &Path) -> Result<BTreeMap<String, Ledger>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|error| Error::Io {
            context: format!("read {} (delete it if it is damaged)", path.display()),
            source: std::io::Error::other(error),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(Error::Io {
            context: format!("read {}", path.display()),
            source,
        }),
    }
}
