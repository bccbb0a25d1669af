//! The command line: parses arguments (clap) and dispatches to one file per
//! command. Errors are printed once, here, with a `hint:` line when a fix is
//! known; data goes to stdout, diagnostics to stderr.

/// `println!` that never panics: a closed stdout (EPIPE, e.g. `| head`)
/// is ignored, so the exit code stays the command's own; any other write
/// failure is `Err` (exit 4, README "exit codes").
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::stdout_result(writeln!(std::io::stdout().lock(), $($arg)*))
    }};
}

/// `eprintln!` that never panics on a closed stderr (EPIPE).
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `eprint!` that never panics on a closed stderr (EPIPE).
macro_rules! errp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, $($arg)*);
        let _ = stderr.flush();
    }};
}

mod compare;
pub mod exit;
mod init;
mod progress;
mod report;
mod run;
mod serve;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Conformance and security tests for OAuth 2.0 / OpenID Connect authorization servers.
#[derive(Debug, Parser)]
#[command(name = "oauthcheck", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  oauthcheck run                                  # every suite against the embedded reference server
  oauthcheck run --flaw code.single-use           # ... with one protection switched off
  oauthcheck run --target fixtures/targets/my-as.yaml redirect.
  oauthcheck validate suites/ fixtures/targets/
  oauthcheck serve --flaw pkce.downgrade          # the reference server, standalone";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run suites against a target (default: the embedded reference server).
    Run(run::RunArgs),
    /// List the trials a run would execute.
    List(run::ListArgs),
    /// Check suites and target profiles without touching the network.
    Validate(validate::ValidateArgs),
    /// Run the reference authorization server standalone.
    Serve(serve::ServeArgs),
    /// Write a starter target profile from an issuer's discovery document.
    Init(init::InitArgs),
    /// Re-render a saved report.json as html, junit, md, sarif or json.
    Report(report::ReportArgs),
    /// Compare saved report.json files (one per target) as a trial × target matrix.
    Compare(compare::CompareArgs),
}

/// Where suites are read from when `--suites` is not given.
pub fn default_suites() -> PathBuf {
    PathBuf::from("suites")
}

/// A failure of a command, printed once by [`main`].
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl CliError {
    pub fn usage(message: impl Into<String>, hint: Option<&str>) -> CliError {
        CliError {
            message: message.into(),
            hint: hint.map(str::to_string),
            code: exit::USAGE,
        }
    }

    /// Output that could not be produced (exit 4): a file or stdout that
    /// cannot be written, a renderer or runtime failure.
    pub fn output(message: impl Into<String>, hint: Option<&str>) -> CliError {
        CliError {
            message: message.into(),
            hint: hint.map(str::to_string),
            code: exit::OUTPUT,
        }
    }
}

/// Reads `--flaw` / `--quirk` ids; an unknown id is a usage error with the
/// closest id (or the list) and where to see them all.
fn parse_switches<S: crate::server::Switch>(ids: &[String]) -> Result<Vec<S>, CliError> {
    ids.iter()
        .map(|id| {
            S::from_id(id)
                .ok_or_else(|| CliError::usage(S::unknown_message(id), Some(S::list_hint())))
        })
        .collect()
}

/// Writes `text` to stdout as is; a closed stdout (EPIPE) is ignored, any
/// other failure is an output error (exit 4).
pub(crate) fn out(text: &str) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout_result(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    )
}

/// A write to stdout as the command's result: a closed stdout (EPIPE, the
/// reader has seen enough) is fine; anything else means the output could
/// not be produced (exit 4).
pub(crate) fn stdout_result(written: std::io::Result<()>) -> Result<(), CliError> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::output(
            format!("cannot write to stdout: {e}"),
            None,
        )),
        _ => Ok(()),
    }
}

/// Writes `text` to stderr as is; a closed stderr (EPIPE) is ignored.
pub(crate) fn err(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Parses the command line, runs the command, returns the exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::List(args) => run::list(args),
        Command::Validate(args) => validate::validate(args),
        Command::Serve(args) => serve::serve(args),
        Command::Report(args) => report::report(args),
        Command::Compare(args) => compare::compare(args),
        Command::Init(args) => init::init(args),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            errln!("error: {}", e.message);
            if let Some(hint) = e.hint {
                errln!("hint: {hint}");
            }
            std::process::ExitCode::from(e.code)
        }
    }
}
