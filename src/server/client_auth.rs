//! Client authentication at the back-channel endpoints (token, revocation,
//! introspection): exactly one method per request, and only the method the
//! client registered (RFC 6749 §2.3, §3.2.1; OAuth 2.1 §2.4).
//!
//! The `client-auth.*` flaws live here and only here, and apply at the token
//! endpoint only, where the catalogue tests them: revocation and
//! introspection keep checking properly, so their own scenarios stay intact.
//! Secrets are compared in constant time and never appear in an error
//! description.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::server::client_assertion;
use crate::server::config::{AuthMethod, ClientConfig};
use crate::server::flaw::Flaw;
use crate::server::oauth_error::OAuthError;
use crate::server::params::{Params, decode_component};
use crate::server::state::AppState;

/// The endpoint asking, which decides who may call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Public clients identify with `client_id` (RFC 6749 §3.2.1); the
    /// `client-auth.*` flaws apply here.
    Token,
    /// Public clients identify with `client_id` (RFC 7009 §2.1).
    Revocation,
    /// Only real authentication counts (RFC 7662 §2.1).
    Introspection,
}

impl Endpoint {
    fn allows_public(self) -> bool {
        self != Endpoint::Introspection
    }
}

/// Credentials as presented, before checking them.
enum Presented {
    Basic {
        id: String,
        secret: String,
    },
    Post {
        id: String,
        secret: String,
    },
    IdOnly {
        id: String,
    },
    /// A JWT assertion (RFC 7523 §2.2) naming this client.
    Assertion {
        id: String,
        jwt: String,
    },
    Nothing,
}

/// Whether a request carries any client credentials or identification.
pub fn has_credentials(headers: &HeaderMap, params: &Params) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || params.contains("client_id")
        || params.contains("client_secret")
        || params.contains("client_assertion")
}

/// Authenticates the calling client, or says why not.
pub fn authenticate<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    params: &Params,
    endpoint: Endpoint,
) -> Result<&'a ClientConfig, OAuthError> {
    let flawed = |flaw: Flaw| endpoint == Endpoint::Token && state.has(flaw);
    let basic_wins = flawed(Flaw::ClientAuthMultipleMethods);
    let (client, method, secret) = match present(headers, params, basic_wins)? {
        Presented::Basic { id, secret } => {
            (known(state, &id)?, AuthMethod::ClientSecretBasic, secret)
        }
        Presented::Post { id, secret } => {
            (known(state, &id)?, AuthMethod::ClientSecretPost, secret)
        }
        Presented::IdOnly { id } => {
            let client = known(state, &id)?;
            return match client.auth_method {
                AuthMethod::None if endpoint.allows_public() => Ok(client),
                AuthMethod::None => Err(OAuthError::invalid_client(
                    "public clients cannot use this endpoint",
                )),
                _ if flawed(Flaw::ClientAuthMissingSecret) => Ok(client),
                _ => Err(OAuthError::invalid_client(
                    "client authentication failed: this client must authenticate with its secret",
                )),
            };
        }
        Presented::Assertion { id, jwt } => {
            let client = known(state, &id)?;
            return match client.auth_method {
                AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt => {
                    client_assertion::verify(state, client, &jwt).map(|()| client)
                }
                registered => Err(OAuthError::invalid_client(format!(
                    "client authentication failed: this client is registered for {}",
                    registered.as_str()
                ))),
            };
        }
        Presented::Nothing => {
            return Err(OAuthError::invalid_client(
                "client authentication is required",
            ));
        }
    };
    // The `client-auth.method-mismatch` flaw takes either secret method.
    if client.auth_method != method && !flawed(Flaw::ClientAuthMethodMismatch) {
        return Err(OAuthError::invalid_client(format!(
            "client authentication failed: this client is registered for {}",
            client.auth_method.as_str()
        )));
    }
    if secret_ok(state, client, &secret, flawed) {
        return Ok(client);
    }
    // RFC 6749 §2.3.1: guessing is throttled at the token endpoint (the
    // `client-auth.bruteforce` flaw never throttles).
    if endpoint == Endpoint::Token
        && !state.has(Flaw::ClientAuthBruteforce)
        && let Some(wait) = state.throttle.failed(&client.id, std::time::Instant::now())
    {
        let mut error =
            OAuthError::invalid_client("too many failed client authentications: try again later");
        error.retry_after = Some(wait.as_secs().max(1));
        return Err(error);
    }
    Err(OAuthError::invalid_client("client authentication failed"))
}

