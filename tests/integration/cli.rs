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
        stderr.contains("did you mean `code.single-use`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: `oauthcheck serve --list-flaws` lists them"),
        "{stderr}"
    );
    let (code, _, stderr) = output(oauthcheck().args(["serve", "--quirk", "pkce-requred"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown quirk `pkce-requred`; did you mean `pkce-required`?"),
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
fn exact_takes_several_whole_names_as_libtest_does() {
    let (code, stdout, stderr) = output(oauthcheck().args([
        "list",
        "--exact",
        "code.single-use",
        "redirect.exact-match[other-host]",
        "code.single",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let listed: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        listed,
        [
            "code.single-use: test",
            "redirect.exact-match[other-host]: test"
        ],
        "each name selects its own trial; a prefix selects nothing under --exact"
    );
    // Without --exact, several filters select what any of them contains.
    let (code, stdout, _) = output(oauthcheck().args(["list", "code.single-use", "state."]));
    assert_eq!(code, 0);
    assert!(stdout.contains("code.single-use: test"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("state.")), "{stdout}");
    assert!(!stdout.contains("redirect."), "{stdout}");

    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = output(
        oauthcheck()
            .args([
                "run",
                "-q",
                "--exact",
                "code.single-use",
                "pkce.plain-downgrade",
            ])
            .arg("--report-dir")
            .arg(dir.path()),
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    let names: Vec<&str> = report["trials"]
        .as_array()
        .expect("trials")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?} {stderr}");
    assert!(names.contains(&"code.single-use"), "{names:?}");
    assert_eq!(code, 0, "{stderr}");
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

#[test]
fn init_writes_a_starter_profile_that_validates() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(oauthcheck::server::spawn(Config::default()))
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starter.yaml");
    let (code, _, stderr) = output(
        oauthcheck()
            .args(["init", "--issuer", &server.issuer, "--output"])
            .arg(&path),
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&path).expect("written");
    for capability in [
        "pkce",
        "revocation",
        "introspection",
        "oidc",
        "iss_parameter",
    ] {
        assert!(
            text.contains(capability),
            "`{capability}` not inferred:\n{text}"
        );
    }
    let (code, stdout, stderr) = output(oauthcheck().arg("validate").arg(&path));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // It refuses to overwrite.
    let (code, _, stderr) = output(
        oauthcheck()
            .args(["init", "--issuer", &server.issuer, "--output"])
            .arg(&path),
    );
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_baseline_excuses_known_failures_and_fails_when_one_is_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.yaml");
    let run = |extra: &[&str]| {
        output(
            oauthcheck()
                .args(["run", "--exact", "code.single-use", "--report-dir"])
                .arg(dir.path().join("reports"))
                .args(extra),
        )
    };
    let (code, _, _) = run(&[
        "--flaw",
        "code.single-use",
        "--write-expect",
        baseline.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 1);
    assert!(
        std::fs::read_to_string(&baseline)
            .expect("written")
            .contains("trial: code.single-use")
    );
    let (code, _, stderr) = run(&[
        "--flaw",
        "code.single-use",
        "--expect",
        baseline.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "the known failure is excused: {stderr}");
    let (code, _, stderr) = run(&["--expect", baseline.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "a fixed failure must fail the run: {stderr}");
    assert!(stderr.contains("now passes"), "{stderr}");
}

#[test]
fn several_targets_run_together_with_a_report_each_and_the_matrix() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut servers = Vec::new();
    let mut args: Vec<String> = vec!["run".into(), "-q".into(), "redirect.exact-match".into()];
    for (name, flaws) in [
        ("correct", vec![]),
        ("flawed", vec![Flaw::RedirectExactMatch]),
    ] {
        let config = Config {
            flaws: flaws.into_iter().collect(),
            ..Config::default()
        };
        let server = runtime
            .block_on(oauthcheck::server::spawn(config))
            .expect("server");
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, reference_profile(name, &server.issuer)).expect("profile");
        args.extend(["--target".into(), path.display().to_string()]);
        servers.push(server);
    }
    let reports = dir.path().join("reports");
    let (code, stdout, stderr) = output(oauthcheck().args(&args).arg("--report-dir").arg(&reports));
    assert_eq!(code, 1, "{stdout}{stderr}");
    for name in ["correct", "flawed"] {
        for file in [
            "report.json",
            "junit.xml",
            "report.html",
            "summary.md",
            "report.sarif",
        ] {
            assert!(
                reports.join(name).join(file).is_file(),
                "{name}/{file} missing"
            );
        }
    }
    let matrix = std::fs::read_to_string(reports.join("compare.md")).expect("compare.md");
    assert!(
        matrix.contains("redirect.exact-match[other-client-uri]"),
        "{matrix}"
    );
    assert!(reports.join("compare.html").is_file());
}

/// A profile for a reference server at `issuer` (its default clients and user).
fn reference_profile(name: &str, issuer: &str) -> String {
    let config = Config::default();
    let client = |i: usize| {
        let c = &config.clients[i];
        format!(
            "{{ id: {}, secret: \"{}\", redirect_uri: \"{}\", auth_method: {} }}",
            c.id,
            c.secret.as_ref().map(|s| s.expose()).unwrap_or_default(),
            c.redirect_uris[0],
            c.auth_method.as_str()
        )
    };
    format!(
        "name: {name}\nissuer: {issuer}\nclients:\n  main: {}\n  other: {}\nuser: {{ username: {}, password: \"{}\" }}\n\
         capabilities: [second_client, consent, pkce, oidc]\nscopes: {{ default: \"openid profile\" }}\n",
        client(0),
        client(1),
        config.users[0].username,
        config.users[0].password.expose()
    )
}

#[test]
fn outside_a_checkout_the_built_in_suites_are_used() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .current_dir(elsewhere.path())
            .args(["list", "code.single-use"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("code.single-use: test"), "{stdout}");
}

#[test]
fn reports_that_cannot_be_written_exit_4_not_2() {
    // Nothing is wrong with the input: the output cannot be produced.
    let (code, _, stderr) = output(oauthcheck().args([
        "run",
        "--report-dir",
        "/dev/null/reports",
        "no-trial-matches-this-filter",
    ]));
    assert_eq!(code, i32::from(oauthcheck::cli::exit::OUTPUT), "{stderr}");
    assert!(stderr.contains("cannot write the reports"), "{stderr}");
}

#[test]
fn an_unknown_flaw_or_quirk_in_a_server_config_gets_the_same_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (line, message) in [
        (
            "flaws: [code.single-us]",
            "unknown flaw `code.single-us`; did you mean `code.single-use`?",
        ),
        (
            "quirks: [pkce-requred]",
            "unknown quirk `pkce-requred`; did you mean `pkce-required`?",
        ),
    ] {
        let path = dir.path().join("server.yaml");
        std::fs::write(&path, format!("{line}\n")).expect("write");
        let (code, _, stderr) = output(oauthcheck().arg("serve").arg("--config").arg(&path));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[test]
fn stdout_that_cannot_be_written_exits_4_on_every_command() {
    // /dev/full refuses every write (ENOSPC): not a closed pipe, whose
    // reader has merely seen enough, but output that could not be produced.
    let full = || std::fs::File::create("/dev/full").expect("/dev/full");
    for args in [
        &["serve", "--list-flaws"][..],
        &["serve", "--list-quirks"],
        &["list", "code.single-use"],
        &["validate", "suites/"],
        // The server starts, then cannot print its issuer line.
        &["serve"],
    ] {
        let out = oauthcheck()
            .args(args)
            .stdout(full())
            .output()
            .expect("oauthcheck runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(i32::from(oauthcheck::cli::exit::OUTPUT)),
            "{args:?}: {stderr}"
        );
    }
}
