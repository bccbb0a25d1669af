//! The runner: turns suites into trials, runs them all as tasks on one tokio
//! runtime (an adaptive concurrency limit under the `jobs` ceiling and a
//! per-target rate keep it polite), emits events as they progress, and
//! hands each finished trial's report to whoever awaits it.
//!
//! Waits overlap and go first: trials with declared waits start first and a
//! trial sleeping out a code TTL holds no place. The runner decides
//! outcomes through `exec`; it never prints (see `report`).

pub mod exec;
mod harness_side;
pub mod outcome;
pub mod sched;
pub mod vars;

pub use outcome::{Outcome, TrialReport};
pub use sched::{Events, Execution, RunEvent, SessionMode};

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::oneshot;

use crate::agent::{Agent, AgentConfig, AgentError, Pace, TrialContext, Turn};
use crate::redact::Redactor;
use crate::suite::{Capability, Scenario, Suite, Variant};
use crate::target::Profile;
use sched::{Hooks, NoSharedLogin, SharedSession, Slots};

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

impl TrialSpec {
    /// This trial's report with `outcome` and `message`, before anything
    /// ran: no location, no time, no exchanges.
    pub fn report(&self, outcome: Outcome, message: Option<String>) -> TrialReport {
        TrialReport {
            name: self.name.clone(),
            scenario: self.scenario.id.clone(),
            variant: self.variant.as_ref().map(|v| v.name.clone()),
            title: self.scenario.title.clone(),
            suite: self.suite.clone(),
            requirements: self.scenario.requirements.clone(),
            level: self.scenario.level,
            severity: self.scenario.severity,
            refs: self.scenario.refs.clone(),
            outcome,
            message,
            location: None,
            duration_ms: 0,
            exchanges: Vec::new(),
        }
    }
}

