//! Validation of the probe step kinds: `tamper` (a scraped form submitted
//! changed), `race` (identical token requests released together) and
//! `entropy` (codes and tokens sampled and measured). Each is bounded here,
//! where a suite author learns the bound at the line that breaks it.

use crate::suite::model::*;
use crate::suite::raw::{RawEntropy, RawRace, RawTamper, S};

use super::{Scope, Validator};

/// The name a tamper step uses for "the form's anti-forgery field".
pub const ANTI_FORGERY: &str = "@csrf";

impl Validator<'_> {
    /// A form field name: exact, or `@csrf`.
    fn form_field(&mut self, name: &S<String>) -> FormField {
        let text = name.value.as_str();
        if text == ANTI_FORGERY {
            return FormField::AntiForgery;
        }
        if text.trim().is_empty() {
            self.error(self.at(name), "empty form field name", None);
        } else if text.starts_with('@') {
            self.error(
                self.at(name),
                format!("unknown field reference `{text}`"),
                Some(format!(
                    "`{ANTI_FORGERY}` names the form's anti-forgery field; other fields go by their name"
                )),
            );
        }
        FormField::Named(text.to_string())
    }

    /// `tamper:`: a form, and at least one change.
    pub(super) fn tamper_step(&mut self, raw: &S<RawTamper>, scope: &Scope) -> TamperStep {
        let t = &raw.value;
        let mut drop = Vec::new();
        for name in t
            .drop
            .as_ref()
            .map(|l| l.value.as_slice())
            .unwrap_or_default()
        {
            drop.push(self.form_field(name));
        }
        let mut set = Vec::new();
        for (name, value) in t
            .set
            .as_ref()
            .map(|p| p.value.0.as_slice())
            .unwrap_or_default()
        {
            let field = self.form_field(name);
            set.push((field, self.template(value, scope)));
        }
        let mut add = Vec::new();
        for (name, value) in t
            .add
            .as_ref()
            .map(|p| p.value.0.as_slice())
            .unwrap_or_default()
        {
            if name.value.trim().is_empty() || name.value.starts_with('@') {
                self.error(
                    self.at(name),
                    format!("`add` takes a plain field name, found `{}`", name.value),
                    None,
                );
            }
            add.push((name.value.clone(), self.template(value, scope)));
        }
        if drop.is_empty() && set.is_empty() && add.is_empty() {
            self.error(
                self.at(raw),
                "`tamper` changes nothing",
                Some(
                    "give `drop: [field]`, `set: { field: value }` or `add: { field: value }`"
                        .to_string(),
                ),
            );
        }
        TamperStep {
            form: t.form.value,
            client: t.client.as_ref().map(|c| c.value).unwrap_or_default(),
            params: self.params(t.params.as_ref(), scope),
            drop,
            set,
            add,
        }
    }

    /// `count: n` within `1..=max` (`min` for a race is 2).
    fn bounded(
        &mut self,
        raw: Option<&S<i64>>,
        min: usize,
        max: usize,
        default: usize,
        key: &str,
    ) -> usize {
        let Some(raw) = raw else {
            return default;
        };
        match usize::try_from(raw.value) {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                self.error(
                    self.at(raw),
                    format!("`{key}: {}` is out of range", raw.value),
                    Some(format!("`{key}` is between {min} and {max}")),
                );
                default
            }
        }
    }

    /// `race:`: exactly one of `token` and `refresh`, at most [`MAX_RACE`] copies.
    pub(super) fn race_step(&mut self, raw: &S<RawRace>, scope: &Scope) -> RaceStep {
        let r = &raw.value;
        let count = self.bounded(r.count.as_ref(), 2, MAX_RACE, DEFAULT_RACE, "count");
        let request = match (&r.token, &r.refresh) {
            (Some(token), None) => self.token_step(token.value.as_ref(), scope),
            (None, Some(refresh)) => self.refresh_step(&refresh.value, scope),
            (Some(_), Some(refresh)) => {
                self.error(
                    self.at(refresh),
                    "a `race` copies one request: `token` or `refresh`, not both",
                    None,
                );
                self.refresh_step(&refresh.value, scope)
            }
            (None, None) => {
                self.error(
                    self.at(raw),
                    "`race` needs the request to copy",
                    Some("write `race: { count: 5, token: { code: \"${code}\" } }` or `refresh: { token: … }`".to_string()),
                );
                self.token_step(None, scope)
            }
        };
        RaceStep { count, request }
    }

    /// `entropy:`: at most [`MAX_ENTROPY_SAMPLES`] flows.
    pub(super) fn entropy_step(&mut self, raw: Option<&RawEntropy>) -> EntropyStep {
        let samples = raw.and_then(|r| r.samples.as_ref());
        EntropyStep {
            samples: self.bounded(
                samples,
                2,
                MAX_ENTROPY_SAMPLES,
                DEFAULT_ENTROPY_SAMPLES,
                "samples",
            ),
        }
    }
}
