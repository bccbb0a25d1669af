//! `oauthcheck compare`: several saved `report.json` files (one per target)
//! as one trial × target matrix with a grade per target and area, in
//! Markdown, HTML or JSON.
//!
//! Rendering only: the exit code says whether the reports could be read,
//! not whether the targets agree.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::report::{emit, load_error, render_error};
use super::{CliError, exit};
use crate::report::{self, compare};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// `report.json` files, one per target (columns in this order).
    #[arg(value_name = "REPORT.json", required = true)]
    files: Vec<PathBuf>,
    /// The format to render.
    #[arg(long, value_enum, default_value = "md")]
    format: CompareFormat,
    /// Write here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum CompareFormat {
    /// GitHub-flavoured Markdown table.
    #[value(alias = "markdown")]
    Md,
    /// Self-contained HTML page.
    Html,
    /// The matrix and the grades as JSON.
    Json,
}

pub fn compare(args: CompareArgs) -> Result<u8, CliError> {
    let reports = args
        .files
        .iter()
        .map(|path| report::load(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(load_error)?;
    let matrix = compare::matrix(&reports);
    let text = match args.format {
        CompareFormat::Md => compare::render_markdown(&matrix),
        CompareFormat::Html => compare::render_html(&matrix).map_err(render_error)?,
        CompareFormat::Json => compare::render_json(&matrix).map_err(render_error)?,
    };
    emit(&text, args.output.as_deref())?;
    Ok(exit::OK)
}
