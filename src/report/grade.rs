//! Grades for `compare`: one letter per target, overall and per catalogue
//! area (the `area` of `area.name` requirement ids), by the rubric in
//! `docs/grades.md`.
//!
//! Only judged trials (pass, fail, warn) count. A letter is the best the
//! worst finding allows: a critical MUST failure caps at F, a high one at
//! D, any other MUST failure at C; broken SHOULDs (warns) cap at B, or at C
//! when two or more make a quarter or more of the judged trials. Skips and errors
//! are not findings about the server: they lower the *coverage* shown
//! beside the letter, never the letter. Nothing judged: no letter.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RunReport;
use crate::run::{Outcome, TrialReport};
use crate::suite::Severity;

/// A grade letter, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Letter {
    A,
    B,
    C,
    D,
    F,
}

impl Letter {
    /// The letter as text.
    pub fn word(self) -> &'static str {
        match self {
            Letter::A => "A",
            Letter::B => "B",
            Letter::C => "C",
            Letter::D => "D",
            Letter::F => "F",
        }
    }
}

/// The grade of one target over some trials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grade {
    /// `None` when no trial was judged (all skipped or errored, or none).
    pub letter: Option<Letter>,
    /// Why this letter: the finding that capped it, or that nothing did.
    pub reason: String,
    /// Trials that passed, failed or warned.
    pub judged: usize,
    /// Every trial, judged or not.
    pub total: usize,
    pub skipped: usize,
    pub errored: usize,
}

impl Grade {
    /// The letter, or `–` when nothing was judged.
    pub fn word(&self) -> &'static str {
        self.letter.map_or("–", Letter::word)
    }

    /// Judged trials as a whole percentage of all (100 when there are none).
    pub fn coverage_percent(&self) -> usize {
        (self.judged * 100).checked_div(self.total).unwrap_or(100)
    }

    /// `judged/total judged`, with the skips and errors when there are any.
    pub fn coverage(&self) -> String {
        let mut text = format!("{}/{} judged", self.judged, self.total);
        if self.skipped + self.errored > 0 {
            text.push_str(&format!(
                " ({} skipped, {} errored)",
                self.skipped, self.errored
            ));
        }
        text
    }
}

/// The grades of several runs: overall and per area, a grade per run.
#[derive(Debug, Clone, Serialize)]
pub struct Grades {
    /// One per run, in the order given.
    pub overall: Vec<Grade>,
    /// Every area any run has a trial in, sorted by name.
    pub areas: Vec<AreaGrades>,
}

/// One catalogue area across the runs.
#[derive(Debug, Clone, Serialize)]
pub struct AreaGrades {
    pub area: String,
    /// One per run; a run with no trial in the area gets no letter.
    pub grades: Vec<Grade>,
}

/// Grades every run, overall and per area.
pub fn grades(reports: &[RunReport]) -> Grades {
    let mut areas: BTreeMap<String, Vec<Vec<&TrialReport>>> = BTreeMap::new();
    for (column, report) in reports.iter().enumerate() {
        for trial in &report.trials {
            let per_run = areas
                .entry(area(trial).to_string())
                .or_insert_with(|| vec![Vec::new(); reports.len()]);
            per_run[column].push(trial);
        }
    }
    Grades {
        overall: reports.iter().map(|r| grade(&r.trials)).collect(),
        areas: areas
            .into_iter()
            .map(|(area, per_run)| AreaGrades {
                area,
                grades: per_run.into_iter().map(grade).collect(),
            })
            .collect(),
    }
}

/// The catalogue area of a trial: that of its first requirement (else its
/// scenario's id).
pub fn area(trial: &TrialReport) -> &str {
    let id = trial
        .requirements
        .first()
        .map_or(trial.scenario.as_str(), String::as_str);
    id.split_once('.').map_or(id, |(area, _)| area)
}

