//! The command line as a user meets it: exit codes, listings, diagnostics,
//! the standalone server, and secrets kept out of everything printed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use oauthcheck::server::{Config, Flaw};

use crate::support::suites_dir;

fn oauthcheck() -> Command {
    let mut cmd = Command::cargo_bin("oauthcheck").expect("the binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("oauthcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_flaws_prints_one_tab_separated_line_per_flaw() {
    let (code, stdout, _) = output(oauthcheck().args(["serve", "--list-flaws"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Flaw::ALL.len());
    for (line, flaw) in lines.iter().zip(Flaw::ALL) {
        let (id, description) = line.split_once('\t').expect("ID<TAB>description");
        assert_eq!(id, flaw.id());
        assert!(!description.is_empty());
    }
}

#[test]
fn serve_prints_its_issuer_first_and_answers_discovery() {
    let mut child = oauthcheck()
        .args(["serve", "--flaw", "code.single-use"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a line");
    let issuer = first.trim().to_string();
    let url = format!("{issuer}/.well-known/openid-configuration");
    let body = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async { reqwest::get(&url).await?.text().await });
    child.kill().expect("kill");
    let _ = child.wait();
    let metadata: serde_json::Value =
        serde_json::from_str(&body.expect("discovery answers")).expect("JSON");
    assert_eq!(metadata["issuer"], issuer.as_str());
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
}

#[test]
fn validate_accepts_the_shipped_suites() {
    let (code, stdout, stderr) = output(
        oauthcheck()
            .args(["validate"])
            .arg(suites_dir())
            .arg("fixtures/targets"),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("ok:"), "{stdout}");
}

#[test]
fn validate_names_file_line_and_column_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.yaml");
    std::fs::write(
        &path,
        "suite: broken\nscenarios:\n  - id: x.y\n    title: t\n    requirements: [code.single-use]\n    stpes: []\n",
    )
    .expect("write");
    let (code, _, stderr) = output(oauthcheck().arg("validate").arg(&path));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("broken.yaml:6:5"), "{stderr}");
    assert!(stderr.contains("did you mean `steps`?"), "{stderr}");
}

#[test]
fn an_unknown_flaw_is_a_usage_error_with_a_hint() {
    let (code, _, stderr) = output(oauthcheck().args(["run", "--flaw", "code.single-us"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error: unknown flaw `code.single-us`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: did you mean `code.single-use`?"),
        "{stderr}"
    );
}

#[test]
fn list_prints_trial_names() {
    let (code, stdout, _) = output(oauthcheck().args(["list", "redirect.exact-match"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("redirect.exact-match[other-host]: test"),
        "{stdout}"
    );
    assert!(!stdout.contains("code.single-use"), "{stdout}");
}

#[test]
fn a_broken_must_exits_1_and_shows_the_evidence_without_secrets() {
    let reports = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .args([
                "run",
                "--flaw",
                "code.single-use",
                "--flaw",
                "client-auth.bad-secret",
                "--report-dir",
            ])
            .arg(reports.path())
            .args(["code.", "--skip", "code.expiry"]),
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("fail   code.single-use"), "{stdout}");
    assert!(stdout.contains("expected status 400, got 200"), "{stdout}");
    assert!(stdout.contains("RFC 6749"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("summary: ") && l.contains(" failed")),
        "{stdout}"
    );
    let report = std::fs::read_to_string(reports.path().join("report.json")).expect("report.json");
    let config = Config::default();
    for text in [&stdout, &stderr, &report] {
        for client in &config.clients {
            if let Some(secret) = &client.secret {
                assert!(!text.contains(secret.expose()), "a client secret leaked");
            }
        }
        for user in &config.users {
            assert!(!text.contains(user.password.expose()), "a password leaked");
        }
        assert_no_unredacted_tokens(text);
    }
}

/// Every code or token value in the text is masked.
fn assert_no_unredacted_tokens(text: &str) {
    let re = regex::Regex::new(
        r#"(?:\b(?:code|access_token|refresh_token|id_token|client_secret|password)(?:=|\\?"\s*:\s*\\?"))([^&"\\\s]{6,})"#,
    )
    .expect("regex");
    for capture in re.captures_iter(text) {
        let value = &capture[1];
        assert!(
            value.contains("redacted") || value.contains("%5Bredacted%5D"),
            "an unredacted secret: `{}`",
            &capture[0]
        );
    }
}
