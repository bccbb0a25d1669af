//! Validation of `any_of:` (either-or outcomes of one step): at least two
//! alternatives, each exactly one `expect:` or `check:` map, a `skip` only
//! with the `note` that gives its reason. The maps themselves are checked
//! like any `expect:`/`check:`.

use super::{Scope, Validator};
use crate::suite::model::{Alternative, AnyOf, Then};
use crate::suite::raw::{RawAlternative, S, StepKey};

impl Validator<'_> {
    /// The `any_of` of a step of kind `kind`.
    pub(super) fn any_of(
        &mut self,
        raw: &S<Vec<S<RawAlternative>>>,
        kind: Option<StepKey>,
        scope: &Scope,
    ) -> AnyOf {
        if raw.value.len() < 2 {
            self.error(
                self.at(raw),
                format!(
                    "`any_of` needs at least two alternatives, found {}",
                    raw.value.len()
                ),
                Some("a single outcome is a plain `check:` or `expect:`".to_string()),
            );
        }
        let alternatives = raw
            .value
            .iter()
            .filter_map(|alternative| self.alternative(alternative, kind, scope))
            .collect();
        AnyOf {
            alternatives,
            location: self.location(self.at(raw)),
        }
    }

    fn alternative(
        &mut self,
        raw: &S<RawAlternative>,
        kind: Option<StepKey>,
        scope: &Scope,
    ) -> Option<Alternative> {
        let r = &raw.value;
        let place = self.at(raw);
        let (map, is_check) = match (&r.expect, &r.check) {
            (Some(expect), None) => (expect, false),
            (None, Some(check)) => (check, true),
            (Some(_), Some(check)) => {
                self.error(
                    self.at(check),
                    "an `any_of` alternative has both `expect` and `check`",
                    Some("each alternative is one outcome: give one of them".to_string()),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    place,
                    "an `any_of` alternative has neither `expect` nor `check`",
                    Some("write `- check: { … }` (or `expect:` for an outcome that is only a precondition)".to_string()),
                );
                return None;
            }
        };
        let key = if is_check { "check" } else { "expect" };
        let expect = self.expect(map, key, kind, scope);
        let then = r.then.as_ref().map(|t| t.value).unwrap_or_default();
        let note = r.note.as_ref().map(|n| n.value.trim().to_string());
        if then == Then::Skip && note.as_deref().is_none_or(str::is_empty) {
            self.error(
                r.then.as_ref().map_or(place, |t| self.at(t)),
                "`then: skip` without a `note`",
                Some("a skip must say why nothing can be judged: add `note: \"…\"` naming the legal behaviour".to_string()),
            );
        }
        if let (Some(level), Then::Skip) = (&r.level, then) {
            self.error(
                self.at(level),
                "`level` on an alternative that skips",
                Some("a skipped trial is not judged; drop `level` or `then: skip`".to_string()),
            );
        }
        Some(Alternative {
            expect,
            is_check,
            then,
            level: r.level.as_ref().map(|l| l.value),
            note,
            location: self.location(place),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::suite::{Then, load_str};

    fn suite(steps: &str) -> String {
        format!(
            "suite: s\nscenarios:\n  - id: pkce.downgrade\n    title: t\n    requirements: [pkce.downgrade]\n    steps:\n{steps}"
        )
    }

    /// `(is_check, then, note)` of one loaded alternative.
    type Loaded = (bool, Then, Option<String>);

    /// `file:line:col: message` of every problem, or the loaded suite's
    /// first step's alternatives.
    fn load(steps: &str) -> Result<Vec<Loaded>, Vec<String>> {
        let text = suite(steps);
        match load_str(Path::new("s.yaml"), &text) {
            Ok(suite) => Ok(suite.scenarios[0].steps[0]
                .any_of
                .as_ref()
                .expect("an any_of")
                .alternatives
                .iter()
                .map(|a| (a.is_check, a.then, a.note.clone()))
                .collect()),
            Err(diagnostics) => Err(diagnostics
                .iter()
                .map(|d| {
                    let text = d.to_string();
                    text.lines().next().unwrap_or("").to_string()
                })
                .collect()),
        }
    }

    #[test]
    fn alternatives_load_in_order() {
        let loaded = load(concat!(
            "      - authorize: {}\n",
            "        any_of:\n",
            "          - check: { redirect: { params: { error: present } } }\n",
            "            then: pass\n",
            "            note: refused\n",
            "          - expect: { redirect: { params: { code: present } } }\n",
        ))
        .unwrap();
        assert_eq!(
            loaded,
            [
                (true, Then::Pass, Some("refused".to_string())),
                (false, Then::Continue, None)
            ]
        );
    }

    #[test]
    fn mistakes_point_at_their_place() {
        let errors = load(concat!(
            "      - token: {}\n",
            "        any_of:\n",
            "          - check: { status: 400 }\n",
            "            expect: { status: 400 }\n",
            "          - then: skip\n",
            "            check: { status: 200 }\n",
            "          - {}\n",
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "s.yaml:9:20: an `any_of` alternative has both `expect` and `check`",
                "s.yaml:11:19: `then: skip` without a `note`",
                "s.yaml:13:13: an `any_of` alternative has neither `expect` nor `check`",
            ]
        );
        let errors = load(concat!(
            "      - token: {}\n",
            "        any_of:\n",
            "          - check: { status: 400 }\n",
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            ["s.yaml:9:11: `any_of` needs at least two alternatives, found 1"]
        );
    }

    #[test]
    fn an_unknown_then_is_a_schema_error() {
        let errors = load(concat!(
            "      - token: {}\n",
            "        any_of:\n",
            "          - { check: { status: 400 }, then: stop }\n",
            "          - { check: { status: 401 } }\n",
        ))
        .unwrap_err();
        assert!(
            errors[0].starts_with("s.yaml:9:45:") && errors[0].contains("stop"),
            "{errors:?}"
        );
    }
}
