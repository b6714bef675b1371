//! OAuth 2.0 authentication of Okta's call (`HOOK_AUTH=oauth2`).
//!
//! Okta can authenticate to a hook with OAuth 2.0 instead of a header
//! secret: it gets an access token from a token URL (`client_secret_post`
//! or `private_key_jwt`) and sends `Authorization: Bearer <JWT>`
//! ([inline hooks](https://developer.okta.com/docs/concepts/inline-hooks/)).
//! [`BearerVerifier`] accepts the call only if that JWT
//!
//! - is signed with RS256 by a key of the issuer's key set (`jwks_uri` from
//!   its discovery document), found by the token's `kid`;
//! - has exactly the configured `iss`, the configured audience among its
//!   `aud`, an `exp` in the future and an `nbf` (if any) in the past, with
//!   [`LEEWAY`] for clocks apart;
//! - was issued to the hook channel's client (`cid`), so that no other
//!   client granted the scope can call the hook;
//! - grants the configured scope in `scp` (Okta's array) or `scope` (a
//!   space-separated string, RFC 9068).
//!
//! The key set is read from the issuer's discovery document, whose `issuer`
//! must be the configured one (OpenID Connect Discovery §4.3), at the first
//! call, and kept. A token with a `kid` the set lacks (the issuer rotated
//! its key) makes it fetch the set again, at most once per
//! [`REFETCH_AFTER`], failed attempts included, so forged `kid`s cannot
//! turn calls into requests to the issuer. A set older than
//! [`KEYS_MAX_AGE`] is fetched again, so a key the issuer withdrew stops
//! verifying. Nothing of the token reaches a log.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::configuration::OAuth2Settings;
use crate::error::Error;

/// Clock difference tolerated on `exp` and `nbf`.
pub const LEEWAY: Duration = Duration::from_secs(30);
/// The least time between two fetches of the key set, by default.
pub const REFETCH_AFTER: Duration = Duration::from_secs(5);
/// How long a fetched key set is trusted, by default: after that it is
/// fetched again (keeping the old one if the issuer cannot be reached), so
/// that a key the issuer withdrew stops verifying.
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);
/// How long a fetch of the discovery document or key set may take: Okta
/// waits 3 s for the whole call.
pub const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);

/// Verifies Okta's bearer tokens against one issuer.
#[derive(Debug)]
pub struct BearerVerifier {
    settings: OAuth2Settings,
    refetch_after: Duration,
    keys_max_age: Duration,
    http: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    /// When a fetch was last tried, held while fetching so that
    /// concurrent calls fetch once.
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.by_kid.keys().collect::<Vec<_>>())
            .field("fetched_at", &self.fetched_at)
            .finish()
    }
}

/// The claims the hook reads; the others are checked by `Validation`.
#[derive(Debug, Deserialize)]
struct AccessClaims {
    /// Okta's client id claim.
    #[serde(default)]
    cid: Option<String>,
    #[serde(default)]
    scp: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl BearerVerifier {
    /// A verifier for `settings`; fetches nothing until the first call.
    pub fn new(settings: OAuth2Settings) -> Result<BearerVerifier, Error> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Error::KeysUnavailable(error.to_string()))?;
        Ok(BearerVerifier {
            settings,
            refetch_after: REFETCH_AFTER,
            keys_max_age: KEYS_MAX_AGE,
            http,
            keys: RwLock::new(Arc::default()),
            last_attempt: tokio::sync::Mutex::new(None),
        })
    }

    /// The same verifier, fetching the key set at most once per `interval`
    /// (tests use zero, to see a rotation at once).
    pub fn with_refetch_after(mut self, interval: Duration) -> BearerVerifier {
        self.refetch_after = interval;
        self
    }

    /// The same verifier, trusting a fetched key set for `max_age` only.
    pub fn with_keys_max_age(mut self, max_age: Duration) -> BearerVerifier {
        self.keys_max_age = max_age;
        self
    }

    /// Accepts `token` or says why not: [`Error::Unauthorized`] for a token
    /// that does not verify, [`Error::KeysUnavailable`] when the issuer's
    /// keys cannot be fetched.
    pub async fn verify(&self, token: &str) -> Result<(), Error> {
        let refuse = |reason: &str| {
            tracing::warn!(reason, "bearer token refused");
            Error::BearerRefused
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| refuse("not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(refuse("not signed with RS256"));
        }
        let kid = header.kid.ok_or_else(|| refuse("no kid"))?;
        let stale = self
            .current()
            .fetched_at
            .is_some_and(|at| at.elapsed() >= self.keys_max_age);
        if stale {
            // On failure (logged), the old set stays: better than none.
            let _ = self.refetch().await;
        }
        let key = match self.key(&kid) {
            Some(key) => key,
            None => {
                self.refetch().await?;
                self.key(&kid).ok_or_else(|| refuse("unknown kid"))?
            }
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY.as_secs();
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
            .map_err(|error| refuse(&error.to_string()))?
            .claims;
        if claims.cid.as_deref() != Some(self.settings.client_id.as_str()) {
            return Err(refuse("issued to another client"));
        }
        let scope = &self.settings.scope;
        let granted = claims.scp.iter().any(|granted| granted == scope)
            || claims
                .scope
                .as_deref()
                .is_some_and(|scopes| scopes.split(' ').any(|granted| granted == scope));
        if !granted {
            return Err(refuse("the required scope is not granted"));
        }
        Ok(())
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .map(|keys| keys.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.current().by_kid.get(kid).cloned()
    }

    /// Fetches the key set again, unless it was fetched within the refetch
    /// interval (by a concurrent call, say).
    async fn refetch(&self) -> Result<(), Error> {
        let mut last_attempt = self.last_attempt.lock().await;
        if last_attempt.is_some_and(|at| at.elapsed() < self.refetch_after) {
            return Ok(());
        }
        *last_attempt = Some(Instant::now());
        let by_kid = self.fetch().await.inspect_err(|error| {
            tracing::error!(error = %service_kit::error_chain(error), "cannot fetch the issuer's keys");
        })?;
        tracing::info!(keys = by_kid.len(), "fetched the issuer's signing keys");
        let fresh = Arc::new(KeySet {
            by_kid,
            fetched_at: Some(Instant::now()),
        });
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        Ok(())
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, Error> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let unavailable =
            |url: &str, error: reqwest::Error| Error::KeysUnavailable(format!("{url}: {error}"));
        let discovery: Discovery = self
            .get(&discovery_url)
            .await
            .map_err(|error| unavailable(&discovery_url, error))?;
        if discovery.issuer != self.settings.issuer {
            return Err(Error::KeysUnavailable(format!(
                "{discovery_url} names the issuer {:?}, not {:?}",
                discovery.issuer, self.settings.issuer
            )));
        }
        if !crate::configuration::secure_or_loopback(&discovery.jwks_uri) {
            return Err(Error::KeysUnavailable(format!(
                "{discovery_url} puts the keys at {}, not over https",
                discovery.jwks_uri
            )));
        }
        let set: JwkSet = self
            .get(&discovery.jwks_uri)
            .await
            .map_err(|error| unavailable(&discovery.jwks_uri, error))?;
        // Only RSA keys for signatures, with a kid.
        Ok(set
            .keys
            .iter()
            .filter(|jwk| {
                matches!(jwk.algorithm, AlgorithmParameters::RSA(_))
                    && matches!(
                        jwk.common.public_key_use,
                        None | Some(PublicKeyUse::Signature)
                    )
            })
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((kid, key))
            })
            .collect())
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, reqwest::Error> {
        self.http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}
