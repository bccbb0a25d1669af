//! `--standard` sets the level of the profile-dependent (⚑) requirements as
//! docs/standards.md says: one test per standard, each running the ⚑
//! scenarios against the reference server with the flaws that break them,
//! and checking every trial's level and outcome. Plus one combination, to
//! show the strictest standard wins.

use std::sync::Arc;

use oauthcheck::harness;
use oauthcheck::run::{self, Outcome, RunOptions, TrialReport};
use oauthcheck::server::Flaw;
use oauthcheck::standard::StandardSet;
use oauthcheck::suite::{Level, Suite};

use super::support::{describe, pool_place, shipped_suites};

/// The ⚑ trials, by name.
const FLAGGED: &[&str] = &[
    "redirect.added-query[added-parameter]",
    "grant.password-disabled",
    "refresh.old-rejected",
    "token.no-store-pragma",
    "code.redirect-uri-required",
    "pkce.required-public",
    "pkce.required-confidential",
];

/// The flaws breaking them.
const FLAWS: &[&str] = &[
    "redirect.added-query",
    "grant.password-disabled",
    "refresh.old-rejected",
    "token.no-store-header",
    "code.bound-to-redirect-uri",
    "pkce.required-public",
    "pkce.required-confidential",
];

/// The shipped scenarios behind [`FLAGGED`], nothing else.
fn flagged_suites() -> Vec<Suite> {
    let mut suites = shipped_suites();
    for suite in &mut suites {
        suite.scenarios.retain(|s| {
            FLAGGED
                .iter()
                .any(|t| t.split('[').next() == Some(s.id.as_str()))
        });
    }
    suites.retain(|s| !s.scenarios.is_empty());
    suites
}

/// The flagged trials, run under `standard` against the flawed server.
async fn under(standard: &str) -> Vec<TrialReport> {
    let _place = pool_place().await;
    let flaws: Vec<Flaw> = FLAWS.iter().map(|f| Flaw::from_id(f).unwrap()).collect();
    let mut config = harness::embedded_config(&flaws, &[]);
    config.ttl.code = std::time::Duration::from_secs(12);
    let (mut profile, server) = harness::embedded_target_with(config)
        .await
        .expect("the reference server starts");
    profile.standard = StandardSet::parse(standard).unwrap();
    let specs: Vec<_> = run::plan(&flagged_suites(), &profile)
        .into_iter()
        .filter(|s| FLAGGED.contains(&s.name.as_str()))
        .collect();
    assert_eq!(specs.len(), FLAGGED.len(), "a flagged trial is missing");
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(8)).await;
    server.shutdown().await;
    reports
}

/// Asserts each trial's level and outcome: `(trial, level, outcome)`.
fn expect(reports: &[TrialReport], table: &[(&str, Level, Outcome)]) {
    for (name, level, outcome) in table {
        let report = reports
            .iter()
            .find(|r| r.name == *name)
            .unwrap_or_else(|| panic!("no trial `{name}`"));
        assert_eq!(
            (report.level, report.outcome),
            (*level, *outcome),
            "`{name}`:\n{}",
            describe(&[report])
        );
    }
}

// A broken MAY is a pass with an information note: nothing the server had
// to do was missed.
const MAY_PASS: (Level, Outcome) = (Level::May, Outcome::Pass);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_rfc6749_the_bcps_musts_are_information_and_pragma_is_a_must() {
    let reports = under("rfc6749").await;
    expect(
        &reports,
        &[
            (
                "redirect.added-query[added-parameter]",
                Level::Should,
                Outcome::Warn,
            ),
            ("grant.password-disabled", MAY_PASS.0, MAY_PASS.1),
            ("refresh.old-rejected", MAY_PASS.0, MAY_PASS.1),
            ("token.no-store-pragma", Level::Must, Outcome::Fail),
            ("code.redirect-uri-required", Level::Must, Outcome::Fail),
            ("pkce.required-public", MAY_PASS.0, MAY_PASS.1),
            ("pkce.required-confidential", MAY_PASS.0, MAY_PASS.1),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_rfc9700_the_shipped_levels_hold() {
    let reports = under("rfc9700").await;
    expect(
        &reports,
        &[
            (
                "redirect.added-query[added-parameter]",
                Level::Must,
                Outcome::Fail,
            ),
            ("grant.password-disabled", Level::Must, Outcome::Fail),
            ("refresh.old-rejected", Level::Must, Outcome::Fail),
            ("token.no-store-pragma", Level::Should, Outcome::Warn),
            ("code.redirect-uri-required", Level::Should, Outcome::Warn),
            ("pkce.required-public", Level::Should, Outcome::Warn),
            ("pkce.required-confidential", MAY_PASS.0, MAY_PASS.1),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_oauth21_pragma_is_information_and_the_bcps_musts_hold() {
    let reports = under("oauth2.1").await;
    expect(
        &reports,
        &[
            (
                "redirect.added-query[added-parameter]",
                Level::Must,
                Outcome::Fail,
            ),
            ("grant.password-disabled", Level::Must, Outcome::Fail),
            ("refresh.old-rejected", Level::Must, Outcome::Fail),
            ("token.no-store-pragma", MAY_PASS.0, MAY_PASS.1),
            ("code.redirect-uri-required", Level::Should, Outcome::Warn),
            ("pkce.required-public", Level::Must, Outcome::Fail),
            ("pkce.required-confidential", Level::Must, Outcome::Fail),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_oidc_alone_exact_redirect_matching_is_a_must_and_rotation_is_not() {
    let reports = under("oidc").await;
    expect(
        &reports,
        &[
            (
                "redirect.added-query[added-parameter]",
                Level::Must,
                Outcome::Fail,
            ),
            ("grant.password-disabled", MAY_PASS.0, MAY_PASS.1),
            ("refresh.old-rejected", MAY_PASS.0, MAY_PASS.1),
            ("token.no-store-pragma", Level::Should, Outcome::Warn),
            ("code.redirect-uri-required", Level::Should, Outcome::Warn),
            ("pkce.required-public", MAY_PASS.0, MAY_PASS.1),
            ("pkce.required-confidential", MAY_PASS.0, MAY_PASS.1),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_combination_the_strictest_standard_wins() {
    let reports = under("rfc6749,oauth2.1").await;
    expect(
        &reports,
        &[
            (
                "redirect.added-query[added-parameter]",
                Level::Must,
                Outcome::Fail,
            ),
            ("grant.password-disabled", Level::Must, Outcome::Fail),
            ("refresh.old-rejected", Level::Must, Outcome::Fail),
            ("token.no-store-pragma", Level::Must, Outcome::Fail),
            ("code.redirect-uri-required", Level::Must, Outcome::Fail),
            ("pkce.required-public", Level::Must, Outcome::Fail),
            ("pkce.required-confidential", Level::Must, Outcome::Fail),
        ],
    );
}

fn oauthcheck() -> std::process::Command {
    use assert_cmd::cargo::CommandCargoExt;
    let mut cmd = std::process::Command::cargo_bin("oauthcheck").expect("the binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn the_command_line_names_the_standard_and_refuses_unknown_ones() {
    let out = oauthcheck()
        .args(["run", "--standard", "rfc9700,oauth21", "--list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown standard `oauth21` (did you mean `oauth2.1`?)"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = oauthcheck()
        .args([
            "run",
            "--exact",
            "grant.password-disabled",
            "--standard",
            "oauth2.1,rfc6749",
        ])
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("judged by rfc6749,oauth2.1"), "{stdout}");
    let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["target"]["standard"], "rfc6749,oauth2.1");
}
