//! The org's RS256 signing key: created once, kept under the data directory
//! so tokens stay valid across restarts, published at `/v1/keys`.
//!
//! The key id (`kid`) is derived from the public key, so a restart with the
//! same key publishes the same `kid` and clients' cached keys stay right.
//!
//! [`KeyRing`] rotates keys as Okta's custom authorization servers do
//! ([key rotation](https://developer.okta.com/docs/concepts/key-rotation/)):
//! the new key signs from then on, and the keys it replaced stay published
//! at `/v1/keys` so tokens they signed still verify. Clients that cached the
//! key set meet an unknown `kid` and must fetch the set again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The key file's name inside the data directory.
pub const KEY_FILE: &str = "local-okta-signing-key.pem";

/// The signing key and everything derived from it.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads the key from `data_dir`, creating (and saving) one if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<SigningKey, Error> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(pem) => SigningKey::from_pem(&pem).map_err(|error| match error {
                Error::Key { context, source } => {
                    Error::key(format!("{}: {context}", path.display()), source)
                }
                other => other,
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let pem = generate_pem()?;
                save_private(data_dir, &path, &pem)?;
                tracing::info!(path = %path.display(), "created a new signing key");
                SigningKey::from_pem(&pem)
            }
            Err(source) => Err(Error::Io {
                context: format!("read {}", path.display()),
                source,
            }),
        }
    }

    /// Builds the key from a PKCS#1 PEM.
    pub fn from_pem(pem: &str) -> Result<SigningKey, Error> {
        let private = RsaPrivateKey::from_pkcs1_pem(pem)
            .map_err(|error| Error::key("read an RSA private key in PKCS#1 PEM", error))?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("{n}.{e}"))[..16]);
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|error| Error::key("load the key for signing", error))?;
        let decoding = DecodingKey::from_rsa_components(&n, &e)
            .map_err(|error| Error::key("load the key for verifying", error))?;
        let jwk = json!({ "kty": "RSA", "alg": "RS256", "kid": kid, "use": "sig", "n": n, "e": e });
        Ok(SigningKey {
            kid,
            encoding,
            decoding,
            jwk,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The JWK Set served at `/v1/keys`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|error| Error::key("sign a token", error))
    }

    /// Verifies a token this org signed, with the given checks.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<T, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode(token, &self.decoding, validation).map(|data| data.claims)
    }
}

/// How many replaced keys stay published after a rotation.
pub const KEEP_REPLACED_KEYS: usize = 2;

/// The authorization server's keys: the active one signs, the replaced ones
/// (newest first) still verify.
#[derive(Debug)]
pub struct KeyRing {
    /// Where a rotated key is saved; `None` keeps it in memory only.
    key_file: Option<PathBuf>,
    keys: RwLock<Arc<Keys>>,
    /// Held during a rotation.
    rotating: std::sync::Mutex<()>,
}

#[derive(Debug)]
struct Keys {
    active: SigningKey,
    replaced: Vec<SigningKey>,
}

impl Keys {
    fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.active).chain(&self.replaced)
    }
}

impl KeyRing {
    /// A ring with `active` alone. A rotation saves the new key to
    /// `key_file` (where [`SigningKey::load_or_create`] reads it), if any.
    pub fn new(active: SigningKey, key_file: Option<PathBuf>) -> KeyRing {
        KeyRing {
            key_file,
            keys: RwLock::new(Arc::new(Keys {
                active,
                replaced: Vec::new(),
            })),
            rotating: std::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Arc<Keys> {
        self.keys
            .read()
            .map(|keys| keys.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The active key's id.
    pub fn kid(&self) -> String {
        self.current().active.kid.clone()
    }

    /// The JWK Set served at `/v1/keys`: the active key first.
    pub fn jwks(&self) -> Value {
        let keys = self.current();
        json!({ "keys": keys.all().map(|key| &key.jwk).collect::<Vec<_>>() })
    }

    /// The keys as the Management API lists them, each with its `status`.
    pub fn describe(&self) -> Vec<Value> {
        let keys = self.current();
        keys.all()
            .enumerate()
            .map(|(index, key)| {
                let mut jwk = key.jwk.clone();
                jwk["status"] = json!(if index == 0 { "ACTIVE" } else { "EXPIRED" });
                jwk
            })
            .collect()
    }

    /// Signs `claims` with the active key.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, Error> {
        self.current().active.sign(claims)
    }

    /// Verifies a token signed by any published key, found by its `kid`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<T, jsonwebtoken::errors::Error> {
        let header = jsonwebtoken::decode_header(token)?;
        let keys = self.current();
        let key = match header.kid {
            Some(kid) => keys.all().find(|key| key.kid == kid),
            None => Some(&keys.active),
        };
        match key {
            Some(key) => key.verify(token, validation),
            None => Err(jsonwebtoken::errors::ErrorKind::InvalidToken.into()),
        }
    }

    /// Makes a new active key (saved first, when the ring has a file); the
    /// old one stays published. Returns the keys as [`KeyRing::describe`].
    /// One rotation at a time, so that the saved key is the one that signs.
    /// Generating an RSA key takes a while: call it off the async runtime
    /// (`spawn_blocking`).
    pub fn rotate(&self) -> Result<Vec<Value>, Error> {
        let _one_at_a_time = self
            .rotating
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let pem = generate_pem()?;
        let fresh = SigningKey::from_pem(&pem)?;
        if let Some(path) = &self.key_file {
            replace_private(path, &pem)?;
        }
        let mut guard = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let replaced = guard.all().take(KEEP_REPLACED_KEYS).cloned().collect();
        tracing::info!(kid = %fresh.kid, "rotated the signing key");
        *guard = Arc::new(Keys {
            active: fresh,
            replaced,
        });
        drop(guard);
        Ok(self.describe())
    }
}

/// A new 2048-bit RSA key as PKCS#1 PEM.
pub fn generate_pem() -> Result<String, Error> {
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|error| Error::key("generate a key", error))?;
    let pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|error| Error::key("encode the key as PEM", error))?;
    Ok(pem.to_string())
}

