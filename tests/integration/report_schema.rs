//! report.json v1 is a published format (`docs/report-v1.schema.json`): a
//! real run's report must validate against the schema, and its redacted
//! shape is pinned by a snapshot, so no refactor changes v1 silently. A
//! deliberate change updates the snapshot and, if it is not an optional
//! addition, bumps `format_version` (`docs/report-format.md`).

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-v1.schema.json");
    let text = std::fs::read_to_string(path).expect("the schema is in the repo");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// `oauthcheck run` over the golden suite: one trial of each outcome.
fn real_report() -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("oauthcheck")
        .expect("the binary is built")
        .current_dir(root)
        .args([
            "run",
            "--suites",
            "fixtures/golden",
            "--quiet",
            "--color",
            "never",
        ])
        .args([
            "--flaw",
            "code.single-use",
            "--flaw",
            "headers.anti-framing",
        ])
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .expect("oauthcheck runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("report.json is JSON")
}

#[test]
fn a_real_report_validates_and_keeps_its_v1_shape() {
    let validator = schema();
    let report = real_report();
    let problems = errors(&validator, &report);
    assert!(
        problems.is_empty(),
        "invalid report.json:\n{}",
        problems.join("\n")
    );
    let outcomes: Vec<&str> = report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["pass", "fail", "warn", "pass", "skip", "error"]);

    // The schema is not vacuous: each of these breaks v1.
    for (pointer, value) in [
        ("/format_version", Value::from(2)),
        ("/trials/0/outcome", Value::from("maybe")),
        ("/trials/1/level", Value::from("must")),
        ("/trials/1/exchanges/0/status", Value::from("200")),
        (
            "/trials/1/exchanges/0/request_headers/0",
            Value::from(vec!["only-a-name"]),
        ),
        ("/started_at", Value::from("yesterday")),
    ] {
        let mut broken = report.clone();
        *broken.pointer_mut(pointer).expect(pointer) = value;
        assert!(
            !validator.is_valid(&broken),
            "the schema accepts {pointer} changed"
        );
    }
    let mut missing = report.clone();
    missing["trials"][0]
        .as_object_mut()
        .unwrap()
        .remove("requirements");
    assert!(
        !validator.is_valid(&missing),
        "the schema accepts a trial without requirements"
    );
    // Optional additions are allowed within v1 (e.g. `target.quirks`).
    let mut added = report.clone();
    added["target"]["quirks"] = Value::from(vec!["token.refresh-rotation"]);
    added["target"]["warnings"] = Value::from(vec!["the token endpoint is on another origin"]);
    added["run_statistics"] = serde_json::json!({ "requests": 12 });
    assert!(
        validator.is_valid(&added),
        "{:?}",
        errors(&validator, &added)
    );

    let text = serde_json::to_string_pretty(&redacted(report)).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(r"127\.0\.0\.1(:|%3A)\d+", "127.0.0.1$1[port]");
    // State, nonce, PKCE values, transaction ids, CSRF tokens.
    settings.add_filter(r"=[A-Za-z0-9_-]{20,}", "=[random]");
    settings.bind(|| insta::assert_snapshot!("report_v1_real_run", text));
}

/// The report with what changes from run to run replaced: times, versions,
/// header values that carry dates or lengths, the order of cookies, and
/// response bodies (they are the reference server's, not the format's).
fn redacted(mut report: Value) -> Value {
    report["started_at"] = "[timestamp]".into();
    report["tool_version"] = "[version]".into();
    report["duration_ms"] = 0.into();
    // The adaptive limit and request counts depend on timing.
    if let Some(execution) = report.get_mut("execution").and_then(Value::as_object_mut) {
        for counter in [
            "final_concurrency",
            "peak_concurrency",
            "requests",
            "backoffs",
            "retries",
        ] {
            if execution.contains_key(counter) {
                execution.insert(counter.into(), 0.into());
            }
        }
        // Reruns are listed as they finish.
        if let Some(reruns) = execution.get_mut("reruns").and_then(Value::as_array_mut) {
            reruns.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    for trial in report["trials"].as_array_mut().unwrap() {
        trial["duration_ms"] = 0.into();
        for exchange in trial["exchanges"].as_array_mut().unwrap() {
            exchange["elapsed_ms"] = 0.into();
            if exchange.get("started_at").is_some() {
                exchange["started_at"] = "[timestamp]".into();
            }
            if let Some(body) = exchange["response_body"].as_str() {
                let kind = match body.trim_start().chars().next() {
                    None => "[empty]",
                    Some('<') => "[html]",
                    Some('{' | '[') => "[json]",
                    Some(_) => "[text]",
                };
                exchange["response_body"] = kind.into();
            }
            for headers in ["request_headers", "response_headers"] {
                for header in exchange[headers].as_array_mut().unwrap() {
                    let name = header[0].as_str().unwrap_or_default().to_string();
                    if matches!(name.as_str(), "date" | "content-length") {
                        header[1] = format!("[{name}]").into();
                    }
                    // The cookie jar sends its cookies in no fixed order.
                    if name == "cookie" {
                        let mut cookies: Vec<&str> =
                            header[1].as_str().unwrap_or_default().split("; ").collect();
                        cookies.sort_unstable();
                        header[1] = cookies.join("; ").into();
                    }
                }
            }
        }
    }
    report
}
