//! Loader tests of the probe step kinds (`tamper`, `race`, `entropy`) and
//! the numeric matchers: what a good step builds, and each mistake's exact
//! `file:line:column: message` and hint.

use std::path::Path;

use super::*;

fn load(body: &str) -> Result<Suite, Vec<String>> {
    let text = format!(
        "suite: s\nscenarios:\n  - id: a.b\n    title: t\n    requirements: [code.single-use]\n    steps:\n{body}"
    );
    load_str(Path::new("t.yaml"), &text).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| {
                let first = d.to_string().lines().next().unwrap_or("").to_string();
                match &d.hint {
                    Some(hint) => format!("{first} | {hint}"),
                    None => first,
                }
            })
            .collect()
    })
}

fn steps(body: &str) -> Vec<Step> {
    match load(body) {
        Ok(suite) => suite.scenarios[0].steps.clone(),
        Err(errors) => panic!("{errors:#?}"),
    }
}

#[test]
fn tamper_builds_its_changes() {
    let steps = steps(
        "      - tamper: { form: login, drop: [\"@csrf\", tx], set: { \"@csrf\": x }, add: { scope: admin }, params: { prompt: login } }
        check: { no_redirect: true }
",
    );
    let StepKind::Tamper(t) = &steps[0].kind else {
        panic!("{:?}", steps[0].kind)
    };
    assert_eq!(t.form, TamperForm::Login);
    assert_eq!(
        t.drop,
        [FormField::AntiForgery, FormField::Named("tx".into())]
    );
    assert_eq!(t.set[0].0, FormField::AntiForgery);
    assert_eq!(t.add[0].0, "scope");
    assert_eq!(t.params[0].0, "prompt");
    assert_eq!(steps[0].kind.name(), "tamper");
}

#[test]
fn race_and_entropy_take_bounded_counts_and_defaults() {
    let steps = steps(
        "      - race: { refresh: { token: x, client: public } }
        check: { fields: { successes: { at_most: 1 } } }
      - race: { count: 10, token: { code: c } }
        check: { fields: { successes: { at_most: 1 } } }
      - entropy: { samples: 50 }
        check: { fields: { min_bits: { at_least: 128.5 } } }
      - entropy:
        check: { fields: { min_bits: { at_least: 128 } } }
",
    );
    let StepKind::Race(r) = &steps[0].kind else {
        panic!()
    };
    assert_eq!(r.count, DEFAULT_RACE);
    assert_eq!(r.request.grant, Grant::Known(GrantType::RefreshToken));
    assert_eq!(r.request.auth.client, ClientRole::Public);
    let StepKind::Race(r) = &steps[1].kind else {
        panic!()
    };
    assert_eq!(
        (r.count, &r.request.grant),
        (10, &Grant::Known(GrantType::AuthorizationCode))
    );
    assert!(matches!(&steps[2].kind, StepKind::Entropy(e) if e.samples == 50));
    assert!(matches!(&steps[3].kind, StepKind::Entropy(e) if e.samples == DEFAULT_ENTROPY_SAMPLES));
    let check = steps[2].check.as_ref().unwrap();
    assert!(matches!(check.fields[0].1, Matcher::AtLeast(n) if n == 128.5));
}

#[test]
fn probe_mistakes_point_at_their_place() {
    let errors = load(
        "      - tamper: { form: consent }
        check: { fields: { params.code: absent } }
      - tamper: { form: consent, drop: [\"@token\"] }
        check: { fields: { params.code: absent } }
      - race: { count: 11, token: {} }
        check: { fields: { successes: { at_most: one } } }
      - race: { count: 3 }
        check: { fields: { successes: { at_most: 1 } } }
      - entropy: { samples: 1000 }
        check: { fields: { min_bits: { at_least: [1] } } }
",
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            "t.yaml:7:17: `tamper` changes nothing | give `drop: [field]`, `set: { field: value }` or `add: { field: value }`",
            "t.yaml:9:41: unknown field reference `@token` | `@csrf` names the form's anti-forgery field; other fields go by their name",
            "t.yaml:11:24: `count: 11` is out of range | `count` is between 2 and 10",
            "t.yaml:12:50: `at_most` takes a number, found a string",
            "t.yaml:13:15: `race` needs the request to copy | write `race: { count: 5, token: { code: \"${code}\" } }` or `refresh: { token: … }`",
            "t.yaml:15:29: `samples: 1000` is out of range | `samples` is between 2 and 50",
            "t.yaml:16:50: `at_least` takes a number, found a list",
        ]
    );
    let schema = load(
        "      - tamper: { form: review, drop: [x] }
        check: { fields: { params.code: absent } }
",
    )
    .unwrap_err();
    assert_eq!(
        schema,
        ["t.yaml:7:25: unknown value `review`, expected `login` or `consent`"]
    );
}

#[test]
fn redirect_checks_apply_to_tamper_steps() {
    let steps = steps(
        "      - tamper: { form: consent, drop: [\"@csrf\"] }
        check: { no_redirect: true }
",
    );
    assert!(steps[0].check.as_ref().unwrap().no_redirect);
}
