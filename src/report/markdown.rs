//! `summary.md`: a short GitHub-flavoured Markdown summary for a CI step
//! summary or a pull-request comment — a title with the target and verdict,
//! the counts, then the findings (fail, error, warn) as a capped table.
//!
//! Reports embed what the server said, and GitHub renders Markdown with HTML,
//! links and @mentions; so every value that is not ours goes out as a code
//! span ([`code`]), where none of that applies. Renders from the
//! [`RunReport`] only; the full evidence belongs in `report.html`.

use super::text::{duration, findings, one_line, requirement_link, shorten, target_label};
use super::{RunReport, Totals};
use crate::run::Outcome;

/// At most this many findings are listed; the rest are counted.
pub const MAX_ROWS: usize = 50;

/// Longest reason shown in a table cell, in characters.
const MAX_REASON: usize = 160;

/// The Markdown summary.
pub fn render(report: &RunReport) -> String {
    let totals = Totals::of(&report.trials);
    let mut out = String::new();
    out.push_str(&format!(
        "### {} oauthcheck: {} — {}\n\n",
        badge(&totals),
        code(&target_label(&report.target)),
        verdict(&totals, report.trials.len())
    ));
    let mut facts = Vec::new();
    if let Some(issuer) = &report.target.issuer {
        facts.push(format!("issuer {}", code(issuer)));
    }
    if let Some(standard) = &report.target.standard {
        facts.push(format!("standard {}", code(standard)));
    }
    facts.push(format!("oauthcheck {}", code(&report.tool_version)));
    facts.push(format!("started {}", code(&report.started_at)));
    facts.push(format!("took {}", duration(report.duration_ms)));
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");
    for warning in &report.target.warnings {
        out.push_str(&format!("> **warning:** {}\n\n", code(warning)));
    }
    out.push_str("| pass | fail | warn | skip | error | total |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        totals.passed,
        totals.failed,
        totals.warned,
        totals.skipped,
        totals.errored,
        report.trials.len()
    ));
    let found = findings(&report.trials);
    if found.is_empty() {
        return out;
    }
    out.push_str("\n| outcome | trial | requirement | severity | reason |\n");
    out.push_str("|---|---|---|---|---|\n");
    for trial in found.iter().take(MAX_ROWS) {
        let outcome = match trial.outcome {
            Outcome::Fail | Outcome::Error => format!("**{}**", trial.outcome.word()),
            other => other.word().to_string(),
        };
        let requirement = match trial.requirements.split_first() {
            None => String::new(),
            Some((first, rest)) => {
                let shown = match requirement_link(first, &trial.refs) {
                    // The link is built by the catalogue from a fixed set of
                    // sites and digits only, so it needs no escaping.
                    Some(link) => format!("[{}]({link})", cell_code(first)),
                    None => cell_code(first),
                };
                if rest.is_empty() {
                    shown
                } else {
                    format!("{shown} +{}", rest.len())
                }
            }
        };
        out.push_str(&format!(
            "| {outcome} | {} | {requirement} | {} | {} |\n",
            cell_code(&trial.name),
            trial.severity.word(),
            cell_code(&shorten(&one_line(trial), MAX_REASON)),
        ));
    }
    if found.len() > MAX_ROWS {
        out.push_str(&format!(
            "\n… and {} more (see `report.html`).\n",
            found.len() - MAX_ROWS
        ));
    }
    out
}

/// A mark a reader sees at a glance.
fn badge(totals: &Totals) -> &'static str {
    if totals.failed > 0 {
        "❌"
    } else if totals.errored > 0 {
        "⚠️"
    } else {
        "✅"
    }
}

/// `3 failed, 1 errored` or `all 76 trials passed`.
fn verdict(totals: &Totals, count: usize) -> String {
    let mut parts = Vec::new();
    for (n, word) in [
        (totals.failed, "failed"),
        (totals.errored, "errored"),
        (totals.warned, "warned"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if !parts.is_empty() {
        return parts.join(", ");
    }
    match (totals.passed, totals.skipped) {
        (0, 0) => "no trials ran".to_string(),
        (_, 0) => format!("all {count} trials passed"),
        (passed, skipped) => format!("{passed} passed, {skipped} skipped"),
    }
}

/// `text` as a code span: no HTML, links, emphasis or @mentions inside. Line
/// breaks become spaces. Empty text stays empty.
pub fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    if text.trim().is_empty() {
        return String::new();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A span whose content starts or ends with a backtick (or with spaces on
    // both sides) needs a space of padding, which Markdown strips again.
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' '));
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// [`code`] for a table cell: a `|` must be escaped even inside a code span.
pub fn cell_code(text: &str) -> String {
    code(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_neutralise_markup() {
        assert_eq!(code("a <b> @c [d](e)"), "`a <b> @c [d](e)`");
        assert_eq!(code("expected `x`"), "`` expected `x` ``");
        assert_eq!(code("`a``"), "``` `a`` ```");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(code(""), "");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
    }

    #[test]
    fn verdicts() {
        let t = Totals {
            passed: 3,
            ..Totals::default()
        };
        assert_eq!(verdict(&t, 3), "all 3 trials passed");
        let t = Totals {
            passed: 3,
            skipped: 1,
            ..Totals::default()
        };
        assert_eq!(verdict(&t, 4), "3 passed, 1 skipped");
        let t = Totals {
            failed: 2,
            errored: 1,
            ..Totals::default()
        };
        assert_eq!(verdict(&t, 3), "2 failed, 1 errored");
        assert_eq!(badge(&t), "❌");
    }
}