/// `at_hash` (OpenID Connect Core §3.1.3.6): the left half of the SHA-256 of
/// the access token, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn save_private(data_dir: &Path, path: &Path, pem: &str) -> Result<(), Error> {
    let io = |context: String| move |source| Error::Io { context, source };
    std::fs::create_dir_all(data_dir).map_err(io(format!("create {}", data_dir.display())))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(io(format!("create {}", path.display())))?;
    std::io::Write::write_all(&mut file, pem.as_bytes())
        .map_err(io(format!("write {}", path.display())))
}

/// Replaces the key file: written beside it, then renamed over it, so a
/// crash leaves the old key or the new one, never half of one.
fn replace_private(path: &Path, pem: &str) -> Result<(), Error> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let fresh = path.with_extension("pem.new");
    let _ = std::fs::remove_file(&fresh);
    save_private(directory, &fresh, pem)?;
    std::fs::rename(&fresh, path).map_err(|source| Error::Io {
        context: format!("replace {}", path.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_reused_after_a_restart() {
        let data = tempfile::tempdir().expect("a directory");
        let first = SigningKey::load_or_create(data.path()).expect("created");
        let second = SigningKey::load_or_create(data.path()).expect("loaded");
        assert_eq!(first.kid(), second.kid());
        assert_eq!(first.jwks(), second.jwks());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.path().join(KEY_FILE))
                .expect("a file")
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "the private key is readable by its owner only"
            );
        }
    }

    #[test]
    fn a_rotated_key_signs_is_saved_and_the_old_one_still_verifies() {
        let data = tempfile::tempdir().expect("a directory");
        let first = SigningKey::load_or_create(data.path()).expect("created");
        let ring = KeyRing::new(first.clone(), Some(data.path().join(KEY_FILE)));
        let claims = json!({ "sub": "someone" });
        let old_token = ring.sign(&claims).expect("signed");

        let listed = ring.rotate().expect("rotated");
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0]["status"], "ACTIVE");
        assert_eq!(listed[1]["status"], "EXPIRED");
        assert_eq!(listed[1]["kid"], first.kid());
        assert_ne!(ring.kid(), first.kid());
        assert_eq!(ring.jwks()["keys"][0]["kid"], ring.kid());

        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let new_token = ring.sign(&claims).expect("signed");
        let header = jsonwebtoken::decode_header(&new_token).expect("a header");
        assert_eq!(header.kid.as_deref(), Some(ring.kid().as_str()));
        for token in [&old_token, &new_token] {
            ring.verify::<Value>(token, &validation).expect("verifies");
        }
        // A restart picks up the rotated key.
        let reloaded = SigningKey::load_or_create(data.path()).expect("loaded");
        assert_eq!(reloaded.kid(), ring.kid());

        for _ in 0..KEEP_REPLACED_KEYS {
            ring.rotate().expect("rotated");
        }
        assert_eq!(ring.describe().len(), 1 + KEEP_REPLACED_KEYS);
        assert!(
            ring.verify::<Value>(&old_token, &validation).is_err(),
            "a key rotated out of the set no longer verifies"
        );
    }

    #[test]
    fn a_corrupt_key_file_is_reported_with_its_path() {
        let data = tempfile::tempdir().expect("a directory");
        std::fs::write(data.path().join(KEY_FILE), "not a key").expect("written");
        let error = SigningKey::load_or_create(data.path()).expect_err("corrupt");
        assert!(error.to_string().contains(KEY_FILE), "{error}");
    }
}
