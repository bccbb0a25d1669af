//! `oauthcheck run` and `oauthcheck list`: load suites, start or resolve the
//! target, run the selected trials, print them, write `report.json`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use super::progress::{Live, TargetProgress};
use super::{CliError, exit};
use crate::baseline::Baseline;
use crate::harness;
use crate::report::console::{Console, Style};
use crate::report::{self, FORMAT_VERSION, RunReport, TargetInfo, Totals};
use crate::run::{self, RunOptions};
use crate::server::{Flaw, Quirk, ServerHandle};
use crate::standard::StandardSet;
use crate::target::Profile;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Ceiling on trials and requests in flight per target. The run starts
    /// at a few and adapts to how the target copes: it grows while latency
    /// stays flat and backs off on timeouts, 429, 5xx and rising latency.
    #[arg(
        long,
        default_value_t = 32,
        value_name = "N",
        help_heading = "Execution"
    )]
    pub jobs: usize,
    /// Log in afresh in every trial. By default trials start from a copy of
    /// one logged-in session per target when the profile allows it
    /// (`login.reuse_session`, default true) and a second authorization
    /// shows the session survives unchanged; when the server rotates or
    /// drops it, trials log in themselves (the report says which).
    #[arg(long, help_heading = "Execution")]
    pub fresh_login: bool,
    /// Where the reports are written (one directory per target when there are several).
    #[arg(
        long,
        default_value = "reports",
        value_name = "DIR",
        help_heading = "Reports"
    )]
    pub report_dir: PathBuf,
    /// Known failures (YAML/JSON) that do not fail the run; one that now passes does.
    #[arg(long, value_name = "FILE", help_heading = "Baselines")]
    pub expect: Option<PathBuf>,
    /// Write the run's failures and errors as a baseline for `--expect`.
    #[arg(long, value_name = "FILE", help_heading = "Baselines")]
    pub write_expect: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Target, suites, and the libtest-style selection flags.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// A target profile (YAML); repeat to test several servers at once.
    /// Without it the embedded reference server is started.
    #[arg(long, value_name = "FILE", help_heading = "Target")]
    pub target: Vec<PathBuf>,
    /// Switch a flaw on in the embedded reference server (repeatable).
    #[arg(long = "flaw", value_name = "ID", help_heading = "Target")]
    pub flaws: Vec<String>,
    /// Switch a quirk (a legal variation) on in the embedded reference
    /// server (repeatable; `oauthcheck serve --list-quirks` lists them).
    #[arg(long = "quirk", value_name = "ID", help_heading = "Target")]
    pub quirks: Vec<String>,
    /// The standards to judge by, comma-separated: rfc6749, rfc9700 (the
    /// security BCP), oauth2.1, oidc. They set the level of the
    /// profile-dependent requirements (docs/standards.md); the strictest
    /// of several wins. Overrides the profiles' `standard:` [default:
    /// rfc9700, plus oidc for targets declaring `oidc`].
    #[arg(long, value_name = "LIST", value_parser = parse_standard, help_heading = "Target")]
    pub standard: Option<StandardSet>,
    /// Serve the embedded reference server over HTTPS with a certificate
    /// generated at start (trusted for this run only).
    #[arg(long, help_heading = "Target")]
    pub tls: bool,
    #[command(flatten)]
    pub transport: TransportArgs,
    /// Suite files or directories [default: ./suites, else the suites built into oauthcheck].
    #[arg(long = "suites", value_name = "PATH", help_heading = "Suites")]
    pub suites: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
}

/// Trust and routing of every request to the target(s): on top of the
/// profile's `limits.ca_file` and `limits.proxy`.
#[derive(Debug, Args)]
pub struct TransportArgs {
    /// Trust the CA certificate(s) in this PEM file too (repeatable), e.g.
    /// a staging server's private CA or an intercepting proxy's CA.
    #[arg(long, value_name = "FILE", help_heading = "Transport")]
    pub cacert: Vec<PathBuf>,
    /// DANGEROUS: do not verify TLS certificates at all. Never implied; the
    /// run is marked INSECURE in every report. Prefer `--cacert`.
    #[arg(long, help_heading = "Transport")]
    pub insecure: bool,
    /// Send every request to the target through this HTTP(S) proxy (Burp,
    /// ZAP, mitmproxy; HTTPS via CONNECT), instead of `limits.proxy` and the
    /// environment. The embedded reference server is never proxied.
    #[arg(long, value_name = "URL", help_heading = "Transport")]
    pub proxy: Option<String>,
}

