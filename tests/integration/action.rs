//! The GitHub Action and the container image, as far as they can be
//! checked here without GitHub or a Docker daemon: `action.yml` validates
//! against the Action metadata schema (SchemaStore's, vendored in
//! `fixtures/schemas/`), passes `oauthcheck run` only flags it has, and the
//! Dockerfile builds in stages onto a distroless base as a non-root user
//! (hadolint lints it in `.ci/run`).

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    serde_saphyr::from_str(&text).expect("action.yml is YAML")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("fixtures/schemas/github-action.json"))
        .expect("the vendored schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn action_yml_validates_against_the_action_metadata_schema() {
    let validator = validator();
    let action = action();
    let problems: Vec<String> = validator
        .iter_errors(&action)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "action.yml:\n{}", problems.join("\n"));
    // The schema is not vacuous: a composite step without `shell` breaks it.
    let mut broken = action.clone();
    broken["runs"]["steps"][0]
        .as_object_mut()
        .expect("a step")
        .remove("shell");
    assert!(!validator.is_valid(&broken), "a run step needs `shell`");
    let mut unknown = action.clone();
    unknown["inputs"]["target"]["requird"] = Value::Bool(true);
    assert!(!validator.is_valid(&unknown), "a misspelt input key");

    assert_eq!(action["runs"]["using"], "composite");
    for input in ["target", "report-dir", "expect", "standard"] {
        assert!(action["inputs"][input].is_object(), "input `{input}`");
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let scripts: String = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(scripts.contains("GITHUB_STEP_SUMMARY"));
    // Inputs reach the scripts through `env:` only, never spliced in.
    assert!(!scripts.contains("${{"), "an expression inside a script");
}

#[test]
fn the_action_passes_only_flags_oauthcheck_run_has() {
    let help = Command::cargo_bin("oauthcheck")
        .expect("the binary is built")
        .args(["run", "--help"])
        .output()
        .expect("oauthcheck runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let flags = regex::Regex::new(r"args(?:\+)?=\((?:run )?([^)]*)\)").expect("regex");
    let mut seen = 0;
    for capture in flags.captures_iter(&action) {
        for flag in capture[1]
            .split_whitespace()
            .filter(|w| w.starts_with("--"))
        {
            seen += 1;
            assert!(help.contains(flag), "`oauthcheck run` has no `{flag}`");
        }
    }
    assert!(seen >= 4, "the run step's flags were found ({seen})");
}

#[test]
fn the_dockerfile_builds_in_stages_onto_distroless_as_non_root() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].contains(" AS build"), "{froms:?}");
    assert!(froms[1].contains("distroless"), "{froms:?}");
    let user = text
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(!user.contains(" 0") && !user.contains("root:") && user != "USER root");
    // Everything the binary embeds at compile time is copied in.
    for embedded in ["suites", "catalogue", "templates", "fixtures", "build.rs"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("COPY") && l.contains(embedded)),
            "the build stage lacks `{embedded}`"
        );
    }
}
