//! Expectations: compares a step's result with what the suite says it must
//! be, and describes every difference in words a reviewer can act on.
//!
//! A mismatch is data (a list of sentences), not an error; whether it becomes
//! `fail`, `warn` or `error` is the runner's decision, not this module's.

use serde_json::Value;

use crate::redact::Redactor;
use crate::run::vars::{VarError, Vars};
use crate::suite::{Expect, FieldPath, Matcher};
use crate::target::Profile;

/// A step's result as one JSON object (see [`FieldPath`] for its shape).
pub type View = Value;

/// What a check needs besides the expectation and the result.
pub struct Env<'a> {
    pub vars: &'a Vars,
    pub profile: &'a Profile,
    /// Actual values quoted in messages pass through it first.
    pub redactor: &'a Redactor,
}

/// Checks `expect` against `view`; `Ok(vec![])` when everything holds.
pub fn evaluate(expect: &Expect, view: &View, env: &Env<'_>) -> Result<Vec<String>, VarError> {
    let (vars, profile) = (env.vars, env.profile);
    let mut problems = Vec::new();
    let is_authorize = view.get("redirected").is_some();
    if !expect.status.is_empty() {
        let status = view.get("status").and_then(Value::as_u64);
        if !status.is_some_and(|s| expect.status.iter().any(|e| u64::from(*e) == s)) {
            problems.push(format!(
                "expected status {}, got {}",
                alternatives(expect.status.iter().map(u16::to_string)),
                status.map_or("none".to_string(), |s| s.to_string())
            ));
        }
    }
    if !expect.error.is_empty() {
        let (field, actual) = if is_authorize {
            ("error parameter", lookup(view, &["params", "error"]))
        } else {
            ("JSON `error`", lookup(view, &["json", "error"]))
        };
        let actual = actual.and_then(Value::as_str);
        if !actual.is_some_and(|a| expect.error.iter().any(|e| e == a)) {
            problems.push(format!(
                "expected {field} {}, got {}",
                alternatives(expect.error.iter().map(|e| format!("`{e}`"))),
                actual.map_or("none".into(), |a| format!("`{a}`"))
            ));
        }
    }
    let redirected = view.get("redirected").and_then(Value::as_bool);
    if expect.no_redirect && redirected == Some(true) {
        let location = view.get("location").and_then(Value::as_str).unwrap_or("?");
        problems.push(format!(
            "expected no redirect to the client, but the AS navigated to `{location}`"
        ));
    }
    if let Some(redirect) = &expect.redirect {
        if redirected != Some(true) {
            problems.push(format!(
                "expected a redirect to the client, but {}",
                stayed(view)
            ));
        } else {
            let location = view.get("location").and_then(Value::as_str).unwrap_or("");
            if let Some(to) = &redirect.to {
                let to = vars.fill(to, profile)?;
                let base = location.split(['?', '#']).next().unwrap_or("");
                if base != to.split(['?', '#']).next().unwrap_or("") {
                    problems.push(format!("expected a redirect to `{to}`, got `{location}`"));
                }
            }
            for (name, matcher) in &redirect.params {
                check_value(
                    &mut problems,
                    &format!("redirect parameter `{name}`"),
                    lookup(view, &["params", name]),
                    matcher,
                    env,
                )?;
            }
        }
    }
    for (name, matcher) in &expect.headers {
        let lower = name.to_ascii_lowercase();
        check_value(
            &mut problems,
            &format!("header `{name}`"),
            lookup(view, &["headers", &lower]),
            matcher,
            env,
        )?;
    }
    for (path, matcher) in &expect.json {
        let mut segments = vec!["json"];
        segments.extend(path.split('.'));
        check_value(
            &mut problems,
            &format!("JSON `{path}`"),
            lookup(view, &segments),
            matcher,
            env,
        )?;
    }
    for (path, matcher) in &expect.fields {
        let segments: Vec<&str> = path.0.iter().map(String::as_str).collect();
        check_value(
            &mut problems,
            &format!("`{}`", path.0.join(".")),
            lookup(view, &segments),
            matcher,
            env,
        )?;
    }
    Ok(problems)
}

fn stayed(view: &View) -> String {
    let status = view.get("status").and_then(Value::as_u64).unwrap_or(0);
    let url = view.get("final_url").and_then(Value::as_str).unwrap_or("?");
    format!("the flow stopped on an AS page (status {status} at `{url}`)")
}

fn alternatives(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        1 => items[0].clone(),
        _ => format!("one of {}", items.join(", ")),
    }
}

/// Follows a path into the view; a missing step or JSON null is `None`.
pub fn lookup<'a>(view: &'a View, path: &[&str]) -> Option<&'a Value> {
    let mut current = view;
    for segment in path {
        current = match current {
            Value::Object(map) => map.get(*segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!current.is_null()).then_some(current)
}

/// Resolves a save/fields path, defaulting its root by step kind.
pub fn resolve_path<'a>(view: &'a View, path: &FieldPath, default_root: &str) -> Option<&'a Value> {
    let segments: Vec<&str> = path.0.iter().map(String::as_str).collect();
    let first = segments.first().copied().unwrap_or("");
    if view.get(first).is_some() {
        return lookup(view, &segments);
    }
    let mut rooted = vec![default_root];
    rooted.extend(segments);
    lookup(view, &rooted)
}

/// The text of a JSON value as compared by matchers (strings unquoted).
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_value(
    problems: &mut Vec<String>,
    what: &str,
    actual: Option<&Value>,
    matcher: &Matcher,
    env: &Env<'_>,
) -> Result<(), VarError> {
    let (vars, profile) = (env.vars, env.profile);
    let text = actual.map(as_text);
    // Redact before cutting: a cut secret no longer matches its known value.
    let shown = || {
        text.as_deref().map_or("absent".to_string(), |t| {
            format!("`{}`", excerpt(&env.redactor.message(t)))
        })
    };
    let problem = match matcher {
        Matcher::Present => actual
            .is_none()
            .then(|| format!("expected {what} to be present, but it is absent")),
        Matcher::Absent => actual
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
            (!text.as_ref().is_some_and(|t| options.contains(t))).then(|| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_treats_null_as_absent() {
        let view = json!({"json": {"a": null, "b": {"c": 1}}});
        assert!(lookup(&view, &["json", "a"]).is_none());
        assert_eq!(lookup(&view, &["json", "b", "c"]), Some(&json!(1)));
    }

    #[test]
    fn paths_default_to_the_step_root() {
        let view = json!({"status": 200, "json": {"access_token": "x"}});
        let path = FieldPath(vec!["access_token".into()]);
        assert_eq!(resolve_path(&view, &path, "json"), Some(&json!("x")));
        let path = FieldPath(vec!["status".into()]);
        assert_eq!(resolve_path(&view, &path, "json"), Some(&json!(200)));
    }
}