impl TransportArgs {
    /// Reads the CA files and checks the proxy URL.
    pub fn resolve(&self) -> Result<TransportFlags, CliError> {
        let ca = self
            .cacert
            .iter()
            .map(|path| {
                crate::agent::TrustedCa::from_file(path)
                    .map_err(|e| CliError::usage(format!("--cacert: {e}"), None))
            })
            .collect::<Result<_, _>>()?;
        let proxy = self
            .proxy
            .as_deref()
            .map(|proxy| {
                crate::agent::ProxyUrl::parse(proxy).map_err(|e| {
                    CliError::usage(
                        format!("--proxy: {e}"),
                        Some("e.g. `--proxy http://127.0.0.1:8080`"),
                    )
                })
            })
            .transpose()?;
        Ok(TransportFlags {
            ca,
            insecure: self.insecure,
            proxy,
        })
    }
}

/// The transport flags, checked.
#[derive(Debug, Clone)]
pub struct TransportFlags {
    ca: Vec<crate::agent::TrustedCa>,
    insecure: bool,
    proxy: Option<crate::agent::ProxyUrl>,
}

impl TransportFlags {
    /// Adds the flags to a profile's transport (a flag wins over the profile).
    pub fn merge_into(&self, transport: &mut crate::agent::Transport) {
        transport.ca.extend(self.ca.iter().cloned());
        transport.insecure |= self.insecure;
        if let Some(url) = &self.proxy {
            transport.proxy = crate::agent::ProxyRoute::Via(url.clone());
        }
    }
}

/// libtest's selection and output conventions, as clap arguments under our
/// own headings; converted into `libtest_mimic::Arguments` for matching.
#[derive(Debug, Args)]
pub struct Selection {
    /// Run only trials whose name contains a FILTER (e.g. `redirect.` or
    /// `code.single-use`); several filters select the trials any of them
    /// matches, as libtest does.
    #[arg(value_name = "FILTER", help_heading = "Selection")]
    pub filters: Vec<String>,
    /// FILTERs and --skip match whole trial names exactly.
    #[arg(long, help_heading = "Selection")]
    pub exact: bool,
    /// Skip trials whose name contains PATTERN (repeatable).
    #[arg(long, value_name = "PATTERN", help_heading = "Selection")]
    pub skip: Vec<String>,
    /// List the trials instead of running them.
    #[arg(long, help_heading = "Selection")]
    pub list: bool,
    /// Run only the slow trials (waits over 30 s), which are skipped by default.
    #[arg(long, help_heading = "Selection")]
    pub ignored: bool,
    /// Run the slow trials too.
    #[arg(long, help_heading = "Selection")]
    pub include_ignored: bool,
    /// Output: a line per trial, a character per trial, or libtest-style JSON lines.
    #[arg(long, value_name = "FORMAT", value_parser = ["pretty", "terse", "json"], help_heading = "Output")]
    pub format: Option<String>,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_name = "WHEN", value_parser = ["auto", "always", "never"], help_heading = "Output")]
    pub color: Option<String>,
    /// Same as `--format terse`.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
}

impl Selection {
    /// The libtest-mimic view of these flags (its filtering rules apply),
    /// with the filters as the list libtest-mimic's single `filter` lacks.
    pub fn libtest(&self) -> harness::Selector {
        harness::Selector::new(self.libtest_args(), self.filters.clone())
    }

    fn libtest_args(&self) -> libtest_mimic::Arguments {
        libtest_mimic::Arguments {
            filter: None,
            exact: self.exact,
            skip: self.skip.clone(),
            list: self.list,
            ignored: self.ignored,
            include_ignored: self.include_ignored,
            quiet: self.quiet,
            ..libtest_mimic::Arguments::default()
        }
    }
}

impl CommonArgs {
    /// The `--suites` given; empty means the default (see `harness::load_suites`).
    fn suite_paths(&self) -> Vec<PathBuf> {
        self.suites.clone()
    }

