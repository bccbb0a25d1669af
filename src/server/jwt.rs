//! Signed tokens: OIDC ID tokens (OIDC Core §2, §3.1.3.6) and JWT access
//! tokens (RFC 9068 shape), plus reading back our own JWT access tokens.
//!
//! Only signing and claims live here; which tokens exist and whether they are
//! still valid is the store's business (a JWT access token is checked by its
//! signature *and* by its `jti` being remembered, so revocation works). The
//! `idtoken.nonce` and `idtoken.signature` flaws are applied here.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use crate::server::config::{IdTokenAlg, UserConfig};
use crate::server::flaw::Flaw;
use crate::server::keys::KeyChoice;
use crate::server::state::AppState;

/// The nonce the `idtoken.nonce` flaw puts in when none was sent.
const INVENTED_NONCE: &str = "invented-by-the-server";

/// What an ID token says, apart from times and hashes.
pub struct IdTokenInput<'a> {
    pub sub: &'a str,
    pub client_id: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: Option<u64>,
    pub scope: &'a [String],
    /// The access token issued with it (for `at_hash`).
    pub access_token: &'a str,
    /// The code it was issued for (for `c_hash`), on the code grant only.
    pub code: Option<&'a str>,
    pub iat: u64,
    pub exp: u64,
}

#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    azp: &'a str,
    exp: u64,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    c_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

/// Signs an ID token for the configured algorithm.
pub fn id_token(
    state: &AppState,
    input: &IdTokenInput,
) -> Result<String, jsonwebtoken::errors::Error> {
    let user = state.config.user_by_sub(input.sub);
    let has = |scope: &str| input.scope.iter().any(|s| s == scope);
    // The `idtoken.nonce` flaw gets the nonce wrong both ways on the code
    // grant: the one sent is dropped, and one is invented when none was sent.
    let nonce = match (state.has(Flaw::IdTokenNonce), input.nonce) {
        (false, nonce) => nonce,
        (true, Some(_)) => None,
        (true, None) if input.code.is_some() => Some(INVENTED_NONCE),
        (true, None) => None,
    };
    // The `idtoken.iss`, `idtoken.aud-azp` and `idtoken.exp-iat` flaws each
    // get one claim wrong.
    let iss = if state.has(Flaw::IdTokenIss) {
        format!("{}/", state.issuer)
    } else {
        state.issuer.clone()
    };
    let aud = if state.has(Flaw::IdTokenAudAzp) {
        state.issuer.as_str()
    } else {
        input.client_id
    };
    let exp = if state.has(Flaw::IdTokenExpIat) {
        input.iat.saturating_sub(3600)
    } else {
        input.exp
    };
    // The `idtoken.refresh-consistency` flaw changes the subject of ID
    // tokens issued on refresh (the only ones without a code).
    // The `idtoken.sub` flaw names the user by username instead.
    let refreshed_sub;
    let sub = if state.has(Flaw::IdTokenRefreshConsistency) && input.code.is_none() {
        refreshed_sub = format!("{}-refreshed", input.sub);
        refreshed_sub.as_str()
    } else if state.has(Flaw::IdTokenSub) {
        user.map_or(input.sub, |user| user.username.as_str())
    } else {
        input.sub
    };
    let claims = IdTokenClaims {
        iss: &iss,
        sub,
        aud,
        azp: input.client_id,
        exp,
        iat: input.iat,
        auth_time: input.auth_time,
        nonce,
        // The `idtoken.hash-claims` flaw hashes without halving.
        at_hash: if state.has(Flaw::IdTokenHashClaims) {
            URL_SAFE_NO_PAD.encode(digest::digest(
                &digest::SHA256,
                input.access_token.as_bytes(),
            ))
        } else {
            half_hash(input.access_token)
        },
        c_hash: input.code.map(half_hash),
        name: user
            .filter(|_| has("profile"))
            .and_then(|u| u.name.as_deref()),
        email: user
            .filter(|_| has("email"))
            .and_then(|u| u.email.as_deref()),
    };
    // The `idtoken.alg-not-none` flaw sends the claims unsigned.
    if state.has(Flaw::IdTokenAlgNotNone) {
        return Ok(unsigned(&claims));
    }
    let client = state.client(input.client_id);
    let alg = client.map_or(state.config.id_token_alg, |client| {
        state.config.id_token_alg_for(client)
    });
    let alg = match alg {
        IdTokenAlg::RS256 => Algorithm::RS256,
        IdTokenAlg::ES256 => Algorithm::ES256,
        IdTokenAlg::HS256 => {
            let secret = client.and_then(|client| client.secret.as_ref());
            return sign_hs256(state, &claims, secret.map(|s| s.expose()));
        }
    };
    let choice = if state.has(Flaw::IdTokenSignature) {
        KeyChoice::Unpublished
    } else {
        KeyChoice::Published
    };
    state.keys.sign(alg, "JWT", &claims, choice)
}

