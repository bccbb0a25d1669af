//! Refusals judged by what the specifications judge: when a `check` wants a
//! request refused with a particular status and error code, the MUST is the
//! refusal itself — an error status and no token (RFC 6749 §5.2 for the
//! token endpoint, §4.1.2.1 for authorization errors). Which of the listed
//! codes a server picks, or 401/403 where 400 was expected, is at most a
//! SHOULD-level deviation: a server that refuses `code.bound-to-redirect-uri`
//! with `invalid_client` has still refused.
//!
//! [`deviation`] says whether a broken check is only such a deviation.
//! A status the check names other than 400 (e.g. the 401 that RFC 6749
//! §5.2 requires after failed Basic authentication) is never relaxed.

use std::borrow::Cow;

use crate::checks::{self, Env, StepResult};
use crate::run::vars::VarError;
use crate::suite::Expect;

/// `Some(sentence)` when `check` does not hold on `result` only because of
/// which error status or code the refusal carries: the result is a refusal
/// (an error status, an `error`, no token or code) that meets every other
/// part of the check.
pub(super) fn deviation(
    check: &Expect,
    result: &StepResult,
    env: &Env<'_>,
) -> Result<Option<String>, VarError> {
    let authorization = result.authorization();
    let wants_error = !check.error.is_empty();
    let only_400 = !check.status.is_empty() && check.status.iter().all(|s| *s == 400);
    if !wants_error && !only_400 {
        return Ok(None);
    }
    let status = result.status();
    let (error, issued) = match authorization {
        Some(a) => (
            a.param("error").map(Cow::Borrowed),
            a.param("code").is_some(),
        ),
        None => (
            result.json(&["error"]).map(checks::as_text),
            result.json(&["access_token"]).is_some(),
        ),
    };
    let refused = !issued
        && error.is_some()
        && (authorization.is_some() || status.is_some_and(|s| (400..500).contains(&s)));
    if !refused {
        return Ok(None);
    }
    let mut relaxed = check.clone();
    relaxed.error.clear();
    if only_400 {
        relaxed.status.clear();
    }
    if !checks::evaluate(&relaxed, result, env)?.is_empty() {
        return Ok(None);
    }
    let got = match (status, error) {
        (Some(status), Some(code)) if authorization.is_none() => format!("HTTP {status} `{code}`"),
        (_, Some(code)) => format!("`{code}`"),
        _ => "an error".to_string(),
    };
    Ok(Some(format!(
        "the request was refused (no token), as required, but with {got} instead of what RFC 6749 describes for this case"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::vars::Vars;
    use crate::suite::{Matcher, Template};
    use serde_json::json;

    fn refusal(status: Vec<u16>, error: &[&str]) -> Expect {
        Expect {
            status,
            error: error
                .iter()
                .map(|e| crate::oauth::ErrorCode::from_name(e).unwrap())
                .collect(),
            json: vec![("access_token".into(), Matcher::Absent)],
            ..Expect::default()
        }
    }

    fn http(value: serde_json::Value) -> StepResult {
        StepResult::http_for_tests(
            value["status"].as_u64().unwrap_or(0) as u16,
            value["json"].clone(),
        )
    }

    fn judge(check: &Expect, view: &StepResult) -> Option<String> {
        let profile = super::super::judge::tests::profile();
        let vars = Vars::default();
        let redactor = crate::redact::Redactor::new();
        let env = Env {
            vars: &vars,
            profile: &profile,
            redactor: &redactor,
        };
        deviation(check, view, &env).unwrap()
    }

    #[test]
    fn another_code_or_4xx_is_a_deviation() {
        let check = refusal(vec![400], &["invalid_grant"]);
        let view = http(json!({"status": 401, "json": {"error": "invalid_client"}}));
        assert!(
            judge(&check, &view)
                .unwrap()
                .contains("HTTP 401 `invalid_client`")
        );
    }

    #[test]
    fn a_token_or_a_success_is_never_a_deviation() {
        let check = refusal(vec![400], &["invalid_grant"]);
        let issued = http(json!({"status": 400, "json": {"error": "x", "access_token": "t"}}));
        assert_eq!(judge(&check, &issued), None);
        let ok = http(json!({"status": 200, "json": {"error": "x"}}));
        assert_eq!(judge(&check, &ok), None);
        let no_error = http(json!({"status": 400, "json": {}}));
        assert_eq!(judge(&check, &no_error), None);
    }

    #[test]
    fn a_required_401_is_not_relaxed() {
        let mut check = refusal(vec![401], &["invalid_client"]);
        check.headers = vec![(
            "www-authenticate".into(),
            Matcher::Contains(Template::literal("Basic")),
        )];
        let view = http(json!({"status": 400, "json": {"error": "invalid_client"}}));
        assert_eq!(judge(&check, &view), None);
    }

    #[test]
    fn authorization_errors_are_judged_by_their_redirect() {
        let check = Expect {
            error: vec![crate::oauth::ErrorCode::AccessDenied],
            ..Expect::default()
        };
        let view = StepResult::redirect_for_tests(&[("error", "server_error")]);
        assert!(judge(&check, &view).is_some());
        let coded = StepResult::redirect_for_tests(&[("error", "x"), ("code", "c")]);
        assert_eq!(judge(&check, &coded), None);
    }
}
