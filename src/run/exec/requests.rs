//! Request building for the step runner: merging the suite's parameters
//! over the defaults, form and query encoding, client secrets, and `wait:`
//! lengths. Pure functions, no I/O, so `exec` keeps only the driving of a
//! trial.

use std::time::Duration;

use super::StepError;
use crate::agent::{Body, Request};
use crate::suite::{Scenario, StepKind, WaitSpec, WaitTerm};
use crate::target::Profile;

/// Defaults, then overrides: an override replaces the first default of its
/// name; a second override of the same name is sent as a duplicate.
pub(super) fn merge(
    defaults: Vec<(String, String)>,
    overrides: Vec<(String, String)>,
    omit: &[String],
) -> Vec<(String, String)> {
    let mut params = defaults;
    let mut replaced: Vec<String> = Vec::new();
    for (name, value) in overrides {
        let first_override = !replaced.contains(&name);
        match params.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) if first_override => slot.1 = value,
            _ => params.push((name.clone(), value)),
        }
        replaced.push(name);
    }
    params.retain(|(k, _)| !omit.contains(k));
    params
}

pub(super) fn with_query(endpoint: &str, params: &[(String, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let query = query.finish();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{query}")
}

pub(super) fn get(url: String) -> Request {
    Request {
        method: "GET".into(),
        url,
        headers: Vec::new(),
        body: None,
        with_cookies: false,
    }
}

pub(super) fn post(
    url: String,
    headers: Vec<(String, String)>,
    form: Vec<(String, String)>,
) -> Request {
    Request {
        method: "POST".into(),
        url,
        headers,
        body: Some(Body::Form(form)),
        with_cookies: false,
    }
}

/// The secret of the profile's client with this id, if it has one.
pub(super) fn client_secret(profile: &Profile, client_id: &str) -> Option<String> {
    [
        Some(&profile.main),
        profile.other.as_ref(),
        profile.public.as_ref(),
    ]
    .into_iter()
    .flatten()
    .find(|client| client.id == client_id)
    .and_then(|client| client.secret.as_ref())
    .map(|secret| secret.expose().to_string())
}

/// A plausible wrong secret: the real one with its last character changed.
pub(super) fn wrong_secret(secret: &str) -> String {
    let mut chars: Vec<char> = secret.chars().collect();
    match chars.last_mut() {
        Some(c) => *c = if *c == 'x' { 'y' } else { 'x' },
        None => chars.push('x'),
    }
    chars.into_iter().collect()
}

/// The length of a `wait:` against the profile's declared timing.
pub(super) fn wait_duration(spec: &WaitSpec, profile: &Profile) -> Result<Duration, StepError> {
    let mut total = Duration::ZERO;
    for term in &spec.terms {
        let term = match term {
            WaitTerm::Fixed(d) => *d,
            WaitTerm::Timing(name) => profile.timing.get(*name).ok_or_else(|| {
                StepError::Other(format!(
                    "the target profile declares no `timing.{name}` (needed by `wait: {}`)",
                    spec.source
                ))
            })?,
        };
        // The loader bounds each part; a model built by hand is checked here.
        total = total.checked_add(term).ok_or_else(|| {
            StepError::Other(format!("`wait: {}` is too long to sleep", spec.source))
        })?;
    }
    Ok(total)
}

/// The longest a scenario will sleep in `wait:` steps (for "slow" marking).
pub fn total_wait(scenario: &Scenario, profile: &Profile) -> Duration {
    scenario
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Wait(spec) => wait_duration(spec, profile).ok(),
            _ => None,
        })
        .fold(Duration::ZERO, Duration::saturating_add)
}

/// The parameters that make the AS show its consent page: the profile's
/// `login.force_consent`, else `prompt=consent` on an OIDC target (OIDC
/// Core §3.1.2.1), else none.
pub fn force_consent_params(profile: &Profile) -> Vec<(String, String)> {
    if !profile.login.force_consent.is_empty() {
        return profile.login.force_consent.clone();
    }
    if profile
        .capabilities
        .contains(&crate::suite::Capability::Oidc)
    {
        return vec![("prompt".into(), "consent".into())];
    }
    Vec::new()
}

/// Why a step that must see the consent page is skipped without one.
pub fn no_consent_page(profile: &Profile) -> String {
    let asked = force_consent_params(profile);
    if asked.is_empty() {
        return "the AS answered without a consent page (it remembers consent, which is allowed) and the profile names no way to ask again: set `login.force_consent`".into();
    }
    let asked: Vec<String> = asked.iter().map(|(n, v)| format!("{n}={v}")).collect();
    format!(
        "the AS answered without a consent page although the request carried `{}` (it remembers consent, which is allowed), so there is no consent page to act on",
        asked.join("&")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_too_long_to_add_up_is_an_error_not_a_panic() {
        let huge = WaitSpec {
            terms: vec![
                WaitTerm::Fixed(Duration::MAX),
                WaitTerm::Fixed(Duration::MAX),
            ],
            source: "huge".into(),
        };
        let profile = crate::run::exec::judge::tests::profile();
        assert!(wait_duration(&huge, &profile).is_err());
    }

    #[test]
    fn overrides_replace_then_duplicate() {
        let defaults = vec![("a".into(), "1".into()), ("b".into(), "2".into())];
        let overrides = vec![
            ("a".into(), "x".into()),
            ("a".into(), "y".into()),
            ("c".into(), "3".into()),
        ];
        let merged = merge(defaults, overrides, &["b".to_string()]);
        let pairs: Vec<(&str, &str)> = merged
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "x"), ("a", "y"), ("c", "3")]);
    }

    #[test]
    fn a_wrong_secret_differs_in_its_last_character() {
        assert_eq!(wrong_secret("abc"), "abx");
        assert_eq!(wrong_secret("abx"), "aby");
        assert_eq!(wrong_secret(""), "x");
    }
}
