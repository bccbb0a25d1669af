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

use crate::checks::{self, View};
use crate::suite::{Expect, StepKind};

/// Why a broken `check` on a step's `view` says nothing about the server,
/// or `None` when the broken check is a real finding. `max_body` is the
/// profile's body cap, for the message.
pub(super) fn cannot_judge(
    kind: &StepKind,
    check: &Expect,
    view: &View,
    max_body: usize,
) -> Option<String> {
    let reads_body = !check.json.is_empty() || !check.error.is_empty() || !check.fields.is_empty();
    if reads_body && let Some(note) = truncation_note(view, max_body) {
        return Some(note);
    }
    match kind {
        StepKind::Token(_) => not_a_token_response(view),
        // A hand-built request to the token endpoint is judged the same way.
        StepKind::Request(r) if r.url.source.starts_with("${endpoint.token}") => {
            not_a_token_response(view)
        }
        StepKind::IdToken(_) => {
            let about_signature = check
                .fields
                .iter()
                .any(|(path, _)| path.0.first().is_some_and(|p| p == "signature"));
            let signature = view.get("signature").and_then(Value::as_str).unwrap_or("");
            (about_signature && signature.starts_with("not checked"))
                .then(|| format!("the ID token's signature could not be verified: {signature}"))
        }
        _ => None,
    }
}

/// The note for a body cut at the cap, or `None` when it was read whole.
pub(super) fn truncation_note(view: &View, max_body: usize) -> Option<String> {
    (view.get("truncated") == Some(&Value::Bool(true))).then(|| {
        format!(
            "the response body was cut at the {max_body}-byte cap (`limits.max_body`), so only its start could be read"
        )
    })
}

/// A 2xx token-endpoint result that issued no token: RFC 6749 §5.1 makes
/// `access_token` REQUIRED in a successful response, so without one nothing
/// was granted and no refusal requirement can have been broken.
fn not_a_token_response(view: &View) -> Option<String> {
    let status = view.get("status").and_then(Value::as_u64)?;
    if !(200..300).contains(&status) {
        return None;
    }
    let issued = checks::lookup(view, &["json", "access_token"])
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    (!issued).then(|| {
        format!(
            "the token endpoint answered HTTP {status} without an `access_token`: that is not a token response (RFC 6749 §5.1), no token was issued, so the check cannot be judged"
        )
    })
}

/// The JWK set in the result of fetching `url`, or why it cannot be used to
/// verify anything (not found, not JSON, cut at the cap, not a JWK set).
pub(super) fn jwk_set(url: &str, view: &View, max_body: usize) -> Result<Value, String> {
    let status = view.get("status").and_then(Value::as_u64).unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(format!("the JWK set at `{url}` answered HTTP {status}"));
    }
    if let Some(note) = truncation_note(view, max_body) {
        return Err(format!("the JWK set at `{url}` is unusable: {note}"));
    }
    let json = view.get("json").filter(|j| !j.is_null()).ok_or_else(|| {
        format!("the JWK set at `{url}` is not JSON (RFC 7517 §5 requires a JSON object)")
    })?;
    serde_json::from_value::<jsonwebtoken::jwk::JwkSet>(json.clone())
        .map_err(|e| format!("the document at `{url}` is not a JWK set (RFC 7517 §5): {e}"))?;
    Ok(json.clone())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_token_response_without_a_token_is_not_judged() {
        let junk = json!({"status": 200, "json": null, "body": "<html>", "truncated": false});
        assert!(not_a_token_response(&junk).is_some());
        let error_as_200 = json!({"status": 200, "json": {"error": "invalid_grant"}});
        assert!(not_a_token_response(&error_as_200).is_some());
        let issued =
            json!({"status": 200, "json": {"access_token": "abc", "token_type": "Bearer"}});
        assert_eq!(not_a_token_response(&issued), None);
        let refused = json!({"status": 400, "json": {"error": "invalid_grant"}});
        assert_eq!(not_a_token_response(&refused), None);
    }

    #[test]
    fn unusable_jwk_sets_say_why() {
        let url = "http://as/jwks";
        let not_found = json!({"status": 404, "json": null, "truncated": false});
        assert!(jwk_set(url, &not_found, 10).unwrap_err().contains("404"));
        let html = json!({"status": 200, "json": null, "body": "<html>", "truncated": false});
        assert!(jwk_set(url, &html, 10).unwrap_err().contains("not JSON"));
        let cut = json!({"status": 200, "json": null, "truncated": true});
        assert!(jwk_set(url, &cut, 10).unwrap_err().contains("10-byte cap"));
        let other = json!({"status": 200, "json": {"issuer": "x"}, "truncated": false});
        assert!(
            jwk_set(url, &other, 10)
                .unwrap_err()
                .contains("not a JWK set")
        );
        let empty = json!({"status": 200, "json": {"keys": []}, "truncated": false});
        assert!(jwk_set(url, &empty, 10).is_ok());
    }
}
