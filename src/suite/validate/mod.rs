//! Raw records → the validated model, with every semantic error collected.
//!
//! Checks what the schema cannot: requirement ids against the catalogue,
//! capability and timing names, one kind per step, templates and the
//! variables they use (set by `vary` or saved by an earlier step), matchers
//! and regexes, field paths, and that each scenario checks something. It
//! never stops at the first problem: a scenario with errors is dropped from
//! the result, but the next one is still checked. No I/O.
//!
//! The phases, one file each: this file (the scenario: ids, requirements,
//! capabilities, variants, templates and parameter maps), `step` (one step
//! and its kind), `expect` (`expect:`/`check:` maps and matchers),
//! `any_of` (either-or outcomes).

mod any_of;
mod expect;
mod kinds;
mod step;

use std::path::Path;

use crate::catalogue;
use crate::diag::{Diagnostic, did_you_mean, one_of, suggest};
use crate::suite::builtin::{self, Builtin};
use crate::suite::model::*;
use crate::suite::raw::{OneOrMany, Pairs, RawScenario, RawVariant, S};
use crate::suite::source::{At, Shift};
use crate::suite::template;

pub use step::METHODS;

/// Timing names a `wait:` may use (declared in the target profile).
pub const TIMING_NAMES: &[&str] = TimingName::NAMES;

/// Variables a template may use at one point of a scenario.
#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    /// Set by `vary` and saved by earlier steps, in order.
    names: Vec<String>,
    /// In a variant's `set:`: only built-ins exist there.
    in_vary: bool,
}

impl Scope {
    pub(super) fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    pub(super) fn add(&mut self, name: &str) {
        if !self.has(name) {
            self.names.push(name.to_string());
        }
    }
}

pub(crate) struct Validator<'a> {
    file: &'a Path,
    text: &'a str,
    pub diagnostics: Vec<Diagnostic>,
    /// From the piece the current scenario was read from back to the file.
    pub(super) shift: Shift,
}

