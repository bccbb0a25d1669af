//! The server's signing keys: fixed TEST-ONLY keys embedded from
//! `fixtures/keys/`, loaded once per process, and the public JWK set built
//! from them.
//!
//! Keys are never generated at startup (tests start many servers, and startup
//! must stay far below a second). The JWK set holds public members only; the
//! two "unpublished" keys exist solely for the `idtoken.signature` flaw.

use std::sync::{Arc, OnceLock};

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;

use crate::server::error::ServerError;

const RSA_PEM: &[u8] = include_bytes!("../../fixtures/keys/rsa-2048.pem");
const EC_PEM: &[u8] = include_bytes!("../../fixtures/keys/ec-p256.pem");
const RSA_UNPUBLISHED_PEM: &[u8] = include_bytes!("../../fixtures/keys/rsa-2048-unpublished.pem");
const EC_UNPUBLISHED_PEM: &[u8] = include_bytes!("../../fixtures/keys/ec-p256-unpublished.pem");
/// The private members of `rsa-2048.pem` as JWK members: published only by
/// the `meta.jwks-public-only` flaw.
pub const RSA_PRIVATE_MEMBERS: &str =
    include_str!("../../fixtures/keys/rsa-2048-private-members.json");

/// One private key with the `kid` it is published under.
pub struct SigningKey {
    pub alg: Algorithm,
    pub kid: String,
    key: EncodingKey,
}

/// All embedded keys and the published JWK set.
pub struct Keys {
    rs256: SigningKey,
    es256: SigningKey,
    rs256_unpublished: EncodingKey,
    es256_unpublished: EncodingKey,
    /// Verifies our own RS256 JWT access tokens.
    pub rs256_verify: DecodingKey,
    /// Verifies them under the `jwt-at.signature` flaw.
    pub rs256_unpublished_verify: DecodingKey,
    /// The JWK set served at `/jwks` (public keys only).
    pub jwks: JwkSet,
}

/// Which key signs: the published one, or the unpublished one that wears the
/// published key's `kid` (flaw `idtoken.signature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    Published,
    Unpublished,
}

static KEYS: OnceLock<Result<Keys, Arc<jsonwebtoken::errors::Error>>> = OnceLock::new();

/// The process-wide keys, parsed on first use.
pub fn keys() -> Result<&'static Keys, ServerError> {
    KEYS.get_or_init(|| Keys::load().map_err(Arc::new))
        .as_ref()
        .map_err(|error| ServerError::Keys(error.clone()))
}

impl Keys {
    fn load() -> Result<Keys, jsonwebtoken::errors::Error> {
        let rs256 = EncodingKey::from_rsa_pem(RSA_PEM)?;
        let es256 = EncodingKey::from_ec_pem(EC_PEM)?;
        let rs256_jwk = public_jwk(&rs256, Algorithm::RS256)?;
        let es256_jwk = public_jwk(&es256, Algorithm::ES256)?;
        let rs256_verify = DecodingKey::from_jwk(&rs256_jwk)?;
        let rs256 = SigningKey {
            alg: Algorithm::RS256,
            kid: rs256_jwk.common.key_id.clone().unwrap_or_default(),
            key: rs256,
        };
        let es256 = SigningKey {
            alg: Algorithm::ES256,
            kid: es256_jwk.common.key_id.clone().unwrap_or_default(),
            key: es256,
        };
        let rs256_unpublished = EncodingKey::from_rsa_pem(RSA_UNPUBLISHED_PEM)?;
        let rs256_unpublished_verify =
            DecodingKey::from_jwk(&public_jwk(&rs256_unpublished, Algorithm::RS256)?)?;
        Ok(Keys {
            rs256,
            es256,
            rs256_unpublished,
            rs256_unpublished_verify,
            es256_unpublished: EncodingKey::from_ec_pem(EC_UNPUBLISHED_PEM)?,
            rs256_verify,
            jwks: JwkSet {
                keys: vec![rs256_jwk, es256_jwk],
            },
        })
    }

    /// The published key for an algorithm (RS256 or ES256).
    pub fn published(&self, alg: Algorithm) -> &SigningKey {
        match alg {
            Algorithm::ES256 => &self.es256,
            _ => &self.rs256,
        }
    }

    /// Signs `claims` as a JWS with `alg`, the published `kid` and header `typ`.
    pub fn sign<T: Serialize>(
        &self,
        alg: Algorithm,
        typ: &str,
        claims: &T,
        choice: KeyChoice,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let published = self.published(alg);
        let key = match (choice, published.alg) {
            (KeyChoice::Published, _) => &published.key,
            (KeyChoice::Unpublished, Algorithm::ES256) => &self.es256_unpublished,
            (KeyChoice::Unpublished, _) => &self.rs256_unpublished,
        };
        let mut header = Header::new(published.alg);
        header.typ = Some(typ.to_string());
        header.kid = Some(published.kid.clone());
        jsonwebtoken::encode(&header, claims, key)
    }
}

/// The public JWK of a private key, with `use: sig`, `alg`, and its RFC 7638
/// thumbprint as `kid` (stable, and unique per key).
fn public_jwk(key: &EncodingKey, alg: Algorithm) -> Result<Jwk, jsonwebtoken::errors::Error> {
    let mut jwk = Jwk::from_encoding_key(key, alg)?;
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_id = Some(jwk.thumbprint(ThumbprintHash::SHA256)?);
    Ok(jwk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_holds_public_members_only() {
        let keys = keys().unwrap();
        let json = serde_json::to_value(&keys.jwks).unwrap();
        let list = json["keys"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        for key in list {
            for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(key.get(private).is_none(), "{private} published: {key}");
            }
            assert!(key["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
        }
        assert_ne!(list[0]["kid"], list[1]["kid"]);
    }
}
