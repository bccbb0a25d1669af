//! MAC-signed ID tokens (HS256/384/512): verified with the client secret,
//! never with the JWK set. OIDC Core §10.1: "Symmetric signatures … the
//! octets of the UTF-8 representation of the client_secret corresponding
//! to the client_id contained in the aud (audience) Claim are used as the
//! key to validate the signature."
//!
//! Kept apart from the JWK-set verification in `mod.rs`: the result has the
//! same shape (`header`, `claims`, `signature`, `times`), only the key and
//! its source differ.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The HMAC algorithm a token's header names, if it names one.
pub fn symmetric_alg(token: &str) -> Option<Algorithm> {
    let header = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?;
    let header: Value = serde_json::from_slice(&bytes).ok()?;
    match header.get("alg").and_then(Value::as_str)? {
        "HS256" => Some(Algorithm::HS256),
        "HS384" => Some(Algorithm::HS384),
        "HS512" => Some(Algorithm::HS512),
        _ => None,
    }
}

/// The client whose secret keys a MAC-signed ID token: `azp` when present
/// (OIDC Core §2: the party the token was issued to), else a single `aud`.
pub fn audience(claims: &Value) -> Option<String> {
    if let Some(azp) = claims.get("azp").and_then(Value::as_str) {
        return Some(azp.to_string());
    }
    match claims.get("aud")? {
        Value::String(aud) => Some(aud.clone()),
        Value::Array(list) if list.len() == 1 => list[0].as_str().map(str::to_string),
        _ => None,
    }
}

/// `valid`, or why the MAC does not verify with `secret`.
pub fn signature_verdict(token: &str, alg: Algorithm, secret: &str) -> String {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(secret.as_bytes());
    match jsonwebtoken::decode::<Value>(token, &key, &validation) {
        Ok(_) => "valid".into(),
        Err(e) => format!("invalid: the MAC does not verify with the client secret ({e})"),
    }
}

/// Decodes `token` (as [`super::verify`] does) and judges its MAC with the
/// secret of the client `secret_of` names; `Err` when the token is not a
/// JWS or no secret is known for its audience (the harness cannot judge).
pub fn verify(
    token: &str,
    alg: Algorithm,
    secret_of: impl Fn(&str) -> Option<String>,
) -> Result<super::VerifiedJwt, super::JwtError> {
    let mut view = super::verify(token, None)?;
    let audience = audience(&view.claims).ok_or_else(|| {
        super::JwtError::NoSecret(
            "the ID token is MAC-signed but names no single audience whose secret could verify it"
                .to_string(),
        )
    })?;
    let secret = secret_of(&audience).ok_or_else(|| {
        super::JwtError::NoSecret(format!(
            "the ID token is MAC-signed for client `{audience}`, whose secret the target profile does not have"
        ))
    })?;
    view.signature = signature_verdict(token, alg, &secret);
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    fn mac(claims: &Value, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn the_client_secret_verifies_and_another_does_not() {
        let token = mac(&json!({"aud": "app", "sub": "x"}), "s3cret");
        assert_eq!(symmetric_alg(&token), Some(Algorithm::HS256));
        let secret_of = |id: &str| (id == "app").then(|| "s3cret".to_string());
        let view = verify(&token, Algorithm::HS256, secret_of).unwrap();
        assert_eq!(view.signature, "valid");
        let wrong = mac(&json!({"aud": "app"}), "other");
        let view = verify(&wrong, Algorithm::HS256, secret_of).unwrap();
        assert!(view.signature.starts_with("invalid"));
    }

    #[test]
    fn an_unknown_audience_cannot_be_judged() {
        let token = mac(&json!({"aud": ["a", "b"]}), "k");
        assert!(verify(&token, Algorithm::HS256, |_| Some("k".into())).is_err());
        let token = mac(&json!({"aud": "nobody"}), "k");
        assert!(verify(&token, Algorithm::HS256, |_| None).is_err());
    }

    #[test]
    fn asymmetric_tokens_are_not_symmetric() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        assert_eq!(symmetric_alg(&format!("{header}.e30.x")), None);
    }
}
