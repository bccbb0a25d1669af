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

/// How a pass's message line opens when it records a broken `MAY` check
/// (`information (at file:line:col): …`), so a reader (and the self-test)
/// can tell information from the notes of the alternatives that decided.
pub const INFORMATION: &str = "information (at ";

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

impl TrialReport {
    /// Whether the trial passed with a broken `MAY` check: nothing the
    /// server had to do, or should do, was missed, but it did not do what
    /// the specification allows and the harness asks for.
    pub fn information(&self) -> bool {
        self.outcome == Outcome::Pass
            && (self.message.as_deref())
                .is_some_and(|m| m.lines().any(|line| line.starts_with(INFORMATION)))
    }
}
