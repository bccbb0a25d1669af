//! Loader tests: a good suite becomes the expected model; each kind of
//! mistake gives one exact `file:line:column: message` (and hint).

use std::path::{Path, PathBuf};

use super::*;
use crate::diag::Diagnostic;

const GOOD: &str = r#"suite: authorization-code
scenarios:
  - id: code.single-use
    title: An authorization code is redeemed once only
    requirements: [code.single-use, code.reuse-revokes-tokens]
    requires: [refresh_token]
    steps:
      - authorize: {}
        save: { code: code }
        expect: { redirect: { params: { code: present, state: "${issuer}x" } } }
      - token: { code: "${code}" }
        expect: { status: 200, json: { access_token: present, token_type: { one_of: [Bearer, bearer] } } }
        save: { at: json.access_token, rt: json.refresh_token }
      - token: { code: "${code}", client: other, auth: post, secret: wrong }
        check:
          status: [400, 401]
          error: invalid_grant
          headers: { cache-control: { contains: no-store } }
          json: { error_description: absent, expires_in: 3600, active: false }
      - introspect: { token: "${at}", hint: access_token, secret_of: other }
        level: SHOULD
        check: { json: { active: false } }
  - id: redirect.exact-match
    title: A foreign redirect URI is refused
    requirements: [redirect.exact-match]
    level: SHOULD
    severity: low
    refs: ["RFC 6749 §3.1.2.4"]
    vary:
      - name: other-host
        set: { redirect_uri: "https://attacker.example/cb" }
      - name: other-client
        requires: [second_client]
        set: { redirect_uri: "${client.other.redirect_uri}" }
    steps:
      - authorize:
          client: public
          params:
            redirect_uri: "${redirect_uri}"
            state: [one, two]
            max_age: 0
          omit: [code_challenge]
          consent: deny
          fresh_session: true
        check:
          no_redirect: true
          fields: { status: { regex: "^4\\d\\d$" }, pages: { not: "0" } }
  - id: misc.all-kinds
    title: Every step kind
    requirements: [meta.document]
    steps:
      - discover:
      - discover: {}
      - token: {}
      - token: { refresh_token: "${env:RT}", scope: "${scope.default}" }
      - token:
          grant_type: password
          params: { username: "${user.username}", dup: [a, b] }
          omit: [client_id]
          client_id: "${client.main.id}"
          secret_value: "lit $${x}"
        save: { access_token: access_token }
      - refresh: { token: "${access_token}", scope: openid, auth: basic }
      - revoke: { token: "${access_token}", client: other, secret: empty }
      - userinfo: {}
      - userinfo: { token: "${access_token}" }
      - resource: { url: "${endpoint.resource}/x" }
      - id_token: { token: "${access_token}" }
      - wait: code_ttl + 2s + 500ms
      - request:
          method: POST
          url: "${endpoint.token}"
          headers: { X-Forwarded-Host: attacker.example }
          form: { grant_type: client_credentials, scope: [a, b] }
          auth: { client: main, auth: post }
        check: { status: 400 }
      - request: { method: GET, url: "${issuer}/.well-known/openid-configuration", body: "x" }
      - tamper: { form: consent, drop: ["@csrf"], set: { tx: "${random}" }, add: { scope: admin } }
        check: { fields: { params.code: absent } }
      - race: { count: 7, token: { code: "${access_token}" } }
        check: { fields: { successes: { at_most: 1 } } }
      - entropy:
        check: { fields: { min_bits: { at_least: 128 } } }
      - request: { method: GET, url: "${endpoint.registration}", raw_query: 'a=b c"<d>&e=%2541' }
      - tls_probe: { probe: legacy_tls, endpoint: token }
        check: { fields: { accepted: false } }
"#;

fn load_good() -> Suite {
    match load_str(Path::new("good.yaml"), GOOD) {
        Ok(suite) => suite,
        Err(diagnostics) => panic!("{}", crate::diag::render_all(&diagnostics)),
    }
}

fn lit(text: &str) -> Template {
    Template::literal(text)
}

fn var(name: &str) -> Template {
    Template {
        parts: vec![TemplatePart::Var(name.to_string())],
        source: format!("${{{name}}}"),
    }
}

