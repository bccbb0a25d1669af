//! `report.har`: a real run's HTTP Archive parses with a HAR library as
//! HAR 1.2, holds every exchange of every trial under a page per trial,
//! carries the members DevTools and Burp read, keeps every secret out in
//! every encoding, and `oauthcheck report --format har` renders the same
//! file again from `report.json`.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use base64::Engine;
use oauthcheck::server::Config;
use serde_json::Value;

fn oauthcheck() -> Command {
    let mut cmd = Command::cargo_bin("oauthcheck").expect("the binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

/// Every spelling of `secret` a report could leak (and of the Basic
/// credential built from `client_id` and it).
fn spellings(client_id: Option<&str>, secret: &str) -> Vec<String> {
    let mut all = vec![
        secret.to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        serde_json::to_string(secret)
            .expect("JSON")
            .trim_matches('"')
            .to_string(),
    ];
    if let Some(id) = client_id {
        let pair = format!("{id}:{secret}");
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            all.push(engine.encode(&pair));
        }
    }
    all
}

/// The npm `har-schema` files (`fixtures/schemas/har-schema/`) as one
/// schema: each file becomes a definition and `"x.json#"` references
/// point at it, so no resolver is needed.
fn har_schema() -> jsonschema::Validator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemas/har-schema");
    let mut definitions = serde_json::Map::new();
    let reference = regex::Regex::new(r#""\$ref": "(\w+)\.json#""#).unwrap();
    for entry in std::fs::read_dir(&dir).expect("the vendored HAR schema") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("readable");
        let text = reference.replace_all(&text, r##""$$ref": "#/definitions/$1""##);
        let mut schema: Value = serde_json::from_str(&text).expect("JSON");
        let object = schema.as_object_mut().expect("an object");
        object.remove("$id");
        object.remove("$schema");
        definitions.insert(name, schema);
    }
    assert!(definitions.len() >= 18, "every file of har-schema");
    let root = serde_json::json!({
        "$schema": "http://json-schema.org/draft-06/schema#",
        "$ref": "#/definitions/har",
        "definitions": definitions,
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the HAR schema compiles")
}

#[test]
fn report_har_is_har_1_2_with_every_exchange_a_page_per_trial_and_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = oauthcheck()
        .args(["run", "-q", "--flaw", "code.single-use", "--exact"])
        .args([
            "code.single-use",
            "client-auth.bad-secret",
            "token.post-body-only",
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
    let har_path = dir.path().join("report.har");
    let text = std::fs::read_to_string(&har_path).expect("report.har is written");

    // A HAR library reads it as 1.2.
    let parsed = har::from_path(&har_path).expect("the har crate parses report.har");
    let har::Spec::V1_2(log) = parsed.log else {
        panic!("not HAR 1.2: {:?}", parsed.log)
    };
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    let trials = report["trials"].as_array().expect("trials");
    let exchanges: usize = trials
        .iter()
        .map(|t| t["exchanges"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(exchanges >= 6, "the run sent requests: {exchanges}");
    assert_eq!(log.entries.len(), exchanges, "every exchange is an entry");
    let pages = log.pages.as_ref().expect("pages");
    assert_eq!(pages.len(), trials.len(), "a page per trial");
    let page_ids: HashSet<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    for trial in trials {
        let name = trial["name"].as_str().expect("name");
        assert!(page_ids.contains(name), "no page for {name}");
        let of_trial = log
            .entries
            .iter()
            .filter(|e| e.pageref.as_deref() == Some(name))
            .count();
        assert_eq!(
            of_trial,
            trial["exchanges"].as_array().unwrap().len(),
            "{name}"
        );
    }
    let failing = pages
        .iter()
        .find(|p| p.id == "code.single-use")
        .expect("the failing trial's page");
    assert!(failing.title.contains("fail"), "{}", failing.title);

    // The HAR 1.2 schema har-validator uses accepts it, and is not vacuous.
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let schema = har_schema();
    let problems: Vec<String> = schema
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "report.har:\n{}", problems.join("\n"));
    let mut broken = json.clone();
    broken["log"]["entries"][0]["request"]
        .as_object_mut()
        .unwrap()
        .remove("httpVersion");
    assert!(!schema.is_valid(&broken), "the schema requires httpVersion");

    // What the importers read is there, in the spec's shapes.
    for entry in json["log"]["entries"].as_array().unwrap() {
        let started = entry["startedDateTime"].as_str().expect("startedDateTime");
        assert!(
            humantime::parse_rfc3339(started).is_ok(),
            "ISO 8601 / RFC 3339: {started}"
        );
        for member in ["send", "wait", "receive"] {
            assert!(entry["timings"][member].is_number(), "timings.{member}");
        }
        let request = &entry["request"];
        for member in ["cookies", "headers", "queryString"] {
            assert!(request[member].is_array(), "request.{member}");
        }
        assert!(
            request["httpVersion"]
                .as_str()
                .unwrap()
                .starts_with("HTTP/")
        );
        if let Some(post) = request.get("postData") {
            assert!(
                post["mimeType"].is_string() && post["text"].is_string(),
                "{post}"
            );
        }
        let content = &entry["response"]["content"];
        assert!(content["size"].is_number() && content["mimeType"].is_string());
        assert!(entry["cache"].is_object());
        assert!(
            entry["_step"]
                .as_str()
                .is_some_and(|s| s.contains(".yaml:"))
        );
    }
    assert!(
        text.contains("\"postData\"") && text.contains("\"redirectURL\": \"http"),
        "token POSTs and redirects are in the archive"
    );

    // No secret in any spelling, nor an unmasked code or token.
    let config = Config::default();
    for client in &config.clients {
        if let Some(secret) = &client.secret {
            for spelling in spellings(Some(&client.id), secret.expose()) {
                assert!(
                    !text.contains(&spelling),
                    "a client secret leaked as `{spelling}`"
                );
            }
        }
    }
    for user in &config.users {
        for spelling in spellings(None, user.password.expose()) {
            assert!(!text.contains(&spelling), "a password leaked");
        }
    }
    assert!(
        text.contains("[redacted]"),
        "secrets are masked, not dropped"
    );

    // Re-rendered from report.json: the same archive.
    let again = oauthcheck()
        .args(["report", "--format", "har"])
        .arg(dir.path().join("report.json"))
        .output()
        .expect("oauthcheck report runs");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim_end(),
        text.trim_end()
    );
}
