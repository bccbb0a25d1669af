//! Tests of the standards: the set syntax, the combination rule, and the
//! loaders that read `standard:` (profiles), `levels:` (suites) and the
//! catalogue's `levels:` / `unbroken:`, with their errors at file:line:col.

use std::path::Path;

use super::*;
use crate::target::{Env, ProfileError, parse_profile};

fn levels(pairs: &[(Standard, Level)]) -> StandardLevels {
    StandardLevels(pairs.iter().copied().collect())
}

#[test]
fn parses_lists_in_any_order_and_prints_them_in_catalogue_order() {
    let set = StandardSet::parse("oidc, rfc9700").unwrap();
    assert_eq!(set.standards(), [Standard::Rfc9700, Standard::Oidc]);
    assert_eq!(set.to_string(), "rfc9700,oidc");
    assert_eq!(
        StandardSet::parse("oauth2.1").unwrap().to_string(),
        "oauth2.1"
    );
    assert_eq!(
        StandardSet::parse("rfc6749,rfc6749").unwrap().standards(),
        [Standard::Rfc6749]
    );
}

#[test]
fn unknown_and_empty_values_are_refused_with_a_suggestion() {
    assert_eq!(
        StandardSet::parse("rfc9700,oauth21"),
        Err(StandardError::Unknown {
            name: "oauth21".into(),
            hint: Some("oauth2.1".into())
        })
    );
    let message = StandardSet::parse("rfc6479").unwrap_err().to_string();
    assert!(message.contains("did you mean `rfc6749`"), "{message}");
    assert_eq!(StandardSet::parse(" , "), Err(StandardError::Empty));
}

#[test]
fn the_default_is_the_bcp_plus_oidc_for_openid_targets() {
    assert_eq!(StandardSet::default_for(|_| false).to_string(), "rfc9700");
    assert_eq!(
        StandardSet::default_for(|c| c == Capability::Oidc).to_string(),
        "rfc9700,oidc"
    );
}

#[test]
fn the_strictest_chosen_standard_wins_and_silence_is_the_shipped_level() {
    let table = levels(&[
        (Standard::Rfc6749, Level::Must),
        (Standard::OAuth21, Level::May),
    ]);
    let under = |names: &str| table.resolve(Level::Should, &StandardSet::parse(names).unwrap());
    assert_eq!(under("rfc6749"), Level::Must);
    assert_eq!(under("oauth2.1"), Level::May);
    // RFC 9700 and OIDC say nothing: the shipped level.
    assert_eq!(under("rfc9700"), Level::Should);
    assert_eq!(under("oidc"), Level::Should);
    assert_eq!(under("oauth2.1,oidc"), Level::Should);
    assert_eq!(under("rfc6749,oauth2.1"), Level::Must);
}