fn param_names(params: &[(String, Template)]) -> Vec<&str> {
    params.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn a_good_suite_loads_into_the_model() {
    let suite = load_good();
    assert_eq!(suite.name, "authorization-code");
    assert_eq!(suite.path, PathBuf::from("good.yaml"));
    assert_eq!(suite.scenarios.len(), 3);

    // Defaults come from the first requirement.
    let s = &suite.scenarios[0];
    assert_eq!(s.id, "code.single-use");
    assert_eq!(
        s.requirements,
        ["code.single-use", "code.reuse-revokes-tokens"]
    );
    let req = crate::catalogue::find("code.single-use").unwrap();
    assert_eq!(s.level, req.level);
    assert_eq!(s.severity, req.severity);
    assert_eq!(s.refs, req.refs);
    assert_eq!(s.requires, [Capability::RefreshToken]);
    assert!(s.variants.is_empty());
    assert_eq!(
        s.location,
        Location {
            file: "good.yaml".into(),
            line: 3,
            column: 5
        }
    );
    assert_eq!(s.steps.len(), 4);
    assert_eq!(s.steps[0].location.line, 8);
    assert_eq!(s.steps[0].location.column, 9);

    // authorize {} with defaults; save; expect a redirect with matchers.
    let StepKind::Authorize(a) = &s.steps[0].kind else {
        panic!("{:?}", s.steps[0].kind)
    };
    assert_eq!(a.client, ClientRole::Main);
    assert!(a.params.is_empty() && a.omit.is_empty() && !a.fresh_session);
    assert_eq!(a.consent, ConsentChoice::Approve);
    assert_eq!(
        s.steps[0].save,
        [(
            "code".to_string(),
            FieldPath::resolve(ResultKind::Authorization, "code").unwrap()
        )]
    );
    let expect = s.steps[0].expect.as_ref().unwrap();
    assert_eq!(expect.location.line, 10);
    let redirect = expect.redirect.as_ref().unwrap();
    assert!(redirect.to.is_none());
    assert!(matches!(redirect.params[0], (ref n, Matcher::Present) if n == "code"));
    let (_, Matcher::Equals(state)) = &redirect.params[1] else {
        panic!()
    };
    assert_eq!(
        state.parts,
        [
            TemplatePart::Var("issuer".into()),
            TemplatePart::Literal("x".into())
        ]
    );
    assert!(s.steps[0].check.is_none());

    // token { code } → authorization code grant.
    let StepKind::Token(t) = &s.steps[1].kind else {
        panic!()
    };
    assert_eq!(t.grant, Grant::Known(GrantType::AuthorizationCode));
    assert_eq!(t.params, [("code".to_string(), var("code"))]);
    assert_eq!(t.auth.client, ClientRole::Main);
    assert_eq!(t.auth.method, None);
    assert_eq!(t.auth.secret, SecretChoice::Registered);
    let e = s.steps[1].expect.as_ref().unwrap();
    assert_eq!(e.status, [200]);
    assert!(matches!(&e.json[1].1, Matcher::OneOf(v) if v == &[lit("Bearer"), lit("bearer")]));
    assert_eq!(
        s.steps[1].save,
        [
            (
                "at".to_string(),
                FieldPath::resolve(ResultKind::Http, "json.access_token").unwrap()
            ),
            (
                "rt".to_string(),
                FieldPath::resolve(ResultKind::Http, "json.refresh_token").unwrap()
            ),
        ]
    );

    // Client authentication keys, and a check with every matcher shape.
    let StepKind::Token(t) = &s.steps[2].kind else {
        panic!()
    };
    assert_eq!(t.auth.client, ClientRole::Other);
    assert_eq!(
        t.auth.method,
        Some(AuthChoice::Method(AuthMethod::ClientSecretPost))
    );
    assert_eq!(t.auth.secret, SecretChoice::Wrong);
    let c = s.steps[2].check.as_ref().unwrap();
    assert_eq!(c.status, [400, 401]);
    assert_eq!(c.error, [ErrorCode::InvalidGrant]);
    assert!(
        matches!(&c.headers[0], (n, Matcher::Contains(t)) if n == "cache-control" && *t == lit("no-store"))
    );
    assert!(matches!(&c.json[0].1, Matcher::Absent));
    assert!(matches!(&c.json[1].1, Matcher::Equals(t) if *t == lit("3600")));
    assert!(matches!(&c.json[2].1, Matcher::Equals(t) if *t == lit("false")));

    let StepKind::Introspect(op) = &s.steps[3].kind else {
        panic!()
    };
    assert_eq!(op.token, var("at"));
    assert_eq!(op.hint, Some(lit("access_token")));
    assert_eq!(op.auth.secret, SecretChoice::Of(ClientRole::Other));
    assert_eq!(s.steps[3].level, Some(Level::Should));
}

#[test]
fn vary_and_authorize_parameters() {
    let suite = load_good();
    let s = &suite.scenarios[1];
    assert_eq!(s.level, Level::Should);
    assert_eq!(s.severity, Severity::Low);
    assert_eq!(s.refs, ["RFC 6749 §3.1.2.4"]);
    assert_eq!(s.variants.len(), 2);
    assert_eq!(s.variants[0].name, "other-host");
    assert_eq!(
        s.variants[0].set,
        [(
            "redirect_uri".to_string(),
            lit("https://attacker.example/cb")
        )]
    );
    assert!(s.variants[0].requires.is_empty());
    assert_eq!(s.variants[1].requires, [Capability::SecondClient]);
    assert_eq!(
        s.variants[1].set,
        [("redirect_uri".to_string(), var("client.other.redirect_uri"))]
    );
    assert_eq!(s.variants[1].location.line, 32);

    let StepKind::Authorize(a) = &s.steps[0].kind else {
        panic!()
    };
    assert_eq!(a.client, ClientRole::Public);
    // A list sends the parameter once per element, in order.
    assert_eq!(
        a.params,
        [
            ("redirect_uri".to_string(), var("redirect_uri")),
            ("state".to_string(), lit("one")),
            ("state".to_string(), lit("two")),
            ("max_age".to_string(), lit("0")),
        ]
    );
    assert_eq!(a.omit, ["code_challenge"]);
    assert_eq!(a.consent, ConsentChoice::Deny);
    assert!(a.fresh_session);
    let c = s.steps[0].check.as_ref().unwrap();
    assert!(c.no_redirect && c.redirect.is_none());
    assert!(
        matches!(&c.fields[0], (p, Matcher::Regex(r)) if p.root == Root::Status && p.rest.is_empty() && r == "^4\\d\\d$")
    );
    assert!(matches!(&c.fields[1].1, Matcher::NotEquals(t) if *t == lit("0")));
}

#[test]
fn every_step_kind() {
    let suite = load_good();
    let steps = &suite.scenarios[2].steps;
    // Each declared kind is written, and builds a step that names it back.
    let all: Vec<&Step> = suite.scenarios.iter().flat_map(|s| &s.steps).collect();
    for key in StepKey::ALL {
        assert!(
            all.iter().any(|s| s.kind.key() == *key),
            "no `{}` step in the good suite",
            key.name()
        );
    }
    assert!(matches!(steps[0].kind, StepKind::Discover));
    assert!(matches!(steps[1].kind, StepKind::Discover));

    let StepKind::Token(t) = &steps[2].kind else {
        panic!()
    };
    assert_eq!(t.grant, Grant::Known(GrantType::ClientCredentials));
    assert!(t.params.is_empty());

    let StepKind::Token(t) = &steps[3].kind else {
        panic!()
    };
    assert_eq!(t.grant, Grant::Known(GrantType::RefreshToken));
    assert_eq!(param_names(&t.params), ["refresh_token", "scope"]);
    assert_eq!(t.params[0].1, var("env:RT"));

    let StepKind::Token(t) = &steps[4].kind else {
        panic!()
    };
    assert_eq!(t.grant, Grant::Other(lit("password")));
    assert_eq!(param_names(&t.params), ["username", "dup", "dup"]);
    assert_eq!(t.omit, ["client_id"]);
    assert_eq!(t.auth.client_id, Some(var("client.main.id")));
    // `$${` is a literal `${`.
    assert_eq!(
        t.auth.secret,
        SecretChoice::Value(Template {
            parts: vec![TemplatePart::Literal("lit ${x}".into())],
            source: "lit $${x}".into()
        })
    );

    let StepKind::Token(t) = &steps[5].kind else {
        panic!()
    };
    assert_eq!(steps[5].kind.name(), "refresh");
    assert_eq!(t.grant, Grant::Known(GrantType::RefreshToken));
    assert_eq!(param_names(&t.params), ["refresh_token", "scope"]);
    assert_eq!(
        t.auth.method,
        Some(AuthChoice::Method(AuthMethod::ClientSecretBasic))
    );

    let StepKind::Revoke(op) = &steps[6].kind else {
        panic!()
    };
    assert_eq!(op.auth.client, ClientRole::Other);
    assert_eq!(op.auth.secret, SecretChoice::Empty);
    assert!(op.hint.is_none());

    assert!(
        matches!(&steps[7].kind, StepKind::Userinfo(b) if b.token.is_none() && b.url.is_none())
    );
    assert!(
        matches!(&steps[8].kind, StepKind::Userinfo(b) if b.token == Some(var("access_token")))
    );
    let StepKind::Resource(b) = &steps[9].kind else {
        panic!()
    };
    assert!(b.token.is_none());
    assert_eq!(
        b.url.as_ref().unwrap().parts,
        [
            TemplatePart::Var("endpoint.resource".into()),
            TemplatePart::Literal("/x".into())
        ]
    );
    assert!(matches!(&steps[10].kind, StepKind::IdToken(i) if i.token == var("access_token")));

    let StepKind::Wait(w) = &steps[11].kind else {
        panic!()
    };
    assert_eq!(
        w.terms,
        [
            WaitTerm::Timing(TimingName::CodeTtl),
            WaitTerm::Fixed(std::time::Duration::from_secs(2)),
            WaitTerm::Fixed(std::time::Duration::from_millis(500)),
        ]
    );
    assert_eq!(w.source, "code_ttl + 2s + 500ms");

    let StepKind::Request(r) = &steps[12].kind else {
        panic!()
    };
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, var("endpoint.token"));
    assert_eq!(
        r.headers,
        [("X-Forwarded-Host".to_string(), lit("attacker.example"))]
    );
    assert_eq!(param_names(&r.form), ["grant_type", "scope", "scope"]);
    assert!(r.body.is_none());
    let auth = r.auth.as_ref().unwrap();
    assert_eq!(
        auth.method,
        Some(AuthChoice::Method(AuthMethod::ClientSecretPost))
    );
    let StepKind::Request(r) = &steps[13].kind else {
        panic!()
    };
    assert_eq!(r.body, Some(lit("x")));
    assert!(r.auth.is_none());
}

