//! Validation of `expect:` and `check:` maps and the value matchers in them:
//! statuses, error codes, redirects (for `authorize` steps only), header,
//! JSON and field matchers.

use crate::diag::{one_of, suggest};
use crate::suite::field::{ResultKind, Root};
use crate::suite::matcher::{MATCHER_KEYS, MatcherArg, RawMatcher, check_regex};
use crate::suite::model::*;
use crate::suite::raw::{EXPECT_KEYS, OneOrMany, Pairs, RawExpect, RawStatus, S};
use crate::suite::source::At;

use super::{Scope, Validator};

impl Validator<'_> {
    pub(super) fn expect(
        &mut self,
        raw: &S<RawExpect>,
        key: &str,
        kind: Option<StepKey>,
        scope: &Scope,
    ) -> Expect {
        let e = &raw.value;
        let place = self.at(raw);
        let empty = e.status.is_none()
            && e.error.is_none()
            && e.redirect.is_none()
            && e.no_redirect.is_none()
            && e.headers.is_none()
            && e.json.is_none()
            && e.fields.is_none();
        if empty {
            self.error(
                place,
                format!("empty `{key}`"),
                Some(format!(
                    "give at least one of {}",
                    one_of(EXPECT_KEYS.iter().copied())
                )),
            );
        }
        let mut result = Expect {
            location: self.location(place),
            ..Expect::default()
        };

        if let Some(status) = &e.status {
            self.reads(self.at(status), "status", kind, Root::Status);
            let values: Vec<(i64, At)> = match &status.value {
                RawStatus::One(n) => vec![(*n, self.at(status))],
                RawStatus::Many(items) => {
                    if items.is_empty() {
                        self.error(self.at(status), "empty `status` list", None);
                    }
                    items.iter().map(|i| (i.value, self.at(i))).collect()
                }
                RawStatus::Invalid(found) => {
                    self.error(
                        self.at(status),
                        format!("expected an HTTP status or a list of them, found {found}"),
                        Some("write `status: 400` or `status: [400, 401]`".to_string()),
                    );
                    Vec::new()
                }
            };
            for (n, p) in values {
                match u16::try_from(n) {
                    Ok(code) if (100..=599).contains(&code) => result.status.push(code),
                    _ => self.error(p, format!("`{n}` is not an HTTP status (100–599)"), None),
                }
            }
        }

        if let Some(error) = &e.error {
            let root = match kind {
                Some(StepKey::Authorize) => Root::Params,
                _ => Root::Json,
            };
            self.reads(self.at(error), "error", kind, root);
            let codes: Vec<(&str, At)> = match &error.value {
                OneOrMany::One(code) => vec![(code.as_str(), self.at(error))],
                OneOrMany::Many(items) => {
                    if items.is_empty() {
                        self.error(self.at(error), "empty `error` list", None);
                    }
                    items
                        .iter()
                        .map(|i| (i.value.as_str(), self.at(i)))
                        .collect()
                }
                OneOrMany::Invalid(found) => {
                    self.error(
                        self.at(error),
                        format!("`error` takes an error code or a list of them, found {found}"),
                        None,
                    );
                    Vec::new()
                }
            };
            for (code, at) in codes {
                match ErrorCode::from_name(code) {
                    Some(known) => result.error.push(known),
                    None if code.trim().is_empty() => self.error(at, "empty error code", None),
                    None => self.error(
                        at,
                        format!("`{code}` is not a registered OAuth error code"),
                        suggest(code, ErrorCode::NAMES.iter().copied()).or_else(|| {
                            Some(
                                "error codes are those of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, OpenID Connect Core §3.1.2.6 and the IANA OAuth Extensions Error registry".to_string(),
                            )
                        }),
                    ),
                }
            }
        }

        let not_authorize =
            kind.is_some_and(|k| !matches!(k, StepKey::Authorize | StepKey::Tamper));
        if let Some(redirect) = &e.redirect {
            if not_authorize {
                self.error(
                    self.at(redirect),
                    format!(
                        "`redirect` applies to `authorize` steps only, not `{}`",
                        kind.map(StepKey::name).unwrap_or_default()
                    ),
                    Some(
                        "for a back-channel response, test `status` and `headers.location`"
                            .to_string(),
                    ),
                );
            }
            let mut expect = RedirectExpect::default();
            if let Some(r) = &redirect.value {
                expect.to = self.opt_template(r.to.as_ref(), scope);
                if let Some(params) = &r.params {
                    expect.params = self.matchers(params, scope);
                }
            }
            result.redirect = Some(expect);
        }
        if let Some(no_redirect) = &e.no_redirect {
            if not_authorize {
                self.error(
                    self.at(no_redirect),
                    format!(
                        "`no_redirect` applies to `authorize` steps only, not `{}`",
                        kind.map(StepKey::name).unwrap_or_default()
                    ),
                    None,
                );
            }
            if no_redirect.value && e.redirect.is_some() {
                self.error(
                    self.at(no_redirect),
                    "`redirect` and `no_redirect: true` exclude each other",
                    None,
                );
            }
            result.no_redirect = no_redirect.value;
        }

        if let Some(headers) = &e.headers {
            self.reads(self.at(headers), "headers", kind, Root::Headers);
            for (name, _) in &headers.value.0 {
                self.header_name(name);
            }
            result.headers = self.matchers(headers, scope);
        }
        if let Some(json) = &e.json {
            self.reads(self.at(json), "json", kind, Root::Json);
            for (path, _) in &json.value.0 {
                self.field_path(path);
            }
            result.json = self.matchers(json, scope);
        }
        if let Some(fields) = &e.fields {
            for (path, matcher) in &fields.value.0 {
                let path = self.result_path(path, kind);
                let matcher = self.matcher(matcher, scope);
                if let (Some(path), Some(matcher)) = (path, matcher) {
                    result.fields.push((path, matcher));
                }
            }
        }
        result
    }

    /// `key` reads `root` of the step's result: an error on a step whose
    /// result has no such field (it would always read as absent).
    fn reads(&mut self, at: At, key: &str, kind: Option<StepKey>, root: Root) {
        let Some(step) = kind else { return };
        let result = ResultKind::of(step);
        if result.roots().contains(&root) {
            return;
        }
        let hint = match result.roots() {
            [] => format!("a `{}` step has no result to check", step.name()),
            roots => format!(
                "the result of a `{}` step has {}",
                step.name(),
                one_of(roots.iter().map(|r| r.name()))
            ),
        };
        self.error(
            at,
            format!(
                "`{key}` does not apply to `{}` steps: their result has no `{root}`",
                step.name()
            ),
            Some(hint),
        );
    }

    fn matchers(
        &mut self,
        pairs: &S<Pairs<S<RawMatcher>>>,
        scope: &Scope,
    ) -> Vec<(String, Matcher)> {
        let mut result = Vec::new();
        for (name, raw) in &pairs.value.0 {
            if let Some(m) = self.matcher(raw, scope) {
                result.push((name.value.clone(), m));
            }
        }
        result
    }

    fn matcher(&mut self, raw: &S<RawMatcher>, scope: &Scope) -> Option<Matcher> {
        let place = self.at(raw);
        let forms =
            "write `present`, `absent`, a value, or a one-key map such as `{ regex: \"^x\" }`";
        match &raw.value {
            RawMatcher::Text(text) if text == "present" => Some(Matcher::Present),
            RawMatcher::Text(text) if text == "absent" => Some(Matcher::Absent),
            RawMatcher::Text(text) => Some(Matcher::Equals(self.template_at(text, place, scope))),
            RawMatcher::Literal(text) => Some(Matcher::Equals(Template::literal(text.clone()))),
            RawMatcher::Null => {
                self.error(place, "empty matcher", Some(forms.to_string()));
                None
            }
            RawMatcher::List => {
                self.error(
                    place,
                    "a list is not a matcher",
                    Some("to accept one of several values, write `{ one_of: [a, b] }`".to_string()),
                );
                None
            }
            RawMatcher::Map(entries) => {
                match entries.as_slice() {
                    [] => {
                        self.error(place, "empty matcher", Some(forms.to_string()));
                        None
                    }
                    [(key, arg)] => self.matcher_entry(key, arg, scope),
                    [(first, _), (second, _), ..] => {
                        self.error(
                        self.at(second),
                        format!(
                            "a matcher map has one key, found `{}` and `{}`",
                            first.value, second.value
                        ),
                        Some("to test one value twice, use `fields:` with two paths or a `regex`".to_string()),
                    );
                        None
                    }
                }
            }
        }
    }

    fn matcher_entry(
        &mut self,
        key: &S<String>,
        arg: &S<MatcherArg>,
        scope: &Scope,
    ) -> Option<Matcher> {
        let k = key.value.as_str();
        let place = self.at(arg);
        let wrong = |this: &mut Self, expected: &str| {
            this.error(
                place,
                format!("`{k}` takes {expected}, found {}", arg.value.describe()),
                None,
            );
            None
        };
        let text = |this: &mut Self| match &arg.value {
            MatcherArg::Text(t) => Some(this.template_at(t, place, scope)),
            MatcherArg::Literal(t) => Some(Template::literal(t.clone())),
            MatcherArg::Bool(b) => Some(Template::literal(b.to_string())),
            _ => None,
        };
        match k {
            "equals" | "not" | "contains" | "not_contains" => {
                let Some(t) = text(self) else {
                    return wrong(self, "a string");
                };
                Some(match k {
                    "equals" => Matcher::Equals(t),
                    "not" => Matcher::NotEquals(t),
                    "not_contains" => Matcher::NotContains(t),
                    _ => Matcher::Contains(t),
                })
            }
            "one_of" => match &arg.value {
                MatcherArg::List(items) if !items.is_empty() => Some(Matcher::OneOf(
                    items.iter().map(|i| self.template(i, scope)).collect(),
                )),
                MatcherArg::List(_) => {
                    self.error(place, "empty `one_of` list", None);
                    None
                }
                _ => wrong(self, "a list"),
            },
            "regex" => match &arg.value {
                MatcherArg::Text(pattern) => match check_regex(pattern) {
                    Ok(()) => Some(Matcher::Regex(pattern.clone())),
                    Err(reason) => {
                        self.error(place, format!("invalid regex `{pattern}`: {reason}"), None);
                        None
                    }
                },
                _ => wrong(self, "a string"),
            },
            "at_least" | "at_most" => match &arg.value {
                MatcherArg::Literal(n) => match n.parse::<f64>() {
                    Ok(n) if n.is_finite() && k == "at_least" => Some(Matcher::AtLeast(n)),
                    Ok(n) if n.is_finite() => Some(Matcher::AtMost(n)),
                    _ => wrong(self, "a number"),
                },
                _ => wrong(self, "a number"),
            },
            "present" | "absent" => match &arg.value {
                MatcherArg::Bool(true) if k == "present" => Some(Matcher::Present),
                MatcherArg::Bool(true) => Some(Matcher::Absent),
                MatcherArg::Bool(false) => {
                    let other = if k == "present" { "absent" } else { "present" };
                    self.error(
                        place,
                        format!("`{k}: false` is not a matcher"),
                        Some(format!("write `{other}`")),
                    );
                    None
                }
                _ => wrong(self, "`true`"),
            },
            _ => {
                let hint = suggest(k, MATCHER_KEYS.iter().copied()).unwrap_or_else(|| {
                    format!("matchers are {}", one_of(MATCHER_KEYS.iter().copied()))
                });
                self.error(self.at(key), format!("unknown matcher `{k}`"), Some(hint));
                None
            }
        }
    }
}
