//! Shared helpers: load the shipped suites, run them against the embedded
//! reference server with a set of flaws, on one runtime.

use std::path::PathBuf;
use std::sync::Arc;

use oauthcheck::harness;
use oauthcheck::run::{self, RunOptions, TrialReport};
use oauthcheck::server::{Flaw, Quirk};
use oauthcheck::standard::StandardSet;
use oauthcheck::suite::Suite;

/// Held by the tests that run the whole suite many times over (the flaw
/// and quirk self-tests), so they take turns: run together on a small
/// machine they starve each other's trials past the embedded server's 2 s
/// code lifetime, and the late redemptions end in `error`.
pub static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The repository's `suites/` directory.
pub fn suites_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites")
}

/// Every shipped suite, loaded (panics with the diagnostics if they do not load).
pub fn shipped_suites() -> Vec<Suite> {
    harness::load_suites(&[suites_dir()])
        .unwrap_or_else(|m| panic!("the shipped suites do not load:\n{m}"))
}

/// The code lifetime of the servers the self-tests start. They run dozens
/// of servers and runs at once; on two loaded cores a trial's token request
/// can queue behind the others for seconds after its code was issued, so
/// the 2 s lifetime of `oauthcheck run` would make the self-tests flaky.
const SELF_TEST_CODE_TTL: std::time::Duration = std::time::Duration::from_secs(12);

/// Runs all trials of `suites` against a reference server with `flaws`.
pub async fn run_against_reference(
    suites: &[Suite],
    flaws: &[Flaw],
    jobs: usize,
) -> Vec<TrialReport> {
    run_against_reference_with(suites, flaws, &[], jobs).await
}

/// Runs all trials of `suites` against a reference server with `flaws` and
/// `quirks`, judged by the profile's default standard.
pub async fn run_against_reference_with(
    suites: &[Suite],
    flaws: &[Flaw],
    quirks: &[Quirk],
    jobs: usize,
) -> Vec<TrialReport> {
    run_against_reference_under(suites, flaws, quirks, None, jobs).await
}

/// Runs all trials of `suites` against a reference server with `flaws` and
/// `quirks`, judged by `standard` (the profile's default when `None`).
pub async fn run_against_reference_under(
    suites: &[Suite],
    flaws: &[Flaw],
    quirks: &[Quirk],
    standard: Option<StandardSet>,
    jobs: usize,
) -> Vec<TrialReport> {
    let mut config = harness::embedded_config(flaws, quirks);
    config.ttl.code = SELF_TEST_CODE_TTL;
    // Over HTTPS (a certificate generated at start, trusted by the
    // profile): every check then also runs through TLS, and the `tls.*`
    // scenarios have something to judge.
    config.tls.enabled = true;
    // Tokens too: a trial may hold one for as long as a code.
    config.ttl.access = SELF_TEST_CODE_TTL;
    config.ttl.refresh = SELF_TEST_CODE_TTL;
    let (mut profile, server) = harness::embedded_target_with(config)
        .await
        .expect("the reference server starts");
    if let Some(standard) = standard {
        profile.standard = standard;
    }
    let specs = run::plan(suites, &profile);
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(jobs)).await;
    server.shutdown().await;
    reports
}

/// `name: outcome — message` lines, each with the trial's exchanges as
/// `METHOD URL → status (ms)`, for assertion messages.
pub fn describe(reports: &[&TrialReport]) -> String {
    reports
        .iter()
        .map(|r| {
            let exchanges: String = r
                .exchanges
                .iter()
                .map(|e| {
                    let url: String = e.url.chars().take(120).collect();
                    let status = e.status.map_or("none".into(), |s| s.to_string());
                    format!("\n    {} {url} → {status} ({} ms)", e.method, e.elapsed_ms)
                })
                .collect();
            format!(
                "{}: {} — {}{exchanges}",
                r.name,
                r.outcome.word(),
                r.message.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}
