//! Benchmark: the shipped suite at default settings against slow servers.
//!
//! 1. *Hashing-bound*: the reference server with a simulated password hash
//!    (`HASH_MS`, default 300 ms per login and per token call, on `CORES`,
//!    default 2). Reports wall time against the critical-path floor (the
//!    hashing calls × cost ÷ cores, or the longest wait if longer; the code
//!    lifetime is `HASH_TTL_S`, default 10 s), the
//!    logins and token calls against a sequential client that logs in for
//!    every scenario (oauthcheck itself at `--jobs 1 --fresh-login`, whose
//!    time is its calls × cost), and the trials that ended in `error` or
//!    `fail` (against the correct server, each is a run too slow for a
//!    lifetime or a harness mistake).
//! 2. *Rate-limited*: `rate: 50` and a code lifetime of `TTL_S` seconds
//!    (default 60; the code-expiry trial waits it out). Reports the run
//!    against the longest wait.
//!
//! Run with `cargo bench --bench slow_server` (`CASE=hash` or `CASE=rate`
//! for one of them). A measurement, not a test: it asserts nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauthcheck::harness;
use oauthcheck::run::{self, Outcome, RunOptions, TrialReport, exec};
use oauthcheck::suite::Suite;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Measured {
    wall: Duration,
    reports: Vec<TrialReport>,
    logins: usize,
    tokens: usize,
    longest_wait: Duration,
    execution: run::Execution,
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    suites: &[Suite],
    config: oauthcheck::server::Config,
    rate: Option<f64>,
    options: RunOptions,
) -> Measured {
    let (mut profile, server) = runtime
        .block_on(harness::embedded_target_with(config))
        .expect("the reference server starts");
    profile.limits.rate = rate;
    let specs = run::plan(suites, &profile);
    let longest_wait = specs
        .iter()
        .map(|s| exec::total_wait(&s.scenario, &profile))
        .max()
        .unwrap_or_default();
    let clock = Instant::now();
    let launched = run::launch(runtime.handle(), Arc::new(profile), specs, &options);
    let reports: Vec<TrialReport> = runtime.block_on(async {
        let mut out = Vec::new();
        for trial in launched.trials {
            out.push(trial.report.await.expect("every trial reports"));
        }
        out
    });
    let wall = clock.elapsed();
    let (logins, tokens) = server.hash_calls();
    runtime.block_on(server.shutdown());
    Measured {
        wall,
        reports,
        logins,
        tokens,
        longest_wait,
        execution: launched.execution.snapshot(),
    }
}

fn count(reports: &[TrialReport], outcome: Outcome) -> usize {
    reports.iter().filter(|r| r.outcome == outcome).count()
}

fn hashing(runtime: &tokio::runtime::Runtime, suites: &[Suite]) {
    let cost = Duration::from_millis(env_u64("HASH_MS", 300));
    let cores = env_u64("CORES", 2) as usize;
    let mut config = harness::embedded_config(&[], &[]);
    config.ttl.code = Duration::from_secs(env_u64("HASH_TTL_S", 10));
    config.hashing.cost = cost;
    config.hashing.cores = cores;
    // The sequential client: the same scenarios one after another, each
    // logging in itself; counted against a free hash (its time is calls × cost).
    let mut free = config.clone();
    free.hashing.cost = Duration::ZERO;
    let sequential = measure(
        runtime,
        suites,
        free,
        None,
        RunOptions {
            reuse_login: false,
            ..RunOptions::with_jobs(1)
        },
    );
    let seq_calls = sequential.logins + sequential.tokens;
    let m = measure(runtime, suites, config, None, RunOptions::default());
    let calls = m.logins + m.tokens;
    let hash_floor = cost.mul_f64(calls as f64 / cores as f64);
    let floor = hash_floor.max(m.longest_wait);
    println!(
        "hashing-bound ({} ms per call, {cores} cores), default settings: {} trials, {} errors, {} failed; wall {:.2}s, floor {:.2}s (hashing {:.2}s, longest wait {:.2}s), ratio {:.2}",
        cost.as_millis(),
        m.reports.len(),
        count(&m.reports, Outcome::Error),
        count(&m.reports, Outcome::Fail),
        m.wall.as_secs_f64(),
        floor.as_secs_f64(),
        hash_floor.as_secs_f64(),
        m.longest_wait.as_secs_f64(),
        m.wall.as_secs_f64() / floor.as_secs_f64(),
    );
    println!(
        "  logins {} and token calls {} (sequential client: {} and {}, {:.2}s at {} ms each); concurrency {} (peak {}), {} backoffs, {} retries, session {:?}",
        m.logins,
        m.tokens,
        sequential.logins,
        sequential.tokens,
        cost.mul_f64(seq_calls as f64).as_secs_f64(),
        cost.as_millis(),
        m.execution.pace.final_concurrency,
        m.execution.pace.peak_concurrency,
        m.execution.pace.backoffs,
        m.execution.pace.retries,
        m.execution.session,
    );
    for report in m
        .reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Error | Outcome::Fail))
        .take(5)
    {
        let reason = report.message.as_deref().unwrap_or("");
        println!("  {} {}: {reason}", report.outcome.word(), report.name);
    }
    let requests: usize = m.reports.iter().map(|r| r.exchanges.len()).sum();
    println!(
        "  requests per trial {:.1} (sequential client {:.1})",
        requests as f64 / m.reports.len().max(1) as f64,
        sequential
            .reports
            .iter()
            .map(|r| r.exchanges.len())
            .sum::<usize>() as f64
            / sequential.reports.len().max(1) as f64,
    );
}

fn rate_limited(runtime: &tokio::runtime::Runtime, suites: &[Suite]) {
    let ttl = Duration::from_secs(env_u64("TTL_S", 60));
    let mut config = harness::embedded_config(&[], &[]);
    config.ttl.code = ttl;
    let m = measure(runtime, suites, config, Some(50.0), RunOptions::default());
    let requests: usize = m.reports.iter().map(|r| r.exchanges.len()).sum();
    println!(
        "rate 50/s, code TTL {}s, default settings: {} trials, {} errors; {requests} requests; wall {:.2}s, longest wait {:.2}s, ratio {:.3}",
        ttl.as_secs(),
        m.reports.len(),
        count(&m.reports, Outcome::Error),
        m.wall.as_secs_f64(),
        m.longest_wait.as_secs_f64(),
        m.wall.as_secs_f64() / m.longest_wait.as_secs_f64().max(f64::EPSILON),
    );
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let suites = harness::load_suites(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites")])
        .unwrap_or_else(|m| panic!("the suites do not load:\n{m}"));
    let case = std::env::var("CASE").unwrap_or_default();
    if case.is_empty() || case == "hash" {
        hashing(&runtime, &suites);
    }
    if case.is_empty() || case == "rate" {
        rate_limited(&runtime, &suites);
    }
}
