//! Raw records → the validated model, with every semantic error collected.
//!
//! Checks what the schema cannot: requirement ids against the catalogue,
//! capability and timing names, one kind per step, templates and the
//! variables they use (set by `vary` or saved by an earlier step), matchers
//! and regexes, field paths, and that each scenario checks something. It
//! never stops at the first problem: a scenario with errors is dropped from
//! the result, but the next one is still checked. No I/O.

use std::path::Path;

use crate::catalogue;
use crate::diag::{Diagnostic, did_you_mean, one_of, suggest};
use crate::suite::matcher::{MATCHER_KEYS, MatcherArg, RawMatcher, check_regex};
use crate::suite::model::*;
use crate::suite::raw::{
    AuthKeys, EXPECT_KEYS, OneOrMany, Pairs, RawExpect, RawScenario, RawStatus, RawStep,
    RawVariant, S, STEP_KINDS, SecretKind,
};
use crate::suite::source::At;
use crate::suite::template;

/// Timing names a `wait:` may use (declared in the target profile).
pub const TIMING_NAMES: &[&str] = &["code_ttl", "access_ttl", "refresh_idle"];

/// HTTP methods a `request:` step may use.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

fn at<T>(s: &S<T>) -> At {
    At::of(&s.referenced)
}

/// Variables a template may use at one point of a scenario.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// Set by `vary` and saved by earlier steps, in order.
    names: Vec<String>,
    /// In a variant's `set:`: only built-ins exist there.
    in_vary: bool,
}

impl Scope {
    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    fn add(&mut self, name: &str) {
        if !self.has(name) {
            self.names.push(name.to_string());
        }
    }
}

