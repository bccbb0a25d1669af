//! Console rendering: a line per trial with its outcome word (readable
//! without colour), the details of every fail, warn and error, and a summary.
//!
//! Writes to the given writer; colour is decided by the caller through
//! `colored::control`, never here.

use std::io::{self, Write};

use colored::Colorize;

use super::Totals;
use crate::run::{Execution, Outcome, SessionMode, TrialReport};

/// How much to print per trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// One line per trial.
    Pretty,
    /// One character per trial.
    Terse,
    /// libtest-style JSON lines, for tools.
    Json,
}

/// Prints trials as they finish and the summary at the end.
pub struct Console<W: Write> {
    out: W,
    style: Style,
    width: usize,
    column: usize,
}

impl<W: Write> Console<W> {
    /// `names` sizes the columns.
    pub fn new(out: W, style: Style, names: &[&str]) -> Console<W> {
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(72);
        Console {
            out,
            style,
            width,
            column: 0,
        }
    }

    /// The opening line.
    pub fn begin(&mut self, count: usize, target: &str) -> io::Result<()> {
        match self.style {
            Style::Json => writeln!(
                self.out,
                r#"{{ "type": "suite", "event": "started", "test_count": {count} }}"#
            ),
            _ => writeln!(self.out, "\nrunning {count} trials against {target}"),
        }
    }

    /// A trial started (only libtest's JSON lines say so).
    pub fn started(&mut self, name: &str) -> io::Result<()> {
        match self.style {
            Style::Json => {
                let line = serde_json::json!({ "type": "test", "event": "started", "name": name });
                writeln!(self.out, "{line}")
            }
            _ => Ok(()),
        }
    }

    /// How the run was executed: the concurrency it settled at, retries and
    /// the session mode (not in JSON lines, whose suite event ends them).
    pub fn execution(&mut self, execution: &Execution) -> io::Result<()> {
        if self.style == Style::Json {
            return Ok(());
        }
        let session = match execution.session {
            SessionMode::Shared => "one shared login",
            SessionMode::Fresh => "a login per trial",
            SessionMode::SharedThenFresh => "a shared login, then a login per trial",
        };
        let pace = &execution.pace;
        write!(
            self.out,
            "execution: concurrency {} (peak {}, ceiling {}), {} backoffs, {} retries, {} requests; {session}",
            pace.final_concurrency,
            pace.peak_concurrency,
            execution.jobs,
            pace.backoffs,
            pace.retries,
            pace.requests
        )?;
        if !execution.reruns.is_empty() {
            write!(
                self.out,
                "; rerun with own login: {}",
                execution.reruns.join(", ")
            )?;
        }
        writeln!(self.out)?;
        if let Some(note) = &execution.session_note {
            writeln!(self.out, "  ({note})")?;
        }
        Ok(())
    }

    /// One finished trial.
    pub fn trial(&mut self, trial: &TrialReport) -> io::Result<()> {
        match self.style {
            Style::Pretty => {
                let seconds = trial.duration_ms as f64 / 1000.0;
                let reason = match trial.outcome {
                    Outcome::Skip => format!("  ({})", trial.message.as_deref().unwrap_or("")),
                    _ => String::new(),
                };
                writeln!(
                    self.out,
                    "{}  {:<width$}  {seconds:>6.2}s{reason}",
                    word(trial.outcome),
                    trial.name,
                    width = self.width
                )
            }
            Style::Terse => {
                let c = match trial.outcome {
                    Outcome::Pass => ".".normal(),
                    Outcome::Fail => "F".red(),
                    Outcome::Warn => "W".yellow(),
                    Outcome::Skip => "s".cyan(),
                    Outcome::Error => "E".magenta(),
                };
                write!(self.out, "{c}")?;
                self.column += 1;
                if self.column == 88 {
                    self.column = 0;
                    writeln!(self.out)?;
                }
                Ok(())
            }
            Style::Json => {
                let event = match trial.outcome {
                    Outcome::Pass | Outcome::Warn => "ok",
                    Outcome::Fail | Outcome::Error => "failed",
                    Outcome::Skip => "ignored",
                };
                let line = serde_json::json!({
                    "type": "test", "name": trial.name, "event": event,
                    "outcome": trial.outcome, "exec_time": trial.duration_ms as f64 / 1000.0,
                    "stdout": trial.message,
                });
                writeln!(self.out, "{line}")
            }
        }
    }

    /// Details of every non-pass, then the summary line.
    pub fn finish(
        &mut self,
        trials: &[TrialReport],
        seconds: f64,
        filtered_out: usize,
    ) -> io::Result<()> {
        let totals = Totals::of(trials);
        if self.style == Style::Json {
            let line = serde_json::json!({
                "type": "suite", "event": if totals.failed + totals.errored > 0 { "failed" } else { "ok" },
                "passed": totals.passed, "failed": totals.failed + totals.errored, "ignored": totals.skipped,
                "warned": totals.warned, "errored": totals.errored, "filtered_out": filtered_out, "exec_time": seconds,
            });
            return writeln!(self.out, "{line}");
        }
        if self.style == Style::Terse && self.column != 0 {
            writeln!(self.out)?;
        }
        let notable: Vec<&TrialReport> = trials
            .iter()
            .filter(|t| matches!(t.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
            .collect();
        if !notable.is_empty() {
            writeln!(self.out, "\ndetails:")?;
        }
        for trial in notable {
            writeln!(self.out)?;
            writeln!(
                self.out,
                "--- {} {}  [{}, {}]",
                word(trial.outcome),
                trial.name.bold(),
                trial.level,
                trial.severity
            )?;
            writeln!(self.out, "    {}", trial.title)?;
            let refs = if trial.refs.is_empty() {
                String::new()
            } else {
                format!(" — {}", trial.refs.join(", "))
            };
            writeln!(
                self.out,
                "    requirement: {}{refs}",
                trial.requirements.join(", ")
            )?;
            if let Some(location) = &trial.location {
                writeln!(self.out, "    at {location}")?;
            }
            for line in trial.message.as_deref().unwrap_or("").lines() {
                writeln!(self.out, "    {line}")?;
            }
        }
        writeln!(self.out)?;
        writeln!(self.out, "{}", summary_line(&totals, seconds, filtered_out))
    }
}

/// `summary: N passed, N failed, N skipped; N warned, N errored; …`
pub fn summary_line(t: &Totals, seconds: f64, filtered_out: usize) -> String {
    let mut line = format!(
        "summary: {} passed, {} failed, {} skipped; {} warned, {} errored",
        t.passed, t.failed, t.skipped, t.warned, t.errored
    );
    if filtered_out > 0 {
        line.push_str(&format!("; {filtered_out} filtered out"));
    }
    line.push_str(&format!("; finished in {seconds:.2}s"));
    line
}

/// The outcome word, fixed width, coloured when colour is on.
fn word(outcome: Outcome) -> colored::ColoredString {
    let text = format!("{:<5}", outcome.word());
    match outcome {
        Outcome::Pass => text.green(),
        Outcome::Fail => text.red().bold(),
        Outcome::Warn => text.yellow(),
        Outcome::Skip => text.cyan(),
        Outcome::Error => text.magenta().bold(),
    }
}
