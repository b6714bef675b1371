//! OpenID Connect, step by step, with the openidconnect crate:
//!
//! 1. [`Oidc::discover`]: read the issuer's discovery document and keys.
//! 2. [`Oidc::authorization_url`]: Authorization Code with PKCE (S256),
//!    `state` and `nonce`, scopes `openid profile email`.
//! 3. [`Oidc::exchange_and_verify`]: at the callback, exchange the code
//!    (with the client secret and the PKCE verifier), then verify the ID
//!    token: signature against the issuer's keys, issuer, audience, expiry
//!    and nonce. The token inline hook's claim is read through the
//!    additional-claims type [`HookClaims`], which flattens the `token-hook`
//!    crate's `PatientClaims`: the hook writes the claim and the app reads it
//!    through one definition.
//! 4. [`Oidc::end_session_url`]: RP-initiated logout.
//!
//! openidconnect fetches the signing keys once, at discovery. When the
//! authorization server rotates its key, verification fails; the app then
//! discovers again, once, and retries.

use std::sync::{Arc, RwLock};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use openidconnect::{ClaimsVerificationError, reqwest};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use token_hook::{PatientClaims, PatientId};

use crate::configuration::Config;
use crate::error::{AppError, Cause};

/// The ID token's claims beyond the standard ones: those the token inline
/// hook adds. The orphan rule puts the `AdditionalClaims` impl here, on a
/// type of the app's own, while the claims themselves come from `token-hook`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookClaims {
    /// The patient id claim, as the hook service writes it.
    #[serde(flatten)]
    pub patient: PatientClaims,
}

impl AdditionalClaims for HookClaims {}

type PatientIdTokenFields = IdTokenFields<
    HookClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type PatientTokenResponse = StandardTokenResponse<PatientIdTokenFields, CoreTokenType>;

/// An OIDC client whose ID tokens carry [`HookClaims`].
type PatientClient = Client<
    HookClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    PatientTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The values a sign-in must remember between `/login` and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginChallenge {
    /// The URL to send the browser to.
    pub url: String,
    /// `state`, checked at the callback.
    pub state: String,
    /// `nonce`, checked in the ID token.
    pub nonce: String,
    /// The PKCE verifier, sent with the code.
    pub pkce_verifier: String,
}

/// A verified sign-in.
#[derive(Debug, Clone)]
pub struct VerifiedSignIn {
    /// The ID token as issued (a JWT).
    pub id_token: String,
    /// Its `name`, or `preferred_username`, or `sub`.
    pub name: String,
    /// The patient id the hook added, read through [`HookClaims`].
    pub ext_patient_id: Option<PatientId>,
}

/// The OIDC client, rebuilt when keys must be fetched again.
#[derive(Debug)]
pub struct Oidc {
    http: reqwest::Client,
    config: Config,
    discovered: RwLock<Arc<Discovered>>,
}

#[derive(Debug)]
struct Discovered {
    client: PatientClient,
    end_session: Option<EndSessionUrl>,
}

impl Oidc {
    /// Step 1: discovery. Fails with the URL tried and the reason.
    pub async fn discover(config: &Config) -> Result<Oidc, AppError> {
        // The HTTP client must not follow redirects (openidconnect's advice).
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(AppError::HttpClient)?;
        let discovered = discover(&http, config).await?;
        Ok(Oidc {
            http,
            config: config.clone(),
            discovered: RwLock::new(Arc::new(discovered)),
        })
    }

    fn current(&self) -> Arc<Discovered> {
        self.discovered
            .read()
            .map(|guard| guard.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Step 2: where to send the browser, and what to remember.
    pub fn authorization_url(&self) -> LoginChallenge {
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .current()
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".to_owned()))
            .add_scope(Scope::new("email".to_owned()))
            .set_pkce_challenge(pkce_challenge)
            .url();
        LoginChallenge {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: pkce_verifier.secret().clone(),
        }
    }

    /// Step 3: exchange the code and verify the ID token.
    pub async fn exchange_and_verify(
        &self,
        code: String,
        pkce_verifier: String,
        nonce: &str,
    ) -> Result<VerifiedSignIn, AppError> {
        let discovered = self.current();
        let request = discovered
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| AppError::TokenRequest(error.into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier));
        let response = request
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response.id_token().ok_or(AppError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let verified = id_token.claims(&discovered.client.id_token_verifier(), &nonce);
        let claims = match verified {
            Ok(claims) => claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                // Perhaps a rotated key: discover again, once.
                let fresh = Arc::new(discover(&self.http, &self.config).await?);
                if let Ok(mut guard) = self.discovered.write() {
                    *guard = fresh.clone();
                }
                id_token
                    .claims(&fresh.client.id_token_verifier(), &nonce)
                    .map_err(AppError::IdToken)?
                    .clone()
            }
            Err(error) => return Err(AppError::IdToken(error)),
        };
        let name = claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.to_string())
            .or_else(|| claims.preferred_username().map(|name| name.to_string()))
            .unwrap_or_else(|| claims.subject().to_string());
        Ok(VerifiedSignIn {
            id_token: id_token.to_string(),
            name,
            ext_patient_id: claims.additional_claims().patient.ext_patient_id.clone(),
        })
    }

    /// Step 4: the authorization server's logout URL for this ID token,
    /// coming back to the app's base URL. `None` when it has none.
    pub fn end_session_url(&self, id_token: &str) -> Option<String> {
        let end_session = self.current().end_session.clone()?;
        let mut request = LogoutRequest::from(end_session);
        if let Ok(token) = id_token.parse::<openidconnect::core::CoreIdToken>() {
            request = request.set_id_token_hint(&token);
        }
        if let Ok(back) = PostLogoutRedirectUrl::new(self.config.base_url.clone()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url().to_string())
    }
}

async fn discover(http: &reqwest::Client, config: &Config) -> Result<Discovered, AppError> {
    let failed = |source: Cause| AppError::Discovery {
        url: format!("{}/.well-known/openid-configuration", config.issuer),
        source,
    };
    let issuer = IssuerUrl::new(config.issuer.clone()).map_err(|error| failed(error.into()))?;
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, http)
        .await
        .map_err(|error| failed(error.into()))?;
    let end_session = metadata.additional_metadata().end_session_endpoint.clone();
    let redirect = RedirectUrl::new(config.redirect_uri()).map_err(|error| {
        AppError::Config(format!("APP_BASE_URL gives a bad redirect URI: {error}"))
    })?;
    let client = PatientClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(
            config.client_secret.expose_secret().to_owned(),
        )),
    )
    .set_redirect_uri(redirect);
    Ok(Discovered {
        client,
        end_session,
    })
}

/// A failed code exchange, keeping the authorization server's words.
fn token_error<RE: std::error::Error + Send + Sync + 'static>(
    error: RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> AppError {
    match error {
        RequestTokenError::ServerResponse(response) => AppError::AuthorizationServer {
            error: response.error().as_ref().to_owned(),
            description: response.error_description().cloned(),
        },
        other => AppError::TokenRequest(other.into()),
    }
}