pub(crate) struct Validator<'a> {
    file: &'a Path,
    text: &'a str,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Validator<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Validator<'a> {
        Validator {
            file,
            text,
            diagnostics: Vec::new(),
        }
    }

    fn error(&mut self, at: At, message: impl Into<String>, hint: Option<String>) {
        self.diagnostics.push(
            Diagnostic::new(self.file, at.line, at.column, message)
                .with_hint_opt(hint)
                .with_source(self.text),
        );
    }

    fn location(&self, at: At) -> Location {
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
                at(name),
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
    pub fn scenario(&mut self, raw: &S<RawScenario>) -> Option<Scenario> {
        let before = self.diagnostics.len();
        let r = &raw.value;

        self.scenario_id(&r.id);
        if r.title.value.trim().is_empty() {
            self.error(
                at(&r.title),
                "empty `title`",
                Some("say in a sentence what the scenario shows".to_string()),
            );
        }

        // Requirements, and the defaults they give.
        let mut first: Option<&'static catalogue::Requirement> = None;
        if r.requirements.value.is_empty() {
            self.error(
                at(&r.requirements),
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
                        self.error(at(reference), "empty reference", None);
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
                at(&r.steps),
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
        if !r.steps.value.is_empty() && !r.steps.value.iter().any(|s| s.value.check.is_some()) {
            self.error(
                at(raw),
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
            severity,
            refs,
            requires,
            variants,
            steps,
            location: self.location(at(raw)),
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
                at(id),
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
        self.error(at(id), format!("unknown requirement `{}`", id.value), hint);
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
                        at(name),
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
                at(vary),
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
                    at(&v.name),
                    format!("invalid variant name `{name}`"),
                    Some(
                        "use lowercase letters, digits and hyphens, e.g. `other-host`".to_string(),
                    ),
                );
            }
            if let Some(previous) = variants.iter().find(|p| &p.name == name) {
                let first = previous.location.line;
                self.error(
                    at(&v.name),
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
                            at(&v.set),
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
                location: self.location(at(raw)),
            });
        }
        variants
    }

    /// A `save:` or `vary` variable name: an identifier, and not a built-in.
    fn variable_name(&mut self, name: &S<String>, context: &str) {
        let n = &name.value;
        let identifier = n
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            self.error(
                at(name),
                format!("invalid variable name `{n}` in `{context}`"),
                Some("use letters, digits and `_`, not starting with a digit".to_string()),
            );
        } else if template::is_builtin(n) {
            self.error(
                at(name),
                format!("`{n}` is a built-in variable"),
                Some("choose another name".to_string()),
            );
        }
    }

    /// Parses a template and checks the variables it uses.
    fn template(&mut self, value: &S<String>, scope: &Scope) -> Template {
        self.template_at(&value.value, at(value), scope)
    }

    fn template_at(&mut self, value: &str, place: At, scope: &Scope) -> Template {
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
            if template::is_builtin(name) {
                if let Err((message, hint)) = template::check_builtin(name) {
                    self.error(where_, message, hint);
                }
            } else if !scope.has(name) {
                let roots = template::BUILTIN_ROOTS.iter().copied();
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

    fn opt_template(&mut self, value: Option<&S<String>>, scope: &Scope) -> Option<Template> {
        value.map(|v| self.template(v, scope))
    }

    /// `name → template or list` maps (`params`, `form`): one entry per value.
    fn params(
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
                self.error(at(name), "empty parameter name", None);
            }
            match &value.value {
                OneOrMany::One(text) => {
                    let t = self.template_at(text, at(value), scope);
                    result.push((name.value.clone(), t));
                }
                OneOrMany::Many(items) => {
                    if items.is_empty() {
                        self.error(
                            at(value),
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
                    at(value),
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

    fn names(&mut self, list: Option<&S<Vec<S<String>>>>) -> Vec<String> {
        let mut result = Vec::new();
        for name in list.map(|l| l.value.as_slice()).unwrap_or_default() {
            if name.value.trim().is_empty() {
                self.error(at(name), "empty name in `omit`", None);
            }
            result.push(name.value.clone());
        }
        result
    }

    fn client_auth(&mut self, keys: AuthKeys<'_>, scope: &Scope) -> ClientAuth {
        let mut choices: Vec<(&str, At, SecretChoice)> = Vec::new();
        if let Some(s) = keys.secret {
            let choice = match s.value {
                SecretKind::Registered => SecretChoice::Registered,
                SecretKind::Wrong => SecretChoice::Wrong,
                SecretKind::Empty => SecretChoice::Empty,
            };
            choices.push(("secret", at(s), choice));
        }
        if let Some(s) = keys.secret_of {
            choices.push(("secret_of", at(s), SecretChoice::Of(s.value)));
        }
        if let Some(s) = keys.secret_value {
            let t = self.template(s, scope);
            choices.push(("secret_value", at(s), SecretChoice::Value(t)));
        }
        if choices.len() > 1 {
            let (second, place, _) = &choices[1];
            self.error(
                *place,
                format!("`{second}` conflicts with `{}`", choices[0].0),
                Some("give at most one of `secret`, `secret_of` and `secret_value`".to_string()),
            );
        }
        ClientAuth {
            client: keys.client.map(|c| c.value).unwrap_or_default(),
            method: keys.auth.map(|a| a.value),
            secret: choices.into_iter().next().map(|c| c.2).unwrap_or_default(),
            client_id: self.opt_template(keys.client_id, scope),
        }
    }

    /// One step; its saved variables join `scope` for the steps after it.
    fn step(&mut self, raw: &S<RawStep>, scope: &mut Scope) -> Option<Step> {
        let before = self.diagnostics.len();
        let r = &raw.value;
        let step_at = at(raw);

        let mut kinds: Vec<(&str, At)> = Vec::new();
        macro_rules! kind {
            ($field:ident) => {
                if let Some(v) = &r.$field {
                    kinds.push((stringify!($field), at(v)));
                }
            };
        }
        kind!(authorize);
        kind!(token);
        kind!(refresh);
        kind!(revoke);
        kind!(introspect);
        kind!(userinfo);
        kind!(resource);
        kind!(id_token);
        kind!(discover);
        kind!(wait);
        kind!(request);

        let kind_name = match kinds.as_slice() {
            [] => {
                self.error(
                    step_at,
                    "step has no kind",
                    Some(format!(
                        "a step is one of {}",
                        one_of(STEP_KINDS.iter().copied())
                    )),
                );
                None
            }
            [(name, _)] => Some(*name),
            [(first, _), (second, place), ..] => {
                self.error(
                    *place,
                    format!("step has two kinds, `{first}` and `{second}`"),
                    Some("a step does one thing: split it into two steps".to_string()),
                );
                Some(*first)
            }
        };

        let kind = kind_name.and_then(|name| self.step_kind(r, name, scope));

        let expect = r
            .expect
            .as_ref()
            .map(|e| self.expect(e, "expect", kind_name, scope));
        let check = r
            .check
            .as_ref()
            .map(|e| self.expect(e, "check", kind_name, scope));
        if let (Some(level), None) = (&r.level, &r.check) {
            self.error(
                at(level),
                "`level` without `check`",
                Some(
                    "`level` sets the level of this step's `check`; add one or drop `level`"
                        .to_string(),
                ),
            );
        }

        let mut save = Vec::new();
        if let Some(pairs) = &r.save {
            for (name, path) in &pairs.value.0 {
                self.variable_name(name, "save");
                if let Some(path) = self.field_path(path) {
                    save.push((name.value.clone(), FieldPath(path)));
                }
            }
            // Saved values exist only after the step ran. A name whose path
            // is wrong still counts, so its uses do not pile up errors.
            for (name, _) in &pairs.value.0 {
                scope.add(&name.value);
            }
        }

        if self.diagnostics.len() > before {
            return None;
        }
        Some(Step {
            kind: kind?,
            save,
            expect,
            check,
            level: r.level.as_ref().map(|l| l.value),
            location: self.location(step_at),
        })
    }

    fn step_kind(&mut self, r: &RawStep, name: &str, scope: &Scope) -> Option<StepKind> {
        Some(match name {
            "authorize" => {
                let raw = r.authorize.as_ref()?;
                let default = Default::default();
                let a = raw.value.as_ref().unwrap_or(&default);
                StepKind::Authorize(AuthorizeStep {
                    client: a.client.as_ref().map(|c| c.value).unwrap_or_default(),
                    params: self.params(a.params.as_ref(), scope),
                    omit: self.names(a.omit.as_ref()),
                    consent: match a.consent.as_ref().map(|c| c.value) {
                        Some(crate::suite::raw::RawConsent::Deny) => ConsentChoice::Deny,
                        _ => ConsentChoice::Approve,
                    },
                    fresh_session: a.fresh_session.as_ref().is_some_and(|f| f.value),
                    password: a.password.as_ref().map(|p| p.value).unwrap_or_default(),
                })
            }
            "token" => {
                let raw = r.token.as_ref()?;
                let default = Default::default();
                let t = raw.value.as_ref().unwrap_or(&default);
                let mut params = Vec::new();
                for (field, value) in [
                    ("code", &t.code),
                    ("redirect_uri", &t.redirect_uri),
                    ("code_verifier", &t.code_verifier),
                    ("refresh_token", &t.refresh_token),
                    ("scope", &t.scope),
                ] {
                    if let Some(value) = value {
                        let template = self.template(value, scope);
                        params.push((field.to_string(), template));
                    }
                }
                params.extend(self.params(t.params.as_ref(), scope));
                let grant = match &t.grant_type {
                    Some(g) => {
                        let template = self.template(g, scope);
                        let literal = !template
                            .parts
                            .iter()
                            .any(|p| matches!(p, TemplatePart::Var(_)));
                        match g.value.as_str() {
                            "authorization_code" if literal => Grant::AuthorizationCode,
                            "refresh_token" if literal => Grant::RefreshToken,
                            "client_credentials" if literal => Grant::ClientCredentials,
                            _ => Grant::Other(template),
                        }
                    }
                    None if t.code.is_some() => Grant::AuthorizationCode,
                    None if t.refresh_token.is_some() => Grant::RefreshToken,
                    None => Grant::ClientCredentials,
                };
                StepKind::Token(TokenStep {
                    grant,
                    auth: self.client_auth(t.auth_keys(), scope),
                    params,
                    omit: self.names(t.omit.as_ref()),
                })
            }
            "refresh" => {
                let t = &r.refresh.as_ref()?.value;
                let mut params =
                    vec![("refresh_token".to_string(), self.template(&t.token, scope))];
                if let Some(scope_value) = &t.scope {
                    params.push(("scope".to_string(), self.template(scope_value, scope)));
                }
                params.extend(self.params(t.params.as_ref(), scope));
                StepKind::Token(TokenStep {
                    grant: Grant::RefreshToken,
                    auth: self.client_auth(t.auth_keys(), scope),
                    params,
                    omit: self.names(t.omit.as_ref()),
                })
            }
            "revoke" | "introspect" => {
                let raw = if name == "revoke" {
                    &r.revoke
                } else {
                    &r.introspect
                };
                let t = &raw.as_ref()?.value;
                let op = TokenOpStep {
                    token: self.template(&t.token, scope),
                    hint: self.opt_template(t.hint.as_ref(), scope),
                    auth: self.client_auth(t.auth_keys(), scope),
                };
                if name == "revoke" {
                    StepKind::Revoke(op)
                } else {
                    StepKind::Introspect(op)
                }
            }
            "userinfo" | "resource" => {
                let raw = if name == "userinfo" {
                    &r.userinfo
                } else {
                    &r.resource
                };
                let default = Default::default();
                let b = raw.as_ref()?.value.as_ref().unwrap_or(&default);
                let bearer = BearerStep {
                    token: self.opt_template(b.token.as_ref(), scope),
                    url: self.opt_template(b.url.as_ref(), scope),
                };
                if name == "userinfo" {
                    StepKind::Userinfo(bearer)
                } else {
                    StepKind::Resource(bearer)
                }
            }
            "id_token" => StepKind::IdToken(IdTokenStep {
                token: self.template(&r.id_token.as_ref()?.value.token, scope),
            }),
            "discover" => StepKind::Discover,
            "wait" => StepKind::Wait(self.wait(r.wait.as_ref()?)),
            "request" => {
                let q = &r.request.as_ref()?.value;
                let method = q.method.value.clone();
                if !METHODS.contains(&method.as_str()) {
                    let hint = METHODS
                        .iter()
                        .find(|m| m.eq_ignore_ascii_case(&method))
                        .map(|m| format!("write it in capitals: `{m}`"))
                        .or_else(|| suggest(&method, METHODS.iter().copied()))
                        .unwrap_or_else(|| {
                            format!("methods are {}", one_of(METHODS.iter().copied()))
                        });
                    self.error(
                        at(&q.method),
                        format!("unknown HTTP method `{method}`"),
                        Some(hint),
                    );
                }
                let mut headers = Vec::new();
                if let Some(pairs) = &q.headers {
                    for (header, value) in &pairs.value.0 {
                        self.header_name(header);
                        let t = self.template(value, scope);
                        headers.push((header.value.clone(), t));
                    }
                }
                if let (Some(_), Some(body)) = (&q.form, &q.body) {
                    self.error(
                        at(body),
                        "`body` and `form` exclude each other",
                        Some("`form` builds an urlencoded body; give one or the other".to_string()),
                    );
                }
                StepKind::Request(RequestStep {
                    method,
                    url: self.template(&q.url, scope),
                    headers,
                    form: self.params(q.form.as_ref(), scope),
                    body: self.opt_template(q.body.as_ref(), scope),
                    auth: q
                        .auth
                        .as_ref()
                        .map(|a| self.client_auth(a.value.auth_keys(), scope)),
                })
            }
            _ => return None,
        })
    }

    fn header_name(&mut self, name: &S<String>) {
        let valid = !name.value.is_empty()
            && name
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            self.error(
                at(name),
                format!("invalid header name `{}`", name.value),
                None,
            );
        }
    }

    /// `code_ttl + 2s`: durations and timing names.
    fn wait(&mut self, raw: &S<String>) -> WaitSpec {
        let text = &raw.value;
        let mut terms = Vec::new();
        let mut index = 0;
        for term in text.split('+') {
            let start = index + (term.len() - term.trim_start().len());
            index += term.len() + 1;
            let term = term.trim();
            let place = at(raw).inside(self.text, text, start);
            if term.is_empty() {
                self.error(
                    place,
                    format!("empty term in `wait: {text}`"),
                    Some("write a sum such as `code_ttl + 2s`".to_string()),
                );
            } else if term.starts_with(|c: char| c.is_ascii_digit()) {
                match humantime::parse_duration(term) {
                    Ok(d) => terms.push(WaitTerm::Fixed(d)),
                    Err(e) => self.error(
                        place,
                        format!("invalid duration `{term}`: {e}"),
                        Some("write durations like `500ms`, `2s` or `1m`".to_string()),
                    ),
                }
            } else if TIMING_NAMES.contains(&term) {
                terms.push(WaitTerm::Timing(term.to_string()));
            } else {
                let hint = suggest(term, TIMING_NAMES.iter().copied()).unwrap_or_else(|| {
                    format!(
                        "a wait adds durations (`2s`) and timing names: {}",
                        one_of(TIMING_NAMES.iter().copied())
                    )
                });
                self.error(place, format!("unknown timing `{term}`"), Some(hint));
            }
        }
        WaitSpec {
            terms,
            source: text.clone(),
        }
    }

    /// A dotted field path: non-empty segments without spaces.
    fn field_path(&mut self, path: &S<String>) -> Option<Vec<String>> {
        let p = &path.value;
        let problem = if p.is_empty() {
            Some("empty field path")
        } else if p.split('.').any(str::is_empty) {
            Some("empty segment")
        } else if p.chars().any(char::is_whitespace) {
            Some("spaces are not allowed")
        } else if p.contains("${") {
            Some("a field path is not a template")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error(
                at(path),
                format!("invalid field path `{p}`: {problem}"),
                Some("write a dotted path such as `json.access_token`, `params.code` or `headers.cache-control`".to_string()),
            );
            return None;
        }
        Some(p.split('.').map(str::to_string).collect())
    }

    fn expect(
        &mut self,
        raw: &S<RawExpect>,
        key: &str,
        kind: Option<&str>,
        scope: &Scope,
    ) -> Expect {
        let e = &raw.value;
        let place = at(raw);
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
            let values: Vec<(i64, At)> = match &status.value {
                RawStatus::One(n) => vec![(*n, at(status))],
                RawStatus::Many(items) => {
                    if items.is_empty() {
                        self.error(at(status), "empty `status` list", None);
                    }
                    items.iter().map(|i| (i.value, at(i))).collect()
                }
                RawStatus::Invalid(found) => {
                    self.error(
                        at(status),
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
            match &error.value {
                OneOrMany::One(code) => result.error.push(code.clone()),
                OneOrMany::Many(items) => {
                    if items.is_empty() {
                        self.error(at(error), "empty `error` list", None);
                    }
                    result.error.extend(items.iter().map(|i| i.value.clone()));
                }
                OneOrMany::Invalid(found) => self.error(
                    at(error),
                    format!("`error` takes an error code or a list of them, found {found}"),
                    None,
                ),
            }
            for code in &result.error {
                if code.trim().is_empty() {
                    self.error(at(error), "empty error code", None);
                }
            }
        }

        let not_authorize = kind.is_some_and(|k| k != "authorize");
        if let Some(redirect) = &e.redirect {
            if not_authorize {
                self.error(
                    at(redirect),
                    format!(
                        "`redirect` applies to `authorize` steps only, not `{}`",
                        kind.unwrap_or_default()
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
                    at(no_redirect),
                    format!(
                        "`no_redirect` applies to `authorize` steps only, not `{}`",
                        kind.unwrap_or_default()
                    ),
                    None,
                );
            }
            if no_redirect.value && e.redirect.is_some() {
                self.error(
                    at(no_redirect),
                    "`redirect` and `no_redirect: true` exclude each other",
                    None,
                );
            }
            result.no_redirect = no_redirect.value;
        }

        if let Some(headers) = &e.headers {
            for (name, _) in &headers.value.0 {
                self.header_name(name);
            }
            result.headers = self.matchers(headers, scope);
        }
        if let Some(json) = &e.json {
            for (path, _) in &json.value.0 {
                self.field_path(path);
            }
            result.json = self.matchers(json, scope);
        }
        if let Some(fields) = &e.fields {
            for (path, matcher) in &fields.value.0 {
                let path = self.field_path(path);
                let matcher = self.matcher(matcher, scope);
                if let (Some(path), Some(matcher)) = (path, matcher) {
                    result.fields.push((FieldPath(path), matcher));
                }
            }
        }
        result
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
        let place = at(raw);
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
                        at(second),
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
        let place = at(arg);
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
            "equals" | "not" | "contains" => {
                let Some(t) = text(self) else {
                    return wrong(self, "a string");
                };
                Some(match k {
                    "equals" => Matcher::Equals(t),
                    "not" => Matcher::NotEquals(t),
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
                self.error(at(key), format!("unknown matcher `{k}`"), Some(hint));
                None
            }
        }
    }
}
