//! The report formats by name, and writing all of them for one run into a
//! directory.
//!
//! Every file is rendered from the same [`RunReport`] before any is written,
//! so a renderer defect leaves no half-written set. Nothing here runs trials.

use std::path::{Path, PathBuf};

use super::{ReportError, RunReport, har, html, json, junit, markdown, sarif};

/// One file format a run can be rendered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `report.json`, the canonical record.
    Json,
    /// `junit.xml`.
    Junit,
    /// `report.html`.
    Html,
    /// `summary.md`.
    Markdown,
    /// `report.sarif`.
    Sarif,
    /// `report.har`.
    Har,
}

impl Format {
    /// Every format, in the order [`write_all`] writes them.
    pub const ALL: [Format; 6] = [
        Format::Json,
        Format::Junit,
        Format::Html,
        Format::Markdown,
        Format::Sarif,
        Format::Har,
    ];

    /// The file name [`write_all`] gives it.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Junit => "junit.xml",
            Format::Html => "report.html",
            Format::Markdown => "summary.md",
            Format::Sarif => "report.sarif",
            Format::Har => "report.har",
        }
    }

    /// The report in this format.
    pub fn render(self, report: &RunReport) -> Result<String, ReportError> {
        match self {
            Format::Json => json::render(report),
            Format::Junit => junit::render(report),
            Format::Html => html::render(report),
            Format::Markdown => Ok(markdown::render(report)),
            Format::Sarif => sarif::render(report),
            Format::Har => har::render(report),
        }
    }
}

/// Writes every format into `dir` (created if missing) and returns the paths
/// written, in [`Format::ALL`] order. Existing files of those names are replaced.
pub fn write_all(dir: &Path, report: &RunReport) -> Result<Vec<PathBuf>, ReportError> {
    let rendered = Format::ALL
        .iter()
        .map(|format| Ok((dir.join(format.file_name()), format.render(report)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(rendered.len());
    for (path, text) in rendered {
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
