//! Scheduling: waits overlap even with one job (a sleeping trial holds no
//! place), the longest wait starts first, and the runner's events tell a
//! listener what happens. Time is tokio's paused clock, so the durations
//! below are exact, not measured.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use oauthcheck::harness;
use oauthcheck::run::{self, Events, Outcome, RunEvent, RunOptions};

const SUITE: &str = r#"
suite: waits
scenarios:
  - id: waits.short
    title: Waits one second
    requirements: [code.expiry]
    steps:
      - wait: 1s
        check: { json: { anything: absent } }
  - id: waits.a
    title: Waits two seconds
    requirements: [code.expiry]
    steps:
      - wait: 2s
        check: { json: { anything: absent } }
  - id: waits.b
    title: Waits two seconds
    requirements: [code.expiry]
    steps:
      - wait: 2s
        check: { json: { anything: absent } }
  - id: waits.c
    title: Waits three seconds
    requirements: [code.expiry]
    steps:
      - wait: 3s
        check: { json: { anything: absent } }
"#;

#[tokio::test]
async fn with_one_job_waits_overlap_and_the_longest_starts_first() {
    let (profile, server) = harness::embedded_target(&[], &[])
        .await
        .expect("the reference server starts");
    let suite =
        oauthcheck::suite::load_str(Path::new("waits.yaml"), SUITE).expect("the suite loads");
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