    /// The `--flaw` and `--quirk` switches, which only the embedded
    /// reference server has.
    fn switches(&self) -> Result<(Vec<Flaw>, Vec<Quirk>), CliError> {
        let switched = !self.flaws.is_empty() || !self.quirks.is_empty();
        if !self.target.is_empty() && switched {
            return Err(CliError::usage(
                "`--flaw` and `--quirk` switch behaviours of the embedded reference server, but `--target` was given",
                Some("drop `--target` to test the reference server"),
            ));
        }
        Ok((
            super::parse_switches(&self.flaws)?,
            super::parse_switches(&self.quirks)?,
        ))
    }

    fn style(&self) -> Style {
        apply_color(self.selection.color.as_deref());
        match self.selection.format.as_deref() {
            Some("terse") => Style::Terse,
            Some("json") => Style::Json,
            _ if self.selection.quiet => Style::Terse,
            _ => Style::Pretty,
        }
    }
}

/// `--standard rfc9700,oidc`, with clap's usage error on an unknown name.
fn parse_standard(text: &str) -> Result<StandardSet, crate::standard::StandardError> {
    StandardSet::parse(text)
}

/// Colour: `--color` wins, then NO_COLOR, then whether stdout is a terminal.
fn apply_color(when: Option<&str>) {
    let on = match when {
        Some("always") => true,
        Some("never") => false,
        _ => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    colored::control::set_override(on);
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::output(format!("cannot start the async runtime: {e}"), None))
}

pub fn list(args: ListArgs) -> Result<u8, CliError> {
    let mut args = RunArgs {
        common: args.common,
        jobs: 1,
        fresh_login: false,
        report_dir: PathBuf::new(),
        expect: None,
        write_expect: None,
    };
    args.common.selection.list = true;
    run(args)
}

/// One target of a run, ready to be driven.
struct Prepared {
    profile: Profile,
    /// The embedded server, kept alive for the run.
    server: Option<ServerHandle>,
    info: TargetInfo,
    /// Why the target cannot be used (discovery failed): its trials are errors.
    unreachable: Option<String>,
}

fn usage(message: impl std::fmt::Display) -> CliError {
    CliError {
        message: message.to_string(),
        hint: None,
        code: exit::USAGE,
    }
}

fn prepare(
    runtime: &tokio::runtime::Runtime,
    args: &CommonArgs,
    (flaws, quirks): (&[Flaw], &[Quirk]),
) -> Result<Vec<Prepared>, CliError> {
    let chosen = |mut profile: Profile| {
        if let Some(standard) = &args.standard {
            profile.standard = standard.clone();
        }
        profile
    };
    let info = |profile: &Profile, flaws: &[Flaw], quirks: &[Quirk]| TargetInfo {
        standard: Some(profile.standard.to_string()),
        name: profile.name.clone(),
        issuer: profile.issuer.clone(),
        flaws: flaws.iter().map(|f| f.id().to_string()).collect(),
        quirks: quirks.iter().map(|q| q.id().to_string()).collect(),
        warnings: profile.warnings.clone(),
        insecure: profile.limits.transport.insecure,
    };
    let transport = args.transport.resolve()?;
    if !args.target.is_empty() && args.tls {
        return Err(CliError::usage(
            "`--tls` starts the embedded reference server over HTTPS, but `--target` was given",
            Some("for a target's private CA use `--cacert FILE`"),
        ));
    }
    if args.target.is_empty() {
        if args.transport.proxy.is_some() {
            return Err(CliError::usage(
                "`--proxy` applies to `--target` servers: the embedded reference server is never proxied",
                Some("start it with `oauthcheck serve` and give a profile for it with `--target`"),
            ));
        }
        let mut config = harness::embedded_config(flaws, quirks);
        config.tls.enabled = args.tls;
        // Nothing the user wrote can stop the built-in server from starting:
        // a failure here is the environment's (exit 4), not a usage error.
        let (mut profile, server) = runtime
            .block_on(harness::embedded_target_with(config))
            .map_err(|e| CliError::output(e.to_string(), None))?;
        transport.merge_into(&mut profile.limits.transport);
        let profile = chosen(profile);
        return Ok(vec![Prepared {
            info: info(&profile, flaws, quirks),
            profile,
            server: Some(server),
            unreachable: None,
        }]);
    }
    let resolved = runtime.block_on(async {
        let mut out = Vec::new();
        for path in &args.target {
            let adjust = |p: &mut Profile| transport.merge_into(&mut p.limits.transport);
            out.push(harness::load_target_with(path, adjust).await);
        }
        out
    });
    resolved
        .into_iter()
        .map(|loaded| {
            let (profile, unreachable) = match loaded.map_err(usage)? {
                harness::LoadedTarget::Ready(profile) => (chosen(profile), None),
                harness::LoadedTarget::Unreachable { profile, reason } => {
                    let profile = chosen(profile);
                    errln!("error: target `{}`: {reason}", profile.name);
                    (profile, Some(reason))
                }
            };
            for warning in &profile.warnings {
                errln!("warning: target `{}`: {warning}", profile.name);
            }
            Ok(Prepared {
                info: info(&profile, &[], &[]),
                profile,
                server: None,
                unreachable,
            })
        })
        .collect()
}

