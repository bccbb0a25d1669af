//! Shared helpers: load the shipped suites, run them against the embedded
//! reference server with a set of flaws, on one runtime; and the pool that
//! bounds how many such runs the self-tests keep in flight.

use std::path::PathBuf;
use std::sync::Arc;

use oauthcheck::harness;
use oauthcheck::run::{self, RunOptions, TrialReport};
use oauthcheck::server::{Flaw, Quirk};
use oauthcheck::standard::StandardSet;
use oauthcheck::suite::Suite;

/// How many reference runs the many-run tests (the flaw and quirk
/// self-tests) keep in flight at once, together, across the test binary.
/// A run is mostly waiting (its longest trial sleeps out the code lifetime,
/// [`SELF_TEST_CODE_TTL`] + 2 s), so overlapping many is what makes the
/// self-tests fast; the bound keeps the CPU they need, about a twentieth
/// of a core per run in flight, inside two cores that other tests share.
pub const RUNS_AT_ONCE: usize = 24;

/// The permits behind [`RUNS_AT_ONCE`]: one per run in flight, first come
/// first served, so the flaw and quirk self-tests share the machine run by
/// run instead of taking turns test by test.
static POOL: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(RUNS_AT_ONCE);

/// The least time between the starts of two pooled runs. A run spends most
/// of its CPU in its first second or two (its server starting, its trials
/// running up to their waits) and then mostly sleeps: started all at once,
/// two dozen runs would pile those seconds up, and on a loaded machine
/// their requests would queue past the request timeout or a code's
/// lifetime. Spaced, only a few starts overlap.
const START_SPACING: std::time::Duration = std::time::Duration::from_millis(500);

/// When the next pooled run may start.
static NEXT_START: tokio::sync::Mutex<Option<tokio::time::Instant>> =
    tokio::sync::Mutex::const_new(None);

/// Waits for this run's turn to start, [`START_SPACING`] after the last.
async fn start_turn() {
    let mut next = NEXT_START.lock().await;
    if let Some(at) = *next {
        tokio::time::sleep_until(at).await;
    }
    *next = Some(tokio::time::Instant::now() + START_SPACING);
}

/// Waits for a place in the pool of reference runs; the place is held
/// until the permit is dropped. For a test whose one run must not queue
/// behind a self-test's whole batch (it waits for one run at most).
pub async fn pool_place() -> tokio::sync::SemaphorePermit<'static> {
    POOL.acquire().await.expect("the pool is never closed")
}

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

/// One run against its own reference server: the flaws and quirks switched
/// on, and the standard it is judged by (the profile's default when `None`).
#[derive(Clone, Debug, Default)]
pub struct ReferenceRun {
    pub flaws: Vec<Flaw>,
    pub quirks: Vec<Quirk>,
    pub standard: Option<StandardSet>,
}

/// Runs every one of `runs` against its own reference server (16 jobs each),
/// at most [`RUNS_AT_ONCE`] in flight across the binary, and returns each
/// run's key with its reports, in the order given. A run is started as soon
/// as a place frees (and [`START_SPACING`] after the last start), so one
/// slow run holds up no other. Must be called on a multi-thread runtime.
pub async fn run_pooled<K: Send + 'static>(
    suites: &[Suite],
    runs: Vec<(K, ReferenceRun)>,
) -> Vec<(K, Vec<TrialReport>)> {
    let suites: Arc<[Suite]> = suites.into();
    let mut handles = Vec::with_capacity(runs.len());
    for (key, run) in runs {
        // The place is taken before the run is spawned, so this batch has one
        // waiter in the pool's queue at a time and another test's run, asking
        // meanwhile, is served next rather than after the whole batch.
        let place = pool_place().await;
        start_turn().await;
        let suites = Arc::clone(&suites);
        handles.push(tokio::spawn(async move {
            let reports =
                run_against_reference_under(&suites, &run.flaws, &run.quirks, run.standard, 16)
                    .await;
            drop(place);
            (key, reports)
        }));
    }
    let mut done = Vec::with_capacity(handles.len());
    for handle in handles {
        done.push(handle.await.expect("the run finishes"));
    }
    done
}
