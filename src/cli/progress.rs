//! The live side of `oauthcheck run`: listens to the runner's events, prints
//! each trial's line as it finishes (through the console), keeps a progress
//! line on a terminal's stderr (trials finished, running, and the time left
//! on each wait), says on stderr when a trial starts a long wait when stderr
//! is not a terminal, and builds each target's reports in suite order.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;

use crate::report::console::Console;
use crate::run::{RunEvent, TrialReport};

/// Waits at least this long get a note on a non-terminal stderr.
const LONG_WAIT: Duration = Duration::from_secs(5);

/// What is known about one target's trials while they run.
pub struct TargetProgress {
    pub names: Vec<String>,
    reports: Vec<Option<TrialReport>>,
    running: BTreeMap<usize, Option<Instant>>,
    done: usize,
}

impl TargetProgress {
    pub fn new(names: Vec<String>) -> TargetProgress {
        let reports = names.iter().map(|_| None).collect();
        TargetProgress {
            names,
            reports,
            running: BTreeMap::new(),
            done: 0,
        }
    }

    fn complete(&self) -> bool {
        self.done == self.names.len()
    }

    /// The reports in suite order (once complete).
    pub fn into_reports(self) -> Vec<TrialReport> {
        self.reports.into_iter().flatten().collect()
    }
}

/// The event loop's state across targets (targets are printed one after
/// another; events of later targets wait in their `TargetProgress`).
pub struct Live {
    pub targets: Vec<TargetProgress>,
    /// Finished reports of later targets, in finish order, not yet printed.
    backlog: Vec<Vec<usize>>,
    /// Draw a progress line on stderr.
    bar: bool,
    /// Note long waits on stderr (plain output).
    notes: bool,
    drawn: bool,
}

impl Live {
    pub fn new(targets: Vec<TargetProgress>, bar: bool, notes: bool) -> Live {
        let backlog = targets.iter().map(|_| Vec::new()).collect();
        Live {
            targets,
            backlog,
            bar,
            notes,
            drawn: false,
        }
    }

    /// Prints target `current`'s trials as they finish until all have.
    pub async fn follow<W: Write>(
        &mut self,
        current: usize,
        events: &mut UnboundedReceiver<RunEvent>,
        console: &mut Console<W>,
    ) -> std::io::Result<()> {
        for index in std::mem::take(&mut self.backlog[current]) {
            if let Some(report) = &self.targets[current].reports[index] {
                console.trial(report)?;
            }
        }
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        while !self.targets[current].complete() {
            tokio::select! {
                event = events.recv() => {
                    let Some(event) = event else { break };
                    self.clear();
                    self.apply(current, event, console)?;
                }
                _ = tick.tick() => {}
            }
            self.draw(current);
        }
        self.clear();
        Ok(())
    }

    fn apply<W: Write>(
        &mut self,
        current: usize,
        event: RunEvent,
        console: &mut Console<W>,
    ) -> std::io::Result<()> {
        match event {
            RunEvent::Started { target, index } => {
                self.targets[target].running.insert(index, None);
                if target == current {
                    console.started(&self.targets[target].names[index])?;
                }
            }
            RunEvent::Waiting {
                target,
                index,
                until,
            } => {
                self.targets[target].running.insert(index, Some(until));
                let left = until.saturating_duration_since(Instant::now());
                if self.notes && left >= LONG_WAIT {
                    errln!(
                        "note: {} waits {}s; other trials go on meanwhile",
                        self.targets[target].names[index],
                        left.as_secs()
                    );
                }
            }
            RunEvent::Resumed { target, index } => {
                self.targets[target].running.insert(index, None);
            }
            RunEvent::Finished {
                target,
                index,
                report,
            } => {
                let progress = &mut self.targets[target];
                progress.running.remove(&index);
                if progress.reports[index].is_none() {
                    progress.done += 1;
                }
                if target == current {
                    console.trial(&report)?;
                } else {
                    self.backlog[target].push(index);
                }
                self.targets[target].reports[index] = Some(*report);
            }
            RunEvent::StepDone { .. } | RunEvent::Retried { .. } | RunEvent::Rerun { .. } => {}
        }
        Ok(())
    }

    fn draw(&mut self, current: usize) {
        if !self.bar {
            return;
        }
        let progress = &self.targets[current];
        let now = Instant::now();
        let mut waits: Vec<(Duration, &str)> = progress
            .running
            .iter()
            .filter_map(|(i, until)| {
                until.map(|u| {
                    (
                        u.saturating_duration_since(now),
                        progress.names[*i].as_str(),
                    )
                })
            })
            .collect();
        waits.sort();
        let busy = progress.running.len() - waits.len();
        let mut line = format!(
            "{}/{} finished, {busy} running",
            progress.done,
            progress.names.len()
        );
        for (left, name) in waits.iter().rev().take(3) {
            line.push_str(&format!(", {name} {}s left", left.as_secs() + 1));
        }
        let line: String = line.chars().take(160).collect();
        errp!("\r\x1b[K{line}");
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            errp!("\r\x1b[K");
            self.drawn = false;
        }
    }
}
