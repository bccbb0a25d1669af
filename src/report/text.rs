//! Small wording helpers shared by the renderers: outcome, level and severity
//! words, the one-line reason of a trial, the label of a target, durations,
//! and the catalogue title and citation link of a requirement.
//!
//! Plain text only: escaping belongs to each format (askama for HTML, the
//! Markdown escaper, the XML and JSON serializers). Nothing here writes.

use crate::catalogue;
use crate::run::{Outcome, TrialReport};

use super::TargetInfo;

/// Every outcome, in the order reports list them: the findings first.
pub const OUTCOMES: [Outcome; 5] = [
    Outcome::Fail,
    Outcome::Error,
    Outcome::Warn,
    Outcome::Skip,
    Outcome::Pass,
];

/// Where an outcome sorts in [`OUTCOMES`].
pub fn outcome_rank(outcome: Outcome) -> usize {
    OUTCOMES
        .iter()
        .position(|o| *o == outcome)
        .unwrap_or(OUTCOMES.len())
}

/// The trials worth a reader's attention (fail, error, warn), most serious
/// first: by outcome, then severity, then name.
pub fn findings(trials: &[TrialReport]) -> Vec<&TrialReport> {
    let mut found: Vec<&TrialReport> = trials
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
        .collect();
    found.sort_by(|a, b| {
        (outcome_rank(a.outcome), a.severity, &a.name).cmp(&(
            outcome_rank(b.outcome),
            b.severity,
            &b.name,
        ))
    });
    found
}

/// The first non-empty line of the trial's message, trimmed; `""` when none.
pub fn reason(trial: &TrialReport) -> &str {
    trial
        .message
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// The most telling single line of a message: its headline, plus the first
/// listed detail when the headline only says where (`… at the `token` step:`).
pub fn one_line(trial: &TrialReport) -> String {
    let mut lines = trial
        .message
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return String::new();
    };
    match (first.ends_with(':'), lines.next()) {
        (true, Some(detail)) => format!("{first} {}", detail.trim_start_matches("- ")),
        _ => first.to_string(),
    }
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How every report header marks a run made with `--insecure`.
pub const INSECURE_MARK: &str = "INSECURE: TLS certificates were not verified";

/// The target's name, with its flaws and quirks when any are switched on
/// and the `--insecure` mark:
/// `reference (flaws: code.single-use, pkce.downgrade)`.
pub fn target_label(target: &TargetInfo) -> String {
    let mut switches = Vec::new();
    if !target.flaws.is_empty() {
        switches.push(format!("flaws: {}", target.flaws.join(", ")));
    }
    if !target.quirks.is_empty() {
        switches.push(format!("quirks: {}", target.quirks.join(", ")));
    }
    if target.insecure {
        switches.push(INSECURE_MARK.to_string());
    }
    if switches.is_empty() {
        target.name.clone()
    } else {
        format!("{} ({})", target.name, switches.join("; "))
    }
}

/// `0.12 s`, `4.13 s`, `2 min 05 s`.
pub fn duration(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The catalogue title of a requirement id.
pub fn requirement_title(id: &str) -> Option<&'static str> {
    catalogue::find(id).map(|r| r.title.as_str())
}

/// Where to read a requirement: the first linkable citation of its catalogue
/// entry, else of the trial's own citations.
pub fn requirement_link(id: &str, trial_refs: &[String]) -> Option<String> {
    let catalogue_refs = catalogue::find(id)
        .map(|r| r.refs.as_slice())
        .unwrap_or(&[]);
    first_link(catalogue_refs).or_else(|| first_link(trial_refs))
}

/// The first citation that [`catalogue::rfc_link`] can turn into a URL.
pub fn first_link(refs: &[String]) -> Option<String> {
    refs.iter().find_map(|r| catalogue::rfc_link(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_flaws_only_when_there_are_some() {
        let mut target = TargetInfo {
            standard: None,
            name: "reference".into(),
            issuer: None,
            flaws: vec![],
            quirks: vec![],
            warnings: vec![],
            insecure: false,
        };
        assert_eq!(target_label(&target), "reference");
        target.flaws = vec!["code.single-use".into(), "pkce.downgrade".into()];
        assert_eq!(
            target_label(&target),
            "reference (flaws: code.single-use, pkce.downgrade)"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(120), "0.12 s");
        assert_eq!(duration(4129), "4.13 s");
        assert_eq!(duration(125_000), "2 min 05 s");
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefg", 6), "abcde…");
    }

    #[test]
    fn requirement_links_come_from_the_catalogue_first() {
        assert_eq!(
            requirement_link("code.single-use", &[]).as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2")
        );
        assert_eq!(
            requirement_link("no.such-requirement", &["RFC 7009 §2.1".into()]).as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc7009#section-2.1")
        );
        assert_eq!(
            requirement_link("no.such-requirement", &["a blog".into()]),
            None
        );
    }
}