impl<'a> Validator<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Validator<'a> {
        Validator {
            file,
            text,
            diagnostics: Vec::new(),
            shift: Shift::default(),
        }
    }

    /// Where a value sits in the file.
    pub(super) fn at<T>(&self, s: &S<T>) -> At {
        self.shift.apply(At::of(&s.referenced))
    }

    pub(super) fn error(&mut self, at: At, message: impl Into<String>, hint: Option<String>) {
        self.diagnostics.push(
            Diagnostic::new(self.file, at.line, at.column, message)
                .with_hint_opt(hint)
                .with_source(self.text),
        );
    }

    pub(super) fn location(&self, at: At) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: at.line,
            column: at.column,
        }
    }

    /// The suite name; `None` (with a diagnostic) when empty.
    pub fn suite_name(&mut self, name: &S<String>) -> Option<String> {
        if name.value.trim().is_empty() {
            self.error(
                self.at(name),
                "empty suite name",
                Some("name the suite, e.g. `suite: authorization-code`".to_string()),
            );
            return None;
        }
        Some(name.value.clone())
    }

    /// Checks that `scenarios:` is not empty.
    pub fn scenario_count(&mut self, count: usize, scenarios_at: At) {
        if count == 0 {
            self.error(
                scenarios_at,
                "`scenarios` is empty",
                Some("a suite holds at least one scenario".to_string()),
            );
        }
    }

    /// A scenario, or `None` when it has errors (all of them reported).
    pub fn scenario(&mut self, raw: &S<RawScenario>, shift: Shift) -> Option<Scenario> {
        self.shift = shift;
        let scenario = self.scenario_in_place(raw);
        self.shift = Shift::default();
        scenario
    }

    fn scenario_in_place(&mut self, raw: &S<RawScenario>) -> Option<Scenario> {
        let before = self.diagnostics.len();
        let r = &raw.value;

        self.scenario_id(&r.id);
        if r.title.value.trim().is_empty() {
            self.error(
                self.at(&r.title),
                "empty `title`",
                Some("say in a sentence what the scenario shows".to_string()),
            );
        }

        // Requirements, and the defaults they give.
        let mut first: Option<&'static catalogue::Requirement> = None;
        if r.requirements.value.is_empty() {
            self.error(
                self.at(&r.requirements),
                "`requirements` is empty",
                Some("name at least one catalogue id, e.g. `[code.single-use]`".to_string()),
            );
        }
        for (i, id) in r.requirements.value.iter().enumerate() {
            match catalogue::find(&id.value) {
                Some(req) => {
                    if i == 0 {
                        first = Some(req);
                    }
                }
                None => self.unknown_requirement(id),
            }
        }
        let level = r
            .level
            .as_ref()
            .map(|l| l.value)
            .or(first.map(|f| f.level))
            .unwrap_or(Level::Must);
        let levels = match &r.levels {
            Some(levels) if levels.value.0.is_empty() => {
                self.error(
                    self.at(levels),
                    "`levels` is empty",
                    Some("name a level per standard, e.g. `{ rfc6749: MUST, oauth2.1: MAY }`, or leave `levels` out".to_string()),
                );
                None
            }
            Some(levels) => Some(levels.value.clone()),
            None if r.level.is_none() => first.and_then(|f| f.levels.clone()),
            None => None,
        };
        let severity = r
            .severity
            .as_ref()
            .map(|s| s.value)
            .or(first.map(|f| f.severity))
            .unwrap_or(Severity::Medium);
        let refs = match &r.refs {
            Some(refs) => {
                for reference in &refs.value {
                    if reference.value.trim().is_empty() {
                        self.error(self.at(reference), "empty reference", None);
                    }
                }
                refs.value.iter().map(|r| r.value.clone()).collect()
            }
            None => first.map(|f| f.refs.clone()).unwrap_or_default(),
        };
        let requires = self.capabilities(r.requires.as_ref());

        // Variants, and the variables they set.
        let mut scope = Scope::default();
        let variants = match &r.vary {
            Some(vary) => self.variants(vary, &mut scope),
            None => Vec::new(),
        };

        // Steps, in order: each sees what the earlier ones saved.
        if r.steps.value.is_empty() {
            self.error(
                self.at(&r.steps),
                "`steps` is empty",
                Some("a scenario runs at least one step".to_string()),
            );
        }
        let mut steps = Vec::new();
        for raw_step in &r.steps.value {
            if let Some(step) = self.step(raw_step, &mut scope) {
                steps.push(step);
            }
        }
        let checks = |s: &S<crate::suite::raw::RawStep>| {
            s.value.check.is_some()
                || s.value.any_of.as_ref().is_some_and(|alternatives| {
                    alternatives.value.iter().any(|a| a.value.check.is_some())
                })
        };
        if !r.steps.value.is_empty() && !r.steps.value.iter().any(checks) {
            self.error(
                self.at(raw),
                format!("scenario `{}` checks nothing", r.id.value),
                Some("add a `check:` to the step that shows the requirement: `expect:` is only a precondition (a broken one ends the trial as `error`), a broken `check:` is what makes it `fail` or `warn`".to_string()),
            );
        }

        if self.diagnostics.len() > before {
            return None;
        }
        Some(Scenario {
            id: r.id.value.clone(),
            title: r.title.value.clone(),
            requirements: r
                .requirements
                .value
                .iter()
                .map(|r| r.value.clone())
                .collect(),
            level,
            levels,
            severity,
            refs,
            requires,
            variants,
            steps,
            location: self.location(self.at(raw)),
        })
    }

    fn scenario_id(&mut self, id: &S<String>) {
        let segments: Vec<&str> = id.value.split('.').collect();
        let valid = segments.len() >= 2
            && segments.iter().all(|s| {
                !s.is_empty()
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !valid {
            self.error(
                self.at(id),
                format!("invalid scenario id `{}`", id.value),
                Some("write `area.name` in lowercase letters, digits and hyphens, e.g. `code.single-use`".to_string()),
            );
        }
    }

    fn unknown_requirement(&mut self, id: &S<String>) {
        let hint = suggest(&id.value, catalogue::ids()).or_else(|| {
            let area = id.value.split('.').next().unwrap_or_default();
            let same_area: Vec<&str> = catalogue::ids()
                .filter(|i| i.split('.').next() == Some(area))
                .collect();
            Some(if same_area.is_empty() {
                "requirement ids are listed in `catalogue/requirements.yaml`".to_string()
            } else {
                format!("requirements in `{area}.*`: {}", one_of(same_area))
            })
        });
        self.error(
            self.at(id),
            format!("unknown requirement `{}`", id.value),
            hint,
        );
    }

    fn capabilities(&mut self, list: Option<&S<Vec<S<String>>>>) -> Vec<Capability> {
        let mut result = Vec::new();
        for name in list.map(|l| l.value.as_slice()).unwrap_or_default() {
            match Capability::from_name(&name.value) {
                Some(c) => {
                    if !result.contains(&c) {
                        result.push(c);
                    }
                }
                None => {
                    let names = Capability::ALL.iter().map(|c| c.name());
                    let hint = suggest(&name.value, names.clone())
                        .unwrap_or_else(|| format!("capabilities are {}", one_of(names)));
                    self.error(
                        self.at(name),
                        format!("unknown capability `{}`", name.value),
                        Some(hint),
                    );
                }
            }
        }
        result
    }

    fn variants(&mut self, vary: &S<Vec<S<RawVariant>>>, scope: &mut Scope) -> Vec<Variant> {
        if vary.value.is_empty() {
            self.error(
                self.at(vary),
                "`vary` is empty",
                Some("give at least one variant, or leave `vary` out".to_string()),
            );
        }
        let vary_scope = Scope {
            names: Vec::new(),
            in_vary: true,
        };
        let mut variants: Vec<Variant> = Vec::new();
        let mut first_names: Option<(String, Vec<String>)> = None;
        for raw in &vary.value {
            let v = &raw.value;
            let name = &v.name.value;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                self.error(
                    self.at(&v.name),
                    format!("invalid variant name `{name}`"),
                    Some(
                        "use lowercase letters, digits and hyphens, e.g. `other-host`".to_string(),
                    ),
                );
            }
            if let Some(previous) = variants.iter().find(|p| &p.name == name) {
                let first = previous.location.line;
                self.error(
                    self.at(&v.name),
                    format!("duplicate variant name `{name}` (first used at line {first})"),
                    None,
                );
            }
            let requires = self.capabilities(v.requires.as_ref());
            let mut set = Vec::new();
            for (key, value) in &v.set.value.0 {
                self.variable_name(key, "vary");
                let template = self.template(value, &vary_scope);
                set.push((key.value.clone(), template));
            }
            let names: Vec<String> = set.iter().map(|(n, _)| n.clone()).collect();
            match &first_names {
                None => first_names = Some((name.clone(), names.clone())),
                Some((first, expected)) => {
                    let missing: Vec<&str> = expected
                        .iter()
                        .filter(|n| !names.contains(n))
                        .map(String::as_str)
                        .collect();
                    let extra: Vec<&str> = names
                        .iter()
                        .filter(|n| !expected.contains(n))
                        .map(String::as_str)
                        .collect();
                    if !missing.is_empty() || !extra.is_empty() {
                        let mut parts = Vec::new();
                        if !missing.is_empty() {
                            parts.push(format!("does not set {}", one_of(missing.iter().copied())));
                        }
                        if !extra.is_empty() {
                            parts.push(format!("sets {}", one_of(extra.iter().copied())));
                        }
                        self.error(
                            self.at(&v.set),
                            format!(
                                "variant `{name}` {}, unlike the first variant `{first}`",
                                parts.join(" and ")
                            ),
                            Some("every variant must set the same variables".to_string()),
                        );
                    }
                }
            }
            for n in &names {
                scope.add(n);
            }
            variants.push(Variant {
                name: name.clone(),
                requires,
                set,
                location: self.location(self.at(raw)),
            });
        }
        variants
    }

    /// A `save:` or `vary` variable name: an identifier, and not a built-in.
    pub(super) fn variable_name(&mut self, name: &S<String>, context: &str) {
        let n = &name.value;
        let identifier = n
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            self.error(
                self.at(name),
                format!("invalid variable name `{n}` in `{context}`"),
                Some("use letters, digits and `_`, not starting with a digit".to_string()),
            );
        } else if builtin::is_builtin(n) {
            self.error(
                self.at(name),
                format!("`{n}` is a built-in variable"),
                Some("choose another name".to_string()),
            );
        }
    }

    /// Parses a template and checks the variables it uses.
    pub(super) fn template(&mut self, value: &S<String>, scope: &Scope) -> Template {
        self.template_at(&value.value, self.at(value), scope)
    }

    pub(super) fn template_at(&mut self, value: &str, place: At, scope: &Scope) -> Template {
        let parsed = match template::parse(value) {
            Ok(parsed) => parsed,
            Err(e) => {
                let where_ = place.inside(self.text, value, e.index);
                self.error(where_, e.message, e.hint);
                return Template::literal(value);
            }
        };
        for (name, index) in &parsed.vars {
            let where_ = place.inside(self.text, value, *index);
            if builtin::is_builtin(name) {
                if let Err(e) = Builtin::parse(name) {
                    self.error(where_, e.message, e.hint);
                }
            } else if !scope.has(name) {
                let roots = builtin::BUILTIN_ROOTS.iter().copied();
                let hint = did_you_mean(name, scope.names.iter().map(String::as_str))
                    .or_else(|| did_you_mean(name, roots))
                    .map(|n| format!("did you mean `{n}`?"));
                if scope.in_vary {
                    self.error(
                        where_,
                        format!("variable `{name}` is not set here: a variant's values may only use built-in variables"),
                        hint,
                    );
                } else {
                    self.error(
                        where_,
                        format!("variable `{name}` is not set before this step"),
                        hint.or_else(|| Some("set it with `save:` in an earlier step, or in every variant's `set:`".to_string())),
                    );
                }
            }
        }
        parsed.template
    }

    pub(super) fn opt_template(
        &mut self,
        value: Option<&S<String>>,
        scope: &Scope,
    ) -> Option<Template> {
        value.map(|v| self.template(v, scope))
    }

    /// `name → template or list` maps (`params`, `form`): one entry per value.
    pub(super) fn params(
        &mut self,
        pairs: Option<&S<Pairs<S<OneOrMany>>>>,
        scope: &Scope,
    ) -> Vec<(String, Template)> {
        let mut result = Vec::new();
        let Some(pairs) = pairs else {
            return result;
        };
        for (name, value) in &pairs.value.0 {
            if name.value.is_empty() {
                self.error(self.at(name), "empty parameter name", None);
            }
            match &value.value {
                OneOrMany::One(text) => {
                    let t = self.template_at(text, self.at(value), scope);
                    result.push((name.value.clone(), t));
                }
                OneOrMany::Many(items) => {
                    if items.is_empty() {
                        self.error(
                            self.at(value),
                            format!("empty list for `{}`", name.value),
                            Some("give at least one value, or use `omit:` to leave the parameter out".to_string()),
                        );
                    }
                    for item in items {
                        let t = self.template(item, scope);
                        result.push((name.value.clone(), t));
                    }
                }
                OneOrMany::Invalid(found) => self.error(
                    self.at(value),
                    format!(
                        "`{}` takes a value or a list of values, found {found}",
                        name.value
                    ),
                    (*found == "nothing").then(|| {
                        "write `\"\"` to send the parameter with an empty value".to_string()
                    }),
                ),
            }
        }
        result
    }

    pub(super) fn names(&mut self, list: Option<&S<Vec<S<String>>>>) -> Vec<String> {
        let mut result = Vec::new();
        for name in list.map(|l| l.value.as_slice()).unwrap_or_default() {
            if name.value.trim().is_empty() {
                self.error(self.at(name), "empty name in `omit`", None);
            }
            result.push(name.value.clone());
        }
        result
    }
}
