//! The library entry point for `harness = false` tests of other projects:
//! libtest-mimic's conclusion, with its filters applied.

use oauthcheck::harness;

use crate::support::suites_dir;

#[test]
fn run_tests_returns_the_libtest_conclusion_for_the_filtered_trials() {
    let args = libtest_mimic::Arguments {
        filter: Some("code.single-use".into()),
        ..libtest_mimic::Arguments::default()
    };
    let conclusion = harness::run_tests(&[suites_dir()], None, &args);
    assert_eq!(conclusion.num_failed, 0);
    assert_eq!(conclusion.num_passed, 1);
    assert!(conclusion.num_filtered_out > 50);
}

#[test]
fn a_suite_that_does_not_load_is_reported_with_its_place() {
    // `run_tests` turns this message into one failed trial.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "suite: x\nscenarios: []\nextra: 1\n",
    )
    .expect("write");
    let error =
        harness::load_suites(&[dir.path().to_path_buf()]).expect_err("the suite is invalid");
    let harness::HarnessError::Suites(diagnostics) = &error else {
        panic!("expected suite diagnostics, got {error}")
    };
    assert_eq!(diagnostics.len(), 1, "{error}");
    let message = error.to_string();
    assert!(message.contains("bad.yaml:3:1"), "{message}");
}

#[tokio::test]
async fn discover_is_skipped_for_a_profile_without_an_issuer() {
    use std::sync::Arc;

    use oauthcheck::run::{self, Outcome, RunOptions};

    let text = "suite: meta\nscenarios:\n  - id: code.single-use\n    title: t\n    requirements: [meta.document]\n    steps:\n      - discover: {}\n        check: { status: 200 }\n";
    let suite = oauthcheck::suite::load_str(std::path::Path::new("meta.yaml"), text)
        .expect("the suite loads");
    let (mut profile, server) = harness::embedded_target(&[], &[])
        .await
        .expect("server starts");
    let specs = run::plan(std::slice::from_ref(&suite), &profile);
    let with_issuer = run::execute(
        Arc::new(profile.clone()),
        specs.clone(),
        &RunOptions::with_jobs(1),
    )
    .await;
    assert_eq!(with_issuer[0].outcome, Outcome::Pass);
    profile.issuer = None;
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(1)).await;
    server.shutdown().await;
    assert_eq!(
        reports[0].outcome,
        Outcome::Skip,
        "{:?}",
        reports[0].message
    );
    assert!(
        reports[0]
            .message
            .as_deref()
            .unwrap_or("")
            .contains("names no `issuer`"),
        "{:?}",
        reports[0].message
    );
}
