//! `compare`: several runs (one per target) as one trial × target matrix, in
//! Markdown or as a self-contained HTML page.
//!
//! Rows are trial names (`scenario` or `scenario[variant]`, stable ids), sorted;
//! columns are the runs in the order given, labelled by target name plus the
//! flaws switched on, numbered when two runs would still look alike. A cell is
//! the trial's outcome there, or absent when that run did not have the trial.
//! A row *differs* when its cells are not all the same (absent counts as a
//! value). Each run also gets a grade, overall and per catalogue area
//! ([`super::grade`], rubric in `docs/grades.md`). Renders from
//! [`RunReport`]s only.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use serde::Serialize;

use super::grade::{Grade, Grades};
use super::markdown::cell_code;
use super::text::target_label;
use super::{ReportError, RunReport, TargetInfo, Totals};
use crate::run::Outcome;

/// What an absent cell shows.
pub const ABSENT: &str = "—";

/// The comparison of several runs.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// A grade per column, overall and per catalogue area.
    pub grades: Grades,
}

/// One run.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Unique among the columns: the target name, its flaws, and `#n` when needed.
    pub label: String,
    pub target: TargetInfo,
    pub started_at: String,
    pub totals: Totals,
}

/// One trial across the runs.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The trial name: `scenario` or `scenario[variant]`.
    pub name: String,
    pub scenario: String,
    pub title: String,
    pub requirements: Vec<String>,
    /// One per column; `None` when that run has no such trial.
    pub cells: Vec<Option<Outcome>>,
    /// The cells are not all the same.
    pub differs: bool,
}

impl Row {
    /// The word a cell shows: the outcome, or [`ABSENT`].
    pub fn cell_word(cell: Option<Outcome>) -> &'static str {
        cell.map(Outcome::word).unwrap_or(ABSENT)
    }
}

impl Matrix {
    /// The rows whose targets disagree.
    pub fn differing(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.differs)
    }
}

/// Builds the matrix; columns in the order of `reports`.
pub fn matrix(reports: &[RunReport]) -> Matrix {
    let columns = labels(reports)
        .into_iter()
        .zip(reports)
        .map(|(label, report)| Column {
            label,
            target: report.target.clone(),
            started_at: report.started_at.clone(),
            totals: Totals::of(&report.trials),
        })
        .collect();
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    for (column, report) in reports.iter().enumerate() {
        for trial in &report.trials {
            let row = rows.entry(trial.name.as_str()).or_insert_with(|| Row {
                name: trial.name.clone(),
                scenario: trial.scenario.clone(),
                title: trial.title.clone(),
                requirements: trial.requirements.clone(),
                cells: vec![None; reports.len()],
                differs: false,
            });
            // A run listing a trial twice is malformed; the first one counts.
            if row.cells[column].is_none() {
                row.cells[column] = Some(trial.outcome);
            }
        }
    }
    let rows = rows
        .into_values()
        .map(|mut row| {
            row.differs = row.cells.windows(2).any(|w| w[0] != w[1]);
            row
        })
        .collect();
    Matrix {
        columns,
        rows,
        grades: super::grade::grades(reports),
    }
}

/// Column labels: [`target_label`], with ` #2`, ` #3` … on repeats.
fn labels(reports: &[RunReport]) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut labels = Vec::new();
    for report in reports {
        let base = target_label(&report.target);
        let mut label = base.clone();
        let mut n = 1;
        while seen.contains(&label) {
            n += 1;
            label = format!("{base} #{n}");
        }
        seen.insert(label.clone());
        labels.push(label);
    }
    labels
}

