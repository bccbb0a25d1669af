//! Reports: everything the user reads about a run, rendered from one
//! JSON-able record ([`RunReport`]) so any format can be re-rendered later
//! from a saved `report.json`.
//!
//! Rendering only: nothing here runs a trial or decides an outcome.
//!
//! Formats: [`console`] (live), [`json`] (`report.json`, canonical and
//! versioned), [`junit`] (`junit.xml`), [`html`] (`report.html`), [`markdown`]
//! (`summary.md`), [`sarif`] (`report.sarif`), [`har`] (`report.har`, the
//! exchanges as an HTTP Archive); [`write_all`] writes the six files of a run, [`load`] reads a saved one back, and [`compare`] turns
//! several runs into one trial × target matrix.

pub mod compare;
pub mod console;
mod error;
mod files;
pub mod flow;
pub mod grade;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
mod text;

pub use error::ReportError;
pub use files::{Format, write_all};
pub use json::load;
pub use text::INSECURE_MARK;

use serde::{Deserialize, Serialize};

use crate::run::{Outcome, TrialReport};

/// Version of the `report.json` schema; bump on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// The canonical record of one run against one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub format_version: u32,
    pub tool_version: String,
    pub target: TargetInfo,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub duration_ms: u64,
    pub trials: Vec<TrialReport>,
    /// How the run was executed (concurrency, retries, session mode);
    /// absent in reports from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<crate::run::Execution>,
}

/// Which server was tested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub issuer: Option<String>,
    /// Flaws switched on (embedded reference server only).
    #[serde(default)]
    pub flaws: Vec<String>,
    /// Quirks switched on (embedded reference server only); absent when none,
    /// so reports of runs without quirks keep their shape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<String>,
    /// What resolving the target noticed that the reader must know (e.g.
    /// discovery routing credentials to another origin); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The standards the run judged by, as `--standard` takes them
    /// (`rfc9700,oidc`); absent in reports from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// `true` when the run skipped TLS certificate verification
    /// (`--insecure`); absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
}

impl Totals {
    pub fn of<'a>(trials: impl IntoIterator<Item = &'a TrialReport>) -> Totals {
        let mut t = Totals::default();
        for trial in trials {
            match trial.outcome {
                Outcome::Pass => t.passed += 1,
                Outcome::Fail => t.failed += 1,
                Outcome::Warn => t.warned += 1,
                Outcome::Skip => t.skipped += 1,
                Outcome::Error => t.errored += 1,
            }
        }
        t
    }
}