// ---------------------------------------------------------------------------
// One test per kind of mistake.

/// A minimal valid scenario, indented to sit under `scenarios:`.
const OK_SCENARIO: &str = "  - id: a.ok
    title: fine
    requirements: [code.single-use]
    steps:
      - token: {}
        check: { status: 400 }
";

fn errors(text: &str) -> Vec<Diagnostic> {
    match load_str(Path::new("t.yaml"), text) {
        Ok(_) => panic!("loaded without errors:\n{text}"),
        Err(diagnostics) => diagnostics,
    }
}

/// The first line and hint of each diagnostic.
fn brief(text: &str) -> Vec<(String, Option<String>)> {
    errors(text)
        .into_iter()
        .map(|d| {
            let first = d.to_string().lines().next().unwrap().to_string();
            (first, d.hint)
        })
        .collect()
}

/// Exactly one diagnostic: its first line and hint.
fn one(text: &str) -> (String, Option<String>) {
    let mut all = brief(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn scenario(body: &str) -> String {
    format!("suite: s\nscenarios:\n{body}")
}

fn h(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn bad_yaml_syntax() {
    let text = scenario("  - id: a.b\n    title: a: b\n    steps: []\n");
    let d = errors(&text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        d[0].to_string(),
        "t.yaml:4:13: invalid YAML: mapping values are not allowed in this context
  --> t.yaml:4:13
 4 |     title: a: b
   |             ^"
    );
}

#[test]
fn unknown_key_with_did_you_mean() {
    let text = scenario(
        "  - id: a.b
    title: t
    requirements: [code.single-use]
    stpes:
      - token: {}
",
    );
    let d = errors(&text);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].to_string(),
        "t.yaml:6:5: unknown key `stpes`
  --> t.yaml:6:5
 6 |     stpes:
   |     ^
hint: did you mean `steps`?"
    );
}

#[test]
fn missing_required_key() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    requirements: [code.single-use]
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        ("t.yaml:3:5: missing key `title`".to_string(), None)
    );
}

