//! Benchmark: the full shipped suite against the embedded reference server
//! with a 1 s code lifetime (2 s token lifetimes), as `oauthcheck run`
//! executes it.
//!
//! Reports the run's wall time, the longest single trial wait (the floor the
//! wall time is held to: within 1.2× of it), requests sent, and peak RSS.
//! Run with `cargo bench --bench suite_run` (`ROUNDS=n`, `FRESH_LOGIN=1`).
//! A measurement, not a test: it asserts nothing about time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauthcheck::harness;
use oauthcheck::run::{self, Outcome, RunOptions, exec};

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let suites = harness::load_suites(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites")])
        .unwrap_or_else(|m| panic!("the suites do not load:\n{m}"));
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    for round in 1..=rounds {
        let mut config = harness::embedded_config(&[], &[]);
        config.ttl.code = Duration::from_secs(1);
        // Token lifetimes whose waits (`+ 1s`) match the code's (`+ 2s`).
        config.ttl.access = Duration::from_secs(2);
        config.ttl.refresh = Duration::from_secs(2);
        let (profile, server) = runtime
            .block_on(harness::embedded_target_with(config))
            .expect("the reference server starts");
        let specs = run::plan(&suites, &profile);
        let longest_wait = specs
            .iter()
            .map(|s| exec::total_wait(&s.scenario, &profile))
            .max()
            .unwrap_or_default();
        let clock = Instant::now();
        // FRESH_LOGIN=1: every trial logs in (as against servers whose
        // sessions cannot be shared).
        let options = RunOptions {
            reuse_login: std::env::var_os("FRESH_LOGIN").is_none(),
            ..RunOptions::default()
        };
        let reports = runtime.block_on(run::execute(Arc::new(profile), specs, &options));
        let wall = clock.elapsed();
        runtime.block_on(server.shutdown());
        let requests: usize = reports.iter().map(|r| r.exchanges.len()).sum();
        let passed = reports
            .iter()
            .filter(|r| r.outcome == Outcome::Pass)
            .count();
        println!(
            "round {round}: {} trials ({passed} passed), wall {:.3}s, longest wait {:.3}s (ratio {:.2}), {requests} requests ({:.0}/s), peak RSS {}",
            reports.len(),
            wall.as_secs_f64(),
            longest_wait.as_secs_f64(),
            wall.as_secs_f64() / longest_wait.as_secs_f64().max(f64::EPSILON),
            requests as f64 / wall.as_secs_f64(),
            peak_rss().unwrap_or_else(|| "unknown".into()),
        );
    }
}

/// VmHWM from /proc/self/status (Linux): the process's peak resident set.
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}
