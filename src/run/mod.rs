//! The runner: turns suites into trials, runs them all as tasks on one tokio
//! runtime (a concurrency cap and a per-target rate limit keep it polite), and
//! hands each finished trial's report to whoever awaits it.
//!
//! Waits overlap: a trial sleeping out a code TTL holds no worker. The runner
//! decides outcomes through `exec`; it never prints (see `report`).

pub mod exec;
pub mod outcome;
pub mod vars;

pub use outcome::{Outcome, TrialReport};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::{OnceCell, Semaphore, oneshot};

use crate::agent::{Agent, AgentConfig, RateLimiter};
use crate::redact::Redactor;
use crate::suite::{Capability, Scenario, Suite, Variant};
use crate::target::Profile;

/// Trials whose `wait:` steps add up to more than this are ignored unless
/// asked for (`--ignored` / `--include-ignored`).
pub const SLOW_THRESHOLD: Duration = Duration::from_secs(30);

/// One trial to run: a scenario, maybe a variant, and what is known before running.
#[derive(Debug, Clone)]
pub struct TrialSpec {
    /// `id` or `id[variant]`.
    pub name: String,
    pub suite: String,
    pub scenario: Arc<Scenario>,
    pub variant: Option<Variant>,
    /// Set when the target lacks a capability: the trial is a `skip`.
    pub skip_reason: Option<String>,
    /// Its waits exceed [`SLOW_THRESHOLD`]: ignored by default.
    pub slow: bool,
}

/// Expands suites into trials for a profile (vary → one trial per variant).
pub fn plan(suites: &[Suite], profile: &Profile) -> Vec<TrialSpec> {
    let mut specs = Vec::new();
    for suite in suites {
        for scenario in &suite.scenarios {
            let scenario = Arc::new(scenario.clone());
            let slow = exec::total_wait(&scenario, profile) > SLOW_THRESHOLD;
            let variants: Vec<Option<Variant>> = if scenario.variants.is_empty() {
                vec![None]
            } else {
                scenario.variants.iter().cloned().map(Some).collect()
            };
            for variant in variants {
                let name = match &variant {
                    Some(v) => format!("{}[{}]", scenario.id, v.name),
                    None => scenario.id.clone(),
                };
                let needed = scenario
                    .requires
                    .iter()
                    .chain(variant.iter().flat_map(|v| v.requires.iter()));
                let skip_reason = missing(needed, profile);
                specs.push(TrialSpec {
                    name,
                    suite: suite.name.clone(),
                    scenario: scenario.clone(),
                    variant,
                    skip_reason,
                    slow,
                });
            }
        }
    }
    specs
}

fn missing<'a>(needed: impl Iterator<Item = &'a Capability>, profile: &Profile) -> Option<String> {
    let (derived, declared): (Vec<Capability>, Vec<Capability>) = needed
        .copied()
        .filter(|c| !profile.has(*c))
        .partition(|c| *c == Capability::NonLoopbackRedirect);
    let mut reasons = Vec::new();
    if !declared.is_empty() {
        let names: Vec<String> = declared.iter().map(|c| format!("`{}`", c.name())).collect();
        reasons.push(format!("the target does not declare {}", names.join(", ")));
    }
    if !derived.is_empty() {
        reasons.push(
            "the main client's redirect URI is a loopback one, whose port may vary (RFC 8252 §7.3)"
                .to_string(),
        );
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// Scheduling knobs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Trials in flight at once.
    pub jobs: usize,
    /// Counts finished trials (for progress displays).
    pub finished: Arc<AtomicUsize>,
    /// Allow trials to start from a copy of one logged-in session when the
    /// profile says the target supports it (design principle 6);
    /// `fresh_session` steps always log in anew.
    pub reuse_login: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 32,
            finished: Arc::default(),
            reuse_login: true,
        }
    }
}

impl RunOptions {
    /// Defaults with `jobs` trials in flight.
    pub fn with_jobs(jobs: usize) -> RunOptions {
        RunOptions {
            jobs,
            ..RunOptions::default()
        }
    }
}

/// A trial that has been started; its report arrives on `report`.
pub struct Started {
    pub spec: TrialSpec,
    pub report: oneshot::Receiver<TrialReport>,
}

