//! JWT client assertions at the back-channel endpoints: `client_secret_jwt`
//! (HS256/384/512 with the client secret) and `private_key_jwt` (RS256 or
//! ES256 with the client's registered public key), as RFC 7523 §3 and OIDC
//! Core §9 have the authorization server check them: `iss` and `sub` are
//! the client_id, `aud` names this server (its issuer or one of its
//! back-channel endpoint URLs), `exp` is present and not past.
//!
//! Replayed `jti`s are not tracked (RFC 7523 §3 item 7 makes that a MAY).
//! No part of an assertion appears in an error description.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::server::config::{AuthMethod, ClientConfig};
use crate::server::oauth_error::OAuthError;
use crate::server::state::AppState;

/// `client_assertion_type` for a JWT (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client an assertion names (`sub`, else `iss`), read without
/// verifying it: verification needs the client's key first.
pub fn named_client(jwt: &str) -> Result<String, OAuthError> {
    let bad = || OAuthError::invalid_client("the client assertion is not a JWT");
    let payload = jwt.split('.').nth(1).ok_or_else(bad)?;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| bad())?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    claims
        .get("sub")
        .or_else(|| claims.get("iss"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(bad)
}

/// Verifies `jwt` as an assertion of `client` (registered for a JWT method).
pub fn verify(state: &AppState, client: &ClientConfig, jwt: &str) -> Result<(), OAuthError> {
    let failed =
        || OAuthError::invalid_client("client authentication failed: invalid client assertion");
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| failed())?;
    let key = match (client.auth_method, header.alg) {
        (AuthMethod::ClientSecretJwt, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) => {
            let secret = client.secret.as_ref().ok_or_else(failed)?;
            DecodingKey::from_secret(secret.expose().as_bytes())
        }
        (AuthMethod::PrivateKeyJwt, Algorithm::ES256) => {
            let pem = client.public_key.as_deref().ok_or_else(failed)?;
            DecodingKey::from_ec_pem(pem.as_bytes()).map_err(|_| failed())?
        }
        (AuthMethod::PrivateKeyJwt, Algorithm::RS256) => {
            let pem = client.public_key.as_deref().ok_or_else(failed)?;
            DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| failed())?
        }
        _ => return Err(failed()),
    };
    let paths = &state.config.paths;
    let audiences = [
        state.issuer.clone(),
        state.url(&paths.token),
        state.url(&paths.revoke),
        state.url(&paths.introspect),
    ];
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&audiences);
    validation.set_issuer(&[client.id.as_str()]);
    validation.sub = Some(client.id.clone());
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).map_err(|_| failed())?;
    Ok(())
}