pub fn run(args: RunArgs) -> Result<u8, CliError> {
    let style = args.common.style();
    let (flaws, quirks) = args.common.switches()?;
    let baseline = args
        .expect
        .as_deref()
        .map(Baseline::load)
        .transpose()
        .map_err(usage)?;
    let suites = harness::load_suites(&args.common.suite_paths()).map_err(|m| CliError {
        message: format!("the suites do not load:\n\n{m}"),
        hint: Some("`oauthcheck validate` checks suites without running them".into()),
        code: exit::USAGE,
    })?;
    let runtime = runtime()?;
    let targets = prepare(&runtime, &args.common, (&flaws, &quirks))?;
    let libtest = &args.common.selection.libtest();
    if libtest.args.list {
        for spec in run::plan(&suites, &targets[0].profile) {
            if !libtest.is_filtered_out(&harness::probe(&spec)) {
                outln!("{}: test", spec.name)?;
            }
        }
        return Ok(exit::OK);
    }
    // Every target's trials start now, on one runtime: the targets run
    // concurrently. The runner's events drive the console as trials finish.
    let (events, mut receiver) = run::Events::channel();
    let mut runs = Vec::new();
    let mut progress = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        let options = RunOptions {
            reuse_login: !args.fresh_login,
            events: events.clone(),
            target: index,
            ..RunOptions::with_jobs(args.jobs)
        };
        let specs = run::plan(&suites, &target.profile);
        let (chosen, filtered_out) = harness::selected(&specs, libtest);
        let total = chosen.len();
        match &target.unreachable {
            Some(reason) => {
                // Nothing can be sent to this target: every trial ends now
                // as an error with the reason, through the same events.
                let reports = harness::unreached(chosen, reason);
                let names = reports.iter().map(|r| r.name.clone()).collect();
                progress.push(TargetProgress::new(names));
                for (trial, report) in reports.into_iter().enumerate() {
                    events.emit(run::RunEvent::Finished {
                        target: index,
                        index: trial,
                        report: Box::new(report),
                    });
                }
                runs.push((None, filtered_out, total));
            }
            None => {
                let launched = run::launch(
                    runtime.handle(),
                    Arc::new(target.profile.clone()),
                    chosen,
                    &options,
                );
                let names = launched
                    .trials
                    .iter()
                    .map(|s| s.spec.name.clone())
                    .collect();
                progress.push(TargetProgress::new(names));
                runs.push((Some(launched.execution), filtered_out, total));
            }
        }
    }
    drop(events);
    let terminal = std::io::stderr().is_terminal();
    let mut live = Live::new(
        progress,
        terminal && style == Style::Pretty,
        !terminal && style != Style::Json,
    );
    let mut records = Vec::new();
    let mut code = exit::OK;
    // One clock for all: the targets run concurrently, so each target's
    // duration is the time until its last trial was seen to finish.
    let clock = Instant::now();
    for (index, (target, (execution, filtered_out, total))) in targets.iter().zip(runs).enumerate()
    {
        let started_at =
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let names: Vec<&str> = live.targets[index]
            .names
            .iter()
            .map(String::as_str)
            .collect();
        let mut console = Console::new(std::io::stdout().lock(), style, &names);
        let label = match &target.profile.issuer {
            Some(issuer) => format!("{} ({issuer})", target.profile.name),
            None => target.profile.name.clone(),
        };
        let mut label = format!("{label}, judged by {}", target.profile.standard);
        if target.profile.limits.transport.insecure {
            label = format!("{label} [{}]", crate::report::INSECURE_MARK);
        }
        console.begin(total, &label).map_err(io)?;
        runtime
            .block_on(live.follow(index, &mut receiver, &mut console))
            .map_err(io)?;
        let reports = std::mem::replace(&mut live.targets[index], TargetProgress::new(Vec::new()))
            .into_reports();
        if reports.len() != total {
            return Err(CliError {
                message: format!(
                    "{} of {total} trials against `{}` were dropped before they finished",
                    total - reports.len(),
                    target.profile.name
                ),
                hint: None,
                code: exit::ERRORED,
            });
        }
        let seconds = clock.elapsed().as_secs_f64();
        let execution = execution.map(|probe| probe.snapshot());
        console
            .finish(&reports, seconds, filtered_out)
            .map_err(io)?;
        if let Some(execution) = &execution {
            console.execution(execution).map_err(io)?;
        }
        drop(console);
        let target_code = match &baseline {
            Some(baseline) => judged_code(baseline, &reports),
            None => exit::for_totals(&Totals::of(&reports)),
        };
        code = worst(code, target_code);
        records.push(RunReport {
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            target: target.info.clone(),
            started_at,
            duration_ms: (seconds * 1000.0) as u64,
            trials: reports,
            execution,
        });
    }
    if let Some(path) = &args.write_expect {
        let trials: Vec<_> = records.iter().flat_map(|r| r.trials.clone()).collect();
        Baseline::from_run(&trials)
            .write(path)
            .map_err(|e| CliError::output(e.to_string(), None))?;
        errln!("wrote the baseline {}", path.display());
    }
    write_reports(&args.report_dir, &records)?;
    for target in targets {
        if let Some(server) = target.server {
            runtime.block_on(server.shutdown());
        }
    }
    Ok(code)
}

