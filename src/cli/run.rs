//! `oauthcheck run` and `oauthcheck list`: load suites, start or resolve the
//! target, run the selected trials, print them, write `report.json`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use super::{CliError, exit};
use crate::harness;
use crate::report::console::{Console, Style};
use crate::report::{FORMAT_VERSION, RunReport, TargetInfo, Totals};
use crate::run::{self, RunOptions};
use crate::server::Flaw;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Trials in flight at once (they mostly wait on the network).
    #[arg(long, default_value_t = 32, value_name = "N", help_heading = "Execution")]
    pub jobs: usize,
    /// Where report.json is written.
    #[arg(long, default_value = "reports", value_name = "DIR", help_heading = "Reports")]
    pub report_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Target, suites, and the libtest-style selection flags.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// A target profile (YAML). Without it the embedded reference server is started.
    #[arg(long, value_name = "FILE", help_heading = "Target")]
    pub target: Option<PathBuf>,
    /// Switch a flaw on in the embedded reference server (repeatable).
    #[arg(long = "flaw", value_name = "ID", help_heading = "Target")]
    pub flaws: Vec<String>,
    /// Suite files or directories [default: suites/].
    #[arg(long = "suites", value_name = "PATH", help_heading = "Suites")]
    pub suites: Vec<PathBuf>,
    /// libtest-style selection and output flags: FILTER, --exact, --skip,
    /// --list, --ignored, --include-ignored, --format, --color, -q.
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

impl CommonArgs {
    fn suite_paths(&self) -> Vec<PathBuf> {
        if self.suites.is_empty() {
            vec![super::default_suites()]
        } else {
            self.suites.clone()
        }
    }

    fn flaws(&self) -> Result<Vec<Flaw>, CliError> {
        if self.target.is_some() && !self.flaws.is_empty() {
            return Err(CliError::usage(
                "`--flaw` switches flaws of the embedded reference server, but `--target` was given",
                Some("drop `--target` to test the reference server"),
            ));
        }
        self.flaws
            .iter()
            .map(|id| {
                Flaw::from_id(id).ok_or_else(|| {
                    let hint = crate::diag::did_you_mean(id, Flaw::ALL.iter().map(|f| f.id()))
                        .map(|s| format!("did you mean `{s}`? (`oauthcheck serve --list-flaws` lists them)"));
                    CliError {
                        message: format!("unknown flaw `{id}`"),
                        hint: Some(hint.unwrap_or_else(|| "`oauthcheck serve --list-flaws` lists them".into())),
                        code: exit::USAGE,
                    }
                })
            })
            .collect()
    }

    fn style(&self) -> Style {
        apply_color(&self.libtest);
        match self.libtest.format {
            Some(libtest_mimic::FormatSetting::Terse) => Style::Terse,
            Some(libtest_mimic::FormatSetting::Json) => Style::Json,
            _ if self.libtest.quiet => Style::Terse,
            _ => Style::Pretty,
        }
    }
}

/// Colour: `--color` wins, then NO_COLOR, then whether stdout is a terminal.
fn apply_color(args: &libtest_mimic::Arguments) {
    use libtest_mimic::ColorSetting;
    let on = match args.color {
        Some(ColorSetting::Always) => true,
        Some(ColorSetting::Never) => false,
        _ => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    colored::control::set_override(on);
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|e| CliError {
        message: format!("cannot start the async runtime: {e}"),
        hint: None,
        code: exit::USAGE,
    })
}

pub fn list(args: ListArgs) -> Result<u8, CliError> {
    let mut args = RunArgs {
        common: args.common,
        jobs: 1,
        report_dir: PathBuf::new(),
    };
    args.common.libtest.list = true;
    run(args)
}

pub fn run(args: RunArgs) -> Result<u8, CliError> {
    let style = args.common.style();
    let flaws = args.common.flaws()?;
    let suites = harness::load_suites(&args.common.suite_paths()).map_err(|m| CliError {
        message: format!("the suites do not load:\n\n{m}"),
        hint: Some("`oauthcheck validate` checks suites without running them".into()),
        code: exit::USAGE,
    })?;
    let runtime = runtime()?;
    let target = runtime.block_on(async {
        match &args.common.target {
            Some(path) => harness::profile_target(path).await.map(|p| (p, None)),
            None => harness::embedded_target(&flaws).await.map(|(p, h)| (p, Some(h))),
        }
    });
    let (profile, server) = target.map_err(|message| CliError {
        message,
        hint: None,
        code: exit::USAGE,
    })?;
    let specs = run::plan(&suites, &profile);
    let libtest = &args.common.libtest;
    if libtest.list {
        for spec in &specs {
            if !libtest.is_filtered_out(&harness::probe(spec)) {
                println!("{}: test", spec.name);
            }
        }
        return Ok(exit::OK);
    }
    let (chosen, filtered_out) = harness::selected(&specs, libtest);
    let target_label = match &profile.issuer {
        Some(issuer) => format!("{} ({issuer})", profile.name),
        None => profile.name.clone(),
    };
    let target_info = TargetInfo {
        name: profile.name.clone(),
        issuer: profile.issuer.clone(),
        flaws: flaws.iter().map(|f| f.id().to_string()).collect(),
    };
    let names: Vec<&str> = chosen.iter().map(|s| s.name.as_str()).collect();
    let stdout = std::io::stdout();
    let mut console = Console::new(stdout.lock(), style, &names);
    let io = |e: std::io::Error| CliError {
        message: format!("cannot write to stdout: {e}"),
        hint: None,
        code: exit::USAGE,
    };
    console.begin(chosen.len(), &target_label).map_err(io)?;
    let clock = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let options = RunOptions { jobs: args.jobs };
    let started = run::start(runtime.handle(), Arc::new(profile), chosen, &options);
    let mut reports = Vec::new();
    for trial in started {
        let report = runtime.block_on(trial.report).map_err(|_| CliError {
            message: format!("trial `{}` was dropped before it finished", trial.spec.name),
            hint: None,
            code: exit::ERRORED,
        })?;
        console.trial(&report).map_err(io)?;
        reports.push(report);
    }
    let seconds = clock.elapsed().as_secs_f64();
    console.finish(&reports, seconds, filtered_out).map_err(io)?;
    drop(console);
    let totals = Totals::of(&reports);
    let record = RunReport {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        target: target_info,
        started_at,
        duration_ms: (seconds * 1000.0) as u64,
        trials: reports,
    };
    write_json(&args.report_dir, &record)?;
    if let Some(server) = server {
        runtime.block_on(server.shutdown());
    }
    Ok(exit::for_totals(&totals))
}

fn write_json(dir: &std::path::Path, record: &RunReport) -> Result<(), CliError> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    let fail = |e: String| CliError {
        message: format!("cannot write the report to `{}`: {e}", dir.display()),
        hint: Some("pass `--report-dir` with a writable directory".into()),
        code: exit::USAGE,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let json = serde_json::to_string_pretty(record).map_err(|e| fail(e.to_string()))?;
    std::fs::write(dir.join("report.json"), json).map_err(|e| fail(e.to_string()))
}