#[test]
fn wrong_type() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: code.single-use
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        (
            "t.yaml:5:19: expected a list, found `code.single-use`".to_string(),
            None
        )
    );
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps: [{ token: {}, check: { status: \"200\" } }]
"
        ))
        .0,
        "t.yaml:6:43: expected an HTTP status or a list of them, found `200`"
    );
}

#[test]
fn duplicate_key() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    title: u
    requirements: [code.single-use]
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        (
            "t.yaml:5:5: duplicate key `title`".to_string(),
            h("a key may appear once per map; to send a parameter twice, give it a list of values")
        )
    );
}

#[test]
fn unknown_step_kind() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - tokne: {}
        check: { status: 400 }
"
        )),
        (
            "t.yaml:7:9: unknown step kind `tokne`".to_string(),
            h("did you mean `token`?")
        )
    );
}

#[test]
fn two_kinds_in_one_step() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: {}
        refresh: { token: x }
        check: { status: 400 }
"
        )),
        (
            "t.yaml:8:18: step has two kinds, `token` and `refresh`".to_string(),
            h("a step does one thing: split it into two steps")
        )
    );
}

#[test]
fn unknown_capability() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    requires: [refresh_tokens]
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        (
            "t.yaml:6:16: unknown capability `refresh_tokens`".to_string(),
            h("did you mean `refresh_token`?")
        )
    );
}