/// An unsecured JWT (`alg: none`, empty signature; RFC 7519 §6), only for
/// the `idtoken.alg-not-none` flaw.
fn unsigned(claims: &IdTokenClaims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    format!("{header}.{payload}.")
}

/// OIDC Core §10.1: "the octets of the UTF-8 representation of the
/// client_secret corresponding to the client_id … are used as the key to
/// validate the signature". The `idtoken.signature` flaw MACs with another
/// key instead.
fn sign_hs256(
    state: &AppState,
    claims: &IdTokenClaims,
    secret: Option<&str>,
) -> Result<String, jsonwebtoken::errors::Error> {
    let Some(secret) = secret else {
        // The configuration check refuses HS256 for a client without a secret.
        return Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into());
    };
    let mut key = secret.as_bytes().to_vec();
    if state.has(Flaw::IdTokenSignature) {
        key.extend_from_slice(b"-unpublished");
    }
    let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
    header.typ = Some("JWT".to_string());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(&key),
    )
}

/// Claims of a JWT access token (RFC 9068 §2.2).
#[derive(Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub scope: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl AccessClaims {
    /// Adds the user's profile claims.
    pub fn with_user(mut self, user: Option<&UserConfig>) -> AccessClaims {
        if let Some(user) = user {
            self.name = user.name.clone();
            self.email = user.email.clone();
        }
        self
    }
}

/// Signs a JWT access token with the published RS256 key (never affected by
/// the ID-token flaws) and `typ: at+jwt` (RFC 9068 §2.1). The `jwt-at.typ`
/// flaw writes `JWT`; `jwt-at.signature` signs with the unpublished key.
pub fn access_token(
    state: &AppState,
    claims: &AccessClaims,
) -> Result<String, jsonwebtoken::errors::Error> {
    let typ = if state.has(Flaw::JwtAtTyp) {
        "JWT"
    } else {
        "at+jwt"
    };
    let choice = if state.has(Flaw::JwtAtSignature) {
        KeyChoice::Unpublished
    } else {
        KeyChoice::Published
    };
    state.keys.sign(Algorithm::RS256, typ, claims, choice)
}

/// The `jti` of one of our JWT access tokens, if its signature verifies
/// (under `jwt-at.signature`, with the unpublished key that signed it, so
/// only the published signature is wrong). Expiry is not checked here: the
/// store's record decides that.
pub fn access_token_jti(state: &AppState, token: &str) -> Option<String> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = if state.has(Flaw::JwtAtSignature) {
        &state.keys.rs256_unpublished_verify
    } else {
        &state.keys.rs256_verify
    };
    jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .ok()
        .map(|data| data.claims.jti)
}

/// Left half of SHA-256, base64url (`at_hash`, `c_hash`; OIDC Core
/// §3.1.3.6, §3.3.2.11). Both supported algorithms use SHA-256.
pub fn half_hash(value: &str) -> String {
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
}
