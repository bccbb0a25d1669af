//! Validation of one step: exactly one kind key, each kind built by its own
//! phase, then `expect`/`check`, `level` and `save`. The kinds come from the
//! `step_kinds!` declaration in `raw.rs`; `step_kind` matches them without a
//! wildcard, so a new kind does not compile until it is built here.

use crate::diag::{one_of, suggest};
use crate::suite::field::ResultKind;
use crate::suite::model::*;
use crate::suite::raw::{
    AuthKeys, RawAuthorize, RawBearer, RawConsent, RawKind, RawRefresh, RawRequest, RawStep,
    RawToken, RawTokenOp, S, STEP_KINDS, SecretKind,
};
use crate::suite::source::At;

use super::{Scope, Validator};

/// HTTP methods a `request:` step may use.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

impl Validator<'_> {
    fn client_auth(&mut self, keys: AuthKeys<'_>, scope: &Scope) -> ClientAuth {
        let mut choices: Vec<(&str, At, SecretChoice)> = Vec::new();
        if let Some(s) = keys.secret {
            let choice = match s.value {
                SecretKind::Registered => SecretChoice::Registered,
                SecretKind::Wrong => SecretChoice::Wrong,
                SecretKind::Empty => SecretChoice::Empty,
            };
            choices.push(("secret", self.at(s), choice));
        }
        if let Some(s) = keys.secret_of {
            choices.push(("secret_of", self.at(s), SecretChoice::Of(s.value)));
        }
        if let Some(s) = keys.secret_value {
            let t = self.template(s, scope);
            choices.push(("secret_value", self.at(s), SecretChoice::Value(t)));
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
    pub(super) fn step(&mut self, raw: &S<RawStep>, scope: &mut Scope) -> Option<Step> {
        let before = self.diagnostics.len();
        let r = &raw.value;
        let step_at = self.at(raw);

        let kinds = r.kinds();
        let kind = match kinds.as_slice() {
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
            [only] => Some(*only),
            [first, second, ..] => {
                self.error(
                    self.shift.apply(second.at()),
                    format!(
                        "step has two kinds, `{}` and `{}`",
                        first.key().name(),
                        second.key().name()
                    ),
                    Some("a step does one thing: split it into two steps".to_string()),
                );
                Some(*first)
            }
        };
        let kind_key = kind.map(RawKind::key);
        let kind = kind.map(|k| self.step_kind(k, scope));

        let expect = r
            .expect
            .as_ref()
            .map(|e| self.expect(e, "expect", kind_key, scope));
        let check = r
            .check
            .as_ref()
            .map(|e| self.expect(e, "check", kind_key, scope));
        let any_of = r
            .any_of
            .as_ref()
            .map(|alternatives| self.any_of(alternatives, kind_key, scope));
        if let (Some(level), None, None) = (&r.level, &r.check, &r.any_of) {
            self.error(
                self.at(level),
                "`level` without `check`",
                Some(
                    "`level` sets the level of this step's `check` (or `any_of`); add one or drop `level`"
                        .to_string(),
                ),
            );
        }

        let mut save = Vec::new();
        if let Some(pairs) = &r.save {
            for (name, path) in &pairs.value.0 {
                self.variable_name(name, "save");
                if let Some(path) = self.result_path(path, kind_key) {
                    save.push((name.value.clone(), path));
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
            any_of,
            level: r.level.as_ref().map(|l| l.value),
            location: self.location(step_at),
        })
    }

    /// Builds one kind, each by its own phase.
    fn step_kind(&mut self, kind: RawKind<'_>, scope: &Scope) -> StepKind {
        match kind {
            RawKind::Authorize(a) => {
                StepKind::Authorize(self.authorize_step(a.value.as_ref(), scope))
            }
            RawKind::Token(t) => StepKind::Token(self.token_step(t.value.as_ref(), scope)),
            RawKind::Refresh(r) => StepKind::Token(self.refresh_step(&r.value, scope)),
            RawKind::Revoke(t) => StepKind::Revoke(self.token_op_step(&t.value, scope)),
            RawKind::Introspect(t) => StepKind::Introspect(self.token_op_step(&t.value, scope)),
            RawKind::Userinfo(b) => StepKind::Userinfo(self.bearer_step(b.value.as_ref(), scope)),
            RawKind::Resource(b) => StepKind::Resource(self.bearer_step(b.value.as_ref(), scope)),
            RawKind::IdToken(i) => StepKind::IdToken(IdTokenStep {
                token: self.template(&i.value.token, scope),
                access_token: i
                    .value
                    .access_token
                    .as_ref()
                    .map(|t| self.template(t, scope)),
                code: i.value.code.as_ref().map(|t| self.template(t, scope)),
            }),
            RawKind::Discover(_) => StepKind::Discover,
            RawKind::Wait(w) => StepKind::Wait(self.wait(w)),
            RawKind::Request(q) => StepKind::Request(self.request_step(&q.value, scope)),
            RawKind::Tamper(t) => StepKind::Tamper(self.tamper_step(t, scope)),
            RawKind::Race(r) => StepKind::Race(self.race_step(r, scope)),
            RawKind::Entropy(e) => StepKind::Entropy(self.entropy_step(e.value.as_ref())),
            RawKind::TlsProbe(p) => StepKind::TlsProbe(crate::suite::model::TlsProbeStep {
                probe: p.value.probe.value,
                endpoint: p.value.endpoint.value,
            }),
        }
    }

    /// `authorize:` (all keys optional).
    fn authorize_step(&mut self, raw: Option<&RawAuthorize>, scope: &Scope) -> AuthorizeStep {
        let default = RawAuthorize::default();
        let a = raw.unwrap_or(&default);
        AuthorizeStep {
            client: a.client.as_ref().map(|c| c.value).unwrap_or_default(),
            params: self.params(a.params.as_ref(), scope),
            omit: self.names(a.omit.as_ref()),
            consent: match a.consent.as_ref().map(|c| c.value) {
                Some(RawConsent::Deny) => ConsentChoice::Deny,
                _ => ConsentChoice::Approve,
            },
            fresh_session: a.fresh_session.as_ref().is_some_and(|f| f.value),
            force_consent: a.force_consent.as_ref().is_some_and(|f| f.value),
            password: a.password.as_ref().map(|p| p.value).unwrap_or_default(),
            quiet_logins: a.quiet_logins.as_ref().and_then(|q| self.quiet(q)),
        }
    }

    /// `quiet_logins: 2s`: a duration of at most 10 s.
    fn quiet(&mut self, raw: &S<String>) -> Option<std::time::Duration> {
        match humantime::parse_duration(raw.value.trim()) {
            Ok(d) if d <= std::time::Duration::from_secs(10) => Some(d),
            Ok(_) => {
                let place = self.at(raw);
                self.error(
                    place,
                    format!("`quiet_logins: {}` is longer than 10s", raw.value),
                    None,
                );
                None
            }
            Err(e) => {
                let place = self.at(raw);
                self.error(
                    place,
                    format!("invalid duration `{}`: {e}", raw.value),
                    Some("write durations like `500ms` or `2s`".to_string()),
                );
                None
            }
        }
    }

    /// `token:`: the grant follows `grant_type`, else the fields given.
    pub(super) fn token_step(&mut self, raw: Option<&RawToken>, scope: &Scope) -> TokenStep {
        let default = RawToken::default();
        let t = raw.unwrap_or(&default);
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
                match GrantType::from_param(&g.value) {
                    Some(known) if literal => Grant::Known(known),
                    _ => Grant::Other(template),
                }
            }
            None if t.code.is_some() => Grant::Known(GrantType::AuthorizationCode),
            None if t.refresh_token.is_some() => Grant::Known(GrantType::RefreshToken),
            None => Grant::Known(GrantType::ClientCredentials),
        };
        TokenStep {
            grant,
            auth: self.client_auth(t.auth_keys(), scope),
            params,
            omit: self.names(t.omit.as_ref()),
        }
    }

    /// `refresh:`: a refresh-token grant.
    pub(super) fn refresh_step(&mut self, t: &RawRefresh, scope: &Scope) -> TokenStep {
        let mut params = vec![("refresh_token".to_string(), self.template(&t.token, scope))];
        if let Some(scope_value) = &t.scope {
            params.push(("scope".to_string(), self.template(scope_value, scope)));
        }
        params.extend(self.params(t.params.as_ref(), scope));
        TokenStep {
            grant: Grant::Known(GrantType::RefreshToken),
            auth: self.client_auth(t.auth_keys(), scope),
            params,
            omit: self.names(t.omit.as_ref()),
        }
    }

    /// `revoke:` and `introspect:`.
    fn token_op_step(&mut self, t: &RawTokenOp, scope: &Scope) -> TokenOpStep {
        TokenOpStep {
            token: self.template(&t.token, scope),
            hint: self.opt_template(t.hint.as_ref(), scope),
            auth: self.client_auth(t.auth_keys(), scope),
        }
    }

    /// `userinfo:` and `resource:`.
    fn bearer_step(&mut self, raw: Option<&RawBearer>, scope: &Scope) -> BearerStep {
        let default = RawBearer::default();
        let b = raw.unwrap_or(&default);
        BearerStep {
            token: self.opt_template(b.token.as_ref(), scope),
            url: self.opt_template(b.url.as_ref(), scope),
        }
    }

    /// `request:`: raw HTTP.
    fn request_step(&mut self, q: &RawRequest, scope: &Scope) -> RequestStep {
        let method = q.method.value.clone();
        if !METHODS.contains(&method.as_str()) {
            let hint = METHODS
                .iter()
                .find(|m| m.eq_ignore_ascii_case(&method))
                .map(|m| format!("write it in capitals: `{m}`"))
                .or_else(|| suggest(&method, METHODS.iter().copied()))
                .unwrap_or_else(|| format!("methods are {}", one_of(METHODS.iter().copied())));
            self.error(
                self.at(&q.method),
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
                self.at(body),
                "`body` and `form` exclude each other",
                Some("`form` builds an urlencoded body; give one or the other".to_string()),
            );
        }
        RequestStep {
            method,
            url: self.template(&q.url, scope),
            headers,
            form: self.params(q.form.as_ref(), scope),
            body: self.opt_template(q.body.as_ref(), scope),
            auth: q
                .auth
                .as_ref()
                .map(|a| self.client_auth(a.value.auth_keys(), scope)),
            raw_query: q.raw_query.as_ref().map(|raw| {
                self.raw_query(raw, &q.url);
                self.template(raw, scope)
            }),
        }
    }

    /// `raw_query:` goes on the request line as written: bytes that would
    /// end the line, or the query (`#`), or that no server could read as
    /// part of a request target are refused where they stand.
    fn raw_query(&mut self, raw: &S<String>, url: &S<String>) {
        let text = &raw.value;
        let bad = text
            .char_indices()
            .find(|(_, c)| c.is_control() || *c == '#');
        if let Some((index, c)) = bad {
            let place = self.at(raw).inside(self.text, text, index);
            let what = match c {
                '\r' | '\n' => "a line break would end the request line".to_string(),
                '#' => "`#` starts a fragment, which is never sent".to_string(),
                c => format!("the control character U+{:04X} cannot be sent", c as u32),
            };
            self.error(
                place,
                format!("`raw_query` cannot contain this character: {what}"),
                Some("write it percent-encoded (e.g. `%0A`, `%23`)".into()),
            );
        }
        if text.is_empty() {
            self.error(self.at(raw), "`raw_query` is empty", None);
        }
        if url.value.contains('#') {
            self.error(
                self.at(url),
                "a `url` with a fragment cannot take a `raw_query`",
                None,
            );
        }
    }

    pub(super) fn header_name(&mut self, name: &S<String>) {
        let valid = !name.value.is_empty()
            && name
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            self.error(
                self.at(name),
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
        // The fixed part, checked as it grows: a sum past `MAX_WAIT` is
        // reported once, at the term that crosses it.
        let mut fixed = Some(std::time::Duration::ZERO);
        let too_long = || {
            format!(
                "`wait: {text}` sleeps longer than {}",
                humantime::format_duration(MAX_WAIT)
            )
        };
        for term in text.split('+') {
            let start = index + (term.len() - term.trim_start().len());
            index += term.len() + 1;
            let term = term.trim();
            let place = self.at(raw).inside(self.text, text, start);
            if term.is_empty() {
                self.error(
                    place,
                    format!("empty term in `wait: {text}`"),
                    Some("write a sum such as `code_ttl + 2s`".to_string()),
                );
            } else if term.starts_with(|c: char| c.is_ascii_digit()) {
                match humantime::parse_duration(term) {
                    Ok(d) => {
                        let sum = fixed.and_then(|f| f.checked_add(d));
                        if fixed.is_some() && sum.is_none_or(|s| s > MAX_WAIT) {
                            self.error(
                                place,
                                too_long(),
                                Some("a trial that sleeps this long is a typo".to_string()),
                            );
                            fixed = None;
                        } else {
                            fixed = sum;
                        }
                        terms.push(WaitTerm::Fixed(d));
                    }
                    Err(e) => self.error(
                        place,
                        format!("invalid duration `{term}`: {e}"),
                        Some("write durations like `500ms`, `2s` or `1m`".to_string()),
                    ),
                }
            } else if let Some(name) = TimingName::from_name(term) {
                terms.push(WaitTerm::Timing(name));
            } else {
                let names = TimingName::NAMES.iter().copied();
                let hint = suggest(term, names.clone()).unwrap_or_else(|| {
                    format!(
                        "a wait adds durations (`2s`) and timing names: {}",
                        one_of(names)
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
    pub(super) fn field_path(&mut self, path: &S<String>) -> Option<Vec<String>> {
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
                self.at(path),
                format!("invalid field path `{p}`: {problem}"),
                Some("write a dotted path such as `json.access_token`, `params.code` or `headers.cache-control`".to_string()),
            );
            return None;
        }
        Some(p.split('.').map(str::to_string).collect())
    }

    /// A `save:`/`fields:` path resolved for the result of a `kind` step
    /// (`None`, with a diagnostic, when it cannot exist on that result).
    pub(super) fn result_path(
        &mut self,
        path: &S<String>,
        kind: Option<StepKey>,
    ) -> Option<FieldPath> {
        self.field_path(path)?;
        let kind = ResultKind::of(kind?);
        match FieldPath::resolve(kind, &path.value) {
            Ok(resolved) => Some(resolved),
            Err(e) => {
                let hint = e.hint(kind);
                self.error(
                    self.at(path),
                    format!("field path `{}`: {e}", path.value),
                    hint,
                );
                None
            }
        }
    }
}