/// Expands suites into trials for a profile (vary → one trial per variant),
/// each scenario at its level under the profile's standard.
pub fn plan(suites: &[Suite], profile: &Profile) -> Vec<TrialSpec> {
    let mut specs = Vec::new();
    for suite in suites {
        for scenario in &suite.scenarios {
            let mut scenario = scenario.clone();
            if let Some(levels) = &scenario.levels {
                scenario.level = levels.resolve(scenario.level, &profile.standard);
            }
            let scenario = Arc::new(scenario);
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
                let skip_reason = missing(needed, profile)
                    .or_else(|| undeclared_timing(&scenario, profile))
                    .or_else(|| variant.as_ref().and_then(|v| undeclared_scope(v, profile)));
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

/// A `wait:` on a lifetime the profile does not declare: nothing to wait
/// for, so the trial is a `skip` naming the missing `timing.` key.
fn undeclared_timing(scenario: &Scenario, profile: &Profile) -> Option<String> {
    let mut names: Vec<String> = scenario
        .steps
        .iter()
        .filter_map(|step| match &step.kind {
            crate::suite::StepKind::Wait(spec) => Some(spec),
            _ => None,
        })
        .flat_map(|spec| &spec.terms)
        .filter_map(|term| match term {
            crate::suite::WaitTerm::Timing(name) if profile.timing.get(*name).is_none() => {
                Some(format!("`timing.{name}`"))
            }
            _ => None,
        })
        .collect();
    names.dedup();
    (!names.is_empty()).then(|| format!("the target profile declares no {}", names.join(", ")))
}

/// A variant about a scope the profile does not name (`scopes.extra` or
/// `scopes.forbidden`, both optional): nothing to request, so the trial is a
/// `skip` naming the missing key, not an `error`.
fn undeclared_scope(variant: &Variant, profile: &Profile) -> Option<String> {
    use crate::suite::TemplatePart;
    use crate::suite::builtin::{Builtin, ScopeField};
    let mut names: Vec<String> = variant
        .set
        .iter()
        .flat_map(|(_, template)| &template.parts)
        .filter_map(|part| match part {
            TemplatePart::Var(name) => match Builtin::parse(name) {
                Ok(Builtin::Scope(ScopeField::Extra)) if profile.scopes.extra.is_none() => {
                    Some("`scopes.extra`".to_string())
                }
                Ok(Builtin::Scope(ScopeField::Forbidden)) if profile.scopes.forbidden.is_none() => {
                    Some("`scopes.forbidden`".to_string())
                }
                _ => None,
            },
            TemplatePart::Literal(_) => None,
        })
        .collect();
    names.dedup();
    (!names.is_empty()).then(|| format!("the target profile declares no {}", names.join(", ")))
}

/// Scheduling knobs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Ceiling on trials and requests in flight per target; the runner
    /// starts lower and adapts to how the target copes (see `agent::Pace`).
    pub jobs: usize,
    /// Where the runner's events go (console, progress, report builder).
    pub events: Events,
    /// Which target the events name (several run at once).
    pub target: usize,
    /// Allow trials to start from a copy of one logged-in session when the
    /// profile allows it (the default); a probe checks first that the
    /// session survives an authorization, and a rotation seen later turns
    /// sharing off. `fresh_session` steps always log in anew.
    pub reuse_login: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 32,
            events: Events::default(),
            target: 0,
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

/// A target's started run: its trials, and how it is being executed.
pub struct Launched {
    pub trials: Vec<Started>,
    pub execution: ExecutionProbe,
}

/// Reads how a run was executed (concurrency, retries, session mode);
/// meaningful once its trials have finished.
#[derive(Clone)]
pub struct ExecutionProbe {
    jobs: usize,
    pace: Arc<Pace>,
    session: Arc<SharedSession>,
    wanted: bool,
}

impl ExecutionProbe {
    /// The execution so far.
    pub fn snapshot(&self) -> Execution {
        let (session, session_note, reruns) = self.session.describe(self.wanted);
        Execution {
            jobs: self.jobs,
            pace: self.pace.stats(),
            session,
            session_note,
            reruns,
        }
    }
}

/// Starts every spec on `runtime` and returns immediately; each report
/// arrives on its own channel (see [`launch`]).
pub fn start(
    runtime: &tokio::runtime::Handle,
    profile: Arc<Profile>,
    specs: Vec<TrialSpec>,
    options: &RunOptions,
) -> Vec<Started> {
    launch(runtime, profile, specs, options).trials
}

/// The total of a trial's declared waits (0 for a skip).
fn waits(spec: &TrialSpec, profile: &Profile) -> Duration {
    if spec.skip_reason.is_some() {
        Duration::ZERO
    } else {
        exec::total_wait(&spec.scenario, profile)
    }
}

/// Starts every spec on `runtime` and returns immediately.
///
/// Trials with declared waits start first, longest first, and their
/// requests go ahead of others; a sleeping trial holds no place. All trials
/// share one HTTP client (connections are reused) and one pacer, but each
/// has its own cookie jar, redactor and transcript.
pub fn launch(
    runtime: &tokio::runtime::Handle,
    profile: Arc<Profile>,
    specs: Vec<TrialSpec>,
    options: &RunOptions,
) -> Launched {
    let jobs = profile
        .limits
        .jobs
        .map_or(options.jobs, |j| j.min(options.jobs))
        .max(1);
    let pace = Arc::new(Pace::new(jobs, profile.limits.rate));
    let slots = Arc::new(Slots::new(jobs, pace.clone()));
    let config = AgentConfig {
        timeout: profile.limits.timeout,
        max_body: profile.limits.max_body,
        pace: Some(pace.clone()),
        transport: profile.limits.transport.clone(),
        ..AgentConfig::default()
    };
    // Building the client needs the runtime's context (its DNS resolver).
    let base = {
        let _guard = runtime.enter();
        Agent::new(config, Arc::new(Redactor::new()))
    };
    let base = base.map(Arc::new);
    let session = Arc::new(SharedSession::default());
    let wanted = options.reuse_login && profile.reuse_session;
    // Start order: the longest waits first, then the suite order.
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(waits(&specs[i], &profile)));
    let mut receivers: Vec<Option<oneshot::Receiver<TrialReport>>> =
        specs.iter().map(|_| None).collect();
    for (seq, &index) in order.iter().enumerate() {
        let (tx, rx) = oneshot::channel();
        receivers[index] = Some(rx);
        let spec = specs[index].clone();
        let class = u8::from(waits(&spec, &profile).is_zero());
        let turn = Turn {
            class,
            trial: seq as u64,
        };
        let ctx = TrialRun {
            profile: profile.clone(),
            base: base.clone(),
            session: session.clone(),
            slots: slots.clone(),
            events: options.events.clone(),
            target: options.target,
            index,
            turn,
            share: wanted,
        };
        runtime.spawn(async move {
            let report = ctx.run(&spec).await;
            ctx.events.emit(RunEvent::Finished {
                target: ctx.target,
                index,
                report: Box::new(report.clone()),
            });
            let _ = tx.send(report);
        });
    }
    let trials = specs
        .into_iter()
        .zip(receivers)
        .filter_map(|(spec, rx)| rx.map(|report| Started { spec, report }))
        .collect();
    Launched {
        trials,
        execution: ExecutionProbe {
            jobs,
            pace,
            session,
            wanted,
        },
    }
}

/// Everything one trial's task needs.
struct TrialRun {
    profile: Arc<Profile>,
    base: Result<Arc<Agent>, AgentError>,
    session: Arc<SharedSession>,
    slots: Arc<Slots>,
    events: Events,
    target: usize,
    index: usize,
    turn: Turn,
    share: bool,
}

impl TrialRun {
    async fn run(&self, spec: &TrialSpec) -> TrialReport {
        let place = self.slots.acquire(self.turn).await;
        self.events.emit(RunEvent::Started {
            target: self.target,
            index: self.index,
        });
        let base = match &self.base {
            Ok(base) => base.clone(),
            Err(e) => return run_one(&self.profile, spec, Err(e.clone())).await,
        };
        if spec.skip_reason.is_some() {
            return run_one(
                &self.profile,
                spec,
                Ok(base.new_trial(Arc::default(), false)),
            )
            .await;
        }
        let hooks = Arc::new(Hooks {
            target: self.target,
            index: self.index,
            trial: self.turn.trial,
            events: self.events.clone(),
            slots: self.slots.clone(),
            slot: std::sync::Mutex::new(Some(place)),
            session: self.session.clone(),
        });
        let context = TrialContext {
            turn: self.turn,
            hooks: Some(hooks.clone()),
        };
        let shared = if self.share {
            self.session.get(self.shared_login(&base)).await
        } else {
            None
        };
        let rotations = self.session.rotations();
        let Some(shared) = shared else {
            let agent = base.for_trial(Arc::new(Redactor::new()), false, context);
            return run_one(&self.profile, spec, Ok(agent)).await;
        };
        self.session.count_use();
        let agent = shared.for_trial(Arc::new(Redactor::new()), true, context.clone());
        let report = run_one(&self.profile, spec, Ok(agent)).await;
        // A verdict reached from a copied session is kept only when it is a
        // pass in a session that stayed put. Anything else runs again with
        // the trial's own login, and that run is the one reported: a server
        // that rotates or drops sessions (oidc-provider renews its session
        // id and ends the grants bound to the old one) can break a trial
        // before anyone notices the rotation, and a stale session can also
        // make a revocation look like a pass.
        let stale = self.session.rotations() != rotations;
        if stale || report.outcome != Outcome::Pass {
            self.events.emit(RunEvent::Rerun {
                target: self.target,
                index: self.index,
            });
            self.session.rerun(&spec.name);
            let agent = base.for_trial(Arc::new(Redactor::new()), false, context);
            return run_one(&self.profile, spec, Ok(agent)).await;
        }
        report
    }

    /// Logs in once, then checks with a second authorization that the
    /// session survives one unchanged (servers that rotate or drop it
    /// cannot share it).
    async fn shared_login(&self, base: &Agent) -> Result<Agent, NoSharedLogin> {
        let context = TrialContext {
            turn: Turn { class: 0, trial: 0 },
            hooks: None,
        };
        let agent = base.for_trial(Arc::new(Redactor::new()), false, context.clone());
        let Some(logged_in) = exec::log_in(&self.profile, agent).await else {
            return Err(NoSharedLogin::LoginFailed);
        };
        let probe = ProbeHooks::default();
        let probe = Arc::new(probe);
        let watcher = logged_in.for_trial(
            Arc::new(Redactor::new()),
            true,
            TrialContext {
                hooks: Some(probe.clone()),
                ..context
            },
        );
        match exec::authorize_default(&self.profile, watcher).await {
            Some((true, false, _)) if !probe.changed.load(std::sync::atomic::Ordering::Acquire) => {
                Ok(logged_in)
            }
            Some((_, true, _)) => Err(NoSharedLogin::PasswordAgain),
            Some((true, false, _)) => Err(NoSharedLogin::Rotated),
            _ => Err(NoSharedLogin::SecondFailed),
        }
    }
}

/// Hooks of the session probe: only notices a cookie change.
#[derive(Default)]
struct ProbeHooks {
    changed: std::sync::atomic::AtomicBool,
}

impl crate::agent::TrialHooks for ProbeHooks {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
    fn retried(&self, _url: &str) {}
    fn session_changed(&self) {
        self.changed
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

/// Runs one trial to its report, never panicking outward: a panic inside
/// becomes an `error` outcome.
async fn run_one(
    profile: &Arc<Profile>,
    spec: &TrialSpec,
    agent: Result<Agent, AgentError>,
) -> TrialReport {
    let started = Instant::now();
    let base = |outcome: Outcome, message: Option<String>, location: Option<String>, exchanges| {
        TrialReport {
            location,
            duration_ms: started.elapsed().as_millis() as u64,
            exchanges,
            ..spec.report(outcome, message)
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
        .saturating_add(profile.limits.timeout.saturating_mul(8))
        .saturating_add(Duration::from_secs(30));
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
    let level = broken_level(spec, verdict.outcome, verdict.location.as_deref());
    let mut report = base(
        verdict.outcome,
        message,
        verdict.location,
        transcript.transcript(),
    );
    report.level = level;
    report
}

/// The level a report shows: a `warn` comes from a step whose own `level:`
/// (SHOULD or MAY) overrides the scenario's, and must not read as a MUST.
fn broken_level(spec: &TrialSpec, outcome: Outcome, location: Option<&str>) -> crate::suite::Level {
    let scenario = spec.scenario.level;
    if outcome != Outcome::Warn {
        return scenario;
    }
    spec.scenario
        .steps
        .iter()
        .find(|step| Some(step.location.to_string().as_str()) == location)
        .and_then(|step| step.level)
        .unwrap_or(scenario)
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

#[cfg(test)]
mod plan_tests {
    use std::path::Path;

    use super::plan;
    use crate::target::{Env, parse_profile};

    const SUITE: &str = r#"suite: demo
scenarios:
  - id: scope.demo
    title: A variant per profile scope
    requirements: [scope.invalid]
    vary:
      - name: forbidden
        set: { bad_scope: "${scope.forbidden}" }
      - name: literal
        set: { bad_scope: no-such-scope }
    steps:
      - authorize: { params: { scope: "${bad_scope}" } }
        check: { error: invalid_scope }
"#;

    fn profile(scopes: &str) -> crate::target::Profile {
        let text = format!(
            "name: demo\nissuer: https://as.example\nclients:\n  main: {{ id: app, secret: s3cret-value, redirect_uri: \"https://app.example/cb\" }}\nuser: {{ username: alice, password: pw-123456 }}\nscopes: {scopes}\n"
        );
        parse_profile(Path::new("demo.yaml"), &text, Env::Required).expect("profile")
    }

    #[test]
    fn a_variant_about_an_undeclared_scope_is_skipped_with_the_key() {
        let suite = crate::suite::load_str(Path::new("demo.yaml"), SUITE).expect("suite");
        let suites = [suite];
        let without = plan(&suites, &profile("{ default: openid }"));
        let reasons: Vec<Option<&str>> = without.iter().map(|t| t.skip_reason.as_deref()).collect();
        assert_eq!(
            reasons,
            [
                Some("the target profile declares no `scopes.forbidden`"),
                None
            ]
        );
        let with = plan(&suites, &profile("{ default: openid, forbidden: admin }"));
        assert!(with.iter().all(|t| t.skip_reason.is_none()));
    }
}
