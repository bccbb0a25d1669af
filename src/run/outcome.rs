//! Outcomes: what a trial concluded, with the evidence, as plain data that
//! every report renders from.
//!
//! A failed check is an outcome, not a Rust error. `error` is never a pass.

use serde::{Deserialize, Serialize};

use crate::agent::Exchange;
use crate::suite::{Level, Severity};

/// The verdict of one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A MUST check was broken.
    Fail,
    /// A SHOULD/MAY check was broken; does not fail the run.
    Warn,
    /// The target lacks a capability the scenario needs.
    Skip,
    /// The harness could not reach the point of the test.
    Error,
}

impl Outcome {
    /// The word printed for it.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Warn => "warn",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }

    /// What a broken check at `level` becomes: a broken `MAY` is only
    /// information, a pass with a note.
    pub fn for_broken(level: Level) -> Outcome {
        match level {
            Level::Must => Outcome::Fail,
            Level::Should => Outcome::Warn,
            Level::May => Outcome::Pass,
        }
    }
}

/// Everything known about one finished trial.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialReport {
    /// `id` or `id[variant]`.
    pub name: String,
    pub scenario: String,
    pub variant: Option<String>,
    pub title: String,
    pub suite: String,
    pub requirements: Vec<String>,
    pub level: Level,
    pub severity: Severity,
    pub refs: Vec<String>,
    pub outcome: Outcome,
    /// Why, for anything but a pass: the expectation, the actual response.
    pub message: Option<String>,
    /// `file:line:column` of the step that decided the outcome.
    pub location: Option<String>,
    pub duration_ms: u64,
    /// Every exchange of the trial, redacted.
    pub exchanges: Vec<Exchange>,
}
