//! JOSE: decodes and verifies ID tokens against the issuer's JWK set.
//!
//! The header is read as JSON before any key is chosen, because a token that
//! says `alg: none` (or names a key the set lacks) is a finding to report,
//! not a parse error. Claims are returned as data; judging them is the
//! suites' job through matchers.

pub mod hmac;

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// Clock skew allowed when judging time claims against the harness's clock.
const CLOCK_SKEW_SECS: f64 = 60.0;

/// Why a token could not be read as a JWT at all (a signature or time
/// claim that does not verify is a verdict in the result, not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is not a compact JWS (three dot-separated parts)")]
    NotCompact,
    #[error("bad JWT {part}: {reason}")]
    BadPart { part: &'static str, reason: String },
    /// A MAC-signed token the harness cannot judge (`hmac::verify`).
    #[error("{0}")]
    NoSecret(String),
}

/// A decoded JWT and the harness's verdicts on it.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJwt {
    /// The JOSE header.
    pub header: Value,
    /// The claims (the payload).
    pub claims: Value,
    /// `valid`, or a sentence saying why not (`not checked: …` when the
    /// harness had no key to check it with).
    pub signature: String,
    /// `valid` when `exp` and `iat` are present, numeric and sane against
    /// the harness's clock (`exp` in the future and after `iat`, `iat` and
    /// `nbf` not in the future), or a sentence saying why not.
    pub times: String,
    /// Verdicts on `at_hash` / `c_hash` against the values a step named
    /// ([`hash_claim_verdict`]), by claim name; empty when none was named.
    pub hashes: std::collections::BTreeMap<String, String>,
}

/// Decodes `token` and judges its signature against `jwks` (none: "not
/// checked") and its time claims against the clock.
pub fn verify(token: &str, jwks: Option<&Value>) -> Result<VerifiedJwt, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotCompact);
    };
    let bad = |part| {
        move |e: PartError| JwtError::BadPart {
            part,
            reason: e.to_string(),
        }
    };
    let header = decode_json(header).map_err(bad("header"))?;
    let claims = decode_json(payload).map_err(bad("payload"))?;
    let signature = match jwks {
        None => "not checked: no JWK set".to_string(),
        Some(jwks) => signature_verdict(token, &header, jwks),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let times = times_verdict(&claims, now);
    Ok(VerifiedJwt {
        header,
        claims,
        signature,
        times,
        hashes: Default::default(),
    })
}

/// `valid` when the ID token's `claim` (`at_hash` or `c_hash`) is the
/// base64url left half of the hash of `value` with the hash function of the
/// token's `alg` (OIDC Core §3.1.3.6, §3.3.2.11); `absent` when the token
/// has no such claim; else a sentence saying why not.
pub fn hash_claim_verdict(jwt: &VerifiedJwt, claim: &str, value: &str) -> String {
    use aws_lc_rs::digest;
    let Some(found) = jwt.claims.get(claim) else {
        return "absent".into();
    };
    let Some(found) = found.as_str() else {
        return format!("invalid: `{claim}` is not a string");
    };
    let alg = jwt.header.get("alg").and_then(Value::as_str).unwrap_or("");
    // The hash of the JWS algorithm; EdDSA (Ed25519) uses SHA-512.
    let hash = match alg.get(2..) {
        Some("256") => &digest::SHA256,
        Some("384") => &digest::SHA384,
        Some("512") => &digest::SHA512,
        _ if alg == "EdDSA" => &digest::SHA512,
        _ => return format!("not checked: no hash function is known for `alg` `{alg}`"),
    };
    let digest = digest::digest(hash, value.as_bytes());
    let bytes = digest.as_ref();
    let expected = URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2]);
    if found == expected {
        "valid".into()
    } else {
        format!("invalid: `{claim}` is not the left half of the {alg} hash of the value")
    }
}

/// Why the time claims of a token are not sane (OIDC Core §2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum TimeProblem {
    #[error("invalid: `{0}` is not a number")]
    NotANumber(&'static str),
    #[error("invalid: `{0}` is missing")]
    Missing(&'static str),
    #[error("invalid: `exp` is {0:.0} s in the past")]
    Expired(f64),
    #[error("invalid: `exp` is not after `iat`")]
    ExpNotAfterIat,
    #[error("invalid: `{0}` is {1:.0} s in the future")]
    Future(&'static str, f64),
}

/// `valid`, or why the time claims are not (OIDC Core §2), at `now`.
fn times_verdict(claims: &Value, now: f64) -> String {
    match check_times(claims, now) {
        Ok(()) => "valid".into(),
        Err(why) => why.to_string(),
    }
}

fn check_times(claims: &Value, now: f64) -> Result<(), TimeProblem> {
    let number = |name: &'static str| -> Result<Option<f64>, TimeProblem> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or(TimeProblem::NotANumber(name)),
        }
    };
    let exp = number("exp")?.ok_or(TimeProblem::Missing("exp"))?;
    let iat = number("iat")?.ok_or(TimeProblem::Missing("iat"))?;
    if exp + CLOCK_SKEW_SECS <= now {
        return Err(TimeProblem::Expired(now - exp));
    }
    if exp <= iat {
        return Err(TimeProblem::ExpNotAfterIat);
    }
    if iat > now + CLOCK_SKEW_SECS {
        return Err(TimeProblem::Future("iat", iat - now));
    }
    if let Some(nbf) = number("nbf")?
        && nbf > now + CLOCK_SKEW_SECS
    {
        return Err(TimeProblem::Future("nbf", nbf - now));
    }
    Ok(())
}

