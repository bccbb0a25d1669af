//! Running suites as a library: the pieces `oauthcheck run` is built from,
//! and [`run_tests`], which runs them as a `harness = false` test of another
//! Rust project through libtest-mimic (name filters, `--exact`, `--list`, …).
//!
//! Targets are either the embedded reference server (started in-process on a
//! free loopback port) or a profile file resolved through discovery.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};

use crate::diag::Diagnostic;
use crate::run::{self, Outcome, RunOptions, TrialReport, TrialSpec};
use crate::server::{self, Flaw, Quirk, ServerHandle};
use crate::suite::Suite;
use crate::target::{self, Profile, ProfileError};

/// Why a target could not be prepared or the suites could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The suites do not load; every problem, rendered.
    #[error("{}", crate::diag::render_all(.0))]
    Suites(Vec<Diagnostic>),
    #[error("could not start the reference server: {0}")]
    Server(#[from] server::ServerError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// Code lifetime of the embedded server in runs: short, so the expiry
/// scenario waits seconds, not a minute, and overlaps with everything else.
pub const EMBEDDED_CODE_TTL: Duration = Duration::from_secs(2);

/// Access-token lifetime of the embedded server in runs: short, so the
/// `bearer.expired-401` wait overlaps with the rest of the run.
pub const EMBEDDED_ACCESS_TTL: Duration = Duration::from_secs(3);

/// Refresh-token lifetime of the embedded server in runs: short for the
/// same reason (`refresh.expiry`).
pub const EMBEDDED_REFRESH_TTL: Duration = Duration::from_secs(3);

/// The reference server's configuration for runs: defaults, short code and
/// token lifetimes, RFC 9068 JWT access tokens (opaque under the
/// `opaque-access-tokens` quirk), `flaws` and `quirks`.
pub fn embedded_config(flaws: &[Flaw], quirks: &[Quirk]) -> server::Config {
    let mut config = server::Config::default();
    config.ttl.code = EMBEDDED_CODE_TTL;
    config.ttl.access = EMBEDDED_ACCESS_TTL;
    config.ttl.refresh = EMBEDDED_REFRESH_TTL;
    config.flaws = flaws.iter().copied().collect();
    config.quirks = quirks.iter().copied().collect();
    if !config.quirk(Quirk::OpaqueAccessTokens) {
        config.access_token_format = server::AccessTokenFormat::Jwt;
    }
    // Under `loopback-any-port` the main client is a native app with a
    // `localhost` redirect URI, so the quirk is what the suites meet.
    if config.quirk(Quirk::LoopbackAnyPort)
        && let Some(uri) = config
            .clients
            .first_mut()
            .and_then(|main| main.redirect_uris.first_mut())
    {
        *uri = EMBEDDED_LOOPBACK_REDIRECT.to_string();
    }
    config
}

/// The main client's redirect URI under the `loopback-any-port` quirk.
pub const EMBEDDED_LOOPBACK_REDIRECT: &str = "http://localhost:8765/cb";

/// Starts the reference server with `flaws` and `quirks` and returns its
/// built-in profile.
pub async fn embedded_target(
    flaws: &[Flaw],
    quirks: &[Quirk],
) -> Result<(Profile, ServerHandle), HarnessError> {
    embedded_target_with(embedded_config(flaws, quirks)).await
}

/// Starts the reference server with `config` and returns its built-in profile.
pub async fn embedded_target_with(
    config: server::Config,
) -> Result<(Profile, ServerHandle), HarnessError> {
    let handle = server::spawn(config).await?;
    Ok((target::reference_profile(&handle)?, handle))
}

/// Loads a profile file and fills its endpoints by discovery.
pub async fn profile_target(path: &Path) -> Result<Profile, ProfileError> {
    target::load_profile(path)?.resolve().await
}

/// A profile file, loaded: ready to run, or its target unusable.
#[derive(Debug)]
pub enum LoadedTarget {
    /// Resolved: every endpoint known.
    Ready(Profile),
    /// The profile loads, but resolving it against the target failed
    /// (discovery unreachable, junk, off-origin under `strict`): a run-time
    /// failure of the target, so its trials are `error`s with `reason`.
    Unreachable { profile: Profile, reason: String },
}

/// Loads a profile file (`Err`: it does not load, a usage error) and
/// resolves it by discovery (a failure there is [`LoadedTarget::Unreachable`]).
pub async fn load_target(path: &Path) -> Result<LoadedTarget, ProfileError> {
    load_target_with(path, |_| {}).await
}

/// [`load_target`] with a change to the profile before it is resolved
/// (command-line flags such as `--cacert` and `--proxy`, which discovery
/// must already obey).
pub async fn load_target_with(
    path: &Path,
    adjust: impl FnOnce(&mut Profile),
) -> Result<LoadedTarget, ProfileError> {
    let mut profile = target::load_profile(path)?;
    adjust(&mut profile);
    match profile.clone().resolve().await {
        Ok(resolved) => Ok(LoadedTarget::Ready(resolved)),
        Err(e @ ProfileError::Invalid(_)) => Err(e),
        // Without an issuer nothing was fetched: the profile itself is short.
        Err(e) if profile.issuer.is_none() => Err(e),
        Err(e) => Ok(LoadedTarget::Unreachable {
            profile,
            reason: e.to_string(),
        }),
    }
}

/// Trials that cannot run because the target could not be resolved: each
/// finished as `error` with `reason`.
pub fn unreached(specs: Vec<TrialSpec>, reason: &str) -> Vec<TrialReport> {
    specs
        .iter()
        .map(|spec| {
            let message = format!("the target could not be used: {reason}");
            spec.report(Outcome::Error, Some(message))
        })
        .collect()
}

/// Loads suites, with every problem ([`HarnessError::Suites`] renders them).
/// With no paths: `./suites` when it exists (a checkout), else the suites
/// compiled into the binary.
pub fn load_suites(paths: &[PathBuf]) -> Result<Vec<Suite>, HarnessError> {
    let default = Path::new("suites");
    let loaded = match paths {
        [] if !default.is_dir() => crate::suite::load_embedded(),
        [] => crate::suite::load(&[default.to_path_buf()]),
        paths => crate::suite::load(paths),
    };
    loaded.map_err(HarnessError::Suites)
}

/// The libtest-mimic trial for a spec (no runner yet), for filtering.
pub fn probe(spec: &TrialSpec) -> Trial {
    Trial::test(spec.name.clone(), || Ok(())).with_ignored_flag(spec.slow)
}

/// libtest's trial selection with any number of name filters: libtest
/// itself takes several (`cargo test a b`, a test runs when any matches,
/// `--exact` making each a whole name), libtest-mimic's `Arguments` only one.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Every other flag (`--exact`, `--skip`, `--ignored`, `--list`, …);
    /// its own `filter` is not consulted when `filters` is non-empty.
    pub args: Arguments,
    /// The name filters; empty selects every trial.
    pub filters: Vec<String>,
}

