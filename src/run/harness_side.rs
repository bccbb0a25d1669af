//! Harness-side problems: results a broken check cannot judge the server by.
//!
//! A check may only become a `fail` (or `warn`) when the result it read is
//! evidence about the requirement. A JWK set the harness could not use, a
//! token endpoint answering 2xx with something that is not a token response
//! (no token was issued, so no refusal was broken), or a body cut at the
//! size cap are problems of the harness's view, not findings: the trial is an
//! `error` with the reason (issue 13 §3). Only the sentences live here; the
//! runner decides when to ask.

use serde_json::Value;

use crate::checks::{HttpExchange, StepResult};
use crate::suite::{Expect, Root, StepKind};

/// Why a broken `check` on a step's `result` says nothing about the server,
/// or `None` when the broken check is a real finding. `max_body` is the
/// profile's body cap, for the message.
pub(super) fn cannot_judge(
    kind: &StepKind,
    check: &Expect,
    result: &StepResult,
    max_body: usize,
) -> Option<String> {
    let reads_body = !check.json.is_empty() || !check.error.is_empty() || !check.fields.is_empty();
    if reads_body && let Some(note) = truncation_note(result, max_body) {
        return Some(note);
    }
    match (kind, result) {
        (StepKind::Token(_), StepResult::Http(exchange)) => not_a_token_response(exchange),
        // A hand-built request to the token endpoint is judged the same way.
        (StepKind::Request(r), StepResult::Http(exchange))
            if r.url.source.starts_with("${endpoint.token}") =>
        {
            not_a_token_response(exchange)
        }
        (StepKind::IdToken(_), StepResult::IdToken(jwt)) => {
            let about_signature = check
                .fields
                .iter()
                .any(|(path, _)| path.root == Root::Signature);
            let signature = jwt.signature.as_str();
            if about_signature && signature.starts_with("not checked") {
                return Some(format!(
                    "the ID token's signature could not be verified: {signature}"
                ));
            }
            // A hash claim under an `alg` without a known hash function.
            let about_hashes = check
                .fields
                .iter()
                .any(|(path, _)| path.root == Root::Hashes);
            jwt.hashes
                .iter()
                .find(|(_, verdict)| verdict.starts_with("not checked"))
                .filter(|_| about_hashes)
                .map(|(claim, verdict)| {
                    format!("the ID token's `{claim}` could not be checked: {verdict}")
                })
        }
        _ => None,
    }
}

/// The note for a body cut at the cap, or `None` when it was read whole.
pub(super) fn truncation_note(result: &StepResult, max_body: usize) -> Option<String> {
    result
        .http()
        .is_some_and(|h| h.truncated)
        .then(|| cap_note(max_body))
}

fn cap_note(max_body: usize) -> String {
    format!(
        "the response body was cut at the {max_body}-byte cap (`limits.max_body`), so only its start could be read"
    )
}

/// A 2xx token-endpoint result that issued no token: RFC 6749 §5.1 makes
/// `access_token` REQUIRED in a successful response, so without one nothing
/// was granted and no refusal requirement can have been broken.
fn not_a_token_response(exchange: &HttpExchange) -> Option<String> {
    let status = exchange.status;
    if !(200..300).contains(&status) {
        return None;
    }
    let issued = crate::checks::lookup(&exchange.json, &["access_token"])
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    (!issued).then(|| {
        format!(
            "the token endpoint answered HTTP {status} without an `access_token`: that is not a token response (RFC 6749 §5.1), no token was issued, so the check cannot be judged"
        )
    })
}

/// Why the target's JWK set cannot be used to verify anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum JwksError {
    #[error("the target profile has no `jwks` endpoint and discovery gave no `jwks_uri`")]
    NoEndpoint,
    #[error("the JWK set could not be fetched: {0}")]
    Fetch(String),
    #[error("the JWK set at `{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("the JWK set at `{url}` is unusable: {}", cap_note(*.max_body))]
    Truncated { url: String, max_body: usize },
    #[error("the JWK set at `{url}` is not JSON (RFC 7517 §5 requires a JSON object)")]
    NotJson { url: String },
    #[error("the document at `{url}` is not a JWK set (RFC 7517 §5): {reason}")]
    NotAJwkSet { url: String, reason: String },
}

/// The JWK set in the result of fetching `url`, or why it cannot be used to
/// verify anything (not found, not JSON, cut at the cap, not a JWK set).
pub(super) fn jwk_set(
    url: &str,
    exchange: &HttpExchange,
    max_body: usize,
) -> Result<Value, JwksError> {
    let url = url.to_string();
    let status = exchange.status;
    if !(200..300).contains(&status) {
        return Err(JwksError::Status { url, status });
    }
    if exchange.truncated {
        return Err(JwksError::Truncated { url, max_body });
    }
    let Some(json) = Some(&exchange.json).filter(|j| !j.is_null()) else {
        return Err(JwksError::NotJson { url });
    };
    serde_json::from_value::<jsonwebtoken::jwk::JwkSet>(json.clone()).map_err(|e| {
        JwksError::NotAJwkSet {
            url,
            reason: e.to_string(),
        }
    })?;
    Ok(json.clone())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn exchange(status: u16, json: Value, body: &str, truncated: bool) -> HttpExchange {
        HttpExchange {
            status,
            json,
            body: body.into(),
            truncated,
            ..HttpExchange::default()
        }
    }

    #[test]
    fn a_token_response_without_a_token_is_not_judged() {
        let junk = exchange(200, Value::Null, "<html>", false);
        assert!(not_a_token_response(&junk).is_some());
        let error_as_200 = exchange(200, json!({"error": "invalid_grant"}), "", false);
        assert!(not_a_token_response(&error_as_200).is_some());
        let issued = exchange(
            200,
            json!({"access_token": "abc", "token_type": "Bearer"}),
            "",
            false,
        );
        assert_eq!(not_a_token_response(&issued), None);
        let refused = exchange(400, json!({"error": "invalid_grant"}), "", false);
        assert_eq!(not_a_token_response(&refused), None);
    }

    #[test]
    fn unusable_jwk_sets_say_why() {
        let url = "http://as/jwks";
        let not_found = exchange(404, Value::Null, "", false);
        assert!(
            jwk_set(url, &not_found, 10)
                .unwrap_err()
                .to_string()
                .contains("404")
        );
        let html = exchange(200, Value::Null, "<html>", false);
        assert!(
            jwk_set(url, &html, 10)
                .unwrap_err()
                .to_string()
                .contains("not JSON")
        );
        let cut = exchange(200, Value::Null, "", true);
        assert!(
            jwk_set(url, &cut, 10)
                .unwrap_err()
                .to_string()
                .contains("10-byte cap")
        );
        let other = exchange(200, json!({"issuer": "x"}), "", false);
        assert!(
            jwk_set(url, &other, 10)
                .unwrap_err()
                .to_string()
                .contains("not a JWK set")
        );
        let empty = exchange(200, json!({"keys": []}), "", false);
        assert!(jwk_set(url, &empty, 10).is_ok());
    }
}