/// The grade of one target over `trials`, by the rubric.
pub fn grade<'a>(trials: impl IntoIterator<Item = &'a TrialReport>) -> Grade {
    let mut judged = 0;
    let mut total = 0;
    let (mut skipped, mut errored) = (0, 0);
    let mut failed: BTreeMap<Severity, Vec<&str>> = BTreeMap::new();
    let mut warned = Vec::new();
    for trial in trials {
        total += 1;
        match trial.outcome {
            Outcome::Pass => judged += 1,
            Outcome::Fail => {
                judged += 1;
                failed.entry(trial.severity).or_default().push(&trial.name);
            }
            Outcome::Warn => {
                judged += 1;
                warned.push(trial.name.as_str());
            }
            Outcome::Skip => skipped += 1,
            Outcome::Error => errored += 1,
        }
    }
    let (letter, reason) = if judged == 0 {
        (None, "no trial was judged".to_string())
    } else if let Some((&severity, names)) = failed.iter().next() {
        let letter = match severity {
            Severity::Critical => Letter::F,
            Severity::High => Letter::D,
            _ => Letter::C,
        };
        let all: usize = failed.values().map(Vec::len).sum();
        (
            Some(letter),
            format!(
                "{all} MUST failure{}, the worst {}: {}",
                plural(all),
                severity.word(),
                list(names)
            ),
        )
    } else if !warned.is_empty() {
        let letter = if warned.len() >= 2 && warned.len() * 4 >= judged {
            Letter::C
        } else {
            Letter::B
        };
        (
            Some(letter),
            format!(
                "no MUST failure; {} of {judged} judged trials warned (SHOULD/MAY): {}",
                warned.len(),
                list(&warned)
            ),
        )
    } else {
        (
            Some(Letter::A),
            format!("all {judged} judged trials passed"),
        )
    };
    Grade {
        letter,
        reason,
        judged,
        total,
        skipped,
        errored,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Up to three names, then how many more.
fn list(names: &[&str]) -> String {
    let mut text = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        text.push_str(&format!(" and {} more", names.len() - 3));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Level;

    fn trial(name: &str, outcome: Outcome, severity: Severity) -> TrialReport {
        TrialReport {
            name: name.into(),
            scenario: name.into(),
            variant: None,
            title: String::new(),
            suite: "s".into(),
            requirements: vec![name.into()],
            level: Level::Must,
            severity,
            refs: vec![],
            outcome,
            message: None,
            location: None,
            duration_ms: 0,
            exchanges: vec![],
        }
    }

    fn letter(trials: &[TrialReport]) -> Option<Letter> {
        grade(trials).letter
    }

    #[test]
    fn the_worst_must_failure_caps_the_letter() {
        use Outcome::*;
        use Severity::*;
        let pass = |n: &str| trial(n, Pass, Critical);
        assert_eq!(letter(&[pass("a.x"), pass("a.y")]), Some(Letter::A));
        assert_eq!(
            letter(&[pass("a.x"), trial("a.y", Fail, Low)]),
            Some(Letter::C)
        );
        assert_eq!(
            letter(&[pass("a.x"), trial("a.y", Fail, High)]),
            Some(Letter::D)
        );
        let critical = grade(&[trial("a.y", Fail, High), trial("a.z", Fail, Critical)]);
        assert_eq!(critical.letter, Some(Letter::F));
        assert!(
            critical
                .reason
                .contains("2 MUST failures, the worst critical: a.z"),
            "{}",
            critical.reason
        );
    }

    #[test]
    fn warnings_lower_and_skips_and_errors_only_lower_coverage() {
        use Outcome::*;
        let t = |n: &str, o| trial(n, o, Severity::Medium);
        let mut trials: Vec<TrialReport> = (0..7).map(|i| t(&format!("a.p{i}"), Pass)).collect();
        trials.push(t("a.w", Warn));
        assert_eq!(letter(&trials), Some(Letter::B), "1 warn in 8");
        trials.push(t("a.w2", Warn));
        assert_eq!(
            letter(&trials),
            Some(Letter::B),
            "2 warns in 9: under a quarter"
        );
        trials.push(t("a.w3", Warn));
        assert_eq!(
            letter(&trials),
            Some(Letter::C),
            "3 warns in 10: a quarter or more"
        );
        let covered = grade(&[
            t("a.p", Pass),
            t("a.s", Skip),
            t("a.e", Error),
            t("a.e2", Error),
        ]);
        assert_eq!(covered.letter, Some(Letter::A));
        assert_eq!(covered.coverage_percent(), 25);
        assert_eq!(covered.coverage(), "1/4 judged (1 skipped, 2 errored)");
        assert_eq!(grade(&[t("a.s", Skip)]).word(), "–");
    }

    #[test]
    fn areas_come_from_the_first_requirement() {
        use Outcome::*;
        let run = |trials| RunReport {
            format_version: 1,
            tool_version: String::new(),
            target: super::super::TargetInfo {
                standard: None,
                name: "t".into(),
                issuer: None,
                flaws: vec![],
                quirks: vec![],
                warnings: Vec::new(),
                insecure: false,
            },
            started_at: String::new(),
            duration_ms: 0,
            trials,
            execution: None,
        };
        let grades = grades(&[
            run(vec![
                trial("code.single-use", Fail, Severity::Critical),
                trial("pkce.downgrade", Pass, Severity::High),
            ]),
            run(vec![trial("pkce.downgrade", Pass, Severity::High)]),
        ]);
        let areas: Vec<&str> = grades.areas.iter().map(|a| a.area.as_str()).collect();
        assert_eq!(areas, ["code", "pkce"]);
        assert_eq!(grades.areas[0].grades[0].word(), "F");
        assert_eq!(
            grades.areas[0].grades[1].word(),
            "–",
            "no trial in the area"
        );
        assert_eq!(grades.overall[0].word(), "F");
        assert_eq!(grades.overall[1].word(), "A");
    }
}