const PROFILE: &str = "name: demo
issuer: https://as.example
clients:
  main: { id: app, secret: s3cret-value, redirect_uri: https://client.example/cb }
user: { username: alice, password: pw-value }
capabilities: [oidc, pkce]
";

fn profile_error(text: &str) -> crate::diag::Diagnostic {
    match parse_profile(Path::new("p.yaml"), text, Env::Required) {
        Err(ProfileError::Invalid(d)) => d,
        other => panic!("expected an invalid profile, got {other:?}"),
    }
}

#[test]
fn a_profile_names_its_standard_as_a_string_or_a_list_and_defaults_by_capability() {
    let standard = |extra: &str| {
        parse_profile(
            Path::new("p.yaml"),
            &format!("{PROFILE}{extra}"),
            Env::Required,
        )
        .unwrap()
        .standard
        .to_string()
    };
    assert_eq!(standard(""), "rfc9700,oidc");
    assert_eq!(
        standard("").replace(",oidc", ""),
        parse_profile(
            Path::new("p.yaml"),
            &PROFILE.replace("[oidc, pkce]", "[pkce]"),
            Env::Required
        )
        .unwrap()
        .standard
        .to_string()
    );
    assert_eq!(standard("standard: oauth2.1\n"), "oauth2.1");
    assert_eq!(standard("standard: \"rfc6749, oidc\"\n"), "rfc6749,oidc");
    assert_eq!(standard("standard: [oidc, rfc9700]\n"), "rfc9700,oidc");
}

#[test]
fn an_unknown_standard_in_a_profile_is_named_at_its_place() {
    let d = profile_error(&format!("{PROFILE}standard: [rfc9700, oauth21]\n"));
    assert_eq!(
        d.message,
        "`standard`: unknown standard `oauth21` (did you mean `oauth2.1`?)"
    );
    assert_eq!((d.line, d.column), (7, 21), "{d}");
    let d = profile_error(&format!("{PROFILE}standard: rfc6479\n"));
    assert!(d.message.contains("did you mean `rfc6749`"), "{d}");
    assert_eq!((d.line, d.column), (7, 11), "{d}");
    let d = profile_error(&format!("{PROFILE}standard: []\n"));
    assert!(d.message.contains("no standard named"), "{d}");
    let d = profile_error(&format!("{PROFILE}standard: {{ rfc9700: MUST }}\n"));
    assert!(d.message.contains("a name or a list of names"), "{d}");
    assert_eq!(d.line, 7, "{d}");
}

fn suite_errors(levels: &str) -> Vec<crate::diag::Diagnostic> {
    let text = format!(
        "suite: s
scenarios:
  - id: a.b
    title: t
    requirements: [code.single-use]
    levels: {levels}
    steps: [{{ token: {{}}, check: {{ status: 400 }} }}]
"
    );
    match crate::suite::load_str(Path::new("t.yaml"), &text) {
        Ok(_) => panic!("loaded without errors:\n{text}"),
        Err(diagnostics) => diagnostics,
    }
}

#[test]
fn a_scenario_levels_table_with_a_bad_standard_or_level_is_refused_at_its_place() {
    let d = &suite_errors("{ rfc6749: MUST, oauth21: MAY }")[0];
    assert_eq!((d.line, d.column), (6, 30), "{d}");
    assert!(d.to_string().contains("unknown value `oauth21`"), "{d}");
    let d = &suite_errors("{ rfc6749: MSUT }")[0];
    assert_eq!(d.line, 6, "{d}");
    assert!(d.to_string().contains("MSUT"), "{d}");
    let d = &suite_errors("{}")[0];
    assert!(d.to_string().contains("`levels` is empty"), "{d}");
    assert_eq!((d.line, d.column), (6, 13), "{d}");
}

#[test]
fn a_scenario_takes_its_first_requirements_levels_unless_it_writes_its_own() {
    let load = |level: &str| {
        let text = format!(
            "suite: s
scenarios:
  - id: a.b
    title: t
    requirements: [grant.password-disabled]
{level}    steps: [{{ token: {{}}, check: {{ status: 400 }} }}]
"
        );
        crate::suite::load_str(Path::new("t.yaml"), &text)
            .unwrap()
            .scenarios[0]
            .clone()
    };
    let inherited = load("");
    assert_eq!(
        inherited
            .levels
            .as_ref()
            .and_then(|l| l.get(Standard::Rfc6749)),
        Some(Level::May)
    );
    // A written `level:` is the level under every standard.
    assert_eq!(load("    level: SHOULD\n").levels, None);
}

fn catalogue_error(entry_tail: &str) -> String {
    let text = format!(
        "- id: a.b
  title: t
  level: MUST
  severity: high
  refs: []
  needs: []
{entry_tail}"
    );
    match crate::catalogue::parse(&text) {
        Ok(_) => panic!("parsed:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_catalogue_refuses_bad_levels_tables_proof_standards_and_unbroken_entries() {
    let e = catalogue_error("  levels: { rfc6749: MAY, oauth21: MUST }\n");
    assert!(e.contains("oauth21") && e.contains("line 7"), "{e}");
    let e = catalogue_error("  levels: { rfc6749: OPTIONAL }\n");
    assert!(e.contains("OPTIONAL"), "{e}");
    let e = catalogue_error("  levels: {}\n");
    assert!(e.contains("`levels` is empty"), "{e}");
    let e = catalogue_error("  levels: { rfc6749: MAY, rfc9700: SHOULD }\n");
    assert!(e.contains("not the strictest"), "{e}");
    let e = catalogue_error("  proof_standard: oauth2.1\n");
    assert!(
        e.contains("`proof_standard: oauth2.1` needs `levels`"),
        "{e}"
    );
    let e =
        catalogue_error("  levels: { rfc9700: MUST, oauth2.1: MAY }\n  proof_standard: oauth2.1\n");
    assert!(e.contains("MUST or SHOULD under it"), "{e}");
    let e = catalogue_error("  proof_standard: oauth21\n");
    assert!(e.contains("oauth21"), "{e}");
    let e = catalogue_error("  unbroken: { \"a.b[x]\": \"\" }\n");
    assert!(e.contains("needs a trial name and a reason"), "{e}");
}

/// The table of docs/standards.md is the catalogue's and the suites' tables,
/// cell for cell, and its `default` column is the level under the default
/// standard (the shipped level: the default run's verdicts are unchanged).
#[test]
fn the_documented_table_is_the_one_the_run_uses() {
    let doc = include_str!("../../docs/standards.md");
    let suites =
        crate::harness::load_suites(&[
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites")
        ])
        .unwrap();
    let scenario = |id: &str| {
        suites
            .iter()
            .flat_map(|s| &s.scenarios)
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no scenario `{id}`"))
            .clone()
    };
    let default = StandardSet::parse("rfc9700,oidc").unwrap();
    let mut rows = 0;
    for line in doc
        .lines()
        .filter(|l| l.starts_with("| catalogue |") || l.starts_with("| scenario |"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (kind, id) = (cells[1], cells[2].trim_matches('`'));
        let (table, shipped) = match kind {
            "catalogue" => {
                let r = crate::catalogue::find(id).unwrap_or_else(|| panic!("no entry `{id}`"));
                (
                    r.levels
                        .clone()
                        .unwrap_or_else(|| panic!("`{id}` has no levels")),
                    r.level,
                )
            }
            _ => {
                let s = scenario(id);
                (
                    s.levels
                        .clone()
                        .unwrap_or_else(|| panic!("`{id}` has no levels")),
                    s.level,
                )
            }
        };
        for (standard, cell) in Standard::ALL.iter().zip(&cells[3..7]) {
            let documented = match *cell {
                "—" => None,
                word => Some(serde_saphyr::from_str::<Level>(word).unwrap()),
            };
            assert_eq!(table.get(*standard), documented, "`{id}` under {standard}");
        }
        let documented_default = serde_saphyr::from_str::<Level>(cells[7]).unwrap();
        assert_eq!(
            table.resolve(shipped, &default),
            documented_default,
            "`{id}` default"
        );
        rows += 1;
    }
    // Every table in the catalogue and the suites is documented.
    let tables = crate::catalogue::requirements()
        .iter()
        .filter(|r| r.levels.is_some())
        .count()
        + suites
            .iter()
            .flat_map(|s| &s.scenarios)
            .filter(|s| {
                s.levels.is_some()
                    && s.requirements
                        .first()
                        .and_then(|r| crate::catalogue::find(r))
                        .and_then(|r| r.levels.as_ref())
                        != s.levels.as_ref()
            })
            .count();
    assert_eq!(
        rows, tables,
        "docs/standards.md lists {rows} tables of {tables}"
    );
}
