//! Client assertions for `client_secret_jwt` and `private_key_jwt` client
//! authentication (RFC 7523 §2.2, §3; OIDC Core §9): a short-lived JWT whose
//! `iss` and `sub` are the client_id and whose `aud` is the token endpoint,
//! MAC'd with the client secret (HS256) or signed with the profile's
//! private key (ES256 for a P-256 key, RS256 for an RSA key).
//!
//! Every assertion is a secret: the caller hands it to the redactor before
//! it is sent, so neither it nor the key appears in a report.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::{StepError, Trial};
use crate::suite::{AuthMethod, ClientAuth, SecretChoice};
use crate::target::Client;

/// `client_assertion_type` for a JWT (RFC 7523 §2.2).
pub(super) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: OIDC Core §9 wants a short `exp`.
const LIFETIME_SECS: u64 = 60;

/// Why no assertion could be made.
#[derive(Debug, thiserror::Error)]
pub(super) enum AssertionError {
    #[error("the client key is not a usable PEM private key (P-256 or RSA): {0}")]
    Key(String),
    #[error("the client assertion could not be MAC'd: {0}")]
    Mac(String),
}

/// What the assertion is signed with.
pub(super) enum Signer<'a> {
    /// `client_secret_jwt`: HS256 with the secret.
    Secret(&'a str),
    /// `private_key_jwt`: a PEM private key.
    Pem(&'a str),
}

/// A fresh assertion for `client_id`, audience `audience`.
pub(super) fn assertion(
    client_id: &str,
    audience: &str,
    signer: Signer<'_>,
) -> Result<String, AssertionError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": crate::run::random_token(24),
        "iat": now,
        "exp": now + LIFETIME_SECS,
    });
    match signer {
        Signer::Secret(secret) => jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .map_err(|e| AssertionError::Mac(e.to_string())),
        Signer::Pem(pem) => {
            // The PEM says PKCS#8 for both key types: try P-256, then RSA.
            let ec = EncodingKey::from_ec_pem(pem.as_bytes()).and_then(|key| {
                jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key)
            });
            ec.or_else(|_| {
                EncodingKey::from_rsa_pem(pem.as_bytes()).and_then(|key| {
                    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key)
                })
            })
            .map_err(|e| AssertionError::Key(e.to_string()))
        }
    }
}

impl Trial<'_> {
    /// Adds a fresh assertion for `client` (as `id`) to `form`, signed as
    /// `method` says: `client_secret_jwt` MACs it with `secret`;
    /// `private_key_jwt` signs it with the profile's key — forged for a
    /// wrong or empty secret, MAC'd with another client's (or a literal)
    /// secret when the step names one.
    pub(super) fn add_assertion(
        &self,
        client: &Client,
        auth: &ClientAuth,
        method: AuthMethod,
        id: &str,
        secret: &str,
        form: &mut Vec<(String, String)>,
    ) -> Result<(), StepError> {
        let audience = &self.profile.endpoints.token;
        let signed = if method == AuthMethod::ClientSecretJwt {
            assertion(id, audience, Signer::Secret(secret))
        } else {
            let key = client.key.as_ref().ok_or_else(|| {
                StepError::Other(format!(
                    "the target profile gives client `{}` no `key` for private_key_jwt",
                    client.id
                ))
            })?;
            // A wrong or empty "secret" is a forged signature here;
            // another's secret (or a literal one) MACs the assertion.
            match &auth.secret {
                SecretChoice::Registered => assertion(id, audience, Signer::Pem(key.expose())),
                SecretChoice::Wrong | SecretChoice::Empty => {
                    assertion(id, audience, Signer::Pem(key.expose())).map(|jwt| corrupted(&jwt))
                }
                SecretChoice::Of(_) | SecretChoice::Value(_) => {
                    assertion(id, audience, Signer::Secret(secret))
                }
            }
        }
        .map_err(|e| StepError::Other(e.to_string()))?;
        self.redactor.add(&signed);
        form.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
        form.push(("client_assertion".into(), signed));
        Ok(())
    }
}

/// The assertion with its signature's last character changed: a forgery
/// that must not authenticate.
pub(super) fn corrupted(assertion: &str) -> String {
    let mut text = assertion.to_string();
    if let Some(last) = text.pop() {
        text.push(if last == 'A' { 'B' } else { 'A' });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../../fixtures/keys/client-ec-p256.pem");
    const PUBLIC: &str = include_str!("../../../fixtures/keys/client-ec-p256.pub.pem");
    const RSA: &str = include_str!("../../../fixtures/keys/rsa-2048.pem");

    fn claims(token: &str, key: &jsonwebtoken::DecodingKey, alg: Algorithm) -> serde_json::Value {
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_audience(&["https://as.example/token"]);
        validation.set_issuer(&["app"]);
        jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
            .unwrap()
            .claims
    }

    #[test]
    fn a_p256_key_signs_es256_assertions_that_verify() {
        let token = assertion("app", "https://as.example/token", Signer::Pem(KEY)).unwrap();
        let key = jsonwebtoken::DecodingKey::from_ec_pem(PUBLIC.as_bytes()).unwrap();
        let claims = claims(&token, &key, Algorithm::ES256);
        assert_eq!(claims["sub"], "app");
        assert!(claims["exp"].as_u64() > claims["iat"].as_u64());
        let key = jsonwebtoken::DecodingKey::from_ec_pem(PUBLIC.as_bytes()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://as.example/token"]);
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&corrupted(&token), &key, &validation)
                .is_err()
        );
    }

    #[test]
    fn rsa_keys_sign_rs256_and_secrets_hs256() {
        let token = assertion("app", "https://as.example/token", Signer::Pem(RSA)).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&token).unwrap().alg,
            Algorithm::RS256
        );
        let token = assertion("app", "https://as.example/token", Signer::Secret("s3cret")).unwrap();
        let key = jsonwebtoken::DecodingKey::from_secret(b"s3cret");
        assert_eq!(claims(&token, &key, Algorithm::HS256)["iss"], "app");
        assert!(matches!(
            assertion(
                "app",
                "a",
                Signer::Pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            ),
            Err(AssertionError::Key(_))
        ));
    }
}