/// The exit code once the baseline has excused its known failures.
fn judged_code(baseline: &Baseline, reports: &[crate::run::TrialReport]) -> u8 {
    let judgement = baseline.judge(reports);
    for name in &judgement.expected {
        errln!("expected (baseline): {name}");
    }
    for name in &judgement.fixed {
        errln!("error: `{name}` now passes but the baseline expects it to fail");
    }
    if !judgement.fixed.is_empty() {
        errln!(
            "hint: remove the fixed trials from the baseline (or regenerate it with `--write-expect`)"
        );
    }
    let unexcused: Vec<_> = reports
        .iter()
        .filter(|r| !judgement.expected.contains(&r.name))
        .collect();
    let code = exit::for_totals(&Totals::of(unexcused));
    if judgement.fixed.is_empty() {
        code
    } else {
        worst(code, exit::FAILED)
    }
}

/// The more serious of two exit codes (failure over error over success).
fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::FAILED => 3,
        exit::ERRORED => 2,
        exit::OK => 0,
        _ => 1,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn io(e: std::io::Error) -> CliError {
    CliError::output(format!("cannot write to stdout: {e}"), None)
}

/// One target: its six files in `dir`. Several: a directory each, and the
/// comparison matrix (`compare.md`, `compare.html`) beside them.
fn write_reports(dir: &Path, records: &[RunReport]) -> Result<(), CliError> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    let fail = |e: String| {
        CliError::output(
            format!("cannot write the reports to `{}`: {e}", dir.display()),
            Some("pass `--report-dir` with a writable directory"),
        )
    };
    if let [record] = records {
        report::write_all(dir, record).map_err(|e| fail(e.to_string()))?;
        return Ok(());
    }
    let mut used: Vec<String> = Vec::new();
    for record in records {
        let mut name: String = record
            .target
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        while used.contains(&name) {
            name.push_str("-2");
        }
        report::write_all(&dir.join(&name), record).map_err(|e| fail(e.to_string()))?;
        used.push(name);
    }
    let matrix = report::compare::matrix(records);
    let html = report::compare::render_html(&matrix).map_err(|e| fail(e.to_string()))?;
    std::fs::write(
        dir.join("compare.md"),
        report::compare::render_markdown(&matrix),
    )
    .map_err(|e| fail(e.to_string()))?;
    std::fs::write(dir.join("compare.html"), html).map_err(|e| fail(e.to_string()))
}
