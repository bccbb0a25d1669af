//! `oauthcheck report`: re-renders a saved `report.json` in one format, to
//! stdout or a file.
//!
//! Rendering only: the exit code says whether the file could be rendered,
//! not whether the run it records passed (that was `oauthcheck run`'s).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{CliError, exit};
use crate::report::{self, Format, ReportError};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A `report.json` written by `oauthcheck run`.
    #[arg(value_name = "FILE.json")]
    file: PathBuf,
    /// The format to render.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Write here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Self-contained HTML page with the evidence.
    Html,
    /// JUnit XML for CI.
    Junit,
    /// GitHub-flavoured Markdown summary.
    #[value(alias = "markdown")]
    Md,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// The canonical JSON record.
    Json,
    /// HAR 1.2: every exchange, a page per trial (DevTools, Burp, ZAP).
    Har,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Html => Format::Html,
            FormatArg::Junit => Format::Junit,
            FormatArg::Md => Format::Markdown,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Json => Format::Json,
            FormatArg::Har => Format::Har,
        }
    }
}

pub fn report(args: ReportArgs) -> Result<u8, CliError> {
    let run = report::load(&args.file).map_err(load_error)?;
    let text = Format::from(args.format)
        .render(&run)
        .map_err(render_error)?;
    emit(&text, args.output.as_deref())?;
    Ok(exit::OK)
}

/// A saved report that does not load, with the fix.
pub(super) fn load_error(e: ReportError) -> CliError {
    let hint = match &e {
        ReportError::UnsupportedVersion { .. } => {
            Some("re-render it with the oauthcheck version that wrote it, or run the suites again")
        }
        ReportError::NotAReport { .. } => Some("`oauthcheck run` writes `reports/report.json`"),
        _ => None,
    };
    CliError::usage(e.to_string(), hint)
}

/// A renderer defect: not the user's fault (exit 4), still reported once.
pub(super) fn render_error(e: ReportError) -> CliError {
    CliError::output(e.to_string(), None)
}

/// Writes `text` to `output`, or to stdout.
pub(super) fn emit(text: &str, output: Option<&Path>) -> Result<(), CliError> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            CliError::output(
                format!("cannot write `{}`: {e}", path.display()),
                Some("pass `--output` a writable path"),
            )
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::output(format!("cannot write to stdout: {e}"), None))
        }
    }
}
