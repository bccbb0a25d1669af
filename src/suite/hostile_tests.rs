//! Loader tests against hostile and oversized files: one typo in thousands
//! of scenarios, files past serde-saphyr's default node budget, durations
//! that would overflow the runner, bytes that are not UTF-8, tabs, and lines
//! too long to echo. Each pins a place and a bound, not a timing.

use std::path::Path;

use super::parse::parsed_bytes;
use super::*;

/// `n` valid scenarios; scenario `typo` (if any) misspells `title`.
fn generated(n: usize, typo: Option<usize>) -> String {
    let mut text = String::from("suite: gen\nscenarios:\n");
    for i in 0..n {
        let title = if Some(i) == typo { "titel" } else { "title" };
        text.push_str(&format!(
            "  - id: gen.s{i}\n    {title}: Scenario {i}\n    requirements: [code.single-use]\n    steps:\n      - authorize: {{}}\n        save: {{ code: code }}\n      - token: {{ code: \"${{code}}\" }}\n        check: {{ status: 400, json: {{ error: invalid_grant }} }}\n"
        ));
    }
    text
}

#[test]
fn one_typo_in_3000_scenarios_is_found_in_linear_work() {
    let text = generated(3000, Some(1500));
    let before = parsed_bytes();
    let diagnostics = load_str(Path::new("big.yaml"), &text).unwrap_err();
    let parsed = parsed_bytes() - before;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d.message, "unknown key `titel`");
    assert_eq!((d.line, d.column), (2 + 1500 * 8 + 2, 5), "{d}");
    // The whole file once, its outline once, each scenario once: a few
    // times the file, never the file once per scenario (which was 3,000×).
    assert!(
        parsed <= 4 * text.len(),
        "parsed {parsed} bytes for a {} byte file",
        text.len()
    );
}

#[test]
fn a_valid_file_past_the_default_node_budget_loads_in_one_parse() {
    // About 30 YAML nodes a scenario: 300,000 nodes, past serde-saphyr's
    // default budget of 250,000.
    let text = generated(10_000, None);
    let before = parsed_bytes();
    let suite = load_str(Path::new("big.yaml"), &text).unwrap_or_else(|d| {
        panic!("{}", crate::diag::render_all(&d[..d.len().min(3)]));
    });
    assert_eq!(suite.scenarios.len(), 10_000);
    assert_eq!(parsed_bytes() - before, text.len());
    assert_eq!(suite.scenarios[9999].location.line, 2 + 9999 * 8 + 1);
}

#[test]
fn scenarios_read_piecewise_keep_their_places() {
    // One broken scenario makes the loader read each scenario on its own;
    // the good ones' later errors must still point into the real file.
    let text = "suite: s\nscenarios:\n  - id: a.b\n    title: t\n    requirements: [code.single-use]\n    steps: [{ token: {}, check: { status: 400 } }]\n    bogus: 1\n  - id: c.d\n    title: t\n    requirements: [code.single-use]\n    steps:\n      - token: { code: \"${nope}\" }\n        check: { status: 400 }\n";
    let d = load_str(Path::new("t.yaml"), text).unwrap_err();
    let places: Vec<(usize, usize, &str)> = d
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (7, 5, "unknown key `bogus`"),
            (12, 25, "variable `nope` is not set before this step"),
        ]
    );
}

fn one_error(text: &str) -> Diagnostic {
    let mut d = load_str(Path::new("t.yaml"), text).unwrap_err();
    assert_eq!(d.len(), 1, "{d:#?}");
    d.remove(0)
}

fn with_wait(wait: &str) -> String {
    format!(
        "suite: s\nscenarios:\n  - id: a.b\n    title: t\n    requirements: [code.single-use]\n    steps:\n      - wait: {wait}\n      - token: {{}}\n        check: {{ status: 400 }}\n"
    )
}

#[test]
fn a_wait_that_would_overflow_is_refused_at_load() {
    let d = one_error(&with_wait("18446744073709551615s + 1s"));
    assert_eq!(
        d.message,
        "`wait: 18446744073709551615s + 1s` sleeps longer than 1day"
    );
    assert_eq!((d.line, d.column), (7, 15), "{d}");
    let d = one_error(&with_wait("23h + 2h"));
    assert_eq!((d.line, d.column), (7, 21), "{d}");
    assert!(load_str(Path::new("t.yaml"), &with_wait("code_ttl + 23h")).is_ok());
}

#[test]
fn a_suite_that_is_not_utf8_is_an_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    std::fs::write(
        &path,
        b"suite: s\nscenarios:\n  - id: a.b\n    title: caf\xe9\n",
    )
    .unwrap();
    let d = load(&[path]).unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "the suite is not valid UTF-8");
    assert_eq!((d[0].line, d[0].column), (4, 15), "{}", d[0]);
}

#[test]
fn a_tab_is_reported_on_its_own_line() {
    let text =
        "suite: s\nscenarios:\n  - id: a.b\n    title: t\n\trequirements: [code.single-use]\n";
    let d = one_error(text);
    assert!(d.message.contains("tab"), "{d}");
    assert_eq!((d.line, d.column), (5, 1), "{d}");
    let text = "suite: s\nscenarios:\n\t- id: a.b\n";
    let d = one_error(text);
    assert_eq!((d.line, d.column), (3, 1), "{d}");
}

#[test]
fn a_huge_line_is_cut_in_the_snippet() {
    let long = "y".repeat(10_000_000);
    let text = format!(
        "suite: s\nscenarios:\n  - {{id: c.d, title: {long}, bogus: 1, requirements: [code.single-use], steps: [{{token: {{}}, check: {{status: 400}}}}]}}\n"
    );
    let d = one_error(&text);
    assert_eq!(d.message, "unknown key `bogus`");
    assert_eq!((d.line, d.column), (3, 10_000_024));
    let rendered = d.to_string();
    assert!(rendered.len() < 2_000, "{} bytes", rendered.len());
    assert!(rendered.contains("…yyyy"), "{rendered}");
    assert!(rendered.contains("bogus: 1"), "{rendered}");
    // The caret is under `bogus`.
    let lines: Vec<&str> = rendered.lines().collect();
    let source = lines[2];
    let caret = lines[3];
    let caret_at = caret.chars().count() - 1;
    let under: String = source.chars().skip(caret_at).take(5).collect();
    assert_eq!(under, "bogus", "{rendered}");
}