/// The matrix as GitHub-flavoured Markdown: totals per target, then every
/// trial, differing rows marked `≠` and their name in bold.
pub fn render_markdown(matrix: &Matrix) -> String {
    let mut out = String::new();
    let differing = matrix.differing().count();
    out.push_str(&format!(
        "### oauthcheck: {} trials × {} targets, {differing} differ\n\n",
        matrix.rows.len(),
        matrix.columns.len()
    ));
    let header: Vec<String> = matrix.columns.iter().map(|c| cell_code(&c.label)).collect();
    let align = "|:---:".repeat(matrix.columns.len());
    out.push_str(&format!(
        "| grade | {} |\n|---{align}|\n",
        header.join(" | ")
    ));
    let grade_cells = |grades: &[Grade]| {
        grades
            .iter()
            .map(|g| {
                if g.letter.is_none() {
                    g.word().to_string()
                } else {
                    format!("**{}** ({}%)", g.word(), g.coverage_percent())
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    out.push_str(&format!(
        "| **overall** | {} |\n",
        grade_cells(&matrix.grades.overall)
    ));
    for area in &matrix.grades.areas {
        out.push_str(&format!(
            "| {} | {} |\n",
            cell_code(&area.area),
            grade_cells(&area.grades)
        ));
    }
    out.push_str(
        "\nA letter is capped by the worst finding (a critical MUST failure: F; high: D; \
         other MUST failures: C; warnings: B, or C when two or more are a quarter of the judged trials); the \
         percentage is the share of trials judged: skips and errors lower it, not the \
         letter (oauthcheck's `docs/grades.md`).\n\n",
    );
    for (column, grade) in matrix.columns.iter().zip(&matrix.grades.overall) {
        out.push_str(&format!(
            "- {}: **{}**, {}; {}\n",
            cell_code(&column.label),
            grade.word(),
            super::markdown::code(&grade.reason),
            grade.coverage()
        ));
    }
    out.push('\n');
    let align = "|---:".repeat(matrix.columns.len());
    out.push_str(&format!(
        "| totals | {} |\n|---{align}|\n",
        header.join(" | ")
    ));
    // The standard each run was judged by: the same server can pass under
    // one and fail under another (docs/standards.md).
    if matrix.columns.iter().any(|c| c.target.standard.is_some()) {
        let standards: Vec<String> = matrix
            .columns
            .iter()
            .map(|c| {
                c.target
                    .standard
                    .as_deref()
                    .map(cell_code)
                    .unwrap_or_else(|| ABSENT.to_string())
            })
            .collect();
        out.push_str(&format!("| standard | {} |\n", standards.join(" | ")));
    }
    let totals = |f: fn(&Totals) -> usize| {
        matrix
            .columns
            .iter()
            .map(|c| f(&c.totals).to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for (word, count) in [
        ("pass", totals(|t| t.passed)),
        ("fail", totals(|t| t.failed)),
        ("warn", totals(|t| t.warned)),
        ("skip", totals(|t| t.skipped)),
        ("error", totals(|t| t.errored)),
    ] {
        out.push_str(&format!("| {word} | {count} |\n"));
    }
    let align = "|:---:".repeat(matrix.columns.len());
    out.push_str(&format!(
        "\n| | trial | requirement | {} |\n|---|---|---{align}|\n",
        header.join(" | ")
    ));
    for row in &matrix.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .map(|&cell| match cell {
                Some(Outcome::Fail | Outcome::Error) => format!("**{}**", Row::cell_word(cell)),
                _ => Row::cell_word(cell).to_string(),
            })
            .collect();
        let (mark, name) = if row.differs {
            ("≠", format!("**{}**", cell_code(&row.name)))
        } else {
            ("", cell_code(&row.name))
        };
        out.push_str(&format!(
            "| {mark} | {name} | {} | {} |\n",
            cell_code(&row.requirements.join(", ")),
            cells.join(" | ")
        ));
    }
    out
}

#[derive(Template)]
#[template(path = "compare.html")]
struct Page<'a> {
    matrix: &'a Matrix,
    differing: usize,
    /// `overall` then each area: a label and a grade per column.
    grades: Vec<(String, &'a [Grade])>,
    totals: Vec<TotalsRow>,
    rows: Vec<RowView<'a>>,
}

struct TotalsRow {
    outcome: &'static str,
    counts: Vec<usize>,
}

struct RowView<'a> {
    row: &'a Row,
    cells: Vec<CellView>,
}

struct CellView {
    word: &'static str,
    /// CSS class: the outcome word, or `absent`.
    class: &'static str,
}

/// The matrix as one self-contained HTML page (askama, everything escaped,
/// no script): differing rows highlighted, a switch to show only them.
pub fn render_html(matrix: &Matrix) -> Result<String, ReportError> {
    let count = |f: fn(&Totals) -> usize| matrix.columns.iter().map(|c| f(&c.totals)).collect();
    let grades = std::iter::once(("overall".to_string(), matrix.grades.overall.as_slice()))
        .chain(
            matrix
                .grades
                .areas
                .iter()
                .map(|a| (a.area.clone(), a.grades.as_slice())),
        )
        .collect();
    let page = Page {
        matrix,
        differing: matrix.differing().count(),
        grades,
        totals: vec![
            TotalsRow {
                outcome: "pass",
                counts: count(|t| t.passed),
            },
            TotalsRow {
                outcome: "fail",
                counts: count(|t| t.failed),
            },
            TotalsRow {
                outcome: "warn",
                counts: count(|t| t.warned),
            },
            TotalsRow {
                outcome: "skip",
                counts: count(|t| t.skipped),
            },
            TotalsRow {
                outcome: "error",
                counts: count(|t| t.errored),
            },
        ],
        rows: matrix
            .rows
            .iter()
            .map(|row| RowView {
                row,
                cells: row
                    .cells
                    .iter()
                    .map(|&c| CellView {
                        word: Row::cell_word(c),
                        class: cell_class(c),
                    })
                    .collect(),
            })
            .collect(),
    };
    page.render().map_err(|e| ReportError::Render {
        format: "HTML comparison",
        reason: e.to_string(),
    })
}

/// The matrix with its grades as pretty JSON, for tools.
pub fn render_json(matrix: &Matrix) -> Result<String, ReportError> {
    serde_json::to_string_pretty(matrix).map_err(|e| ReportError::Render {
        format: "JSON comparison",
        reason: e.to_string(),
    })
}

/// The CSS class of a cell.
fn cell_class(cell: Option<Outcome>) -> &'static str {
    cell.map(Outcome::word).unwrap_or("absent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::TrialReport;
    use crate::suite::{Level, Severity};

    fn trial(name: &str, outcome: Outcome) -> TrialReport {
        TrialReport {
            name: name.into(),
            scenario: name.split('[').next().unwrap_or(name).into(),
            variant: None,
            title: format!("title of {name}"),
            suite: "s".into(),
            requirements: vec![name.into()],
            level: Level::Must,
            severity: Severity::High,
            refs: vec![],
            outcome,
            message: None,
            location: None,
            duration_ms: 1,
            exchanges: vec![],
        }
    }

    fn run(name: &str, flaws: &[&str], trials: Vec<TrialReport>) -> RunReport {
        RunReport {
            format_version: super::super::FORMAT_VERSION,
            tool_version: "0.1.0".into(),
            target: TargetInfo {
                standard: None,
                name: name.into(),
                issuer: None,
                flaws: flaws.iter().map(|f| f.to_string()).collect(),
                quirks: vec![],
                warnings: vec![],
                insecure: false,
            },
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 1,
            trials,
            execution: None,
        }
    }

    #[test]
    fn the_standard_of_each_target_is_shown_when_any_is_known() {
        let mut a = run("a", &[], vec![trial("x", Outcome::Pass)]);
        let b = run("b", &[], vec![trial("x", Outcome::Warn)]);
        assert!(!render_markdown(&matrix(&[a.clone(), b.clone()])).contains("| standard |"));
        a.target.standard = Some("rfc6749".into());
        let markdown = render_markdown(&matrix(&[a.clone(), b.clone()]));
        assert!(
            markdown.contains("| standard | `rfc6749` | — |"),
            "{markdown}"
        );
        let html = render_html(&matrix(&[a, b])).unwrap();
        assert!(html.contains("standard <code>rfc6749</code>"), "{html}");
    }

    #[test]
    fn rows_are_sorted_and_absent_cells_differ() {
        let m = matrix(&[
            run(
                "a",
                &[],
                vec![trial("z.one", Outcome::Pass), trial("a.two", Outcome::Pass)],
            ),
            run("b", &[], vec![trial("a.two", Outcome::Fail)]),
        ]);
        let names: Vec<&str> = m.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a.two", "z.one"]);
        assert_eq!(m.rows[0].cells, [Some(Outcome::Pass), Some(Outcome::Fail)]);
        assert_eq!(m.rows[1].cells, [Some(Outcome::Pass), None]);
        assert!(m.rows.iter().all(|r| r.differs));
        assert_eq!(Row::cell_word(None), ABSENT);
        assert_eq!(m.columns[1].totals.failed, 1);
    }

    #[test]
    fn same_named_targets_are_told_apart() {
        let m = matrix(&[
            run("reference", &[], vec![]),
            run("reference", &["code.single-use"], vec![]),
            run("reference", &[], vec![]),
        ]);
        let labels: Vec<&str> = m.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "reference",
                "reference (flaws: code.single-use)",
                "reference #2"
            ]
        );
    }

    #[test]
    fn agreeing_rows_do_not_differ_and_render() {
        let m = matrix(&[
            run("a", &[], vec![trial("x", Outcome::Pass)]),
            run("b", &[], vec![trial("x", Outcome::Pass)]),
        ]);
        assert!(!m.rows[0].differs);
        let md = render_markdown(&m);
        assert!(md.contains("0 differ"), "{md}");
        assert!(md.contains("|  | `x` | `x` | pass | pass |"), "{md}");
        let html = render_html(&m).unwrap();
        assert!(html.contains("<tr class=\"same\">"), "{html}");
    }
}