#[test]
fn unknown_requirement_id() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-used]
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        (
            "t.yaml:5:20: unknown requirement `code.single-used`".to_string(),
            h("did you mean `code.single-use`?")
        )
    );
}

#[test]
fn unknown_level() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    level: MSUT
    steps: [{ token: {}, check: { status: 400 } }]
"
        )),
        (
            "t.yaml:6:12: unknown value `MSUT`, expected `MUST`, `SHOULD` or `MAY`".to_string(),
            h("did you mean `MUST`?")
        )
    );
}

#[test]
fn bad_regex() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: {}
        check:
          json: { access_token: { regex: \"^(abc$\" } }
"
        )),
        (
            "t.yaml:9:42: invalid regex `^(abc$`: unclosed group".to_string(),
            None
        )
    );
}

#[test]
fn bad_template() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: { code: \"x${code\" }
        check: { status: 400 }
"
        )),
        (
            "t.yaml:7:26: unclosed `${` in template".to_string(),
            h("close the placeholder with `}`, or write `$${` for a literal `${`")
        )
    );
}

#[test]
fn unset_variable() {
    assert_eq!(
        brief(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: { code: \"${code}\" }
        save: { code: json.code }
        check: { status: 400 }
      - token: { code: \"${cod}\" }
      - token: { code: \"${clinet.main.id}\" }
"
        )),
        [
            (
                "t.yaml:7:25: variable `code` is not set before this step".to_string(),
                h("set it with `save:` in an earlier step, or in every variant's `set:`")
            ),
            (
                "t.yaml:10:25: variable `cod` is not set before this step".to_string(),
                h("did you mean `code`?")
            ),
            (
                "t.yaml:11:25: unknown built-in variable `clinet.main.id`".to_string(),
                h("did you mean `client`?")
            ),
        ]
    );
}

#[test]
fn variants_setting_different_names() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    vary:
      - name: one
        set: { redirect_uri: a, state: b }
      - name: two
        set: { redirect_uri: a, nonce: c }
    steps: [{ authorize: { params: { redirect_uri: \"${redirect_uri}\" } }, check: { no_redirect: true } }]
"
        )),
        (
            "t.yaml:10:14: variant `two` does not set `state` and sets `nonce`, unlike the first variant `one`"
                .to_string(),
            h("every variant must set the same variables")
        )
    );
}

#[test]
fn scenario_without_check() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: {}
        expect: { status: 400 }
"
        )),
        (
            "t.yaml:3:5: scenario `a.b` checks nothing".to_string(),
            h(
                "add a `check:` to the step that shows the requirement: `expect:` is only a precondition (a broken one ends the trial as `error`), a broken `check:` is what makes it `fail` or `warn`"
            )
        )
    );
}

