//! Expectations: compares a step's result with what the suite says it must
//! be, and describes every difference in words a reviewer can act on.
//!
//! A mismatch is data (a list of sentences), not an error; whether it becomes
//! `fail`, `warn` or `error` is the runner's decision, not this module's.

use std::borrow::Cow;

mod result;

pub use result::{
    Authorization, AuthorizationOutcome, HttpExchange, ProbeResult, StepResult, TlsProbeResult,
    as_text, joined_headers, lookup,
};

use crate::oauth::uri::without_query;
use crate::redact::Redactor;
use crate::run::vars::{VarError, Vars};
use crate::suite::{Expect, Matcher};
use crate::target::Profile;

/// What a check needs besides the expectation and the result.
pub struct Env<'a> {
    pub vars: &'a Vars,
    pub profile: &'a Profile,
    /// Actual values quoted in messages pass through it first.
    pub redactor: &'a Redactor,
}

/// Checks `expect` against `result`; `Ok(vec![])` when everything holds.
pub fn evaluate(
    expect: &Expect,
    result: &StepResult,
    env: &Env<'_>,
) -> Result<Vec<String>, VarError> {
    let (vars, profile) = (env.vars, env.profile);
    let mut problems = Vec::new();
    let authorization = result.authorization();
    if !expect.status.is_empty() {
        let status = result.status();
        if !status.is_some_and(|s| expect.status.contains(&s)) {
            problems.push(format!(
                "expected status {}, got {}",
                alternatives(expect.status.iter().map(u16::to_string)),
                status.map_or("none".to_string(), |s| s.to_string())
            ));
        }
    }
    if !expect.error.is_empty() {
        let (field, actual) = match authorization {
            Some(a) => ("error parameter", a.param("error")),
            None => (
                "JSON `error`",
                result.json(&["error"]).and_then(|v| v.as_str()),
            ),
        };
        if !actual.is_some_and(|a| expect.error.iter().any(|e| e.as_str() == a)) {
            problems.push(format!(
                "expected {field} {}, got {}",
                alternatives(expect.error.iter().map(|e| format!("`{e}`"))),
                actual.map_or("none".into(), |a| format!("`{a}`"))
            ));
        }
    }
    let location = authorization.and_then(Authorization::location);
    if expect.no_redirect
        && let Some(location) = location
    {
        problems.push(format!(
            "expected no redirect to the client, but the AS navigated to `{location}`"
        ));
    }
    if let Some(redirect) = &expect.redirect {
        match location {
            None => problems.push(format!(
                "expected a redirect to the client, but {}",
                stayed(result)
            )),
            Some(location) => {
                if let Some(to) = &redirect.to {
                    let to = vars.fill(to, profile)?;
                    if without_query(location) != without_query(&to) {
                        problems.push(format!("expected a redirect to `{to}`, got `{location}`"));
                    }
                }
                for (name, matcher) in &redirect.params {
                    check_value(
                        &mut problems,
                        &format!("redirect parameter `{name}`"),
                        result.redirect_param(name).map(Cow::Borrowed),
                        matcher,
                        env,
                    )?;
                }
            }
        }
    }
    for (name, matcher) in &expect.headers {
        let lower = name.to_ascii_lowercase();
        check_value(
            &mut problems,
            &format!("header `{name}`"),
            result.header(&lower).map(Cow::Borrowed),
            matcher,
            env,
        )?;
    }
    for (path, matcher) in &expect.json {
        let segments: Vec<&str> = path.split('.').collect();
        check_value(
            &mut problems,
            &format!("JSON `{path}`"),
            result.json(&segments).map(as_text),
            matcher,
            env,
        )?;
    }
    for (path, matcher) in &expect.fields {
        check_value(
            &mut problems,
            &format!("`{path}`"),
            result.field(path),
            matcher,
            env,
        )?;
    }
    Ok(problems)
}

fn stayed(result: &StepResult) -> String {
    let status = result.status().unwrap_or(0);
    let url = result
        .authorization()
        .and_then(Authorization::final_url)
        .unwrap_or("?");
    format!("the flow stopped on an AS page (status {status} at `{url}`)")
}

fn alternatives(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        1 => items[0].clone(),
        _ => format!("one of {}", items.join(", ")),
    }
}

fn check_value(
    problems: &mut Vec<String>,
    what: &str,
    text: Option<Cow<'_, str>>,
    matcher: &Matcher,
    env: &Env<'_>,
) -> Result<(), VarError> {
    let (vars, profile) = (env.vars, env.profile);
    // Redact before cutting: a cut secret no longer matches its known value.
    let shown = || {
        text.as_deref().map_or("absent".to_string(), |t| {
            format!("`{}`", excerpt(&env.redactor.message(t)))
        })
    };
    let problem = match matcher {
        Matcher::Present => text
            .is_none()
            .then(|| format!("expected {what} to be present, but it is absent")),
        Matcher::Absent => text
            .is_some()
            .then(|| format!("expected {what} to be absent, got {}", shown())),
        Matcher::Equals(t) => {
            let want = vars.fill(t, profile)?;
            (text.as_deref() != Some(want.as_str()))
                .then(|| format!("expected {what} = `{}`, got {}", excerpt(&want), shown()))
        }
        Matcher::NotEquals(t) => {
            let avoid = vars.fill(t, profile)?;
            (text.as_deref() == Some(avoid.as_str()))
                .then(|| format!("expected {what} to differ from `{}`", excerpt(&avoid)))
        }
        Matcher::OneOf(options) => {
            let options = options
                .iter()
                .map(|t| vars.fill(t, profile))
                .collect::<Result<Vec<_>, _>>()?;
            (!text
                .as_deref()
                .is_some_and(|t| options.iter().any(|o| o == t)))
            .then(|| {
                format!(
                    "expected {what} to be {}, got {}",
                    alternatives(options.iter().map(|o| format!("`{o}`"))),
                    shown()
                )
            })
        }
        Matcher::Contains(t) => {
            let needle = vars.fill(t, profile)?;
            (!text.as_ref().is_some_and(|t| t.contains(&needle)))
                .then(|| format!("expected {what} to contain `{needle}`, got {}", shown()))
        }
        Matcher::NotContains(t) => {
            let needle = vars.fill(t, profile)?;
            match &text {
                None => Some(format!(
                    "expected {what} to be present without `{needle}`, but it is absent"
                )),
                Some(t) if t.contains(&needle) => Some(format!(
                    "expected {what} not to contain `{needle}`, got {}",
                    shown()
                )),
                Some(_) => None,
            }
        }
        Matcher::Regex(pattern) => {
            let re = regex::Regex::new(pattern).expect("the loader compiled this regex");
            (!text.as_ref().is_some_and(|t| re.is_match(t)))
                .then(|| format!("expected {what} to match /{pattern}/, got {}", shown()))
        }
        Matcher::AtLeast(bound) | Matcher::AtMost(bound) => {
            let at_least = matches!(matcher, Matcher::AtLeast(_));
            let number = text.as_deref().and_then(|t| t.parse::<f64>().ok());
            let holds = number.is_some_and(|n| if at_least { n >= *bound } else { n <= *bound });
            let relation = if at_least { "at least" } else { "at most" };
            (!holds).then(|| format!("expected {what} to be {relation} {bound}, got {}", shown()))
        }
    };
    problems.extend(problem);
    Ok(())
}

/// Long values are cut in messages (the transcript has the whole exchange).
fn excerpt(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
