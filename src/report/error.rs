//! Why a report could not be read, rendered or written.
//!
//! Messages are lowercase fragments with literals in backticks; the CLI adds
//! the `hint:` line. Nothing here prints.

use std::io;
use std::path::PathBuf;

/// A report that could not be loaded, rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: io::Error },
    /// A file or directory could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// The file is not a `report.json` written by oauthcheck.
    #[error("`{path}` is not an oauthcheck report: {reason}")]
    NotAReport { path: PathBuf, reason: String },
    /// The file is a report of a schema version this build does not read.
    #[error(
        "`{path}` has report format version {found}, but this oauthcheck reads version {supported}"
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    /// A renderer failed (a template or serializer error: a defect, not bad input).
    #[error("cannot render the {format} report: {reason}")]
    Render {
        format: &'static str,
        reason: String,
    },
}