/// Starts every spec on `runtime` (at most `jobs` at once) and returns
/// immediately; each report arrives on its own channel. All trials share one
/// HTTP client (connections are reused) but each has its own cookie jar,
/// redactor and transcript.
pub fn start(
    runtime: &tokio::runtime::Handle,
    profile: Arc<Profile>,
    specs: Vec<TrialSpec>,
    options: &RunOptions,
) -> Vec<Started> {
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let config = AgentConfig {
        timeout: profile.limits.timeout,
        max_body: profile.limits.max_body,
        rate: profile.limits.rate.map(|r| Arc::new(RateLimiter::new(r))),
        ..AgentConfig::default()
    };
    // Building the client needs the runtime's context (its DNS resolver).
    let base = {
        let _guard = runtime.enter();
        Agent::new(config, Arc::new(Redactor::new())).map_err(|e| e.to_string())
    };
    let base = base.map(Arc::new);
    // The logged-in session all trials copy, made by the first trial that needs it.
    let session: Arc<OnceCell<Option<Agent>>> = Arc::new(OnceCell::new());
    let reuse_login = options.reuse_login && profile.reuse_session;
    specs
        .into_iter()
        .map(|spec| {
            let (tx, rx) = oneshot::channel();
            let (profile, permits, task_spec) = (profile.clone(), permits.clone(), spec.clone());
            let finished = options.finished.clone();
            let (base, session) = (base.clone(), session.clone());
            runtime.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let agent = match base {
                    Ok(base) if reuse_login && task_spec.skip_reason.is_none() => {
                        let logged_in = session
                            .get_or_init(|| {
                                exec::log_in(
                                    &profile,
                                    base.new_trial(Arc::new(Redactor::new()), false),
                                )
                            })
                            .await;
                        let from = logged_in.as_ref().unwrap_or(&base);
                        Ok(from.new_trial(Arc::new(Redactor::new()), logged_in.is_some()))
                    }
                    Ok(base) => Ok(base.new_trial(Arc::new(Redactor::new()), false)),
                    Err(e) => Err(e),
                };
                let report = run_one(&profile, &task_spec, agent).await;
                finished.fetch_add(1, Ordering::Relaxed);
                let _ = tx.send(report);
            });
            Started { spec, report: rx }
        })
        .collect()
}

/// Runs one trial to its report, never panicking outward: a panic inside
/// becomes an `error` outcome.
async fn run_one(
    profile: &Arc<Profile>,
    spec: &TrialSpec,
    agent: Result<Agent, String>,
) -> TrialReport {
    let started = Instant::now();
    let base = |outcome: Outcome, message: Option<String>, location: Option<String>, exchanges| {
        TrialReport {
            name: spec.name.clone(),
            scenario: spec.scenario.id.clone(),
            variant: spec.variant.as_ref().map(|v| v.name.clone()),
            title: spec.scenario.title.clone(),
            suite: spec.suite.clone(),
            requirements: spec.scenario.requirements.clone(),
            level: spec.scenario.level,
            severity: spec.scenario.severity,
            refs: spec.scenario.refs.clone(),
            outcome,
            message,
            location,
            duration_ms: started.elapsed().as_millis() as u64,
            exchanges,
        }
    };
    if let Some(reason) = &spec.skip_reason {
        return base(Outcome::Skip, Some(reason.clone()), None, Vec::new());
    }
    let agent = match agent {
        Ok(agent) => agent,
        Err(e) => {
            return base(
                Outcome::Error,
                Some(format!("cannot build the HTTP client: {e}")),
                None,
                Vec::new(),
            );
        }
    };
    let redactor = agent.redactor().clone();
    for secret in profile.secrets() {
        redactor.add(&secret);
    }
    let transcript = agent.fork_session();
    // A trial cannot outlive its waits plus a generous allowance per request.
    let limit = exec::total_wait(&spec.scenario, profile)
        + profile.limits.timeout * 8
        + Duration::from_secs(30);
    let (profile2, scenario, variant) =
        (profile.clone(), spec.scenario.clone(), spec.variant.clone());
    let task = tokio::spawn(async move {
        exec::run_trial(&profile2, &scenario, variant.as_ref(), agent).await
    });
    let verdict = match tokio::time::timeout(limit, task).await {
        Ok(Ok(verdict)) => verdict,
        Ok(Err(join)) => exec::Verdict {
            outcome: Outcome::Error,
            message: Some(format!("the trial crashed: {join}")),
            location: None,
        },
        Err(_) => exec::Verdict {
            outcome: Outcome::Error,
            message: Some(format!("the trial did not finish within {limit:?}")),
            location: None,
        },
    };
    let message = verdict.message.map(|m| redactor.message(&m));
    base(
        verdict.outcome,
        message,
        verdict.location,
        transcript.transcript(),
    )
}

/// A random URL-safe token of `bytes` random bytes (state, nonce, PKCE verifier).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).expect("the system random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Runs `specs` to completion on the current runtime and returns their
/// reports in spec order (tests, the self-test, multi-target runs).
pub async fn execute(
    profile: Arc<Profile>,
    specs: Vec<TrialSpec>,
    options: &RunOptions,
) -> Vec<TrialReport> {
    let started = start(&tokio::runtime::Handle::current(), profile, specs, options);
    let mut reports = Vec::with_capacity(started.len());
    for trial in started {
        match trial.report.await {
            Ok(report) => reports.push(report),
            Err(_) => unreachable!("a started trial always sends its report"),
        }
    }
    reports
}
