//! Scheduling: waits overlap even with one job (a sleeping trial holds no
//! place), the longest wait starts first, and the runner's events tell a
//! listener what happens (time is tokio's paused clock there, so the
//! durations are exact, not measured). Sessions: one shared login where the
//! server keeps its session; a login per trial, with the same verdicts,
//! where it rotates it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use oauthcheck::harness;
use oauthcheck::run::{
    self, Events, Execution, Outcome, RunEvent, RunOptions, SessionMode, TrialReport,
};
use oauthcheck::server::Quirk;

use crate::support;

/// Each scenario waits, then checks a claim of an ID token the harness
/// decodes locally (MAC-signed for the main client: no request, no clock), so
/// the waits are all the run does. `TOKEN` is filled in by [`suite`].
const SUITE: &str = r#"
suite: waits
scenarios:
  - id: waits.short
    title: Waits one second
    requirements: [code.expiry]
    steps:
      - wait: 1s
      - id_token: { token: "TOKEN" }
        check: { fields: { claims.sub: waited } }
  - id: waits.a
    title: Waits two seconds
    requirements: [code.expiry]
    steps:
      - wait: 2s
      - id_token: { token: "TOKEN" }
        check: { fields: { claims.sub: waited } }
  - id: waits.b
    title: Waits two seconds
    requirements: [code.expiry]
    steps:
      - wait: 2s
      - id_token: { token: "TOKEN" }
        check: { fields: { claims.sub: waited } }
  - id: waits.c
    title: Waits three seconds
    requirements: [code.expiry]
    steps:
      - wait: 3s
      - id_token: { token: "TOKEN" }
        check: { fields: { claims.sub: waited } }
"#;

/// [`SUITE`] with a MAC-signed (HS256) token for `client_id`; its signature
/// is not checked by the suite.
fn suite(client_id: &str) -> String {
    use base64::Engine;
    let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let header = encode(r#"{"alg":"HS256"}"#);
    let claims = encode(&format!(r#"{{"sub":"waited","aud":"{client_id}"}}"#));
    SUITE.replace("TOKEN", &format!("{header}.{claims}.c2ln"))
}

#[tokio::test]
async fn with_one_job_waits_overlap_and_the_longest_starts_first() {
    let (profile, server) = harness::embedded_target(&[], &[])
        .await
        .expect("the reference server starts");
    let suite = oauthcheck::suite::load_str(Path::new("waits.yaml"), &suite(&profile.main.id))
        .expect("the suite loads");
    let specs = run::plan(&[suite], &profile);
    let (events, mut receiver) = Events::channel();
    let options = RunOptions {
        events,
        reuse_login: false,
        ..RunOptions::with_jobs(1)
    };
    tokio::time::pause();
    let start = tokio::time::Instant::now();
    let reports = run::execute(Arc::new(profile), specs, &options).await;
    let elapsed = start.elapsed();
    drop(options);
    assert!(
        reports.iter().all(|r| r.outcome == Outcome::Pass),
        "{reports:?}"
    );
    // Sequential sleeping would take 8 s; overlapping takes the longest, 3 s.
    assert!(elapsed < Duration::from_millis(3100), "took {elapsed:?}");
    let mut started = Vec::new();
    let mut waiting = 0;
    let mut finished = 0;
    while let Ok(event) = receiver.try_recv() {
        match event {
            RunEvent::Started { index, .. } => started.push(index),
            RunEvent::Waiting { .. } => waiting += 1,
            RunEvent::Finished { .. } => finished += 1,
            _ => {}
        }
    }
    assert_eq!(
        started.first(),
        Some(&3),
        "the 3 s wait starts first: {started:?}"
    );
    assert_eq!((waiting, finished), (4, 4));
    tokio::time::resume();
    server.shutdown().await;
}

/// Runs the shipped suites at default settings against the reference server
/// with `quirks`, returning the reports and how the run was executed.
async fn default_run(quirks: &[Quirk]) -> (Vec<TrialReport>, Execution) {
    let suites = support::shipped_suites();
    let (profile, server) = harness::embedded_target(&[], quirks)
        .await
        .expect("the reference server starts");
    let specs = run::plan(&suites, &profile);
    let launched = run::launch(
        &tokio::runtime::Handle::current(),
        Arc::new(profile),
        specs,
        &RunOptions::default(),
    );
    let mut reports = Vec::new();
    for trial in launched.trials {
        reports.push(trial.report.await.expect("every trial reports"));
    }
    server.shutdown().await;
    (reports, launched.execution.snapshot())
}

fn not_passing(reports: &[TrialReport]) -> Vec<&TrialReport> {
    reports
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Pass | Outcome::Skip))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_its_session_is_logged_in_to_once() {
    let (reports, execution) = default_run(&[]).await;
    let bad = not_passing(&reports);
    assert!(bad.is_empty(), "{}", support::describe(&bad));
    assert_eq!(execution.session, SessionMode::Shared, "{execution:?}");
    assert!(execution.reruns.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_rotates_its_session_gets_a_login_per_trial_and_the_same_verdicts() {
    let (reports, execution) = default_run(&[Quirk::SessionRotation]).await;
    let bad = not_passing(&reports);
    assert!(bad.is_empty(), "{}", support::describe(&bad));
    assert_ne!(execution.session, SessionMode::Shared, "{execution:?}");
    let note = execution.session_note.unwrap_or_default();
    assert!(note.contains("cookie"), "{note}");
}