/// Why a JWT part is not base64url JSON.
#[derive(Debug, thiserror::Error)]
enum PartError {
    #[error(transparent)]
    Base64(#[from] base64::DecodeError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// A base64url JSON part, or why it is not one.
fn decode_json(part: &str) -> Result<Value, PartError> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('='))?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn signature_verdict(token: &str, header: &Value, jwks: &Value) -> String {
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        return "invalid: `alg` is `none`".into();
    }
    let Ok(algorithm) = Algorithm::from_str(alg) else {
        return format!("invalid: unsupported `alg` `{alg}`");
    };
    let set: JwkSet = match serde_json::from_value(jwks.clone()) {
        Ok(set) => set,
        Err(e) => return format!("invalid: the JWK set does not parse: {e}"),
    };
    let kid = header.get("kid").and_then(Value::as_str);
    let jwk = match kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => return "invalid: no `kid` and the JWK set holds several keys".into(),
    };
    let Some(jwk) = jwk else {
        return format!(
            "invalid: no key with kid `{}` in the JWK set",
            kid.unwrap_or("")
        );
    };
    let key = match DecodingKey::from_jwk(jwk) {
        Ok(key) => key,
        Err(e) => return format!("invalid: the key does not load: {e}"),
    };
    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    match jsonwebtoken::decode::<Value>(token, &key, &validation) {
        Ok(_) => "valid".into(),
        Err(e) => format!("invalid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_claims_are_judged_by_the_alg_hash() {
        // OIDC Core §3.1.3.6: left half of SHA-256, base64url.
        let value = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.as_bytes());
        let half = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]);
        let jwt = |alg: &str| VerifiedJwt {
            header: json!({ "alg": alg }),
            claims: json!({ "at_hash": half }),
            signature: "valid".into(),
            times: "valid".into(),
            hashes: Default::default(),
        };
        let view = jwt("RS256");
        assert_eq!(hash_claim_verdict(&view, "at_hash", value), "valid");
        assert!(hash_claim_verdict(&view, "at_hash", "other").starts_with("invalid"));
        assert_eq!(hash_claim_verdict(&view, "c_hash", value), "absent");
        let es512 = jwt("ES512");
        assert!(hash_claim_verdict(&es512, "at_hash", value).starts_with("invalid"));
    }

    #[test]
    fn alg_none_is_reported_not_rejected() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        let view = verify(&format!("{header}.{payload}."), Some(&json!({"keys": []}))).unwrap();
        assert_eq!(view.signature, "invalid: `alg` is `none`");
        assert_eq!(view.claims["sub"], "x");
    }

    #[test]
    fn time_claims_are_judged_against_the_clock() {
        let now = 1_000_000.0;
        let verdict = |claims: Value| times_verdict(&claims, now);
        assert_eq!(verdict(json!({"iat": 999_990, "exp": 1_003_600})), "valid");
        assert_eq!(
            verdict(json!({"iat": 999_990.5, "exp": 1_003_600, "nbf": 999_990})),
            "valid"
        );
        assert_eq!(
            verdict(json!({"iat": 999_990})),
            "invalid: `exp` is missing"
        );
        assert_eq!(
            verdict(json!({"exp": 1_003_600})),
            "invalid: `iat` is missing"
        );
        assert_eq!(
            verdict(json!({"iat": 999_990, "exp": "1003600"})),
            "invalid: `exp` is not a number"
        );
        assert_eq!(
            verdict(json!({"iat": 999_990, "exp": 996_390})),
            "invalid: `exp` is 3610 s in the past"
        );
        assert_eq!(
            verdict(json!({"iat": 1_002_000, "exp": 1_001_000})),
            "invalid: `exp` is not after `iat`"
        );
        assert_eq!(
            verdict(json!({"iat": 1_000_600, "exp": 1_004_200})),
            "invalid: `iat` is 600 s in the future"
        );
        assert_eq!(
            verdict(json!({"iat": 999_990, "exp": 1_003_600, "nbf": 1_000_600})),
            "invalid: `nbf` is 600 s in the future"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(verify("not-a-jwt", None).is_err());
    }
}