impl Selector {
    /// A selector of `filters` under the flags in `args`.
    pub fn new(args: Arguments, filters: Vec<String>) -> Selector {
        Selector { args, filters }
    }

    /// Whether the filters or `--skip` leave `trial` out: it is kept when
    /// any filter keeps it (each under libtest-mimic's own rules).
    pub fn is_filtered_out(&self, trial: &Trial) -> bool {
        if self.filters.is_empty() {
            return self.args.is_filtered_out(trial);
        }
        self.filters.iter().all(|filter| {
            Arguments {
                filter: Some(filter.clone()),
                ..self.args.clone()
            }
            .is_filtered_out(trial)
        })
    }

    /// Whether `--ignored` / `--include-ignored` leave `trial` out.
    pub fn is_ignored(&self, trial: &Trial) -> bool {
        self.args.is_ignored(trial)
    }
}

impl From<Arguments> for Selector {
    fn from(args: Arguments) -> Selector {
        let filters = args.filter.iter().cloned().collect();
        Selector { args, filters }
    }
}

/// Which specs the selector picks to run now, and how many it filtered out.
pub fn selected(specs: &[TrialSpec], selector: &Selector) -> (Vec<TrialSpec>, usize) {
    let mut chosen = Vec::new();
    let mut filtered_out = 0;
    for spec in specs {
        let trial = probe(spec);
        if selector.is_filtered_out(&trial) {
            filtered_out += 1;
        } else if !selector.is_ignored(&trial) {
            chosen.push(spec.clone());
        }
    }
    (chosen, filtered_out)
}

/// Runs `suites` against `profile` (or the embedded server when `None`) as
/// libtest-mimic trials and returns the conclusion: the entry point of a
/// `harness = false` integration test. Warnings pass; skips are ignored
/// with their reason; errors fail with "error:" in the message.
pub fn run_tests(suites: &[PathBuf], profile: Option<&Path>, args: &Arguments) -> Conclusion {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let suites = match load_suites(suites) {
        Ok(s) => s,
        Err(e) => return single_failure(args, "load suites", e.to_string()),
    };
    let target = runtime.block_on(async {
        match profile {
            Some(path) => profile_target(path)
                .await
                .map(|p| (p, None))
                .map_err(HarnessError::from),
            None => embedded_target(&[], &[]).await.map(|(p, h)| (p, Some(h))),
        }
    });
    let (profile, _server) = match target {
        Ok(t) => t,
        Err(e) => return single_failure(args, "start target", e.to_string()),
    };
    let specs = run::plan(&suites, &profile);
    let (chosen, _) = selected(&specs, &Selector::from(args.clone()));
    let started = run::start(
        runtime.handle(),
        Arc::new(profile),
        chosen,
        &RunOptions::default(),
    );
    let mut receivers: std::collections::HashMap<String, _> = started
        .into_iter()
        .map(|s| (s.spec.name.clone(), s.report))
        .collect();
    let trials = specs
        .iter()
        .map(|spec| {
            let receiver = receivers.remove(&spec.name);
            Trial::ignorable_test(spec.name.clone(), move || match receiver {
                None => Ok(Completion::ignored()),
                Some(rx) => match rx.blocking_recv() {
                    Ok(report) => libtest_outcome(&report),
                    Err(_) => Err(Failed::from(
                        "error: the trial was dropped before it finished",
                    )),
                },
            })
            .with_ignored_flag(spec.slow)
        })
        .collect();
    libtest_mimic::run(args, trials)
}

fn libtest_outcome(report: &TrialReport) -> Result<Completion, Failed> {
    let message = || report.message.clone().unwrap_or_default();
    match report.outcome {
        Outcome::Pass | Outcome::Warn => Ok(Completion::Completed),
        Outcome::Skip => Ok(Completion::ignored_with(message())),
        Outcome::Fail => Err(Failed::from(format!("fail: {}", message()))),
        Outcome::Error => Err(Failed::from(format!("error: {}", message()))),
    }
}

fn single_failure(args: &Arguments, name: &str, message: String) -> Conclusion {
    libtest_mimic::run(
        args,
        vec![Trial::test(name, move || Err(Failed::from(message)))],
    )
}
