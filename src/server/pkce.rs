//! PKCE (RFC 7636): checking a challenge at the authorization endpoint and a
//! verifier at the token endpoint, with the `pkce.*` flaws.
//!
//! Only S256 is accepted by default (RFC 9700 §2.1.1, OAuth 2.1 §4.1.1); the
//! method is bound at authorization and never taken from the token request.
//! This file returns verdicts; the endpoints turn them into OAuth errors.

pub use crate::oauth::pkce::s256;
use crate::server::config::Config;
use crate::server::flaw::Flaw;

/// A transformation bound to a code at authorization time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    S256,
    /// Only reachable with the `pkce.s256-required` flaw.
    Plain,
}

/// A challenge accepted at the authorization endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub value: String,
    pub method: Method,
}

/// Why an authorization request's PKCE parameters were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    #[error("code_challenge is malformed")]
    Malformed,
    #[error("code_challenge_method was sent without code_challenge")]
    MethodWithoutChallenge,
}

/// Why a token request's verifier was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    #[error("code_verifier is required for this code")]
    Missing,
    #[error("code_verifier is malformed")]
    Malformed,
    #[error("code_verifier does not match the code_challenge")]
    Mismatch,
    /// RFC 9700 §4.8.2: a verifier for a code without a challenge means an
    /// attacker may have swapped the code; OAuth 2.1 §4.1.3 says refuse.
    #[error("code_verifier was sent but the authorization request had no code_challenge")]
    Unexpected,
}

/// Checks `code_challenge` / `code_challenge_method` (RFC 7636 §4.2, §4.3).
pub fn check_challenge(
    config: &Config,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<Challenge>, ChallengeError> {
    let Some(value) = challenge else {
        return match method {
            Some(_) => Err(ChallengeError::MethodWithoutChallenge),
            None => Ok(None),
        };
    };
    // RFC 7636 §4.3: an absent method means plain.
    let method = match method {
        Some("S256") => Method::S256,
        Some("plain") | None if config.has(Flaw::PkceS256Required) => Method::Plain,
        // The `pkce.unsupported-method` flaw ignores a method it does not know.
        Some(other) if other != "plain" && config.has(Flaw::PkceUnsupportedMethod) => Method::S256,
        _ => return Err(ChallengeError::UnsupportedMethod),
    };
    // The `pkce.syntax` flaw binds whatever came.
    if config.has(Flaw::PkceSyntax) {
        return Ok(Some(Challenge {
            value: value.to_string(),
            method,
        }));
    }
    let well_formed = match method {
        // BASE64URL(SHA256(verifier)) is always 43 characters.
        Method::S256 => {
            value.len() == 43
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        Method::Plain => is_verifier_syntax(value),
    };
    if !well_formed {
        return Err(ChallengeError::Malformed);
    }
    Ok(Some(Challenge {
        value: value.to_string(),
        method,
    }))
}

/// Checks a token request's `code_verifier` against what the code is bound to
/// (RFC 7636 §4.6).
pub fn check_verifier(
    config: &Config,
    bound: Option<&Challenge>,
    verifier: Option<&str>,
) -> Result<(), VerifierError> {
    let Some(challenge) = bound else {
        return match verifier {
            Some(_) if !config.has(Flaw::PkceDowngrade) => Err(VerifierError::Unexpected),
            _ => Ok(()),
        };
    };
    let Some(verifier) = verifier else {
        return if config.has(Flaw::PkceMissingVerifier) {
            Ok(())
        } else {
            Err(VerifierError::Missing)
        };
    };
    if !is_verifier_syntax(verifier) {
        return Err(VerifierError::Malformed);
    }
    if config.has(Flaw::PkceWrongVerifier) {
        return Ok(());
    }
    let matched = match challenge.method {
        Method::S256 => {
            crate::oauth::same_secret(&s256(verifier), &challenge.value)
                || (config.has(Flaw::PkcePlainDowngrade) && verifier == challenge.value)
        }
        Method::Plain => verifier == challenge.value,
    };
    if matched {
        Ok(())
    } else {
        Err(VerifierError::Mismatch)
    }
}

/// 43–128 unreserved characters (RFC 7636 §4.1).
fn is_verifier_syntax(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn rfc7636_appendix_b_example() {
        assert_eq!(
            s256(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn challenge_rules() {
        let config = Config::default();
        let good = s256(VERIFIER);
        assert!(check_challenge(&config, Some(&good), Some("S256")).is_ok());
        for (challenge, method) in [
            (good.as_str(), Some("plain")),
            (good.as_str(), None),
            (good.as_str(), Some("s256")),
            (good.as_str(), Some("S512")),
        ] {
            assert_eq!(
                check_challenge(&config, Some(challenge), method),
                Err(ChallengeError::UnsupportedMethod)
            );
        }
        for bad in [&good[..42], "a+b/c=".repeat(8).as_str(), &"a".repeat(44)] {
            assert_eq!(
                check_challenge(&config, Some(bad), Some("S256")),
                Err(ChallengeError::Malformed)
            );
        }
    }

    #[test]
    fn verifier_rules() {
        let config = Config::default();
        let bound = check_challenge(&config, Some(&s256(VERIFIER)), Some("S256"))
            .unwrap()
            .unwrap();
        assert_eq!(
            check_verifier(&config, Some(&bound), Some(VERIFIER)),
            Ok(())
        );
        assert_eq!(
            check_verifier(&config, Some(&bound), None),
            Err(VerifierError::Missing)
        );
        assert_eq!(
            check_verifier(&config, Some(&bound), Some(&bound.value)),
            Err(VerifierError::Mismatch)
        );
        assert_eq!(
            check_verifier(&config, Some(&bound), Some("short")),
            Err(VerifierError::Malformed)
        );
        assert_eq!(
            check_verifier(&config, None, Some(VERIFIER)),
            Err(VerifierError::Unexpected)
        );
        assert_eq!(check_verifier(&config, None, None), Ok(()));
    }
}