/// Reads the credentials, refusing two methods at once (RFC 6749 §2.3,
/// §5.2) — unless `basic_wins` (the `client-auth.multiple-methods` flaw):
/// then a body secret next to Basic is ignored.
fn present(
    headers: &HeaderMap,
    params: &Params,
    basic_wins: bool,
) -> Result<Presented, OAuthError> {
    let body_id = params.get("client_id")?;
    let body_secret = params.get("client_secret")?;
    let mut authorizations = headers.get_all(header::AUTHORIZATION).iter();
    let authorization = authorizations.next();
    if authorizations.next().is_some() {
        return Err(OAuthError::invalid_request(
            "more than one Authorization header",
        ));
    }
    if let Some(jwt) = params.get("client_assertion")? {
        if params.get("client_assertion_type")? != Some(client_assertion::ASSERTION_TYPE) {
            return Err(OAuthError::invalid_client(
                "unsupported client_assertion_type",
            ));
        }
        if authorization.is_some() || body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "more than one client authentication method was used",
            ));
        }
        let id = client_assertion::named_client(jwt)?;
        if body_id.is_some_and(|body_id| body_id != id) {
            return Err(OAuthError::invalid_client(
                "client_id does not match the authenticated client",
            ));
        }
        return Ok(Presented::Assertion {
            id,
            jwt: jwt.to_string(),
        });
    }
    if let Some(value) = authorization {
        let (id, secret) = parse_basic(value.as_bytes())?;
        if body_secret.is_some() && !basic_wins {
            return Err(OAuthError::invalid_request(
                "more than one client authentication method was used",
            ));
        }
        if body_id.is_some_and(|body_id| body_id != id) {
            return Err(OAuthError::invalid_client(
                "client_id does not match the authenticated client",
            ));
        }
        return Ok(Presented::Basic { id, secret });
    }
    Ok(match (body_id, body_secret) {
        (Some(id), Some(secret)) => Presented::Post {
            id: id.to_string(),
            secret: secret.to_string(),
        },
        (None, Some(_)) => {
            return Err(OAuthError::invalid_client(
                "client_secret was sent without client_id",
            ));
        }
        (Some(id), None) => Presented::IdOnly { id: id.to_string() },
        (None, None) => Presented::Nothing,
    })
}

/// HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1).
fn parse_basic(value: &[u8]) -> Result<(String, String), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let value = std::str::from_utf8(value).map_err(|_| bad())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "unsupported client authentication scheme",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let id = decode_component(id).map_err(|_| bad())?;
    let secret = decode_component(secret).map_err(|_| bad())?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((id, secret))
}

fn known<'a>(state: &'a AppState, id: &str) -> Result<&'a ClientConfig, OAuthError> {
    state
        .client(id)
        .ok_or_else(|| OAuthError::invalid_client("client authentication failed"))
}

/// Compares the presented secret with the client's, plus the flawed rules.
fn secret_ok(
    state: &AppState,
    client: &ClientConfig,
    presented: &str,
    flawed: impl Fn(Flaw) -> bool,
) -> bool {
    if presented.is_empty() {
        return false;
    }
    if client
        .secret
        .as_ref()
        .is_some_and(|own| own.matches(presented))
    {
        return true;
    }
    if flawed(Flaw::ClientAuthBadSecret) && client.is_confidential() {
        return true;
    }
    flawed(Flaw::ClientAuthOtherClientSecret)
        && state
            .config
            .clients
            .iter()
            .filter_map(|other| other.secret.as_ref())
            .any(|secret| secret.matches(presented))
}