#[test]
fn duplicate_scenario_id_across_two_files() {
    let dir = std::env::temp_dir().join(format!("oauthcheck-suite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let first = dir.join("a.yaml");
    let second = dir.join("b.yml");
    std::fs::write(&first, scenario(OK_SCENARIO)).unwrap();
    std::fs::write(&second, format!("suite: other\nscenarios:\n  - {{ id: x.y, title: t, requirements: [code.single-use], steps: [{{ discover: {{}}, check: {{ status: 200 }} }}] }}\n{OK_SCENARIO}")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a suite").unwrap();

    let d = load(std::slice::from_ref(&dir)).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        d[0].to_string(),
        format!(
            "{b}:4:5: duplicate scenario id `a.ok`, first used at {a}:3:5
  --> {b}:4:5
 4 |   - id: a.ok
   |     ^
hint: scenario ids are unique across all suites: reports and baselines key on them",
            a = first.display(),
            b = second.display()
        )
    );
}

#[test]
fn bad_wait_term() {
    assert_eq!(
        brief(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - wait: code_tll + 2s
      - wait: 2x
      - token: {}
        check: { status: 400 }
"
        )),
        [
            (
                "t.yaml:7:15: unknown timing `code_tll`".to_string(),
                h("did you mean `code_ttl`?")
            ),
            (
                "t.yaml:8:15: invalid duration `2x`: unknown time unit \"x\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)".to_string(),
                h("write durations like `500ms`, `2s` or `1m`")
            ),
        ]
    );
}

#[test]
fn redirect_on_a_non_authorize_step() {
    assert_eq!(
        one(&scenario(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
      - token: {}
        check: { redirect: {} }
"
        )),
        (
            "t.yaml:8:28: `redirect` applies to `authorize` steps only, not `token`".to_string(),
            h("for a back-channel response, test `status` and `headers.location`")
        )
    );
}

#[test]
fn a_path_that_cannot_exist_on_the_result_is_a_load_error() {
    let steps = |steps: &str| {
        scenario(&format!(
            "  - id: a.b
    title: t
    requirements: [code.single-use]
    steps:
{steps}"
        ))
    };
    // An ID token's field on an HTTP step reads nothing: an error, with the
    // way to name a JSON member of that name.
    let (message, hint) = one(&steps(
        "      - token: {}
        check: { fields: { claims.nonce: present } }
",
    ));
    assert_eq!(
        message,
        "t.yaml:8:28: field path `claims.nonce`: `claims` is a field of another kind of step, not of this `HTTP` result"
    );
    assert!(hint.unwrap().contains("`json.claims`"));
    let (message, hint) = one(&steps(
        "      - authorize: {}
        save: { kind: pages.0.knd }
        check: { status: 200 }
",
    ));
    assert_eq!(
        message,
        "t.yaml:8:23: field path `pages.0.knd`: a page has no field `knd`"
    );
    assert_eq!(hint, h("did you mean `kind`?"));
    // A check on a `wait` step, or `headers` on `authorize`, reads nothing.
    let (message, _) = one(&steps(
        "      - wait: 1s
        check: { json: { anything: absent } }
",
    ));
    assert_eq!(
        message,
        "t.yaml:8:24: `json` does not apply to `wait` steps: their result has no `json`"
    );
    let (message, _) = one(&steps(
        "      - authorize: {}
        check: { headers: { x-frame-options: present } }
",
    ));
    assert_eq!(
        message,
        "t.yaml:8:27: `headers` does not apply to `authorize` steps: their result has no `headers`"
    );
}

#[test]
fn two_bad_scenarios_in_one_file_yield_both_errors() {
    let text = scenario(
        "  - id: a.one
    title: t
    requirements: [code.single-use]
    stpes: []
  - id: a.two
    title: t
    requirements: [code.single-use]
    level: MSUT
    steps: [{ token: {}, check: { status: 400 } }]
  - id: a.three
    title: t
    requirements: [code.nope]
    steps: [{ token: {}, check: { status: 400 } }]
",
    );
    let lines: Vec<String> = brief(&text).into_iter().map(|(l, _)| l).collect();
    assert_eq!(
        lines,
        [
            "t.yaml:6:5: unknown key `stpes`",
            "t.yaml:10:12: unknown value `MSUT`, expected `MUST`, `SHOULD` or `MAY`",
            "t.yaml:14:20: unknown requirement `code.nope`",
        ]
    );
}

#[test]
fn unreadable_file_is_a_diagnostic_at_line_zero() {
    let missing = PathBuf::from("/nonexistent/oauthcheck/suite.yaml");
    let d = load(std::slice::from_ref(&missing)).unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, 0);
    assert!(
        d[0].message.starts_with("cannot read the suite: "),
        "{}",
        d[0].message
    );
    assert!(d[0].snippet.is_none());
}

#[test]
fn the_complete_examples_in_the_format_guide_load() {
    let guide = include_str!("../../docs/suite-format.md");
    let mut loaded = 0;
    for block in guide.split("```yaml\n").skip(1) {
        let yaml = block.split("```").next().unwrap();
        if !yaml.starts_with("suite:") {
            continue;
        }
        if let Err(diagnostics) = load_str(Path::new("suite-format.md"), yaml) {
            panic!("{}", crate::diag::render_all(&diagnostics));
        }
        loaded += 1;
    }
    assert_eq!(loaded, 2);
}
