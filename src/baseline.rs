//! Baselines for CI (`--expect FILE`): known failures that should not fail a
//! run, and a loud signal when one of them is fixed so the baseline shrinks.
//!
//! A baseline is YAML (or JSON) listing trial names with the outcome they are
//! expected to have and why. Applying one never changes a trial's outcome; it
//! only decides what the run's exit code should say about it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::run::{Outcome, TrialReport};

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}`: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    #[error("cannot encode the baseline: {0}")]
    Encode(String),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The file format.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Trials expected not to pass.
    pub expected: Vec<ExpectedOutcome>,
}

/// One known failure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOutcome {
    /// The trial name, `id` or `id[variant]`.
    pub trial: String,
    /// `fail`, `warn` or `error`.
    pub outcome: Outcome,
    /// Why it is accepted for now (a ticket, a vendor answer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// What a baseline says about a finished run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Judgement {
    /// Trials that did what the baseline expected: they do not fail the run.
    pub expected: Vec<String>,
    /// Trials the baseline expects to fail that now pass: the baseline must
    /// be updated, and the run fails so nobody forgets.
    pub fixed: Vec<String>,
    /// Baseline entries for trials that did not run (filtered or renamed).
    pub not_run: Vec<String>,
}

impl Baseline {
    /// Reads a baseline file (YAML or JSON).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_saphyr::from_str(&text).map_err(|source| BaselineError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
    }

    /// A baseline accepting every current fail and error of `trials`.
    pub fn from_run(trials: &[TrialReport]) -> Baseline {
        Baseline {
            expected: trials
                .iter()
                .filter(|t| matches!(t.outcome, Outcome::Fail | Outcome::Error))
                .map(|t| ExpectedOutcome {
                    trial: t.name.clone(),
                    outcome: t.outcome,
                    comment: first_reason(t.message.as_deref().unwrap_or("")),
                })
                .collect(),
        }
    }

    /// Writes the baseline as YAML with a header explaining it.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let body =
            serde_saphyr::to_string(self).map_err(|e| BaselineError::Encode(e.to_string()))?;
        let text = format!(
            "# oauthcheck baseline: known failures that do not fail the run.\n\
             # Use with `oauthcheck run --expect {}`; remove an entry once it is fixed.\n{body}",
            path.display()
        );
        std::fs::write(path, text).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Compares a run with the baseline.
    pub fn judge(&self, trials: &[TrialReport]) -> Judgement {
        let mut judgement = Judgement::default();
        for entry in &self.expected {
            match trials.iter().find(|t| t.name == entry.trial) {
                None => judgement.not_run.push(entry.trial.clone()),
                Some(t) if t.outcome == entry.outcome => judgement.expected.push(t.name.clone()),
                Some(t) if t.outcome == Outcome::Pass => judgement.fixed.push(t.name.clone()),
                Some(_) => {}
            }
        }
        judgement
    }
}

/// The most telling line of a message: its first listed problem, if any.
fn first_reason(message: &str) -> String {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or("");
    match message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("- "))
    {
        Some(problem) if first.ends_with(':') => problem.to_string(),
        _ => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{Level, Severity};

    fn trial(name: &str, outcome: Outcome) -> TrialReport {
        TrialReport {
            name: name.into(),
            scenario: name.into(),
            variant: None,
            title: String::new(),
            suite: "s".into(),
            requirements: vec![],
            level: Level::Must,
            severity: Severity::High,
            refs: vec![],
            outcome,
            message: Some("broken at step:\n  - why\nmore".into()),
            location: None,
            duration_ms: 0,
            exchanges: vec![],
        }
    }

    #[test]
    fn a_baseline_round_trips_and_judges() {
        let run = vec![
            trial("a", Outcome::Fail),
            trial("b", Outcome::Pass),
            trial("c", Outcome::Error),
        ];
        let baseline = Baseline::from_run(&run);
        assert_eq!(baseline.expected.len(), 2);
        assert_eq!(baseline.expected[0].comment, "why");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.yaml");
        baseline.write(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), baseline);
        // `a` got fixed, `c` still errors, `d` did not run.
        let mut later = baseline.clone();
        later.expected.push(ExpectedOutcome {
            trial: "d".into(),
            outcome: Outcome::Fail,
            comment: String::new(),
        });
        let now = vec![trial("a", Outcome::Pass), trial("c", Outcome::Error)];
        let j = later.judge(&now);
        assert_eq!(j.fixed, ["a"]);
        assert_eq!(j.expected, ["c"]);
        assert_eq!(j.not_run, ["d"]);
    }
}
